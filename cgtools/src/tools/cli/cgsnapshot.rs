//! The command line of `cgsnapshot`.

use clap::{Arg, ArgAction, Command};
use std::path::PathBuf;

/// The argument definitions of `cgsnapshot`.
pub fn command() -> Command {
    Command::new("cgsnapshot")
        .about("Generate the configuration file for given controllers")
        .long_about(
            "Generate the configuration file for given controllers: print the current \
             cgroup tree as a cgconfig.conf that re-creates it.",
        )
        .override_usage(
            "cgsnapshot [-h] [-s] [-t] [-b FILE] [-w FILE] [-f FILE] [controller ...]",
        )
        .arg(
            Arg::new("silent")
                .short('s')
                .long("silent")
                .action(ArgAction::SetTrue)
                .help("Do not warn about settings that are neither deny- nor allow-listed"),
        )
        .arg(
            Arg::new("strict")
                .short('t')
                .long("strict")
                .action(ArgAction::SetTrue)
                .help("Capture only allow-listed settings"),
        )
        .arg(
            Arg::new("denylist")
                .short('b')
                .long("denylist")
                .visible_alias("blacklist")
                .value_name("FILE")
                .value_parser(clap::value_parser!(PathBuf))
                .help("Settings never captured, one per line [default: /etc/cgsnapshot_denylist.conf, else a built-in list]"),
        )
        .arg(
            Arg::new("allowlist")
                .short('w')
                .long("allowlist")
                .visible_alias("whitelist")
                .value_name("FILE")
                .value_parser(clap::value_parser!(PathBuf))
                .help("Settings known to be wanted, one per line [default: /etc/cgsnapshot_allowlist.conf]"),
        )
        .arg(
            Arg::new("file")
                .short('f')
                .long("file")
                .value_name("FILE")
                .value_parser(clap::value_parser!(PathBuf))
                .help("Write the configuration to FILE instead of standard output"),
        )
        .arg(
            Arg::new("controllers")
                .value_name("controller")
                .num_args(0..)
                .help("Only the hierarchies of these controllers [default: all]"),
        )
}
