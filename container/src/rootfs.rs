//! The container's file system, planned as steps (see [`crate::plan`]): the rootfs bind
//! mount, `lxc.autodev`, `lxc.mount.auto`, `lxc.mount.fstab` and `lxc.mount.entry`, the
//! standard devices, devpts and the console, in LXC's order (`src/lxc/conf.c`:
//! `lxc_setup` with `mount_autodev`, `lxc_mount_auto_mounts` and its `default_mounts`
//! table, `setup_mount_fstab`/`setup_mount_entries`, `lxc_fill_autodev`,
//! `lxc_setup_devpts_child`, `lxc_setup_console`). Every target is a path below the
//! rootfs as the host sees it; pivot_root comes after (planned by [`crate::plan`]).

use crate::caps;
use crate::plan::{cstr, HostFacts, Planned, Step};
use crate::spec::mount::ms;
use crate::spec::{CgroupMode, Create, MountEntry, ProcMode, Spec, SysMode};
use std::ffi::CString;

/// LXC's standard devices (`lxc_devices` in conf.c): name, major, minor.
pub const DEVICES: &[(&str, u32, u32)] = &[
    ("full", 1, 7),
    ("null", 1, 3),
    ("random", 1, 8),
    ("tty", 5, 0),
    ("urandom", 1, 9),
    ("zero", 1, 5),
];

struct Planner<'a> {
    root: String,
    steps: Vec<Planned>,
    spec: &'a Spec,
}

