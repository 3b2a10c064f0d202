//! From a loaded LXC config to a checked launch [`Spec`].
//!
//! [`check`] reads every setting in force (`grammar::lxc::Loaded::live`) and either builds
//! the spec or refuses the container with every reason at once, each located at its
//! `file:line:col` with the line, a caret and a hint. What each key does is the table in
//! [`keys`] (and `docs/compat.md`): the keys that narrow what a container may do are
//! honoured or refused, never ignored; keys for features we do not implement warn or
//! refuse, per key.
//!
//! The spec is pure data: nothing here touches the host, except reading the file
//! `lxc.mount.fstab` names. What depends on the host (is AppArmor enabled, is cgroup v2
//! pure, which devices list applies) is decided at launch.

pub mod keys;
pub mod mount;
pub mod net;

use crate::caps::{self, Caps};
use grammar::lxc::{FileDiagnostic, FileId, Loaded, LoadedEntry};
use grammar::{Diagnostic, SourceFile, Span};
use keys::Treatment;
pub use mount::{Create, MountEntry};
pub use net::{
    complete_hwaddr, Gateway, HwAddr, Ipv4Net, Ipv6Net, Location, MacvlanMode, Nic, NicKind,
    VethMode,
};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Where the container lives: its name and directory (`<lxcpath>/<name>`).
#[derive(Clone, Debug)]
pub struct Context<'a> {
    /// The container's name.
    pub name: &'a str,
    /// Its directory, holding `config` (and usually `rootfs/`, `fstab`).
    pub dir: &'a Path,
}

/// How a container is launched: everything its config says, checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Spec {
    /// The container's name.
    pub name: String,
    /// Its root filesystem (`lxc.rootfs.path`, `lxc.rootfs.options`).
    pub rootfs: Rootfs,
    /// `lxc.uts.name`; unset: the new UTS namespace keeps the host's name, as in LXC.
    pub hostname: Option<String>,
    /// The namespaces to create.
    pub namespaces: Namespaces,
    /// The network.
    pub net: Net,
    /// `lxc.idmap`: a user namespace with these maps (empty: none).
    pub idmap: Vec<IdMap>,
    /// `lxc.mount.auto`.
    pub auto_mounts: AutoMounts,
    /// `lxc.mount.fstab`'s entries, then `lxc.mount.entry`'s, in order (LXC's order).
    pub mounts: Vec<MountEntry>,
    /// `lxc.autodev`: a tmpfs of this many bytes on /dev with the standard devices, or
    /// `None` (`lxc.autodev = 0`).
    pub autodev: Option<u64>,
    /// `lxc.pty.max`: a new devpts instance with this many ptys; 0: none (as LXC).
    pub pty_max: u32,
    /// `lxc.tty.max`: ttys 1 to N, ptys whose slaves are the container's `/dev/tty1` to
    /// `/dev/ttyN` (the caller keeps the masters, as the console's).
    pub tty_max: u32,
    /// `lxc.tty.dir`: the console also appears as `/dev/<dir>/console`, and the ttys are
    /// `/dev/<dir>/ttyN` with `/dev/ttyN` a symlink to them.
    pub tty_dir: Option<String>,
    /// A console pty (`lxc.console.path` unset), or none (`none`).
    pub console: bool,
    /// `lxc.cap.drop` / `lxc.cap.keep`.
    pub caps: Caps,
    /// `lxc.no_new_privs`.
    pub no_new_privs: bool,
    /// `lxc.seccomp.profile`: the policy file (compiled by `crate::isolation`).
    pub seccomp: Option<PathBuf>,
    /// `lxc.cgroup2.devices.allow/deny`, in order: (`allow`|`deny`, rule).
    pub devices_v2: Vec<(String, String)>,
    /// `lxc.cgroup.devices.allow/deny`, in order.
    pub devices_v1: Vec<(String, String)>,
    /// `lxc.apparmor.profile`.
    pub apparmor: AppArmor,
    /// `lxc.selinux.context` (only honoured when SELinux is enabled, where it is refused).
    pub selinux_context: Option<String>,
    /// `lxc.cgroup2.*` and `lxc.cgroup.*` settings other than devices, in order.
    pub cgroup: Vec<CgroupSetting>,
    /// `lxc.prlimit.*`.
    pub prlimits: Vec<Prlimit>,
    /// `lxc.sysctl.*`: path below /proc/sys (`net/ipv4/ip_forward`) and value.
    pub sysctls: Vec<(String, String)>,
    /// `lxc.proc.*`: file of /proc/PID and value.
    pub proc: Vec<(String, String)>,
    /// The init.
    pub init: Init,
    /// `lxc.monitor.signal.pdeath`: the init's parent-death signal (none by default).
    pub pdeath_signal: Option<i32>,
    /// `lxc.signal.*`, for cgconfigd.
    pub signals: Signals,
    /// `lxc.arch`.
    pub personality: Personality,
    /// `lxc.keyring.session`: a new session keyring for the init (default true).
    pub session_keyring: bool,
}

/// The root filesystem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rootfs {
    /// Its directory on the host.
    pub path: PathBuf,
    /// `MS_*` flags for its bind mount (`lxc.rootfs.options`).
    pub flags: u64,
}

/// Which namespaces the container gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub struct Namespaces {
    pub pid: bool,
    pub uts: bool,
    pub ipc: bool,
    pub cgroup: bool,
    pub net: bool,
    pub user: bool,
}

/// The network (`lxc.net.*`, read in [`net`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Net {
    /// The host's namespace (`lxc.net.N.type = none`).
    Host,
    /// A new namespace: nothing in it but `lo` (no `lxc.net`, or `empty`), or these NICs.
    Isolated {
        /// Bring `lo` up (`lxc.net.N.flags = up` on an `empty` network, as LXC).
        loopback_up: bool,
        /// The veth, macvlan, vlan and phys networks in order of N, with final names.
        nics: Vec<Nic>,
    },
}

