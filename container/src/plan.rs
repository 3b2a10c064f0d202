//! The child's work as data: the parent turns a [`Spec`] into a list of [`Step`]s before
//! `clone3`, the child runs them in order ([`crate::child`]), and when one fails the
//! parent names it from the same list ("mount of proc on /proc in the container failed:
//! EPERM"). Building the list is pure, so unit tests read the launch order from it; the
//! strings the child passes to the kernel are made here, so the child does not allocate.
//!
//! The order is LXC's (`src/lxc/start.c` `do_start`, `src/lxc/conf.c` `lxc_setup`):
//! the caller's signal state undone (its mask, the runtime's ignored SIGPIPE: both
//! survive exec), credentials in the user namespace, cgroup namespace, keyring, hostname, network,
//! rootfs and its mounts (`rootfs.rs`), pivot_root, sysctls, personality, capabilities,
//! no_new_privs, seccomp, the console as stdio, the init's ids and directory, exec.

use crate::rootfs;
use crate::spec::{AppArmor, Net, Personality, Spec, DEFAULT_APPARMOR_PROFILE};
use std::ffi::CString;

/// An argument or environment list for execve, with the NULL-terminated array of
/// pointers the kernel reads made by the parent, so that the child's exec allocates
/// nothing (nix's `execve` builds that array on the heap at every call).
pub struct ExecArray {
    strings: Vec<CString>,
    /// Pointers into `strings`' heap buffers (which do not move when `strings` does),
    /// then a null pointer.
    pointers: Vec<*const libc::c_char>,
}

impl ExecArray {
    /// The list and its pointer array.
    pub fn new(strings: Vec<CString>) -> ExecArray {
        let pointers = strings
            .iter()
            .map(|s| s.as_ptr())
            .chain(std::iter::once(std::ptr::null()))
            .collect();
        ExecArray { strings, pointers }
    }

    /// The strings.
    pub fn strings(&self) -> &[CString] {
        &self.strings
    }

    /// The NULL-terminated pointer array, valid as long as `self`.
    pub fn pointers(&self) -> *const *const libc::c_char {
        self.pointers.as_ptr()
    }
}

impl Clone for ExecArray {
    fn clone(&self) -> ExecArray {
        // New pointers into the copy's strings, never the original's.
        ExecArray::new(self.strings.clone())
    }
}

impl PartialEq for ExecArray {
    fn eq(&self, other: &ExecArray) -> bool {
        self.strings == other.strings
    }
}

impl Eq for ExecArray {}

impl std::fmt::Debug for ExecArray {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.strings.fmt(f)
    }
}

