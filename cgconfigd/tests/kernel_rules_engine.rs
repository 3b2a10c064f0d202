//! The rules engine of cgconfigd (`--rules-engine`) on the real kernel: processes the
//! tests spawn are moved by program, uid and `@group` rules as they exec, and by a uid
//! rule when they call setuid later, `%` lines, `ignore` and `ignore_rt` are followed, a
//! template's group is created on first use with the template's settings, a bad rules edit
//! keeps the old rules and says where, an overrun of the proc connector's receive buffer
//! is recovered by a rescan, sticky processes (`cgexec --sticky`, `cgclassify --sticky`,
//! through the daemon's cgred socket) and their children are left alone until cancelled
//! or gone, and `--dry-run` lists the moves the rules would make.
//!
//! Needs root (the proc connector needs CAP_NET_ADMIN) and a cgroup v2 mount; groups are
//! made in it under the test's unique prefix (`--base`), the rules files and the cgred
//! socket in a temporary directory (the tools find the socket through
//! `CGTOOLS_CGRED_SOCKET`, which debug builds read). Only processes the tests spawn are
//! moved: every rule names a program only these tests run (an `argv[0]` of
//! `cgt-rules-<pid>-...`, a link to the tests' helper program).
//!
//! Where a test must show that something did *not* happen to a process, it starts a
//! marker process after it and waits until the marker is moved: the daemon handles the
//! kernel's events in order, so by then it has handled the first process's too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use std::io::{BufRead, BufReader, Write};

use test_support::rules::{cgroup_of, named_program, v2_line, wait_in_group, Reaped};
use test_support::{bin, need, skip, status_of, Daemon, DaemonCommand, Host, Skip, TestGroups};

const LONG: Duration = Duration::from_secs(60);

/// How long a process may take to reach its group (no promise here; generous for the VM).
const FOLLOW: Duration = Duration::from_secs(10);

fn host() -> Result<Host, Skip> {
    if !nix::unistd::geteuid().is_root() {
        return Err(Skip::because(
            "the rules engine needs root (CAP_NET_ADMIN for the proc connector)",
        ));
    }
    let host = Host::for_test()?;
    host.unified()?;
    Ok(host)
}

/// The prefix, the temp directory with the files; dropped after the daemon.
struct Setup {
    name: String,
    _groups: TestGroups,
    dir: tempfile::TempDir,
}

