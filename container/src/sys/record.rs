//! A recording fake of [`Sys`]: every call is appended to a log as one line of text, and
//! succeeds unless a test scripted its failure. Unit tests run the parent and the child of
//! a launch against it and compare the log with the order the launch must follow.

use super::{Cloned, Mount, Place, Sys};
use std::cell::RefCell;
use std::ffi::CStr;
use std::io;
use std::os::fd::BorrowedFd;

/// The fake.
#[derive(Debug, Default)]
pub struct Recorder {
    log: RefCell<Vec<String>>,
    /// Calls whose log line starts with one of these fail with the errno.
    fail: RefCell<Vec<(String, i32)>>,
    /// What `read_report` answers.
    pub report: Option<(u32, i32)>,
    /// `clone3` returns on the child's side (to run what a fork's child does).
    pub clone_as_child: bool,
    /// The paths that were resolved below the rootfs ([`Place::Beneath`]).
    beneath: RefCell<Vec<String>>,
}

fn s(c: &CStr) -> String {
    c.to_string_lossy().into_owned()
}

fn opt(c: Option<&CStr>) -> String {
    c.map_or_else(|| "-".to_string(), s)
}

impl Recorder {
    /// A fake where every call succeeds and the child reports success.
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// Makes the calls whose log line starts with `prefix` fail with `errno`.
    pub fn fail(&self, prefix: &str, errno: i32) {
        self.fail.borrow_mut().push((prefix.to_string(), errno));
    }

    /// The paths the calls so far resolved below the rootfs, in order.
    pub fn beneath(&self) -> Vec<String> {
        self.beneath.borrow().clone()
    }

    /// A place as the log shows it: its planned path (which paths were resolved below the
    /// rootfs is kept apart, [`Recorder::beneath`]).
    fn place(&self, place: Place<'_>) -> String {
        if let Place::Beneath { .. } = place {
            self.beneath.borrow_mut().push(s(place.path()));
        }
        s(place.path())
    }

    /// The calls so far, one line each.
    pub fn log(&self) -> Vec<String> {
        self.log.borrow().clone()
    }

    fn call(&self, line: String) -> io::Result<()> {
        let failing = self
            .fail
            .borrow()
            .iter()
            .find(|(p, _)| line.starts_with(p.as_str()))
            .map(|(_, e)| *e);
        self.log.borrow_mut().push(line);
        match failing {
            Some(errno) => Err(io::Error::from_raw_os_error(errno)),
            None => Ok(()),
        }
    }
}

impl Sys for Recorder {
    fn clone3(&self, flags: u64, cgroup: Option<BorrowedFd<'_>>) -> io::Result<Cloned> {
        self.call(format!(
            "clone3 {}{}",
            crate::launch::flag_names(flags),
            if cgroup.is_some() { " into-cgroup" } else { "" }
        ))?;
        if self.clone_as_child {
            return Ok(Cloned::Child);
        }
        let pidfd = std::fs::File::open("/dev/null")?.into();
        Ok(Cloned::Parent { pid: 4242, pidfd })
    }

    fn open_dir(&self, path: &std::path::Path) -> io::Result<std::os::fd::OwnedFd> {
        self.call(format!("open {}", path.display()))?;
        Ok(std::fs::File::open("/dev/null")?.into())
    }

    fn set_cgroup(
        &self,
        group: &cgtools::Group<'_>,
        version: cgtools::Version,
        settings: &[cgtools::Setting],
    ) -> cgtools::Result<Vec<cgtools::Setting>> {
        for s in settings {
            let _ = self.call(format!(
                "cgroup-set v{} {} {}={}",
                version.number(),
                group.path(),
                s.name,
                s.value
            ));
        }
        Ok(settings.to_vec())
    }

    fn open_write(&self, path: &std::path::Path) -> io::Result<std::os::fd::OwnedFd> {
        self.call(format!("open-write {}", path.display()))?;
        Ok(std::fs::File::open("/dev/null")?.into())
    }

    fn attach_cgroup(
        &self,
        group: &cgtools::Group<'_>,
        pid: i32,
        which: super::Hierarchies,
    ) -> cgtools::Result<()> {
        let _ = self.call(format!(
            "cgroup-attach {} {pid}{}",
            group.path(),
            match which {
                super::Hierarchies::All => "",
                super::Hierarchies::V1 => " v1-only",
                super::Hierarchies::V2 => " v2-only",
            }
        ));
        Ok(())
    }

