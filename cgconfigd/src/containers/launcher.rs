//! The contract between the service and the container launcher.
//!
//! cgconfigd finds the containers, creates each one's group and supervises what it
//! started; the launch itself (namespaces, rootfs, capabilities, seccomp, the init's
//! exec) is the container crate's (`container::launch`). The two meet here:
//!
//! * [`ContainerDir`]: a container as discovered (its name, its directory, its config
//!   loaded by `grammar::lxc` with the includes followed), read again at each start so
//!   that a changed config takes effect at the next start;
//! * [`Placement`]: the container's group, created by cgconfigd (and recorded as its own)
//!   before the launch, in every hierarchy where cgconfigd places groups;
//! * [`Started`]: what a successful launch hands back: the init's pid and a pidfd for it
//!   (the launcher's child: cgconfigd reaps it), the console's pty if there is one, and
//!   the ttys' ptys (`lxc.tty.max`);
//! * [`LaunchFailure`]: why not; nothing of the container may be left running (the
//!   service then removes the group).
//!
//! The launcher must place the init in the group before it runs anything of the
//! container's (`CLONE_INTO_CGROUP`, or the parent writes the pid while the child waits),
//! must not tie the init's life to the daemon's (no `PR_SET_PDEATHSIG`: a restarted
//! cgconfigd re-adopts running containers) and must give the init a clean signal mask
//! (the daemon blocks SIGHUP, SIGTERM and SIGINT for its `signalfd`).
//!
//! Implementations here: [`Lxc`], the container crate's launch, which the daemon uses;
//! and [`HostProcess`], for the service's tests: it runs `lxc.init.cmd` as a plain host
//! process in the container's group, so that discovery, autostart, supervision, stop,
//! re-adoption and the client commands are tested without a rootfs. The daemon is built
//! with a launcher ([`crate::daemon::run_with`]); debug builds choose [`HostProcess`] when
//! `CGCONFIGD_TEST_LAUNCHER=host-process` is set (release builds ignore the variable).

use cgtools::{Cgroup, Cgroups, GroupPath, Version};
use container::spec::{HwAddr, Net};
use grammar::lxc::Loaded;
use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The environment variable that makes a debug build use [`HostProcess`].
pub const TEST_LAUNCHER_ENV: &str = "CGCONFIGD_TEST_LAUNCHER";

/// A container directory and its config.
#[derive(Clone, Debug)]
pub struct ContainerDir {
    /// Its name (the directory's name).
    pub name: String,
    /// `<lxcpath>/<name>`.
    pub dir: PathBuf,
    /// `<dir>/config` and what it includes, as LXC reads them.
    pub config: Loaded,
}

/// The container's group: the same path in every hierarchy where cgconfigd places groups.
#[derive(Clone, Debug)]
pub struct Placement<'a> {
    /// The host's hierarchies.
    pub cg: &'a Cgroups,
    /// The group's path from each hierarchy's root.
    pub path: GroupPath,
    /// The hierarchies (indexes in `cg`) where the group exists.
    pub hierarchies: Vec<usize>,
}

impl<'a> Placement<'a> {
    /// The group in each of its hierarchies.
    pub fn cgroups(&self) -> Vec<Cgroup<'a>> {
        self.hierarchies
            .iter()
            .filter_map(|&i| self.cg.cgroup(&self.cg.hierarchies()[i], &self.path).ok())
            .collect()
    }

    /// The group as one [`cgtools::Group`] over all its hierarchies: a v1 hierarchy named
    /// by its first controller, a named one without controllers by `name=NAME`
    /// (`name=systemd`: the init must be in its group there too, as LXC puts it, or on a
    /// host where systemd tracks services through that hierarchy the container would
    /// count as part of cgconfigd's service), the v2 one by libcgroup's `cgroup`
    /// pseudo-controller.
    pub fn group(&self) -> cgtools::Result<cgtools::Group<'a>> {
        let names: Vec<String> = self
            .hierarchies
            .iter()
            .filter_map(|&i| {
                let h = &self.cg.hierarchies()[i];
                match h.version() {
                    Version::V1 => h
                        .controllers()
                        .first()
                        .cloned()
                        .or_else(|| h.name().map(|n| format!("name={n}"))),
                    Version::V2 => Some("cgroup".to_string()),
                }
            })
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        self.cg.group(&names, &self.path)
    }

    /// The group in the cgroup v2 hierarchy, if it has one there (for `CLONE_INTO_CGROUP`).
    pub fn unified(&self) -> Option<Cgroup<'a>> {
        self.cgroups()
            .into_iter()
            .find(|c| c.hierarchy().version() == Version::V2)
    }
}

