//! cgconfigd's command line, its dry run on the example configuration, the systemd units
//! and the install target: what an administrator or a packager sees. (The service itself
//! is tested on the real kernel in `cgconfigd/tests/kernel_daemon.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::fs;
use std::path::Path;
use std::process::Command;
use test_support::{bin, repo_root, run_in, Host};

#[test]
fn help_and_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let help = run_in(dir.path(), "cgconfigd", &["--help"]);
    assert_eq!(help.code, Some(0));
    insta::assert_snapshot!(help.stdout);
    let short = run_in(dir.path(), "cgconfigd", &["-h"]);
    insta::assert_snapshot!(short.stdout);
    for bad in [
        &["--once", "--dry-run"][..],
        &["--mode", "systemd"],
        &["--base", "a/../b"],
        &["--supervisor", "a/b"],
        &["--log-level", "loud"],
    ] {
        let out = run_in(dir.path(), "cgconfigd", bad);
        assert_eq!(out.code, Some(129), "{bad:?}: {}", out.transcript());
        // clap's error, or a refused value told as `cgconfigd: <why>`, then the usage.
        assert!(
            out.stderr.starts_with("error: ") || out.stderr.starts_with("cgconfigd: "),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("\nUsage: cgconfigd "), "{}", out.stderr);
    }
    let version = run_in(dir.path(), "cgconfigd", &["--version"]);
    assert_eq!(
        version.stdout,
        format!("cgconfigd {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn a_dry_run_of_the_example_configuration_changes_nothing() {
    let state = tempfile::tempdir().unwrap();
    let base = format!("cgconfigd-dry-run-{}", std::process::id());
    let out = run_in(
        &repo_root(),
        "cgconfigd",
        &[
            "--dry-run",
            "-c",
            "etc/cgconfig.conf",
            "-d",
            "etc/cgconfig.d",
            "--state-dir",
            state.path().join("state").to_str().unwrap(),
            "--base",
            &base,
        ],
    );
    assert!(
        !state.path().join("state").exists(),
        "a dry run wrote its state directory"
    );
    let mounts = fs::read_to_string("/proc/self/mountinfo").unwrap();
    for line in mounts.lines().filter(|l| l.contains(" - cgroup")) {
        let mount_point = line.split(' ').nth(4).unwrap();
        assert!(
            !Path::new(mount_point).join(&base).exists(),
            "a dry run created {base} in {mount_point}"
        );
    }
    // The example uses cpu, memory and pids, which either cgroup version serves, and
    // devices settings, which have no cgroup v2 form. A host that lacks one refuses the
    // files, saying where; that is what the dry run is for.
    // What the host serves, from the raw mount table (test_support), not from cgtools.
    let host = Host::read();
    let unserved: Vec<&str> = ["cpu", "memory", "pids"]
        .into_iter()
        .filter(|c| host.find(c).is_none())
        .collect();
    let devices_on_v1 = host.find("devices").is_some_and(|m| !m.v2);
    if !unserved.is_empty() || !devices_on_v1 {
        assert_eq!(out.code, Some(1), "{}", out.transcript());
        assert_eq!(out.stdout, "");
        assert!(
            out.stderr.ends_with(": nothing would be changed\n"),
            "{}",
            out.stderr
        );
        for controller in &unserved {
            let error = format!("error: controller `{controller}` is not mounted on this host");
            assert!(out.stderr.contains(&error), "{}", out.stderr);
        }
        if unserved.is_empty() {
            assert!(
                out.stderr.starts_with(
                    "etc/cgconfig.d/10-web.conf:6:3: error: `devices.deny` has no cgroup v2 \
                     equivalent, and no v1 hierarchy mounts `devices` on this host\n"
                ),
                "{}",
                out.stderr
            );
        }
        return;
    }
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    let first = out.stdout.lines().next().unwrap();
    assert!(
        first.starts_with("etc/cgconfig.conf + 1 drop-in: 3 groups; "),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!(":/{base}/foo")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!(":/{base}/web/frontend")),
        "{}",
        out.stdout
    );
}

#[test]
fn a_missing_main_file_is_empty_and_check_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(
        dir.path(),
        "cgconfigd",
        &["--check", "-c", "none.conf", "-d", "none.d"],
    );
    insta::assert_snapshot!(out.transcript(), @r"
    --- stdout
    none.conf: does not exist (cgconfigd reads it as empty)
    --- exit Some(0)
    ");
}