    fn write_file(&self, path: &str, data: &str) -> io::Result<()> {
        self.call(format!(
            "write {path} {}",
            data.trim_end().replace('\n', "|")
        ))
    }

    fn run(&self, argv: &[String]) -> io::Result<()> {
        self.call(format!("run {}", argv.join(" ")))
    }

    fn prlimit(&self, pid: i32, resource: u32, soft: u64, hard: u64) -> io::Result<()> {
        self.call(format!("prlimit {pid} {resource} {soft} {hard}"))
    }

    fn send_go(&self, _fd: BorrowedFd<'_>) -> io::Result<()> {
        self.call("go".into())
    }

    fn read_report(&self, _fd: BorrowedFd<'_>, _timeout_ms: i32) -> io::Result<Option<(u32, i32)>> {
        self.call("read-report".into())?;
        Ok(self.report)
    }

    fn kill(&self, _pidfd: BorrowedFd<'_>) -> io::Result<()> {
        self.call("kill".into())
    }

    fn reap(&self, pid: i32) -> io::Result<()> {
        self.call(format!("reap {pid}"))
    }

    fn wait_go(&self, _fd: BorrowedFd<'_>) -> io::Result<bool> {
        self.call("wait-go".into()).map(|()| true)
    }

    fn join_cgroup(&self, _tasks: BorrowedFd<'_>) -> io::Result<()> {
        self.call("join-cgroup".into())
    }

    fn report(&self, _fd: BorrowedFd<'_>, step: u32, errno: i32) {
        let _ = self.call(format!("report {step} {errno}"));
    }

    // The fake's child runs in the test's own process and never reaches this: the launch
    // calls it only on the real child's side of clone3.
    #[allow(clippy::panic)]
    fn exit(&self, code: i32) -> ! {
        panic!("the fake's child exited with {code}")
    }

    fn reset_signals(&self) -> io::Result<()> {
        self.call("reset-signals".into())
    }

    fn set_ids(&self, uid: u32, gid: u32, groups: &[u32]) -> io::Result<()> {
        self.call(format!("set-ids {uid} {gid} {groups:?}"))
    }

    fn setns(&self, _pidfd: BorrowedFd<'_>, flags: u64) -> io::Result<()> {
        self.call(format!("setns {}", crate::launch::flag_names(flags)))
    }

    fn wait_status(&self, pid: i32) -> io::Result<i32> {
        self.call(format!("wait {pid}")).map(|()| 0)
    }

    fn unshare_cgroup(&self) -> io::Result<()> {
        self.call("unshare-cgroup".into())
    }

    fn mount_flags(&self, path: Place<'_>) -> io::Result<u64> {
        self.place(path);
        Ok(0)
    }

    fn setup_network(
        &self,
        pid: i32,
        net: &crate::spec::Net,
    ) -> Result<Vec<crate::network::Attached>, crate::network::NetworkError> {
        let crate::spec::Net::Isolated { nics, .. } = net else {
            return Ok(Vec::new());
        };
        let names: Vec<String> = nics
            .iter()
            .map(|n| format!("{}:{}", n.kind.type_name(), n.name))
            .collect();
        match self.call(format!("network {pid} {}", names.join(" "))) {
            Ok(()) => Ok(nics
                .iter()
                .map(|n| crate::network::Attached {
                    name: n.name.clone(),
                    kind: n.kind.type_name().to_string(),
                    link: n.kind.link().map(str::to_string),
                    ..Default::default()
                })
                .collect()),
            Err(error) => Err(crate::network::NetworkError {
                location: nics
                    .first()
                    .map(|n| n.location.to_string())
                    .unwrap_or_default(),
                name: nics.first().map(|n| n.name.clone()).unwrap_or_default(),
                error,
            }),
        }
    }

    fn open_root(&self, path: &CStr) -> io::Result<std::os::fd::OwnedFd> {
        self.call(format!("open-root {}", s(path)))?;
        // Any descriptor stands for the rootfs: the fake never resolves through it.
        std::fs::File::open("/")
            .map(std::os::fd::OwnedFd::from)
            .map_err(|e| io::Error::from_raw_os_error(e.raw_os_error().unwrap_or(libc::EIO)))
    }

    fn sethostname(&self, name: &CStr) -> io::Result<()> {
        self.call(format!("sethostname {}", s(name)))
    }

    fn mount(&self, m: Mount<'_>) -> io::Result<()> {
        self.call(format!(
            "mount {} {} {} {} {}",
            m.source.map_or_else(|| "-".to_string(), |p| self.place(p)),
            self.place(m.target),
            opt(m.fstype),
            crate::spec::mount::flag_names(m.flags),
            opt(m.data)
        ))
    }

