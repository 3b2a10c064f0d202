//! The system-call seam of the launch: every call the parent and the child make goes
//! through [`Sys`], with the real implementation ([`Real`]) and a recording fake
//! ([`record::Recorder`]) that lets unit tests check the order of a launch without a
//! kernel or privileges (youki's `Syscall` trait is the model).
//!
//! The child's calls take `&CStr` arguments prepared by the parent before `clone3`, and
//! [`Real`] makes them with rustix's raw system calls: the child of `clone3` in a
//! multi-threaded process is a copy of one thread, where glibc's wrappers that talk to
//! the other threads (setuid, setgroups) would hang, and allocation could meet a lock held
//! by a thread that does not exist there.

pub mod raw;
mod real;
pub mod record;

pub use raw::Cloned;
pub use real::Real;

use std::ffi::CStr;
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};

/// Which of a group's hierarchies a process is moved into by [`Sys::attach_cgroup`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hierarchies {
    /// Every hierarchy of the group.
    All,
    /// The cgroup v1 ones (the process was born in the v2 group by `CLONE_INTO_CGROUP`).
    V1,
    /// The cgroup v2 one (the process joins its v1 groups itself).
    V2,
}

impl Hierarchies {
    /// Whether a hierarchy of `version` is one of these.
    pub fn includes(self, version: cgtools::Version) -> bool {
        match self {
            Hierarchies::All => true,
            Hierarchies::V1 => version == cgtools::Version::V1,
            Hierarchies::V2 => version == cgtools::Version::V2,
        }
    }
}

/// A path the child works on: a host path, or one below the container's root, resolved
/// there as if the root were `/` (`openat2(RESOLVE_IN_ROOT)`), so that a symlink in the
/// rootfs (`proc -> /etc`, `dev -> ../../..`) can never lead a mount, a `mkdir` or a
/// `mknod` of the launch out of the rootfs. LXC's `safe_mount` refuses such symlinks
/// (ELOOP); resolving them inside the container is what the container itself sees.
#[derive(Clone, Copy, Debug)]
pub enum Place<'a> {
    /// A path on the host (outside the rootfs, or before the rootfs is opened).
    Host(&'a CStr),
    /// `rel` below `root` (the rootfs opened after its bind mount); `path` is the whole
    /// path as planned, for messages and the recording fake.
    Beneath {
        /// The rootfs.
        root: BorrowedFd<'a>,
        /// The path as planned (`/var/lib/lxc/c1/rootfs/dev/null`).
        path: &'a CStr,
        /// The part below the rootfs (`dev/null`; `.` for the rootfs itself).
        rel: &'a CStr,
    },
}

impl<'a> Place<'a> {
    /// The path as planned.
    pub fn path(&self) -> &'a CStr {
        match *self {
            Place::Host(path) | Place::Beneath { path, .. } => path,
        }
    }
}

/// One mount(2) call.
#[derive(Clone, Copy, Debug)]
pub struct Mount<'a> {
    /// Source (`None` for a remount or a propagation change).
    pub source: Option<Place<'a>>,
    /// Target.
    pub target: Place<'a>,
    /// File system type.
    pub fstype: Option<&'a CStr>,
    /// `MS_*` flags.
    pub flags: u64,
    /// File system data.
    pub data: Option<&'a CStr>,
}

/// The system calls of a launch.
pub trait Sys {
    // ---- parent side ----

