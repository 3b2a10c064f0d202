//! Starting a container: the parent's side of the launch.
//!
//! ```text
//! parent (cgconfigd)                                  child (clone3)
//!  checks against the host (AppArmor, SELinux, rootfs)
//!  compiles the seccomp policy (crate::isolation)
//!  writes lxc.cgroup2.* / lxc.cgroup.* to the group
//!  applies the device rules to the group
//!  opens the console's and the ttys' ptys, plans
//!  the child's steps,
//!  opens the group's v1 `tasks` files
//!  clone3(NEWNS|NEWPID|NEWUTS|NEWIPC|NEWNET|NEWUSER,
//!         CLONE_PIDFD, CLONE_INTO_CGROUP=group) ──────▶ born in the v2 group, waits for go
//!  attaches the pid to the v2 group
//!  (only without CLONE_INTO_CGROUP)
//!  writes uid_map/gid_map (newuidmap as LXC)
//!  prlimits, /proc/PID files
//!  go ─────────────────────────────────────────────▶ runs the plan (crate::plan): first
//!                                                      writes itself into the v1 groups
//!                                                      (`tasks`), then signals, ids,
//!                                                      cgroup ns, mounts, pivot_root,
//!                                                      caps, no_new_privs, seccomp, exec
//!  reads the report pipe: EOF = exec'd (close-on-exec) ◀── or (step, errno) and _exit
//! ```
//!
//! The child joins its cgroup v1 groups itself, before anything of the container's runs:
//! a thread moving itself through `tasks` skips the kernel's global
//! `cgroup_threadgroup_rwsem`, whose writer (any write of a pid to `cgroup.procs`) waits for
//! an RCU grace period after a quiet spell, 8 to 24 ms on the benchmark's 2-core VM, which
//! was most of a start (BENCHMARKS.md, "Containers").
//!
//! The cgroup namespace is unshared by the child once it is in its group (as LXC does):
//! with `CLONE_NEWCGROUP` in clone3 the namespace's root would be the parent's group.
//! A failed start leaves no process behind (the child is killed if need be and reaped);
//! the caller removes the group. The init does not die with the caller unless
//! `lxc.monitor.signal.pdeath` says so (`docs/compat.md`).

use crate::child::{self, ChildIo};
use crate::console::Pty;
use crate::isolation::{DevicesGuard, Isolation, SeccompProgram};
use crate::plan::{self, HostFacts, Planned};
use crate::spec::{AppArmor, IdKind, IdMap, Net, Spec};
use crate::sys::{self, Cloned, Hierarchies, Real, Sys};
use cgtools::{Cgroups, Group, Mode, Setting, Version};
use std::fmt::Write as _;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

/// `CLONE_NEWNS`.
pub const CLONE_NEWNS: u64 = 0x0002_0000;
/// `CLONE_NEWUTS`.
pub const CLONE_NEWUTS: u64 = 0x0400_0000;
/// `CLONE_NEWIPC`.
pub const CLONE_NEWIPC: u64 = 0x0800_0000;
/// `CLONE_NEWUSER`.
pub const CLONE_NEWUSER: u64 = 0x1000_0000;
/// `CLONE_NEWPID`.
pub const CLONE_NEWPID: u64 = 0x2000_0000;
/// `CLONE_NEWNET`.
pub const CLONE_NEWNET: u64 = 0x4000_0000;
/// `CLONE_NEWCGROUP`.
pub const CLONE_NEWCGROUP: u64 = 0x0200_0000;

/// clone flags as text (`newns|newpid`), for logs and the recording fake.
pub fn flag_names(flags: u64) -> String {
    let names: Vec<&str> = [
        (CLONE_NEWNS, "newns"),
        (CLONE_NEWPID, "newpid"),
        (CLONE_NEWUTS, "newuts"),
        (CLONE_NEWIPC, "newipc"),
        (CLONE_NEWNET, "newnet"),
        (CLONE_NEWUSER, "newuser"),
        (CLONE_NEWCGROUP, "newcgroup"),
    ]
    .into_iter()
    .filter(|(f, _)| flags & f != 0)
    .map(|(_, n)| n)
    .collect();
    names.join("|")
}

