//! The command line of `cgxset`: cgset's arguments plus the cgroup version the parameter
//! names are written in.

use clap::{Arg, ArgAction, Command};

/// The argument definitions of `cgxset`.
pub fn command() -> Command {
    super::cgset::set_arguments(
        Command::new("cgxset")
            .about("Set the parameters of given cgroup(s), in cgroup v1 or v2 vocabulary")
            .long_about(
                "Set the parameters of given cgroup(s), in cgroup v1 or v2 vocabulary.\n\n\
                 cgxset sets parameters like cgset, with the parameter names \
                 and values written in the vocabulary of the cgroup version given by -1 or \
                 -2, converted to the version each controller runs as on this host. \
                 Without -1 or -2 it behaves as cgset.",
            )
            .override_usage(
                "cgxset [-1|-2] [-i] [-R] -r <name=value> [-r ...] <cgroup_path> ...\n       \
                 cgxset [-R] --copy-from <source_cgroup_path> <cgroup_path> ...",
            ),
    )
    .arg(
        Arg::new("v1")
            .short('1')
            .long("v1")
            .action(ArgAction::SetTrue)
            .overrides_with("v2")
            .help("The parameters are in cgroup v1 format"),
    )
    .arg(
        Arg::new("v2")
            .short('2')
            .long("v2")
            .action(ArgAction::SetTrue)
            .overrides_with("v1")
            .help("The parameters are in cgroup v2 format"),
    )
    .arg(
        Arg::new("ignore-unmappable")
            .short('i')
            .long("ignore-unmappable")
            .action(ArgAction::SetTrue)
            .help(
                "Leave out parameters that have no equivalent in the other version \
                 instead of failing",
            ),
    )
}