    /// clone3 with `flags` (namespaces), `CLONE_PIDFD`, and `CLONE_INTO_CGROUP` of `cgroup`.
    fn clone3(&self, flags: u64, cgroup: Option<BorrowedFd<'_>>) -> io::Result<Cloned>;
    /// Opens a cgroup directory for `CLONE_INTO_CGROUP` (`O_PATH | O_DIRECTORY`).
    fn open_dir(&self, path: &std::path::Path) -> io::Result<OwnedFd>;
    /// Opens a file for writing, close-on-exec (a cgroup v1 `tasks` file the child writes
    /// itself into).
    fn open_write(&self, path: &std::path::Path) -> io::Result<OwnedFd>;
    /// Writes settings named in the vocabulary of cgroup `version` to `group`, translated
    /// by the backend to what the host runs; returns what was written.
    fn set_cgroup(
        &self,
        group: &cgtools::Group<'_>,
        version: cgtools::Version,
        settings: &[cgtools::Setting],
    ) -> cgtools::Result<Vec<cgtools::Setting>>;
    /// Moves process `pid` into `group` (its `cgroup.procs`) in the hierarchies `which`.
    fn attach_cgroup(
        &self,
        group: &cgtools::Group<'_>,
        pid: i32,
        which: Hierarchies,
    ) -> cgtools::Result<()>;
    /// Writes `data` to the file `path` in one write (id maps, /proc/PID files).
    fn write_file(&self, path: &str, data: &str) -> io::Result<()>;
    /// Runs a helper program (`newuidmap`) and waits for it; an error carries its output.
    fn run(&self, argv: &[String]) -> io::Result<()>;
    /// prlimit(2) on process `pid`.
    fn prlimit(&self, pid: i32, resource: u32, soft: u64, hard: u64) -> io::Result<()>;
    /// Creates and configures the network interfaces of `net` for the child `pid`, in its
    /// network namespace ([`crate::network::setup`]).
    fn setup_network(
        &self,
        pid: i32,
        net: &crate::spec::Net,
    ) -> Result<Vec<crate::network::Attached>, crate::network::NetworkError>;
    /// Writes one byte to `fd` (the go signal).
    fn send_go(&self, fd: BorrowedFd<'_>) -> io::Result<()>;
    /// Waits up to `timeout_ms` for the child's report on `fd`: `Ok(None)` when the pipe
    /// closed without one (the init was executed), `Ok(Some((step, errno)))` for a failure.
    fn read_report(&self, fd: BorrowedFd<'_>, timeout_ms: i32) -> io::Result<Option<(u32, i32)>>;
    /// Kills the child through its pidfd (SIGKILL).
    fn kill(&self, pidfd: BorrowedFd<'_>) -> io::Result<()>;
    /// Reaps the child `pid`.
    fn reap(&self, pid: i32) -> io::Result<()>;

    // ---- child side ----

    /// Blocks until the parent's go byte; `Ok(false)` when the parent went away.
    fn wait_go(&self, fd: BorrowedFd<'_>) -> io::Result<bool>;
    /// Moves the calling thread into the cgroup v1 group whose `tasks` file is `tasks`
    /// (writes `0`).
    fn join_cgroup(&self, tasks: BorrowedFd<'_>) -> io::Result<()>;
    /// Sends a failure report (step index, errno) to the parent.
    fn report(&self, fd: BorrowedFd<'_>, step: u32, errno: i32);
    /// Ends the child.
    fn exit(&self, code: i32) -> !;
    /// Unblocks every signal and gives SIGPIPE its default action back (the caller's
    /// signal state must not reach the container's programs: a mask and ignored signals
    /// survive exec).
    fn reset_signals(&self) -> io::Result<()>;
    /// setresgid/setresuid to `gid`/`uid` and setgroups(`groups`), in that order.
    fn set_ids(&self, uid: u32, gid: u32, groups: &[u32]) -> io::Result<()>;
    /// setns(pidfd, flags): into the namespaces of the process `pidfd` refers to.
    fn setns(&self, pidfd: BorrowedFd<'_>, flags: u64) -> io::Result<()>;
    /// Waits for child `pid`: its exit code, or 128 + the signal that killed it.
    fn wait_status(&self, pid: i32) -> io::Result<i32>;
    /// unshare(CLONE_NEWCGROUP).
    fn unshare_cgroup(&self) -> io::Result<()>;
    /// The `MS_*` flags of the mount at `path` (statvfs).
    fn mount_flags(&self, path: Place<'_>) -> io::Result<u64>;
    /// Opens the rootfs (`O_PATH | O_DIRECTORY`), after its bind mount: every later path
    /// below it is a [`Place::Beneath`] it.
    fn open_root(&self, path: &CStr) -> io::Result<OwnedFd>;
    /// sethostname.
    fn sethostname(&self, name: &CStr) -> io::Result<()>;
    /// mount(2).
    fn mount(&self, m: Mount<'_>) -> io::Result<()>;
    /// umount2(target, MNT_DETACH).
    fn umount_detach(&self, target: Place<'_>) -> io::Result<()>;
    /// mkdir (EEXIST is an error; the caller decides).
    fn mkdir(&self, path: Place<'_>, mode: u32) -> io::Result<()>;
    /// Creates an empty file if missing (O_CREAT, no truncation, not through a symlink).
    fn create_file(&self, path: Place<'_>, mode: u32) -> io::Result<()>;
    /// mknod of a character device.
    fn mknod_char(&self, path: Place<'_>, mode: u32, major: u32, minor: u32) -> io::Result<()>;
    /// symlink(target, link).
    fn symlink(&self, target: &CStr, link: Place<'_>) -> io::Result<()>;
    /// unlink.
    fn unlink(&self, path: &CStr) -> io::Result<()>;
    /// umask; returns the old mask.
    fn umask(&self, mask: u32) -> u32;
    /// chdir.
    fn chdir(&self, path: &CStr) -> io::Result<()>;
    /// pivot_root(new_root, put_old).
    fn pivot_root(&self, new_root: &CStr, put_old: &CStr) -> io::Result<()>;
    /// chroot.
    fn chroot(&self, path: &CStr) -> io::Result<()>;
    /// Opens `path` and writes `data` in one write (sysctls, AppArmor's exec attribute).
    fn write_path(&self, path: &CStr, data: &[u8]) -> io::Result<()>;
    /// Brings the loopback interface of the current network namespace up (rtnetlink).
    fn loopback_up(&self) -> io::Result<()>;
    /// A new anonymous session keyring.
    fn join_session_keyring(&self) -> io::Result<()>;
    /// PR_SET_PDEATHSIG.
    fn set_pdeath_signal(&self, signal: i32) -> io::Result<()>;
    /// personality(2).
    fn set_personality(&self, persona: u32) -> io::Result<()>;
    /// PR_CAPBSET_DROP of `cap`.
    fn drop_bounding(&self, cap: u32) -> io::Result<()>;
    /// Removes the capabilities of `mask` from the inheritable set and clears the ambient
    /// set.
    fn drop_inheritable(&self, mask: u64) -> io::Result<()>;
    /// PR_SET_NO_NEW_PRIVS.
    fn no_new_privs(&self) -> io::Result<()>;
    /// Installs the seccomp filter.
    fn install_seccomp(&self, filter: &dyn crate::isolation::SeccompProgram) -> io::Result<()>;
    /// setsid, then `fd` as the controlling terminal (when `tty`) and as stdin, stdout and
    /// stderr.
    fn take_stdio(&self, fd: BorrowedFd<'_>, tty: bool) -> io::Result<()>;
    /// setsid, then `fd` (a terminal) as the controlling terminal and as those of stdin,
    /// stdout and stderr that `which` names (attach: the caller's ones that are
    /// terminals).
    fn take_terminal(&self, fd: BorrowedFd<'_>, which: [bool; 3]) -> io::Result<()>;
    /// Marks every descriptor from 3 on close-on-exec.
    fn cloexec_from_3(&self);
    /// Closes every descriptor from 3 on, and puts /dev/null on stdin, stdout and stderr
    /// (attach's intermediate process, which only waits: it must not keep the caller's
    /// terminal, nor the master of the command's pty, whose hang-up tells the command
    /// that its caller went away).
    fn close_all(&self);
    /// execve; returns only on failure.
    fn exec(
        &self,
        path: &CStr,
        argv: &crate::plan::ExecArray,
        env: &crate::plan::ExecArray,
    ) -> io::Error;
}

/// A pipe whose ends are both close-on-exec.
pub fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).map_err(io::Error::from)
}