/// One `lxc.idmap` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct IdMap {
    /// `u` or `g`.
    pub kind: IdKind,
    /// First id inside.
    pub inside: u32,
    /// First id on the host.
    pub host: u32,
    /// How many.
    pub count: u32,
}

/// User or group ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum IdKind {
    /// `u`
    User,
    /// `g`
    Group,
}

/// `lxc.mount.auto`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AutoMounts {
    /// `proc` (mixed) or `proc:rw`.
    pub proc: Option<ProcMode>,
    /// `sys` (mixed), `sys:ro`, `sys:rw`.
    pub sys: Option<SysMode>,
    /// `cgroup[:mode][:force]`.
    pub cgroup: Option<CgroupMount>,
}

/// `proc:mixed` or `proc:rw`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub enum ProcMode {
    Mixed,
    Rw,
}

/// `sys:mixed`, `sys:ro`, `sys:rw`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub enum SysMode {
    Mixed,
    Ro,
    Rw,
}

/// `cgroup[:mixed|:ro|:rw][:force]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CgroupMount {
    /// The mode; `None` for plain `cgroup` (rw when the container keeps CAP_SYS_ADMIN,
    /// else mixed).
    pub mode: Option<CgroupMode>,
    /// `:force`: mount even where the container could do it itself.
    pub force: bool,
}

/// The modes of `cgroup:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub enum CgroupMode {
    Mixed,
    Ro,
    Rw,
}

/// `lxc.apparmor.profile`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum AppArmor {
    /// Unset: LXC's default profile (`lxc-container-default-cgns`).
    Default,
    /// `unconfined`.
    Unconfined,
    /// `unchanged`: keep cgconfigd's.
    Unchanged,
    /// `generated` (refused at launch when AppArmor is enabled).
    Generated,
    /// A named profile.
    Named(String),
}

/// LXC's default AppArmor profile for containers with a cgroup namespace.
pub const DEFAULT_APPARMOR_PROFILE: &str = "lxc-container-default-cgns";

/// One `lxc.cgroup2.*` or `lxc.cgroup.*` setting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CgroupSetting {
    /// 1 for `lxc.cgroup.*` (v1 names), 2 for `lxc.cgroup2.*`.
    pub version: u8,
    /// The file (`memory.max`).
    pub name: String,
    /// The value.
    pub value: String,
}

/// One `lxc.prlimit.*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Prlimit {
    /// `RLIMIT_*` number.
    pub resource: u32,
    /// Soft limit (`u64::MAX`: unlimited).
    pub soft: u64,
    /// Hard limit.
    pub hard: u64,
}

/// The init process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Init {
    /// Its command line (`lxc.init.cmd`, default `/sbin/init`).
    pub argv: Vec<String>,
    /// `lxc.init.uid` (inside the container).
    pub uid: u32,
    /// `lxc.init.gid`.
    pub gid: u32,
    /// `lxc.init.groups`.
    pub groups: Vec<u32>,
    /// `lxc.init.cwd` (default `/`).
    pub cwd: String,
    /// Its environment: `container=lxc`, `container_ttys` when the container has ttys
    /// (`lxc.tty.max`), then `lxc.environment`, as `NAME=VALUE`.
    pub env: Vec<String>,
}

/// `lxc.signal.*` as signal numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Signals {
    /// `lxc.signal.halt`.
    pub halt: Option<i32>,
    /// `lxc.signal.reboot`.
    pub reboot: Option<i32>,
    /// `lxc.signal.stop`.
    pub stop: Option<i32>,
}

/// `lxc.arch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Personality {
    /// The host's.
    Host,
    /// `PER_LINUX32` (`linux32`, `i686`... on a 64-bit host).
    Linux32,
}

/// Diagnostics about a config: the loaded files' and those of files read while checking
/// (`lxc.mount.fstab`), whose [`FileId`]s follow the loaded ones.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Errors and warnings, in the order found.
    pub diagnostics: Vec<FileDiagnostic>,
    /// Files read while checking, `FileId(loaded files + i)`.
    pub extra: Vec<SourceFile>,
}

impl Report {
    /// True when something refuses the container.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(FileDiagnostic::is_error)
    }

    /// The diagnostics as text, each located in its file (`file:line:col`, the line, a
    /// caret, the hint), with the include chain of included files.
    pub fn render(&self, loaded: &Loaded) -> String {
        let base = loaded.sources.iter().count();
        let mut out = String::new();
        for d in &self.diagnostics {
            match d.file.0.checked_sub(base) {
                Some(i) => {
                    if let Some(src) = self.extra.get(i) {
                        out.push_str(&d.diagnostic.render(src));
                    }
                }
                None => out.push_str(&loaded.render(std::slice::from_ref(d))),
            }
        }
        out
    }
}

/// A refused container: why, every reason at once.
#[derive(Debug)]
pub struct Refused {
    /// The errors (and warnings).
    pub report: Report,
}

/// Checks a loaded config: the spec and the warnings, or every error.
pub fn check(loaded: &Loaded, ctx: &Context<'_>) -> Result<(Spec, Report), Refused> {
    let mut c = Checker {
        loaded,
        ctx,
        live: loaded.live(),
        report: Report::default(),
    };
    let spec = c.spec();
    let mut report = c.report;
    report
        .diagnostics
        .sort_by_key(|d| (d.file, d.diagnostic.span.start));
    if report.has_errors() {
        return Err(Refused { report });
    }
    Ok((spec, report))
}

struct Checker<'a> {
    loaded: &'a Loaded,
    ctx: &'a Context<'a>,
    live: Vec<&'a LoadedEntry>,
    report: Report,
}

fn key_of(e: &LoadedEntry) -> &str {
    &e.entry.key.value
}

