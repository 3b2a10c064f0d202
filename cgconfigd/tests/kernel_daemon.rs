//! cgconfigd as a real process on the real kernel: readiness on a test NOTIFY_SOCKET,
//! edits in place, by rename, drop-ins added and deleted (the tree follows within
//! 500 ms), a bad edit that changes nothing and says where, SIGHUP, SIGTERM, kill -9 in
//! the middle of a large apply, groups with tasks and groups it did not create, and the
//! delegated mode.
//!
//! Groups live in the cgroup v2 mount (`/sys/fs/cgroup/unified` on a hybrid host,
//! `/sys/fs/cgroup` on a pure v2 one) and use only core settings
//! (`cgroup.max.descendants`), so no `cgroup.subtree_control` is ever written and the
//! suite runs the same on hybrid and pure v2 hosts; one test uses v1 `cpu` and `memory`
//! where they exist. The host is read from the mount table (`tests/support`), never from
//! cgtools; a test that cannot run here says why and is counted (a failure in the VM
//! lane). Every group is under a unique `cgtools-test-<pid>-<n>` prefix, given to the
//! daemon with `--base`; a guard kills the daemon and removes the prefix even when a test
//! fails. The only processes moved are the daemon and `sleep`s the tests spawned.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use test_support::{
    bin, dirs_below, in_vm, need, skip, skip_part, status_of, Daemon, DaemonCommand, Host, Skip,
    Spawned, TestGroups,
};

/// How long the tree may take to follow an edit: the promise, 500 ms, on a real
/// host; ten times that in the pure v2 VM lane, whose emulated CPU (TCG on CI) runs
/// everything many times slower (the measured time is printed either way).
fn follow_limit() -> Duration {
    if in_vm() {
        Duration::from_secs(5)
    } else {
        Duration::from_millis(500)
    }
}

/// Generous limits for things that have no promise (a start, an exit).
const LONG: Duration = Duration::from_secs(60);

/// The host, and the cgroup v2 mount these tests use; or why they cannot run here.
fn host() -> Result<(Host, PathBuf), Skip> {
    let host = Host::for_test()?;
    let unified = host.unified()?.path.clone();
    Ok((host, unified))
}

/// A unique prefix in every hierarchy, removed on drop by its guard, and a temporary
/// directory for the config files. Declared before the daemon, so that the daemon is
/// killed first.
struct Prefix {
    name: String,
    _groups: TestGroups,
    dir: tempfile::TempDir,
}

impl Prefix {
    fn new(host: &Host) -> Prefix {
        let groups = TestGroups::new(host);
        let dir = tempfile::tempdir().unwrap();
        // An empty container directory: containers are on, as by default, and an edit of
        // the files must cost nothing on their side.
        fs::create_dir(dir.path().join("lxc")).unwrap();
        Prefix {
            name: groups.prefix.clone(),
            _groups: groups,
            dir,
        }
    }

    /// The temp directory with the config files and the state directory.
    fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn config(&self) -> PathBuf {
        self.dir().join("cgconfig.conf")
    }

    fn dropins(&self) -> PathBuf {
        self.dir().join("cgconfig.d")
    }

    fn state(&self) -> PathBuf {
        self.dir().join("state")
    }

    /// The common arguments: the files, the state directory, an empty container
    /// directory of its own (never the host's /var/lib/lxc), the prefix as the base.
    fn args(&self) -> Vec<String> {
        vec![
            "-c".into(),
            self.config().display().to_string(),
            "-d".into(),
            self.dropins().display().to_string(),
            "--state-dir".into(),
            self.state().display().to_string(),
            "--lxcpath".into(),
            self.dir().join("lxc").display().to_string(),
            "--base".into(),
            self.name.clone(),
        ]
    }
}

fn subdirs_post_order(dir: &Path, out: &mut Vec<PathBuf>) {
    out.extend(dirs_below(dir));
}

/// The built cgconfigd.
fn binary() -> PathBuf {
    bin("cgconfigd")
}

/// This suite's ways to start the shared harness's daemon ([`test_support::Daemon`]) and
/// to wait for it.
trait SuiteDaemon: Sized {
    fn start(prefix: &Prefix, extra: &[&str]) -> Self;
    fn start_with(
        prefix: &Prefix,
        extra: &[&str],
        enter: Option<&[PathBuf]>,
        env: &[(&str, &str)],
    ) -> Self;
    fn expect(&self, after: usize, key: &str, timeout: Duration) -> String;
    fn settled(&self) -> String;
    fn ready(&self, after: usize) -> String;
    fn logged(&self, needle: &str) -> bool;
    fn signal(&self, signal: nix::sys::signal::Signal);
}

impl SuiteDaemon for Daemon {
    fn start(prefix: &Prefix, extra: &[&str]) -> Daemon {
        Daemon::start_with(prefix, extra, None, &[])
    }

