//! The system calls the launch needs that neither nix nor rustix wraps safely:
//! `clone3` (nix 0.30 has no clone3; `clone` with a closure runs the child on a borrowed
//! stack, which is worse), `keyctl(KEYCTL_JOIN_SESSION_KEYRING)` and `close_range` with
//! `CLOSE_RANGE_CLOEXEC`, `signal(SIGPIPE, SIG_DFL)`, and `_exit`. Each is one libc call in a minimal, commented
//! `unsafe` block; nothing else in the crate is unsafe.

#![allow(unsafe_code)]

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// What `clone3` returned on this side of it.
#[derive(Debug)]
pub enum Cloned {
    /// In the parent: the child's pid and its pidfd (`CLONE_PIDFD`).
    Parent {
        /// The child's pid in the caller's pid namespace.
        pid: i32,
        /// A pidfd for it.
        pidfd: OwnedFd,
    },
    /// In the child.
    Child,
}

/// `struct clone_args` (include/uapi/linux/sched.h), version 2 (with `cgroup`).
#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

/// `CLONE_PIDFD`.
pub const CLONE_PIDFD: u64 = 0x1000;
/// `CLONE_INTO_CGROUP` (Linux 5.7).
pub const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

/// `clone3(flags | CLONE_PIDFD, exit_signal SIGCHLD, cgroup)`: like fork, plus the
/// namespace flags, the pidfd, and `CLONE_INTO_CGROUP` when `cgroup` is given (a
/// descriptor of a cgroup v2 directory, `O_PATH` is enough).
///
/// The child is a copy of the calling thread only, as after fork: it must not unwind into
/// the caller's frames (it ends in `execve` or `_exit`), and it should use system calls
/// that do not depend on the state of other threads (the launch's child uses rustix's
/// raw calls).
pub fn clone3(flags: u64, cgroup: Option<BorrowedFd<'_>>) -> io::Result<Cloned> {
    let mut pidfd: libc::c_int = -1;
    let mut args = CloneArgs {
        flags: flags | CLONE_PIDFD,
        pidfd: std::ptr::addr_of_mut!(pidfd) as u64,
        exit_signal: libc::SIGCHLD as u64,
        ..CloneArgs::default()
    };
    if let Some(fd) = cgroup {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = fd.as_raw_fd() as u64;
    }
    // SAFETY: `args` is a valid, initialised `struct clone_args` of the size given and
    // outlives the call; `pidfd` is where the kernel writes the new descriptor. Without
    // CLONE_VM and with a null stack the child gets a copy of this address space, as with
    // fork, so no memory is shared.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_clone3,
            std::ptr::addr_of_mut!(args),
            std::mem::size_of::<CloneArgs>(),
        )
    };
    match ret {
        -1 => Err(io::Error::last_os_error()),
        0 => Ok(Cloned::Child),
        pid => {
            // SAFETY: with CLONE_PIDFD the kernel stored a new descriptor that nothing
            // else owns in `pidfd` when the call succeeded.
            let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd) };
            Ok(Cloned::Parent {
                pid: pid as i32,
                pidfd,
            })
        }
    }
}

/// `keyctl(KEYCTL_JOIN_SESSION_KEYRING, NULL)`: a new anonymous session keyring for the
/// calling process (LXC's `lxc.keyring.session = 1`).
pub fn join_new_session_keyring() -> io::Result<()> {
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    // SAFETY: a null name asks for an anonymous keyring; no memory is passed.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_JOIN_SESSION_KEYRING,
            std::ptr::null::<libc::c_char>(),
        )
    };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `close_range(first, ~0, CLOSE_RANGE_CLOEXEC)`: every descriptor from `first` on is
/// closed at the next exec (Linux 5.11). Nothing is closed now.
pub fn cloexec_from(first: u32) -> io::Result<()> {
    const CLOSE_RANGE_CLOEXEC: libc::c_uint = 1 << 2;
    // SAFETY: only descriptor flags change; no descriptor is closed or reused.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            first as libc::c_uint,
            libc::c_uint::MAX,
            CLOSE_RANGE_CLOEXEC,
        )
    };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `close_range(first, ~0, 0)`: closes every descriptor from `first` on (Linux 5.9).
pub fn close_from(first: u32) -> io::Result<()> {
    // SAFETY: closes descriptors only; the caller (attach's intermediate process, which
    // then only waits and exits) uses none of them again.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            first as libc::c_uint,
            libc::c_uint::MAX,
            0 as libc::c_uint,
        )
    };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Gives the child the signal state a freshly started program expects: nothing blocked
/// (the caller may block signals for a signalfd, cgconfigd does, and a mask survives
/// exec) and SIGPIPE back to its default action (the Rust runtime ignores it in every
/// program, and an ignored signal also survives exec: `yes | head` in the container would
/// see EPIPE instead of dying). `std::process::Command` does the same for its children.
pub fn reset_signals() -> io::Result<()> {
    use nix::sys::signal::{sigprocmask, SigSet, SigmaskHow};
    sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None)
        .map_err(|e| io::Error::from_raw_os_error(e as i32))?;
    // SAFETY: SIG_DFL installs no handler, so no code of this program runs on a signal.
    let old = unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    if old == libc::SIG_ERR {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `_exit(code)`: ends the child without running the caller's atexit handlers or
/// flushing its stdio buffers, which belong to the parent (nix 0.30 has no `_exit`,
/// rustix's `exit_group` is not public).
pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit takes no pointer and does not return.
    unsafe { libc::_exit(code) }
}

/// execve(2) with the argument and environment arrays the parent made
/// ([`crate::plan::ExecArray`]): nothing is allocated in the child (nix's `execve` builds
/// the pointer arrays on the heap). Returns only on failure.
pub fn execve(
    path: &CStr,
    argv: &crate::plan::ExecArray,
    env: &crate::plan::ExecArray,
) -> io::Error {
    // SAFETY: `path` is a C string; `argv` and `env` hold NULL-terminated arrays of
    // pointers to C strings they own, alive for the duration of the call.
    unsafe { libc::execve(path.as_ptr(), argv.pointers(), env.pointers()) };
    io::Error::last_os_error()
}
