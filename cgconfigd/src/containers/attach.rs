//! `cgconfigd attach NAME [-- CMD...]`: a command in a running container, as `lxc-attach
//! -n NAME [-- CMD]`.
//!
//! The attach runs in the client, as lxc-attach runs in its caller: the command gets the
//! caller's standard descriptors (or a pty relayed to the caller's terminal), the
//! caller's directory when the container has it, and its exit status is the client's.
//! The daemon only says where the container is ([`super::control::Location`]); the
//! client, root like every client of the control socket, then:
//!
//! 1. opens a pidfd for the init's pid and checks its start time, so that a pid recycled
//!    since the daemon answered is never entered;
//! 2. reads the container's config (`container::check`), as lxc-attach reads it;
//! 3. takes from the running init what the kernel shows, so that the command is never
//!    less confined than the container even when the config changed since it started:
//!    the namespaces that differ from the client's, its capability bounding set (dropped
//!    besides the config's drops, as lxc-attach copies the init's `CapBnd`), its
//!    no_new_privs, its AppArmor label (as lxc-attach takes the init's); a container
//!    whose init runs under a seccomp filter while its config now names none is refused
//!    (the filter cannot be read back from the kernel);
//! 4. joins the container's group and runs the command with `container::attach`.
//!
//! The command, when none is given, is the shell of root in the container's
//! `/etc/passwd` (read through the init's root directory, symlinks resolved inside it),
//! else `/bin/sh`, as lxc-attach's `lxc_attach_run_shell`. The environment is cleared but
//! `container=lxc` and a default `PATH`, as `lxc-attach --clear-env`; `--keep-env` keeps
//! the caller's (lxc-attach 5.0's default, which its own help says will change: the
//! caller's variables, tokens and sockets included, would otherwise reach a container
//! whose root may not be trusted), `--keep-var` keeps one, `-v` sets one. A command that
//! gets a terminal also gets the caller's `TERM`, which describes that terminal.

use super::control::{call, Location, Request};
use super::discovery::{self, Found};
use super::launcher::Placement;
use super::process;
use super::terminal::{self, End, RawMode, Relay, Signals};
use cgtools::{Cgroups, GroupPath};
use container::spec::AppArmor;
use std::fs;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// How long the client waits for the daemon's answer.
const ANSWER: Duration = Duration::from_secs(60);

/// The environment the command gets (lxc-attach's options).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Environment {
    /// `--keep-env`: the caller's whole environment.
    pub keep: bool,
    /// `--keep-var NAME`: these of the caller's.
    pub keep_vars: Vec<String>,
    /// `-v NAME=VALUE`.
    pub set_vars: Vec<String>,
}

impl Environment {
    /// The command's variables (`container=lxc` and a default `PATH` are added by the
    /// launch unless these set them), from the caller's `vars`.
    pub fn build(&self, vars: &[(String, String)], terminal: bool) -> Vec<String> {
        let mut out: Vec<String> = vars
            .iter()
            .filter(|(k, _)| {
                // lxc-attach sets container=lxc after keeping the caller's variables.
                k != "container"
                    && (self.keep || self.keep_vars.contains(k) || (terminal && k == "TERM"))
            })
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        out.extend(self.set_vars.iter().cloned());
        out
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("cgconfigd: {message}");
    ExitCode::FAILURE
}

/// Runs `command` (empty: the container's shell) in the running container `name` of the
/// daemon of `state_dir`; the exit status is the command's.
pub fn run(state_dir: &Path, name: &str, command: Vec<String>, env: &Environment) -> ExitCode {
    let request = Request::Attach {
        name: name.to_string(),
        command: log_summary(&command),
    };
    // The name is checked here too, for the same message as the daemon's.
    if let Err(e) = Request::parse(
        serde_json::to_string(&request)
            .unwrap_or_default()
            .as_bytes(),
    ) {
        return fail(&e);
    }
    let location = match call(state_dir, &request, ANSWER) {
        Ok(r) if r.ok => match r.attach {
            Some(l) => l,
            None => return fail("cgconfigd did not say where the container is"),
        },
        Ok(r) => return fail(r.error.as_deref().unwrap_or("the request failed")),
        Err(e) => return fail(&e),
    };
    match attach(name, &location, command, env) {
        Ok(code) => ExitCode::from(code),
        Err(Failure::Message(m)) => fail(&m),
        Err(Failure::Command(m, code)) => {
            eprintln!("cgconfigd: {m}");
            ExitCode::from(code)
        }
    }
}

/// The command as the daemon logs it: the client runs it itself, so the daemon gets its
/// beginning only (at most [`LOG_BYTES`] bytes in [`LOG_ARGS`] arguments, then `...`),
/// which always fits a request.
pub fn log_summary(command: &[String]) -> Vec<String> {
    let mut budget = LOG_BYTES;
    let mut out = Vec::new();
    for arg in command {
        if budget == 0 || out.len() == LOG_ARGS {
            out.push("...".to_string());
            break;
        }
        if arg.len() <= budget {
            out.push(arg.clone());
            budget -= arg.len();
        } else {
            let mut end = budget;
            while !arg.is_char_boundary(end) {
                end -= 1;
            }
            out.push(format!("{}...", &arg[..end]));
            if out.len() < command.len() {
                out.push("...".to_string());
            }
            break;
        }
    }
    out
}

/// How much of an attached command the daemon's log gets: bytes, and arguments.
pub const LOG_BYTES: usize = 512;
/// See [`LOG_BYTES`].
pub const LOG_ARGS: usize = 64;

enum Failure {
    Message(String),
    /// The command could not be executed: lxc-attach's 126 or 127.
    Command(String, u8),
}

impl From<String> for Failure {
    fn from(m: String) -> Failure {
        Failure::Message(m)
    }
}

/// What the running init shows of its confinement.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InitFacts {
    /// `CapBnd:`.
    pub bounding: u64,
    /// `NoNewPrivs: 1`.
    pub no_new_privs: bool,
    /// `Seccomp: 2` (a filter).
    pub seccomp_filter: bool,
}

