//! What every command-line tool shares: libcgroup's usage-error exit status, and parsers
//! for the option values the tools have in common (`-g ctrl,ctrl:path`, `user:group`,
//! octal modes).

use std::ffi::OsString;
use std::process::ExitCode;

/// Exit status of a usage error (libcgroup 3.1's `EXIT_BADARGS`).
pub const EXIT_USAGE: u8 = 129;

/// Parses the command line, exiting as libcgroup 3.x does: help on stdout with status 0,
/// a usage error on stderr with status 129. Every usage error shows the usage line, also
/// for a bad option value (where clap leaves it out), and ends with libcgroup's line
/// ([`wrong_input_line`]) in place of clap's pointer to `--help`.
pub fn parse_args<I, T>(command: clap::Command, args: I) -> Result<clap::ArgMatches, ExitCode>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let mut usage_source = command.clone();
    let tool = command.get_name().to_string();
    command.try_get_matches_from(args).map_err(|mut err| {
        if matches!(
            err.kind(),
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
        ) {
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        if err.get(ContextKind::Usage).is_none() {
            let usage = usage_source.render_usage();
            err.insert(ContextKind::Usage, ContextValue::StyledStr(usage));
        }
        let rendered = err.render();
        let mut text = if colour_on_stderr() {
            rendered.ansi().to_string()
        } else {
            rendered.to_string()
        };
        if err.kind() == ErrorKind::ValueValidation {
            if let Some(reason) = std::error::Error::source(&err) {
                text = with_reason_first(&text, &tool, &reason.to_string());
            }
        }
        eprint!("{}", with_wrong_input_line(&text, &tool));
        ExitCode::from(EXIT_USAGE)
    })
}

/// libcgroup's line for every usage error (`Wrong input parameters, try <tool> -h for more
/// information.`, libcgroup 3.x's `usage()`): scripts and libcgroup's own functional tests
/// look for `Wrong input parameters,`.
pub fn wrong_input_line(tool: &str) -> String {
    format!("Wrong input parameters, try {tool} -h for more information.")
}

/// A usage error as clap renders it, its last line (clap's `For more information, try
/// '--help'.`) replaced by libcgroup's, or libcgroup's line added when clap has none.
fn with_wrong_input_line(text: &str, tool: &str) -> String {
    let text = text.trim_end();
    let kept = match text.rsplit_once('\n') {
        Some((before, last)) if last.starts_with("For more information, try ") => before,
        _ => text,
    };
    format!("{kept}\n{}\n", wrong_input_line(tool))
}

/// A value one of our parsers refused, told as libcgroup tells it: `<tool>: <reason>`
/// (`cgcreate: cgroup controller and path parsing failed (cpu)...`) on the first line,
/// then clap's line without the reason, which says which option the value was given to.
fn with_reason_first(text: &str, tool: &str, reason: &str) -> String {
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    match first.strip_suffix(&format!(": {reason}")) {
        Some(option) => format!("{tool}: {reason}\n{option}\n{rest}"),
        None => text.to_string(),
    }
}

/// Whether clap's colours suit stderr: a terminal, and `NO_COLOR` unset.
fn colour_on_stderr() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Reports a usage error that clap cannot see (options that exclude each other, a missing
/// group): `<tool>: <message>` in libcgroup's words (scripts match them), the usage line
/// and libcgroup's [`wrong_input_line`], on stderr. Returns libcgroup 3.x's usage exit
/// status, 129.
pub fn usage_error(mut command: clap::Command, message: impl std::fmt::Display) -> ExitCode {
    let tool = command.get_name().to_string();
    eprintln!("{tool}: {message}");
    eprintln!("{}", command.render_usage());
    eprintln!("{}", wrong_input_line(&tool));
    ExitCode::from(EXIT_USAGE)
}

/// The controllers of a `-g` option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Controllers {
    /// `*`: every mounted controller.
    All,
    /// The controllers named; empty for a controller-less group (`-g :path`), which lives
    /// in the cgroup v2 mount.
    Named(Vec<String>),
}