    /// Starts it; with `enter`, it is started in those `cgroup.procs` first, as systemd
    /// would have started it in a unit's cgroup.
    fn start_with(
        prefix: &Prefix,
        extra: &[&str],
        enter: Option<&[PathBuf]>,
        env: &[(&str, &str)],
    ) -> Daemon {
        let mut args = prefix.args();
        if extra.contains(&"--base") {
            args.truncate(args.len() - 2); // the test's own base replaces the prefix
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        Daemon::spawn(DaemonCommand {
            binary: binary(),
            args,
            socket_dir: prefix.dir(),
            enter,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            netns_setup: None,
            netns_of: None,
        })
    }

    /// Waits for a message after the first `after` that contains `key`; returns it.
    fn expect(&self, after: usize, key: &str, timeout: Duration) -> String {
        self.expect_all(after, &[key], timeout)
    }

    /// The STATUS of the last message, once it is a `READY=1` (the daemon is idle).
    fn settled(&self) -> String {
        let start = Instant::now();
        loop {
            let last = self.messages().last().cloned().unwrap_or_default();
            if last.contains("READY=1") {
                sleep(Duration::from_millis(150));
                let again = self.messages().last().cloned().unwrap_or_default();
                if again == last {
                    return status_of(&last);
                }
                continue;
            }
            assert!(
                start.elapsed() < LONG,
                "cgconfigd never settled:\n{}",
                self.log()
            );
            sleep(Duration::from_millis(5));
        }
    }

    /// Waits for `READY=1` after the first `after` messages; returns its STATUS.
    fn ready(&self, after: usize) -> String {
        status_of(&self.expect(after, "READY=1", LONG))
    }

    /// Whether the log gets a line containing `needle`.
    fn logged(&self, needle: &str) -> bool {
        self.logs_within(needle, LONG)
    }

    fn signal(&self, signal: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid() as i32), signal).unwrap();
    }
}

/// A config of groups with `cgroup.max.descendants` values.
fn conf(groups: &[(&str, u32)]) -> String {
    groups
        .iter()
        .map(|(name, n)| {
            format!("group {name} {{\n\tcgroup {{ cgroup.max.descendants = {n}; }}\n}}\n")
        })
        .collect()
}

/// The group `name` under the prefix in the v2 mount.
fn group(unified: &Path, prefix: &Prefix, name: &str) -> PathBuf {
    unified.join(&prefix.name).join(name)
}

fn max_descendants(dir: &Path) -> Option<String> {
    fs::read_to_string(dir.join("cgroup.max.descendants"))
        .ok()
        .map(|s| s.trim().to_string())
}

/// Polls `condition` until it holds; how long that took, or `None` after `timeout`.
fn within(timeout: Duration, mut condition: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    loop {
        if condition() {
            return Some(start.elapsed());
        }
        if start.elapsed() > timeout {
            return None;
        }
        sleep(Duration::from_millis(2));
    }
}

/// Asserts the tree follows within [`follow_limit`], with what happened if not.
fn follows(d: &Daemon, what: &str, condition: impl FnMut() -> bool) {
    let limit = follow_limit();
    match within(limit, condition) {
        Some(took) => eprintln!("{what}: the tree followed in {took:?}"),
        None => panic!(
            "{what}: the tree did not follow within {limit:?}; log:\n{}",
            d.log()
        ),
    }
}

fn write_atomically(path: &Path, text: &str) {
    let tmp = path.with_file_name(format!(
        ".{}.tmp",
        path.file_name().unwrap().to_string_lossy()
    ));
    fs::write(&tmp, text).unwrap();
    fs::rename(&tmp, path).unwrap();
}

fn inode(path: &Path) -> u64 {
    fs::metadata(path).unwrap().ino()
}

#[test]
fn ready_then_the_tree_follows_every_kind_of_edit() {
    let (host, unified) = need!(host());
    let t = Prefix::new(&host);
    fs::write(t.config(), conf(&[("a", 5)])).unwrap();
    let d = Daemon::start(&t, &[]);
    let status = d.ready(0);
    assert!(
        status.starts_with("1 group applied from "),
        "status: {status}"
    );
    let a = group(&unified, &t, "a");
    assert_eq!(max_descendants(&a).as_deref(), Some("5"));

    // In place.
    fs::write(t.config(), conf(&[("a", 7)])).unwrap();
    follows(&d, "edit in place", || {
        max_descendants(&a).as_deref() == Some("7")
    });

    // By rename, adding a group.
    write_atomically(&t.config(), &conf(&[("a", 7), ("b", 3)]));
    let b = group(&unified, &t, "b");
    follows(&d, "rename into place", || {
        max_descendants(&b).as_deref() == Some("3")
    });

    // The drop-in directory did not exist at the start.
    let n = d.seen();
    fs::create_dir(t.dropins()).unwrap();
    let web = t.dropins().join("10-web.conf");
    fs::write(&web, conf(&[("web/front", 2)])).unwrap();
    let front = group(&unified, &t, "web/front");
    follows(&d, "drop-in added", || {
        max_descendants(&front).as_deref() == Some("2")
    });
    d.expect(n, "RELOADING=1", LONG);

    // Deleted: web/front and its parent web were created by cgconfigd, and go.
    fs::remove_file(&web).unwrap();
    follows(&d, "drop-in deleted", || {
        !group(&unified, &t, "web").exists()
    });
    assert!(a.exists() && b.exists());

    // Deleted and re-created at once (an editor without rename): one reload, nothing
    // removed in between.
    let a_inode = inode(&a);
    fs::remove_file(t.config()).unwrap();
    fs::write(t.config(), conf(&[("a", 9), ("b", 3)])).unwrap();
    follows(&d, "delete and re-create", || {
        max_descendants(&a).as_deref() == Some("9")
    });
    assert_eq!(inode(&a), a_inode, "a was removed and re-created");

    // A drop-in directory removed entirely, then created again, is still watched.
    fs::remove_dir_all(t.dropins()).unwrap();
    sleep(Duration::from_millis(200));
    fs::create_dir(t.dropins()).unwrap();
    fs::write(t.dropins().join("20-x.conf"), conf(&[("x", 1)])).unwrap();
    follows(&d, "drop-in directory re-created", || {
        group(&unified, &t, "x").exists()
    });
    let status = d.settled();
    assert!(status.starts_with("3 groups applied"), "status: {status}");
}

