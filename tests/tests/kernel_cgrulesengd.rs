//! cgrulesengd on the real kernel: in the foreground (`-n -f LOG`) it moves a program it
//! sees start into its rule's group and takes edited rules on SIGUSR2; without `-n` it
//! daemonizes (the command exits 0 once the daemon serves; the daemon runs in its own
//! session from `/`) and SIGTERM stops it; a rules file with an error stops the start with
//! its file:line:col; its cgred socket has the owner and group of `-u` and `-g`, keeps a
//! `cgexec --sticky` process where cgexec put it, and goes at SIGTERM.
//!
//! Needs root (the proc connector needs CAP_NET_ADMIN) and a cgroup v2 mount. Each test
//! has a private `/etc` (`CGTOOLS_ETC`, read by debug builds), a private cgred socket
//! (`CGTOOLS_CGRED_SOCKET`) and groups below its unique prefix; every rule names a program
//! only that test runs (a link to `cgtools-e2e-helper` named `cgt-rulesengd-<pid>-...`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use test_support::rules::{is_running, named_program, wait_in_group, Reaped};
use test_support::{bin, need, Host, Skip, TestGroups};

/// How long the daemon may take to start or to act (generous: the start classifies every
/// process of a busy host, and the VM is slow).
const LONG: Duration = Duration::from_secs(60);

fn host() -> Result<Host, Skip> {
    if !nix::unistd::geteuid().is_root() {
        return Err(Skip::because(
            "cgrulesengd needs root (CAP_NET_ADMIN for the proc connector)",
        ));
    }
    let host = Host::for_test()?;
    host.unified()?;
    Ok(host)
}

/// A test's groups, private `/etc` and log.
struct Setup {
    groups: TestGroups,
    etc: tempfile::TempDir,
}

impl Setup {
    fn new(host: &Host, groups: &[&str]) -> Setup {
        let test_groups = TestGroups::new(host);
        let unified = host.unified().unwrap();
        for g in groups {
            test_groups.mkdir(unified, g);
        }
        Setup {
            groups: test_groups,
            etc: tempfile::tempdir().unwrap(),
        }
    }

    fn rules(&self, text: &str) {
        // Renamed into place, as an editor saves.
        let tmp = self.etc.path().join(".cgrules.conf.new");
        fs::write(&tmp, text).unwrap();
        fs::rename(&tmp, self.etc.path().join("cgrules.conf")).unwrap();
    }

    fn log(&self) -> PathBuf {
        self.etc.path().join("cgrulesengd.log")
    }

    fn log_text(&self) -> String {
        fs::read_to_string(self.log()).unwrap_or_default()
    }

    /// The command, with the private files.
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin("cgrulesengd"));
        c.args(args)
            .env("CGTOOLS_ETC", self.etc.path())
            .env("CGTOOLS_CGRED_SOCKET", self.etc.path().join("cgred.socket"))
            .env_remove("CGROUP_LOGLEVEL")
            .env_remove("NOTIFY_SOCKET")
            .stdin(Stdio::null());
        c
    }

    /// The rule destination `<prefix>/<rest>`, and the line /proc/PID/cgroup shows for it.
    fn group(&self, rest: &str) -> (String, String) {
        let name = self.groups.name(rest);
        let line = format!("0::/{name}");
        (name, line)
    }

    /// Starts the daemon in the foreground (`-n -vv -f LOG` and `extra`) and waits until it
    /// serves; the guard kills it if the test does not stop it.
    fn foreground(&self, extra: &[&str]) -> (Child, Running) {
        let log = self.log();
        let mut args = vec!["-n", "-vv", "-f", log.to_str().unwrap()];
        args.extend_from_slice(extra);
        let daemon = self
            .command(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let guard = Running(daemon.id());
        self.logged("ready: ");
        (daemon, guard)
    }

    /// Waits until the log has `needle`.
    fn logged(&self, needle: &str) {
        let start = Instant::now();
        while !self.log_text().contains(needle) {
            assert!(
                start.elapsed() < LONG,
                "no `{needle}` in the log:\n{}",
                self.log_text()
            );
            sleep(Duration::from_millis(20));
        }
    }
}

/// A daemon the test started: stopped (SIGKILL) on drop if the test did not stop it.
struct Running(u32);

