//! The child of `clone3`: waits for the parent's go, runs the planned steps in order and
//! executes the init. A step that fails ends the child with a report the parent turns into
//! the message (step, errno); the child never returns into the caller's frames.
//!
//! Nothing here allocates: the strings are the plan's, the system calls rustix's.

use crate::isolation::SeccompProgram;
use crate::plan::{Planned, Step};
use crate::spec::mount::ms;
use crate::sys::{Mount, Place, Sys};
use std::ffi::CStr;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// The descriptors the child works with.
#[derive(Debug)]
pub struct ChildIo {
    /// Read end of the go pipe.
    pub go: OwnedFd,
    /// Write end of the report pipe (close-on-exec: closed by a successful exec).
    pub report: OwnedFd,
    /// The init's stdin, stdout and stderr: the console's slave or /dev/null; for
    /// attach, the terminal of [`Step::Terminal`] (unused without one).
    pub stdio: OwnedFd,
    /// The container's init (a pidfd), for `SetNs` (attach).
    pub target: Option<OwnedFd>,
    /// The `tasks` files of the container's group in the cgroup v1 hierarchies, opened by
    /// the parent for writing, for `JoinCgroups`.
    pub cgroups: Vec<OwnedFd>,
}

/// How the child ended, for tests (the real child has exec'd or exited by then).
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The parent went away before saying go.
    Abandoned,
    /// Step `index` failed with `errno`; reported to the parent.
    Failed {
        /// Index in the plan.
        index: usize,
        /// The kernel's reason.
        errno: i32,
    },
    /// The exec was made (with the fake: would have been).
    Executed,
}

fn errno(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(libc::EIO)
}

/// Runs the plan. With the real [`crate::sys::Real`], returns only when something failed
/// (the caller then exits); with a fake, also after the exec.
pub fn run(
    sys: &dyn Sys,
    plan: &[Planned],
    io: &ChildIo,
    seccomp: Option<&dyn SeccompProgram>,
) -> Outcome {
    match sys.wait_go(io.go.as_fd()) {
        Ok(true) => {}
        Ok(false) | Err(_) => return Outcome::Abandoned,
    }
    // The rootfs once opened (`Step::OpenRoot`), with its path.
    let mut root: Option<(OwnedFd, &CStr)> = None;
    for (index, planned) in plan.iter().enumerate() {
        let result = match &planned.step {
            Step::OpenRoot(path) => sys.open_root(path).map(|fd| root = Some((fd, path))),
            other => {
                let root = root.as_ref().map(|(fd, path)| Root {
                    fd: fd.as_fd(),
                    path,
                });
                step(sys, other, io, seccomp, root)
            }
        };
        match result {
            Ok(()) => {}
            Err(_) if planned.optional => {}
            Err(e) => {
                let errno = errno(&e);
                sys.report(io.report.as_fd(), index as u32, errno);
                return Outcome::Failed { index, errno };
            }
        }
        if let Step::Exec { .. } = planned.step {
            return Outcome::Executed;
        }
    }
    Outcome::Executed
}

fn is(e: &io::Error, code: i32) -> bool {
    e.raw_os_error() == Some(code)
}

/// The opened rootfs and its path.
#[derive(Clone, Copy)]
struct Root<'a> {
    fd: BorrowedFd<'a>,
    path: &'a CStr,
}

/// Where `path` is: below the opened rootfs (resolved in it), or on the host.
fn place<'a>(root: Option<Root<'a>>, path: &'a CStr) -> io::Result<Place<'a>> {
    let Some(root) = root else {
        return Ok(Place::Host(path));
    };
    let bytes = path.to_bytes_with_nul();
    let prefix = root.path.to_bytes();
    let prefix = match prefix.iter().rposition(|&b| b != b'/') {
        Some(last) => &prefix[..=last],
        None => &prefix[..0], // the rootfs is `/`: every absolute path is below it
    };
    let Some(rest) = bytes.strip_prefix(prefix) else {
        return Ok(Place::Host(path));
    };
    // `rest` is "\0" (the rootfs itself) or "/..." (below it); "x..." is a sibling.
    let rel = match rest {
        [0] => &b".\0"[..],
        [b'/', ..] => {
            let start = rest
                .iter()
                .position(|&b| b != b'/')
                .unwrap_or(rest.len() - 1);
            match &rest[start..] {
                [0] => &b".\0"[..],
                below => below,
            }
        }
        _ => return Ok(Place::Host(path)),
    };
    // A tail of a C string is one: no error in practice, and never a host path if so.
    let rel =
        CStr::from_bytes_with_nul(rel).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    Ok(Place::Beneath {
        root: root.fd,
        path,
        rel,
    })
}