/// Read syscalls the process made so far (`/proc/PID/io`).
fn reads_of(pid: u32) -> u64 {
    fs::read_to_string(format!("/proc/{pid}/io"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("syscr: "))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// `n` groups `g0`..; even ones have their own task owner (2000), the others take the
/// `default` section's; `g7` has `cgroup.max.descendants = g7`, the others 5.
fn many(n: usize, g7: u32, default_uid: u32) -> String {
    let mut text = format!("default {{ perm {{ task {{ uid = {default_uid}; }} }} }}\n");
    for i in 0..n {
        text.push_str(&format!("group g{i} {{\n"));
        if i % 2 == 0 {
            text.push_str("\tperm { task { uid = 2000; } }\n");
        }
        let v = if i == 7 { g7 } else { 5 };
        text.push_str(&format!(
            "\tcgroup {{ cgroup.max.descendants = {v}; }}\n}}\n"
        ));
    }
    text
}

fn task_owner(dir: &Path) -> u32 {
    fs::metadata(dir.join("cgroup.procs")).unwrap().uid()
}

/// A reload after an edit reads and writes for the groups the edit changed, not for the
/// whole configuration: the other groups' files are not even read (so a value changed by
/// hand elsewhere stays until SIGHUP, which reads and repairs everything). A change of
/// the `default` section re-owns exactly the groups that take their owner from it.
#[test]
fn an_edit_reads_and_writes_only_the_groups_it_changes() {
    let (host, unified) = need!(host());
    let t = Prefix::new(&host);
    const N: usize = 300;
    fs::write(t.config(), many(N, 5, 1000)).unwrap();
    let d = Daemon::start(&t, &["--log-level", "debug"]);
    d.ready(0);
    let (g7, g8, g9) = (
        group(&unified, &t, "g7"),
        group(&unified, &t, "g8"),
        group(&unified, &t, "g9"),
    );
    assert_eq!(task_owner(&g7), 1000);
    assert_eq!(task_owner(&g8), 2000);
    // Someone changes g9 by hand.
    fs::write(g9.join("cgroup.max.descendants"), "50").unwrap();

    // One line changed.
    let reads = reads_of(d.pid());
    let n = d.seen();
    write_atomically(&t.config(), &many(N, 9, 1000));
    d.ready(n);
    let edit_reads = reads_of(d.pid()) - reads;
    assert_eq!(max_descendants(&g7).as_deref(), Some("9"));
    assert!(
        d.logged(&format!("({N} groups): 1 setting written")),
        "{}",
        d.log()
    );
    assert!(
        d.logged("1 group section checked, 299 unchanged; 1 group to plan"),
        "{}",
        d.log()
    );
    assert!(edit_reads <= 20, "{edit_reads} reads for a one-line edit");
    assert_eq!(
        max_descendants(&g9).as_deref(),
        Some("50"),
        "not read, not repaired"
    );

    // SIGHUP: everything read again (a read per group at least), g9 repaired.
    let reads = reads_of(d.pid());
    let n = d.seen();
    d.signal(nix::sys::signal::Signal::SIGHUP);
    d.ready(n);
    let full_reads = reads_of(d.pid()) - reads;
    assert!(
        full_reads >= N as u64,
        "{full_reads} reads for a full reload"
    );
    assert_eq!(max_descendants(&g9).as_deref(), Some("5"));
    eprintln!("read syscalls: {edit_reads} for a one-line edit, {full_reads} for SIGHUP");

    // The default owner changes: the odd groups follow it, the even ones keep theirs.
    let n = d.seen();
    write_atomically(&t.config(), &many(N, 9, 1001));
    d.ready(n);
    assert_eq!(task_owner(&g7), 1001);
    assert_eq!(task_owner(&g9), 1001);
    assert_eq!(task_owner(&g8), 2000);
    assert!(
        d.logged(&format!("{} groups to plan", N / 2)),
        "{}",
        d.log()
    );
}

#[test]
fn a_bad_edit_changes_nothing_and_says_where() {
    let (host, unified) = need!(host());
    let t = Prefix::new(&host);
    fs::write(t.config(), conf(&[("a", 5), ("b", 4)])).unwrap();
    let d = Daemon::start(&t, &[]);
    d.ready(0);
    let (a, b) = (group(&unified, &t, "a"), group(&unified, &t, "b"));

    // A syntax error on line 4, in an edit that also drops b and changes a.
    let n = d.seen();
    fs::write(
        t.config(),
        "group a {\n\tcgroup { cgroup.max.descendants = 6; }\n}\ngroup c { cgroup { cgroup.max.descendants = 1:2; } }\n",
    )
    .unwrap();
    d.expect(n, "RELOADING=1", LONG);
    let status = d.ready(n);
    let config = t.config().display().to_string();
    assert!(
        status.contains(&format!("last change refused: {config}:4:")),
        "status: {status}"
    );
    assert!(d.logged(&format!("{config}:4:")), "log:\n{}", d.log());
    // The error carries its own label: logged once as `cgconfigd: FILE:4:..: error: ...`.
    assert!(
        d.logged(&format!("cgconfigd: {config}:4:")),
        "log:\n{}",
        d.log()
    );
    assert!(
        d.log().lines().all(|l| l.matches("error:").count() <= 1),
        "a doubled label:\n{}",
        d.log()
    );
    assert_eq!(max_descendants(&a).as_deref(), Some("5"), "a changed");
    assert_eq!(max_descendants(&b).as_deref(), Some("4"), "b went");

    // A validation error (a setting the kernel does not have) in a drop-in.
    fs::write(t.config(), conf(&[("a", 5), ("b", 4)])).unwrap();
    fs::create_dir(t.dropins()).unwrap();
    d.settled();
    let n = d.seen();
    fs::write(
        t.dropins().join("x.conf"),
        "group d {\n\tcgroup { cgroup.max.ancestors = 1; }\n}\n",
    )
    .unwrap();
    let status = status_of(&d.expect_all(n, &["READY=1", "refused"], LONG));
    assert!(
        status.contains("x.conf:2:")
            && status.contains("`cgroup.max.ancestors` is not a core cgroup setting"),
        "status: {status}"
    );
    assert!(!group(&unified, &t, "d").exists());

    // The next good edit applies.
    fs::write(t.dropins().join("x.conf"), conf(&[("d", 1)])).unwrap();
    follows(&d, "good edit after a bad one", || {
        max_descendants(&group(&unified, &t, "d")).as_deref() == Some("1")
    });
}

#[test]
fn sighup_reloads_and_puts_back_what_someone_changed() {
    let (host, unified) = need!(host());
    let t = Prefix::new(&host);
    fs::write(t.config(), conf(&[("a", 5)])).unwrap();
    let d = Daemon::start(&t, &[]);
    d.ready(0);
    let a = group(&unified, &t, "a");
    fs::write(a.join("cgroup.max.descendants"), "50").unwrap();
    let n = d.seen();
    d.signal(nix::sys::signal::Signal::SIGHUP);
    let reloading = d.expect(n, "RELOADING=1", LONG);
    assert!(reloading.contains("MONOTONIC_USEC="), "{reloading}");
    d.ready(n);
    assert_eq!(max_descendants(&a).as_deref(), Some("5"));
    assert!(d.logged("reloading: SIGHUP"), "{}", d.log());
}

#[test]
fn sigterm_exits_0_and_the_groups_stay_unless_asked() {
    let (host, unified) = need!(host());
    let t = Prefix::new(&host);
    // `pre` exists before: cgconfigd did not create it and never removes it.
    let pre = group(&unified, &t, "pre");
    fs::create_dir_all(&pre).unwrap();
    fs::write(t.config(), conf(&[("a/b", 5), ("pre", 2)])).unwrap();

    let mut d = Daemon::start(&t, &[]);
    d.ready(0);
    let n = d.seen();
    d.signal(nix::sys::signal::Signal::SIGTERM);
    assert_eq!(d.wait(LONG).code(), Some(0));
    d.expect(n, "STOPPING=1", LONG);
    assert!(
        group(&unified, &t, "a/b").exists(),
        "groups stay by default"
    );

    let mut d = Daemon::start(&t, &["--remove-on-stop"]);
    d.ready(0);
    d.signal(nix::sys::signal::Signal::SIGTERM);
    assert_eq!(d.wait(LONG).code(), Some(0));
    assert!(!group(&unified, &t, "a").exists(), "{}", d.log());
    assert!(pre.exists(), "a group cgconfigd did not create was removed");
    assert_eq!(max_descendants(&pre).as_deref(), Some("2"));
}

#[test]
fn a_dropped_group_with_a_task_stays_and_is_reported() {
    let (host, unified) = need!(host());
    let t = Prefix::new(&host);
    // Not a group cgconfigd created, dropped from the config: never removed either.
    let theirs = group(&unified, &t, "theirs");
    fs::create_dir_all(&theirs).unwrap();
    fs::write(t.config(), conf(&[("busy", 5), ("idle", 5), ("theirs", 1)])).unwrap();
    let d = Daemon::start(&t, &[]);
    d.ready(0);
    let busy = group(&unified, &t, "busy");
    let mut sleeper = Spawned::sleeper();
    fs::write(busy.join("cgroup.procs"), sleeper.pid().to_string()).unwrap();

    let n = d.seen();
    fs::write(t.config(), conf(&[])).unwrap();
    follows(&d, "drop every group", || {
        !group(&unified, &t, "idle").exists()
    });
    let status = d.ready(n);
    assert!(busy.exists(), "a group with a task was removed");
    assert!(
        theirs.exists(),
        "a group cgconfigd did not create was removed"
    );
    assert!(
        status.contains("1 dropped group kept while in use: "),
        "status: {status}"
    );
    assert!(d.logged("it still has 1 task"), "{}", d.log());
    let procs = fs::read_to_string(busy.join("cgroup.procs")).unwrap();
    assert_eq!(
        procs.trim(),
        sleeper.pid().to_string(),
        "the task was moved"
    );
    assert!(sleeper.alive(), "the task was killed");

    // Once empty, it goes at the next reload.
    sleeper.child.kill().unwrap();
    sleeper.child.wait().unwrap();
    let n = d.seen();
    d.signal(nix::sys::signal::Signal::SIGHUP);
    d.ready(n);
    assert!(
        within(follow_limit(), || !busy.exists()).is_some(),
        "{}",
        d.log()
    );
    assert!(theirs.exists());
}

#[test]
fn kill_9_in_the_middle_of_a_large_apply_then_a_restart_converges() {
    let (host, unified) = need!(host());
    let t = Prefix::new(&host);
    let pre = group(&unified, &t, "g0/pre");
    fs::create_dir_all(&pre).unwrap();
    // Fewer in the VM lane, whose emulated CPU is slow; still hundreds of steps to kill.
    let large = if in_vm() { 400 } else { 2000 };
    let mut groups: Vec<(String, u32)> = (0..large)
        .map(|i| (format!("g{}/n{i}", i % 20), (i % 50) as u32 + 1))
        .collect();
    groups.push(("g0/pre".to_string(), 7));
    let text = conf(
        &groups
            .iter()
            .map(|(g, n)| (g.as_str(), *n))
            .collect::<Vec<_>>(),
    );
    fs::write(t.config(), &text).unwrap();

    let count = || {
        let mut dirs = Vec::new();
        subdirs_post_order(&unified.join(&t.name), &mut dirs);
        dirs.len()
    };
    let before = count();
    // The prefix, g0 to g19, the leaves and `pre`.
    let full = 1 + 20 + large + 1;
    // The kill must land in the middle: some of the groups created, not all, and no
    // READY=1. When the apply outran it, the tree is put back as it was (the test's own
    // groups only), and the next try kills sooner.
    let mut threshold = large / 20;
    let mut tries = 0;
    loop {
        tries += 1;
        let mut d = Daemon::start(&t, &[]);
        let started = within(LONG, || count() > before + threshold);
        d.kill();
        d.wait(LONG);
        assert!(
            started.is_some(),
            "the apply did not start; log:\n{}",
            d.log()
        );
        let at_kill = count();
        let ready = d.messages().iter().any(|m| m.contains("READY=1"));
        eprintln!("try {tries}: killed with {at_kill} of {full} directories, ready: {ready}");
        if before < at_kill && at_kill < full && !ready {
            break;
        }
        assert!(
            tries < 3,
            "the kill never landed in the middle of the apply in {tries} tries (last: \
             {at_kill} of {full} directories, ready: {ready}); log:\n{}",
            d.log()
        );
        drop(d);
        let mut dirs = Vec::new();
        subdirs_post_order(&unified.join(&t.name), &mut dirs);
        for dir in dirs {
            if dir != pre && dir != pre.parent().unwrap() && dir != unified.join(&t.name) {
                fs::remove_dir(&dir).unwrap();
            }
        }
        fs::remove_dir_all(t.state()).unwrap();
        assert_eq!(count(), before);
        threshold = (threshold / 4).max(1);
    }

    let d = Daemon::start(&t, &[]);
    d.ready(0);
    // The tree equals the config: every group with its value, nothing else.
    let mut expected: BTreeSet<String> = BTreeSet::new();
    for (name, n) in &groups {
        let dir = group(&unified, &t, name);
        assert_eq!(max_descendants(&dir), Some(n.to_string()), "{name}");
        expected.insert(name.clone());
        expected.insert(name.split('/').next().unwrap().to_string());
    }
    let mut dirs = Vec::new();
    subdirs_post_order(&unified.join(&t.name), &mut dirs);
    let live: BTreeSet<String> = dirs
        .iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(unified.join(&t.name)).ok()?;
            (!rel.as_os_str().is_empty()).then(|| rel.display().to_string())
        })
        .collect();
    assert_eq!(live, expected);

    // The record lists exactly what cgconfigd created: everything but `pre`.
    let record = fs::read_to_string(t.state().join("owned.json")).unwrap();
    let recorded: BTreeSet<String> = record
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l.trim_end_matches(',')).ok())
        .filter_map(|v| v["path"].as_str().map(str::to_string))
        .collect();
    // (The prefix, g0 and g0/pre were made by the test.)
    let wanted: BTreeSet<String> = expected
        .iter()
        .filter(|p| *p != "g0/pre" && *p != "g0")
        .map(|p| format!("/{}/{p}", t.name))
        .collect();
    assert_eq!(recorded, wanted);
    assert!(!record.contains("null"), "a pending entry was left");

    // Emptying the config removes all of it except `pre` (and its parent g0).
    let n = d.seen();
    fs::write(t.config(), "").unwrap();
    d.expect(n, "READY=1", LONG);
    assert!(within(LONG, || count() == 3).is_some(), "{} left", count());
    assert!(pre.exists());
}

