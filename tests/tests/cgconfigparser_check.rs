//! `cgconfigparser --check`: what a user sees for good and bad configurations, and the exit
//! statuses scripts rely on.

#![allow(clippy::unwrap_used)] // test helpers below fail the test by panicking

use std::fs;
use test_support::{repo_root, run_in};

fn write(dir: &std::path::Path, name: &str, text: &str) {
    fs::write(dir.join(name), text).unwrap();
}

#[test]
fn the_example_configuration_checks_clean() {
    let out = run_in(
        &repo_root(),
        "cgconfigparser",
        &["--check", "-l", "etc/cgconfig.conf", "-L", "etc/cgconfig.d"],
    );
    insta::assert_snapshot!(out.transcript(), @r"
    --- stdout
    etc/cgconfig.conf: ok (2 groups, 1 templates)
    etc/cgconfig.d/10-web.conf: ok (1 groups, 0 templates)
    --- exit Some(0)
    ");
}

#[test]
fn errors_of_every_file_are_reported_with_lines_counted_per_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.conf",
        "# line 1\n# line 2\ngroup a {\n\tcpu { cpu.shares = 10; }\n}\n",
    );
    write(
        dir.path(),
        "b.conf",
        "group b {\n\tcpu { cpu.shares = 2 }\n}\n",
    );
    write(dir.path(), "c.conf", "group c { cpu { } cpu { } }\n");
    let out = run_in(
        dir.path(),
        "cgconfigparser",
        &["--check", "-l", "a.conf", "-l", "b.conf", "-l", "c.conf"],
    );
    // libcgroup would report b's error at line 7 (the counter runs on across files).
    insta::assert_snapshot!(out.transcript(), @r"
    --- stdout
    a.conf: ok (1 groups, 0 templates)
    --- stderr
    Error: failed to parse file b.conf
    cgconfigparser; error loading b.conf: Failed to parse config file
    b.conf:2:23: error: expected `;` after the value of `cpu.shares`, found `}`
        2 |     cpu { cpu.shares = 2 }
          |                          ^
          = hint: every `name = value` ends with `;`
    cgconfigparser: b.conf: 1 error; nothing was changed
    Error: failed to parse file c.conf
    cgconfigparser; error loading c.conf: Failed to parse config file
    c.conf:1:19: error: controller `cpu` appears twice in group `c`
        1 | group c { cpu { } cpu { } }
          |                   ^^^
          = hint: merge the settings into one block
    c.conf:1:11: note: the first block is here
        1 | group c { cpu { } cpu { } }
          |           ^^^
    cgconfigparser: c.conf: 1 error; nothing was changed
    --- exit Some(104)
    ");
}

#[test]
fn directories_expand_to_their_conf_files_in_order_among_the_other_options() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("d")).unwrap();
    for name in ["b.conf", "a.conf", "notes.txt", "a.conf~", ".conf"] {
        write(&dir.path().join("d"), name, "group x { cpu { } }\n");
    }
    write(dir.path(), "first.conf", "group f { cpu { } }\n");
    write(dir.path(), "last.conf", "group l { cpu { } }\n");
    let out = run_in(
        dir.path(),
        "cgconfigparser",
        &[
            "--check",
            "-l",
            "first.conf",
            "-L",
            "d",
            "--load",
            "last.conf",
        ],
    );
    insta::assert_snapshot!(out.transcript(), @r"
    --- stdout
    first.conf: ok (1 groups, 0 templates)
    d/a.conf: ok (1 groups, 0 templates)
    d/b.conf: ok (1 groups, 0 templates)
    last.conf: ok (1 groups, 0 templates)
    --- exit Some(0)
    ");
}

#[test]
fn unknown_owners_are_refused_before_anything_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "owners.conf",
        "group a {\n\tperm {\n\t\ttask { uid = cgtools-no-such-user; gid = 0; }\n\t}\n\tcpu { }\n}\n",
    );
    let out = run_in(
        dir.path(),
        "cgconfigparser",
        &["--check", "-l", "owners.conf"],
    );
    insta::assert_snapshot!(out.transcript(), @r"
    --- stderr
    Error: failed to parse file owners.conf
    cgconfigparser; error loading owners.conf: Failed to parse config file
    owners.conf:3:16: error: unknown user `cgtools-no-such-user`
        3 |         task { uid = cgtools-no-such-user; gid = 0; }
          |                      ^^^^^^^^^^^^^^^^^^^^
          = hint: `uid` takes a user name or a number
    cgconfigparser: owners.conf: 1 error; nothing was changed
    --- exit Some(104)
    ");
}

#[test]
fn unreadable_inputs_have_libcgroups_statuses_and_the_rest_is_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.conf", "group g { cpu { } }\n");
    let out = run_in(
        dir.path(),
        "cgconfigparser",
        &[
            "--check",
            "-l",
            "missing.conf",
            "-L",
            "missing-dir",
            "-l",
            "good.conf",
        ],
    );
    insta::assert_snapshot!(out.transcript(), @r"
    --- stdout
    good.conf: ok (1 groups, 0 templates)
    --- stderr
    Error: failed to open file missing.conf
    cgconfigparser; error loading missing.conf: No such file or directory
    cgconfigparser: cannot read missing.conf: No such file or directory
    cgconfigparser: cannot open missing-dir: No such file or directory
    --- exit Some(96)
    ");
    let out = run_in(
        dir.path(),
        "cgconfigparser",
        &["--check", "-L", "missing-dir"],
    );
    assert_eq!(out.code, Some(1));
}