fn step(
    sys: &dyn Sys,
    step: &Step,
    io: &ChildIo,
    seccomp: Option<&dyn SeccompProgram>,
    root: Option<Root<'_>>,
) -> io::Result<()> {
    let place = |path| place(root, path);
    match step {
        // Opened by `run`, which keeps the descriptor.
        Step::OpenRoot(_) => Err(io::Error::from_raw_os_error(libc::EINVAL)),
        Step::ResetSignals => sys.reset_signals(),
        Step::Ids { uid, gid, groups } => sys.set_ids(*uid, *gid, groups),
        Step::JoinCgroups => io
            .cgroups
            .iter()
            .try_for_each(|tasks| sys.join_cgroup(tasks.as_fd())),
        Step::UnshareCgroup => sys.unshare_cgroup(),
        Step::SetNs(flags) => match &io.target {
            Some(pidfd) => sys.setns(pidfd.as_fd(), *flags),
            None => Err(io::Error::from_raw_os_error(libc::EBADF)),
        },
        Step::ForkWait => match sys.clone3(0, None)? {
            crate::sys::Cloned::Child => Ok(()),
            crate::sys::Cloned::Parent { pid, pidfd } => {
                drop(pidfd);
                sys.close_all();
                let code = sys.wait_status(pid).map_or(1, |c| c);
                sys.exit(code)
            }
        },
        Step::SessionKeyring => sys.join_session_keyring(),
        Step::PdeathSignal(sig) => sys.set_pdeath_signal(*sig),
        Step::Hostname(name) => sys.sethostname(name),
        Step::LoopbackUp => sys.loopback_up(),
        Step::Mount {
            source,
            target,
            fstype,
            flags,
            data,
            retry_data,
            remount,
            skip_missing,
        } => {
            let target = place(target)?;
            let m = Mount {
                source: source.as_deref().map(place).transpose()?,
                target,
                fstype: fstype.as_deref(),
                flags: *flags,
                data: data.as_deref(),
            };
            let mut result = sys.mount(m);
            if let (Err(e), Some(retry)) = (&result, retry_data) {
                if is(e, libc::EINVAL) || is(e, libc::EPERM) {
                    result = sys.mount(Mount {
                        data: Some(retry),
                        ..m
                    });
                }
            }
            match result {
                Err(e) if *skip_missing && is(&e, libc::ENOENT) => return Ok(()),
                Err(e) => return Err(e),
                Ok(()) => {}
            }
            if let Some(extra) = remount {
                // In a user namespace a bind mount keeps the flags the kernel locked on
                // its source; a remount must repeat them or fail with EPERM.
                let locked = sys.mount_flags(target).unwrap_or(0)
                    & (ms::NOSUID
                        | ms::NODEV
                        | ms::NOEXEC
                        | ms::NOATIME
                        | ms::NODIRATIME
                        | ms::RELATIME);
                sys.mount(Mount {
                    source: None,
                    target,
                    fstype: None,
                    flags: ms::REMOUNT | ms::BIND | extra | locked,
                    data: None,
                })?;
            }
            Ok(())
        }
        Step::Unmount(target) => sys.umount_detach(place(target)?),
        Step::Mkdir(path, mode) => match sys.mkdir(place(path)?, *mode) {
            Err(e) if is(&e, libc::EEXIST) => Ok(()),
            other => other,
        },
        Step::CreateFile(path) => sys.create_file(place(path)?, 0o644),
        Step::Device {
            path,
            major,
            minor,
            host,
        } => match sys.mknod_char(place(path)?, 0o666, *major, *minor) {
            Err(e) if is(&e, libc::EEXIST) => Ok(()),
            // No mknod in a user namespace: an empty file with the host's node on it.
            Err(e) if is(&e, libc::EPERM) => {
                sys.create_file(place(path)?, 0o644)?;
                sys.mount(Mount {
                    source: Some(Place::Host(host)),
                    target: place(path)?,
                    fstype: None,
                    flags: ms::BIND,
                    data: None,
                })
            }
            other => other,
        },
        Step::Symlink { target, link } => match sys.symlink(target, place(link)?) {
            Err(e) if is(&e, libc::EEXIST) => Ok(()),
            other => other,
        },
        Step::Ptmx { path, pts } => match sys.symlink(c"pts/ptmx", place(path)?) {
            // The rootfs's own /dev (lxc.autodev = 0): the new instance's ptmx over it.
            Err(e) if is(&e, libc::EEXIST) => sys.mount(Mount {
                source: Some(place(pts)?),
                target: place(path)?,
                fstype: None,
                flags: ms::BIND,
                data: None,
            }),
            other => other,
        },
        Step::Umask(mask) => {
            sys.umask(*mask);
            Ok(())
        }
        Step::PivotRoot(root) => pivot(sys, root),
        Step::Write(path, data) => sys.write_path(path, data),
        Step::AppArmorExec {
            path,
            fallback,
            data,
        } => match sys.write_path(path, data) {
            Err(e) if is(&e, libc::ENOENT) => sys.write_path(fallback, data),
            other => other,
        },
        Step::Personality(p) => sys.set_personality(*p),
        Step::DropBounding(cap) => sys.drop_bounding(*cap),
        Step::DropInheritable(mask) => sys.drop_inheritable(*mask),
        Step::NoNewPrivs => sys.no_new_privs(),
        Step::Seccomp => match seccomp {
            Some(filter) => sys.install_seccomp(filter),
            None => Err(io::Error::from_raw_os_error(libc::EINVAL)),
        },
        Step::Stdio { tty } => sys.take_stdio(io.stdio.as_fd(), *tty),
        Step::Terminal(which) => sys.take_terminal(io.stdio.as_fd(), *which),
        Step::Chdir(path) => sys.chdir(path),
        Step::Exec {
            candidates,
            argv,
            env,
        } => {
            sys.cloexec_from_3();
            let mut last = io::Error::from_raw_os_error(libc::ENOENT);
            for path in candidates {
                last = sys.exec(path, argv, env);
                if last.raw_os_error() == Some(0) {
                    // The fake's success.
                    return Ok(());
                }
                if !is(&last, libc::ENOENT) && !is(&last, libc::ENOTDIR) {
                    break;
                }
            }
            Err(last)
        }
    }
}

