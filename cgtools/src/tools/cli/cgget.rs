//! The command line of `cgget` (and the options `cgxget` shares with it), and how its
//! options turn into the groups to read.

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::tools::cmdline::{parse_controllers, parse_group_spec, Controllers, GroupSpec};
use crate::tools::read::cgget::{GroupRequest, RequestBuilder, RequestError};

/// The value of `-g`: controllers for the paths after the options, or a group of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupOption {
    /// `-g cpu,memory`.
    Controllers(Controllers),
    /// `-g cpu,memory:/path`.
    Group(GroupSpec),
}

/// Parses a `-g` value: with a `:` it names a group, without one only controllers.
pub fn parse_group_option(text: &str) -> Result<GroupOption, String> {
    if text.contains(':') {
        parse_group_spec(text).map(GroupOption::Group)
    } else {
        parse_controllers(text)
            .map(GroupOption::Controllers)
            .map_err(|e| format!("cgroup controller parsing failed ({text}): {e}"))
    }
}

/// What `-b` answers: cgtools has no systemd default cgroup to ignore.
pub const NO_SYSTEMD_BASE: &str = "-b is not supported: cgtools never applies a systemd \
     default cgroup (/var/run/libcgroup/systemd), so paths are always relative to the \
     hierarchy root, which is what -b asks for; leave -b out";

const CGGET_JSON_HELP: &str = "\
Output:
  Per group a `<path>:` header as given on the command line, one `name: value` line per
  setting (further lines of a multi-line value indented by a TAB), and an empty line.
  Whole controllers are listed sorted by setting name; a file nobody may read (such as
  memory.force_empty) prints with an empty value. -m prints the setup mode, -c a
  `#Controller<TAB>Version` table, both before the groups.

JSON (--json): one document on stdout instead of the text, for every option combination:
  {
    \"mode\": {\"name\": \"legacy|hybrid|unified\", \"description\": \"<-m sentence>\"},
    \"controllers\": [{\"name\": \"cpu\", \"version\": 1}],
    \"groups\": [
      {\"path\": \"<as given>\",
       \"settings\": [{\"name\": \"cpu.shares\", \"value\": \"1024\"}]}
    ]
  }
  \"mode\" is present only with -m, \"controllers\" only with -c, \"groups\" always. A
  value is the file's content without its trailing newline (inner newlines kept), or
  null for a file nobody may read. -n and -v do not change the document. On failure
  nothing is printed on stdout.

Exit status: 0 on success; 96 when a group, controller or setting cannot be read; 91 for
a setting name without a controller; 81 when no cgroup filesystem is mounted; 129 for a
usage error.";

/// The options cgget and cgxget share.
pub(crate) fn shared(command: Command) -> Command {
    command
        .args_override_self(true)
        .arg(
            Arg::new("variable")
                .short('r')
                .long("variable")
                .value_name("NAME")
                .action(ArgAction::Append)
                .help("Print this setting (may be given several times)"),
        )
        .arg(
            Arg::new("group")
                .short('g')
                .value_name("CONTROLLERS[:PATH]")
                .action(ArgAction::Append)
                .value_parser(parse_group_option)
                .help(
                    "Print every setting of these controllers of the groups given as PATH, \
                     or with :PATH of that group (may be given several times)",
                ),
        )
        .arg(
            Arg::new("all")
                .short('a')
                .long("all")
                .action(ArgAction::SetTrue)
                .help("Print every setting of every mounted controller"),
        )
        .arg(
            Arg::new("no-headers")
                .short('n')
                .action(ArgAction::SetTrue)
                .help("Do not print the group headers and empty lines"),
        )
        .arg(
            Arg::new("values-only")
                .short('v')
                .long("values-only")
                .action(ArgAction::SetTrue)
                .help("Print only the values, not the setting names"),
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
            Arg::new("path")
                .value_name("PATH")
                .action(ArgAction::Append)
                .help("A group to print, relative to the hierarchy roots"),
        )
}

