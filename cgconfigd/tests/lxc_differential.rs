//! `cgconfigd ls` and `info` against LXC's own `lxc-ls` and `lxc-info`, on the same
//! container directory, where Debian's `lxc` is installed (`scripts/packages.sh lxc`; it is
//! not in the suites' package lists because its `lxc-net` service sets up a bridge on a
//! systemd host). The containers are made with `lxc-create -P DIR -t busybox` in a
//! temporary directory, with an empty network (`lxc.net.0.type = empty`); nothing is
//! started, so neither tool creates a group, and the host's `/var/lib/lxc` is never read.
//! Not a `kernel_*` suite: it needs LXC, not a particular kernel, and skips (counted)
//! without it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use test_support::{bin, need, skip, Host, Outcome, TestGroups};

fn lxc(tool: &str, args: &[&str]) -> Outcome {
    Outcome::of(Command::new(tool).args(args).stdin(Stdio::null()))
}

fn create(lxcpath: &Path, name: &str, base: &Path, extra: &str) {
    let out = lxc(
        "lxc-create",
        &[
            "-P",
            lxcpath.to_str().unwrap(),
            "-t",
            "busybox",
            "-n",
            name,
            "-f",
            base.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, Some(0), "lxc-create {name}: {}", out.transcript());
    let config = lxcpath.join(name).join("config");
    let mut text = fs::read_to_string(&config).unwrap();
    text.push_str(extra);
    fs::write(config, text).unwrap();
}

#[test]
fn ls_and_info_print_what_lxc_ls_and_lxc_info_print() {
    if Command::new("lxc-ls").arg("--version").output().is_err() {
        skip!("Debian's lxc is not installed (scripts/packages.sh lxc)");
    }
    let host = need!(Host::for_test());
    let groups = TestGroups::tagged(&host, "lxcdiff");
    let dir = tempfile::tempdir().unwrap();
    let lxcpath = dir.path().join("lxc");
    let base = dir.path().join("base.conf");
    fs::write(
        &base,
        "lxc.net.0.type = empty\nlxc.apparmor.profile = unconfined\n",
    )
    .unwrap();
    create(&lxcpath, "c1", &base, "");
    create(
        &lxcpath,
        "db",
        &base,
        "lxc.group = db\nlxc.start.order = 3\n",
    );
    create(
        &lxcpath,
        "web-frontend",
        &base,
        "lxc.start.auto = 1\nlxc.group = onboot web\n",
    );
    create(
        &lxcpath,
        "priv",
        &base,
        "lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n",
    );
    // A config LXC refuses: left out by both (each says so on stderr), its long name
    // widening nothing.
    create(&lxcpath, "a-very-broken-one", &base, "lxc.start.auto = 7\n");
    // Not started: a boot container would be, and the comparison is of stopped ones.
    let state = dir.path().join("state");
    let mut daemon = Command::new(bin("cgconfigd"))
        .args([
            "-c",
            "/nonexistent/cgconfig.conf",
            "-d",
            "/nonexistent/cgconfig.d",
        ])
        .arg("--state-dir")
        .arg(&state)
        .arg("--lxcpath")
        .arg(&lxcpath)
        .args(["--base", &groups.prefix, "--boot-groups", "nothing-boots"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !state.join("control").exists() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no control socket"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let ours = |args: &[&str]| {
        let mut c = Command::new(bin("cgconfigd"));
        c.arg("--state-dir").arg(&state).args(args);
        Outcome::of(c.stdin(Stdio::null()))
    };
    let p = lxcpath.to_str().unwrap();
    let pairs: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (vec!["ls", "-f"], vec!["-P", p, "-f"]),
        (vec!["ls"], vec!["-P", p]),
        (vec!["ls", "-1"], vec!["-P", p, "-1"]),
        (
            vec!["ls", "-f", "-F", "NAME,AUTOSTART,GROUPS,UNPRIVILEGED"],
            vec!["-P", p, "-f", "-F", "NAME,AUTOSTART,GROUPS,UNPRIVILEGED"],
        ),
        // -F without -f: the names, as without it.
        (
            vec!["ls", "-F", "NAME,STATE"],
            vec!["-P", p, "-F", "NAME,STATE"],
        ),
    ];
    for (mine, theirs) in pairs {
        let a = ours(&mine);
        let b = lxc("lxc-ls", &theirs);
        assert_eq!(a.code, Some(0), "{}", a.transcript());
        assert_eq!(
            a.stdout, b.stdout,
            "cgconfigd {mine:?} vs lxc-ls {theirs:?}"
        );
    }
    for name in ["c1", "web-frontend"] {
        let a = ours(&["info", name]);
        let b = lxc("lxc-info", &["-P", p, "-n", name]);
        assert_eq!(a.stdout, b.stdout, "info {name}");
        let a = ours(&["info", name, "-s"]);
        let b = lxc("lxc-info", &["-P", p, "-n", name, "-s"]);
        assert_eq!(a.stdout, b.stdout, "info -s {name}");
    }
    let _ = daemon.kill();
    let _ = daemon.wait();
}