/// The init's `container_ttys` for `n` ttys: `container_ttys=tty1 tty2 ... ttyN`, the
/// names of the ttys under /dev.
///
/// LXC puts there the ttys' names in the container's devpts (`pts/1 pts/2 ...`), on which
/// systemd's getty generator starts `container-getty@N`; LXC 5.0.2 (Debian 12) loses the
/// variable before the exec (lxc/lxc#4198, fixed in 2025). The ttys here are ptys of the
/// host's devpts bound on `/dev/ttyN` (as the console), with no name in the container's
/// devpts: the variable names them as `/dev` has them, which systemd skips (it starts
/// gettys on `pts/` names only) and inits that read the count (upstart's LXC jobs) or
/// the names (`/dev/ttyN`) understand.
pub fn container_ttys(n: u32) -> String {
    let names: Vec<String> = (1..=n).map(|i| format!("tty{i}")).collect();
    format!("container_ttys={}", names.join(" "))
}

fn value_of(e: &LoadedEntry) -> &str {
    &e.entry.value.value
}

impl<'a> Checker<'a> {
    fn error(&mut self, e: &LoadedEntry, span: Span, message: String, hint: Option<String>) {
        let mut d = Diagnostic::error(span, message);
        if let Some(h) = hint {
            d = d.with_hint(h);
        }
        self.report.diagnostics.push(FileDiagnostic {
            file: e.file,
            diagnostic: d,
        });
    }

    /// An error about the value of `e`.
    fn bad_value(&mut self, e: &LoadedEntry, message: String, hint: Option<&str>) {
        let span = e.entry.value.span;
        self.error(e, span, message, hint.map(str::to_string));
    }

    fn warn(&mut self, e: &LoadedEntry, message: String, hint: Option<String>) {
        let mut d = Diagnostic::warning(e.entry.key.span, message);
        if let Some(h) = hint {
            d = d.with_hint(h);
        }
        self.report.diagnostics.push(FileDiagnostic {
            file: e.file,
            diagnostic: d,
        });
    }