impl Planner<'_> {
    fn path(&self, rel: &str) -> String {
        let rel = rel.trim_start_matches('/');
        if rel.is_empty() {
            self.root.clone()
        } else {
            format!("{}/{rel}", self.root)
        }
    }

    fn add(&mut self, step: Step, what: String, optional: bool) {
        self.steps.push(Planned {
            step,
            what,
            optional,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn mount(
        &mut self,
        source: Option<&str>,
        target: &str,
        fstype: Option<&str>,
        flags: u64,
        data: Option<&str>,
        what: String,
        optional: bool,
        skip_missing: bool,
    ) {
        self.add(
            Step::Mount {
                source: source.map(cstr),
                target: cstr(target),
                fstype: fstype.map(cstr),
                flags,
                data: data.map(cstr),
                retry_data: None,
                remount: None,
                skip_missing,
            },
            what,
            optional,
        );
    }

    /// A bind mount, remounted with `flags` (read-only...) when there are any.
    #[allow(clippy::too_many_arguments)]
    fn bind(
        &mut self,
        source: &str,
        target: &str,
        rec: bool,
        flags: u64,
        what: String,
        optional: bool,
        skip_missing: bool,
    ) {
        let remount = flags & !(ms::BIND | ms::REC);
        self.add(
            Step::Mount {
                source: Some(cstr(source)),
                target: cstr(target),
                fstype: None,
                flags: ms::BIND | if rec { ms::REC } else { 0 },
                data: None,
                retry_data: None,
                remount: (remount != 0).then_some(remount),
                skip_missing,
            },
            what,
            optional,
        );
    }

    fn mkdir(&mut self, rel: &str, optional: bool) {
        let path = self.path(rel);
        self.add(
            Step::Mkdir(cstr(&path), 0o755),
            format!("creating the directory /{}", rel.trim_start_matches('/')),
            optional,
        );
    }

    /// `mkdir -p` of `rel` below the rootfs: each missing level.
    fn mkdir_p(&mut self, rel: &str, optional: bool) {
        let mut at = String::new();
        for part in rel.split('/').filter(|p| !p.is_empty()) {
            if !at.is_empty() {
                at.push('/');
            }
            at.push_str(part);
            let at = at.clone();
            self.mkdir(&at, optional);
        }
    }

    fn auto_proc(&mut self, mode: ProcMode) {
        let root = self.root.clone();
        let r = |p: &str| format!("{root}/{p}");
        self.mkdir("proc", false);
        let (proc_, sys, net, tty, sysrq) = (
            r("proc"),
            r("proc/sys"),
            r("proc/sys/net"),
            r("proc/tty"),
            r("proc/sysrq-trigger"),
        );
        self.mount(
            Some("proc"),
            &proc_,
            Some("proc"),
            ms::NODEV | ms::NOEXEC | ms::NOSUID,
            None,
            "mount of proc on /proc".into(),
            false,
            false,
        );
        if mode == ProcMode::Rw {
            return;
        }
        // proc:mixed: /proc/sys read-only but /proc/sys/net writable when the container
        // keeps CAP_NET_ADMIN (parked on /proc/tty meanwhile), /proc/sysrq-trigger read-only.
        let net_admin = self.spec.caps.keeps(caps::NET_ADMIN);
        if net_admin {
            self.bind(
                &net,
                &tty,
                false,
                0,
                "bind mount of /proc/sys/net on /proc/tty".into(),
                false,
                true,
            );
        }
        self.bind(
            &sys,
            &sys,
            false,
            ms::RDONLY,
            "read-only bind mount of /proc/sys".into(),
            false,
            false,
        );
        if net_admin {
            self.mount(
                Some(&tty),
                &net,
                None,
                ms::MOVE,
                None,
                "move of /proc/tty back to /proc/sys/net".into(),
                false,
                true,
            );
        }
        self.bind(
            &sysrq,
            &sysrq,
            false,
            ms::RDONLY,
            "read-only bind mount of /proc/sysrq-trigger".into(),
            false,
            true,
        );
    }

    fn auto_sys(&mut self, mode: SysMode) {
        let root = self.root.clone();
        let r = |p: &str| format!("{root}/{p}");
        self.mkdir("sys", false);
        let sys = r("sys");
        match mode {
            SysMode::Rw => self.mount(
                Some("sysfs"),
                &sys,
                Some("sysfs"),
                0,
                None,
                "mount of sysfs on /sys".into(),
                false,
                false,
            ),
            SysMode::Ro => self.mount(
                Some("sysfs"),
                &sys,
                Some("sysfs"),
                ms::RDONLY,
                None,
                "mount of sysfs on /sys".into(),
                false,
                false,
            ),
            SysMode::Mixed => {
                // A writable sysfs parked on /proc/sys lends its devices/virtual/net to a
                // read-only /sys, then goes.
                let park = r("proc/sys");
                let locked = ms::NOSUID | ms::NODEV | ms::NOEXEC;
                self.mount(
                    Some("sysfs"),
                    &park,
                    Some("sysfs"),
                    locked,
                    None,
                    "mount of a writable sysfs on /proc/sys".into(),
                    false,
                    true,
                );
                self.mount(
                    Some("sysfs"),
                    &sys,
                    Some("sysfs"),
                    ms::RDONLY | locked,
                    None,
                    "mount of sysfs on /sys".into(),
                    false,
                    false,
                );
                self.bind(
                    &r("proc/sys/devices/virtual/net"),
                    &r("sys/devices/virtual/net"),
                    false,
                    0,
                    "bind mount of /sys/devices/virtual/net".into(),
                    false,
                    true,
                );
                self.add(
                    Step::Unmount(cstr(&park)),
                    "unmount of the sysfs on /proc/sys".into(),
                    true,
                );
            }
        }
    }

    fn entry(&mut self, m: &MountEntry) {
        let target = self.path(&m.target);
        match m.create {
            Some(Create::Dir) => self.mkdir_p(&m.target, m.optional),
            Some(Create::File) => {
                if let Some((parent, _)) = m.target.rsplit_once('/') {
                    self.mkdir_p(parent, m.optional);
                }
                self.add(
                    Step::CreateFile(cstr(&target)),
                    format!("creating the file /{}", m.target),
                    m.optional,
                );
            }
            None => {}
        }
        let source = if m.relative {
            self.path(&m.source)
        } else {
            m.source.clone()
        };
        let what = format!("mount entry `{}`", m.text);
        if m.flags & ms::BIND != 0 {
            self.bind(
                &source,
                &target,
                m.flags & ms::REC != 0,
                m.flags,
                what,
                m.optional,
                false,
            );
        } else {
            let data = (!m.data.is_empty()).then_some(m.data.as_str());
            self.mount(
                Some(&source),
                &target,
                Some(&m.fstype),
                m.flags,
                data,
                what,
                m.optional,
                false,
            );
        }
        if m.propagation != 0 {
            self.mount(
                None,
                &target,
                None,
                m.propagation,
                None,
                format!("propagation of /{}", m.target),
                m.optional,
                false,
            );
        }
    }

    fn auto_cgroup(&mut self, host: &HostFacts) {
        let Some(cm) = self.spec.auto_mounts.cgroup else {
            return;
        };
        // LXC (cgfsng_mount): under a cgroup namespace the container mounts its cgroups
        // itself, unless `:force`, or it lacks CAP_SYS_ADMIN, or the host is pure cgroup
        // v2 (distributions' inits do not mount cgroup2 by themselves).
        let pure_v2 = host.v1_hierarchies.is_none();
        let wants = cm.force || !self.spec.caps.keeps(caps::SYS_ADMIN) || pure_v2;
        if !wants || !self.spec.namespaces.cgroup {
            return;
        }
        let ro = if cm.mode == Some(CgroupMode::Ro) {
            ms::RDONLY
        } else {
            0
        };
        let base = ms::NOSUID | ms::NODEV | ms::NOEXEC | ms::RELATIME;
        let at = self.path("sys/fs/cgroup");
        match &host.v1_hierarchies {
            None => {
                self.mkdir_p("sys/fs/cgroup", false);
                self.mount(
                    Some("cgroup2"),
                    &at,
                    Some("cgroup2"),
                    base | ro,
                    None,
                    "mount of cgroup2 on /sys/fs/cgroup".into(),
                    false,
                    false,
                );
            }
            Some(hierarchies) => {
                self.mkdir_p("sys/fs/cgroup", false);
                self.mount(
                    Some("tmpfs"),
                    &at,
                    Some("tmpfs"),
                    base,
                    Some("size=10240k,mode=755"),
                    "mount of a tmpfs on /sys/fs/cgroup".into(),
                    false,
                    false,
                );
                for (dir, options) in hierarchies.clone() {
                    let rel = format!("sys/fs/cgroup/{dir}");
                    self.mkdir(&rel, false);
                    let (fstype, data) = if options.is_empty() {
                        ("cgroup2", None)
                    } else {
                        ("cgroup", Some(options.as_str()))
                    };
                    let target = self.path(&rel);
                    self.mount(
                        Some(fstype),
                        &target,
                        Some(fstype),
                        base | ro,
                        data,
                        format!("mount of the {dir} cgroup hierarchy on /{rel}"),
                        false,
                        false,
                    );
                }
            }
        }
    }

    fn autodev(&mut self, size: u64) {
        self.mkdir("dev", false);
        let dev = self.path("dev");
        let data = format!("size={size},mode=755");
        self.mount(
            Some("none"),
            &dev,
            Some("tmpfs"),
            0,
            Some(&data),
            "mount of a tmpfs on /dev (lxc.autodev)".into(),
            false,
            false,
        );
        self.mkdir("dev/pts", false);
    }

    fn devices(&mut self) {
        // The nodes get mode 0666 whatever the launcher's umask.
        self.add(Step::Umask(0), "setting the umask".into(), false);
        for (name, major, minor) in DEVICES {
            let path = self.path(&format!("dev/{name}"));
            self.add(
                Step::Device {
                    path: cstr(&path),
                    major: *major,
                    minor: *minor,
                    host: cstr(&format!("/dev/{name}")),
                },
                format!("creating /dev/{name}"),
                false,
            );
        }
        self.add(Step::Umask(0o022), "setting the umask".into(), false);
        for (target, name) in [
            ("/proc/self/fd", "fd"),
            ("/proc/self/fd/0", "stdin"),
            ("/proc/self/fd/1", "stdout"),
            ("/proc/self/fd/2", "stderr"),
        ] {
            let link = self.path(&format!("dev/{name}"));
            self.add(
                Step::Symlink {
                    target: cstr(target),
                    link: cstr(&link),
                },
                format!("creating the symlink /dev/{name}"),
                false,
            );
        }
    }

    fn devpts(&mut self, max: u32) {
        let pts = self.path("dev/pts");
        self.add(
            Step::Unmount(cstr(&pts)),
            "unmount of /dev/pts".into(),
            true,
        );
        self.mkdir("dev/pts", false);
        let with_gid = format!("newinstance,ptmxmode=0666,mode=0620,gid=5,max={max}");
        let without = format!("newinstance,ptmxmode=0666,mode=0620,max={max}");
        self.add(
            Step::Mount {
                source: Some(cstr("devpts")),
                target: cstr(&pts),
                fstype: Some(cstr("devpts")),
                flags: ms::NOSUID | ms::NOEXEC,
                data: Some(cstr(&with_gid)),
                retry_data: Some(cstr(&without)),
                remount: None,
                skip_missing: false,
            },
            "mount of devpts on /dev/pts".into(),
            false,
        );
        let ptmx = self.path("dev/ptmx");
        let pts_ptmx = self.path("dev/pts/ptmx");
        self.add(
            Step::Ptmx {
                path: cstr(&ptmx),
                pts: cstr(&pts_ptmx),
            },
            "setting up /dev/ptmx".into(),
            false,
        );
    }

    fn console(&mut self, slave: &str) {
        let console = self.path("dev/console");
        self.add(
            Step::CreateFile(cstr(&console)),
            "creating /dev/console".into(),
            false,
        );
        self.bind(
            slave,
            &console,
            false,
            0,
            format!("bind mount of the console {slave} on /dev/console"),
            false,
            false,
        );
        if let Some(dir) = self.spec.tty_dir.clone() {
            self.mkdir(&format!("dev/{dir}"), false);
            let inner = self.path(&format!("dev/{dir}/console"));
            self.add(
                Step::CreateFile(cstr(&inner)),
                format!("creating /dev/{dir}/console"),
                false,
            );
            self.bind(
                slave,
                &inner,
                false,
                0,
                format!("bind mount of the console on /dev/{dir}/console"),
                false,
                false,
            );
        }
    }

    /// The ttys, as LXC's `lxc_setup_ttys`: tty N's slave bound on `/dev/ttyN`, created
    /// as an empty file when missing; with `lxc.tty.dir`, on `/dev/<dir>/ttyN` instead, and
    /// `/dev/ttyN` a symlink to `<dir>/ttyN` (LXC first unlinks an existing `/dev/ttyN`;
    /// here an existing one, only possible with `lxc.autodev = 0`, is kept).
    /// `make_dir`: `/dev/<dir>` is not made yet (no console).
    fn ttys(&mut self, slaves: &[String], make_dir: bool) {
        let dir = self.spec.tty_dir.clone();
        if let Some(dir) = dir.as_ref().filter(|_| make_dir && !slaves.is_empty()) {
            self.mkdir(&format!("dev/{dir}"), false);
        }
        for (i, slave) in slaves.iter().enumerate() {
            let n = i + 1;
            let rel = match &dir {
                Some(dir) => format!("dev/{dir}/tty{n}"),
                None => format!("dev/tty{n}"),
            };
            let target = self.path(&rel);
            self.add(
                Step::CreateFile(cstr(&target)),
                format!("creating /{rel}"),
                false,
            );
            self.bind(
                slave,
                &target,
                false,
                0,
                format!("bind mount of tty {n} {slave} on /{rel}"),
                false,
                false,
            );
            if let Some(dir) = &dir {
                let link = self.path(&format!("dev/tty{n}"));
                self.add(
                    Step::Symlink {
                        target: cstr(&format!("{dir}/tty{n}")),
                        link: cstr(&link),
                    },
                    format!("creating the symlink /dev/tty{n}"),
                    false,
                );
            }
        }
    }
}

/// The file system steps before pivot_root. `console` is the host path of the console
/// pty's slave (`/dev/pts/N`), if the container has one; `ttys` those of its ttys
/// (`lxc.tty.max`), tty 1 first.
pub fn plan(spec: &Spec, host: &HostFacts, console: Option<&str>, ttys: &[String]) -> Vec<Planned> {
    let mut p = Planner {
        root: spec
            .rootfs
            .path
            .to_string_lossy()
            .trim_end_matches('/')
            .to_string(),
        steps: Vec::new(),
        spec,
    };
    // Nothing mounted from here on reaches the host; the host's later mounts still
    // reach the container until pivot_root detaches the old root.
    p.mount(
        None,
        "/",
        None,
        ms::SLAVE | ms::REC,
        None,
        "making / a slave mount".into(),
        false,
        false,
    );
    let root = p.root.clone();
    p.bind(
        &root,
        &root,
        true,
        spec.rootfs.flags,
        format!("bind mount of the rootfs {root}"),
        false,
        false,
    );
    p.add(
        Step::OpenRoot(cstr(&root)),
        format!("opening the rootfs {root}"),
        false,
    );
    if let Some(size) = spec.autodev {
        p.autodev(size);
    }
    if let Some(mode) = spec.auto_mounts.proc {
        p.auto_proc(mode);
    }
    if let Some(mode) = spec.auto_mounts.sys {
        p.auto_sys(mode);
    }
    for m in &spec.mounts {
        p.entry(m);
    }
    p.auto_cgroup(host);
    if spec.autodev.is_some() {
        p.devices();
    }
    if spec.pty_max > 0 {
        p.devpts(spec.pty_max);
    }
    if let Some(slave) = console {
        p.console(slave);
    }
    p.ttys(ttys, console.is_none());
    p.steps
}

/// A C string of a path (for callers outside the plan).
pub fn path_cstr(path: &std::path::Path) -> CString {
    cstr(&path.to_string_lossy())
}
