//! cgcreate, cgdelete, cgset and cgxset against the real kernel, run as a user runs them.
//!
//! Each test reads the host mode from the mount table at run time (`tests/support`, not
//! cgtools), so the suite runs on hybrid, legacy and pure v2 hosts, and skips with a
//! counted reason (a failure in the VM lane) when not root or when a hierarchy it needs is
//! missing. Every group lives under a unique `cgtools-test-<pid>-<n>-<tag>` top group; the
//! shared guard moves its tasks to the hierarchy root and removes it bottom-up even when a
//! test fails, and takes back any controller a test enabled in the v2 root's
//! `cgroup.subtree_control`. Only processes spawned here are moved; none is killed but by
//! its own guard. The tests hold one lock, because the v2 root's `cgroup.subtree_control`
//! is shared.

// Test code: a failure to run a binary or read a file is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard};

use test_support::{
    bin, need, run, skip, skip_part, Host as MountTable, Mount, Skip, Spawned, TestGroups,
};

static LOCK: Mutex<()> = Mutex::new(());

/// The cgroup version of a hierarchy, as the mount table says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Version {
    V1,
    V2,
}

/// The host's cgroups, while this test holds the suite's lock.
struct Host {
    table: MountTable,
    _lock: MutexGuard<'static, ()>,
}

/// The host, or why the tests cannot run here.
fn host() -> Result<Host, Skip> {
    let table = MountTable::for_test()?;
    let lock = LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    Ok(Host { table, _lock: lock })
}

impl Host {
    /// The hierarchy of `controller` (`""`: the v2 mount).
    fn mount(&self, controller: &str) -> &Mount {
        let found = if controller.is_empty() {
            self.table.unified()
        } else {
            self.table.serving(controller)
        };
        found.unwrap_or_else(|why| panic!("{}", why.reason()))
    }

    fn version(&self, controller: &str) -> Version {
        if self.mount(controller).v2 {
            Version::V2
        } else {
            Version::V1
        }
    }

    /// The directory of group `path` in the hierarchy of `controller` (`""`: the v2 mount).
    fn dir(&self, controller: &str, path: &str) -> PathBuf {
        self.mount(controller).dir(path)
    }

    /// Replaces volatile text: the test's top group and the hierarchies' mount points.
    fn redact(&self, text: &str, top: &TestGroups) -> String {
        let mut out = text.replace(&top.prefix, "[TOP]");
        let mut mounts: Vec<String> = self
            .table
            .mounts
            .iter()
            .map(|m| m.path.display().to_string())
            .collect();
        mounts.sort_by_key(|m| std::cmp::Reverse(m.len()));
        for mount in mounts {
            out = out.replace(&format!("{mount}/"), "[MOUNT]/");
        }
        out
    }

    /// A unique top group in every hierarchy (`tag` names it for a reader), removed with
    /// everything under it on drop; controllers a test enabled in the v2 root are
    /// disabled again.
    fn top(&self, tag: &str) -> TestGroups {
        TestGroups::tagged(&self.table, tag).restoring_v2_root()
    }
}

/// The group of process `pid` in the hierarchy of `controller` (`""`: the v2 mount), from
/// `/proc/<pid>/cgroup`.
fn group_of(host: &Host, pid: u32, controller: &str) -> String {
    host.mount(controller).group_of(pid)
}

/// The `sleep` left behind in group `spec` when a user kills the shell script that started
/// it: the script (`cgexec -g <spec> sh -c 'sleep 300 & ...'`) is killed, its child keeps
/// running in the group. This test process is made a child subreaper first, so the orphan
/// is reparented to it (not to PID 1, which does not reap on every host) and is still this
/// test's own to kill and reap on drop.
struct Orphan(nix::unistd::Pid);