/// [`InitFacts`] from the text of `/proc/<pid>/status`.
pub fn init_facts(status: &str) -> Result<InitFacts, String> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .map(str::trim)
    };
    let bounding = field("CapBnd")
        .and_then(|v| u64::from_str_radix(v, 16).ok())
        .ok_or("no CapBnd in the init's status")?;
    Ok(InitFacts {
        bounding,
        no_new_privs: field("NoNewPrivs") == Some("1"),
        seccomp_filter: field("Seccomp") == Some("2"),
    })
}

/// The AppArmor profile of a label from `attr/current` (`name (enforce)`), `None` for
/// `unconfined`.
pub fn apparmor_profile(label: &str) -> Option<String> {
    let label = label.trim_end_matches(['\n', '\0']).trim();
    let name = match label.rfind(" (") {
        Some(at) if label.ends_with(')') => &label[..at],
        _ => label,
    };
    (!name.is_empty() && name != "unconfined").then(|| name.to_string())
}

/// The login shell of `uid` in a passwd file, as lxc-attach's `lxc_attach_getpwshell`
/// reads `getent passwd UID`: the seventh of exactly seven fields.
pub fn passwd_shell(passwd: &str, uid: u32) -> Option<String> {
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.len() == 7 && fields[2].parse() == Ok(uid) && fields[6].starts_with('/'))
            .then(|| fields[6].to_string())
    })
}

/// Opens `path` (relative, no `..` needed) inside the root directory `root`: symlinks
/// resolve inside it (a container's `/etc/passwd` pointing at `/etc/shadow` reads the
/// container's), magic links are refused, and a FIFO or device is not waited on.
fn open_inside(root: &OwnedFd, path: &str) -> std::io::Result<OwnedFd> {
    use rustix::fs::{openat2, Mode, OFlags, ResolveFlags};
    let fd = openat2(
        root,
        path,
        OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK | OFlags::NOCTTY,
        Mode::empty(),
        ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS,
    )?;
    Ok(fd)
}

/// The shell of root in the container whose root directory is `root`, if it has one
/// that exists there.
fn container_shell(root: &OwnedFd) -> Option<String> {
    use std::io::Read;
    let fd = open_inside(root, "etc/passwd").ok()?;
    let file = fs::File::from(fd);
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut text = String::new();
    file.take(1 << 20).read_to_string(&mut text).ok()?;
    let shell = passwd_shell(&text, 0)?;
    let inside = shell.trim_start_matches('/');
    let exists = rustix::fs::openat2(
        root,
        inside,
        rustix::fs::OFlags::PATH | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
        rustix::fs::ResolveFlags::IN_ROOT | rustix::fs::ResolveFlags::NO_MAGICLINKS,
    )
    .is_ok();
    exists.then_some(shell)
}