    /// The settings in force of `key`.
    fn values(&self, key: &str) -> Vec<&'a LoadedEntry> {
        self.live
            .iter()
            .copied()
            .filter(|e| key_of(e) == key)
            .collect()
    }

    /// The last value in force of `key`.
    fn value(&self, key: &str) -> Option<&'a LoadedEntry> {
        self.values(key).pop()
    }

    fn under(&self, prefix: &str) -> Vec<&'a LoadedEntry> {
        self.live
            .iter()
            .copied()
            .filter(|e| key_of(e).starts_with(prefix))
            .collect()
    }

    fn spec(&mut self) -> Spec {
        self.unimplemented_keys();
        let rootfs = self.rootfs();
        let idmap = self.idmap();
        let net = self.net();
        let namespaces = self.namespaces(!idmap.is_empty(), &net);
        let caps = self.caps();
        let auto_mounts = self.auto_mounts();
        let mounts = self.mounts(&rootfs.path);
        let (cgroup, devices_v1, devices_v2) = self.cgroup();
        let autodev_on = self.flag("lxc.autodev", true);
        let tmpfs_size = self.number("lxc.autodev.tmpfs.size").unwrap_or(500_000);
        let console = self.console();
        let tty_max = self.number("lxc.tty.max").unwrap_or(0);
        let init = self.init(tty_max);
        Spec {
            name: self.ctx.name.to_string(),
            hostname: self.value("lxc.uts.name").map(|e| value_of(e).to_string()),
            rootfs: Rootfs {
                path: rootfs.path,
                flags: rootfs.flags,
            },
            namespaces,
            net,
            idmap,
            auto_mounts,
            mounts,
            autodev: autodev_on.then_some(tmpfs_size.into()),
            pty_max: self.number("lxc.pty.max").unwrap_or(0),
            tty_max,
            tty_dir: self
                .value("lxc.tty.dir")
                .map(|e| value_of(e).to_string())
                .filter(|d| self.check_dir_name(d)),
            console,
            caps,
            no_new_privs: self.flag("lxc.no_new_privs", false),
            seccomp: self.seccomp(),
            devices_v2,
            devices_v1,
            apparmor: self.apparmor(),
            selinux_context: self
                .value("lxc.selinux.context")
                .map(|e| value_of(e).to_string()),
            cgroup,
            prlimits: self.prlimits(),
            sysctls: self.named_files("lxc.sysctl.", true),
            proc: self.named_files("lxc.proc.", false),
            init,
            pdeath_signal: self.signal("lxc.monitor.signal.pdeath").filter(|s| *s != 0),
            signals: Signals {
                halt: self.signal("lxc.signal.halt"),
                reboot: self.signal("lxc.signal.reboot"),
                stop: self.signal("lxc.signal.stop"),
            },
            personality: self.personality(),
            session_keyring: self.flag("lxc.keyring.session", true),
        }
    }

    /// Warnings and refusals from the table, for keys no other step reads.
    fn unimplemented_keys(&mut self) {
        for e in self.live.clone() {
            let key = key_of(e);
            let Some((treatment, why)) = keys::treatment(key) else {
                continue;
            };
            match treatment {
                Treatment::Warned => {
                    self.warn(e, format!("`{key}` has no effect here: {why}"), None)
                }
                Treatment::Refused => {
                    let value = value_of(e);
                    // Values that ask for nothing.
                    let harmless = match keys::table_key(key).as_ref() {
                        "lxc.ephemeral" | "lxc.sched.core" | "lxc.net.N.l2proxy" => value == "0",
                        "lxc.time.offset.boot" | "lxc.time.offset.monotonic" => {
                            value.trim_end_matches(|c: char| c.is_ascii_alphabetic()) == "0"
                        }
                        _ => false,
                    };
                    if !harmless {
                        self.error(
                            e,
                            e.entry.key.span,
                            format!("`{key}` is not supported: {why}"),
                            Some(
                                "remove the line to start this container with cgconfigd, or keep \
                                 starting it with lxc-start"
                                    .into(),
                            ),
                        );
                    }
                }
                Treatment::Honoured | Treatment::Service | Treatment::Accepted => {}
            }
        }
    }

    fn rootfs(&mut self) -> Rootfs {
        let mut out = Rootfs {
            path: PathBuf::new(),
            flags: 0,
        };
        if let Some(e) = self.value("lxc.rootfs.options") {
            match mount::options(value_of(e)) {
                Ok(o)
                    if o.data.is_empty()
                        && o.propagation == 0
                        && o.create.is_none()
                        && !o.optional
                        && !o.relative =>
                {
                    out.flags = o.flags & !(mount::ms::BIND | mount::ms::REC);
                }
                Ok(o) => {
                    let extra = o.data.join(",");
                    self.bad_value(
                        e,
                        format!("`lxc.rootfs.options` of a directory rootfs takes mount flags only, not `{}`", if extra.is_empty() { value_of(e) } else { &extra }),
                        Some("flags are ro, nosuid, nodev, noexec, noatime, relatime, ..."),
                    );
                }
                Err(message) => self.bad_value(e, message, None),
            }
        }
        let Some(e) = self.value("lxc.rootfs.path") else {
            let d = Diagnostic::error(
                Span::default(),
                "the config does not set `lxc.rootfs.path`: a container that shares the host's \
                 root filesystem is not supported",
            )
            .with_hint("add `lxc.rootfs.path = dir:/var/lib/lxc/NAME/rootfs`");
            self.report.diagnostics.push(FileDiagnostic {
                file: FileId(0),
                diagnostic: d,
            });
            return out;
        };
        let value = value_of(e);
        let path = match value.split_once(':') {
            Some(("dir", p)) => p,
            Some((backend, _)) if !value.starts_with('/') => {
                let what = match backend {
                    "overlay" | "overlayfs" | "btrfs" | "zfs" | "lvm" | "loop" | "nbd" | "rbd"
                    | "aufs" => {
                        format!("the `{backend}` storage backend is not supported")
                    }
                    _ => format!("unknown storage backend `{backend}`"),
                };
                self.bad_value(
                    e,
                    format!("{what}: only directories (`dir:PATH` or a plain path) are"),
                    Some(
                        "copy the container's files into a directory, e.g. with `lxc-copy -B dir`",
                    ),
                );
                return out;
            }
            _ => value,
        };
        if !path.starts_with('/') {
            self.bad_value(
                e,
                format!("the rootfs path `{path}` is relative"),
                Some("write the absolute path of the container's root directory"),
            );
            return out;
        }
        out.path = PathBuf::from(path.trim_end_matches('/'));
        if out.path.as_os_str().is_empty() {
            self.bad_value(e, "the rootfs cannot be the host's `/`".into(), None);
        }
        out
    }

    fn idmap(&mut self) -> Vec<IdMap> {
        let mut maps = Vec::new();
        let entries = self.values("lxc.idmap");
        for e in &entries {
            let fields: Vec<&str> = value_of(e).split_whitespace().collect();
            let parsed = match fields.as_slice() {
                [kind, inside, host, count] => {
                    let kind = match *kind {
                        "u" => Some(IdKind::User),
                        "g" => Some(IdKind::Group),
                        _ => None,
                    };
                    match (
                        kind,
                        inside.parse::<u32>(),
                        host.parse::<u32>(),
                        count.parse::<u32>(),
                    ) {
                        (Some(kind), Ok(inside), Ok(host), Ok(count)) if count > 0 => Some(IdMap {
                            kind,
                            inside,
                            host,
                            count,
                        }),
                        _ => None,
                    }
                }
                _ => None,
            };
            match parsed {
                Some(m)
                    if u64::from(m.inside) + u64::from(m.count) > u64::from(u32::MAX)
                        || u64::from(m.host) + u64::from(m.count) > u64::from(u32::MAX) =>
                {
                    self.bad_value(e, "this id range goes past the largest id".into(), None)
                }
                Some(m) => maps.push(m),
                None => self.bad_value(
                    e,
                    format!("`{}` is not an id map", value_of(e)),
                    Some("write `u|g FIRST-INSIDE FIRST-ON-HOST COUNT`, e.g. `u 0 100000 65536`"),
                ),
            }
        }
        if !maps.is_empty() && maps.len() == entries.len() {
            for (kind, what) in [(IdKind::User, "uid"), (IdKind::Group, "gid")] {
                let maps_root = maps.iter().any(|m| m.kind == kind && m.inside == 0);
                if !maps_root {
                    if let Some(e) = entries.last() {
                        self.bad_value(
                            e,
                            format!("`lxc.idmap` maps no host {what} to {what} 0 in the container"),
                            Some("the container's root must be mapped: add e.g. `u 0 100000 65536` and `g 0 100000 65536`"),
                        );
                    }
                }
            }
        }
        maps
    }

    fn namespaces(&mut self, user: bool, net: &Net) -> Namespaces {
        let mut ns = Namespaces {
            pid: true,
            uts: true,
            ipc: true,
            cgroup: true,
            net: *net != Net::Host,
            user,
        };
        let clone = self.value("lxc.namespace.clone");
        let keep = self.value("lxc.namespace.keep");
        if let (Some(c), Some(_)) = (clone, keep) {
            self.error(
                c,
                c.entry.key.span,
                "`lxc.namespace.clone` and `lxc.namespace.keep` cannot both be set".into(),
                Some("LXC refuses this too: keep one of them".into()),
            );
            return ns;
        }
        fn parse(text: &str) -> Result<Vec<&str>, String> {
            let names: Vec<&str> = text.split_whitespace().collect();
            for n in &names {
                if !["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"].contains(n) {
                    return Err(format!("`{n}` is not a namespace"));
                }
            }
            Ok(names)
        }
        if let Some(e) = clone {
            match parse(value_of(e)) {
                Ok(names) => {
                    if names.contains(&"time") {
                        self.bad_value(e, "time namespaces are not supported".into(), None);
                    }
                    if !names.contains(&"mnt") {
                        self.bad_value(
                            e,
                            "the container needs a mount namespace of its own (`mnt`)".into(),
                            Some("its root filesystem is set up in it"),
                        );
                    }
                    ns.pid = names.contains(&"pid");
                    ns.uts = names.contains(&"uts");
                    ns.ipc = names.contains(&"ipc");
                    ns.cgroup = names.contains(&"cgroup");
                    ns.net = names.contains(&"net") && *net != Net::Host;
                    if names.contains(&"user") && !user {
                        self.bad_value(e, "a user namespace needs `lxc.idmap`".into(), None);
                    }
                }
                Err(m) => self.bad_value(
                    e,
                    m,
                    Some("namespaces: cgroup ipc mnt net pid time user uts"),
                ),
            }
        }
        if let Some(e) = keep {
            match parse(value_of(e)) {
                Ok(names) => {
                    if names.contains(&"mnt") {
                        self.bad_value(
                            e,
                            "the container cannot keep the host's mount namespace".into(),
                            Some("its root filesystem is set up in a mount namespace of its own"),
                        );
                    }
                    if names.contains(&"user") && user {
                        self.bad_value(
                            e,
                            "`lxc.idmap` asks for a user namespace, which this keeps from the host"
                                .into(),
                            None,
                        );
                    }
                    ns.pid &= !names.contains(&"pid");
                    ns.uts &= !names.contains(&"uts");
                    ns.ipc &= !names.contains(&"ipc");
                    ns.cgroup &= !names.contains(&"cgroup");
                    ns.net &= !names.contains(&"net");
                }
                Err(m) => self.bad_value(
                    e,
                    m,
                    Some("namespaces: cgroup ipc mnt net pid time user uts"),
                ),
            }
        }
        if let (false, Net::Isolated { nics, .. }) = (ns.net, net) {
            if let (Some(nic), Some(e)) = (nics.first(), keep.or(clone)) {
                self.bad_value(
                    e,
                    format!(
                        "network {} ({}) needs a network namespace of the container's own, which this leaves out",
                        nic.index,
                        nic.kind.type_name()
                    ),
                    Some("keep `net` in the container's namespaces, or remove its networks"),
                );
            }
        }
        ns
    }

    fn caps(&mut self) -> Caps {
        let drop = self.values("lxc.cap.drop");
        let keep = self.values("lxc.cap.keep");
        if let (Some(d), Some(_)) = (drop.first(), keep.first()) {
            self.error(
                d,
                d.entry.key.span,
                "`lxc.cap.drop` and `lxc.cap.keep` cannot both be set".into(),
                Some("LXC refuses to start such a container: keep one of the two lists".into()),
            );
            return Caps::All;
        }
        let mut list = Vec::new();
        for e in drop.iter().chain(keep.iter()) {
            for name in value_of(e).split_whitespace() {
                if keep.contains(e) && name == "none" {
                    continue;
                }
                match caps::parse(name) {
                    Some(n) => list.push(n),
                    None => {
                        let hint = grammar::suggest::closest(name, caps::NAMES.iter().copied())
                            .map(|best| format!("did you mean `{best}`?"))
                            .unwrap_or_else(|| {
                                "names are lower case without `CAP_`, e.g. `sys_admin`".into()
                            });
                        self.bad_value(e, format!("unknown capability `{name}`"), Some(&hint));
                    }
                }
            }
        }
        if !keep.is_empty() {
            Caps::Keep(list)
        } else if !drop.is_empty() {
            Caps::Drop(list)
        } else {
            Caps::All
        }
    }

    fn auto_mounts(&mut self) -> AutoMounts {
        let mut auto = AutoMounts::default();
        for e in self.values("lxc.mount.auto") {
            for token in value_of(e).split_whitespace() {
                let mut parts = token.split(':');
                let head = parts.next().unwrap_or("");
                let rest: Vec<&str> = parts.collect();
                let ok = match (head, rest.as_slice()) {
                    ("proc", []) | ("proc", ["mixed"]) => {
                        auto.proc = Some(ProcMode::Mixed);
                        true
                    }
                    ("proc", ["rw"]) => {
                        auto.proc = Some(ProcMode::Rw);
                        true
                    }
                    ("sys", []) | ("sys", ["mixed"]) => {
                        auto.sys = Some(SysMode::Mixed);
                        true
                    }
                    ("sys", ["ro"]) => {
                        auto.sys = Some(SysMode::Ro);
                        true
                    }
                    ("sys", ["rw"]) => {
                        auto.sys = Some(SysMode::Rw);
                        true
                    }
                    ("cgroup" | "cgroup-full", modes) => {
                        let mut m = CgroupMount {
                            mode: None,
                            force: false,
                        };
                        let mut good = modes.len() <= 2;
                        for (i, part) in modes.iter().enumerate() {
                            match *part {
                                "mixed" if i == 0 => m.mode = Some(CgroupMode::Mixed),
                                "ro" if i == 0 => m.mode = Some(CgroupMode::Ro),
                                "rw" if i == 0 => m.mode = Some(CgroupMode::Rw),
                                "force" if i + 1 == modes.len() => m.force = true,
                                _ => good = false,
                            }
                        }
                        if good {
                            if head == "cgroup-full" {
                                self.warn(
                                    e,
                                    format!("`{token}` is mounted as `cgroup`: the container's cgroup namespace shows only its own group"),
                                    None,
                                );
                            }
                            auto.cgroup = Some(m);
                        }
                        good
                    }
                    _ => false,
                };
                if !ok {
                    let hint = if head == "shmounts" {
                        "`shmounts` is not supported"
                    } else {
                        "tokens: proc[:mixed|:rw], sys[:mixed|:ro|:rw], cgroup[:mixed|:ro|:rw][:force]"
                    };
                    self.bad_value(
                        e,
                        format!("unknown `lxc.mount.auto` token `{token}`"),
                        Some(hint),
                    );
                }
            }
        }
        auto
    }

    fn mounts(&mut self, rootfs: &Path) -> Vec<MountEntry> {
        let rootfs_text = rootfs.to_string_lossy().into_owned();
        let alt = self.ctx.dir.join("rootfs").to_string_lossy().into_owned();
        let mut out = Vec::new();
        if let Some(e) = self.value("lxc.mount.fstab") {
            let written = value_of(e);
            let path = if written.starts_with('/') {
                PathBuf::from(written)
            } else {
                self.ctx.dir.join(written)
            };
            match SourceFile::read(&path) {
                Ok(src) => {
                    let id = FileId(self.loaded.sources.iter().count() + self.report.extra.len());
                    let text = src.text().to_string();
                    let mut offset = 0;
                    for line in text.split_inclusive('\n') {
                        let start = offset;
                        offset += line.len();
                        let content = line.trim_end_matches(['\n', '\r']);
                        let lead = content.len() - content.trim_start().len();
                        let body = content.trim();
                        if body.is_empty() || body.starts_with('#') {
                            continue;
                        }
                        match mount::entry(body, &rootfs_text, &alt) {
                            Ok(Some(m)) => out.push(m),
                            Ok(None) => self.report.diagnostics.push(FileDiagnostic {
                                file: id,
                                diagnostic: Diagnostic::warning(
                                    Span::new(start + lead, start + lead + body.len()),
                                    "this mount entry is ignored, as LXC does: its absolute target is not inside the container's root filesystem",
                                )
                                .with_hint("write the target relative to the container's root"),
                            }),
                            Err(err) => {
                                let mut d = Diagnostic::error(
                                    Span::new(start + lead + err.range.0, start + lead + err.range.1),
                                    err.message,
                                );
                                if let Some(h) = err.hint {
                                    d = d.with_hint(h);
                                }
                                self.report.diagnostics.push(FileDiagnostic { file: id, diagnostic: d });
                            }
                        }
                    }
                    self.report.extra.push(src);
                }
                Err(err) => self.bad_value(
                    e,
                    format!("cannot read the fstab `{}`: {err}", path.display()),
                    Some("LXC refuses to start a container whose fstab is missing"),
                ),
            }
        }
        for e in self.values("lxc.mount.entry") {
            let value = value_of(e);
            match mount::entry(value, &rootfs_text, &alt) {
                Ok(Some(m)) => out.push(m),
                Ok(None) => self.warn(
                    e,
                    "this mount entry is ignored, as LXC does: its absolute target is not inside the container's root filesystem".into(),
                    Some("write the target relative to the container's root".into()),
                ),
                Err(err) => {
                    let base = e.entry.value.span.start;
                    // The span covers the value as written; quotes around it shift it by one.
                    let shift = self.value_offset(e);
                    let span = Span::new(base + shift + err.range.0, base + shift + err.range.1);
                    self.error(e, span, err.message, err.hint);
                }
            }
        }
        out
    }

    /// Where the value's text starts inside its span (1 when quoted).
    fn value_offset(&self, e: &LoadedEntry) -> usize {
        let span = e.entry.value.span;
        self.loaded
            .sources
            .file(e.file)
            .map(|src| src.slice(span))
            .map_or(0, |raw| usize::from(raw.len() == value_of(e).len() + 2))
    }

    #[allow(clippy::type_complexity)]
    fn cgroup(
        &mut self,
    ) -> (
        Vec<CgroupSetting>,
        Vec<(String, String)>,
        Vec<(String, String)>,
    ) {
        let mut settings = Vec::new();
        let (mut v1, mut v2) = (Vec::new(), Vec::new());
        for e in self.live.clone() {
            let key = key_of(e);
            let (version, name) = if let Some(n) = key.strip_prefix("lxc.cgroup2.") {
                (2u8, n)
            } else if let Some(n) = key.strip_prefix("lxc.cgroup.") {
                if matches!(keys::treatment(key), Some((t, _)) if t != Treatment::Honoured) {
                    continue;
                }
                (1u8, n)
            } else {
                continue;
            };
            let value = value_of(e).to_string();
            match name {
                "devices.allow" | "devices.deny" => {
                    let kind = name["devices.".len()..].to_string();
                    if version == 2 { &mut v2 } else { &mut v1 }.push((kind, value));
                }
                _ if !name.contains('.') || name.contains('/') => self.error(
                    e,
                    e.entry.key.span,
                    format!("`{name}` is not a cgroup file"),
                    Some(
                        "write `lxc.cgroup2.<controller>.<file>`, e.g. `lxc.cgroup2.memory.max`"
                            .into(),
                    ),
                ),
                _ => settings.push(CgroupSetting {
                    version,
                    name: name.to_string(),
                    value,
                }),
            }
        }
        // The rules are checked here, where their lines are known, so that a bad one
        // refuses the container at its place before anything starts (crate::devices reads
        // them as LXC does; the launch parses them again from the strings kept here).
        for keys in [crate::devices::Keys::Cgroup2, crate::devices::Keys::Cgroup1] {
            match crate::devices::Rules::from_config_with_warnings(self.loaded, keys) {
                Ok((_, warnings)) => self.report.diagnostics.extend(warnings),
                Err(errors) => self.report.diagnostics.extend(errors),
            }
        }
        (settings, v1, v2)
    }

    fn console(&mut self) -> bool {
        match self.value("lxc.console.path") {
            None => true,
            Some(e) if value_of(e) == "none" => false,
            Some(e) => {
                self.bad_value(
                    e,
                    format!("a host device as the console (`{}`) is not supported yet", value_of(e)),
                    Some("leave `lxc.console.path` unset for a pty console (`cgconfigd console NAME`), or write `none`"),
                );
                true
            }
        }
    }

    fn seccomp(&mut self) -> Option<PathBuf> {
        let e = self.value("lxc.seccomp.profile")?;
        let value = value_of(e);
        if !value.starts_with('/') {
            self.bad_value(
                e,
                format!("the seccomp profile path `{value}` is relative"),
                Some("write its absolute path"),
            );
            return None;
        }
        // Compiled now to find a bad policy before anything starts (the start compiles it
        // again: a file may change between the two, and the filter is cheap to build).
        if let Err(error) = crate::seccomp::Filter::from_file(Path::new(value)) {
            self.bad_value(
                e,
                format!("the seccomp profile `{value}` cannot be used"),
                Some(&error.to_string()),
            );
            return None;
        }
        Some(PathBuf::from(value))
    }

    fn apparmor(&mut self) -> AppArmor {
        match self.value("lxc.apparmor.profile").map(value_of) {
            None => AppArmor::Default,
            Some("unconfined") => AppArmor::Unconfined,
            Some("unchanged") => AppArmor::Unchanged,
            Some("generated") => AppArmor::Generated,
            Some(name) => AppArmor::Named(name.to_string()),
        }
    }

    fn prlimits(&mut self) -> Vec<Prlimit> {
        const RESOURCES: &[(&str, u32)] = &[
            ("cpu", 0),
            ("fsize", 1),
            ("data", 2),
            ("stack", 3),
            ("core", 4),
            ("rss", 5),
            ("nproc", 6),
            ("nofile", 7),
            ("memlock", 8),
            ("as", 9),
            ("locks", 10),
            ("sigpending", 11),
            ("msgqueue", 12),
            ("nice", 13),
            ("rtprio", 14),
            ("rttime", 15),
        ];
        let mut out: Vec<Prlimit> = Vec::new();
        for e in self.under("lxc.prlimit.") {
            let name = &key_of(e)["lxc.prlimit.".len()..];
            let Some((_, resource)) = RESOURCES.iter().find(|(n, _)| *n == name) else {
                let names: Vec<&str> = RESOURCES.iter().map(|(n, _)| *n).collect();
                self.error(
                    e,
                    e.entry.key.span,
                    format!("unknown resource `{name}`"),
                    Some(format!("resources: {}", names.join(", "))),
                );
                continue;
            };
            let limit = |s: &str| -> Option<u64> {
                if s == "unlimited" {
                    Some(u64::MAX)
                } else {
                    s.parse().ok()
                }
            };
            let value = value_of(e);
            let parsed = match value.split_once(':') {
                Some((soft, hard)) => limit(soft).zip(limit(hard)),
                None => limit(value).map(|v| (v, v)),
            };
            match parsed {
                Some((soft, hard)) if soft <= hard => {
                    out.retain(|p| p.resource != *resource);
                    out.push(Prlimit {
                        resource: *resource,
                        soft,
                        hard,
                    });
                }
                Some(_) => self.bad_value(
                    e,
                    format!("the soft limit in `{value}` is above the hard limit"),
                    None,
                ),
                None => self.bad_value(
                    e,
                    format!("`{value}` is not a limit"),
                    Some("write `N`, `unlimited`, or `SOFT:HARD`"),
                ),
            }
        }
        out
    }

    /// `lxc.sysctl.*` (`dots` true: the name's dots become slashes) or `lxc.proc.*`.
    fn named_files(&mut self, prefix: &str, dots: bool) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for e in self.under(prefix) {
            let name = &key_of(e)[prefix.len()..];
            if name.contains('/')
                || name.split('.').any(str::is_empty)
                || (!dots && name.contains('.'))
            {
                self.error(
                    e,
                    e.entry.key.span,
                    format!("`{name}` is not a file name"),
                    None,
                );
                continue;
            }
            let file = if dots {
                name.replace('.', "/")
            } else {
                name.to_string()
            };
            out.retain(|(f, _)| *f != file);
            out.push((file, value_of(e).to_string()));
        }
        out
    }

    fn init(&mut self, tty_max: u32) -> Init {
        let argv = match self.value("lxc.init.cmd") {
            Some(e) => match split_quoted(value_of(e)) {
                Some(argv) if !argv.is_empty() => argv,
                _ => {
                    self.bad_value(
                        e,
                        "cannot read this command line".into(),
                        Some("an unterminated quote?"),
                    );
                    vec!["/sbin/init".into()]
                }
            },
            None => vec!["/sbin/init".into()],
        };
        let uid = self.number("lxc.init.uid").unwrap_or(0);
        let gid = self.number("lxc.init.gid").unwrap_or(0);
        let mut groups = Vec::new();
        if let Some(e) = self.value("lxc.init.groups") {
            for g in value_of(e).split([',', ' ']).filter(|g| !g.is_empty()) {
                match g.parse::<u32>() {
                    Ok(n) => groups.push(n),
                    Err(_) => self.bad_value(
                        e,
                        format!("`{g}` is not a group id"),
                        Some("lxc.init.groups takes numeric gids"),
                    ),
                }
            }
        }
        let cwd = match self.value("lxc.init.cwd") {
            Some(e) if !value_of(e).starts_with('/') => {
                self.bad_value(
                    e,
                    "the working directory must be an absolute path".into(),
                    None,
                );
                "/".into()
            }
            Some(e) => value_of(e).to_string(),
            None => "/".into(),
        };
        let mut env: Vec<String> = vec!["container=lxc".into()];
        if tty_max > 0 {
            env.push(container_ttys(tty_max));
        }
        for e in self.values("lxc.environment") {
            let value = value_of(e);
            let entry = match value.split_once('=') {
                Some((name, _)) if !name.is_empty() => Some(value.to_string()),
                Some(_) => None,
                // `NAME` alone: the launcher's value, as LXC 5 reads it.
                None => std::env::var(value).ok().map(|v| format!("{value}={v}")),
            };
            match entry {
                Some(entry) => {
                    let name = entry.split('=').next().unwrap_or("").to_string();
                    env.retain(|v| v.split('=').next() != Some(name.as_str()));
                    env.push(entry);
                }
                None if value.contains('=') => self.bad_value(
                    e,
                    format!("`{value}` has no variable name"),
                    Some("write `NAME=VALUE`"),
                ),
                None => {}
            }
        }
        Init {
            argv,
            uid,
            gid,
            groups,
            cwd,
            env,
        }
    }

    fn personality(&mut self) -> Personality {
        let Some(e) = self.value("lxc.arch") else {
            return Personality::Host;
        };
        let host = std::env::consts::ARCH;
        let value = value_of(e);
        let is_64 = |a: &str| match host {
            "x86_64" => ["x86_64", "amd64", "linux64"].contains(&a),
            "aarch64" => ["aarch64", "arm64", "linux64"].contains(&a),
            other => a == other || a == "linux64",
        };
        let is_32 = |a: &str| match host {
            "x86_64" => ["i386", "i486", "i586", "i686", "x86", "linux32"].contains(&a),
            "aarch64" => ["armhf", "armel", "arm", "armv7l", "linux32"].contains(&a),
            _ => a == "linux32",
        };
        if is_64(value) {
            Personality::Host
        } else if is_32(value) {
            Personality::Linux32
        } else {
            self.bad_value(
                e,
                format!("a `{value}` container cannot run on this {host} host"),
                Some("lxc.arch is the host's architecture or its 32-bit form (linux32)"),
            );
            Personality::Host
        }
    }

    fn check_dir_name(&mut self, d: &str) -> bool {
        if d.is_empty() || d.contains('/') || d == "." || d == ".." {
            if let Some(e) = self.value("lxc.tty.dir") {
                self.bad_value(e, format!("`{d}` is not a directory name under /dev"), None);
            }
            return false;
        }
        true
    }

    /// A 0/1 key (LXC refuses other values).
    fn flag(&mut self, key: &str, default: bool) -> bool {
        match self.value(key) {
            None => default,
            Some(e) => match value_of(e) {
                "0" => false,
                "1" => true,
                v => {
                    self.bad_value(e, format!("`{key}` must be 0 or 1, not `{v}`"), None);
                    default
                }
            },
        }
    }

    /// An unsigned number key.
    fn number(&mut self, key: &str) -> Option<u32> {
        let e = self.value(key)?;
        match value_of(e).parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.bad_value(
                    e,
                    format!("`{key}` must be a whole number, not `{}`", value_of(e)),
                    None,
                );
                None
            }
        }
    }

    fn signal(&mut self, key: &str) -> Option<i32> {
        let e = self.value(key)?;
        match parse_signal(value_of(e)) {
            Some(n) => Some(n),
            None => {
                self.bad_value(
                    e,
                    format!("`{}` is not a signal", value_of(e)),
                    Some("write a number or a name such as SIGTERM, SIGPWR, SIGRTMIN+3"),
                );
                None
            }
        }
    }
}