/// The parent's side of clone3: pid, pidfd, whether the child was born in its v2 group,
/// and the parent's ends of the pipes (go, report).
type Cloned3 = (i32, OwnedFd, bool, (OwnedFd, OwnedFd));

/// A started container.
#[derive(Debug)]
pub struct Started {
    /// The init's pid (in the caller's pid namespace).
    pub pid: i32,
    /// A pidfd of the init.
    pub pidfd: OwnedFd,
    /// The console pty's master, if the container has a console.
    pub console: Option<OwnedFd>,
    /// The ttys' ptys (`lxc.tty.max`), tty 1 first: the caller keeps both ends, as LXC's
    /// monitor does, so that a tty nothing in the container has open (no getty on it yet)
    /// does not hang up on a client.
    pub ttys: Vec<Pty>,
    /// Its network interfaces (`lxc.net.N`), as set up.
    pub network: Vec<crate::network::Attached>,
    /// Keeps the device program attached (drop it after the container is gone).
    pub devices: Option<DevicesGuard>,
    /// What the caller should log: settings translated to the host's cgroup version,
    /// keys without effect on this host.
    pub notes: Vec<String>,
}

/// Why a container did not start. Nothing of it is left running; the caller removes the
/// group.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// The config asks for something this host cannot give as configured.
    #[error("{0}")]
    Refused(String),
    /// The root filesystem is missing or not a directory.
    #[error("the root filesystem {path} {reason}")]
    Rootfs {
        /// `lxc.rootfs.path`.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The seccomp policy or the device rules could not be applied.
    #[error("{0}")]
    Isolation(String),
    /// A cgroup setting could not be written.
    #[error("cannot write `{setting}` to the container's group: {error}")]
    Cgroup {
        /// The setting as the config names it (`lxc.cgroup2.memory.max = 64M`).
        setting: String,
        /// The backend's error (file, operation, reason).
        error: Box<cgtools::Error>,
    },
    /// A step of the parent failed.
    #[error("{what} failed: {error}")]
    Parent {
        /// What was being done.
        what: String,
        /// Why it failed.
        error: io::Error,
    },
    /// A step in the child failed.
    #[error("{what} in the container failed: {}", errno_text(*.errno))]
    Child {
        /// The step ("mount of proc on /proc").
        what: String,
        /// The kernel's reason.
        errno: i32,
    },
    /// The attached command could not be executed (not found: `lxc-attach` exits 127;
    /// not executable: 126).
    #[error("{what} in the container failed: {}", errno_text(*.errno))]
    Command {
        /// "executing /bin/nope".
        what: String,
        /// The kernel's reason.
        errno: i32,
    },
    /// A network interface could not be set up.
    #[error("{0}")]
    Network(crate::network::NetworkError),
    /// The child neither reported nor executed the init in time.
    #[error("the container did not start within {seconds} s (its setup hung; it was killed)")]
    Timeout {
        /// The time limit.
        seconds: u32,
    },
}

fn errno_text(errno: i32) -> String {
    let e = nix::errno::Errno::from_raw(errno);
    format!("{e:?} ({})", e.desc())
}

impl HostFacts {
    /// Reads what the plan needs to know about this host.
    pub fn probe(cgroups: &Cgroups) -> HostFacts {
        let apparmor = std::fs::read_to_string("/sys/module/apparmor/parameters/enabled")
            .is_ok_and(|s| s.starts_with('Y'));
        let v1_hierarchies = match cgroups.mode() {
            Mode::Unified => None,
            Mode::Legacy | Mode::Hybrid => Some(
                cgroups
                    .hierarchies()
                    .iter()
                    .filter_map(|h| {
                        let dir = h.mount_point().file_name()?.to_string_lossy().into_owned();
                        let options = match h.version() {
                            Version::V2 => String::new(),
                            Version::V1 => {
                                let mut words: Vec<String> = h.controllers().to_vec();
                                if let Some(name) = h.name() {
                                    words.push(format!("name={name}"));
                                }
                                words.join(",")
                            }
                        };
                        Some((dir, options))
                    })
                    .collect(),
            ),
        };
        HostFacts {
            cap_last_cap: crate::caps::last_cap(),
            apparmor,
            v1_hierarchies,
        }
    }
}