impl Drop for Running {
    fn drop(&mut self) {
        if is_running(self.0) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(self.0 as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

fn signal(pid: u32, s: nix::sys::signal::Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), s).unwrap();
}

/// A program name only this test process uses.
fn program(what: &str) -> String {
    format!("cgt-rulesengd-{}-{what}", std::process::id())
}

/// Starts program `name` (a hard link to `cgtools-e2e-helper`, see
/// cgconfigd/tests/kernel_rules_engine.rs), which runs until its stdin closes.
fn spawn(name: &str) -> Child {
    Command::new(program_path_of(name))
        .arg("wait")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until `pid` is in the group of `line` (`0::/...`).
fn lands(s: &Setup, pid: u32, line: &str) {
    wait_in_group(pid, line, LONG, || s.log_text());
}

#[test]
fn in_the_foreground_it_moves_a_new_program_and_reloads_on_sigusr2() {
    let host = need!(host());
    let s = Setup::new(&host, &["a", "b"]);
    let (prog, later) = (program("fg"), program("fg-later"));
    let (a, a_line) = s.group("a");
    let (b, b_line) = s.group("b");
    s.rules(&format!("*:{prog}  cgroup  {a}\n"));
    let (mut daemon, _guard) = s.foreground(&[]);
    let mut kids = Reaped(vec![spawn(&prog)]);
    lands(&s, kids.0[0].id(), &a_line);
    // An edit, then libcgroup's reload signal.
    s.rules(&format!("*:{prog}  cgroup  {a}\n*:{later}  cgroup  {b}\n"));
    signal(daemon.id(), nix::sys::signal::Signal::SIGUSR2);
    s.logged("reloading: SIGUSR2");
    s.logged("2 rules from ");
    kids.0.push(spawn(&later));
    lands(&s, kids.0[1].id(), &b_line);
    let status = terminate(&mut daemon);
    assert_eq!(status.code(), Some(0), "log:\n{}", s.log_text());
    s.logged("stopping");
}

#[test]
fn without_n_it_daemonizes_once_serving_and_sigterm_stops_it() {
    let host = need!(host());
    let s = Setup::new(&host, &["d"]);
    let prog = program("daemon");
    let (d, d_line) = s.group("d");
    s.rules(&format!("*:{prog}  cgroup  {d}\n"));
    let log = s.log();
    let started = Instant::now();
    let out = s
        .command(&["-vv", "-f", log.to_str().unwrap()])
        .output()
        .unwrap();
    // The daemon logs its pid first thing; it is stopped at the end of the test whatever
    // fails, the command's status included.
    let text = s.log_text();
    let pid: Option<u32> = text
        .lines()
        .find_map(|l| l.strip_prefix("cgrulesengd: proceeding with pid "))
        .and_then(|pid| pid.parse().ok());
    let _guard = pid.map(Running);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}\nlog:\n{}",
        String::from_utf8_lossy(&out.stderr),
        s.log_text()
    );
    let pid = pid.unwrap_or_else(|| panic!("the daemon logs its pid; log:\n{text}"));
    assert!(is_running(pid), "daemon {pid} is gone; log:\n{text}");
    // Serving when the command returns (the log's `ready:` line follows READY=1).
    s.logged("ready: ");
    // Its own session, leader of it, and / as working directory.
    let sid = nix::unistd::getsid(Some(nix::unistd::Pid::from_raw(pid as i32))).unwrap();
    assert_eq!(sid.as_raw(), pid as i32);
    assert_eq!(
        fs::read_link(format!("/proc/{pid}/cwd")).unwrap(),
        Path::new("/")
    );
    let kids = Reaped(vec![spawn(&prog)]);
    lands(&s, kids.0[0].id(), &d_line);
    signal(pid, nix::sys::signal::Signal::SIGTERM);
    let start = Instant::now();
    while is_running(pid) {
        assert!(start.elapsed() < LONG, "SIGTERM did not stop {pid}");
        sleep(Duration::from_millis(20));
    }
    s.logged("stopping");
    eprintln!(
        "cgrulesengd daemonized and served in {} ms",
        started.elapsed().as_millis()
    );
}

