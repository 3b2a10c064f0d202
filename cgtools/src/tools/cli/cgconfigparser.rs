//! The command line of `cgconfigparser`, shared by the binary and the man page generator.

use crate::tools::cmdline::{parse_mode, parse_owner};
use clap::{Arg, ArgAction, Command};
use std::path::PathBuf;

/// The argument definitions of `cgconfigparser`.
pub fn command() -> Command {
    Command::new("cgconfigparser")
        // libcgroup's sentence first: scripts (and libcgroup's own tests) look for it.
        .about("Parse and load the specified cgroups configuration file")
        .long_about(
            "Parse and load the specified cgroups configuration file: set up the cgroups \
             it describes.\n\n\
             Each file is parsed and checked against the host (controllers mounted, \
             settings present, values well-formed, owners known) before its first change, \
             then applied; a failure takes back what this file's run did, and the next \
             file is still processed. A file refused is reported with libcgroup's line \
             (cgconfigparser; error loading FILE: MESSAGE), then every error located in \
             the file, or the write the kernel refused.",
        )
        .override_usage(
            "cgconfigparser [-h] [-l FILE]... [-L DIR]... [-a USER:GROUP] [-t USER:GROUP] \
             [-d MODE] [-f MODE] [-s MODE] [--check | --dry-run [--json] | --unload [-r]]",
        )
        .arg(
            Arg::new("load")
                .short('l')
                .long("load")
                .value_name("FILE")
                .action(ArgAction::Append)
                .value_parser(clap::value_parser!(PathBuf))
                .help("Parse and load the cgroup configuration file"),
        )
        .arg(
            Arg::new("load-directory")
                .short('L')
                .long("load-directory")
                .value_name("DIR")
                .action(ArgAction::Append)
                .value_parser(clap::value_parser!(PathBuf))
                .help("Parse and load every *.conf file of the directory, in sorted order"),
        )
        .arg(
            Arg::new("admin")
                .short('a')
                .long("admin")
                .value_name("USER:GROUP")
                .value_parser(parse_owner)
                .help("Default owner of groups' directories and files"),
        )
        .arg(
            Arg::new("task")
                .short('t')
                .long("task")
                .value_name("USER:GROUP")
                .value_parser(parse_owner)
                .help("Default owner of groups' tasks files"),
        )
        .arg(
            Arg::new("dperm")
                .short('d')
                .long("dperm")
                .value_name("MODE")
                .value_parser(parse_mode)
                .help("Default permissions of groups' directories"),
        )
        .arg(
            Arg::new("fperm")
                .short('f')
                .long("fperm")
                .value_name("MODE")
                .value_parser(parse_mode)
                .help("Default permissions of groups' files"),
        )
        .arg(
            Arg::new("tperm")
                .short('s')
                .long("tperm")
                .value_name("MODE")
                .value_parser(parse_mode)
                .help("Default permissions of groups' tasks files"),
        )
        .arg(
            Arg::new("check")
                .long("check")
                .action(ArgAction::SetTrue)
                .conflicts_with_all(["dry-run", "unload"])
                .help("Only parse and check the files against the host; change nothing"),
        )
        .arg(
            Arg::new("dry-run")
                .long("dry-run")
                .action(ArgAction::SetTrue)
                .conflicts_with("unload")
                .help("Print the changes applying would make, one per line; change nothing"),
        )
        .arg(
            Arg::new("json")
                .long("json")
                .action(ArgAction::SetTrue)
                .requires("dry-run")
                .help("With --dry-run: print the plan as one JSON document"),
        )
        .arg(
            Arg::new("unload")
                .long("unload")
                .action(ArgAction::SetTrue)
                .help("Remove the groups the files describe, deepest first; groups with tasks are refused unless -r"),
        )
        .arg(
            Arg::new("recursive")
                .short('r')
                .long("recursive")
                .action(ArgAction::SetTrue)
                .requires("unload")
                .help("With --unload: move the tasks of removed groups to their parent (never kills)"),
        )
}
