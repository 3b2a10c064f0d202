//! The command line of `cgdelete`, shared by the binary and the man page generator.

use clap::{Arg, ArgAction, Command};

/// The argument definitions of `cgdelete`.
pub fn command() -> Command {
    Command::new("cgdelete")
        .about("Remove control group(s)")
        .long_about(
            "Remove control groups from the hierarchy of every controller named. Tasks \
             still in a group move to its parent group, never killed; on cgroup v2, where \
             a parent that enables controllers for its child groups cannot hold processes, \
             they move to the nearest group above that can, and a note says where. A group \
             with child groups is refused unless -r is given, before any task moves; with \
             -r the tasks of its child groups move too and the child groups are removed \
             first. The remaining groups are still processed after an error; the first \
             error decides the exit status.",
        )
        .override_usage("cgdelete [-h] [-r] [[-g] CONTROLLERS:PATH] ...")
        .arg(
            Arg::new("recursive")
                .short('r')
                .long("recursive")
                .action(ArgAction::SetTrue)
                .help(
                    "Recursively remove all subgroups; their tasks move to the parent \
                     group too (never killed)",
                ),
        )
        .arg(
            Arg::new("group")
                .short('g')
                .long("group")
                .value_name("CONTROLLERS:PATH")
                .action(ArgAction::Append)
                .help("Control group to be removed (-g is optional)"),
        )
        .arg(
            Arg::new("ignore-systemd-default")
                .short('b')
                .action(ArgAction::SetTrue)
                .help(
                    "Ignore the default systemd delegate hierarchy (accepted for \
                     compatibility: cgtools never prefixes paths with one)",
                ),
        )
        .arg(
            Arg::new("groups")
                .value_name("CONTROLLERS:PATH")
                .action(ArgAction::Append)
                .num_args(0..)
                .help("Control groups to be removed"),
        )
}
