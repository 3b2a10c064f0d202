//! The command line of `cgset`, shared by the binary and the man page generator; `cgxset`
//! adds its version options to the same arguments.

use std::collections::HashSet;
use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::backend::set::{self, Note, SetOptions};
use crate::backend::setting::controller_of;
use crate::tools::cmdline::{parse_args, parse_name_value, print_error, usage_error, EXIT_USAGE};
use crate::{Cgroups, GroupPath, Setting, Version};

/// The argument definitions of `cgset`.
pub fn command() -> Command {
    set_arguments(
        Command::new("cgset")
            .about("Set the parameters of given cgroup(s)")
            .long_about(
                "Set the parameters of given cgroup(s).\n\n\
                 The parameters are given with -r or copied from another \
                 group with --copy-from. Each parameter is written in the hierarchy of its \
                 controller (the text before the first dot). A parameter named in the other \
                 cgroup version's vocabulary (cpu.weight on a cgroup v1 host, cpu.shares on \
                 cgroup v2) is translated, with a note on stderr. Groups are processed in \
                 order; the first error stops the command.",
            )
            .override_usage(
                "cgset [-R] -r <name=value> [-r ...] <cgroup_path> ...\n       \
                 cgset [-R] --copy-from <source_cgroup_path> <cgroup_path> ...",
            ),
    )
}

