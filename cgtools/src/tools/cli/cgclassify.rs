//! The command line of `cgclassify`, shared by the binary and the man page generator.

use crate::tools::cmdline::parse_group_spec;
use clap::{Arg, ArgAction, Command};

/// The argument definitions of `cgclassify`.
pub fn command() -> Command {
    Command::new("cgclassify")
        .about("Move running task(s) to given cgroups")
        .long_about(
            "Move running task(s) to given cgroups.\n\n\
             Each PID is moved with all its threads into every group named with -g, in the \
             order given; each group's task file is opened once and takes one write per \
             process. A pid that cannot be moved (it exited, say) is reported and the others \
             are still moved. With --sticky or --cancel-sticky and a rules daemon \
             (cgrulesengd) listening on /var/run/cgred.socket, each pid is first registered \
             with it; with no daemon nothing is sent. Without -g each pid goes where the rules \
             of /etc/cgrules.conf and /etc/cgrules.d put it, by its effective user and group \
             and its name (argv[0], else the kernel's name): the first matching rule (with \
             its % lines) names the groups; a destination with variables is created first \
             when missing, from its template in /etc/cgconfig.conf or /etc/cgconfig.d; no \
             matching rule, or an ignore rule, leaves the pid where it is. The rules are \
             read once for all pids. User and group names are read from /etc/passwd and \
             /etc/group; a name they lack is asked of getent (LDAP, sssd).\n\n\
             Exit status: 0 when every pid moved (also when no pid is given), 1 when a pid \
             could not be moved or registered (or the rules cannot be read), 2 when an argument is not a process id (that \
             wins over 1), 129 for a usage error.",
        )
        .override_usage(
            "cgclassify [-h] [-g <controllers>:<path>]... [--sticky | --cancel-sticky] <PID>...",
        )
        .arg_required_else_help(true)
        .arg(
            Arg::new("group")
                .short('g')
                .value_name("CONTROLLERS:PATH")
                .action(ArgAction::Append)
                .value_parser(parse_group_spec)
                .help("Control group to be used as target (repeatable; * = every mounted controller, :path = the cgroup v2 mount)"),
        )
        .arg(
            Arg::new("sticky")
                .short('s')
                .long("sticky")
                .action(ArgAction::SetTrue)
                .help("cgred daemon does not change pidlist and children tasks"),
        )
        .arg(
            Arg::new("cancel-sticky")
                .long("cancel-sticky")
                .action(ArgAction::SetTrue)
                .conflicts_with("sticky")
                .help("cgred daemon change pidlist and children tasks"),
        )
        .arg(
            Arg::new("pid")
                .value_name("PID")
                .num_args(0..)
                .trailing_var_arg(true)
                .value_parser(clap::value_parser!(std::ffi::OsString))
                .help("Processes to move, with all their threads"),
        )
}