/// One thing the child does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Every signal unblocked, SIGPIPE to its default action (the caller's signal state
    /// must not reach the container).
    ResetSignals,
    /// setgroups, setresgid, setresuid.
    Ids {
        /// uid.
        uid: u32,
        /// gid.
        gid: u32,
        /// Supplementary groups.
        groups: Vec<u32>,
    },
    /// Writes `0` to each cgroup v1 `tasks` file the parent opened ([`crate::child::ChildIo`]'s
    /// `cgroups`): the child moves itself into the container's group in every v1 hierarchy.
    /// A thread that moves itself through `tasks` does not take the kernel's global
    /// `cgroup_threadgroup_rwsem` for writing, which a write of a pid to `cgroup.procs`
    /// does: after a quiet spell that write waits for an RCU grace period (8 to 24 ms
    /// measured on a 2-core VM), longer than the rest of a launch. The child has one thread,
    /// so moving it moves the process.
    JoinCgroups,
    /// unshare(CLONE_NEWCGROUP), once the child is in its group.
    UnshareCgroup,
    /// setns into the namespaces (`CLONE_NEW*` flags) of the container's init (attach).
    SetNs(u64),
    /// fork: the child goes on with the next steps (in the pid namespace joined), the
    /// parent waits for it and exits with its status (attach).
    ForkWait,
    /// A new session keyring.
    SessionKeyring,
    /// PR_SET_PDEATHSIG.
    PdeathSignal(i32),
    /// sethostname.
    Hostname(CString),
    /// `lo` up.
    LoopbackUp,
    /// mount(2); `remount` then applies those flags with MS_REMOUNT|MS_BIND, keeping the
    /// flags the kernel locks in a user namespace (nosuid, nodev, noexec, atime).
    Mount {
        /// Source.
        source: Option<CString>,
        /// Target.
        target: CString,
        /// Type.
        fstype: Option<CString>,
        /// Flags.
        flags: u64,
        /// Data.
        data: Option<CString>,
        /// When the kernel refuses `data` with EINVAL or EPERM, try this instead (devpts
        /// without `gid=5` where gid 5 is not mapped).
        retry_data: Option<CString>,
        /// Flags of a read-only (or nosuid...) remount after a bind mount.
        remount: Option<u64>,
        /// ENOENT (source or target missing) skips the mount, as LXC's automounts do.
        skip_missing: bool,
    },
    /// Opens the rootfs, right after its bind mount: from here on every path below it is
    /// resolved in it (a symlink in the rootfs never leads out; [`crate::sys::Place`]).
    OpenRoot(CString),
    /// umount2(MNT_DETACH); failures ignored.
    Unmount(CString),
    /// mkdir; an existing directory is fine.
    Mkdir(CString, u32),
    /// An empty file if missing (mount point of a file).
    CreateFile(CString),
    /// A character device: mknod, or (where mknod is not allowed: a user namespace) an
    /// empty file with the host's device bind-mounted on it.
    Device {
        /// The node in the container's /dev.
        path: CString,
        /// Major number.
        major: u32,
        /// Minor number.
        minor: u32,
        /// The host's node.
        host: CString,
    },
    /// symlink; an existing link is fine.
    Symlink {
        /// What it points to.
        target: CString,
        /// The link.
        link: CString,
    },
    /// /dev/ptmx: a symlink to pts/ptmx, or pts/ptmx bound over an existing node.
    Ptmx {
        /// `<rootfs>/dev/ptmx`.
        path: CString,
        /// `<rootfs>/dev/pts/ptmx`.
        pts: CString,
    },
    /// umask.
    Umask(u32),
    /// pivot_root into the rootfs (MS_MOVE and chroot when the host's root is the initial
    /// ramfs, as LXC does).
    PivotRoot(CString),
    /// Writes a file (sysctls).
    Write(CString, Vec<u8>),
    /// AppArmor's exec attribute: the first file, or the second where the first is missing.
    AppArmorExec {
        /// `/proc/self/attr/apparmor/exec`.
        path: CString,
        /// `/proc/self/attr/exec`.
        fallback: CString,
        /// `exec PROFILE`.
        data: Vec<u8>,
    },
    /// personality(2).
    Personality(u32),
    /// PR_CAPBSET_DROP.
    DropBounding(u32),
    /// The dropped capabilities leave the inheritable set; the ambient set is cleared.
    DropInheritable(u64),
    /// PR_SET_NO_NEW_PRIVS.
    NoNewPrivs,
    /// The seccomp filter.
    Seccomp,
    /// setsid, the console (or /dev/null) as stdio, and as controlling terminal.
    Stdio {
        /// Make it the controlling terminal.
        tty: bool,
    },
    /// setsid, the attach terminal as controlling terminal and as the standard
    /// descriptors marked (stdin, stdout, stderr).
    Terminal([bool; 3]),
    /// chdir.
    Chdir(CString),
    /// execve of the init: the first candidate path that exists.
    Exec {
        /// Paths to try (argv[0], or argv[0] in each PATH directory).
        candidates: Vec<CString>,
        /// argv.
        argv: ExecArray,
        /// The environment.
        env: ExecArray,
    },
}

/// A step, what it is in words, and whether its failure is ignored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    /// The step.
    pub step: Step,
    /// What it does, for the failure message ("mount of proc on /proc").
    pub what: String,
    /// A failure is not an error (`optional` mount entries).
    pub optional: bool,
}

/// Facts about the host the plan depends on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostFacts {
    /// `/proc/sys/kernel/cap_last_cap`.
    pub cap_last_cap: u32,
    /// AppArmor is enabled.
    pub apparmor: bool,
    /// The cgroup hierarchies, for `lxc.mount.auto = cgroup`: pure cgroup v2 when it is
    /// `None`, else each hierarchy's directory name under /sys/fs/cgroup and its cgroup
    /// mount options (empty for the cgroup2 hierarchy of a hybrid host).
    pub v1_hierarchies: Option<Vec<(String, String)>>,
}

/// A C string from text the config gave; NUL bytes cannot come from a config file (the
/// grammar refuses them), so one here is replaced rather than failing the launch.
pub fn cstr(text: &str) -> CString {
    CString::new(text.replace('\0', "")).unwrap_or_default()
}

