//! Differential test: the same command sequences through Debian's cgroup-tools (libcgroup
//! 2.0.2) and through ours, on the same host, comparing stdout and exit codes. Each side
//! works on its own group (the names are normalised before comparing). A difference is a
//! failure unless the case says it is one of the deliberate differences of
//! `docs/compat.md`, and then the case asserts that exact difference, so a change on
//! either side is noticed.
//!
//! Skips without root, without Debian's tools (`apt-get install cgroup-tools`; the
//! test script installs them), or without v1 cpu and memory hierarchies (libcgroup 2.0.2
//! is a v1 tool here).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use cgtools_e2e::bin;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    stdout: String,
    code: Option<i32>,
}

fn theirs(tool: &str) -> Option<PathBuf> {
    ["/usr/bin", "/usr/sbin"]
        .iter()
        .map(|d| Path::new(d).join(tool))
        .find(|p| p.exists())
}

fn run(program: &Path, args: &[String]) -> Run {
    let out = Command::new(program).args(args).output().unwrap();
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        code: out.status.code(),
    }
}

/// Removes whatever a side left under its group in cpu and memory.
struct Cleanup(Vec<PathBuf>);
impl Drop for Cleanup {
    fn drop(&mut self) {
        for dir in &self.0 {
            if dir.is_dir() {
                let _ = Command::new("find")
                    .arg(dir)
                    .args(["-depth", "-type", "d", "-exec", "rmdir", "{}", ";"])
                    .status();
            }
        }
    }
}

/// How the two sides must relate for one command.
enum Expect {
    /// Same stdout and exit code.
    Same,
    /// Same exit code; the same lines in another order (our listings are sorted).
    SameSorted,
    /// A documented difference: their exit code and ours, and why (compat.md's words).
    Differs {
        theirs: Option<i32>,
        ours: Option<i32>,
        why: &'static str,
    },
}

#[test]
fn the_same_sequences_behave_the_same() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipping: not root");
        return;
    }
    let Some(_) = theirs("cgcreate") else {
        eprintln!("skipping: Debian's cgroup-tools are not installed");
        return;
    };
    let cpu = Path::new("/sys/fs/cgroup/cpu");
    let memory = Path::new("/sys/fs/cgroup/memory");
    if !cpu.join("cpu.shares").exists() || !memory.join("memory.limit_in_bytes").exists() {
        eprintln!("skipping: no v1 cpu and memory hierarchies");
        return;
    }
    let pid = std::process::id();
    let group = |side: &str| format!("cgtools-diff-{pid}-{side}");
    let _cleanup = Cleanup(
        ["theirs", "ours"]
            .iter()
            .flat_map(|s| [cpu.join(group(s)), memory.join(group(s))])
            .collect(),
    );

    use Expect::*;
    let cases: Vec<(&str, Vec<&str>, Expect)> = vec![
        ("cgcreate", vec!["-g", "cpu,memory:G/child"], Same),
        ("cgset", vec!["-r", "cpu.shares=512", "G/child"], Same),
        (
            "cgset",
            vec!["-r", "memory.limit_in_bytes=50000000", "G/child"],
            Same,
        ),
        ("cgget", vec!["-r", "cpu.shares", "G/child"], Same),
        (
            "cgget",
            vec!["-r", "memory.limit_in_bytes", "-r", "cpu.shares", "G/child"],
            Same,
        ),
        (
            "cgget",
            vec!["-n", "-v", "-r", "memory.limit_in_bytes", "G/child"],
            Same,
        ),
        ("cgget", vec!["-g", "cpu:G/child"], SameSorted),
        ("cgset", vec!["-r", "cpu.shares=abc", "G/child"], Same),
        ("cgset", vec!["-r", "cpu.no_such_file=1", "G/child"], Same),
        ("lscgroup", vec!["cpu:/G"], Same),
        ("lscgroup", vec!["memory:/G/child"], Same),
        ("cgexec", vec!["-g", "memory:G/child", "true"], Same),
        ("cgexec", vec!["-g", "memory:G/nonexistent", "true"], Same),
        (
            "cgexec",
            vec!["-g", "nosuchcontroller:G/child", "true"],
            Same,
        ),
        (
            "cgcreate",
            vec!["-a", "cgtools-no-such-user", "-g", "cpu:G/x"],
            Differs {
                theirs: Some(0),
                ours: Some(129),
                why: "cgcreate -a nosuchuser: message, exit 0 -> exit 129, nothing created",
            },
        ),
        (
            "cgset",
            vec!["-r", "foo=1", "G/child"],
            Differs {
                theirs: Some(0),
                ours: Some(129),
                why: "cgset -r foo=1: exit 0 -> exit 129",
            },
        ),
        (
            "cgdelete",
            vec!["-g", "cpu,memory:G/child"],
            Same, // both exit 0; the difference is what is left, checked below
        ),
    ];

    let mut failures = Vec::new();
    for (tool, args, expect) in &cases {
        let outcome = |side: &str, program: &Path| {
            let args: Vec<String> = args.iter().map(|a| a.replace('G', &group(side))).collect();
            let mut r = run(program, &args);
            r.stdout = r.stdout.replace(&group(side), "G");
            r
        };
        let t = outcome("theirs", &theirs(tool).unwrap());
        let o = outcome("ours", &bin(tool));
        let line = format!("{tool} {}", args.join(" "));
        // Both sides failing the same way would compare equal: pin what success looks like.
        if line == "cgget -r cpu.shares G/child" {
            assert_eq!(o.stdout, "G/child:\ncpu.shares: 512\n\n");
        }
        match expect {
            Same if t.stdout != o.stdout || t.code != o.code => failures.push(format!(
                "{line}: theirs exit {:?}\n{}ours exit {:?}\n{}",
                t.code, t.stdout, o.code, o.stdout
            )),
            SameSorted => {
                let sorted = |s: &str| {
                    let mut lines: Vec<&str> = s.lines().collect();
                    lines.sort_unstable();
                    lines.join("\n")
                };
                if sorted(&t.stdout) != sorted(&o.stdout) || t.code != o.code {
                    failures.push(format!(
                        "{line} (sorted): theirs exit {:?}\n{}ours exit {:?}\n{}",
                        t.code, t.stdout, o.code, o.stdout
                    ));
                }
            }
            Differs { theirs, ours, why } if (t.code, o.code) != (*theirs, *ours) => {
                failures.push(format!(
                    "{line}: documented difference ({why}) expected exits {theirs:?} / {ours:?}, got {:?} / {:?}",
                    t.code, o.code
                ))
            }
            _ => {}
        }
    }
    // The multi-controller cgdelete: libcgroup removes only the first controller's
    // directory (compat.md: "removes only the first"), we remove both.
    assert!(
        memory.join(group("theirs")).join("child").exists(),
        "libcgroup 2.0.2 was expected to leave memory:/G/child"
    );
    assert!(!memory.join(group("ours")).join("child").exists());
    assert!(!cpu.join(group("ours")).join("child").exists());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A `sleep` spawned for a case; killed and reaped on drop.