impl Orphan {
    fn left_by_a_killed_script(spec: &str) -> Orphan {
        nix::sys::prctl::set_child_subreaper(true).expect("become a child subreaper");
        let mut command = Command::new(bin("cgexec"));
        command
            .args(["-g", spec, "sh", "-c"])
            .arg("sleep 300 >/dev/null 2>&1 & echo $!; wait")
            .stdout(Stdio::piped());
        let mut script = Spawned::new(command);
        let mut line = String::new();
        BufReader::new(script.child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let pid: i32 = line.trim().parse().unwrap_or_else(|_| panic!("{line:?}"));
        let orphan = Orphan(nix::unistd::Pid::from_raw(pid));
        drop(script); // killed and reaped: the user's kill of their script
        orphan
    }

    fn pid(&self) -> u32 {
        self.0.as_raw().unsigned_abs()
    }

    fn alive(&self) -> bool {
        matches!(
            nix::sys::wait::waitpid(self.0, Some(nix::sys::wait::WaitPidFlag::WNOHANG)),
            Ok(nix::sys::wait::WaitStatus::StillAlive)
        )
    }
}

impl Drop for Orphan {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(self.0, nix::sys::signal::Signal::SIGKILL);
        let _ = nix::sys::wait::waitpid(self.0, None);
    }
}

/// Runs a command that must succeed silently.
fn ok(name: &str, args: &[&str]) {
    let outcome = run(name, args);
    assert_eq!(
        (
            outcome.code,
            outcome.stdout.as_str(),
            outcome.stderr.as_str()
        ),
        (Some(0), "", ""),
        "{name} {args:?}"
    );
}

/// Runs a command that must succeed, whatever notes it prints on stderr.
fn ok_noted(name: &str, args: &[&str]) -> String {
    let outcome = run(name, args);
    assert_eq!(outcome.code, Some(0), "{name} {args:?}: {}", outcome.stderr);
    assert_eq!(outcome.stdout, "", "{name} {args:?}");
    outcome.stderr
}

fn read(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .trim_end()
        .to_string()
}

/// The seed article's Part I steps for these tools, with a unique group name:
/// `cgcreate -g memory:foo`, `cgset -r memory.limit_in_bytes=50000000 foo`, the file
/// reads back 49999872 (whole pages), and the last step in the form a user types it: their
/// script, started in the group with cgexec, is killed while its `sleep` child is still in
/// the group, and `cgdelete memory:foo` (no -r) cleans up as libcgroup's does: the sleep
/// moves to the parent (the hierarchy root) and keeps running, the group is gone, nothing
/// is printed, exit 0.
#[test]
fn seed_article_part_one() {
    let host = need!(host());
    need!(host.table.serving("memory"));
    let foo = host.top("foo");
    ok("cgcreate", &["-g", &format!("memory:{}", foo.prefix)]);
    let dir = host.dir("memory", &foo.prefix);
    assert!(dir.is_dir());
    let notes = ok_noted(
        "cgset",
        &["-r", "memory.limit_in_bytes=50000000", &foo.prefix],
    );
    match host.version("memory") {
        Version::V1 => {
            assert_eq!(notes, "");
            assert_eq!(read(&dir.join("memory.limit_in_bytes")), "49999872");
        }
        Version::V2 => {
            assert_eq!(
                notes,
                "cgset: note: translated to this host's cgroup version: \
                 memory.limit_in_bytes=50000000 -> memory.max=50000000\n"
            );
            assert_eq!(read(&dir.join("memory.max")), "49999872");
        }
    }
    let sleep = Orphan::left_by_a_killed_script(&format!("memory:{}", foo.prefix));
    assert_eq!(
        group_of(&host, sleep.pid(), "memory"),
        format!("/{}", foo.prefix)
    );
    assert!(sleep.alive());

    ok("cgdelete", &[&format!("memory:{}", foo.prefix)]);
    assert!(!dir.exists());
    assert!(sleep.alive(), "cgdelete never kills");
    assert_eq!(group_of(&host, sleep.pid(), "memory"), "/");
}