#[test]
fn delegated_mode_moves_itself_into_a_leaf_and_stays_below_its_cgroup() {
    let (host, unified) = need!(host());
    let t = Prefix::new(&host);
    // What systemd does for a unit with Delegate=yes: a cgroup of its own, the daemon
    // started in it (here: in the v2 mount only).
    let unit = unified.join(&t.name).join("unit.service");
    fs::create_dir_all(&unit).unwrap();
    fs::write(t.config(), conf(&[("x", 3), ("y/z", 2)])).unwrap();
    let enter = [unit.join("cgroup.procs")];
    let mut d = Daemon::start_with(
        &t,
        &["--mode", "delegated", "--base", "/"],
        Some(&enter),
        &[],
    );
    d.ready(0);
    let leaf = unit.join("supervisor");
    let procs = fs::read_to_string(leaf.join("cgroup.procs")).unwrap();
    assert_eq!(procs.trim(), d.pid().to_string(), "not in its leaf");
    assert_eq!(
        fs::read_to_string(unit.join("cgroup.procs"))
            .unwrap()
            .trim(),
        "",
        "the unit's cgroup still holds a process"
    );
    assert_eq!(max_descendants(&unit.join("x")).as_deref(), Some("3"));
    assert_eq!(max_descendants(&unit.join("y/z")).as_deref(), Some("2"));
    assert!(!unified.join(&t.name).join("x").exists());

    // Dropped groups go; the leaf stays.
    fs::write(t.config(), conf(&[("x", 3)])).unwrap();
    follows(&d, "delegated drop", || !unit.join("y").exists());
    assert!(leaf.exists());
    d.signal(nix::sys::signal::Signal::SIGTERM);
    assert_eq!(d.wait(LONG).code(), Some(0));

    // A hierarchy it was not started in is not delegated: refused, with the place.
    match host.v1("cpu") {
        Err(why) => skip_part!(why),
        Ok(_) => {
            fs::write(t.config(), "group x {\n\tcpu { cpu.shares = 100; }\n}\n").unwrap();
            let mut d = Daemon::start_with(
                &t,
                &["--mode", "delegated", "--base", "/"],
                Some(&enter),
                &[],
            );
            assert_eq!(d.wait(LONG).code(), Some(1));
            assert!(
                d.logged(":2:2: error: groups of `cpu` cannot be created: the cpu hierarchy is not delegated to cgconfigd"),
                "{}",
                d.log()
            );
        }
    }
    // The supervisor's process exited; the guard removes the rest.
}

