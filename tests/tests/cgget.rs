//! `cgget` and `cgxget` without touching cgroups: help, and the usage errors and bad
//! setting names that are refused before the host is looked at (exit 129 and 91, as
//! libcgroup 3.x). Reading real groups is in `kernel_read_tools.rs`.

use test_support::run_in;

fn run(tool: &str, args: &[&str]) -> String {
    run_in(std::path::Path::new("/"), tool, args).transcript()
}

#[test]
fn help_documents_every_option_the_json_schema_and_exit_codes() {
    insta::assert_snapshot!("cgget_help", run("cgget", &["--help"]));
    insta::assert_snapshot!("cgxget_help", run("cgxget", &["--help"]));
}

#[test]
fn short_help_fits_a_screen() {
    insta::assert_snapshot!("cgget_short_help", run("cgget", &["-h"]));
}

#[test]
fn no_group_is_a_usage_error() {
    insta::assert_snapshot!(run("cgget", &[]), @"
    --- stderr
    cgget: Wrong input parameters: no group given; name the groups to read
    Usage: cgget [-nvmc] [-r NAME]... [-g CONTROLLERS]... [-a] [--json] PATH...
           cgget [-nvmc] -g CONTROLLERS:PATH... [--json]
           cgget -m | -c
    Wrong input parameters, try cgget -h for more information.
    --- exit Some(129)
    ");
    // Options alone name no group either.
    for args in [&["-n"][..], &["-r", "cpu.shares"], &["-g", "cpu"], &["-a"]] {
        let out = run_in(std::path::Path::new("/"), "cgget", args);
        assert_eq!(out.code, Some(129), "{args:?}");
        assert!(out.stderr.contains("no group given"), "{args:?}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn options_that_exclude_each_other_are_usage_errors() {
    insta::assert_snapshot!(run("cgget", &["-r", "cpu.shares", "-g", "cpu", "web"]), @"
    --- stderr
    cgget: Wrong input parameters: -r cannot be combined with -g or -a
    Usage: cgget [-nvmc] [-r NAME]... [-g CONTROLLERS]... [-a] [--json] PATH...
           cgget [-nvmc] -g CONTROLLERS:PATH... [--json]
           cgget -m | -c
    Wrong input parameters, try cgget -h for more information.
    --- exit Some(129)
    ");
    let out = run_in(
        std::path::Path::new("/"),
        "cgget",
        &["-a", "-r", "cpu.shares", "web"],
    );
    assert_eq!(out.code, Some(129));
    // libcgroup's own example of a refused command: a group both ways.
    let out = run_in(
        std::path::Path::new("/"),
        "cgget",
        &["-g", "cpu:web", "web"],
    );
    assert_eq!(out.code, Some(129));
    assert!(out
        .stderr
        .starts_with("cgget: Wrong input parameters: a group given as -g <controllers>:<path> cannot be combined with paths"));
}

#[test]
fn malformed_g_values_and_unknown_options_are_usage_errors() {
    insta::assert_snapshot!(run("cgget", &["-g", "cpu,,memory", "web"]), @r"
    --- stderr
    cgget: cgroup controller parsing failed (cpu,,memory): empty controller name in `cpu,,memory`
    error: invalid value 'cpu,,memory' for '-g <CONTROLLERS[:PATH]>'

    Usage: cgget [-nvmc] [-r NAME]... [-g CONTROLLERS]... [-a] [--json] PATH...
           cgget [-nvmc] -g CONTROLLERS:PATH... [--json]
           cgget -m | -c

    Wrong input parameters, try cgget -h for more information.
    --- exit Some(129)
    ");
    for args in [&["-g", "cpu:", "web"][..], &["--bogus", "web"], &["-r"]] {
        let out = run_in(std::path::Path::new("/"), "cgget", args);
        assert_eq!(out.code, Some(129), "{args:?}");
        assert!(out.stderr.contains("\nUsage: cgget "), "{args:?}");
    }
}

#[test]
fn b_says_why_it_is_not_needed() {
    insta::assert_snapshot!(run("cgget", &["-b", "-r", "cpu.shares", "web"]), @"
    --- stderr
    cgget: -b is not supported: cgtools never applies a systemd default cgroup (/var/run/libcgroup/systemd), so paths are always relative to the hierarchy root, which is what -b asks for; leave -b out
    Usage: cgget [-nvmc] [-r NAME]... [-g CONTROLLERS]... [-a] [--json] PATH...
           cgget [-nvmc] -g CONTROLLERS:PATH... [--json]
           cgget -m | -c
    Wrong input parameters, try cgget -h for more information.
    --- exit Some(129)
    ");
    assert_eq!(
        run_in(std::path::Path::new("/"), "cgxget", &["-b", "web"]).code,
        Some(129)
    );
}

#[test]
fn a_setting_without_a_controller_is_refused_like_libcgroup() {
    insta::assert_snapshot!(run("cgget", &["-r", "invalidsetting", "web"]), @"
    --- stderr
    cgget: error parsing parameter name 'invalidsetting': Cgroup invalid operation
    cgget: `invalidsetting` is not a setting name: expected <controller>.<name>, e.g. cpu.shares
    --- exit Some(91)
    ");
    let out = run_in(
        std::path::Path::new("/"),
        "cgxget",
        &["-2", "-r", "weight", "web"],
    );
    assert_eq!(out.code, Some(91));
    assert!(out
        .stderr
        .starts_with("cgxget: error parsing parameter name 'weight'"));
}

#[test]
fn cgxget_takes_one_version_and_no_mode_options() {
    let out = run_in(std::path::Path::new("/"), "cgxget", &["-m"]);
    assert_eq!(out.code, Some(129));
    let out = run_in(std::path::Path::new("/"), "cgxget", &["-1", "-2"]);
    // The later of -1/-2 wins, as with libcgroup's getopt loop; still no group.
    assert_eq!(out.code, Some(129));
    assert!(out.stderr.contains("no group given"));
}
