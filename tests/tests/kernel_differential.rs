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