/// A launched container.
#[derive(Debug)]
pub struct Started {
    /// The init's pid (in the host's pid namespace).
    pub pid: u32,
    /// A pidfd for the init; readable once it exits. The init is the daemon's child.
    pub pidfd: OwnedFd,
    /// The console's pty (master side), if the container has one.
    pub console: Option<OwnedFd>,
    /// The ttys' ptys (both ends, tty 1 first): `lxc.tty.max` of them.
    pub ttys: Vec<container::console::Pty>,
    /// Its network interfaces (`lxc.net.N`), as set up: kept while it runs and saved in
    /// its state file, so that `info` finds a re-adopted container's veth host ends.
    pub network: Vec<container::network::Attached>,
    /// The hardware addresses the launch drew or reused for NICs whose `lxc.net.N.hwaddr`
    /// has `x` digits, by N: the service stores them for the next start.
    pub hwaddrs: Remembered,
    /// What the service should log about the start: config warnings (keys without
    /// effect), settings translated to the host's cgroup version.
    pub notes: Vec<String>,
}

/// Hardware addresses kept for a container's NICs whose `lxc.net.N.hwaddr` has `x`
/// digits, by N (`00:16:3e:4a:0b:9c`).
pub type Remembered = BTreeMap<u32, String>;

/// Makes the `x` digits of `net`'s hwaddr templates stable: each NIC with a template takes
/// the address `remembered` for its N when that address still [fits](HwAddr::fits) the
/// template (an edited template draws anew, as does a NIC without one); returns the
/// addresses now used, to remember for the next start.
pub fn reuse_hwaddrs(net: &mut Net, remembered: &Remembered) -> Remembered {
    let mut used = Remembered::new();
    let Net::Isolated { nics, .. } = net else {
        return used;
    };
    for nic in nics {
        let Some(template) = &nic.hwaddr_template else {
            continue;
        };
        let kept = remembered
            .get(&nic.index)
            .and_then(|text| parse_mac(text))
            .map(HwAddr)
            .filter(|a| a.fits(template));
        if let Some(kept) = kept {
            nic.hwaddr = Some(kept);
        }
        if let Some(a) = nic.hwaddr {
            used.insert(nic.index, a.to_string());
        }
    }
    used
}

/// `00:16:3e:4a:0b:9c` as six bytes.
fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut parts = text.split(':');
    for byte in &mut mac {
        let part = parts.next()?;
        if part.len() != 2 {
            return None;
        }
        *byte = u8::from_str_radix(part, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

/// Why a launch failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LaunchFailure {
    /// The config asks for something the launcher refuses (a key that would make the
    /// container less isolated than LXC's, a backend it does not have): the message has
    /// the key and its `file:line:col`. Trying again without a change is pointless.
    Refused(String),
    /// The launch failed on the way (a syscall, a missing file).
    Failed(String),
}

impl fmt::Display for LaunchFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LaunchFailure::Refused(m) | LaunchFailure::Failed(m) => f.write_str(m),
        }
    }
}

/// Starts containers.
pub trait Launcher {
    /// Starts container `c` in the group `cgroup` (which exists); on success its init
    /// runs there.
    fn start(
        &self,
        c: &ContainerDir,
        cgroup: &Placement<'_>,
        remembered: &Remembered,
    ) -> Result<Started, LaunchFailure>;
}

/// The launcher tests use: `lxc.init.cmd` (which must be set: the default `/sbin/init`
/// is never run on the host) as a plain process of the host, split at blanks, with
/// `lxc.init.cwd` (default `/`), its environment cleared but for `PATH`, `container=lxc`
/// and `lxc.environment`, stdin, stdout and stderr on `/dev/null`, in a process group of
/// its own. It runs nothing of the command before it is in its group: a shell waits for
/// a line on its stdin, the pid is written to every hierarchy's `cgroup.procs`, then the
/// line lets it exec the command. No namespaces, no rootfs, no limits: not a container.
#[derive(Clone, Debug, Default)]
pub struct HostProcess;

