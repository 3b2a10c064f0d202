//! `lssubsys` without depending on the host: help and usage errors. Listing the host's
//! hierarchies is in `kernel_read_tools.rs`.

use test_support::run_in;

fn run(args: &[&str]) -> String {
    run_in(std::path::Path::new("/"), "lssubsys", args).transcript()
}

#[test]
fn help_documents_the_output_json_schema_and_exit_codes() {
    insta::assert_snapshot!("lssubsys_help", run(&["--help"]));
}

#[test]
fn unknown_options_are_usage_errors() {
    insta::assert_snapshot!(run(&["-x"]), @r"
    --- stderr
    error: unexpected argument '-x' found

      tip: to pass '-x' as a value, use '-- -x'

    Usage: lssubsys [-i] [-m] [-M] [--json] [CONTROLLER]...
           lssubsys [-a] [-i] [-m] [-M] [--json]

    Wrong input parameters, try lssubsys -h for more information.
    --- exit Some(129)
    ");
}