/// Groups in several controllers at once; cgdelete removes a group from every hierarchy
/// named (libcgroup removes it from the first only), in both spellings; a missing group is
/// exit 96 with libcgroup's message, and the remaining groups are still removed.
#[test]
fn create_in_several_controllers_and_delete_from_all() {
    let host = need!(host());
    for controller in ["cpu", "memory", "pids"] {
        need!(host.table.serving(controller));
    }
    let top = host.top("multi");
    ok("cgcreate", &["-g", &top.spec("cpu,memory,pids", "")]);
    ok(
        "cgcreate",
        &[
            "-g",
            &top.spec("cpu,memory", "a"),
            "-g",
            &top.spec("pids", "b"),
        ],
    );
    for controller in ["cpu", "memory"] {
        assert!(
            host.dir(controller, &top.path("a")).is_dir(),
            "{controller}"
        );
    }
    assert!(host.dir("pids", &top.path("b")).is_dir());

    ok("cgdelete", &["-g", &top.spec("cpu,memory", "a")]);
    for controller in ["cpu", "memory"] {
        assert!(
            !host.dir(controller, &top.path("a")).exists(),
            "{controller}"
        );
    }

    ok("cgcreate", &["-g", &top.spec("cpu,memory", "a")]);
    ok(
        "cgdelete",
        &[&top.spec("cpu", "a"), &top.spec("memory", "a")],
    );
    for controller in ["cpu", "memory"] {
        assert!(
            !host.dir(controller, &top.path("a")).exists(),
            "{controller}"
        );
    }

    // A missing group, then one that exists: both processed, the first error decides.
    let outcome = run(
        "cgdelete",
        &[&top.spec("memory", "missing"), &top.spec("pids", "b")],
    );
    assert!(!host.dir("pids", &top.path("b")).exists());
    insta::assert_snapshot!(host.redact(&outcome.transcript(), &top), @r"
    --- stderr
    cgdelete: cannot remove group '/[TOP]/missing': No such file or directory
    cgdelete: cannot remove group `/[TOP]/missing`: it does not exist ([MOUNT]/[TOP]/missing)
    --- exit Some(96)
    ");
}

/// `-g *:path` creates the group in every mounted controller's hierarchy, and cgdelete
/// takes it from all of them.
#[test]
fn every_controller_with_a_star() {
    let host = need!(host());
    let top = host.top("star");
    ok_noted("cgcreate", &["-g", &top.spec("*", "")]);
    let controllers: Vec<String> = host
        .table
        .mounted_controllers()
        .into_iter()
        .map(str::to_string)
        .collect();
    for controller in &controllers {
        assert!(host.dir(controller, &top.path("")).is_dir(), "{controller}");
    }
    ok("cgdelete", &["-r", "-g", &top.spec("*", "")]);
    for controller in &controllers {
        assert!(
            !host.dir(controller, &top.path("")).exists(),
            "{controller}"
        );
    }
}

/// Owners and modes as libcgroup applies them on v1: requested bits limited by each
/// file's owner bits; the task owner on `tasks` and `cgroup.procs`. Running cgcreate again
/// on the group does not re-own it (libcgroup re-owns it to root). An unknown user is an
/// error before anything is created.
#[test]
fn owners_and_modes_on_v1_files() {
    let host = need!(host());
    need!(host.table.v1("cpu"));
    let top = host.top("perm");
    ok("cgcreate", &["-g", &top.spec("cpu", "")]);
    ok(
        "cgcreate",
        &[
            "-a",
            "65534:65534",
            "-t",
            "1:1",
            "-d",
            "750",
            "-f",
            "640",
            "-s",
            "600",
            "-g",
            &top.spec("cpu", "g"),
        ],
    );
    let dir = host.dir("cpu", &top.path("g"));
    let stat = |name: &str| {
        let m = fs::symlink_metadata(dir.join(name)).unwrap();
        (m.mode() & 0o7777, m.uid(), m.gid())
    };
    assert_eq!(stat(""), (0o750, 65534, 65534));
    assert_eq!(stat("tasks"), (0o600, 1, 1));
    assert_eq!(stat("cgroup.procs"), (0o600, 1, 1));
    assert_eq!(stat("cpu.shares"), (0o640, 65534, 65534));
    assert_eq!(
        stat("cpu.stat"),
        (0o440, 65534, 65534),
        "owner bits mask 640"
    );

    ok("cgcreate", &["-g", &top.spec("cpu", "g")]);
    assert_eq!(
        stat(""),
        (0o750, 65534, 65534),
        "an existing group keeps its owner"
    );
    assert_eq!(stat("tasks"), (0o600, 1, 1));

    let outcome = run(
        "cgcreate",
        &["-a", "cgtools-no-such-user", "-g", &top.spec("cpu", "u")],
    );
    assert_eq!(outcome.code, Some(129));
    assert_eq!(
        outcome.stderr.lines().next(),
        Some("cgcreate: can't find uid of user cgtools-no-such-user.")
    );
    assert!(!host.dir("cpu", &top.path("u")).exists());
}

/// The same on the v2 mount: the task owner gets `cgroup.procs` and `cgroup.threads`.
#[test]
fn owners_on_the_v2_mount() {
    let host = need!(host());
    need!(host.table.unified());
    let top = host.top("perm2");
    ok("cgcreate", &["-g", &top.spec("", "")]);
    ok(
        "cgcreate",
        &[
            "-a",
            "65534:65534",
            "-t",
            "1:1",
            "-s",
            "664",
            "-g",
            &top.spec("", "g"),
        ],
    );
    let dir = host.dir("", &top.path("g"));
    let stat = |name: &str| {
        let m = fs::symlink_metadata(dir.join(name)).unwrap();
        (m.mode() & 0o7777, m.uid(), m.gid())
    };
    assert_eq!(stat("").1, 65534);
    assert_eq!(
        stat("cgroup.procs"),
        (0o664, 1, 1),
        "0644 owner bits allow rw for all"
    );
    assert_eq!(stat("cgroup.threads").1, 1);
    assert_eq!(stat("cgroup.type").1, 65534);
}

/// cgset: -R reaches the whole subtree, without -R only the group; --copy-from copies;
/// the other version's names are translated with a note.
#[test]
fn set_recursive_copy_from_and_translation() {
    let host = need!(host());
    need!(host.table.serving("cpu"));
    let (name, value, default, other, other_value) = match host.version("cpu") {
        Version::V1 => ("cpu.shares", "512", "1024", "cpu.weight", "50"),
        Version::V2 => ("cpu.weight", "50", "100", "cpu.shares", "512"),
    };
    let top = host.top("set");
    ok_noted("cgcreate", &["-g", &top.spec("cpu", "")]);
    ok(
        "cgcreate",
        &["-g", &top.spec("cpu", "a/b"), "-g", &top.spec("cpu", "c")],
    );
    let file = |rest: &str| host.dir("cpu", &top.path(rest)).join(name);

    ok(
        "cgset",
        &["-R", "-r", &format!("{name}={value}"), &top.path("a")],
    );
    assert_eq!(read(&file("a")), value);
    assert_eq!(read(&file("a/b")), value);
    assert_eq!(read(&file("c")), default, "outside the subtree");

    ok(
        "cgset",
        &["-r", &format!("{name}={default}"), &top.path("a")],
    );
    assert_eq!(read(&file("a")), default);
    assert_eq!(read(&file("a/b")), value, "without -R only the group");

    ok("cgset", &["--copy-from", &top.path("a/b"), &top.path("c")]);
    assert_eq!(read(&file("c")), value);

    ok(
        "cgset",
        &["-r", &format!("{name}={default}"), &top.path("c")],
    );
    let notes = ok_noted(
        "cgset",
        &["-r", &format!("{other}={other_value}"), &top.path("c")],
    );
    assert_eq!(read(&file("c")), value);
    assert_eq!(
        notes,
        format!(
            "cgset: note: translated to this host's cgroup version: \
             {other}={other_value} -> {name}={value}\n"
        )
    );
    // Several groups in one call, and a recursive copy.
    ok(
        "cgset",
        &[
            "-r",
            &format!("{name}={default}"),
            &top.path("a/b"),
            &top.path("c"),
        ],
    );
    assert_eq!(read(&file("a/b")), default);
    assert_eq!(read(&file("c")), default);
    ok("cgset", &["-r", &format!("{name}={value}"), &top.path("c")]);
    ok(
        "cgset",
        &["-R", "--copy-from", &top.path("c"), &top.path("a")],
    );
    assert_eq!(read(&file("a")), value);
    assert_eq!(read(&file("a/b")), value);
}

/// What a user sees when the kernel refuses a value, the group or the setting is missing,
/// and that the first failure stops the command. pids.max has one name on v1 and v2, so the
/// messages are the same in every host mode.
#[test]
fn set_errors() {
    let host = need!(host());
    need!(host.table.serving("pids"));
    let top = host.top("err");
    ok_noted("cgcreate", &["-g", &top.spec("pids", "")]);
    ok("cgcreate", &["-g", &top.spec("pids", "r")]);
    let transcript = |args: &[&str]| {
        let mut out = format!("$ cgset {}\n", args.join(" "));
        out.push_str(&run("cgset", args).transcript());
        host.redact(&out, &top)
    };
    let r = top.path("r");
    let missing = top.path("missing");
    let text = [
        transcript(&["-r", "pids.max=abc", &r]),
        transcript(&["-r", "pids.max=10", &missing]),
        transcript(&["-r", "pids.nope=1", &r]),
        transcript(&[
            "-r",
            "pids.max=10",
            "-r",
            "pids.nope=1",
            "-r",
            "pids.max=20",
            &r,
        ]),
        transcript(&["-r", "pids.max=30", &missing, &r]),
    ]
    .join("\n");
    insta::assert_snapshot!(text, @r"
    $ cgset -r pids.max=abc /[TOP]/r
    --- stderr
    cgset: cgroup modify error: Invalid argument
    cgset: kernel rejected value `abc` for `pids.max`: Invalid argument ([MOUNT]/[TOP]/r/pids.max)
    --- exit Some(96)

    $ cgset -r pids.max=10 /[TOP]/missing
    --- stderr
    cgset: cgroup modify error: Cgroup, requested group parameter does not exist
    cgset: cannot write group `/[TOP]/missing`: it does not exist ([MOUNT]/[TOP]/missing)
    cgset: hint: create it first: cgcreate -g pids:/[TOP]/missing
    --- exit Some(95)

    $ cgset -r pids.nope=1 /[TOP]/r
    --- stderr
    cgset: cgroup modify error: Cgroup, requested group parameter does not exist
    cgset: cannot write `pids.nope`: the group has no such setting ([MOUNT]/[TOP]/r/pids.nope)
    --- exit Some(95)

    $ cgset -r pids.max=10 -r pids.nope=1 -r pids.max=20 /[TOP]/r
    --- stderr
    cgset: cgroup modify error: Cgroup, requested group parameter does not exist
    cgset: cannot write `pids.nope`: the group has no such setting ([MOUNT]/[TOP]/r/pids.nope)
    --- exit Some(95)

    $ cgset -r pids.max=30 /[TOP]/missing /[TOP]/r
    --- stderr
    cgset: cgroup modify error: Cgroup, requested group parameter does not exist
    cgset: cannot write group `/[TOP]/missing`: it does not exist ([MOUNT]/[TOP]/missing)
    cgset: hint: create it first: cgcreate -g pids:/[TOP]/missing
    --- exit Some(95)
    ");
    assert_eq!(
        read(&host.dir("pids", &r).join("pids.max")),
        "10",
        "settings after a failure are not written, nor later groups"
    );
}

/// cgroup.subtree_control tokens: applied one by one; with -R `+` top-down and `-`
/// bottom-up through the groups that have children, leaves skipped.
#[test]
fn subtree_control_tokens() {
    let host = need!(host());
    let v2 = need!(host.table.unified());
    let offered = &v2.controllers;
    let Some(controller) = ["pids", "memory", "hugetlb"]
        .into_iter()
        .find(|c| offered.iter().any(|o| o == c))
        .or_else(|| offered.first().map(String::as_str))
    else {
        skip!("the v2 mount serves no controller");
    };
    if host.version(controller) != Version::V2 {
        skip!("`{controller}` is served by a v1 hierarchy here");
    }
    let controller = controller.to_string();
    let top = host.top("subtree");
    ok_noted("cgcreate", &["-g", &top.spec(&controller, "")]);
    ok("cgcreate", &["-g", &top.spec("", "a/b")]);
    let enabled = |rest: &str| {
        read(&host.dir("", &top.path(rest)).join("cgroup.subtree_control"))
            .split_whitespace()
            .any(|c| c == controller)
    };
    let rule = |sign: char| format!("cgroup.subtree_control={sign}{controller}");

    ok("cgset", &["-R", "-r", &rule('+'), &top.path("")]);
    assert!(enabled("") && enabled("a"));
    assert!(!enabled("a/b"), "leaves are skipped");
    let offered_to_b = read(&host.dir("", &top.path("a/b")).join("cgroup.controllers"));
    assert!(offered_to_b.split_whitespace().any(|c| c == controller));

    ok("cgset", &["-R", "-r", &rule('-'), &top.path("")]);
    assert!(!enabled("") && !enabled("a"), "disabled bottom-up");

    // Tokens go one by one: the good one stays when the next one fails.
    ok("cgset", &["-r", &rule('+'), &top.path("")]);
    let outcome = run(
        "cgset",
        &[
            "-r",
            &format!("cgroup.subtree_control=+{controller} +cgtools_bogus"),
            &top.path("a"),
        ],
    );
    assert_ne!(outcome.code, Some(0));
    assert!(
        outcome.stderr.starts_with("cgset: cgroup modify error: "),
        "{}",
        outcome.stderr
    );
    assert!(enabled("a"));
}

/// cgdelete without -r on a group that still has a task does what libcgroup's does: the
/// task moves to the group's parent and keeps running, the group is removed, nothing is
/// printed, exit 0. On v2 a parent that enables controllers for its child groups cannot
/// hold processes: the task climbs to the nearest ancestor that can (here the root, as the
/// top group enables the controller too) and one note on stderr says how many went where
/// and why. Run with memory (v1 on a hybrid host, v2 in the VM lane) and, on a hybrid
/// host, with the v2 mount's hugetlb too, so that both lanes see both cases.
#[test]
fn delete_moves_the_tasks_to_the_parent() {
    let host = need!(host());
    let served_by = |controller: &str, version: Version| {
        host.table.find(controller).is_some() && host.version(controller) == version
    };
    let mut controllers = Vec::new();
    match host.table.serving("memory") {
        Ok(_) => controllers.push("memory"),
        Err(why) => skip_part!(why),
    }
    if !served_by("memory", Version::V2) && served_by("hugetlb", Version::V2) {
        controllers.push("hugetlb");
    }
    if !controllers.iter().any(|c| host.version(c) == Version::V2) {
        skip_part!(Skip::because(
            "the v2 part: neither memory nor hugetlb is served by cgroup v2"
        ));
    }
    for controller in controllers {
        let top = host.top("del");
        // Directly under the root: may enable the controller there (with a note).
        ok_noted("cgcreate", &["-g", &top.spec(controller, "")]);
        ok("cgcreate", &["-g", &top.spec(controller, "a/b")]);
        let b = host.dir(controller, &top.path("a/b"));
        let mut sleeper = Spawned::sleeper();
        fs::write(b.join("cgroup.procs"), sleeper.pid().to_string()).unwrap();
        assert_eq!(group_of(&host, sleeper.pid(), controller), top.path("a/b"));

        let outcome = run("cgdelete", &[&top.spec(controller, "a/b")]);
        let transcript = host.redact(&outcome.transcript(), &top);
        assert!(!b.exists(), "{controller}: {transcript}");
        assert!(sleeper.alive(), "{controller}: cgdelete never kills");
        match host.version(controller) {
            Version::V1 => {
                assert_eq!(transcript, "--- exit Some(0)\n", "{controller}");
                assert_eq!(group_of(&host, sleeper.pid(), controller), top.path("a"));
            }
            Version::V2 => {
                assert_eq!(
                    transcript,
                    "--- stderr\n\
                     cgdelete: note: moved 1 task(s) of /[TOP]/a/b to /, the nearest group above \
                     it that can hold processes: its parent /[TOP]/a enables controllers for its \
                     child groups\n\
                     --- exit Some(0)\n",
                    "{controller}"
                );
                assert_eq!(group_of(&host, sleeper.pid(), controller), "/");
            }
        }
    }
}

/// A group with child groups is refused without -r, with libcgroup's line and status
/// ("Device or resource busy", 96), our reason and a hint, and before any task moves
/// (libcgroup moves the group's tasks to the parent first and then fails, leaving the work
/// half done). -r removes the child groups too, moving the tasks to the parent. Nothing is
/// ever killed.
#[test]
fn delete_refuses_child_groups_before_moving_a_task() {
    let host = need!(host());
    // A v1 memory hierarchy if there is one, else a controller-less v2 group, which may
    // hold processes and have child groups at once.
    let controller = if host.table.find("memory").is_some_and(|m| !m.v2) {
        "memory"
    } else if host.table.unified().is_ok() {
        ""
    } else {
        skip!("neither v1 memory nor a v2 mount");
    };
    let top = host.top("kids");
    ok(
        "cgcreate",
        &[
            "-g",
            &top.spec(controller, "a/c"),
            "-g",
            &top.spec(controller, "e/f"),
        ],
    );
    let mut sleeper = Spawned::sleeper();
    let a = host.dir(controller, &top.path("a"));
    fs::write(a.join("cgroup.procs"), sleeper.pid().to_string()).unwrap();

    let outcome = run(
        "cgdelete",
        &[&top.spec(controller, "a"), &top.spec(controller, "e")],
    );
    insta::assert_snapshot!(host.redact(&outcome.transcript(), &top), @r"
    --- stderr
    cgdelete: cannot remove group '/[TOP]/a': Device or resource busy
    cgdelete: cannot remove group `/[TOP]/a`: it still has 1 task(s) and 1 child group(s) ([MOUNT]/[TOP]/a)
    cgdelete: hint: use -r to remove its child groups too (its tasks and theirs then move to the parent group); none of its tasks was moved
    cgdelete: cannot remove group '/[TOP]/e': Device or resource busy
    cgdelete: cannot remove group `/[TOP]/e`: it still has 0 task(s) and 1 child group(s) ([MOUNT]/[TOP]/e)
    cgdelete: hint: use -r to remove its child groups too (their tasks move to the parent group)
    --- exit Some(96)
    ");
    for group in ["a", "a/c", "e", "e/f"] {
        assert!(host.dir(controller, &top.path(group)).is_dir(), "{group}");
    }
    assert!(sleeper.alive());
    assert_eq!(
        group_of(&host, sleeper.pid(), controller),
        top.path("a"),
        "nothing moved"
    );

    ok("cgdelete", &["-r", &top.spec(controller, "a")]);
    assert!(!a.exists());
    assert!(sleeper.alive(), "cgdelete -r never kills");
    assert_eq!(group_of(&host, sleeper.pid(), controller), top.path(""));
}

/// cgxset: names in the other version's vocabulary are converted; one without a
/// counterpart fails with exit 111 unless -i leaves it out.
#[test]
fn cgxset_converts_and_ignores_unmappable() {
    let host = need!(host());
    need!(host.table.serving("memory"));
    let (flag, limit, unmappable, native) = match host.version("memory") {
        Version::V1 => (
            "-2",
            "memory.max",
            "memory.swap.max=0",
            "memory.limit_in_bytes",
        ),
        Version::V2 => (
            "-1",
            "memory.limit_in_bytes",
            "memory.swappiness=5",
            "memory.max",
        ),
    };
    let top = host.top("x");
    ok_noted("cgcreate", &["-g", &top.spec("memory", "")]);
    let file = host.dir("memory", &top.path("")).join(native);

    ok(
        "cgxset",
        &[flag, "-r", &format!("{limit}=64M"), &top.path("")],
    );
    assert_eq!(read(&file), "67108864");

    let outcome = run("cgxset", &[flag, "-r", unmappable, &top.path("")]);
    assert_eq!(outcome.code, Some(111), "{}", outcome.stderr);
    assert!(outcome.stderr.starts_with(
        "cgxset: cgroup modify error: Failed to convert from cgroup v1 to/from cgroup v2\n"
    ));

    let notes = ok_noted(
        "cgxset",
        &[
            flag,
            "-i",
            "-r",
            unmappable,
            "-r",
            &format!("{limit}=32M"),
            &top.path(""),
        ],
    );
    assert!(notes.starts_with("cgxset: note: skipped: "), "{notes}");
    assert_eq!(read(&file), "33554432");
}

/// An unknown controller is libcgroup's exit 84 for cgcreate and cgdelete alike.
#[test]
fn unknown_controllers() {
    let host = need!(host());
    let top = host.top("unknown");
    let outcome = run("cgcreate", &["-g", &top.spec("cgtools_nope", "")]);
    assert_eq!(outcome.code, Some(84));
    assert!(outcome.stderr.starts_with(&format!(
        "cgcreate: can't create cgroup {}: Cgroup one of the needed subsystems is not mounted\n",
        top.path("")
    )));
    let outcome = run("cgdelete", &[&top.spec("cgtools_nope", "")]);
    assert_eq!(outcome.code, Some(84));
}