#[test]
fn usage_errors_exit_129_with_libcgroups_line() {
    let dir = tempfile::tempdir().unwrap();
    // libcgroup prints this line for every usage error; its own tests look for
    // "Wrong input parameters,".
    let wrong = "Wrong input parameters, try cgconfigparser -h for more information.\n";
    let none = run_in(dir.path(), "cgconfigparser", &[]);
    assert_eq!(none.code, Some(129));
    assert!(none.stdout.is_empty(), "{}", none.transcript());
    assert!(
        none.stderr.contains("Usage: cgconfigparser"),
        "{}",
        none.stderr
    );
    assert!(none.stderr.ends_with(wrong), "{}", none.stderr);
    let stray = run_in(dir.path(), "cgconfigparser", &["stray.conf"]);
    assert_eq!(stray.code, Some(129));
    assert!(stray.stderr.ends_with(wrong), "{}", stray.stderr);
    let bad_mode = run_in(
        dir.path(),
        "cgconfigparser",
        &["--check", "-d", "99", "-l", "x"],
    );
    assert_eq!(bad_mode.code, Some(129));
    assert!(
        bad_mode
            .stderr
            .starts_with("cgconfigparser: wrong mode format 99: "),
        "{}",
        bad_mode.stderr
    );
    assert!(bad_mode.stderr.ends_with(wrong), "{}", bad_mode.stderr);
    let unknown = run_in(
        dir.path(),
        "cgconfigparser",
        &["--check", "-a", "cgtools-no-such-user", "-l", "x"],
    );
    assert_eq!(unknown.code, Some(129));
    assert!(
        unknown
            .stderr
            .starts_with("cgconfigparser: can't find uid of user cgtools-no-such-user.\n"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn help_has_libcgroups_sentence() {
    // Scripts (and libcgroup's test 021) look for it, with -h and with --help.
    let dir = tempfile::tempdir().unwrap();
    for flag in ["-h", "--help"] {
        let help = run_in(dir.path(), "cgconfigparser", &[flag]);
        assert_eq!(help.code, Some(0));
        assert!(
            help.stdout
                .contains("Parse and load the specified cgroups configuration file"),
            "{flag}: {}",
            help.stdout
        );
    }
}

#[test]
fn every_refused_file_gets_libcgroups_line_and_status() {
    // A value malformed for the kernel (libcgroup's test 021) and a syntax error: libcgroup's `cgconfigparser; error loading FILE: MESSAGE` for
    // the exit status, then our located errors. `--check` refuses them as applying would,
    // before any write.
    let dir = tempfile::tempdir().unwrap();
    // What the host mounts, from the mount table (not from the code under test).
    let host = test_support::Host::read();
    let mounted = |c: &str| host.find(c).is_some();
    let mut cases = vec![(
        "syntax.conf",
        "group x { cpu { cpu.shares = 5 } }\n",
        104,
        "Error: failed to parse file syntax.conf\n\
         cgconfigparser; error loading syntax.conf: Failed to parse config file\n\
         syntax.conf:1:",
    )];
    if mounted("cpuset") {
        cases.push((
            "value.conf",
            "group x { cpuset { cpuset.cpus = abc123; } }\n",
            96,
            "cgconfigparser; error loading value.conf: Invalid argument\nvalue.conf:1:",
        ));
    } else {
        eprintln!("skipping the cpuset case: no cpuset controller here");
    }
    for (name, text, code, start) in cases {
        write(dir.path(), name, text);
        let out = run_in(dir.path(), "cgconfigparser", &["--check", "-l", name]);
        assert_eq!(out.code, Some(code), "{name}: {}", out.transcript());
        assert!(out.stderr.starts_with(start), "{name}: {}", out.stderr);
    }
}

#[test]
fn cgconfigd_checks_the_file_and_its_drop_ins() {
    let out = run_in(
        &repo_root(),
        "cgconfigd",
        &[
            "--check",
            "--config",
            "etc/cgconfig.conf",
            "--config-dir",
            "etc/cgconfig.d",
        ],
    );
    insta::assert_snapshot!(out.transcript(), @r"
    --- stdout
    etc/cgconfig.conf: ok (2 groups, 1 templates)
    etc/cgconfig.d/10-web.conf: ok (1 groups, 0 templates)
    --- exit Some(0)
    ");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "cgconfig.conf", "group a { cpu { x = 1 } }\n");
    let out = run_in(
        dir.path(),
        "cgconfigd",
        &["--check", "-c", "cgconfig.conf", "-d", "none"],
    );
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr
            .starts_with("cgconfig.conf:1:23: error: expected `;`"),
        "{}",
        out.stderr
    );
}

#[test]
fn cgsnapshot_lists_must_exist_when_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), "cgsnapshot", &["-b", "no-such-list", "cpu"]);
    insta::assert_snapshot!(out.transcript(), @r"
    --- stderr
    ERROR: Failed to open file no-such-list: No such file or directory
    cgsnapshot: cannot read no-such-list: No such file or directory
    --- exit Some(1)
    ");
}
