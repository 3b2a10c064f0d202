//! cgexec and cgclassify without touching cgroups: help, usage errors, argument checks and
//! the missing rules engine, with the exit statuses scripts rely on. These run anywhere;
//! the real-kernel behaviour is in `kernel_exec_tools.rs`.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use test_support::run;

#[test]
fn cgexec_help_names_every_option() {
    insta::assert_snapshot!(run("cgexec", &["-h"]).transcript(), @"
    --- stdout
    Run the task in given control group(s)

    Usage: cgexec [-h] [-g <controllers>:<path>]... [--sticky] COMMAND [ARGUMENTS]...

    Arguments:
      <COMMAND>...  The command to run, searched in PATH, and its arguments

    Options:
      -g <CONTROLLERS:PATH>  Control group to run the command in (repeatable; * = every mounted
                             controller, :path = the cgroup v2 mount)
          --sticky           cgred daemon does not change pidlist and children tasks
      -h, --help             Print help (see more with '--help')
    --- exit Some(0)
    ");
}

#[test]
fn cgexec_without_a_command_is_a_usage_error() {
    insta::assert_snapshot!(run("cgexec", &[]).transcript(), @"
    --- stderr
    error: the following required arguments were not provided:
      <COMMAND>...

    Usage: cgexec [-h] [-g <controllers>:<path>]... [--sticky] COMMAND [ARGUMENTS]...

    Wrong input parameters, try cgexec -h for more information.
    --- exit Some(129)
    ");
    let out = run("cgexec", &["-g", "memory:x"]);
    assert_eq!(out.code, Some(129), "{}", out.transcript());
    assert!(out.stderr.contains("<COMMAND>"), "{}", out.stderr);
}

#[test]
fn cgexec_options_end_at_the_command() {
    // An unknown option before the command is a usage error ...
    let out = run("cgexec", &["-x", "true"]);
    assert_eq!(out.code, Some(129), "{}", out.transcript());
    // ... while everything after the command is the command's, even -g and --help.
    let out = run("cgexec", &["true", "-g", "--help"]);
    assert_eq!(out.code, Some(99), "{}", out.transcript());
    assert!(out.stdout.is_empty());
}

#[test]
fn cgexec_refuses_a_malformed_group() {
    insta::assert_snapshot!(run("cgexec", &["-g", "memory", "true"]).transcript(), @"
    --- stderr
    cgexec: cgroup controller and path parsing failed (memory): give controllers:path, e.g. cpu,memory:/web
    error: invalid value 'memory' for '-g <CONTROLLERS:PATH>'

    Usage: cgexec [-h] [-g <controllers>:<path>]... [--sticky] COMMAND [ARGUMENTS]...

    Wrong input parameters, try cgexec -h for more information.
    --- exit Some(129)
    ");
}

/// A tool run with an empty directory standing in for `/etc` (debug builds read
/// `CGTOOLS_ETC`): no cgrules.conf, as on a host without rules. The directory's path is
/// shown as `[etc]`.
fn without_rules(name: &str, args: &[&str]) -> test_support::Outcome {
    let etc = tempfile::tempdir().unwrap();
    let mut out = test_support::Outcome::of(
        std::process::Command::new(test_support::bin(name))
            .args(args)
            .env("CGTOOLS_ETC", etc.path())
            .current_dir("/")
            .stdin(std::process::Stdio::null()),
    );
    let shown = etc.path().to_string_lossy().into_owned();
    out.stderr = out.stderr.replace(&shown, "[etc]");
    out
}

#[test]
fn cgexec_without_g_and_without_rules_fails_as_libcgroup() {
    insta::assert_snapshot!(without_rules("cgexec", &["true"]).transcript(), @"
    --- stderr
    Error: failed to parse the configuration rules
    cgexec: cannot read [etc]/cgrules.conf: No such file or directory
    cgroup change of group failed
    --- exit Some(99)
    ");
}

#[test]
fn cgclassify_help_and_usage() {
    insta::assert_snapshot!(run("cgclassify", &["--help"]).transcript(), @"
    --- stdout
    Move running task(s) to given cgroups.

    Each PID is moved with all its threads into every group named with -g, in the order given; each
    group's task file is opened once and takes one write per process. A pid that cannot be moved (it
    exited, say) is reported and the others are still moved. With --sticky or --cancel-sticky and a
    rules daemon (cgrulesengd) listening on /var/run/cgred.socket, each pid is first registered with it;
    with no daemon nothing is sent. Without -g each pid goes where the rules of /etc/cgrules.conf and
    /etc/cgrules.d put it, by its effective user and group and its name (argv[0], else the kernel's
    name): the first matching rule (with its % lines) names the groups; a destination with variables is
    created first when missing, from its template in /etc/cgconfig.conf or /etc/cgconfig.d; no matching
    rule, or an ignore rule, leaves the pid where it is. The rules are read once for all pids. User and
    group names are read from /etc/passwd and /etc/group; a name they lack is asked of getent (LDAP,
    sssd).

    Exit status: 0 when every pid moved (also when no pid is given), 1 when a pid could not be moved or
    registered (or the rules cannot be read), 2 when an argument is not a process id (that wins over 1),
    129 for a usage error.

    Usage: cgclassify [-h] [-g <controllers>:<path>]... [--sticky | --cancel-sticky] <PID>...

    Arguments:
      [PID]...
              Processes to move, with all their threads

    Options:
      -g <CONTROLLERS:PATH>
              Control group to be used as target (repeatable; * = every mounted controller, :path = the
              cgroup v2 mount)

      -s, --sticky
              cgred daemon does not change pidlist and children tasks

          --cancel-sticky
              cgred daemon change pidlist and children tasks

      -h, --help
              Print help (see a summary with '-h')
    --- exit Some(0)
    ");
    let out = run("cgclassify", &[]);
    assert_eq!(out.code, Some(129), "{}", out.transcript());
    assert!(out.stderr.contains("Usage: cgclassify"), "{}", out.stderr);
    let out = run("cgclassify", &["--sticky", "--cancel-sticky", "1"]);
    assert_eq!(out.code, Some(129), "{}", out.transcript());
}

#[test]
fn cgclassify_rejects_words_that_are_not_pids_with_exit_2() {
    insta::assert_snapshot!(
        run("cgclassify", &["-g", "memory:x", "abc", "12x", "0", "-3", ""]).transcript(),
        @"
    --- stderr
    cgclassify: Error: abc is not valid pid. A process id is a positive decimal number.
    cgclassify: Error: 12x is not valid pid. A process id is a positive decimal number.
    cgclassify: Error: 0 is not valid pid. A process id is a positive decimal number.
    cgclassify: Error: -3 is not valid pid. A process id is a positive decimal number.
    cgclassify: Error:  is not valid pid. A process id is a positive decimal number.
    --- exit Some(2)
    "
    );
}

#[test]
fn cgclassify_with_no_pid_does_nothing_and_succeeds() {
    let out = run("cgclassify", &["--sticky"]);
    assert_eq!(out.transcript(), "--- exit Some(0)\n");
    let out = run("cgclassify", &["-g", "memory:x"]);
    assert_eq!(out.transcript(), "--- exit Some(0)\n");
}

#[test]
fn cgclassify_without_g_and_without_rules_fails_as_libcgroup() {
    insta::assert_snapshot!(without_rules("cgclassify", &["1", "2"]).transcript(), @"
    --- stderr
    Error: failed to parse the configuration rules
    cgclassify: cannot read [etc]/cgrules.conf: No such file or directory
    Error: change of cgroup failed for pid 1: Cgroup parsing failed
    Error: change of cgroup failed for pid 2: Cgroup parsing failed
    --- exit Some(1)
    ");
    // A bad pid among them still makes it exit 2.
    assert_eq!(without_rules("cgclassify", &["1", "x"]).code, Some(2));
}