#[test]
fn journal_prefixes_and_a_first_bad_config_exits_1() {
    let (host, _unified) = need!(host());
    let t = Prefix::new(&host);
    fs::write(t.config(), "group a { cgroup { x = 1 } }\n").unwrap();
    let mut d = Daemon::start_with(&t, &[], None, &[("JOURNAL_STREAM", "8:1234")]);
    assert_eq!(d.wait(LONG).code(), Some(1));
    assert!(d.logged("nothing was applied"), "{}", d.log());
    let log = d.log();
    assert!(log.lines().all(|l| l.starts_with('<')), "{log}");
    assert!(log.contains("<3>"), "{log}");
    assert!(
        log.contains(&format!(
            "<3>{}:1:26: error: expected `;`",
            t.config().display()
        )),
        "{log}"
    );
    let failed = d.expect(0, "STATUS=failed: ", LONG);
    assert!(!failed.contains("READY=1"));
}

#[test]
fn once_and_unload_on_v1_hierarchies() {
    let (host, _unified) = need!(host());
    let cpu = need!(host.v1("cpu"));
    let memory = need!(host.v1("memory"));
    let t = Prefix::new(&host);
    fs::write(
        t.config(),
        "group web { cpu { cpu.shares = 512; } memory { memory.limit_in_bytes = 64M; } }\n",
    )
    .unwrap();
    let out = Command::new(binary())
        .args(t.args())
        .arg("--once")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let web_cpu = cpu.path.join(&t.name).join("web");
    let web_mem = memory.path.join(&t.name).join("web");
    assert_eq!(
        fs::read_to_string(web_cpu.join("cpu.shares"))
            .unwrap()
            .trim(),
        "512"
    );
    assert_eq!(
        fs::read_to_string(web_mem.join("memory.limit_in_bytes"))
            .unwrap()
            .trim(),
        "67108864"
    );
    let out = Command::new(binary())
        .args(["--unload", "--state-dir"])
        .arg(t.state())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!cpu.path.join(&t.name).exists());
    assert!(!memory.path.join(&t.name).exists());
}

