//! Installing a filter: `seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog)`.
//!
//! This is the one call of the crate's seccomp support that needs `unsafe`: no safe crate
//! installs a filter without also setting `PR_SET_NO_NEW_PRIVS` (seccompiler's
//! `apply_filter` always does), and LXC does not set it: with it, setuid programs inside
//! the container (`su`, `sudo`, `ping` with file capabilities) would stop gaining
//! privileges. The kernel accepts the filter without no_new_privs from a task that has
//! `CAP_SYS_ADMIN` in its user namespace, which is where the launcher calls it; the caller
//! sets no_new_privs first when `lxc.no_new_privs = 1`.
//!
//! Nothing here allocates: the launcher may call it in a child cloned from a
//! multi-threaded daemon, between clone and exec.

use super::bpf::Insn;
use nix::errno::Errno;
use nix::libc;

// `Insn` is `struct sock_filter`, field for field: the program is passed as it is.
const _: () = assert!(
    std::mem::size_of::<Insn>() == std::mem::size_of::<libc::sock_filter>()
        && std::mem::align_of::<Insn>() == std::mem::align_of::<libc::sock_filter>()
        && std::mem::offset_of!(Insn, code) == std::mem::offset_of!(libc::sock_filter, code)
        && std::mem::offset_of!(Insn, jt) == std::mem::offset_of!(libc::sock_filter, jt)
        && std::mem::offset_of!(Insn, jf) == std::mem::offset_of!(libc::sock_filter, jf)
        && std::mem::offset_of!(Insn, k) == std::mem::offset_of!(libc::sock_filter, k)
);

/// Installs `program` on the calling thread (inherited by its children and kept across
/// `execve`). Fails with `EACCES` without no_new_privs or `CAP_SYS_ADMIN`, `EINVAL` for a
/// program the kernel refuses (empty, longer than 4096 instructions, invalid).
pub fn install(program: &[Insn]) -> nix::Result<()> {
    let len = u16::try_from(program.len()).map_err(|_| Errno::EINVAL)?;
    if len == 0 {
        return Err(Errno::EINVAL);
    }
    let prog = libc::sock_fprog {
        len,
        // The kernel only reads the program (the field is not const in the C header).
        filter: program.as_ptr().cast::<libc::sock_filter>().cast_mut(),
    };
    seccomp_set_mode_filter(&prog)
}

#[allow(unsafe_code)]
fn seccomp_set_mode_filter(prog: &libc::sock_fprog) -> nix::Result<()> {
    // SAFETY: `prog` points to `prog.len` initialised instructions laid out as
    // `struct sock_filter` (checked above) that outlive the call; the kernel copies them
    // (copy_from_user), writes nothing and keeps no pointer into our memory. The flags
    // argument is 0. No Rust invariant depends on the call's effect, which only restricts
    // this thread's later syscalls.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            0 as libc::c_uint,
            prog as *const libc::sock_fprog,
        )
    };
    Errno::result(rc).map(drop)
}
