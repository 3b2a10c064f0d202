//! The command line of `cgxget`: cgget's options plus the cgroup version to speak.

use clap::{Arg, ArgAction, Command};

use crate::tools::cli::cgget::shared;

const CGXGET_JSON_HELP: &str = "\
Versions: with -1 or -2, names are given and printed in that cgroup version's vocabulary
and converted to and from what the host runs each controller as (cpu.shares <-> cpu.weight,
cpu.cfs_quota_us/cpu.cfs_period_us <-> cpu.max, memory.limit_in_bytes <-> memory.max, ...).
A setting with no counterpart fails (exit 111) unless -i leaves it out. Without -1/-2,
cgxget behaves like cgget and converts only names of the other version.

JSON (--json): the same document as cgget's:
  {\"groups\": [{\"path\": \"<as given>\", \"settings\": [{\"name\": \"cpu.weight\", \"value\": \"100\"}]}]}
  A value is the file's content without its trailing newline, or null for a file nobody
  may read. On failure nothing is printed on stdout.

Exit status: 0 on success; 96 when a group, controller or setting cannot be read; 91 for
a name not in the requested vocabulary; 111 for a setting with no counterpart; 129 for a
usage error.";

/// The argument definitions of `cgxget`.
pub fn command() -> Command {
    shared(Command::new("cgxget"))
        .about("Print parameter(s) of given group(s), converting between cgroup v1 and v2")
        .override_usage(
            "cgxget [-1|-2] [-i] [-nv] [-r NAME]... [-g CONTROLLERS]... [-a] [--json] PATH...\n       \
             cgxget [-1|-2] [-i] [-nv] -g CONTROLLERS:PATH... [--json]",
        )
        .arg(
            Arg::new("v1")
                .short('1')
                .long("v1")
                .action(ArgAction::SetTrue)
                .overrides_with("v2")
                .help("Names and values are in cgroup v1 format"),
        )
        .arg(
            Arg::new("v2")
                .short('2')
                .long("v2")
                .action(ArgAction::SetTrue)
                .overrides_with("v1")
                .help("Names and values are in cgroup v2 format"),
        )
        .arg(
            Arg::new("ignore-unmappable")
                .short('i')
                .long("ignore-unmappable")
                .action(ArgAction::SetTrue)
                .help("Leave out settings that cannot be converted instead of failing"),
        )
        .after_long_help(CGXGET_JSON_HELP)
}