impl Controllers {
    /// The controller names to hand to the backend: the named ones, or for `*` every
    /// controller the host mounts.
    pub fn resolve<'a>(&'a self, cgroups: &'a crate::Cgroups) -> Vec<&'a str> {
        match self {
            Controllers::All => cgroups.layout().mounted_controllers().collect(),
            Controllers::Named(names) => names.iter().map(String::as_str).collect(),
        }
    }
}

/// A group named on the command line: `-g cpu,memory:web/frontend`, `-g *:x`, `-g :x`,
/// or `cpu:x` as a positional argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupSpec {
    /// The controllers before the `:`.
    pub controllers: Controllers,
    /// The path after the `:`, exactly as typed (cgget echoes the user's spelling).
    pub path: String,
}

impl GroupSpec {
    /// The path as a validated group path.
    pub fn group_path(&self) -> crate::Result<crate::GroupPath> {
        crate::GroupPath::new(&self.path)
    }
}

/// Parses a controller list: `cpu,memory` or `*`. Empty items (`cpu,,memory`) are an error,
/// where libcgroup's `strtok` would skip them silently.
pub fn parse_controllers(text: &str) -> Result<Controllers, String> {
    if text == "*" {
        return Ok(Controllers::All);
    }
    let names: Vec<String> = text.split(',').map(str::to_string).collect();
    if names.iter().any(String::is_empty) {
        return Err(format!("empty controller name in `{text}`"));
    }
    if names.iter().any(|n| n == "*") {
        return Err(format!("`*` stands alone, not in a list: `{text}`"));
    }
    Ok(Controllers::Named(names))
}

/// Parses `controllers:path` (the value of `-g`, or a positional group of cgdelete and
/// lscgroup). The path is checked when it is used, so that errors name the group.
pub fn parse_group_spec(text: &str) -> Result<GroupSpec, String> {
    let Some((controllers, path)) = text.split_once(':') else {
        return Err(format!(
            "cgroup controller and path parsing failed ({text}): give controllers:path, e.g. cpu,memory:/web"
        ));
    };
    let controllers = if controllers.is_empty() {
        Controllers::Named(Vec::new())
    } else {
        parse_controllers(controllers)
            .map_err(|e| format!("cgroup controller and path parsing failed ({text}): {e}"))?
    };
    if path.is_empty() {
        return Err(format!(
            "cgroup controller and path parsing failed ({text}): the path is empty; use / for the root group"
        ));
    }
    Ok(GroupSpec {
        controllers,
        path: path.to_string(),
    })
}

/// An owner given as `user:group`, `user`, `:group` or `user:` (either part may be left
/// out; a number is an id).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnerSpec {
    /// The user part, if given.
    pub user: Option<String>,
    /// The group part, if given.
    pub group: Option<String>,
}

/// Parses `user:group` as the `-a` and `-t` options take it.
pub fn parse_owner(text: &str) -> Result<OwnerSpec, String> {
    let (user, group) = match text.split_once(':') {
        Some((user, group)) => (user, Some(group)),
        None => (text, None),
    };
    let part = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let spec = OwnerSpec {
        user: part(user),
        group: group.and_then(part),
    };
    if spec.user.is_none() && spec.group.is_none() {
        return Err(format!("`{text}` names neither a user nor a group"));
    }
    Ok(spec)
}

/// Parses an octal mode as the `-d`, `-f` and `-s` options take it (`775`, `0640`).
pub fn parse_mode(text: &str) -> Result<u32, String> {
    grammar::cgconfig::parse_mode(text)
        .map(|mode| mode.0)
        .ok_or_else(|| {
            // libcgroup's words, `wrong mode format 9`, then how to write one.
            format!("wrong mode format {text}: give octal permission bits such as 775")
        })
}