#[test]
fn a_configuration_error_is_logged_with_one_error_label() {
    // `--once` and `--dry-run` read the file before touching anything, and refuse it.
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("cgconfig.conf"),
        "group a {\n\tcpu { cpu.shares = 5 }\n}\n",
    )
    .unwrap();
    let state = dir.path().join("state");
    let base = format!("cgconfigd-log-{}", std::process::id());
    for mode in ["--once", "--dry-run"] {
        let out = run_in(
            dir.path(),
            "cgconfigd",
            &[
                mode,
                "-c",
                "cgconfig.conf",
                "-d",
                "none.d",
                "--base",
                &base,
                "--state-dir",
                state.to_str().unwrap(),
            ],
        );
        assert_eq!(out.code, Some(1), "{mode}: {}", out.transcript());
        let line = "cgconfigd: cgconfig.conf:2:23: error: expected `;` after the value of \
                    `cpu.shares`, found `}` (hint: every `name = value` ends with `;`)";
        assert!(
            out.stderr.lines().any(|l| l.starts_with(line)),
            "{mode}: {}",
            out.stderr
        );
        for logged in out.stderr.lines().filter(|l| l.starts_with("cgconfigd: ")) {
            assert!(
                logged.matches("error:").count() <= 1,
                "{mode}: a doubled label: {logged}"
            );
        }
    }
}

fn unit(name: &str) -> String {
    fs::read_to_string(repo_root().join("etc/systemd").join(name)).unwrap()
}