struct Sleep(std::process::Child);
impl Drop for Sleep {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The group of `pid` in the v1 memory hierarchy.
fn memory_group_of(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/cgroup"))
        .unwrap()
        .lines()
        .find_map(|l| l.split_once(":memory:").map(|(_, path)| path.to_string()))
        .unwrap()
}

/// cgdelete without -r on groups that are not empty, through both suites (v1 memory):
/// - a group with a task: both move the task to the parent (still running), remove the
///   group, print nothing and exit 0;
/// - a group with a child group and no task: both refuse, exit 96, the same first line;
/// - a group with a task and a child group: both refuse, exit 96, the same first line,
///   but libcgroup has already moved the task to the parent when its rmdir fails, and we
///   move nothing (compat.md: refused before any task moves).
#[test]
fn cgdelete_of_groups_that_are_not_empty() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipping: not root");
        return;
    }
    let Some(their_cgdelete) = theirs("cgdelete") else {
        eprintln!("skipping: Debian's cgroup-tools are not installed");
        return;
    };
    let memory = Path::new("/sys/fs/cgroup/memory");
    if !memory.join("memory.limit_in_bytes").exists() {
        eprintln!("skipping: no v1 memory hierarchy");
        return;
    }
    let pid = std::process::id();
    let group = |side: &str| format!("cgtools-diff-{pid}-del-{side}");
    let _cleanup = Cleanup(vec![
        memory.join(group("theirs")),
        memory.join(group("ours")),
    ]);
    let spawn_in = |dir: &Path| {
        let sleep = Sleep(
            Command::new("sleep")
                .arg("300")
                .stdin(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
        std::fs::write(dir.join("tasks"), sleep.0.id().to_string()).unwrap();
        sleep
    };
    // (exit, first stderr line without the program's path, sleep in "busy", sleep in
    // "both", whether "both" is left)
    let mut sides = Vec::new();
    for (side, program) in [("theirs", their_cgdelete), ("ours", bin("cgdelete"))] {
        let g = memory.join(group(side));
        for dir in ["busy", "kids/c", "both/c"] {
            std::fs::create_dir_all(g.join(dir)).unwrap();
        }
        let mut busy = spawn_in(&g.join("busy"));
        let mut both = spawn_in(&g.join("both"));
        let outcome = |rest: &str| {
            let out = Command::new(&program)
                .arg(format!("memory:{}/{rest}", group(side)))
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr).replace(&group(side), "G");
            let first = stderr.lines().next().unwrap_or_default().to_string();
            (
                out.status.code(),
                first.trim_start_matches("/usr/bin/").to_string(),
            )
        };
        let results = [outcome("busy"), outcome("kids"), outcome("both")];
        assert!(busy.0.try_wait().unwrap().is_none(), "{side} killed a task");
        assert!(both.0.try_wait().unwrap().is_none(), "{side} killed a task");
        sides.push((
            results,
            memory_group_of(busy.0.id()).replace(&group(side), "G"),
            memory_group_of(both.0.id()).replace(&group(side), "G"),
            g.join("busy").exists(),
            g.join("both").exists(),
        ));
    }
    let (theirs, ours) = (&sides[0], &sides[1]);
    assert_eq!(theirs.0[0], (Some(0), String::new()), "a group with a task");
    assert_eq!(ours.0[0], theirs.0[0], "a group with a task");
    assert_eq!((theirs.1.as_str(), theirs.3), ("/G", false));
    assert_eq!((ours.1.as_str(), ours.3), ("/G", false));
    let busy = |rest: &str| {
        (
            Some(96),
            format!("cgdelete: cannot remove group 'G/{rest}': Device or resource busy"),
        )
    };
    assert_eq!(theirs.0[1], busy("kids"), "a group with a child group");
    assert_eq!(ours.0[1], busy("kids"), "a group with a child group");
    assert_eq!(theirs.0[2], busy("both"), "a group with a task and a child");
    assert_eq!(ours.0[2], busy("both"), "a group with a task and a child");
    assert!(theirs.4 && ours.4, "both keep a group with a child");
    // The documented difference: libcgroup moved the task before failing; we did not.
    assert_eq!(
        theirs.2, "/G",
        "libcgroup 2.0.2 was expected to move the task"
    );
    assert_eq!(ours.2, "/G/both", "nothing moves when the group is refused");
}