/// The arguments cgset and cgxset share.
pub(crate) fn set_arguments(command: Command) -> Command {
    command
        .arg(
            Arg::new("rule")
                .short('r')
                .long("rule")
                .visible_alias("variable")
                .value_name("name=value")
                .action(ArgAction::Append)
                .allow_hyphen_values(true)
                .help(
                    "Parameter to set; several are applied in order, after the \
                     cgroup.subtree_control tokens (\"+cpu -io\": each token is written \
                     separately)",
                ),
        )
        .arg(
            Arg::new("copy-from")
                .long("copy-from")
                .value_name("source_cgroup_path")
                .help(
                    "Control group whose parameters are copied (its configuration: \
                     writable one-line settings, not counters)",
                ),
        )
        .arg(
            Arg::new("recursive")
                .short('R')
                .action(ArgAction::SetTrue)
                .help(
                    "Set the parameters in every group under <cgroup_path> too, parents \
                     first; cgroup.subtree_control: +tokens top-down, -tokens bottom-up, \
                     leaves skipped",
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
            Arg::new("cgroups")
                .value_name("cgroup_path")
                .action(ArgAction::Append)
                .num_args(0..)
                .help("Control groups to set the parameters of"),
        )
}

/// The flow of cgset and cgxset (`command` is either's definition): check the command
/// line as libcgroup 3.x does, then set the parameters of each group in order. Usage
/// errors exit 129 with libcgroup's wording (`no cgroup specified`, `no name-value pair was
/// set`, `wrong parameter of option -r`); a failure prints `cgroup modify error: <libcgroup's
/// message>` with our reason and hint, stops, and exits with libcgroup's code & 0xff.
pub fn run(command: Command, args: Vec<OsString>) -> ExitCode {
    let tool = command.get_name().to_string();
    if args.len() < 2 {
        return usage_error(
            command,
            format!("Usage is {tool} -r <name=value> <relative path to cgroup>"),
        );
    }
    let matches = match parse_args(command.clone(), args) {
        Ok(matches) => matches,
        Err(code) => return code,
    };
    let request = match Request::from_matches(&tool, command, &matches) {
        Ok(request) => request,
        Err(code) => return code,
    };
    let cg = match Cgroups::discover() {
        Ok(cg) => cg,
        Err(e) => {
            print_error(&tool, "libcgroup initialization failed", &e);
            return ExitCode::from(e.exit_code());
        }
    };
    let mut printed = HashSet::new();
    let mut notes = |note: Note| {
        let line = note_line(&note);
        if printed.insert(line.clone()) {
            eprintln!("{tool}: note: {line}");
        }
    };
    let copied = match &request.values {
        Values::Pairs(_) => None,
        Values::CopyFrom(source) => {
            match GroupPath::new(source).and_then(|path| set::read_copyable(&cg, &path)) {
                Ok(copied) => Some(copied),
                Err(e) => {
                    print_error(&tool, &format!("cgroup {source} error"), &e);
                    return ExitCode::from(e.exit_code());
                }
            }
        }
    };
    for group in &request.groups {
        let result = GroupPath::new(group).and_then(|path| match (&request.values, &copied) {
            (_, Some(copied)) => {
                set::apply_copied(&cg, copied, &path, request.options.recursive, &mut notes)
            }
            (Values::Pairs(settings), None) => {
                set::set_values(&cg, &path, settings, &request.options, &mut notes)
            }
            (Values::CopyFrom(_), None) => Ok(set::SetReport::default()),
        });
        if let Err(e) = result {
            print_error(&tool, "cgroup modify error", &e);
            return ExitCode::from(e.exit_code());
        }
    }
    ExitCode::SUCCESS
}

/// Where the values come from.
enum Values {
    /// `-r name=value`, in order.
    Pairs(Vec<Setting>),
    /// `--copy-from`, the source group as typed.
    CopyFrom(String),
}

/// A checked command line.
struct Request {
    values: Values,
    options: SetOptions,
    groups: Vec<String>,
}

impl Request {
    /// Checks the command line in libcgroup's order; a usage error is printed and becomes
    /// the exit status.
    fn from_matches(
        tool: &str,
        command: Command,
        matches: &ArgMatches,
    ) -> Result<Request, ExitCode> {
        let rules: Vec<&String> = matches
            .get_many::<String>("rule")
            .map(Iterator::collect)
            .unwrap_or_default();
        let copy_from = matches.get_one::<String>("copy-from");
        let mut settings = Vec::new();
        for rule in &rules {
            match parse_name_value(rule) {
                Some(setting) => settings.push(setting),
                None => {
                    eprintln!("{tool}: wrong parameter of option -r: {rule}");
                    eprintln!("{tool}: hint: give -r <name>=<value>, e.g. -r cpu.shares=512");
                    return Err(ExitCode::from(EXIT_USAGE));
                }
            }
        }
        if !rules.is_empty() && copy_from.is_some() {
            return Err(usage_error(
                command,
                "Wrong input parameters, -r and --copy-from cannot be used together",
            ));
        }
        let groups: Vec<String> = matches
            .get_many::<String>("cgroups")
            .map(|g| g.cloned().collect())
            .unwrap_or_default();
        if groups.is_empty() {
            return Err(usage_error(command, "no cgroup specified"));
        }
        let values = match copy_from {
            Some(source) => Values::CopyFrom(source.clone()),
            None if settings.is_empty() => {
                return Err(usage_error(command, "no name-value pair was set"));
            }
            None => Values::Pairs(settings),
        };
        if let Values::Pairs(settings) = &values {
            for setting in settings {
                if let Err(e) = controller_of(&setting.name) {
                    eprintln!(
                        // Two spaces, as libcgroup prints it.
                        "{tool}: wrong -r  parameter ({}={})",
                        setting.name, setting.value
                    );
                    eprintln!("{tool}: {e}");
                    return Err(ExitCode::from(EXIT_USAGE));
                }
            }
        }
        // Only cgxset defines the version options.
        let flag = |id: &str| {
            matches
                .try_get_one::<bool>(id)
                .ok()
                .flatten()
                .copied()
                .unwrap_or(false)
        };
        let vocabulary = if flag("v1") {
            Some(Version::V1)
        } else if flag("v2") {
            Some(Version::V2)
        } else {
            None
        };
        Ok(Request {
            values,
            options: SetOptions {
                vocabulary,
                ignore_unmappable: flag("ignore-unmappable"),
                recursive: matches.get_flag("recursive"),
            },
            groups,
        })
    }
}

/// One note as a line of text (without the `tool: note: ` prefix).
fn note_line(note: &Note) -> String {
    let pairs = |settings: &[Setting]| {
        settings
            .iter()
            .map(|s| format!("{}={}", s.name, s.value.escape_debug()))
            .collect::<Vec<_>>()
            .join(" ")
    };
    match note {
        Note::Translated { from, to } => format!(
            "translated to this host's cgroup version: {} -> {}",
            pairs(from),
            pairs(to)
        ),
        Note::Skipped(e) => format!("skipped: {e}"),
        Note::NotCopied { group, refused } => format!(
            "not copied to {} (the kernel refused them): {}",
            group.display(),
            refused
                .iter()
                .map(|(name, reason)| format!("{name} ({reason})"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Note::NoTarget { group } => format!(
            "{} does not exist: that hierarchy's settings were not copied",
            group.display()
        ),
    }
}