#[test]
fn a_rules_file_with_an_error_stops_the_start_and_says_where() {
    let host = need!(host());
    let s = Setup::new(&host, &[]);
    s.rules(&format!(
        "# two rules\n*:{}  cgroup  x\n*:oops\n",
        program("bad")
    ));
    let at = format!("{}:3:", s.etc.path().join("cgrules.conf").display());
    // Daemonizing: the command says why, with the daemon's status.
    let log = s.log();
    let out = s.command(&["-f", log.to_str().unwrap()]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains(&at), "stderr: {stderr}");
    // The location has a column too: FILE:3:COL: error: ...
    let col = stderr.split(&at).nth(1).unwrap_or_default();
    assert!(
        col.split(':')
            .next()
            .unwrap_or_default()
            .parse::<u32>()
            .is_ok(),
        "stderr: {stderr}"
    );
    // In the foreground: the status, and the error in the log.
    let fg = s
        .command(&["-n", "-f", log.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(fg.status.code(), Some(1));
    assert!(s.log_text().contains(&at), "log:\n{}", s.log_text());
    // -d: in the foreground, every message on stdout.
    let debug = s.command(&["-d"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&debug.stdout);
    assert_eq!(debug.status.code(), Some(1), "stdout: {stdout}");
    assert!(stdout.contains(&at), "stdout: {stdout}");
    assert!(
        stdout.contains("cgrulesengd: proceeding with pid "),
        "stdout: {stdout}"
    );
}

/// `nobody`'s name, uid, and its primary group's name and gid, from the files (the user
/// a socket owned by `-u` and `-g` can belong to without being root).
fn nobody() -> (String, u32, String, u32) {
    let passwd = fs::read_to_string("/etc/passwd").unwrap();
    let fields: Vec<&str> = passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.first() == Some(&"nobody"))
        .expect("a user nobody in /etc/passwd");
    let (uid, gid): (u32, u32) = (fields[2].parse().unwrap(), fields[3].parse().unwrap());
    let group = fs::read_to_string("/etc/group")
        .unwrap()
        .lines()
        .map(|l| l.split(':').map(str::to_string).collect::<Vec<_>>())
        .find(|f| f.get(2).and_then(|g| g.parse::<u32>().ok()) == Some(gid))
        .map(|f| f[0].clone())
        .expect("nobody's primary group in /etc/group");
    ("nobody".to_string(), uid, group, gid)
}

#[test]
fn its_cgred_socket_has_the_owner_of_u_and_g_keeps_sticky_processes_and_goes_at_sigterm() {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let host = need!(host());
    let s = Setup::new(&host, &["rule", "mine"]);
    let prog = program("sticky");
    let (rule, rule_line) = s.group("rule");
    let (mine, mine_line) = s.group("mine");
    s.rules(&format!("*:{prog}  cgroup  {rule}\n"));
    let (user, uid, group, gid) = nobody();
    let (mut daemon, _guard) = s.foreground(&["-u", &user, "-g", &group]);
    let socket = s.etc.path().join("cgred.socket");
    let meta = fs::metadata(&socket).unwrap();
    assert!(meta.file_type().is_socket(), "{}", socket.display());
    assert_eq!(
        (meta.uid(), meta.gid()),
        (uid, gid),
        "the owner of -u and -g"
    );
    assert_eq!(meta.mode() & 0o7777, 0o660, "libcgroup's mode");

    // cgexec --sticky asks this daemon (through the same socket) to leave its program in
    // the group cgexec put it in; a later process of the same program is moved by the rule.
    let link = program_path_of(&prog);
    let mut kids = Reaped(vec![Command::new(bin("cgexec"))
        .arg("--sticky")
        .arg("-g")
        .arg(format!(":{mine}"))
        .arg(&link)
        .arg("wait")
        .env("CGTOOLS_CGRED_SOCKET", &socket)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap()]);
    lands(&s, kids.0[0].id(), &mine_line);
    // cgexec moves itself before it execs the program: wait for the exec, so that the
    // check below is about the program's exec event.
    let start = Instant::now();
    while fs::read_link(format!("/proc/{}/exe", kids.0[0].id())).ok() != Some(link.clone()) {
        assert!(
            start.elapsed() < LONG,
            "cgexec did not exec {}",
            link.display()
        );
        sleep(Duration::from_millis(5));
    }
    kids.0.push(spawn(&prog));
    lands(&s, kids.0[1].id(), &rule_line);
    let now = fs::read_to_string(format!("/proc/{}/cgroup", kids.0[0].id())).unwrap();
    assert!(
        now.lines().any(|l| l == mine_line),
        "the sticky process was moved: {now}\nlog:\n{}",
        s.log_text()
    );

    terminate(&mut daemon);
    assert!(!socket.exists(), "the socket is left after SIGTERM");
}

/// Sends SIGTERM to a daemon in the foreground and waits for it to exit.
fn terminate(daemon: &mut Child) -> std::process::ExitStatus {
    signal(daemon.id(), nix::sys::signal::Signal::SIGTERM);
    let start = Instant::now();
    loop {
        if let Some(status) = daemon.try_wait().unwrap() {
            return status;
        }
        assert!(start.elapsed() < LONG, "SIGTERM did not stop it");
        sleep(Duration::from_millis(20));
    }
}

/// The path of program `name` (the link `spawn` makes), made if missing.
fn program_path_of(name: &str) -> PathBuf {
    named_program("rulesengd-programs", name)
}