    fn umount_detach(&self, target: Place<'_>) -> io::Result<()> {
        self.call(format!("umount {}", self.place(target)))
    }

    fn mkdir(&self, path: Place<'_>, mode: u32) -> io::Result<()> {
        self.call(format!("mkdir {} {mode:o}", self.place(path)))
    }

    fn create_file(&self, path: Place<'_>, mode: u32) -> io::Result<()> {
        self.call(format!("create {} {mode:o}", self.place(path)))
    }

    fn mknod_char(&self, path: Place<'_>, mode: u32, major: u32, minor: u32) -> io::Result<()> {
        self.call(format!(
            "mknod {} {mode:o} {major}:{minor}",
            self.place(path)
        ))
    }

    fn symlink(&self, target: &CStr, link: Place<'_>) -> io::Result<()> {
        self.call(format!("symlink {} -> {}", self.place(link), s(target)))
    }

    fn unlink(&self, path: &CStr) -> io::Result<()> {
        self.call(format!("unlink {}", s(path)))
    }

    fn umask(&self, mask: u32) -> u32 {
        let _ = self.call(format!("umask {mask:o}"));
        0o022
    }

    fn chdir(&self, path: &CStr) -> io::Result<()> {
        self.call(format!("chdir {}", s(path)))
    }

    fn pivot_root(&self, new_root: &CStr, put_old: &CStr) -> io::Result<()> {
        self.call(format!("pivot_root {} {}", s(new_root), s(put_old)))
    }

    fn chroot(&self, path: &CStr) -> io::Result<()> {
        self.call(format!("chroot {}", s(path)))
    }

    fn write_path(&self, path: &CStr, data: &[u8]) -> io::Result<()> {
        self.call(format!(
            "write {} {}",
            s(path),
            String::from_utf8_lossy(data)
        ))
    }

    fn loopback_up(&self) -> io::Result<()> {
        self.call("loopback-up".into())
    }

    fn join_session_keyring(&self) -> io::Result<()> {
        self.call("session-keyring".into())
    }

    fn set_pdeath_signal(&self, signal: i32) -> io::Result<()> {
        self.call(format!("pdeathsig {signal}"))
    }

    fn set_personality(&self, persona: u32) -> io::Result<()> {
        self.call(format!("personality {persona:#x}"))
    }

    fn drop_bounding(&self, cap: u32) -> io::Result<()> {
        self.call(format!("capbset-drop {}", crate::caps::name(cap)))
    }

    fn drop_inheritable(&self, mask: u64) -> io::Result<()> {
        self.call(format!("drop-inheritable-and-ambient {mask:#x}"))
    }

    fn no_new_privs(&self) -> io::Result<()> {
        self.call("no-new-privs".into())
    }

    fn install_seccomp(&self, _filter: &dyn crate::isolation::SeccompProgram) -> io::Result<()> {
        self.call("seccomp".into())
    }

    fn take_stdio(&self, _fd: BorrowedFd<'_>, tty: bool) -> io::Result<()> {
        self.call(format!("setsid+stdio{}", if tty { " ctty" } else { "" }))
    }

    fn take_terminal(&self, _fd: BorrowedFd<'_>, which: [bool; 3]) -> io::Result<()> {
        let names: Vec<&str> = ["stdin", "stdout", "stderr"]
            .into_iter()
            .zip(which)
            .filter(|(_, on)| *on)
            .map(|(n, _)| n)
            .collect();
        self.call(format!("setsid+ctty {}", names.join(",")))
    }

    fn close_all(&self) {
        let _ = self.call("close-all".into());
    }

    fn cloexec_from_3(&self) {
        let _ = self.call("cloexec-from-3".into());
    }

    fn exec(
        &self,
        path: &CStr,
        argv: &crate::plan::ExecArray,
        env: &crate::plan::ExecArray,
    ) -> io::Error {
        let argv: Vec<String> = argv.strings().iter().map(|a| s(a)).collect();
        let env: Vec<String> = env.strings().iter().map(|a| s(a)).collect();
        match self.call(format!("exec {} {argv:?} {env:?}", s(path))) {
            Err(e) => e,
            // The fake "succeeds" by returning an error nobody reads as one: the caller
            // of the fake checks the log instead.
            Ok(()) => io::Error::from_raw_os_error(0),
        }
    }
}
