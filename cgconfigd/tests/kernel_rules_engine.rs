//! The rules engine of cgconfigd (`--rules-engine`) on the real kernel: processes the
//! tests spawn are moved by program, uid and `@group` rules as they exec, `%` lines and
//! `ignore` are followed, a template's group is created on first use, a bad rules edit
//! keeps the old rules and says where, and an overrun of the proc connector's receive
//! buffer is recovered by a rescan.
//!
//! Needs root (the proc connector needs CAP_NET_ADMIN) and a cgroup v2 mount; groups are
//! made in it under the test's unique prefix (`--base`), the rules files in a temporary
//! directory. Only processes the tests spawn are moved: every rule names a program only
//! these tests run (an `argv[0]` of `cgt-rules-<pid>-...`, given to `sleep`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

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

    fn start(&self, env: &[(&str, &str)]) -> Daemon {
        let d = self.dir.path();
        let path = |p: &str| d.join(p).display().to_string();
        let args = vec![
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
        ];
        let daemon = Daemon::spawn(DaemonCommand {
            binary: bin("cgconfigd"),
            args,
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

/// A program named `name`: a hard link to `cgtools-e2e-helper` (tests/src/bin) next to it,
/// so that its `comm` and the last component of its `argv[0]` are the name a rule gives
/// (the VM lane's `sleep` is busybox, which knows no applet by another name; a link, unlike
/// a copy, is never open for writing while another test forks, see ETXTBSY).
fn program_path(name: &str) -> std::path::PathBuf {
    let helper = test_support::bin("cgtools-e2e-helper");
    let dir = helper.with_file_name("rules-engine-programs");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    match fs::hard_link(&helper, &path) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
            panic!("linking {} to {}: {e}", path.display(), helper.display())
        }
        _ => path,
    }
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

fn cgroup_of(pid: u32) -> String {
    fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default()
}

/// Waits until `pid` is in `group` (a `0::/...` line).
fn lands(d: &Daemon, pid: u32, group: &str) {
    let start = Instant::now();
    while !cgroup_of(pid).lines().any(|l| l == group) {
        assert!(
            start.elapsed() < FOLLOW,
            "pid {pid} not in {group}: {}\nlog:\n{}",
            cgroup_of(pid),
            d.log()
        );
        sleep(Duration::from_millis(5));
    }
}

struct Reaped(Vec<Child>);

impl Drop for Reaped {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
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
    sleep(Duration::from_millis(300));
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