/// Prints a failure as libcgroup's tools print it, then what cgtools knows about it, each
/// line starting with the tool's name:
///
/// ```text
/// cgset: cgroup modify error: Invalid argument
/// cgset: kernel rejected value `abc` for `cpu.shares`: Invalid argument (/sys/fs/cgroup/cpu/x/cpu.shares)
/// cgset: hint: ...
/// ```
///
/// The first line is `<headline>: <libcgroup's message>`, word for word what scripts
/// written for cgroup-tools may match; the second is the backend's sentence (the file, the
/// operation, the kernel's reason); the third, when there is one, the hint.
pub fn print_error(tool: &str, headline: &str, error: &crate::Error) {
    eprint!("{}", error_text(tool, headline, error));
}

/// The text [`print_error`] prints, for tools that collect messages before printing. An
/// empty headline (no libcgroup wording to keep) leaves out the first line.
pub fn error_text(tool: &str, headline: &str, error: &crate::Error) -> String {
    let mut text = String::new();
    let message = error.libcgroup_message();
    if headline.ends_with(message.as_str()) {
        // The headline already is libcgroup's whole line ("variable file read failed No
        // such file or directory").
        text.push_str(&format!("{tool}: {headline}\n"));
    } else if !headline.is_empty() {
        text.push_str(&format!("{tool}: {headline}: {message}\n"));
    }
    text.push_str(&format!("{tool}: {error}\n"));
    if let Some(hint) = error.hint() {
        text.push_str(&format!("{tool}: hint: {hint}\n"));
    }
    text
}

/// Resolves a `user:group` owner to ids. Names are looked up in the user and group
/// databases; a number is taken as an id (libcgroup accepts only names). An unknown name
/// is an error worded as libcgroup words it (`can't find uid of user X.`).
pub fn resolve_owner(
    spec: &OwnerSpec,
    accounts: &mut dyn crate::engine::accounts::Accounts,
) -> Result<crate::Owner, String> {
    fn id(
        name: &str,
        what: &str,
        id_name: &str,
        lookup: &mut dyn FnMut(&str) -> Result<Option<u32>, String>,
    ) -> Result<u32, String> {
        if let Ok(number) = name.parse::<u32>() {
            return Ok(number);
        }
        match lookup(name) {
            Ok(Some(id)) => Ok(id),
            Ok(None) => Err(format!("can't find {id_name} of {what} {name}.")),
            Err(reason) => Err(format!("can't find {id_name} of {what} {name}: {reason}")),
        }
    }
    let uid = match &spec.user {
        Some(user) => Some(id(user, "user", "uid", &mut |n| accounts.uid(n))?),
        None => None,
    };
    let gid = match &spec.group {
        Some(group) => Some(id(group, "group", "gid", &mut |n| accounts.gid(n))?),
        None => None,
    };
    Ok(crate::Owner { uid, gid })
}

