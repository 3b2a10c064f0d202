//! The real system calls: rustix's raw calls in the child, nix where a libc wrapper is
//! a plain system call (mount), the standard library in the parent.

use super::{raw, Cloned, Mount, Place, Sys};
use rustix::fd::AsFd;
use std::ffi::CStr;
use std::io::{self, Write as _};
use std::os::fd::{BorrowedFd, OwnedFd};

/// The kernel.
#[derive(Clone, Copy, Debug, Default)]
pub struct Real;

fn io_err(e: rustix::io::Errno) -> io::Error {
    io::Error::from_raw_os_error(e.raw_os_error())
}

fn nix_err(e: nix::errno::Errno) -> io::Error {
    io::Error::from_raw_os_error(e as i32)
}

/// Below the rootfs: a symlink is resolved as if the rootfs were `/`, and no magic link
/// (`/proc/PID/fd/N`, `/proc/PID/root`) is followed.
const IN_ROOT: rustix::fs::ResolveFlags =
    rustix::fs::ResolveFlags::IN_ROOT.union(rustix::fs::ResolveFlags::NO_MAGICLINKS);

/// An `O_PATH` descriptor of `rel` below `root`.
fn resolve(root: BorrowedFd<'_>, rel: &CStr, directory: bool) -> io::Result<OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    let mut flags = OFlags::PATH | OFlags::CLOEXEC;
    if directory {
        flags |= OFlags::DIRECTORY;
    }
    rustix::fs::openat2(root, rel, flags, Mode::empty(), IN_ROOT).map_err(io_err)
}

