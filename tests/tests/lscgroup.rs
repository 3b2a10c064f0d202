//! `lscgroup` without touching cgroups: help and usage errors (exit 129, where libcgroup
//! 3.x would exit 129 too and 2.0.2 exits 255). Listing real groups is in
//! `kernel_read_tools.rs`.

use test_support::run_in;

fn run(args: &[&str]) -> String {
    run_in(std::path::Path::new("/"), "lscgroup", args).transcript()
}

#[test]
fn help_documents_the_output_json_schema_and_exit_codes() {
    insta::assert_snapshot!("lscgroup_help", run(&["--help"]));
}

#[test]
fn a_spec_without_a_path_is_a_usage_error() {
    insta::assert_snapshot!(run(&["cpu"]), @r"
    --- stderr
    lscgroup: cgroup controller and path parsing failed (cpu): give controllers:path, e.g. cpu,memory:/web
    error: invalid value 'cpu' for '[CONTROLLERS:PATH]...'

    Usage: lscgroup [-h] [--json] [[-g] CONTROLLERS:PATH]...

    Wrong input parameters, try lscgroup -h for more information.
    --- exit Some(129)
    ");
    for args in [&["-g", "cpu"][..], &["cpu:"], &["-g"], &["--bogus"]] {
        let out = run_in(std::path::Path::new("/"), "lscgroup", args);
        assert_eq!(out.code, Some(129), "{args:?}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn b_is_refused_with_the_reason() {
    let out = run_in(std::path::Path::new("/"), "lscgroup", &["-b"]);
    assert_eq!(out.code, Some(129));
    assert!(
        out.stderr.starts_with("lscgroup: -b is not supported"),
        "{}",
        out.stderr
    );
}