/// Whether the namespace `kind` of process `pid` differs from the client's.
fn other_namespace(pid: u32, kind: &str) -> Result<bool, String> {
    use std::os::unix::fs::MetadataExt;
    let theirs = fs::metadata(format!("/proc/{pid}/ns/{kind}"))
        .map_err(|e| format!("cannot read /proc/{pid}/ns/{kind}: {e}"))?;
    let ours = fs::metadata(format!("/proc/self/ns/{kind}"))
        .map_err(|e| format!("cannot read /proc/self/ns/{kind}: {e}"))?;
    Ok((theirs.dev(), theirs.ino()) != (ours.dev(), ours.ino()))
}

fn attach(
    name: &str,
    location: &Location,
    command: Vec<String>,
    env: &Environment,
) -> Result<u8, Failure> {
    let gone = || format!("{name} stopped meanwhile");
    // 1. The init, proven by its start time.
    if location.pid <= 1 {
        return Err(format!("cgconfigd named pid {} for {name}", location.pid).into());
    }
    let pid = location.pid;
    let pidfd = process::pidfd_open(pid).map_err(|_| gone())?;
    let same = || {
        process::start_ticks(pid) == Some(location.start_ticks) && !process::ended(pidfd.as_fd())
    };
    if !same() {
        return Err(gone().into());
    }
    // 2. Its config.
    let dir = match discovery::load(name, &location.dir) {
        Found::Good(g) => g.dir,
        Found::Broken(b) => {
            return Err(format!(
                "cannot attach to {name}: its config does not load now: {}",
                b.summary()
            )
            .into())
        }
    };
    let ctx = container::Context {
        name,
        dir: &dir.dir,
    };
    let (mut spec, _) = container::check(&dir.config, &ctx).map_err(|refused| {
        format!(
            "cannot attach to {name}: its config is refused now:\n{}",
            refused.report.render(&dir.config).trim_end()
        )
    })?;
    // 3. What the running init shows.
    let ns = &mut spec.namespaces;
    ns.user = other_namespace(pid, "user")?;
    ns.pid = other_namespace(pid, "pid")?;
    ns.uts = other_namespace(pid, "uts")?;
    ns.ipc = other_namespace(pid, "ipc")?;
    ns.net = other_namespace(pid, "net")?;
    ns.cgroup = other_namespace(pid, "cgroup")?;
    let status = fs::read_to_string(format!("/proc/{pid}/status")).map_err(|_| gone())?;
    let facts = init_facts(&status)?;
    let last = container::caps::last_cap();
    let mut dropped = spec.caps.dropped(last);
    dropped.extend((0..=last.min(63)).filter(|c| facts.bounding & (1u64 << c) == 0));
    dropped.sort_unstable();
    dropped.dedup();
    spec.caps = container::caps::Caps::Drop(dropped);
    spec.no_new_privs |= facts.no_new_privs;
    if facts.seccomp_filter && spec.seccomp.is_none() {
        return Err(format!(
            "cannot attach to {name}: its init runs under a seccomp filter, but its config names \
             no lxc.seccomp.profile now (changed since it started?); restart it to attach"
        )
        .into());
    }
    let apparmor = fs::read_to_string("/sys/module/apparmor/parameters/enabled")
        .is_ok_and(|s| s.starts_with('Y'));
    if apparmor {
        let label = fs::read_to_string(format!("/proc/{pid}/attr/apparmor/current"))
            .or_else(|_| fs::read_to_string(format!("/proc/{pid}/attr/current")))
            .map_err(|e| format!("cannot read the AppArmor label of {name}'s init: {e}"))?;
        spec.apparmor = match apparmor_profile(&label) {
            Some(profile) => AppArmor::Named(profile),
            None => AppArmor::Unconfined,
        };
    }
    let root = rustix::fs::open(
        format!("/proc/{pid}/root"),
        rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .map_err(|_| gone())?;
    let argv = if command.is_empty() {
        vec![container_shell(&root).unwrap_or_else(|| "/bin/sh".to_string())]
    } else {
        command
    };
    drop(root);
    if !same() {
        return Err(gone().into());
    }
    // 4. Its group.
    let cg = Cgroups::discover().map_err(|e| e.to_string())?;
    let path = GroupPath::new(&location.group)
        .ok()
        .filter(|p| !p.is_root())
        .ok_or_else(|| format!("cgconfigd named the group `{}` for {name}", location.group))?;
    let mut hierarchies = Vec::new();
    for mount in &location.hierarchies {
        let index = cg
            .hierarchies()
            .iter()
            .position(|h| h.mount_point() == mount.as_path())
            .ok_or_else(|| {
                format!(
                    "{name}'s group is in the hierarchy mounted at {}, which this client does not see",
                    mount.display()
                )
            })?;
        hierarchies.push(index);
    }
    let placement = Placement {
        cg: &cg,
        path,
        hierarchies,
    };
    let group = placement.group().map_err(|e| e.to_string())?;

    let which = terminal::std_terminals();
    let terminal = which.contains(&true);
    let vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    let mut options = container::attach::Options {
        argv,
        env: env.build(&vars, terminal),
        cwd: std::env::current_dir()
            .ok()
            .and_then(|d| d.to_str().map(str::to_string)),
        terminal: None,
    };
    let mut master = None;
    let mut signals = None;
    if terminal {
        let pty = container::console::Pty::open()
            .map_err(|e| format!("cannot open a pty for the command: {e}"))?;
        if let Some((uid, gid)) = container::launch::host_root(&spec.idmap) {
            pty.chown(uid, gid)
                .map_err(|e| format!("cannot give the pty to {name}'s root: {e}"))?;
        }
        if let Some(t) = caller_terminal(which) {
            terminal::copy_window_size(t, pty.master.as_fd());
        }
        options.terminal = Some(container::attach::Terminal {
            slave: pty.slave,
            which,
        });
        master = Some(pty.master);
        // Blocked before the command starts (it resets its own mask).
        signals = Some(Signals::block().map_err(|e| format!("cannot block signals: {e}"))?);
    }
    // Raw before the command runs: setting it discards what was typed but not read yet
    // (TCSAFLUSH, as LXC), which must not be what the command's first prompt asked for.
    let raw = if which[0] {
        Some(
            RawMode::enter(rustix::stdio::stdin())
                .map_err(|e| format!("cannot set up the terminal: {e}"))?,
        )
    } else {
        None
    };
    let attached = container::attach::spawn(&spec, &cg, &group, pidfd.as_fd(), options)
        .map_err(|e| format!("cannot attach to {name}: {e}"))?;
    if let (Some(master), Some(signals)) = (&master, &signals) {
        let (stdin, stdout, stderr) = (
            rustix::stdio::stdin(),
            rustix::stdio::stdout(),
            rustix::stdio::stderr(),
        );
        let relay = Relay {
            master: master.as_fd(),
            input: which[0].then_some(stdin),
            output: if which[1] { stdout } else { stderr },
            terminal: caller_terminal(which),
            escape: None,
            process: Some(attached.pidfd.as_fd()),
            connection: None,
        };
        match relay.run(signals) {
            Ok(End::Signal(signo)) => {
                // The terminal is restored (the guard), the pty closed: the command gets
                // SIGHUP, as when a terminal goes away.
                return Ok(128u8.saturating_add(signo as u8));
            }
            Ok(_) => {}
            Err(e) => return Err(format!("relaying the terminal: {e}").into()),
        }
    }
    // The terminal is the caller's again while the command (which may have closed the
    // pty and run on) is waited for.
    drop(raw);
    drop(signals);
    match attached.wait() {
        Ok(status) => Ok(u8::try_from(status).unwrap_or(255)),
        Err(e @ container::LaunchError::Command { errno, .. }) => {
            let code = if errno == nix::errno::Errno::ENOENT as i32 {
                127
            } else {
                126
            };
            Err(Failure::Command(
                format!("cannot attach to {name}: {e}"),
                code,
            ))
        }
        Err(e) => Err(format!("cannot attach to {name}: {e}").into()),
    }
}

/// The caller's terminal for the window size: stdin's, else stdout's, else stderr's.
fn caller_terminal(which: [bool; 3]) -> Option<std::os::fd::BorrowedFd<'static>> {
    if which[0] {
        Some(rustix::stdio::stdin())
    } else if which[1] {
        Some(rustix::stdio::stdout())
    } else if which[2] {
        Some(rustix::stdio::stderr())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_is_cleared_unless_asked_as_lxc_attach_clear_env() {
        let vars: Vec<(String, String)> = [
            ("HOME", "/root"),
            ("TERM", "xterm"),
            ("AWS_SECRET", "x"),
            ("container", "docker"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let clear = Environment::default();
        assert_eq!(clear.build(&vars, false), Vec::<String>::new());
        // A terminal's TERM describes the terminal the command gets.
        assert_eq!(clear.build(&vars, true), ["TERM=xterm"]);
        let keep_one = Environment {
            keep_vars: vec!["HOME".into()],
            set_vars: vec!["A=b".into()],
            ..Environment::default()
        };
        assert_eq!(keep_one.build(&vars, false), ["HOME=/root", "A=b"]);
        // --keep-env: everything but the caller's `container`, which lxc-attach replaces.
        let keep = Environment {
            keep: true,
            ..Environment::default()
        };
        assert_eq!(
            keep.build(&vars, false),
            ["HOME=/root", "TERM=xterm", "AWS_SECRET=x"]
        );
    }

    #[test]
    fn the_daemon_gets_the_beginning_of_a_long_command() {
        let short = vec!["sh".to_string(), "-c".to_string(), "exit 7".to_string()];
        assert_eq!(log_summary(&short), short);
        let long = vec![
            "sh".to_string(),
            "-c".to_string(),
            "é".repeat(600),
            "x".into(),
        ];
        let summary = log_summary(&long);
        assert_eq!(summary.len(), 4);
        assert_eq!(summary[2], format!("{}...", "é".repeat(254)));
        assert_eq!(summary[3], "...");
        let many: Vec<String> = (0..5000).map(|i| i.to_string()).collect();
        let request = Request::Attach {
            name: "c".into(),
            command: log_summary(&many),
        };
        // Whatever the command, the request is one the daemon takes.
        let text = serde_json::to_string(&request).unwrap();
        assert_eq!(Request::parse(text.as_bytes()), Ok(request));
        let empty = vec![String::new(); 5000];
        assert_eq!(log_summary(&empty).len(), LOG_ARGS + 1);
        let controls = vec!["\u{1}".repeat(5000)];
        let text = serde_json::to_string(&Request::Attach {
            name: "c".into(),
            command: log_summary(&controls),
        })
        .unwrap();
        assert!(Request::parse(text.as_bytes()).is_ok());
    }

    #[test]
    fn the_inits_confinement_is_read_from_its_status() {
        let status = "Name:\tsh\nNoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t1\nCapBnd:\t000001fffcfcffff\n";
        assert_eq!(
            init_facts(status),
            Ok(InitFacts {
                bounding: 0x1ff_fcfc_ffff,
                no_new_privs: true,
                seccomp_filter: true,
            })
        );
        assert!(init_facts("Name:\tsh\n").is_err());
        assert_eq!(
            apparmor_profile("lxc-container-default-cgns (enforce)\n"),
            Some("lxc-container-default-cgns".into())
        );
        assert_eq!(apparmor_profile("unconfined\n"), None);
        assert_eq!(apparmor_profile("unconfined"), None);
    }

    #[test]
    fn roots_shell_comes_from_the_containers_passwd() {
        let passwd = "daemon:x:1:1::/:/usr/sbin/nologin\nroot:x:0:0:root:/root:/bin/ash\n";
        assert_eq!(passwd_shell(passwd, 0), Some("/bin/ash".into()));
        assert_eq!(
            passwd_shell("root:x:0:0:root:/root:/bin/sh:extra\n", 0),
            None
        );
        assert_eq!(passwd_shell("root:x:0:0:root:/root:\n", 0), None);
        assert_eq!(passwd_shell("", 0), None);
    }

    #[test]
    fn a_symlink_in_the_container_resolves_inside_it() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        fs::create_dir_all(root.join("etc")).unwrap();
        fs::create_dir_all(root.join("bin")).unwrap();
        fs::write(root.join("bin/zsh"), "").unwrap();
        fs::write(root.join("real-passwd"), "root:x:0:0:root:/root:/bin/zsh\n").unwrap();
        // Absolute, as a hostile container would write it: it must mean its own file.
        std::os::unix::fs::symlink("/real-passwd", root.join("etc/passwd")).unwrap();
        let fd = rustix::fs::open(
            root,
            rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY,
            rustix::fs::Mode::empty(),
        )
        .unwrap();
        assert_eq!(container_shell(&fd), Some("/bin/zsh".into()));
        // A shell the container does not have: none (then /bin/sh).
        fs::write(
            root.join("real-passwd"),
            "root:x:0:0:root:/root:/bin/bash\n",
        )
        .unwrap();
        assert_eq!(container_shell(&fd), None);
        // Outside the root: not followed there.
        fs::remove_file(root.join("etc/passwd")).unwrap();
        std::os::unix::fs::symlink("../../../../../../etc/passwd", root.join("etc/passwd"))
            .unwrap();
        assert_eq!(container_shell(&fd), None);
    }
}