/// The child's steps for `spec`. `console` is the host path of the console pty's slave
/// (stdio is then that terminal, else /dev/null), `ttys` those of the ttys' slaves
/// (`lxc.tty.max`, tty 1 first); `seccomp`: a filter is installed.
pub fn plan(
    spec: &Spec,
    host: &HostFacts,
    console: Option<&str>,
    ttys: &[String],
    seccomp: bool,
) -> Vec<Planned> {
    let mut p = Vec::new();
    let mut add = |step: Step, what: String| {
        p.push(Planned {
            step,
            what,
            optional: false,
        })
    };
    add(Step::ResetSignals, "resetting the signal mask".into());
    if spec.namespaces.user {
        add(
            Step::Ids {
                uid: 0,
                gid: 0,
                groups: Vec::new(),
            },
            "becoming root in the user namespace".into(),
        );
    }
    if spec.namespaces.cgroup {
        add(Step::UnshareCgroup, "creating the cgroup namespace".into());
    }
    if spec.session_keyring {
        add(Step::SessionKeyring, "creating a session keyring".into());
    }
    if let Some(sig) = spec.pdeath_signal {
        add(
            Step::PdeathSignal(sig),
            "setting the parent-death signal".into(),
        );
    }
    if spec.namespaces.uts {
        if let Some(name) = &spec.hostname {
            add(
                Step::Hostname(cstr(name)),
                format!("setting the hostname to `{name}`"),
            );
        }
    }
    if let Net::Isolated {
        loopback_up: true, ..
    } = spec.net
    {
        if spec.namespaces.net {
            add(Step::LoopbackUp, "bringing lo up".into());
        }
    }
    p.extend(rootfs::plan(spec, host, console, ttys));
    let mut add = |step: Step, what: String| {
        p.push(Planned {
            step,
            what,
            optional: false,
        })
    };
    if host.apparmor {
        let profile = match &spec.apparmor {
            AppArmor::Default => Some(DEFAULT_APPARMOR_PROFILE),
            AppArmor::Named(name) => Some(name.as_str()),
            // `generated` is refused before planning; the others change nothing.
            AppArmor::Unconfined | AppArmor::Unchanged | AppArmor::Generated => None,
        };
        if let Some(profile) = profile {
            add(
                Step::AppArmorExec {
                    path: cstr("/proc/self/attr/apparmor/exec"),
                    fallback: cstr("/proc/self/attr/exec"),
                    data: format!("exec {profile}").into_bytes(),
                },
                format!("setting the AppArmor profile {profile} for the init (is it loaded? `lxc.apparmor.profile = unconfined` runs without one)"),
            );
        }
    }
    add(
        Step::PivotRoot(cstr(&spec.rootfs.path.to_string_lossy())),
        format!("pivot_root to {}", spec.rootfs.path.display()),
    );
    for (file, value) in &spec.sysctls {
        add(
            Step::Write(
                cstr(&format!("/proc/sys/{file}")),
                value.as_bytes().to_vec(),
            ),
            format!("writing {value} to /proc/sys/{file}"),
        );
    }
    if spec.personality == Personality::Linux32 {
        add(
            Step::Personality(0x0008),
            "setting the linux32 personality".into(),
        );
    }
    let dropped = spec.caps.dropped(host.cap_last_cap);
    for cap in &dropped {
        add(
            Step::DropBounding(*cap),
            format!("dropping {} from the bounding set", crate::caps::name(*cap)),
        );
    }
    let mask = dropped.iter().fold(0u64, |m, c| m | 1u64 << c);
    add(
        Step::DropInheritable(mask),
        "dropping the inheritable and ambient capabilities".into(),
    );
    if spec.no_new_privs {
        add(Step::NoNewPrivs, "setting no_new_privs".into());
    }
    if seccomp {
        add(Step::Seccomp, "installing the seccomp filter".into());
    }
    add(
        Step::Stdio {
            tty: console.is_some(),
        },
        if console.is_some() {
            "making the console the init's terminal".into()
        } else {
            "connecting the init's stdio to /dev/null".into()
        },
    );
    add(
        Step::Ids {
            uid: spec.init.uid,
            gid: spec.init.gid,
            groups: spec.init.groups.clone(),
        },
        format!(
            "switching to uid {} gid {} (lxc.init.uid/gid)",
            spec.init.uid, spec.init.gid
        ),
    );
    add(
        Step::Chdir(cstr(&spec.init.cwd)),
        format!("changing to the directory {}", spec.init.cwd),
    );
    let argv0 = spec.init.argv.first().map_or("/sbin/init", String::as_str);
    let candidates: Vec<CString> = if argv0.contains('/') {
        vec![cstr(argv0)]
    } else {
        let path = spec
            .init
            .env
            .iter()
            .find_map(|v| v.strip_prefix("PATH="))
            .unwrap_or(DEFAULT_PATH);
        path.split(':')
            .filter(|d| !d.is_empty())
            .map(|d| cstr(&format!("{}/{argv0}", d.trim_end_matches('/'))))
            .collect()
    };
    add(
        Step::Exec {
            candidates,
            argv: ExecArray::new(spec.init.argv.iter().map(|a| cstr(a)).collect()),
            env: ExecArray::new(spec.init.env.iter().map(|a| cstr(a)).collect()),
        },
        format!("executing the init {argv0}"),
    );
    p
}