/// `/proc/self/fd/N\0` written into `buf`: a path the kernel resolves to what `fd` holds,
/// for the calls that take no descriptor (mount, umount2), made without allocating.
fn fd_path<'b>(fd: BorrowedFd<'_>, buf: &'b mut [u8; 32]) -> io::Result<&'b CStr> {
    use std::os::fd::AsRawFd;
    const PREFIX: &[u8] = b"/proc/self/fd/";
    buf[..PREFIX.len()].copy_from_slice(PREFIX);
    let mut digits = [0u8; 10];
    let mut n = fd.as_raw_fd().unsigned_abs();
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut at = PREFIX.len();
    for d in digits[..len].iter().rev() {
        buf[at] = *d;
        at += 1;
    }
    buf[at] = 0;
    CStr::from_bytes_with_nul(&buf[..=at]).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

/// Runs `f` with a path that names `place`: the host path, or `/proc/self/fd/N` of its
/// resolution below the rootfs (the descriptor open until `f` returns).
fn with_path<R>(
    place: Place<'_>,
    directory: bool,
    f: impl FnOnce(&CStr) -> io::Result<R>,
) -> io::Result<R> {
    match place {
        Place::Host(path) => f(path),
        Place::Beneath { root, rel, .. } => {
            let fd = resolve(root, rel, directory)?;
            let mut buf = [0u8; 32];
            f(fd_path(fd.as_fd(), &mut buf)?)
        }
    }
}

/// Runs `f` with the directory that holds `place` and the last component's name: the
/// current directory and the host path, or the parent resolved below the rootfs (so that
/// the entry is made where the container sees it, never through a symlink out of it).
fn with_parent<R>(
    place: Place<'_>,
    f: impl FnOnce(BorrowedFd<'_>, &CStr) -> io::Result<R>,
) -> io::Result<R> {
    let (root, rel) = match place {
        Place::Host(path) => return f(rustix::fs::CWD, path),
        Place::Beneath { root, rel, .. } => (root, rel.to_bytes()),
    };
    let invalid = || io::Error::from_raw_os_error(libc::EINVAL);
    let trimmed = match rel.iter().rposition(|&b| b != b'/') {
        Some(last) => &rel[..=last],
        None => return Err(io::Error::from_raw_os_error(libc::EEXIST)), // the root itself
    };
    let (parent, name) = match trimmed.iter().rposition(|&b| b == b'/') {
        Some(slash) => (&trimmed[..slash], &trimmed[slash + 1..]),
        None => (&b"."[..], trimmed),
    };
    let mut name_buf = [0u8; 256];
    if name.len() >= name_buf.len() {
        return Err(io::Error::from_raw_os_error(libc::ENAMETOOLONG));
    }
    name_buf[..name.len()].copy_from_slice(name);
    let name = CStr::from_bytes_with_nul(&name_buf[..=name.len()]).map_err(|_| invalid())?;
    let mut parent_buf = [0u8; 4096];
    if parent.len() >= parent_buf.len() {
        return Err(io::Error::from_raw_os_error(libc::ENAMETOOLONG));
    }
    parent_buf[..parent.len()].copy_from_slice(parent);
    let parent = CStr::from_bytes_with_nul(&parent_buf[..=parent.len()]).map_err(|_| invalid())?;
    let dir = resolve(root, parent, true)?;
    f(dir.as_fd(), name)
}

impl Sys for Real {
    fn clone3(&self, flags: u64, cgroup: Option<BorrowedFd<'_>>) -> io::Result<Cloned> {
        raw::clone3(flags, cgroup)
    }

    fn open_dir(&self, path: &std::path::Path) -> io::Result<std::os::fd::OwnedFd> {
        use rustix::fs::{Mode, OFlags};
        rustix::fs::open(
            path,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(io_err)
    }

    fn set_cgroup(
        &self,
        group: &cgtools::Group<'_>,
        version: cgtools::Version,
        settings: &[cgtools::Setting],
    ) -> cgtools::Result<Vec<cgtools::Setting>> {
        group.set_translated(Some(version), settings)
    }

    fn open_write(&self, path: &std::path::Path) -> io::Result<std::os::fd::OwnedFd> {
        use rustix::fs::{Mode, OFlags};
        rustix::fs::open(path, OFlags::WRONLY | OFlags::CLOEXEC, Mode::empty()).map_err(io_err)
    }

    fn attach_cgroup(
        &self,
        group: &cgtools::Group<'_>,
        pid: i32,
        which: super::Hierarchies,
    ) -> cgtools::Result<()> {
        let pid = pid as u32;
        if which == super::Hierarchies::All {
            return group.attach(pid);
        }
        for cgroup in group.cgroups() {
            if which.includes(cgroup.hierarchy().version()) {
                cgroup.attach(pid)?;
            }
        }
        Ok(())
    }

    fn write_file(&self, path: &str, data: &str) -> io::Result<()> {
        let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
        f.write_all(data.as_bytes())
    }

    fn run(&self, argv: &[String]) -> io::Result<()> {
        let Some((program, args)) = argv.split_first() else {
            return Err(io::Error::from(io::ErrorKind::InvalidInput));
        };
        let out = std::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()?;
        if out.status.success() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&out.stderr).trim().to_string();
        Err(io::Error::other(format!(
            "{program} {}: {text}",
            out.status
        )))
    }

    fn prlimit(&self, pid: i32, resource: u32, soft: u64, hard: u64) -> io::Result<()> {
        use rustix::process::{Resource, Rlimit};
        let resource = match resource {
            0 => Resource::Cpu,
            1 => Resource::Fsize,
            2 => Resource::Data,
            3 => Resource::Stack,
            4 => Resource::Core,
            5 => Resource::Rss,
            6 => Resource::Nproc,
            7 => Resource::Nofile,
            8 => Resource::Memlock,
            9 => Resource::As,
            10 => Resource::Locks,
            11 => Resource::Sigpending,
            12 => Resource::Msgqueue,
            13 => Resource::Nice,
            14 => Resource::Rtprio,
            15 => Resource::Rttime,
            _ => return Err(io::Error::from_raw_os_error(libc::EINVAL)),
        };
        let limit = |v: u64| (v != u64::MAX).then_some(v);
        let pid = rustix::process::Pid::from_raw(pid);
        rustix::process::prlimit(
            pid,
            resource,
            Rlimit {
                current: limit(soft),
                maximum: limit(hard),
            },
        )
        .map(drop)
        .map_err(io_err)
    }

    fn send_go(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        rustix::io::write(fd, b"g").map(drop).map_err(io_err)
    }

    fn read_report(&self, fd: BorrowedFd<'_>, timeout_ms: i32) -> io::Result<Option<(u32, i32)>> {
        use rustix::event::{poll, PollFd, PollFlags, Timespec};
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        let timeout = Timespec {
            tv_sec: i64::from(timeout_ms / 1000),
            tv_nsec: i64::from(timeout_ms % 1000) * 1_000_000,
        };
        // A negative timeout waits for ever (attach: the command may run long).
        let timeout = (timeout_ms >= 0).then_some(&timeout);
        loop {
            match poll(&mut fds, timeout) {
                Ok(0) => return Err(io::Error::from(io::ErrorKind::TimedOut)),
                Ok(_) => break,
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(io_err(e)),
            }
        }
        let mut buf = [0u8; 8];
        let n = loop {
            match rustix::io::read(fd, &mut buf) {
                Ok(n) => break n,
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(io_err(e)),
            }
        };
        if n == 0 {
            return Ok(None);
        }
        if n != 8 {
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
        }
        let step = u32::from_ne_bytes([buf[0], buf[1], buf[2], buf[3]]);
        let errno = i32::from_ne_bytes([buf[4], buf[5], buf[6], buf[7]]);
        Ok(Some((step, errno)))
    }

    fn kill(&self, pidfd: BorrowedFd<'_>) -> io::Result<()> {
        rustix::process::pidfd_send_signal(pidfd, rustix::process::Signal::KILL).map_err(io_err)
    }

    fn reap(&self, pid: i32) -> io::Result<()> {
        let pid = nix::unistd::Pid::from_raw(pid);
        loop {
            match nix::sys::wait::waitpid(pid, Some(nix::sys::wait::WaitPidFlag::__WALL)) {
                Ok(_) => return Ok(()),
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(nix_err(e)),
            }
        }
    }

    fn wait_go(&self, fd: BorrowedFd<'_>) -> io::Result<bool> {
        let mut buf = [0u8; 1];
        loop {
            match rustix::io::read(fd, &mut buf) {
                Ok(n) => return Ok(n == 1),
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(io_err(e)),
            }
        }
    }

    fn join_cgroup(&self, tasks: BorrowedFd<'_>) -> io::Result<()> {
        loop {
            match rustix::io::write(tasks, b"0") {
                Ok(_) => return Ok(()),
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(io_err(e)),
            }
        }
    }

    fn report(&self, fd: BorrowedFd<'_>, step: u32, errno: i32) {
        let mut buf = [0u8; 8];
        buf[..4].copy_from_slice(&step.to_ne_bytes());
        buf[4..].copy_from_slice(&errno.to_ne_bytes());
        // One write below PIPE_BUF: atomic. Nothing to do if it fails; the parent then
        // sees the pipe close and the child's exit status.
        let _ = rustix::io::write(fd, &buf);
    }

    fn exit(&self, code: i32) -> ! {
        raw::exit_now(code)
    }

    fn reset_signals(&self) -> io::Result<()> {
        raw::reset_signals()
    }

    fn set_ids(&self, uid: u32, gid: u32, groups: &[u32]) -> io::Result<()> {
        use rustix::process::{Gid, Uid};
        use rustix::thread::{set_thread_groups, set_thread_res_gid, set_thread_res_uid};
        // At most NGROUPS_MAX (65536) in the kernel; a fixed buffer keeps this
        // allocation-free for the lists LXC configs use.
        let mut buf = [Gid::ROOT; 64];
        let n = groups.len().min(buf.len());
        for (slot, g) in buf.iter_mut().zip(groups) {
            *slot = Gid::from_raw(*g);
        }
        set_thread_groups(&buf[..n]).map_err(io_err)?;
        let gid = Gid::from_raw(gid);
        set_thread_res_gid(gid, gid, gid).map_err(io_err)?;
        let uid = Uid::from_raw(uid);
        set_thread_res_uid(uid, uid, uid).map_err(io_err)
    }

    fn setns(&self, pidfd: BorrowedFd<'_>, flags: u64) -> io::Result<()> {
        use rustix::thread::{move_into_thread_name_spaces, ThreadNameSpaceType};
        move_into_thread_name_spaces(pidfd, ThreadNameSpaceType::from_bits_retain(flags as u32))
            .map_err(io_err)
    }

    fn wait_status(&self, pid: i32) -> io::Result<i32> {
        use nix::sys::wait::{waitpid, WaitStatus};
        let pid = nix::unistd::Pid::from_raw(pid);
        loop {
            match waitpid(pid, None) {
                Ok(WaitStatus::Exited(_, code)) => return Ok(code),
                Ok(WaitStatus::Signaled(_, sig, _)) => return Ok(128 + sig as i32),
                Ok(_) => continue,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(nix_err(e)),
            }
        }
    }

    fn unshare_cgroup(&self) -> io::Result<()> {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWCGROUP).map_err(nix_err)
    }

    fn mount_flags(&self, path: Place<'_>) -> io::Result<u64> {
        let st = match path {
            Place::Host(path) => rustix::fs::statvfs(path),
            Place::Beneath { root, rel, .. } => rustix::fs::fstatvfs(resolve(root, rel, false)?),
        }
        .map_err(io_err)?;
        let f = st.f_flag.bits();
        // ST_RDONLY, NOSUID, NODEV, NOEXEC, NOATIME, NODIRATIME have the MS_ values;
        // ST_RELATIME (4096) is MS_RELATIME.
        let mut flags = f & (1 | 2 | 4 | 8 | 1024 | 2048);
        if f & 4096 != 0 {
            flags |= crate::spec::mount::ms::RELATIME;
        }
        Ok(flags)
    }

    fn sethostname(&self, name: &CStr) -> io::Result<()> {
        rustix::system::sethostname(name.to_bytes()).map_err(io_err)
    }

    fn setup_network(
        &self,
        pid: i32,
        net: &crate::spec::Net,
    ) -> Result<Vec<crate::network::Attached>, crate::network::NetworkError> {
        crate::network::setup(pid, net)
    }

    fn open_root(&self, path: &CStr) -> io::Result<OwnedFd> {
        use rustix::fs::{Mode, OFlags};
        rustix::fs::open(
            path,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(io_err)
    }

    fn mount(&self, m: Mount<'_>) -> io::Result<()> {
        use nix::mount::MsFlags;
        let call = |source: Option<&CStr>, target: &CStr| {
            nix::mount::mount(
                source,
                target,
                m.fstype,
                MsFlags::from_bits_retain(m.flags as libc::c_ulong),
                m.data,
            )
            .map_err(nix_err)
        };
        // A bind mount's source below the rootfs is resolved there too (the console's
        // ptmx); a file system's source (`proc`, `tmpfs`) is a plain name.
        match m.source {
            Some(source @ Place::Beneath { .. }) => with_path(source, false, |source| {
                with_path(m.target, false, |target| call(Some(source), target))
            }),
            source => with_path(m.target, false, |target| {
                call(source.map(|s| s.path()), target)
            }),
        }
    }

    fn umount_detach(&self, target: Place<'_>) -> io::Result<()> {
        with_path(target, false, |target| {
            rustix::mount::unmount(target, rustix::mount::UnmountFlags::DETACH).map_err(io_err)
        })
    }

    fn mkdir(&self, path: Place<'_>, mode: u32) -> io::Result<()> {
        with_parent(path, |dir, name| {
            rustix::fs::mkdirat(dir, name, rustix::fs::Mode::from_raw_mode(mode)).map_err(io_err)
        })
    }

    fn create_file(&self, path: Place<'_>, mode: u32) -> io::Result<()> {
        use rustix::fs::{Mode, OFlags};
        let flags = OFlags::CREATE | OFlags::WRONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW;
        let mode = Mode::from_raw_mode(mode);
        match path {
            Place::Host(path) => rustix::fs::open(path, flags, mode),
            Place::Beneath { root, rel, .. } => {
                rustix::fs::openat2(root, rel, flags, mode, IN_ROOT)
            }
        }
        .map(drop)
        .map_err(io_err)
    }

    fn mknod_char(&self, path: Place<'_>, mode: u32, major: u32, minor: u32) -> io::Result<()> {
        use rustix::fs::{makedev, mknodat, FileType, Mode};
        with_parent(path, |dir, name| {
            mknodat(
                dir,
                name,
                FileType::CharacterDevice,
                Mode::from_raw_mode(mode),
                makedev(major, minor),
            )
            .map_err(io_err)
        })
    }

    fn symlink(&self, target: &CStr, link: Place<'_>) -> io::Result<()> {
        with_parent(link, |dir, name| {
            rustix::fs::symlinkat(target, dir, name).map_err(io_err)
        })
    }

    fn unlink(&self, path: &CStr) -> io::Result<()> {
        rustix::fs::unlink(path).map_err(io_err)
    }

    fn umask(&self, mask: u32) -> u32 {
        rustix::process::umask(rustix::fs::Mode::from_raw_mode(mask)).as_raw_mode()
    }

    fn chdir(&self, path: &CStr) -> io::Result<()> {
        rustix::process::chdir(path).map_err(io_err)
    }

    fn pivot_root(&self, new_root: &CStr, put_old: &CStr) -> io::Result<()> {
        rustix::process::pivot_root(new_root, put_old).map_err(io_err)
    }

    fn chroot(&self, path: &CStr) -> io::Result<()> {
        rustix::process::chroot(path).map_err(io_err)
    }

    fn write_path(&self, path: &CStr, data: &[u8]) -> io::Result<()> {
        use rustix::fs::{Mode, OFlags};
        let fd = rustix::fs::open(path, OFlags::WRONLY | OFlags::CLOEXEC, Mode::empty())
            .map_err(io_err)?;
        let n = rustix::io::write(&fd, data).map_err(io_err)?;
        if n != data.len() {
            return Err(io::Error::from(io::ErrorKind::WriteZero));
        }
        Ok(())
    }

    fn loopback_up(&self) -> io::Result<()> {
        use rustix::net::{
            recv, send, socket_with, AddressFamily, RecvFlags, SendFlags, SocketFlags, SocketType,
        };
        let fd = socket_with(
            AddressFamily::NETLINK,
            SocketType::RAW,
            SocketFlags::CLOEXEC,
            None, // NETLINK_ROUTE
        )
        .map_err(io_err)?;
        // struct nlmsghdr + struct ifinfomsg: RTM_NEWLINK for ifindex 1 (lo is always the
        // first device of a network namespace) with IFF_UP set in flags and change.
        let mut msg = [0u8; 32];
        msg[0..4].copy_from_slice(&32u32.to_ne_bytes()); // nlmsg_len
        msg[4..6].copy_from_slice(&16u16.to_ne_bytes()); // RTM_NEWLINK
        msg[6..8].copy_from_slice(&(1u16 | 4).to_ne_bytes()); // NLM_F_REQUEST | NLM_F_ACK
        msg[8..12].copy_from_slice(&1u32.to_ne_bytes()); // seq
                                                         // msg[16] ifi_family AF_UNSPEC, msg[18..20] ifi_type 0
        msg[20..24].copy_from_slice(&1i32.to_ne_bytes()); // ifi_index
        msg[24..28].copy_from_slice(&1u32.to_ne_bytes()); // ifi_flags IFF_UP
        msg[28..32].copy_from_slice(&1u32.to_ne_bytes()); // ifi_change IFF_UP
        send(fd.as_fd(), &msg, SendFlags::empty()).map_err(io_err)?;
        let mut ack = [0u8; 64];
        let (n, _) = recv(fd.as_fd(), &mut ack, RecvFlags::empty()).map_err(io_err)?;
        // NLMSG_ERROR (2) carries -errno after the header; 0 is the acknowledgement.
        if n >= 20 && u16::from_ne_bytes([ack[4], ack[5]]) == 2 {
            let err = i32::from_ne_bytes([ack[16], ack[17], ack[18], ack[19]]);
            if err != 0 {
                return Err(io::Error::from_raw_os_error(-err));
            }
        }
        Ok(())
    }

    fn join_session_keyring(&self) -> io::Result<()> {
        raw::join_new_session_keyring()
    }

    fn set_pdeath_signal(&self, signal: i32) -> io::Result<()> {
        let signal = rustix::process::Signal::from_named_raw(signal)
            .ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))?;
        rustix::process::set_parent_process_death_signal(Some(signal)).map_err(io_err)
    }

    fn set_personality(&self, persona: u32) -> io::Result<()> {
        nix::sys::personality::set(nix::sys::personality::Persona::from_bits_retain(
            persona as libc::c_int,
        ))
        .map(drop)
        .map_err(nix_err)
    }

    fn drop_bounding(&self, cap: u32) -> io::Result<()> {
        use rustix::thread::{remove_capability_from_bounding_set, CapabilitySet};
        remove_capability_from_bounding_set(CapabilitySet::from_bits_retain(1u64 << cap))
            .map_err(io_err)
    }

    fn drop_inheritable(&self, mask: u64) -> io::Result<()> {
        use rustix::thread::{
            capabilities, clear_ambient_capability_set, set_capabilities, CapabilitySet,
        };
        let mut sets = capabilities(None).map_err(io_err)?;
        sets.inheritable &= !CapabilitySet::from_bits_retain(mask);
        set_capabilities(None, sets).map_err(io_err)?;
        clear_ambient_capability_set().map_err(io_err)
    }

    fn no_new_privs(&self) -> io::Result<()> {
        rustix::thread::set_no_new_privs(true).map_err(io_err)
    }

    fn install_seccomp(&self, filter: &dyn crate::isolation::SeccompProgram) -> io::Result<()> {
        filter.install().map_err(nix_err)
    }

    fn take_stdio(&self, fd: BorrowedFd<'_>, tty: bool) -> io::Result<()> {
        rustix::process::setsid().map_err(io_err)?;
        if tty {
            rustix::process::ioctl_tiocsctty(fd).map_err(io_err)?;
        }
        rustix::stdio::dup2_stdin(fd).map_err(io_err)?;
        rustix::stdio::dup2_stdout(fd).map_err(io_err)?;
        rustix::stdio::dup2_stderr(fd).map_err(io_err)
    }

    fn take_terminal(&self, fd: BorrowedFd<'_>, which: [bool; 3]) -> io::Result<()> {
        rustix::process::setsid().map_err(io_err)?;
        rustix::process::ioctl_tiocsctty(fd).map_err(io_err)?;
        if which[0] {
            rustix::stdio::dup2_stdin(fd).map_err(io_err)?;
        }
        if which[1] {
            rustix::stdio::dup2_stdout(fd).map_err(io_err)?;
        }
        if which[2] {
            rustix::stdio::dup2_stderr(fd).map_err(io_err)?;
        }
        Ok(())
    }

    fn close_all(&self) {
        let _ = raw::close_from(3);
        use rustix::fs::{Mode, OFlags};
        if let Ok(null) = rustix::fs::open(c"/dev/null", OFlags::RDWR, Mode::empty()) {
            let _ = rustix::stdio::dup2_stdin(&null);
            let _ = rustix::stdio::dup2_stdout(&null);
            let _ = rustix::stdio::dup2_stderr(&null);
        }
    }

    fn cloexec_from_3(&self) {
        // Kernels before 5.11 lack CLOSE_RANGE_CLOEXEC; descriptors of this crate and of
        // the standard library are close-on-exec anyway.
        let _ = raw::cloexec_from(3);
    }

    fn exec(
        &self,
        path: &CStr,
        argv: &crate::plan::ExecArray,
        env: &crate::plan::ExecArray,
    ) -> io::Error {
        raw::execve(path, argv, env)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CString;
    use std::fs;
    use std::os::unix::ffi::OsStrExt;

    /// A rootfs with an absolute symlink to a host directory and one that climbs out with
    /// `..`; the host directory's path mirrored inside the rootfs.
    struct World {
        _tmp: tempfile::TempDir,
        root: std::path::PathBuf,
        outside: std::path::PathBuf,
        mirrored: std::path::PathBuf,
        fd: OwnedFd,
    }

    fn world() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("rootfs");
        let outside = tmp.path().join("outside");
        fs::create_dir_all(root.join("dev")).unwrap();
        fs::create_dir(&outside).unwrap();
        let mirrored = root.join(outside.strip_prefix("/").unwrap());
        fs::create_dir_all(&mirrored).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("esc")).unwrap();
        // From the host, rootfs/up is the rootfs's grandparent: the temporary directory.
        std::os::unix::fs::symlink("../..", root.join("up")).unwrap();
        let path = CString::new(root.as_os_str().as_bytes()).unwrap();
        let fd = Real.open_root(&path).unwrap();
        World {
            _tmp: tmp,
            root,
            outside,
            mirrored,
            fd,
        }
    }

    fn beneath<'a>(w: &'a World, full: &'a CStr, rel: &'a CStr) -> Place<'a> {
        Place::Beneath {
            root: w.fd.as_fd(),
            path: full,
            rel,
        }
    }

    #[test]
    fn entries_below_the_rootfs_are_made_where_the_container_sees_them() {
        let w = world();
        let any = c"(as planned)";
        Real.mkdir(beneath(&w, any, c"esc/made"), 0o755).unwrap();
        Real.create_file(beneath(&w, any, c"esc/file"), 0o644)
            .unwrap();
        Real.symlink(c"/target", beneath(&w, any, c"esc/link/"))
            .unwrap();
        Real.mkdir(beneath(&w, any, c"up/climbed"), 0o755).unwrap();
        Real.create_file(beneath(&w, any, c"up/up/file"), 0o644)
            .unwrap();
        for name in ["made", "file", "link"] {
            assert!(!w.outside.join(name).exists(), "{name} made outside");
            assert!(
                fs::symlink_metadata(w.mirrored.join(name)).is_ok(),
                "{name} not made in the rootfs"
            );
        }
        assert!(w.mirrored.join("made").is_dir());
        assert_eq!(
            fs::read_link(w.mirrored.join("link")).unwrap(),
            std::path::Path::new("/target")
        );
        // `..` stops at the rootfs.
        assert!(w.root.join("climbed").is_dir());
        assert!(w.root.join("file").is_file());
        assert!(!w.root.parent().unwrap().join("climbed").exists());
        assert!(!w.root.parent().unwrap().join("file").exists());
        // An existing entry is EEXIST, as on the host (the executor treats it as done).
        let err = Real
            .mkdir(beneath(&w, any, c"esc/made"), 0o755)
            .unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EEXIST));
        // A missing parent is ENOENT, not a directory made somewhere else.
        let err = Real
            .mkdir(beneath(&w, any, c"esc/no/such"), 0o755)
            .unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOENT));
    }

    #[test]
    fn a_link_to_the_hosts_proc_root_stays_in_the_rootfs() {
        let w = world();
        // /proc/self/root of the launching process is the host's root.
        std::os::unix::fs::symlink("/proc/self/root", w.root.join("dev/magic")).unwrap();
        fs::create_dir_all(w.root.join("proc/self")).unwrap();
        let err = Real
            .mkdir(beneath(&w, c"(as planned)", c"dev/magic/x"), 0o755)
            .unwrap_err();
        // Resolved in the rootfs, /proc/self/root is rootfs/proc/self/root: missing.
        assert_eq!(err.raw_os_error(), Some(libc::ENOENT));
    }

    #[test]
    fn proc_self_fd_paths_are_written_without_allocating() {
        let file = fs::File::open("/").unwrap();
        let mut buf = [0u8; 32];
        let fd = file.as_fd();
        let path = fd_path(fd, &mut buf).unwrap();
        use std::os::fd::AsRawFd;
        assert_eq!(
            path.to_str().unwrap(),
            format!("/proc/self/fd/{}", fd.as_raw_fd())
        );
    }
}