#[test]
fn a_change_the_kernel_refuses_is_taken_back_and_the_daemon_goes_on() {
    let (host, unified) = need!(host());
    let t = Prefix::new(&host);
    fs::write(t.config(), conf(&[("a", 5)])).unwrap();
    let d = Daemon::start(&t, &[]);
    d.ready(0);
    let a = group(&unified, &t, "a");
    let n = d.seen();
    // a changes first, then b's value is out of the kernel's range.
    fs::write(
        t.config(),
        "group a { cgroup { cgroup.max.descendants = 6; } }\ngroup b { cgroup { cgroup.max.descendants = 99999999999999999999; } }\n",
    )
    .unwrap();
    let status = status_of(&d.expect_all(n, &["READY=1", "failed"], LONG));
    assert!(
        status.contains("last apply failed: kernel rejected value `99999999999999999999`"),
        "status: {status}"
    );
    assert_eq!(
        max_descendants(&a).as_deref(),
        Some("5"),
        "a's change was not taken back"
    );
    assert!(!group(&unified, &t, "b").exists(), "b was not taken back");
    let record = fs::read_to_string(t.state().join("owned.json")).unwrap();
    assert!(!record.contains("/b\""), "{record}");

    fs::write(t.config(), conf(&[("a", 6), ("b", 1)])).unwrap();
    follows(&d, "a good edit after a refused apply", || {
        max_descendants(&group(&unified, &t, "b")).as_deref() == Some("1")
    });
    assert_eq!(max_descendants(&a).as_deref(), Some("6"));
    assert!(!d.settled().contains("failed"));
}

