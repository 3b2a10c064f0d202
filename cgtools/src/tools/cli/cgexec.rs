//! The command line of `cgexec`, shared by the binary and the man page generator.

use crate::tools::cmdline::parse_group_spec;
use clap::{Arg, ArgAction, Command};
use std::ffi::OsString;

/// The argument definitions of `cgexec`.
pub fn command() -> Command {
    Command::new("cgexec")
        .about("Run the task in given control group(s)")
        .long_about(
            "Run the task in given control group(s).\n\n\
             cgexec moves itself, with all its threads, into every group named with -g, then \
             replaces itself with COMMAND (no new process: COMMAND keeps cgexec's process id, \
             and its exit status is the command's). Before moving, cgexec drops to the real \
             user and group ids, so an unprivileged caller can only enter groups whose task \
             files it may write. When a rules daemon (cgrulesengd) listens on \
             /var/run/cgred.socket, cgexec first asks it to leave the process where cgexec \
             puts it; with no daemon it carries on silently.\n\n\
             Without -g, the rules of /etc/cgrules.conf and /etc/cgrules.d decide, for the \
             real user and group and COMMAND as given: the first matching rule (with its % \
             lines) names the groups; a destination with variables (%u, %g, %p...) is \
             created first when missing, with the settings of its template in \
             /etc/cgconfig.conf or /etc/cgconfig.d. No matching rule, or an ignore rule, \
             leaves the command where cgexec runs. User and group names are read from \
             /etc/passwd and /etc/group; a name they lack is asked of getent (LDAP, sssd).\n\n\
             Options end at the first argument that is not an option: everything from \
             COMMAND on belongs to the command.\n\n\
             Exit status: the command's own when it runs; 82 when a group does not exist, 84 \
             when a controller is not mounted (or, on cgroup v2, not enabled for the group), \
             another libcgroup error code when the move fails otherwise, 99 when the rules \
             cannot be read or parsed (also when /etc/cgrules.conf is missing), 93 when a \
             template's group cannot be created, 255 when the command \
             cannot be executed, 129 for a usage error.",
        )
        .override_usage("cgexec [-h] [-g <controllers>:<path>]... [--sticky] COMMAND [ARGUMENTS]...")
        .arg(
            Arg::new("group")
                .short('g')
                .value_name("CONTROLLERS:PATH")
                .action(ArgAction::Append)
                .value_parser(parse_group_spec)
                .help("Control group to run the command in (repeatable; * = every mounted controller, :path = the cgroup v2 mount)"),
        )
        .arg(
            Arg::new("sticky")
                .long("sticky")
                // libcgroup's option string accepts -s as well.
                .short_alias('s')
                .action(ArgAction::SetTrue)
                .help("cgred daemon does not change pidlist and children tasks"),
        )
        .arg(
            Arg::new("command")
                .value_name("COMMAND")
                .required(true)
                .num_args(1..)
                .trailing_var_arg(true)
                .value_hint(clap::ValueHint::CommandWithArguments)
                .value_parser(clap::value_parser!(OsString))
                .help("The command to run, searched in PATH, and its arguments"),
        )
}