impl Launcher for HostProcess {
    fn start(
        &self,
        c: &ContainerDir,
        cgroup: &Placement<'_>,
        _remembered: &Remembered,
    ) -> Result<Started, LaunchFailure> {
        let value = |key: &str| c.config.value(key).map(|e| e.entry.value.value.clone());
        let Some(cmd) = value("lxc.init.cmd") else {
            return Err(LaunchFailure::Refused(format!(
                "{}: the host-process test launcher needs lxc.init.cmd (it never runs /sbin/init on the host)",
                c.name
            )));
        };
        let argv: Vec<&str> = cmd.split_whitespace().collect();
        let Some((program, args)) = argv.split_first() else {
            return Err(LaunchFailure::Refused(format!(
                "{}: lxc.init.cmd is blank",
                c.name
            )));
        };
        let mut command = Command::new("/bin/sh");
        command
            .arg("-c")
            .arg("read -r _ && exec \"$0\" \"$@\"")
            .arg(program)
            .args(args)
            .env_clear()
            .env(
                "PATH",
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            )
            .env("container", "lxc")
            .current_dir(value("lxc.init.cwd").unwrap_or_else(|| "/".into()))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        for e in c.config.values("lxc.environment") {
            if let Some((k, v)) = e.entry.value.value.split_once('=') {
                command.env(k, v);
            }
        }
        let mut child = command
            .spawn()
            .map_err(|e| LaunchFailure::Failed(format!("{}: cannot run /bin/sh: {e}", c.name)))?;
        let pid = child.id();
        let fail = |child: &mut std::process::Child, message: String| {
            let _ = child.kill();
            let _ = child.wait();
            LaunchFailure::Failed(message)
        };
        // Unreaped, so the pid is still this child's.
        let pidfd = match crate::containers::process::pidfd_open(pid) {
            Ok(fd) => fd,
            Err(e) => return Err(fail(&mut child, format!("{}: pidfd_open: {e}", c.name))),
        };
        for group in cgroup.cgroups() {
            if let Err(e) = group.attach(pid) {
                return Err(fail(&mut child, format!("{}: {e}", c.name)));
            }
        }
        let released = child.stdin.take().map(|mut stdin| stdin.write_all(b"go\n"));
        if let Some(Err(e)) = released {
            return Err(fail(
                &mut child,
                format!("{}: cannot release the init: {e}", c.name),
            ));
        }
        // The child is reaped through the pidfd by the supervisor, not by std.
        drop(child);
        Ok(Started {
            pid,
            pidfd,
            console: None,
            ttys: Vec::new(),
            network: Vec::new(),
            hwaddrs: Remembered::new(),
            notes: Vec::new(),
        })
    }
}

/// The launcher of the container crate: the config checked into a spec (a refusal lists
/// every reason with its `file:line:col`), then `container::start` in the group.
#[derive(Clone, Copy, Debug, Default)]
pub struct Lxc;

impl Launcher for Lxc {
    fn start(
        &self,
        c: &ContainerDir,
        cgroup: &Placement<'_>,
        remembered: &Remembered,
    ) -> Result<Started, LaunchFailure> {
        let ctx = container::Context {
            name: &c.name,
            dir: &c.dir,
        };
        let (mut spec, report) = container::check(&c.config, &ctx)
            .map_err(|refused| LaunchFailure::Refused(refused.report.render(&c.config)))?;
        let hwaddrs = reuse_hwaddrs(&mut spec.net, remembered);
        let group = cgroup
            .group()
            .map_err(|e| LaunchFailure::Failed(format!("{}: {e}", c.name)))?;
        let started = container::start(&spec, cgroup.cg, &group)
            .map_err(|e| LaunchFailure::Failed(format!("{}: {e}", c.name)))?;
        let mut notes: Vec<String> = report
            .render(&c.config)
            .lines()
            .filter(|l| l.contains("warning:"))
            .map(str::to_string)
            .collect();
        notes.extend(started.notes);
        // The device program stays attached to the group, which outlives this handle.
        drop(started.devices);
        Ok(Started {
            pid: started.pid.unsigned_abs(),
            pidfd: started.pidfd,
            console: started.console,
            ttys: started.ttys,
            network: started.network,
            hwaddrs,
            notes,
        })
    }
}

