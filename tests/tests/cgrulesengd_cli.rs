//! cgrulesengd's command line: its help, and its usage errors side by side with libcgroup's
//! daemon (Debian's `/usr/sbin/cgrulesengd`, cgroup-tools 2.0.2): the same exit status and
//! getopt's line in our stderr. Libcgroup's daemon is only ever given command lines it
//! refuses while parsing its options, never one that would start it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use test_support::{run_in, skip};

const THEIRS: &str = "/usr/sbin/cgrulesengd";

#[test]
fn help() {
    let dir = tempfile::tempdir().unwrap();
    let help = run_in(dir.path(), "cgrulesengd", &["--help"]);
    assert_eq!(help.code, Some(0), "{}", help.transcript());
    insta::assert_snapshot!(help.stdout);
    let short = run_in(dir.path(), "cgrulesengd", &["-h"]);
    assert_eq!(short.code, Some(0));
    insta::assert_snapshot!(short.stdout);
    // An abbreviated long option, as getopt_long takes it.
    assert_eq!(run_in(dir.path(), "cgrulesengd", &["--he"]).code, Some(0));
}

/// Command lines every version of libcgroup's daemon refuses while parsing its options
/// (so it never starts), with the status it gives.
const REFUSED: &[(&[&str], i32)] = &[
    (&["-x"], 2),
    (&["-vx"], 2),
    (&["--foo"], 2),
    (&["-f"], 2),
    (&["--logfile"], 2),
    (&["--help=x"], 2),
    (&["--nodaemon=x"], 2),
    (&["-s9"], 2),
    (&["--syslog=daemon"], 2),
    (&["-n", "-u", "cgtools-no-such-user"], 3),
    (&["-n", "--socket-group=cgtools-no-such-group"], 3),
];

#[test]
fn usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut transcript = String::new();
    for (args, code) in REFUSED {
        let ours = run_in(dir.path(), "cgrulesengd", args);
        assert_eq!(ours.code, Some(*code), "{args:?}: {}", ours.transcript());
        assert!(ours.stdout.is_empty(), "{args:?}: {}", ours.transcript());
        transcript.push_str(&format!(
            "$ cgrulesengd {}\n{}",
            args.join(" "),
            ours.stderr
        ));
    }
    insta::assert_snapshot!(transcript);
}

/// Runs libcgroup's daemon with a command line it refuses; kills it (and fails) should it
/// ever start. `-n` comes first, so that a daemon that did start would stay the child
/// this function kills, not a detached process (its options are all parsed before it
/// acts, so `-n` changes no refusal).
fn theirs(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(THEIRS)
        .arg("-n")
        .args(args)
        .current_dir("/")
        .env_remove("CGROUP_LOGLEVEL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{THEIRS} {args:?} did not refuse its options");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn usage_errors_like_libcgroups_daemon() {
    if !std::path::Path::new(THEIRS).exists() {
        skip!("libcgroup's daemon (cgroup-tools) is not installed");
    }
    if !nix::unistd::getuid().is_root() {
        // Theirs refuses every command line of a user who is not root, before its options.
        skip!("libcgroup's daemon answers only root about its options");
    }
    let dir = tempfile::tempdir().unwrap();
    for (args, _) in REFUSED {
        let (code, stderr) = theirs(args);
        let ours = run_in(dir.path(), "cgrulesengd", args);
        assert_eq!(
            ours.code,
            code,
            "{args:?}: ours\n{}\ntheirs\n{stderr}",
            ours.transcript()
        );
        // Their first line (getopt's, with their argv[0]), word for word in ours.
        let first = stderr
            .lines()
            .next()
            .unwrap_or_default()
            .replace(THEIRS, "cgrulesengd");
        assert!(
            ours.stderr.lines().any(|l| l == first),
            "{args:?}: `{first}` not in ours:\n{}",
            ours.stderr
        );
    }
    // Both ignore an argument that is not an option: with -h, both print help and exit 0.
    let (code, _) = theirs(&["extra", "-h"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        run_in(dir.path(), "cgrulesengd", &["extra", "-h"]).code,
        Some(0)
    );
}

/// The unit: a notify service in the foreground, reloaded with libcgroup's signal, checked
/// by systemd-analyze where systemd is installed.
#[test]
fn the_unit_runs_it_in_the_foreground_as_a_notify_service() {
    let path = test_support::repo_root().join("etc/systemd/cgrulesengd.service");
    let text = std::fs::read_to_string(&path).unwrap();
    for line in [
        "Type=notify",
        "ExecStart=/usr/sbin/cgrulesengd -n",
        "ExecReload=/bin/kill -USR2 $MAINPID",
        "WantedBy=multi-user.target",
    ] {
        assert!(text.lines().any(|l| l == line), "the unit lacks {line}");
    }
    match Command::new("systemd-analyze").arg("--version").output() {
        Ok(out) if out.status.success() => {}
        _ => skip!("systemd-analyze is not installed"),
    }
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("cgrulesengd.service");
    let ours = test_support::bin("cgrulesengd");
    std::fs::write(
        &unit,
        text.replace("/usr/sbin/cgrulesengd", ours.to_str().unwrap()),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in stderr.lines() {
        // The man page the unit names is not installed on a test machine, nor are the
        // units it is ordered after.
        let expected = (line.contains("Command 'man ") && line.contains("failed with code"))
            || line.contains("cgconfigd")
            || line.trim().is_empty();
        assert!(expected, "systemd-analyze verify: {line}");
    }
}

/// A user who is not root gets libcgroup's line and status 1, once the options are read
/// (so `-h` still answers).
#[test]
fn only_root_starts_it() {
    use std::os::unix::process::CommandExt;
    if !nix::unistd::getuid().is_root() {
        skip!("needs root to run it as another user");
    }
    let dir = tempfile::tempdir().unwrap();
    let as_nobody = |args: &[&str]| {
        Command::new(test_support::bin("cgrulesengd"))
            .args(args)
            .current_dir("/")
            .env("CGTOOLS_ETC", dir.path())
            .uid(65534)
            .gid(65534)
            .stdin(Stdio::null())
            .output()
    };
    let out = match as_nobody(&["-n"]) {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            skip!("user 65534 cannot run the built binary here: {e}")
        }
        Err(e) => panic!("{e}"),
    };
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Error: Only root can start/stop the control group rules engine daemon\n"
    );
    assert_eq!(as_nobody(&["-h"]).unwrap().status.code(), Some(0));
}
