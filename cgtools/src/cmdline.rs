//! What every command-line tool shares: libcgroup's usage-error exit status, and parsers
//! for the option values the tools have in common (`user:group`, octal modes).

use std::ffi::OsString;
use std::process::ExitCode;

/// Exit status of a usage error (libcgroup 3.1's `EXIT_BADARGS`).
pub const EXIT_USAGE: u8 = 129;

/// Parses the command line, exiting as libcgroup 3.x does: help on stdout with status 0,
/// a usage error on stderr with status 129.
pub fn parse_args<I, T>(command: clap::Command, args: I) -> Result<clap::ArgMatches, ExitCode>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    command.try_get_matches_from(args).map_err(|err| {
        let _ = err.print();
        match err.kind() {
            clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                ExitCode::SUCCESS
            }
            _ => ExitCode::from(EXIT_USAGE),
        }
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