impl Setup {
    fn new(host: &Host, config: &str, rules: &str) -> Setup {
        let groups = TestGroups::new(host);
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("cgconfig.conf"), config).unwrap();
        fs::write(dir.path().join("cgrules.conf"), rules).unwrap();
        Setup {
            name: groups.prefix.clone(),
            _groups: groups,
            dir,
        }
    }

    fn rules(&self) -> PathBuf {
        self.dir.path().join("cgrules.conf")
    }

    /// The daemon's cgred socket (never the system's: other tests and daemons may run).
    fn socket(&self) -> PathBuf {
        self.dir.path().join("cgred.socket")
    }

    /// The options of a run on the test's files, below its prefix.
    fn args(&self) -> Vec<String> {
        let d = self.dir.path();
        let path = |p: &str| d.join(p).display().to_string();
        vec![
            "-c".to_string(),
            path("cgconfig.conf"),
            "-d".into(),
            path("cgconfig.d"),
            "--state-dir".into(),
            path("state"),
            "--no-containers".into(),
            "--base".into(),
            self.name.clone(),
            "--rules-engine".into(),
            "--rules".into(),
            path("cgrules.conf"),
            "--rules-dir".into(),
            path("cgrules.d"),
            "--cgred-socket".into(),
            path("cgred.socket"),
        ]
    }

    fn start(&self, env: &[(&str, &str)]) -> Daemon {
        let d = self.dir.path();
        let daemon = Daemon::spawn(DaemonCommand {
            binary: bin("cgconfigd"),
            args: self.args(),
            socket_dir: d,
            enter: None,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            netns_setup: None,
            netns_of: None,
        });
        status_of(&daemon.expect_all(0, &["READY=1"], LONG));
        daemon
    }

    /// The group `name` below the prefix, as `/proc/PID/cgroup` shows it in v2.
    fn v2(&self, name: &str) -> String {
        format!("0::/{}/{name}", self.name)
    }

    /// `cgroup:<prefix>/<name>`, for the tools' `-g`.
    fn spec(&self, name: &str) -> String {
        format!("cgroup:{}/{name}", self.name)
    }

    /// A tool of this build, talking to the daemon's socket.
    fn tool(&self, name: &str, args: &[&str]) -> Command {
        let mut c = Command::new(bin(name));
        c.args(args)
            .env("CGTOOLS_CGRED_SOCKET", self.socket())
            .env_remove("CGTOOLS_ETC");
        c
    }

    /// Runs a tool to its end; fails the test unless it exits 0.
    fn run(&self, name: &str, args: &[&str]) {
        let out = self.tool(name, args).output().unwrap();
        assert!(
            out.status.success(),
            "{name} {args:?}: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Groups with no settings, in the v2 mount.
fn conf(groups: &[&str]) -> String {
    groups
        .iter()
        .map(|g| format!("group {g} {{\n\tcgroup {{ }}\n}}\n"))
        .collect()
}

/// A program name only this test process uses.
fn program(what: &str) -> String {
    format!("cgt-rules-{}-{what}", std::process::id())
}

/// A program named `name` ([`test_support::rules::named_program`]).
fn program_path(name: &str) -> PathBuf {
    named_program("rules-engine-programs", name)
}

/// The program `name` (see [`program_path`]): it runs until the test kills it, or, with
/// `seconds` "0", ends at once.
fn spawn(name: &str, seconds: &str, ids: Option<(u32, u32)>) -> Child {
    let mut c = Command::new(program_path(name));
    c.arg("wait");
    // `wait` reads its stdin to the end: a pipe the test holds keeps it running.
    c.stdin(if seconds == "0" {
        Stdio::null()
    } else {
        Stdio::piped()
    });
    if let Some((uid, gid)) = ids {
        c.uid(uid).gid(gid);
    }
    c.spawn().unwrap()
}

/// Waits until `pid` is in `group` (a `0::/...` line).
fn lands(d: &Daemon, pid: u32, group: &str) {
    wait_in_group(pid, group, FOLLOW, || d.log());
}

/// Waits until `pid` runs `program` (has made its exec): a process that execs again after
/// `Command::spawn` returned (the helper's `rt` mode) has not when it returns.
fn execs(pid: u32, program: &std::path::Path) {
    let start = Instant::now();
    loop {
        let exe = fs::read_link(format!("/proc/{pid}/exe"));
        match exe {
            Ok(exe) if exe == program => return,
            Ok(_) => {}
            Err(e) => panic!("pid {pid} is gone before it ran {}: {e}", program.display()),
        }
        assert!(
            start.elapsed() < FOLLOW,
            "pid {pid} did not exec {} in {FOLLOW:?}",
            program.display()
        );
        sleep(Duration::from_millis(5));
    }
}

#[test]
fn program_rules_percent_lines_and_ignore() {
    let host = need!(host());
    let (prog, twice, ignored) = (program("prog"), program("twice"), program("ign"));
    let rules = format!(
        "*:{ignored}  cgroup  ignore\n*:{prog}  cgroup  a\n*:{twice}  cgroup  a\n%  cgroup  b\n*:{ignored}  cgroup  a\n"
    );
    let s = Setup::new(&host, &conf(&["a", "b"]), &rules);
    let d = s.start(&[]);
    let mut kids = Reaped(Vec::new());
    kids.0.push(spawn(&prog, "30", None));
    lands(&d, kids.0[0].id(), &s.v2("a"));
    // A `%` line: the second target is applied after the first (same hierarchy: b wins).
    kids.0.push(spawn(&twice, "30", None));
    lands(&d, kids.0[1].id(), &s.v2("b"));
    // `ignore` comes first for this one: it stays where it started.
    let before = cgroup_of(std::process::id());
    kids.0.push(spawn(&ignored, "30", None));
    let ignored_pid = kids.0[2].id();
    // A marker after it: once the marker is moved, the ignored one's exec was handled.
    kids.0.push(marker(&d, &s, &prog, "a"));
    let v2_line = |t: &str| t.lines().find(|l| l.starts_with("0::")).map(str::to_string);
    assert_eq!(
        v2_line(&cgroup_of(ignored_pid)),
        v2_line(&before),
        "log:\n{}",
        d.log()
    );
}

#[test]
fn uid_and_group_rules_and_a_template() {
    let host = need!(host());
    let nobody = nix::unistd::User::from_uid(65534.into())
        .ok()
        .flatten()
        .map(|u| u.name);
    let nogroup = nix::unistd::Group::from_gid(65534.into())
        .ok()
        .flatten()
        .map(|g| g.name);
    let (Some(nobody), Some(nogroup)) = (nobody, nogroup) else {
        skip!("no user or group 65534 here, for the uid and @group rules");
    };
    let (by_uid, by_group, tpl) = (program("uid"), program("grp"), program("tpl"));
    let rules = format!(
        "{nobody}:{by_uid}  cgroup  u\n@{nogroup}:{by_group}  cgroup  g\n*:{tpl}  cgroup  users/%u\n"
    );
    let s = Setup::new(&host, &conf(&["u", "g"]), &rules);
    let d = s.start(&[]);
    let mut kids = Reaped(Vec::new());
    // The child changes its ids (Command::uid/gid) before it execs.
    kids.0.push(spawn(&by_uid, "30", Some((65534, 0))));
    lands(&d, kids.0[0].id(), &s.v2("u"));
    kids.0.push(spawn(&by_group, "30", Some((0, 65534))));
    lands(&d, kids.0[1].id(), &s.v2("g"));
    // users/root did not exist: created on first use.
    kids.0.push(spawn(&tpl, "30", None));
    lands(&d, kids.0[2].id(), &s.v2("users/root"));
}

#[test]
fn a_bad_rules_edit_keeps_the_old_rules_and_says_where() {
    let host = need!(host());
    let prog = program("bad");
    let s = Setup::new(&host, &conf(&["a", "b"]), &format!("*:{prog}  cgroup  a\n"));
    let d = s.start(&[]);
    let n = d.seen();
    fs::write(
        s.rules(),
        format!("# edited\n*:{prog}  cgroup  b\n*:oops\n"),
    )
    .unwrap();
    let status = status_of(&d.expect_all(n, &["READY=1", "last rules change refused"], LONG));
    let at = format!("{}:3:", s.rules().display());
    assert!(status.contains(&at), "status: {status}");
    assert!(d.logs_within(&at, LONG), "log:\n{}", d.log());
    let mut kids = Reaped(vec![spawn(&prog, "30", None)]);
    lands(&d, kids.0[0].id(), &s.v2("a"));
    // A good edit afterwards is taken.
    fs::write(s.rules(), format!("*:{prog}  cgroup  b\n")).unwrap();
    let pid = kids.0[0].id();
    lands(&d, pid, &s.v2("b"));
    kids.0.push(spawn(&prog, "30", None));
    lands(&d, kids.0[1].id(), &s.v2("b"));
}

#[test]
fn an_overrun_is_recovered_by_a_rescan() {
    let host = need!(host());
    let (short, long) = (program("burst"), program("burst-long"));
    let rules = format!("*:{short}  cgroup  burst\n*:{long}  cgroup  burst\n");
    let s = Setup::new(&host, &conf(&["burst"]), &rules);
    // The smallest buffer the kernel allows.
    let d = s.start(&[("CGCONFIGD_RULES_RCVBUF", "1")]);
    let mut kids = Reaped(Vec::new());
    let mut short_lived = Vec::new();
    for i in 0..2000 {
        if i % 100 == 0 {
            kids.0.push(spawn(&long, "60", None));
        } else {
            short_lived.push(spawn(&short, "0", None));
        }
    }
    assert!(
        d.logs_within("lost events: rescanned /proc", LONG),
        "log:\n{}",
        d.log()
    );
    for child in &kids.0 {
        lands(&d, child.id(), &s.v2("burst"));
    }
    for mut c in short_lived {
        let _ = c.wait();
    }
}

/// `; N sticky process(es)`, as the status and the log say it.
fn sticky_count(n: usize) -> String {
    format!("; {n} sticky process{}", if n == 1 { "" } else { "es" })
}

/// SIGHUP (a full reload and a rescan of every process); waits for the `READY=1` that
/// follows the rescan, whose status must count `sticky` sticky processes.
fn reload(d: &Daemon, sticky: usize) {
    let n = d.seen();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(d.pid() as i32),
        nix::sys::signal::Signal::SIGHUP,
    )
    .unwrap();
    d.expect_all(n, &["READY=1", &sticky_count(sticky)], LONG);
}

/// Starts a marker process (`name`, whose rule sends it to `group`) and waits until it is
/// there: every event before its exec has been handled by then.
fn marker(d: &Daemon, s: &Setup, name: &str, group: &str) -> Child {
    let child = spawn(name, "30", None);
    lands(d, child.id(), &s.v2(group));
    child
}

#[test]
fn sticky_processes_and_their_children_stay_until_cancelled_or_gone() {
    let host = need!(host());
    if !cfg!(debug_assertions) {
        skip!("release builds of the tools ignore CGTOOLS_CGRED_SOCKET");
    }
    let (sp, child, late, mark) = (
        program("sticky"),
        program("sticky-child"),
        program("late"),
        program("mark"),
    );
    let rules = format!(
        "*:{sp}  cgroup  a\n*:{child}  cgroup  a\n*:{late}  cgroup  a\n*:{mark}  cgroup  m\n"
    );
    let s = Setup::new(&host, &conf(&["a", "s", "m"]), &rules);
    let mut d = s.start(&[]);
    assert!(
        status_of(&d.messages().join("\n")).contains(&sticky_count(0)),
        "{:?}",
        d.messages()
    );
    let mut kids = Reaped(Vec::new());

    // cgexec --sticky: it registers itself (with its children), moves itself to s and
    // executes the program, which starts a child that executes a program of its own.
    let mut started = s.tool(
        "cgexec",
        &[
            "--sticky",
            "-g",
            &s.spec("s"),
            program_path(&sp).to_str().unwrap(),
            "spawn",
            program_path(&child).to_str().unwrap(),
        ],
    );
    let mut parent = started
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let parent_pid = parent.id();
    let mut line = String::new();
    BufReader::new(parent.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let child_pid: u32 = line.trim().parse().unwrap_or_else(|_| {
        panic!(
            "no child pid from the sticky program: {line:?}\nlog:\n{}",
            d.log()
        )
    });
    let in_s = Some(s.v2("s"));
    kids.0.push(marker(&d, &s, &mark, "m"));
    assert_eq!(v2_line(parent_pid), in_s, "log:\n{}", d.log());
    assert_eq!(v2_line(child_pid), in_s, "log:\n{}", d.log());
    assert!(
        d.logs_within(
            &format!("made process {parent_pid} and its children sticky; 1 sticky process\n"),
            LONG
        ),
        "log:\n{}",
        d.log()
    );
    // A rescan leaves them too (the child is in the table through its fork event).
    reload(&d, 2);
    assert_eq!(v2_line(parent_pid), in_s, "log:\n{}", d.log());
    assert_eq!(v2_line(child_pid), in_s, "log:\n{}", d.log());

    // cgclassify --sticky of a running process that the rules had placed.
    kids.0.push(spawn(&late, "30", None));
    let late_pid = kids.0[1].id();
    lands(&d, late_pid, &s.v2("a"));
    s.run(
        "cgclassify",
        &["--sticky", "-g", &s.spec("s"), &late_pid.to_string()],
    );
    assert_eq!(v2_line(late_pid), in_s);
    reload(&d, 3);
    assert_eq!(v2_line(late_pid), in_s, "log:\n{}", d.log());

    // --cancel-sticky: the daemon forgets it and, as libcgroup's cgrulesengd, does not
    // move it then (cgclassify itself does, here by -g); the next event or rescan does.
    s.run(
        "cgclassify",
        &["--cancel-sticky", "-g", &s.spec("s"), &late_pid.to_string()],
    );
    assert!(
        d.logs_within(
            &format!("cancelled the stickiness of process {late_pid}; 2 sticky processes\n"),
            LONG
        ),
        "log:\n{}",
        d.log()
    );
    assert_eq!(v2_line(late_pid), in_s);
    reload(&d, 2);
    lands(&d, late_pid, &s.v2("a"));

    // The sticky program and its child exit: their exit events empty the table, with no
    // rescan in between (`STATUS=` says so at once, the count of the next registration
    // too).
    let before_exit = d.seen();
    drop(parent.stdin.take());
    parent.wait().unwrap();
    let gone = Instant::now();
    while std::path::Path::new(&format!("/proc/{child_pid}/exe")).exists() {
        assert!(gone.elapsed() < LONG, "the sticky child did not exit");
        sleep(Duration::from_millis(10));
    }
    kids.0.push(marker(&d, &s, &mark, "m"));
    d.expect_all(before_exit, &["STATUS=", &sticky_count(0)], LONG);
    s.run(
        "cgclassify",
        &["--sticky", "-g", &s.spec("s"), &late_pid.to_string()],
    );
    assert!(
        d.logs_within(
            &format!("made process {late_pid} and its children sticky; 1 sticky process\n"),
            LONG
        ),
        "log:\n{}",
        d.log()
    );

    // Stopped, the daemon removes its socket.
    assert!(s.socket().exists());
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(d.pid() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert!(d.wait(LONG).success(), "log:\n{}", d.log());
    assert!(!s.socket().exists(), "log:\n{}", d.log());
}

#[test]
fn a_busy_cgred_socket_is_logged_and_the_rules_still_run() {
    let host = need!(host());
    let prog = program("nosock");
    let s = Setup::new(&host, &conf(&["a"]), &format!("*:{prog}  cgroup  a\n"));
    // Something else (libcgroup's cgrulesengd, say) listens on the path.
    let _other = std::os::unix::net::UnixListener::bind(s.socket()).unwrap();
    let d = s.start(&[]);
    let status = status_of(&d.expect_all(0, &["READY=1"], LONG));
    let why = format!(
        "cgred socket not served: cannot bind the cgred socket {}: another daemon is listening on it",
        s.socket().display()
    );
    assert!(status.contains(&why), "status: {status}");
    assert!(d.logs_within(&why[24..], LONG), "log:\n{}", d.log());
    let kids = Reaped(vec![spawn(&prog, "30", None)]);
    lands(&d, kids.0[0].id(), &s.v2("a"));
    drop(d);
    assert!(s.socket().exists(), "the other daemon's socket stays");
}

#[test]
fn a_uid_rule_moves_a_process_when_it_calls_setuid_not_before() {
    let host = need!(host());
    // A named user (rules name users) and a program only this test runs: the rule cannot
    // match anything else, whatever else runs as that user.
    let Some(nobody) = nix::unistd::User::from_uid(65534.into())
        .ok()
        .flatten()
        .map(|u| u.name)
    else {
        skip!("no user 65534 here, for the uid rule");
    };
    let (prog, mark) = (program("setuid"), program("setuid-mark"));
    let rules = format!("{nobody}:{prog}  cgroup  u\n*:{mark}  cgroup  m\n");
    let s = Setup::new(&host, &conf(&["u", "m"]), &rules);
    let d = s.start(&[]);
    let before = v2_line(std::process::id());
    // Starts as root: the rule does not apply to its exec.
    let mut c = Command::new(program_path(&prog));
    c.args(["setuid", "65534"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut kids = Reaped(vec![c.spawn().unwrap()]);
    let pid = kids.0[0].id();
    kids.0.push(marker(&d, &s, &mark, "m"));
    assert_eq!(
        v2_line(pid),
        before,
        "moved before setuid; log:\n{}",
        d.log()
    );
    // Now the uid event.
    kids.0[0]
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"go\n")
        .unwrap();
    let mut line = String::new();
    BufReader::new(kids.0[0].stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "done\n");
    lands(&d, pid, &s.v2("u"));
}

#[test]
fn ignore_rt_spares_real_time_processes_only() {
    let host = need!(host());
    let prog = program("rt");
    let rules = format!("*:{prog}  cgroup  rt  ignore_rt\n");
    let s = Setup::new(&host, &conf(&["rt"]), &rules);
    let d = s.start(&[]);
    let before = v2_line(std::process::id());
    // SCHED_FIFO before the exec of the program (the helper's `rt` mode).
    let mut c = Command::new(bin("cgtools-e2e-helper"));
    c.arg("rt")
        .arg(program_path(&prog))
        .arg("wait")
        .stdin(Stdio::piped());
    let mut kids = Reaped(vec![c.spawn().unwrap()]);
    let rt_pid = kids.0[0].id();
    // `spawn` returns at the helper's exec, not at the program's that follows it.
    execs(rt_pid, &program_path(&prog));
    // The same program, normal policy: moved; by then the first one's exec was handled.
    kids.0.push(spawn(&prog, "30", None));
    lands(&d, kids.0[1].id(), &s.v2("rt"));
    let stat = fs::read_to_string(format!("/proc/{rt_pid}/stat")).unwrap_or_default();
    let policy = stat
        .rsplit_once(") ")
        .and_then(|(_, rest)| rest.split_whitespace().nth(38).map(str::to_string));
    assert_eq!(
        policy.as_deref(),
        Some("1"),
        "not SCHED_FIFO (did the helper fail?): {stat}"
    );
    assert_eq!(v2_line(rt_pid), before, "log:\n{}", d.log());
}

#[test]
fn dry_run_lists_the_moves_of_running_processes() {
    let host = need!(host());
    let (away, there) = (program("dry-away"), program("dry-there"));
    let rules = format!("*:{away}  cgroup  a\n*:{there}  cgroup  a\n");
    let s = Setup::new(&host, &conf(&["a"]), &rules);
    // No daemon: the group is made by hand, and one process put in it.
    let mount = host.unified().unwrap();
    s._groups.mkdir_bare(mount, "a");
    let kids = Reaped(vec![spawn(&away, "30", None), spawn(&there, "30", None)]);
    let (away_pid, there_pid) = (kids.0[0].id(), kids.0[1].id());
    fs::write(
        mount.path.join(&s.name).join("a/cgroup.procs"),
        there_pid.to_string(),
    )
    .unwrap();
    let mut args = s.args();
    args.push("--dry-run".into());
    let out = Command::new(bin("cgconfigd")).args(&args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let moves: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("move ") || l.ends_with(" to move"))
        .collect();
    let expected = [
        format!("2 rules from {}: 1 process to move", s.rules().display()),
        format!(
            "move {away_pid} ({}) to cgroup:{}/a",
            program_path(&away).display(),
            s.name
        ),
    ];
    assert_eq!(moves, expected, "{stdout}");
    // Nothing moved.
    assert_ne!(v2_line(away_pid), Some(s.v2("a")));
    let _ = there;
}

#[test]
fn a_template_group_gets_the_templates_settings_and_a_bad_one_leaves_nothing() {
    let host = need!(host());
    let (good, bad) = (program("tpl-set"), program("tpl-bad"));
    // cgroup.max.descendants: a file of every v2 group, whatever controllers are enabled.
    let config = "template users/%u {\n\tcgroup {\n\t\tcgroup.max.descendants = \"7\";\n\t}\n}\n\
                  template bad/%u {\n\tcgroup {\n\t\tcgroup.max.descendants = \"lots\";\n\t}\n}\n";
    let rules = format!("*:{good}  cgroup  users/%u\n*:{bad}  cgroup  bad/%u\n");
    let s = Setup::new(&host, config, &rules);
    let d = s.start(&[]);
    let mount = host.unified().unwrap();
    let user = nix::unistd::User::from_uid(nix::unistd::geteuid())
        .ok()
        .flatten()
        .map(|u| u.name)
        .unwrap_or_else(|| "root".into());
    let mut kids = Reaped(vec![spawn(&good, "30", None)]);
    lands(&d, kids.0[0].id(), &s.v2(&format!("users/{user}")));
    let made = mount.path.join(&s.name).join("users").join(&user);
    assert_eq!(
        fs::read_to_string(made.join("cgroup.max.descendants")).unwrap(),
        "7\n"
    );

    let before = v2_line(std::process::id());
    kids.0.push(spawn(&bad, "30", None));
    let bad_pid = kids.0[1].id();
    let said = format!(
        "cannot create cgroup:{}/bad/{user} from template `bad/%u` for pid {bad_pid}",
        s.name
    );
    assert!(d.logs_within(&said, LONG), "log:\n{}", d.log());
    assert!(
        !mount.path.join(&s.name).join("bad").exists(),
        "log:\n{}",
        d.log()
    );
    assert_eq!(v2_line(bad_pid), before);
}