#[test]
fn the_units_are_notify_services_early_at_boot() {
    for name in ["cgconfigd.service", "cgconfigd-delegated.service"] {
        let text = unit(name);
        for line in [
            "Type=notify",
            "ExecReload=/bin/kill -HUP $MAINPID",
            "DefaultDependencies=no",
            "Before=basic.target shutdown.target",
            "Conflicts=shutdown.target",
            "RuntimeDirectoryPreserve=yes",
            "WantedBy=sysinit.target",
        ] {
            let has = |l: &str| l == line || l.starts_with(&format!("{line} "));
            assert!(text.lines().any(has), "{name} lacks {line}");
        }
        assert!(!text.contains("RemainAfterExit"), "{name}");
    }
    let delegated = unit("cgconfigd-delegated.service");
    for line in [
        "ExecStart=/usr/sbin/cgconfigd --mode delegated",
        "Delegate=yes",
        "KillMode=process",
    ] {
        assert!(
            delegated.lines().any(|l| l == line),
            "delegated unit lacks {line}"
        );
    }
    // systemd's own check, where systemd is installed (it needs the binary it names).
    let Ok(status) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!("skipping systemd-analyze verify: not installed");
        return;
    };
    if !status.status.success() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for name in ["cgconfigd.service", "cgconfigd-delegated.service"] {
        let text = unit(name).replace("/usr/sbin/cgconfigd", bin("cgconfigd").to_str().unwrap());
        fs::write(dir.path().join(name), text).unwrap();
    }
    // The pages the units name: ours from man/ (laid out as man1, man5, man8), the
    // system's after them (the trailing `:` appends the default search path).
    let manpath = dir.path().join("man");
    for page in fs::read_dir(repo_root().join("man")).unwrap() {
        let page = page.unwrap().path();
        let section = page.extension().unwrap().to_str().unwrap().to_string();
        let into = manpath.join(format!("man{section}"));
        fs::create_dir_all(&into).unwrap();
        std::os::unix::fs::symlink(&page, into.join(page.file_name().unwrap())).unwrap();
    }
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg("--man=yes")
        .arg(dir.path().join("cgconfigd.service"))
        .arg(dir.path().join("cgconfigd-delegated.service"))
        .current_dir(dir.path())
        .env("MANPATH", format!("{}:", manpath.display()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in stderr.lines() {
        // The units verify cleanly on Debian 12's systemd 252 (no DelegateSubgroup=, which
        // is 254+), and every page they name that cgtools ships resolves. A page of
        // systemd's own may be missing where man pages are not installed.
        let systemd_page =
            line.contains("Command 'man systemd.") && line.contains("failed with code");
        assert!(
            systemd_page || line.trim().is_empty(),
            "systemd-analyze verify: {line}"
        );
    }
}

#[test]
fn make_install_honours_prefix_and_destdir() {
    if Command::new("make").arg("--version").output().is_err() {
        eprintln!("skipping: no make");
        return;
    }
    // The binaries cargo built for this test run, wherever its target directory is.
    let built = bin("cgconfigd");
    let profile_dir = built.parent().unwrap();
    let stage = tempfile::tempdir().unwrap();
    let make = |target: &str, targetdir: &Path| {
        Command::new("make")
            .arg(target)
            .arg(format!("DESTDIR={}", stage.path().display()))
            .arg("PREFIX=/opt/cg")
            .arg(format!(
                "PROFILE={}",
                profile_dir.file_name().unwrap().to_str().unwrap()
            ))
            .arg(format!("TARGETDIR={}", targetdir.display()))
            // The dynamic builds of the static tools: the static ones are made by
            // scripts/build-static.sh, which a `cargo test` run does not call.
            .arg("STATIC=no")
            .current_dir(repo_root())
            .output()
            .unwrap()
    };
    // Nothing built: install refuses, names what is missing, and installs nothing.
    let empty = tempfile::tempdir().unwrap();
    let out = make("install", empty.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "install without binaries succeeded");
    for tool in ["cgconfigd", "cgrulesengd", "cgcreate", "lssubsys", "cgexec"] {
        assert!(
            stderr.contains(&format!("/{tool}")),
            "{tool} not named: {stderr}"
        );
    }
    assert_eq!(
        fs::read_dir(stage.path()).unwrap().count(),
        0,
        "something was installed"
    );
    let run = |target: &str| make(target, profile_dir.parent().unwrap());
    let out = run("install");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = stage.path();
    // Every tool where Debian's cgroup-tools puts it (`dpkg -L cgroup-tools`), and cgconfigd.
    let sbin = ["cgconfigd", "cgconfigparser", "cgrulesengd"];
    let bin = [
        "cgclassify",
        "cgcreate",
        "cgdelete",
        "cgexec",
        "cgget",
        "cgset",
        "cgsnapshot",
        "cgxget",
        "cgxset",
        "lscgroup",
        "lssubsys",
    ];
    let tools = sbin
        .map(|t| ("sbin", t))
        .into_iter()
        .chain(bin.map(|t| ("bin", t)));
    for (dir, tool) in tools {
        let path = s.join("opt/cg").join(dir).join(tool);
        assert!(path.is_file(), "{dir}/{tool} not installed");
    }
    for file in [
        "opt/cg/share/man/man8/cgconfigd.8",
        "opt/cg/share/man/man8/cgrulesengd.8",
        "opt/cg/share/bash-completion/completions/cgrulesengd",
        "opt/cg/share/zsh/vendor-completions/_cgrulesengd",
        "opt/cg/share/fish/vendor_completions.d/cgrulesengd.fish",
        "etc/systemd/system/cgrulesengd.service",
        "opt/cg/share/man/man5/cgconfig.conf.5",
        "opt/cg/share/man/man5/cgrules.conf.5",
        "etc/systemd/system/cgconfigd.service",
        "etc/systemd/system/cgconfigd-delegated.service",
        "opt/cg/share/doc/cgtools/examples/cgconfig.conf",
        "opt/cg/share/doc/cgtools/examples/cgconfig.d/10-web.conf",
        "opt/cg/share/doc/cgtools/cgconfigd.md",
    ] {
        assert!(s.join(file).is_file(), "{file} not installed");
    }
    assert!(s.join("etc/cgconfig.d").is_dir());
    assert!(
        !s.join("etc/cgconfig.conf").exists(),
        "an example became the configuration"
    );
    // The units start the daemons where they were installed.
    for (unit, exec) in [
        ("cgconfigd.service", "ExecStart=/opt/cg/sbin/cgconfigd"),
        (
            "cgrulesengd.service",
            "ExecStart=/opt/cg/sbin/cgrulesengd -n",
        ),
    ] {
        let text = fs::read_to_string(s.join("etc/systemd/system").join(unit)).unwrap();
        assert!(text.lines().any(|l| l == exec), "{unit}:\n{text}");
    }
    let out = run("uninstall");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for file in [
        "opt/cg/sbin/cgconfigd",
        "opt/cg/sbin/cgrulesengd",
        "opt/cg/bin/cgexec",
        "opt/cg/share/man/man8/cgrulesengd.8",
        "opt/cg/share/fish/vendor_completions.d/cgrulesengd.fish",
        "etc/systemd/system/cgconfigd.service",
        "etc/systemd/system/cgrulesengd.service",
    ] {
        assert!(!s.join(file).exists(), "{file} left by uninstall");
    }
}