#[test]
fn delegated_mode_enables_controllers_only_below_its_cgroup() {
    let (host, unified) = need!(host());
    let root_control =
        fs::read_to_string(unified.join("cgroup.subtree_control")).unwrap_or_default();
    let enabled: Vec<&str> = root_control.split_whitespace().collect();
    if !enabled.contains(&"pids") {
        skip!("the v2 root does not enable pids for its children here (the test does not write the root)");
    }
    let t = Prefix::new(&host);
    let top = unified.join(&t.name);
    fs::create_dir_all(&top).unwrap();
    // What systemd does for a unit with Delegate=pids: its parent enables pids for it.
    fs::write(top.join("cgroup.subtree_control"), "+pids").unwrap();
    let unit = top.join("unit.service");
    fs::create_dir_all(&unit).unwrap();
    fs::write(t.config(), "group x {\n\tpids { pids.max = 7; }\n}\n").unwrap();
    let enter = [unit.join("cgroup.procs")];
    let d = Daemon::start_with(
        &t,
        &["--mode", "delegated", "--base", "/"],
        Some(&enter),
        &[],
    );
    d.ready(0);
    assert_eq!(
        fs::read_to_string(unit.join("x/pids.max")).unwrap().trim(),
        "7"
    );
    let unit_control = fs::read_to_string(unit.join("cgroup.subtree_control")).unwrap();
    assert!(
        unit_control.split_whitespace().any(|c| c == "pids"),
        "{unit_control}"
    );
    assert_eq!(
        fs::read_to_string(top.join("cgroup.subtree_control"))
            .unwrap()
            .trim(),
        "pids"
    );
    assert_eq!(
        fs::read_to_string(unified.join("cgroup.subtree_control")).unwrap(),
        root_control,
        "the root's subtree_control changed"
    );

    // A controller systemd did not delegate is refused at its place; nothing above the
    // unit is written for it.
    let missing = ["memory", "cpu", "io"]
        .into_iter()
        .find(|c| enabled.contains(c));
    if let Some(controller) = missing {
        let n = d.seen();
        fs::write(
            t.config(),
            format!("group x {{\n\tpids {{ pids.max = 7; }}\n}}\ngroup y {{\n\t{controller} {{ }}\n}}\n"),
        )
        .unwrap();
        let status = status_of(&d.expect_all(n, &["READY=1", "refused"], LONG));
        assert!(
            status.contains(&format!(
                ":5:2: error: controller `{controller}` is not delegated to cgconfigd: {}/cgroup.controllers lists only pids",
                unit.display()
            )),
            "status: {status}"
        );
        assert!(!unit.join("y").exists());
        assert_eq!(
            fs::read_to_string(top.join("cgroup.subtree_control"))
                .unwrap()
                .trim(),
            "pids"
        );
    }
}

/// The stderr of a cgconfigd that exited, with the test's paths made stable.
fn finished_log(d: &mut Daemon, last: &str, t: &Prefix, unified: &Path) -> String {
    assert!(d.logged(last), "{}", d.log());
    d.log()
        .replace(&t.dir().display().to_string(), "$DIR")
        .replace(&unified.display().to_string(), "$CGROUP2")
        .replace(&t.name, "$PREFIX")
}