/// The standard signals by name, as LXC's `sig_parse` and `kill -l` know them.
const NAMES: &[(&str, i32)] = &[
    ("HUP", 1),
    ("INT", 2),
    ("QUIT", 3),
    ("ILL", 4),
    ("TRAP", 5),
    ("ABRT", 6),
    ("IOT", 6),
    ("BUS", 7),
    ("FPE", 8),
    ("KILL", 9),
    ("USR1", 10),
    ("SEGV", 11),
    ("USR2", 12),
    ("PIPE", 13),
    ("ALRM", 14),
    ("TERM", 15),
    ("STKFLT", 16),
    ("CHLD", 17),
    ("CONT", 18),
    ("STOP", 19),
    ("TSTP", 20),
    ("TTIN", 21),
    ("TTOU", 22),
    ("URG", 23),
    ("XCPU", 24),
    ("XFSZ", 25),
    ("VTALRM", 26),
    ("PROF", 27),
    ("WINCH", 28),
    ("IO", 29),
    ("POLL", 29),
    ("PWR", 30),
    ("SYS", 31),
];

/// glibc's SIGRTMIN is 34 (two real-time signals are its own), SIGRTMAX 64.
pub const SIGRTMIN: i32 = 34;
/// The last real-time signal.
pub const SIGRTMAX: i32 = 64;