/// The steps of `attach`: into the container's namespaces, a fork (the pid namespace
/// takes only new children), the working directory and the terminal, then the
/// container's capability bounding set, no_new_privs, AppArmor profile and seccomp
/// filter, and exec of the command with `env` (the whole environment).
pub fn attach_plan(
    spec: &Spec,
    host: &HostFacts,
    options: &crate::attach::Options,
    env: &[String],
    seccomp: bool,
) -> Vec<Planned> {
    use crate::launch::{
        CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUSER,
        CLONE_NEWUTS,
    };
    let mut p = Vec::new();
    let mut add = |step: Step, what: String, optional: bool| {
        p.push(Planned {
            step,
            what,
            optional,
        })
    };
    add(
        Step::ResetSignals,
        "resetting the signal mask".into(),
        false,
    );
    let ns = &spec.namespaces;
    let mut flags = CLONE_NEWNS;
    for (on, flag) in [
        (ns.user, CLONE_NEWUSER),
        (ns.pid, CLONE_NEWPID),
        (ns.uts, CLONE_NEWUTS),
        (ns.ipc, CLONE_NEWIPC),
        (ns.net, CLONE_NEWNET),
        (ns.cgroup, CLONE_NEWCGROUP),
    ] {
        if on {
            flags |= flag;
        }
    }
    add(
        Step::SetNs(flags),
        "entering the container's namespaces".into(),
        false,
    );
    if ns.user {
        add(
            Step::Ids {
                uid: 0,
                gid: 0,
                groups: Vec::new(),
            },
            "becoming root in the container's user namespace".into(),
            false,
        );
    }
    add(
        Step::ForkWait,
        "forking into the container's pid namespace".into(),
        false,
    );
    add(
        Step::Chdir(cstr("/")),
        "changing to the container's /".into(),
        false,
    );
    // As lxc-attach: the caller's directory when the container has it, else /.
    if let Some(cwd) = options.cwd.as_deref().filter(|d| *d != "/") {
        add(Step::Chdir(cstr(cwd)), format!("changing to {cwd}"), true);
    }
    if let Some(t) = &options.terminal {
        add(
            Step::Terminal(t.which),
            "making the terminal the command's controlling terminal".into(),
            false,
        );
    }
    let dropped = spec.caps.dropped(host.cap_last_cap);
    for cap in &dropped {
        add(
            Step::DropBounding(*cap),
            format!("dropping {} from the bounding set", crate::caps::name(*cap)),
            false,
        );
    }
    let mask = dropped.iter().fold(0u64, |m, c| m | 1u64 << c);
    add(
        Step::DropInheritable(mask),
        "dropping the inheritable and ambient capabilities".into(),
        false,
    );
    if spec.no_new_privs {
        add(Step::NoNewPrivs, "setting no_new_privs".into(), false);
    }
    if host.apparmor {
        let profile = match &spec.apparmor {
            AppArmor::Default => Some(DEFAULT_APPARMOR_PROFILE),
            AppArmor::Named(name) => Some(name.as_str()),
            AppArmor::Unconfined | AppArmor::Unchanged | AppArmor::Generated => None,
        };
        if let Some(profile) = profile {
            add(
                Step::AppArmorExec {
                    path: cstr("/proc/self/attr/apparmor/exec"),
                    fallback: cstr("/proc/self/attr/exec"),
                    data: format!("exec {profile}").into_bytes(),
                },
                format!("setting the AppArmor profile {profile}"),
                false,
            );
        }
    }
    if seccomp {
        add(Step::Seccomp, "installing the seccomp filter".into(), false);
    }
    let argv: Vec<&str> = if options.argv.is_empty() {
        vec!["/bin/sh"]
    } else {
        options.argv.iter().map(String::as_str).collect()
    };
    let argv0 = argv[0];
    let candidates: Vec<CString> = if argv0.contains('/') {
        vec![cstr(argv0)]
    } else {
        let path = env
            .iter()
            .find_map(|v| v.strip_prefix("PATH="))
            .unwrap_or(DEFAULT_PATH);
        path.split(':')
            .filter(|d| !d.is_empty())
            .map(|d| cstr(&format!("{}/{argv0}", d.trim_end_matches('/'))))
            .collect()
    };
    add(
        Step::Exec {
            candidates,
            argv: ExecArray::new(argv.iter().map(|a| cstr(a)).collect()),
            env: ExecArray::new(env.iter().map(|a| cstr(a)).collect()),
        },
        format!("executing {argv0}"),
        false,
    );
    p
}

/// The PATH of a process started in a container when its environment has none (LXC's).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
