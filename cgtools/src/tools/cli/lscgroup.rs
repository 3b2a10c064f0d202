//! The command line of `lscgroup`.

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::tools::cmdline::{parse_group_spec, GroupSpec};

const HELP: &str = "\
Output:
  One `<controllers>:<path>` line per group, every hierarchy walked from its root (or from
  the PATH of each spec) in pre-order, children sorted by name. A non-root start group is
  printed with a trailing `/`. CONTROLLERS may be `*` (every hierarchy), empty (`:PATH`,
  the cgroup v2 mount) or `name=X` (a named v1 hierarchy).

JSON (--json): one document on stdout instead of the text:
  {
    \"cgroups\": [
      {\"controllers\": [\"cpu\", \"cpuacct\"], \"path\": \"/web\", \"version\": 1,
       \"mount_point\": \"/sys/fs/cgroup/cpu,cpuacct\"}
    ]
  }
  One entry per listed group, in text order; \"path\" never has a trailing `/`.

Exit status: 0 on success (also when a group does not exist: a note goes to stderr); 93
when a controller is mounted nowhere; 81 when no cgroup filesystem is mounted; 129 for a
usage error.";

/// The argument definitions of `lscgroup`.
pub fn command() -> Command {
    Command::new("lscgroup")
        .about("List all cgroups")
        .override_usage("lscgroup [-h] [--json] [[-g] CONTROLLERS:PATH]...")
        .args_override_self(true)
        .arg(
            Arg::new("group")
                .short('g')
                .long("group")
                .value_name("CONTROLLERS:PATH")
                .action(ArgAction::Append)
                .value_parser(parse_group_spec)
                .help("List this group and the groups below it (-g is optional)"),
        )
        .arg(
            Arg::new("ignore-systemd-base")
                .short('b')
                .action(ArgAction::SetTrue)
                .help("Not supported: cgtools has no systemd default cgroup to ignore"),
        )
        .arg(
            Arg::new("json")
                .long("json")
                .action(ArgAction::SetTrue)
                .help("Print one JSON document instead of text (schema in --help)"),
        )
        .arg(
            Arg::new("spec")
                .value_name("CONTROLLERS:PATH")
                .action(ArgAction::Append)
                .value_parser(parse_group_spec)
                .help("Same as -g CONTROLLERS:PATH"),
        )
        .after_long_help(HELP)
}

/// The specs to list: the `-g` ones first, then the positional ones (libcgroup's getopt
/// reads every option before the operands).
pub fn specs(matches: &ArgMatches) -> Vec<GroupSpec> {
    let mut specs: Vec<GroupSpec> = Vec::new();
    for id in ["group", "spec"] {
        if let Some(values) = matches.get_many::<GroupSpec>(id) {
            specs.extend(values.cloned());
        }
    }
    specs
}