/// Issue 12's host (pure v2, no systemd): cgconfigd started in a cgroup whose parent
/// enabled nothing for it, with cpuset and memory settings. What it must say is that
/// these controllers are not delegated to it, at each block, with what is delegated and
/// what to do; not that their files are missing (they are, because of that).
#[test]
fn delegated_mode_names_the_controllers_not_delegated_not_their_files() {
    let (host, unified) = need!(host());
    let v2 = |c: &str| host.find(c).is_some_and(|m| m.v2);
    let t = Prefix::new(&host);
    // `svc`'s parent (the prefix, just made) enables nothing for it, so neither `svc` nor
    // its child `inner`, where cgconfigd runs, has a controller.
    let svc = unified.join(&t.name).join("svc");
    let inner = svc.join("inner");
    fs::create_dir_all(&inner).unwrap();
    assert_eq!(
        fs::read_to_string(inner.join("cgroup.controllers"))
            .unwrap()
            .trim(),
        ""
    );
    let pure_v2 = v2("cpuset") && v2("memory");
    let config = if pure_v2 {
        "group web {\n\tcpuset { cpuset.cpus = 0; }\n\tmemory { memory.max = 100M; }\n}\n"
    } else if v2("hugetlb") {
        // A hybrid host's v2 mount has hugetlb at most: the same mistake with it.
        "group web {\n\thugetlb { hugetlb.2MB.max = 4194304; }\n}\n"
    } else {
        skip!("the v2 mount has neither cpuset and memory nor hugetlb");
    };
    fs::write(t.config(), config).unwrap();
    let enter = [inner.join("cgroup.procs")];
    let mut d = Daemon::start_with(
        &t,
        &["--mode", "delegated", "--base", "/", "--dry-run"],
        Some(&enter),
        &[],
    );
    assert_eq!(d.wait(LONG).code(), Some(1), "{}", d.log());
    let log = finished_log(&mut d, "nothing would be changed", &t, &unified);
    if pure_v2 {
        insta::assert_snapshot!(log);
    } else {
        let headline = "$DIR/cgconfig.conf:2:2: error: controller `hugetlb` is not delegated to \
                        cgconfigd: $CGROUP2/$PREFIX/svc/inner/cgroup.controllers lists none\n";
        let hint = "      = hint: under systemd, delegate it with Delegate=yes (or Delegate= \
                    listing the controllers) in the service's unit; otherwise the parent cgroup \
                    must enable it for cgconfigd's cgroup in $CGROUP2/$PREFIX/svc/cgroup.subtree_control\n";
        assert!(log.starts_with(headline), "{log}");
        assert!(log.contains(hint), "{log}");
        assert!(!log.contains("not a setting"), "{log}");
    }
    // A dry run: not even its own leaf was made.
    let children: Vec<_> = fs::read_dir(&inner)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .collect();
    assert!(children.is_empty(), "{children:?}");
}

/// Root mode, a group below an existing group that lacks the controller: its settings are
/// not "missing files" either. Where the ancestors may be written (below the prefix) the
/// controller is enabled top-down and the value written; where only the v2 root lacks it
/// (a hybrid host's unified mount, whose root enables nothing), the error names the
/// root's `cgroup.subtree_control`, which cgtools writes only for a group directly
/// below the root.
#[test]
fn root_mode_enables_a_controller_an_existing_parent_lacks() {
    let (host, unified) = need!(host());
    let offered = fs::read_to_string(unified.join("cgroup.controllers")).unwrap_or_default();
    let offered: Vec<&str> = offered.split_whitespace().collect();
    let Some((controller, setting, value, kernel_value)) = [
        ("memory", "memory.max", "100M", "104857600"),
        ("hugetlb", "hugetlb.2MB.max", "4194304", "4194304"),
    ]
    .into_iter()
    .find(|(c, ..)| offered.contains(c)) else {
        skip!("the v2 root offers neither memory nor hugetlb");
    };
    let at_root = fs::read_to_string(unified.join("cgroup.subtree_control")).unwrap_or_default();
    let t = Prefix::new(&host);
    let svc = unified.join(&t.name).join("svc");
    fs::create_dir_all(&svc).unwrap();
    fs::write(
        t.config(),
        format!("group svc/web {{\n\t{controller} {{ {setting} = {value}; }}\n}}\n"),
    )
    .unwrap();
    let mut d = Daemon::start(&t, &["--once"]);
    let code = d.wait(LONG).code();
    let web = svc.join("web");
    if at_root.split_whitespace().any(|c| c == controller) {
        assert_eq!(code, Some(0), "{}", d.log());
        assert_eq!(
            fs::read_to_string(web.join(setting)).unwrap().trim(),
            kernel_value
        );
        let enabled = fs::read_to_string(svc.join("cgroup.subtree_control")).unwrap();
        assert_eq!(enabled.trim(), controller);
    } else {
        assert_eq!(code, Some(1), "{}", d.log());
        let log = finished_log(&mut d, "nothing was applied", &t, &unified);
        assert!(
            log.contains(&format!(
                "the cgroup v2 root does not enable `{controller}` for its children ($CGROUP2/cgroup.subtree_control)"
            )),
            "{log}"
        );
        assert!(!log.contains("not a setting"), "{log}");
        assert!(!web.exists());
        assert_eq!(
            fs::read_to_string(unified.join("cgroup.subtree_control")).unwrap_or_default(),
            at_root
        );
    }
}
