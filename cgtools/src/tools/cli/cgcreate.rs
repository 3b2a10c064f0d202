//! The command line of `cgcreate`, shared by the binary and the man page generator.

use crate::tools::cmdline::{parse_group_spec, parse_mode, parse_owner};
use clap::{Arg, ArgAction, Command};

/// The argument definitions of `cgcreate`.
pub fn command() -> Command {
    Command::new("cgcreate")
        .about("Create control group(s)")
        .long_about(
            "Create control group(s).\n\n\
             Each -g names controllers and a path; the group is \
             created in the hierarchy of every controller, with missing parents, and on \
             cgroup v2 the controllers are enabled in the parents' cgroup.subtree_control. \
             A group that already exists is left as it is, except for the owners and modes \
             given on this command line.",
        )
        .override_usage(
            "cgcreate [-h] [-f MODE] [-d MODE] [-s MODE] [-t USER:GROUP] [-a USER:GROUP] \
             -g CONTROLLERS:PATH [-g ...]",
        )
        .arg(
            Arg::new("admin")
                .short('a')
                .long("admin")
                .value_name("USER:GROUP")
                .value_parser(parse_owner)
                .help("Owner of the group directory and all its files"),
        )
        .arg(
            Arg::new("task")
                .short('t')
                .long("task")
                .value_name("USER:GROUP")
                .value_parser(parse_owner)
                .help(
                    "Owner of the files that move tasks in (v1: tasks, cgroup.procs; \
                     v2: cgroup.procs, cgroup.threads)",
                ),
        )
        .arg(
            Arg::new("dperm")
                .short('d')
                .long("dperm")
                .value_name("MODE")
                .value_parser(parse_mode)
                .help("Permissions of the group directory (octal)"),
        )
        .arg(
            Arg::new("fperm")
                .short('f')
                .long("fperm")
                .value_name("MODE")
                .value_parser(parse_mode)
                .help(
                    "Permissions of the group's files (octal), limited by each file's \
                     owner bits: a read-only file stays read-only",
                ),
        )
        .arg(
            Arg::new("tperm")
                .short('s')
                .long("tperm")
                .value_name("MODE")
                .value_parser(parse_mode)
                .help("Permissions of the tasks files (octal), limited by their owner bits"),
        )
        .arg(
            Arg::new("group")
                .short('g')
                .value_name("CONTROLLERS:PATH")
                .action(ArgAction::Append)
                .value_parser(parse_group_spec)
                .help(
                    "Control group to create: comma-separated controllers (* for every \
                     mounted one, none for a cgroup v2 group without controllers), a colon \
                     and the path",
                ),
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
            Arg::new("scope")
                .short('c')
                .long("scope")
                .action(ArgAction::SetTrue)
                .help("Create a delegated systemd scope (not supported: use systemd-run --scope)"),
        )
        .arg(
            Arg::new("setdefault")
                .short('S')
                .long("setdefault")
                .action(ArgAction::SetTrue)
                .help("Make the new scope the default systemd delegate hierarchy (needs -c)"),
        )
        .arg(
            Arg::new("pid")
                .short('p')
                .long("pid")
                .value_name("PID")
                .help("Task to start the systemd scope with (needs -c)"),
        )
}