/// Splits the value of cgset's `-r` into name and value at the first `=`. `None` when
/// there is no `=`, or the name or the value is empty: libcgroup 3.x's "wrong parameter of
/// option -r" (2.0.2 crashed on a missing `=`).
pub fn parse_name_value(text: &str) -> Option<crate::Setting> {
    let (name, value) = text.split_once('=')?;
    (!name.is_empty() && !value.is_empty()).then(|| crate::Setting::new(name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_specs_as_libcgroup_writes_them() {
        let spec = parse_group_spec("cpu,memory:/web/frontend").unwrap();
        assert_eq!(
            spec.controllers,
            Controllers::Named(vec!["cpu".into(), "memory".into()])
        );
        assert_eq!(spec.path, "/web/frontend");
        assert_eq!(
            parse_group_spec("*:x").unwrap().controllers,
            Controllers::All
        );
        assert_eq!(
            parse_group_spec(":x").unwrap().controllers,
            Controllers::Named(vec![])
        );
        // Only the first `:` separates: the rest belongs to the path.
        assert_eq!(parse_group_spec("cpu:a:b").unwrap().path, "a:b");
        for bad in ["cpu", "cpu:", "cpu,,memory:x", ",cpu:x", "cpu,*:x"] {
            assert!(parse_group_spec(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_group_spec("cpu").unwrap_err(),
            "cgroup controller and path parsing failed (cpu): give controllers:path, e.g. cpu,memory:/web"
        );
    }

    #[test]
    fn owners_accept_either_part() {
        assert_eq!(
            parse_owner("www-data:staff").unwrap(),
            OwnerSpec {
                user: Some("www-data".into()),
                group: Some("staff".into())
            }
        );
        assert_eq!(parse_owner("root").unwrap().group, None);
        assert_eq!(parse_owner(":staff").unwrap().user, None);
        assert!(parse_owner(":").is_err());
        assert!(parse_owner("").is_err());
    }

    #[test]
    fn name_value_pairs_split_at_the_first_equals_sign() {
        let s = parse_name_value("cpuset.cpus=0-1").unwrap();
        assert_eq!((s.name.as_str(), s.value.as_str()), ("cpuset.cpus", "0-1"));
        let s = parse_name_value("io.max=8:0 rbps=1").unwrap();
        assert_eq!(s.value, "8:0 rbps=1");
        for bad in ["cpu.shares", "cpu.shares=", "=5", ""] {
            assert!(parse_name_value(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn owners_resolve_names_and_numbers() {
        struct Fake;
        impl crate::engine::accounts::Accounts for Fake {
            fn uid(&mut self, name: &str) -> Result<Option<u32>, String> {
                Ok((name == "alice").then_some(1000))
            }
            fn gid(&mut self, name: &str) -> Result<Option<u32>, String> {
                Ok((name == "staff").then_some(50))
            }
        }
        let owner = resolve_owner(&parse_owner("alice:staff").unwrap(), &mut Fake).unwrap();
        assert_eq!((owner.uid, owner.gid), (Some(1000), Some(50)));
        let owner = resolve_owner(&parse_owner("7:").unwrap(), &mut Fake).unwrap();
        assert_eq!((owner.uid, owner.gid), (Some(7), None));
        assert_eq!(
            resolve_owner(&parse_owner("bob").unwrap(), &mut Fake).unwrap_err(),
            "can't find uid of user bob."
        );
        assert_eq!(
            resolve_owner(&parse_owner(":wheel").unwrap(), &mut Fake).unwrap_err(),
            "can't find gid of group wheel."
        );
    }

    #[test]
    fn usage_errors_end_with_libcgroups_line() {
        let clap = "error: unexpected argument 'x' found\n\nUsage: t [-h]\n\n\
                    For more information, try '--help'.\n";
        assert_eq!(
            with_wrong_input_line(clap, "t"),
            "error: unexpected argument 'x' found\n\nUsage: t [-h]\n\n\
             Wrong input parameters, try t -h for more information.\n"
        );
        // A text without clap's pointer to --help (a help shown for missing arguments)
        // gets the line added.
        assert_eq!(
            with_wrong_input_line("Usage: t\n", "t"),
            "Usage: t\nWrong input parameters, try t -h for more information.\n"
        );
    }

    #[test]
    fn a_refused_value_is_told_in_libcgroups_shape() {
        let reason = "cgroup controller and path parsing failed (cpu): give controllers:path";
        let clap = format!("error: invalid value 'cpu' for '-g <SPEC>': {reason}\n\nUsage: t\n");
        assert_eq!(
            with_reason_first(&clap, "t", reason),
            format!("t: {reason}\nerror: invalid value 'cpu' for '-g <SPEC>'\n\nUsage: t\n")
        );
        // Anything else is left to clap.
        assert_eq!(with_reason_first("odd\n", "t", reason), "odd\n");
    }

    #[test]
    fn modes_are_octal() {
        assert_eq!(parse_mode("775"), Ok(0o775));
        assert_eq!(
            parse_mode("9"),
            Err("wrong mode format 9: give octal permission bits such as 775".to_string())
        );
    }
}