/// `SIGTERM`, `SIGRTMIN+3`, `signal 99`: how a signal is named in logs and messages.
pub fn signal_name(signo: i32) -> String {
    if let Some((name, _)) = NAMES.iter().find(|(_, s)| *s == signo) {
        return format!("SIG{name}");
    }
    if (SIGRTMIN..=SIGRTMAX).contains(&signo) {
        return format!("SIGRTMIN+{}", signo - SIGRTMIN);
    }
    format!("signal {signo}")
}

/// A signal as LXC's `sig_parse` reads it: a number, or `SIG` + a name (`SIGRTMIN+N`,
/// `SIGRTMAX-N` too). 0 is allowed (no signal).
pub fn parse_signal(text: &str) -> Option<i32> {
    if let Ok(n) = text.parse::<i32>() {
        return (0..=SIGRTMAX).contains(&n).then_some(n);
    }
    let upper = text.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    if let Some(rest) = name.strip_prefix("RTMIN") {
        let n = if rest.is_empty() {
            SIGRTMIN
        } else {
            SIGRTMIN + rest.strip_prefix('+')?.parse::<i32>().ok()?
        };
        return (n <= SIGRTMAX).then_some(n);
    }
    if let Some(rest) = name.strip_prefix("RTMAX") {
        let n = if rest.is_empty() {
            SIGRTMAX
        } else {
            SIGRTMAX - rest.strip_prefix('-')?.parse::<i32>().ok()?
        };
        return (n >= SIGRTMIN).then_some(n);
    }
    NAMES.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
}

/// Splits a command line at blanks, with `'...'` and `"..."` grouping words (LXC's
/// `lxc_string_split_quoted`). `None` for an unterminated quote.
pub fn split_quoted(text: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, ' ' | '\t') => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return None;
    }
    if in_word {
        out.push(word);
    }
    Some(out)
}

impl Spec {
    /// The device rules that apply on a host whose devices controller is cgroup v2
    /// (`v2`) or v1: LXC's list for that version, else the other one (LXC ignores it;
    /// applying it instead keeps the container from being less confined than intended).
    pub fn device_rules(&self, v2: bool) -> &[(String, String)] {
        let (mine, other) = if v2 {
            (&self.devices_v2, &self.devices_v1)
        } else {
            (&self.devices_v1, &self.devices_v2)
        };
        if mine.is_empty() {
            other
        } else {
            mine
        }
    }

    /// A one-line summary, for logs.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            "{}: rootfs {}, init {}",
            self.name,
            self.rootfs.path.display(),
            self.init.argv.join(" ")
        );
        if !self.idmap.is_empty() {
            s.push_str(", user namespace");
        }
        s
    }
}

#[cfg(test)]
mod tests;