/// The argument definitions of `cgget`.
pub fn command() -> Command {
    shared(Command::new("cgget"))
        .about("Print parameter(s) of given group(s)")
        .override_usage(
            "cgget [-nvmc] [-r NAME]... [-g CONTROLLERS]... [-a] [--json] PATH...\n       \
             cgget [-nvmc] -g CONTROLLERS:PATH... [--json]\n       \
             cgget -m | -c",
        )
        .arg(
            Arg::new("mode")
                .short('m')
                .action(ArgAction::SetTrue)
                .help("Print the cgroup setup mode (legacy, hybrid or unified)"),
        )
        .arg(
            Arg::new("versions")
                .short('c')
                .action(ArgAction::SetTrue)
                .help("Print every mounted controller and its cgroup version"),
        )
        .after_long_help(CGGET_JSON_HELP)
}

/// The groups to read, from the options in command-line order (as libcgroup's getopt
/// loop applies them) and then the paths. `all_controllers` are the host's mounted
/// controllers in mount-table order, for `-a` and bare paths.
pub fn requests(
    matches: &ArgMatches,
    all_controllers: Vec<String>,
) -> Result<Vec<GroupRequest>, RequestError> {
    enum Opt<'a> {
        Setting(&'a String),
        Group(&'a GroupOption),
        All,
    }
    let mut options: Vec<(usize, Opt<'_>)> = Vec::new();
    if let (Some(values), Some(indices)) = (
        matches.get_many::<String>("variable"),
        matches.indices_of("variable"),
    ) {
        options.extend(indices.zip(values.map(Opt::Setting)));
    }
    if let (Some(values), Some(indices)) = (
        matches.get_many::<GroupOption>("group"),
        matches.indices_of("group"),
    ) {
        options.extend(indices.zip(values.map(Opt::Group)));
    }
    if matches.get_flag("all") {
        options.push((matches.index_of("all").unwrap_or(0), Opt::All));
    }
    options.sort_by_key(|(index, _)| *index);
    let mut builder = RequestBuilder::new(all_controllers);
    for (_, option) in options {
        match option {
            Opt::Setting(name) => builder.setting(name)?,
            Opt::Group(GroupOption::Controllers(controllers)) => {
                builder.controllers(controllers)?
            }
            Opt::Group(GroupOption::Group(spec)) => builder.group(spec),
            Opt::All => builder.all(),
        }
    }
    let paths: Vec<String> = matches
        .get_many::<String>("path")
        .map(|values| values.cloned().collect())
        .unwrap_or_default();
    builder.finish(&paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Vec<(String, Vec<String>)> {
        let matches = command()
            .try_get_matches_from(std::iter::once("cgget").chain(args.iter().copied()))
            .unwrap();
        requests(&matches, vec!["cpu".into(), "memory".into()])
            .unwrap()
            .into_iter()
            .map(|g| {
                (
                    g.path,
                    g.controllers.into_iter().map(|c| c.controller).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn options_apply_in_command_line_order_then_paths() {
        assert_eq!(
            parse(&["-g", "memory", "-a", "x", "y"]),
            [
                (
                    "x".to_string(),
                    vec!["memory".to_string(), "cpu".to_string()]
                ),
                (
                    "y".to_string(),
                    vec!["memory".to_string(), "cpu".to_string()]
                )
            ]
        );
        assert_eq!(
            parse(&["x", "-r", "memory.limit_in_bytes", "-r", "cpu.shares"]),
            [(
                "x".to_string(),
                vec!["memory".to_string(), "cpu".to_string()]
            )]
        );
        assert_eq!(
            parse(&["-g", "cpu:a", "-g", "memory:/b"]),
            [
                ("a".to_string(), vec!["cpu".to_string()]),
                ("/b".to_string(), vec!["memory".to_string()])
            ]
        );
    }

    #[test]
    fn g_values_name_controllers_or_groups() {
        assert_eq!(
            parse_group_option("cpu,memory"),
            Ok(GroupOption::Controllers(Controllers::Named(vec![
                "cpu".into(),
                "memory".into()
            ])))
        );
        assert!(matches!(
            parse_group_option("cpu:/x"),
            Ok(GroupOption::Group(_))
        ));
        assert!(parse_group_option("cpu,,x").is_err());
        assert!(parse_group_option("cpu:").is_err());
    }
}
