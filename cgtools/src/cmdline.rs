//! What every command-line tool shares: libcgroup's usage-error exit status, and parsers
//! for the option values the tools have in common (`-g ctrl,ctrl:path`, `user:group`,
//! octal modes).

use std::ffi::OsString;
use std::process::ExitCode;

/// Exit status of a usage error (libcgroup 3.1's `EXIT_BADARGS`).
pub const EXIT_USAGE: u8 = 129;

/// Parses the command line, exiting as libcgroup 3.x does: help on stdout with status 0,
/// a usage error on stderr with status 129. Every usage error shows the usage line, also
/// for a bad option value (where clap leaves it out).
pub fn parse_args<I, T>(command: clap::Command, args: I) -> Result<clap::ArgMatches, ExitCode>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let mut usage_source = command.clone();
    command.try_get_matches_from(args).map_err(|mut err| {
        let is_help = matches!(
            err.kind(),
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
        );
        if !is_help && err.get(ContextKind::Usage).is_none() {
            let usage = usage_source.render_usage();
            err.insert(ContextKind::Usage, ContextValue::StyledStr(usage));
        }
        let _ = err.print();
        if is_help {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(EXIT_USAGE)
        }
    })
}

/// Reports a usage error that clap cannot see (options that exclude each other, a missing
/// path) the way clap reports its own: the message, the usage line and a pointer to
/// `--help` on stderr. Returns libcgroup 3.x's usage exit status, 129.
pub fn usage_error(mut command: clap::Command, message: impl std::fmt::Display) -> ExitCode {
    let _ = command
        .error(clap::error::ErrorKind::ArgumentConflict, message)
        .print();
    ExitCode::from(EXIT_USAGE)
}

/// The text a tool prints for a backend failure: `<tool>: <context>: <error>`, where the
/// context keeps libcgroup's wording (scripts match it), the error says what failed where
/// and why, and the hint, if any, follows on its own line.
pub fn error_text(tool: &str, context: &str, error: &crate::Error) -> String {
    let mut text = if context.is_empty() {
        format!("{tool}: {error}\n")
    } else {
        format!("{tool}: {context}: {error}\n")
    };
    if let Some(hint) = error.hint() {
        text.push_str(&format!("{tool}: hint: {hint}\n"));
    }
    text
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
            format!("wrong mode format `{text}`: give octal permission bits such as 775")
        })
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
    fn modes_are_octal() {
        assert_eq!(parse_mode("775"), Ok(0o775));
        assert!(parse_mode("9").is_err());
    }
}