/// pivot_root(".", ".") in the new root and a lazy unmount of the old one stacked on it
/// (runc's and LXC's way, no put_old directory needed); where the host's root is the
/// initial ramfs, which cannot be pivoted, the rootfs is moved onto / and chrooted into,
/// as LXC does there.
fn pivot(sys: &dyn Sys, root: &CStr) -> io::Result<()> {
    sys.chdir(root)?;
    match sys.pivot_root(c".", c".") {
        Ok(()) => {
            sys.umount_detach(Place::Host(c"."))?;
            sys.chdir(c"/")
        }
        Err(e) if is(&e, libc::EINVAL) => {
            sys.mount(Mount {
                source: Some(Place::Host(c".")),
                target: Place::Host(c"/"),
                fstype: None,
                flags: ms::MOVE,
                data: None,
            })?;
            sys.chroot(c".")?;
            sys.chdir(c"/")
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(root: &CStr, path: &CStr) -> Option<String> {
        let dir = std::fs::File::open("/").unwrap();
        let root = Root {
            fd: dir.as_fd(),
            path: root,
        };
        match place(Some(root), path).unwrap() {
            Place::Host(_) => None,
            Place::Beneath { rel, path: p, .. } => {
                assert_eq!(p, path);
                Some(rel.to_string_lossy().into_owned())
            }
        }
    }

    #[test]
    fn paths_below_the_rootfs_are_relative_to_it_and_others_stay_host_paths() {
        let root = c"/var/lib/lxc/c1/rootfs";
        assert_eq!(
            rel(root, c"/var/lib/lxc/c1/rootfs/dev/null").as_deref(),
            Some("dev/null")
        );
        assert_eq!(
            rel(root, c"/var/lib/lxc/c1/rootfs//proc").as_deref(),
            Some("proc")
        );
        assert_eq!(rel(root, c"/var/lib/lxc/c1/rootfs").as_deref(), Some("."));
        assert_eq!(rel(root, c"/var/lib/lxc/c1/rootfs/").as_deref(), Some("."));
        // A sibling whose name starts with the rootfs's is not below it.
        assert_eq!(rel(root, c"/var/lib/lxc/c1/rootfs2/x"), None);
        assert_eq!(rel(root, c"/dev/pts/7"), None);
        // The rootfs's path as configured, with a trailing slash.
        assert_eq!(rel(c"/srv/r/", c"/srv/r/etc").as_deref(), Some("etc"));
        // A rootfs of `/` (a host-rootfs container): every absolute path is below it.
        assert_eq!(rel(c"/", c"/dev/null").as_deref(), Some("dev/null"));
        // Before the rootfs is opened, everything is a host path.
        assert!(matches!(
            place(None, c"/var/lib/lxc/c1/rootfs/proc").unwrap(),
            Place::Host(_)
        ));
    }
}