/// The launcher a build uses by default: [`Lxc`]; debug builds take [`HostProcess`] when
/// [`TEST_LAUNCHER_ENV`] is `host-process` (the service's tests, which need no rootfs).
pub fn default_launcher() -> Box<dyn Launcher> {
    if cfg!(debug_assertions) && std::env::var(TEST_LAUNCHER_ENV).is_ok_and(|v| v == "host-process")
    {
        return Box::new(HostProcess);
    }
    Box::new(Lxc)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The launcher's group covers every hierarchy the container's group exists in, the
    /// named `name=systemd` one included (LXC places its containers there too).
    #[test]
    fn the_launchers_group_includes_the_named_hierarchies() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("sys/fs/cgroup");
        for d in ["memory", "systemd", "unified"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(root.join("unified/cgroup.controllers"), "").unwrap();
        let mountinfo = "\
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";
        let cg = Cgroups::from_sources(mountinfo, None, tmp.path()).unwrap();
        let placement = Placement {
            cg: &cg,
            path: GroupPath::new("lxc/web").unwrap(),
            hierarchies: (0..cg.hierarchies().len()).collect(),
        };
        let group = placement.group().unwrap();
        let mut dirs: Vec<String> = group
            .cgroups()
            .iter()
            .map(|c| {
                c.dir_path()
                    .strip_prefix(&root)
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        dirs.sort();
        assert_eq!(
            dirs,
            ["memory/lxc/web", "systemd/lxc/web", "unified/lxc/web"]
        );
    }
}

#[cfg(test)]
mod hwaddr_tests {
    use super::*;
    use container::spec::{Location, Nic, NicKind, VethMode};

    fn nic(index: u32, template: Option<&str>, drawn: [u8; 6]) -> Nic {
        Nic {
            index,
            kind: NicKind::Veth {
                pair: None,
                link: Some("br0".into()),
                mode: VethMode::Bridge,
                ipv4_routes: Vec::new(),
                ipv6_routes: Vec::new(),
            },
            name: format!("eth{index}"),
            hwaddr: Some(HwAddr(drawn)),
            hwaddr_template: template.map(str::to_string),
            mtu: None,
            up: true,
            ipv4: Vec::new(),
            ipv4_gateway: None,
            ipv6: Vec::new(),
            ipv6_gateway: None,
            location: Location {
                file: "config".into(),
                line: 1,
                col: 1,
            },
        }
    }

    fn macs(net: &Net) -> Vec<String> {
        match net {
            Net::Isolated { nics, .. } => nics
                .iter()
                .map(|n| n.hwaddr.map(|a| a.to_string()).unwrap_or_default())
                .collect(),
            Net::Host => Vec::new(),
        }
    }

    /// A kept address that still fits its template is reused; one the edited template no
    /// longer gives is drawn anew; a NIC with a fixed address is left as written.
    #[test]
    fn kept_hwaddrs_are_reused_while_they_fit_their_template() {
        let mut net = Net::Isolated {
            loopback_up: false,
            nics: vec![
                nic(0, Some("00:16:3e:xx:xx:xx"), [0, 0x16, 0x3e, 1, 2, 3]),
                nic(1, Some("02:00:00:00:00:xx"), [2, 0, 0, 0, 0, 0x44]),
                nic(2, None, [2, 0, 0, 0, 0, 0x55]),
            ],
        };
        let kept: Remembered = [
            (0, "00:16:3e:aa:bb:cc".to_string()),
            (1, "00:16:3e:aa:bb:cd".to_string()),
            (2, "02:00:00:00:00:66".to_string()),
        ]
        .into();
        let used = reuse_hwaddrs(&mut net, &kept);
        assert_eq!(
            macs(&net),
            [
                "00:16:3e:aa:bb:cc",
                "02:00:00:00:00:44",
                "02:00:00:00:00:55"
            ]
        );
        assert_eq!(
            used,
            Remembered::from([
                (0, "00:16:3e:aa:bb:cc".to_string()),
                (1, "02:00:00:00:00:44".to_string()),
            ])
        );
        // Nothing kept yet: the drawn addresses are the ones to keep.
        let mut fresh = Net::Isolated {
            loopback_up: false,
            nics: vec![nic(3, Some("00:16:3e:xx:xx:xx"), [0, 0x16, 0x3e, 9, 9, 9])],
        };
        let used = reuse_hwaddrs(&mut fresh, &Remembered::new());
        assert_eq!(used, Remembered::from([(3, "00:16:3e:09:09:09".into())]));
        assert_eq!(reuse_hwaddrs(&mut Net::Host, &kept), Remembered::new());
    }

    #[test]
    fn only_six_hex_pairs_are_macs() {
        assert_eq!(
            parse_mac("00:16:3e:AA:bb:0c"),
            Some([0, 0x16, 0x3e, 0xaa, 0xbb, 0x0c])
        );
        for bad in [
            "",
            "00:16:3e:aa:bb",
            "00:16:3e:aa:bb:cc:dd",
            "0:16:3e:aa:bb:cc",
            "zz:16:3e:aa:bb:cc",
        ] {
            assert_eq!(parse_mac(bad), None, "{bad}");
        }
    }
}