/// Starts containers: the system-call seam, the host's facts and the isolation parts.
pub struct Launcher<'a> {
    sys: &'a dyn Sys,
    host: HostFacts,
    isolation: &'a dyn Isolation,
    /// SELinux is enabled on the host.
    pub selinux: bool,
    /// `newuidmap` and `newgidmap` are installed (LXC then uses them, even as root).
    pub shadow_idmap: bool,
    /// How long the child may take from go to exec.
    pub timeout_seconds: u32,
    /// The devices controller is cgroup v2's (the device program), not v1's files.
    pub devices_v2: bool,
}

impl<'a> Launcher<'a> {
    /// A launcher on the real kernel.
    pub fn new(cgroups: &Cgroups, isolation: &'a dyn Isolation) -> Launcher<'a> {
        static REAL: Real = Real;
        let mut l = Launcher::with(&REAL, HostFacts::probe(cgroups), isolation);
        l.selinux = Path::new("/sys/fs/selinux/enforce").exists();
        l.shadow_idmap = on_path("newuidmap") && on_path("newgidmap");
        l.devices_v2 = !matches!(cgroups.version_of("devices"), Ok(Version::V1));
        l
    }

    /// A launcher over any [`Sys`] (the recording fake in tests).
    pub fn with(sys: &'a dyn Sys, host: HostFacts, isolation: &'a dyn Isolation) -> Launcher<'a> {
        Launcher {
            sys,
            host,
            isolation,
            selinux: false,
            shadow_idmap: false,
            timeout_seconds: 30,
            devices_v2: true,
        }
    }

    /// The host facts in use.
    pub fn host(&self) -> &HostFacts {
        &self.host
    }

    /// Starts `spec`'s container in `group` (created by the caller, empty).
    pub fn start(&self, spec: &Spec, group: &Group<'_>) -> Result<Started, LaunchError> {
        let mut notes = Vec::new();
        self.check_host(spec, &mut notes)?;
        let seccomp: Option<Box<dyn SeccompProgram>> = match &spec.seccomp {
            Some(path) => Some(
                self.isolation
                    .seccomp(path)
                    .map_err(LaunchError::Isolation)?,
            ),
            None => None,
        };
        self.write_settings(spec, group, &mut notes)?;
        let rules = spec.device_rules(self.devices_v2);
        let devices = if rules.is_empty() {
            None
        } else {
            Some(
                self.isolation
                    .devices(rules, group)
                    .map_err(LaunchError::Isolation)?,
            )
        };
        let parent = |what: &str| {
            let what = what.to_string();
            move |error: io::Error| LaunchError::Parent { what, error }
        };
        let pty = if spec.console {
            let pty = Pty::open().map_err(parent("opening the console pty"))?;
            if let Some(root) = host_root(&spec.idmap) {
                pty.chown(root.0, root.1)
                    .map_err(parent("giving the console to the container's root"))?;
            }
            Some(pty)
        } else {
            None
        };
        let mut ttys = Vec::new();
        for n in 1..=spec.tty_max {
            let tty = Pty::open().map_err(|error| LaunchError::Parent {
                what: format!(
                    "opening the pty of tty {n} (lxc.tty.max = {})",
                    spec.tty_max
                ),
                error,
            })?;
            if let Some(root) = host_root(&spec.idmap) {
                tty.chown(root.0, root.1)
                    .map_err(|error| LaunchError::Parent {
                        what: format!("giving tty {n} ({}) to the container's root", tty.path),
                        error,
                    })?;
            }
            ttys.push(tty);
        }
        let tty_paths: Vec<String> = ttys.iter().map(|t| t.path.clone()).collect();
        let (plan, cgroups) = self.child_plan(
            spec,
            group,
            pty.as_ref().map(|p| p.path.as_str()),
            &tty_paths,
            seccomp.is_some(),
        )?;
        let (console, stdio) = match pty {
            Some(p) => (Some(p.master), p.slave),
            None => (
                None,
                std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open("/dev/null")
                    .map_err(parent("opening /dev/null"))?
                    .into(),
            ),
        };
        let (go_rx, go_tx) = sys::pipe().map_err(parent("creating the sync pipe"))?;
        let (report_rx, report_tx) = sys::pipe().map_err(parent("creating the report pipe"))?;
        let io = ChildIo {
            go: go_rx,
            report: report_tx,
            stdio,
            target: None,
            cgroups,
        };
        let cloned = self.clone_child(
            Self::clone_flags(spec),
            group,
            &plan,
            io,
            (go_tx, report_rx),
            seccomp.as_deref(),
        )?;
        let (pid, pidfd, born_in_group, (go_tx, report_rx)) = cloned;
        let result = self.release(spec, group, &plan, pid, born_in_group, &go_tx, &report_rx);
        drop(go_tx);
        match result {
            Ok(network) => Ok(Started {
                pid,
                pidfd,
                console,
                ttys,
                network,
                devices,
                notes,
            }),
            Err(e) => {
                let _ = self.sys.kill(pidfd.as_fd());
                let _ = self.sys.reap(pid);
                Err(e)
            }
        }
    }

