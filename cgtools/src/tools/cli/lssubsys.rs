//! The command line of `lssubsys`.

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::tools::read::lssubsys::{MountPoints, Options};

const HELP: &str = "\
Output:
  One line per mounted cgroup v1 hierarchy: its controllers joined with commas, plus the
  hierarchy id (-i) or mount point (-m; -M prints one line per mount point). -a first
  prints every controller of hierarchy 0 in /proc/cgroups, one per line: those mounted
  nowhere and those the cgroup v2 mount serves. Named hierarchies are never listed.

JSON (--json): one document on stdout instead of the text, whatever -i, -m or -M say:
  {
    \"hierarchies\": [
      {\"controllers\": [\"cpu\", \"cpuacct\"], \"id\": 2, \"version\": 1,
       \"mount_points\": [\"/sys/fs/cgroup/cpu,cpuacct\"]},
      {\"controllers\": [\"hugetlb\"], \"id\": null, \"version\": 2,
       \"mount_points\": [\"/sys/fs/cgroup/unified\"]}
    ],
    \"unmounted\": [\"net_cls\"]
  }
  \"hierarchies\" holds the selected v1 hierarchies and the cgroup v2 mount when it serves
  a selected controller; \"unmounted\" (filled with -a) the controllers no hierarchy serves.

Exit status: 0 (a controller the kernel does not know gets a warning on stderr); 129 for a
usage error.";

/// The argument definitions of `lssubsys`.
pub fn command() -> Command {
    Command::new("lssubsys")
        .about(
            "List information about given controller(s); with none, about all mounted \
             controllers",
        )
        .override_usage(
            "lssubsys [-i] [-m] [-M] [--json] [CONTROLLER]...\n       \
             lssubsys [-a] [-i] [-m] [-M] [--json]",
        )
        .args_override_self(true)
        .arg(
            Arg::new("all")
                .short('a')
                .long("all")
                .action(ArgAction::SetTrue)
                .help("Also list the controllers mounted nowhere, and every hierarchy"),
        )
        .arg(
            Arg::new("hierarchies")
                .short('i')
                .long("hierarchies")
                .action(ArgAction::SetTrue)
                .help("Print the hierarchy ids"),
        )
        .arg(
            Arg::new("mount-points")
                .short('m')
                .long("mount-points")
                .action(ArgAction::SetTrue)
                .help("Print the mount point of each hierarchy"),
        )
        .arg(
            Arg::new("all-mount-points")
                .short('M')
                .long("all-mount-points")
                .action(ArgAction::SetTrue)
                .help("Print every mount point of each hierarchy"),
        )
        .arg(
            Arg::new("json")
                .long("json")
                .action(ArgAction::SetTrue)
                .help("Print one JSON document instead of text (schema in --help)"),
        )
        .arg(
            Arg::new("controller")
                .value_name("CONTROLLER")
                .action(ArgAction::Append)
                .help("A controller to list the hierarchy of"),
        )
        .after_long_help(HELP)
}

/// The listing options the command line asks for.
pub fn options(matches: &ArgMatches) -> Options {
    Options {
        all: matches.get_flag("all"),
        ids: matches.get_flag("hierarchies"),
        mount_points: if matches.get_flag("all-mount-points") {
            MountPoints::All
        } else if matches.get_flag("mount-points") {
            MountPoints::First
        } else {
            MountPoints::None
        },
        controllers: matches
            .get_many::<String>("controller")
            .map(|values| values.cloned().collect())
            .unwrap_or_default(),
    }
}
