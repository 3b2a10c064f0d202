//! cgcreate, cgdelete, cgset and cgxset: help and every usage error, as a user sees them
//! (stdout, stderr, exit status). Nothing here reaches a cgroup: each of these command
//! lines is refused before the tools look at the host.

// Test code: a failure to run a binary is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Stdio};
use test_support::{bin, Outcome};

/// Runs a tool with a fixed help width, stdin closed.
fn run(name: &str, args: &[&str]) -> Outcome {
    Outcome::of(
        Command::new(bin(name))
            .args(args)
            .env("COLUMNS", "100")
            .stdin(Stdio::null()),
    )
}

/// One transcript for several command lines, each headed by the command.
fn transcripts(name: &str, cases: &[&[&str]]) -> String {
    let mut out = String::new();
    for args in cases {
        out.push_str(&format!("$ {name} {}\n", args.join(" ")));
        out.push_str(&run(name, args).transcript());
        out.push('\n');
    }
    out
}

#[test]
fn help_goes_to_stdout_and_exits_0() {
    for tool in ["cgcreate", "cgdelete", "cgset", "cgxset"] {
        for flag in ["-h", "--help"] {
            let outcome = run(tool, &[flag]);
            assert_eq!(outcome.code, Some(0), "{tool} {flag}");
            assert!(outcome.stderr.is_empty(), "{tool} {flag}");
            // libcgroup's ftests look for this word in the help text.
            assert!(outcome.stdout.contains("Usage:"), "{tool} {flag}");
        }
        insta::assert_snapshot!(format!("{tool}_help"), run(tool, &["--help"]).stdout);
    }
}

#[test]
fn cgcreate_usage_errors() {
    insta::assert_snapshot!(transcripts(
        "cgcreate",
        &[
            &[],
            &["-g", "cpu"],
            &["-g", "cpu,,memory:/x"],
            &["-d", "9", "-g", "cpu:/x"],
            &["-g", "cpu:/x", "extra"],
            &["-x"],
            &["-a", "cgtools-no-such-user", "-g", "cpu:/x"],
            &["-t", ":cgtools-no-such-group", "-g", "cpu:/x"],
            &["-c", "-g", "cpu:/x"],
            &["-b", "-c", "-g", "cpu:/x"],
            &["-S", "-g", "cpu:/x"],
            &["-p", "1234", "-g", "cpu:/x"],
            &["-c", "-p", "1", "-g", "cpu:/x"],
        ],
    ));
}

#[test]
fn cgcreate_without_groups_does_nothing_as_libcgroup() {
    let outcome = run("cgcreate", &["-d", "755"]);
    assert_eq!(outcome.transcript(), "--- exit Some(0)\n");
}

#[test]
fn cgdelete_usage_errors() {
    insta::assert_snapshot!(transcripts(
        "cgdelete",
        &[
            &[],
            &["nocolon"],
            &["-g", "cpu:"],
            &["cpu:/a", "-g", "*,cpu:/b"],
            &["--bogus"],
        ],
    ));
    // libcgroup: nothing to remove is not an error (a script's empty list).
    assert_eq!(run("cgdelete", &["-r"]).transcript(), "--- exit Some(0)\n");
}

#[test]
fn cgset_usage_errors_keep_libcgroups_words() {
    let cases: &[&[&str]] = &[
        &[],
        &["-r", "cpu.shares", "g"],
        &["-r", "cpu.shares=", "g"],
        &["-r", "=5", "g"],
        &["-r", "cpu.shares=100"],
        &["g"],
        &["-r", "cpu.shares=100", "--copy-from", "src", "g"],
        &["--copy-from", "src", "-r", "cpu.shares=100", "g"],
        &["-r", "foo=1", "g"],
        &["-x", "g"],
    ];
    insta::assert_snapshot!(transcripts("cgset", cases));
    // Every one of them is libcgroup 3.x's bad-usage status, and cgxset checks the same.
    for args in cases {
        assert_eq!(run("cgset", args).code, Some(129), "cgset {args:?}");
        assert_eq!(run("cgxset", args).code, Some(129), "cgxset {args:?}");
    }
}

#[test]
fn cgset_messages_scripts_match() {
    // The texts libcgroup's own functional tests (027-cgset-invalid_options) look for.
    let expect = |args: &[&str], text: &str| {
        let outcome = run("cgset", args);
        assert!(
            outcome.stderr.contains(text),
            "{args:?}: {}",
            outcome.stderr
        );
        assert_eq!(outcome.code, Some(129));
    };
    expect(
        &["-r", "cpu.shares=100", "--copy-from", "b", "a"],
        "Wrong input parameters,",
    );
    expect(&["-r", "cpu.shares=100"], "cgset: no cgroup specified");
    expect(&["a"], "cgset: no name-value pair was set");
    expect(&[], "Usage is");
    expect(&["-r", "cpu.shares=", "a"], "wrong parameter of option -r");
}

#[test]
fn cgxset_usage_errors() {
    insta::assert_snapshot!(transcripts(
        "cgxset",
        &[
            &[],
            &["-1", "-r", "cpu.shares", "g"],
            &["-2", "-i", "g"],
            &["-3", "g"]
        ],
    ));
}