    fn check_host(&self, spec: &Spec, notes: &mut Vec<String>) -> Result<(), LaunchError> {
        if let Net::Isolated { nics, .. } = &spec.net {
            for nic in nics {
                if let Some(why) = crate::network::unsupported(nic) {
                    return Err(LaunchError::Refused(format!("{}: {why}", nic.location)));
                }
            }
        }
        if self.host.apparmor && spec.apparmor == AppArmor::Generated {
            return Err(LaunchError::Refused(
                "`lxc.apparmor.profile = generated` is not supported: cgconfigd does not generate \
                 AppArmor profiles; name a loaded profile (lxc-container-default-cgns) or \
                 `unconfined`"
                    .into(),
            ));
        }
        if !self.host.apparmor
            && !matches!(
                spec.apparmor,
                AppArmor::Default | AppArmor::Unconfined | AppArmor::Unchanged
            )
        {
            notes.push("AppArmor is not enabled on this host: `lxc.apparmor.profile` has no effect (as in LXC)".into());
        }
        if let Some(context) = &spec.selinux_context {
            if self.selinux {
                return Err(LaunchError::Refused(format!(
                    "`lxc.selinux.context = {context}` is not supported on this SELinux host yet"
                )));
            }
            notes.push("SELinux is not enabled on this host: `lxc.selinux.context` has no effect (as in LXC)".into());
        }
        let path = &spec.rootfs.path;
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(_) => Err(LaunchError::Rootfs {
                path: path.clone(),
                reason: "is not a directory".into(),
            }),
            Err(e) => Err(LaunchError::Rootfs {
                path: path.clone(),
                reason: format!("cannot be used: {e}"),
            }),
        }
    }

    fn write_settings(
        &self,
        spec: &Spec,
        group: &Group<'_>,
        notes: &mut Vec<String>,
    ) -> Result<(), LaunchError> {
        for s in &spec.cgroup {
            let (version, key) = if s.version == 1 {
                (Version::V1, "lxc.cgroup")
            } else {
                (Version::V2, "lxc.cgroup2")
            };
            let setting = Setting::new(s.name.clone(), s.value.clone());
            let written = self
                .sys
                .set_cgroup(group, version, std::slice::from_ref(&setting))
                .map_err(|error| LaunchError::Cgroup {
                    setting: format!("{key}.{} = {}", s.name, s.value),
                    error: Box::new(error),
                })?;
            if written.len() != 1 || written[0] != setting {
                let mut text = String::new();
                for w in &written {
                    let _ = write!(
                        text,
                        "{}{} = {}",
                        if text.is_empty() { "" } else { ", " },
                        w.name,
                        w.value
                    );
                }
                notes.push(format!(
                    "{key}.{} = {} written as {text} (translated to this host's cgroup version)",
                    s.name, s.value
                ));
            }
        }
        Ok(())
    }

    /// The clone flags of `spec`'s namespaces (the cgroup namespace is the child's).
    fn clone_flags(spec: &Spec) -> u64 {
        let ns = &spec.namespaces;
        let mut flags = CLONE_NEWNS;
        for (on, flag) in [
            (ns.pid, CLONE_NEWPID),
            (ns.uts, CLONE_NEWUTS),
            (ns.ipc, CLONE_NEWIPC),
            (ns.net, CLONE_NEWNET),
            (ns.user, CLONE_NEWUSER),
        ] {
            if on {
                flags |= flag;
            }
        }
        flags
    }

    #[allow(clippy::too_many_arguments)]
    fn clone_child(
        &self,
        flags: u64,
        group: &Group<'_>,
        plan: &[Planned],
        io: ChildIo,
        parent_ends: (OwnedFd, OwnedFd),
        seccomp: Option<&dyn SeccompProgram>,
    ) -> Result<Cloned3, LaunchError> {
        let v2_dir = group
            .cgroups()
            .into_iter()
            .find(|c| c.hierarchy().version() == Version::V2)
            .map(|c| c.dir_path());
        let cgroup_fd = match &v2_dir {
            Some(dir) => Some(
                self.sys
                    .open_dir(dir)
                    .map_err(|error| LaunchError::Parent {
                        what: format!("opening the container's group {}", dir.display()),
                        error,
                    })?,
            ),
            None => None,
        };
        let mut cloned = self
            .sys
            .clone3(flags, cgroup_fd.as_ref().map(|f| f.as_fd()));
        let mut born_in_group = cgroup_fd.is_some();
        if let Err(e) = &cloned {
            // Kernels before 5.7 have no CLONE_INTO_CGROUP (E2BIG for the larger struct,
            // EINVAL for the flag); the parent then moves the child before go.
            let old_kernel = matches!(
                e.raw_os_error(),
                Some(libc::E2BIG | libc::EINVAL | libc::ENOSYS)
            );
            if born_in_group && old_kernel {
                born_in_group = false;
                cloned = self.sys.clone3(flags, None);
            }
        }
        drop(cgroup_fd);
        match cloned {
            Ok(Cloned::Parent { pid, pidfd }) => {
                drop(io);
                Ok((pid, pidfd, born_in_group, parent_ends))
            }
            Ok(Cloned::Child) => {
                // The child: never returns into the caller's frames, even on a panic.
                // Without the parent's ends, a parent that dies before go is an EOF here.
                drop(parent_ends);
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    child::run(self.sys, plan, &io, seccomp)
                }));
                let code = match outcome {
                    Ok(child::Outcome::Abandoned) => 2,
                    Ok(_) => 1,
                    Err(_) => 3,
                };
                self.sys.exit(code)
            }
            Err(error) => Err(LaunchError::Parent {
                what: format!("clone3 ({})", flag_names(flags)),
                error,
            }),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn release(
        &self,
        spec: &Spec,
        group: &Group<'_>,
        plan: &[Planned],
        pid: i32,
        born_in_group: bool,
        go_tx: &OwnedFd,
        report_rx: &OwnedFd,
    ) -> Result<Vec<crate::network::Attached>, LaunchError> {
        // The v1 groups the child joins itself (its first step); the v2 group is the
        // parent's to write where clone3 could not place the child there.
        let has_v2 = group
            .cgroups()
            .iter()
            .any(|c| c.hierarchy().version() == Version::V2);
        if !born_in_group && has_v2 {
            self.sys
                .attach_cgroup(group, pid, Hierarchies::V2)
                .map_err(|error| LaunchError::Cgroup {
                    setting: format!("cgroup.procs = {pid}"),
                    error: Box::new(error),
                })?;
        }
        if !spec.idmap.is_empty() {
            self.write_id_maps(pid, &spec.idmap)?;
        }
        for l in &spec.prlimits {
            self.sys
                .prlimit(pid, l.resource, l.soft, l.hard)
                .map_err(|error| LaunchError::Parent {
                    what: format!("setting resource limit {} of the init", l.resource),
                    error,
                })?;
        }
        for (file, value) in &spec.proc {
            let path = format!("/proc/{pid}/{file}");
            self.sys
                .write_file(&path, value)
                .map_err(|error| LaunchError::Parent {
                    what: format!("writing {value} to {path} (lxc.proc.{file})"),
                    error,
                })?;
        }
        // The interfaces, in the namespace the child waits in (after the id maps: a user
        // namespace's root owns it).
        let network = if crate::network::has_interfaces(&spec.net) {
            self.sys
                .setup_network(pid, &spec.net)
                .map_err(LaunchError::Network)?
        } else {
            Vec::new()
        };
        self.sys
            .send_go(go_tx.as_fd())
            .map_err(|error| LaunchError::Parent {
                what: "releasing the child".into(),
                error,
            })?;
        let timeout_ms =
            i32::try_from(self.timeout_seconds.saturating_mul(1000)).unwrap_or(i32::MAX);
        match self.sys.read_report(report_rx.as_fd(), timeout_ms) {
            Ok(None) => Ok(network),
            Ok(Some((index, errno))) => Err(LaunchError::Child {
                what: plan
                    .get(index as usize)
                    .map_or_else(|| format!("step {index}"), |p| p.what.clone()),
                errno,
            }),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => Err(LaunchError::Timeout {
                seconds: self.timeout_seconds,
            }),
            Err(error) => Err(LaunchError::Parent {
                what: "reading the child's report".into(),
                error,
            }),
        }
    }

    /// The child's steps for `spec` ([`plan::plan`]; `console` and `ttys` are the host paths
    /// of the slaves of the console's and the ttys' ptys) and the descriptors they need beyond
    /// the pipes: where `group` has cgroup v1 hierarchies, their `tasks` files, opened here
    /// for the child to write itself into as its first step ([`plan::Step::JoinCgroups`],
    /// which says why the child moves itself there instead of the parent moving it).
    pub fn child_plan(
        &self,
        spec: &Spec,
        group: &Group<'_>,
        console: Option<&str>,
        ttys: &[String],
        seccomp: bool,
    ) -> Result<(Vec<Planned>, Vec<OwnedFd>), LaunchError> {
        let mut plan = plan::plan(spec, &self.host, console, ttys, seccomp);
        let tasks = group
            .cgroups()
            .iter()
            .filter(|c| c.hierarchy().version() == Version::V1)
            .map(|c| {
                let path = c.dir_path().join("tasks");
                self.sys
                    .open_write(&path)
                    .map_err(|error| LaunchError::Parent {
                        what: format!("opening {}", path.display()),
                        error,
                    })
            })
            .collect::<Result<Vec<OwnedFd>, LaunchError>>()?;
        if !tasks.is_empty() {
            plan.insert(
                0,
                Planned {
                    step: plan::Step::JoinCgroups,
                    what: format!(
                        "joining the container's group {} in the cgroup v1 hierarchies",
                        group.path()
                    ),
                    optional: false,
                },
            );
        }
        Ok((plan, tasks))
    }

    /// Moves `pid` into `group` where clone3 did not put it.
    fn place(&self, group: &Group<'_>, pid: i32, born_in_group: bool) -> Result<(), LaunchError> {
        let has_v1 = group
            .cgroups()
            .iter()
            .any(|c| c.hierarchy().version() == Version::V1);
        if !born_in_group || has_v1 {
            let which = if born_in_group {
                Hierarchies::V1
            } else {
                Hierarchies::All
            };
            self.sys
                .attach_cgroup(group, pid, which)
                .map_err(|error| LaunchError::Cgroup {
                    setting: format!("cgroup.procs = {pid}"),
                    error: Box::new(error),
                })?;
        }
        Ok(())
    }

    /// Starts a command inside the running container of `spec` (its init is `pidfd`, its
    /// group `group`), as `lxc-attach` does: in the init's namespaces and group, with the
    /// container's capability bounding set, no_new_privs, seccomp filter and AppArmor
    /// profile, as root of the container, with `options`' environment on top of
    /// `container=lxc` and a default PATH. The caller's stdin, stdout and stderr are the
    /// command's, but those the terminal of `options` replaces. Returns once the command
    /// runs (or its setup failed: [`crate::attach::Attached::wait`] says why).
    pub fn spawn_attach(
        &self,
        spec: &Spec,
        group: &Group<'_>,
        pidfd: std::os::fd::BorrowedFd<'_>,
        options: crate::attach::Options,
    ) -> Result<crate::attach::Attached<'a>, LaunchError> {
        let parent = |what: &str| {
            let what = what.to_string();
            move |error: io::Error| LaunchError::Parent { what, error }
        };
        let seccomp: Option<Box<dyn SeccompProgram>> = match &spec.seccomp {
            Some(path) => Some(
                self.isolation
                    .seccomp(path)
                    .map_err(LaunchError::Isolation)?,
            ),
            None => None,
        };
        let mut environment = vec![
            "container=lxc".to_string(),
            format!("PATH={}", plan::DEFAULT_PATH),
        ];
        for var in &options.env {
            let name = var.split('=').next().unwrap_or("");
            environment.retain(|v| v.split('=').next() != Some(name));
            environment.push(var.clone());
        }
        let plan = plan::attach_plan(spec, &self.host, &options, &environment, seccomp.is_some());
        let (go_rx, go_tx) = sys::pipe().map_err(parent("creating the sync pipe"))?;
        let (report_rx, report_tx) = sys::pipe().map_err(parent("creating the report pipe"))?;
        let stdio = match options.terminal {
            Some(t) => t.slave,
            None => std::fs::File::open("/dev/null")
                .map_err(parent("opening /dev/null"))?
                .into(),
        };
        let io = ChildIo {
            go: go_rx,
            report: report_tx,
            stdio,
            target: Some(
                pidfd
                    .try_clone_to_owned()
                    .map_err(parent("duplicating the init's pidfd"))?,
            ),
            cgroups: Vec::new(),
        };
        // The parent's copy of the terminal goes with `io`: once the command and what it
        // started close theirs, the caller's master reads EOF (EIO).
        let (pid, child_pidfd, born_in_group, (go_tx, report_rx)) =
            self.clone_child(0, group, &plan, io, (go_tx, report_rx), seccomp.as_deref())?;
        let released = self.place(group, pid, born_in_group).and_then(|()| {
            self.sys
                .send_go(go_tx.as_fd())
                .map_err(parent("releasing the attached process"))
        });
        if let Err(e) = released {
            let _ = self.sys.kill(child_pidfd.as_fd());
            let _ = self.sys.reap(pid);
            return Err(e);
        }
        Ok(crate::attach::Attached {
            sys: self.sys,
            pid,
            pidfd: child_pidfd,
            report: report_rx,
            plan,
        })
    }

    /// uid_map and gid_map of the child, as LXC's `lxc_map_ids`: through newuidmap and
    /// newgidmap when both are installed (they check /etc/subuid and /etc/subgid, even
    /// for root), else written directly.
    fn write_id_maps(&self, pid: i32, maps: &[IdMap]) -> Result<(), LaunchError> {
        for (kind, name, helper) in [
            (IdKind::User, "uid_map", "newuidmap"),
            (IdKind::Group, "gid_map", "newgidmap"),
        ] {
            let mine: Vec<&IdMap> = maps.iter().filter(|m| m.kind == kind).collect();
            if mine.is_empty() {
                continue;
            }
            let result = if self.shadow_idmap {
                let mut argv = vec![helper.to_string(), pid.to_string()];
                for m in &mine {
                    argv.extend([
                        m.inside.to_string(),
                        m.host.to_string(),
                        m.count.to_string(),
                    ]);
                }
                self.sys.run(&argv)
            } else {
                let text: String = mine
                    .iter()
                    .map(|m| format!("{} {} {}\n", m.inside, m.host, m.count))
                    .collect();
                self.sys.write_file(&format!("/proc/{pid}/{name}"), &text)
            };
            result.map_err(|error| LaunchError::Parent {
                what: format!("writing the container's {name} (lxc.idmap)"),
                error,
            })?;
        }
        Ok(())
    }
}

/// The host uid and gid of the container's root, when it has a user namespace.
pub fn host_root(maps: &[IdMap]) -> Option<(u32, u32)> {
    let find = |kind: IdKind| {
        maps.iter()
            .find(|m| m.kind == kind && m.inside == 0)
            .map(|m| m.host)
    };
    Some((find(IdKind::User)?, find(IdKind::Group)?))
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(dir.join(program))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// Starts `spec`'s container in `group` on this host, with the crate's own seccomp and
/// device support ([`crate::isolation::Builtin`]).
pub fn start(spec: &Spec, cgroups: &Cgroups, group: &Group<'_>) -> Result<Started, LaunchError> {
    Launcher::new(cgroups, &crate::isolation::Builtin).start(spec, group)
}

#[cfg(test)]
mod tests;
