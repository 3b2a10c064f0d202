//! Checks of a parsed configuration that need the host, reported like the grammar's own
//! errors (`file:line:col`, the line, a caret) through the spans the syntax tree kept.
//!
//! So far: every user and group named in a `perm` block exists. libcgroup fails on an
//! unknown user only when it gets there, and does not notice an unknown group at all (it
//! applies a garbage gid); we refuse the file before anything is touched.

use grammar::cgconfig::{self, Config, Id, IdKind, Perm, Section};
use grammar::diagnostic::render_all;
use grammar::source::ReadError;
use grammar::{Diagnostic, SourceFile};
use std::collections::HashMap;
use std::path::Path;

/// Why a configuration file cannot be used.
#[derive(Debug)]
pub enum FileError {
    /// It cannot be read (missing, permissions).
    Unreadable(String),
    /// It has errors; `report` holds them rendered (`file:line:col`, line, caret), and
    /// `count` how many there are.
    Invalid {
        /// The rendered errors.
        report: String,
        /// Number of errors.
        count: usize,
    },
}

/// Reads, parses and checks one cgconfig.conf file against the host.
pub fn check_file(path: &Path, accounts: &mut dyn Accounts) -> Result<Config, FileError> {
    let src = match SourceFile::read(path) {
        Ok(src) => src,
        Err(err @ ReadError::Io { .. }) => return Err(FileError::Unreadable(err.to_string())),
        Err(err @ ReadError::NotUtf8 { .. }) => {
            return Err(FileError::Invalid {
                report: format!("{err}\n"),
                count: 1,
            })
        }
    };
    let invalid = |errors: Vec<Diagnostic>| FileError::Invalid {
        report: render_all(&errors, &src),
        count: errors.len(),
    };
    let config = cgconfig::parse(&src).map_err(invalid)?;
    let errors = check_owners(&config, accounts);
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(invalid(errors))
    }
}

/// Where user and group names are looked up (the system's NSS databases, or a fake in
/// tests).
pub trait Accounts {
    /// The uid of user `name`, `None` if there is no such user.
    fn uid(&mut self, name: &str) -> Result<Option<u32>, String>;
    /// The gid of group `name`, `None` if there is no such group.
    fn gid(&mut self, name: &str) -> Result<Option<u32>, String>;
}

/// The host's users and groups (getpwnam/getgrnam), each name looked up once.
#[derive(Debug, Default)]
pub struct SystemAccounts {
    users: HashMap<String, Option<u32>>,
    groups: HashMap<String, Option<u32>>,
}

impl Accounts for SystemAccounts {
    fn uid(&mut self, name: &str) -> Result<Option<u32>, String> {
        if let Some(&uid) = self.users.get(name) {
            return Ok(uid);
        }
        let uid = nix::unistd::User::from_name(name)
            .map_err(|errno| errno.desc().to_string())?
            .map(|user| user.uid.as_raw());
        self.users.insert(name.to_string(), uid);
        Ok(uid)
    }

    fn gid(&mut self, name: &str) -> Result<Option<u32>, String> {
        if let Some(&gid) = self.groups.get(name) {
            return Ok(gid);
        }
        let gid = nix::unistd::Group::from_name(name)
            .map_err(|errno| errno.desc().to_string())?
            .map(|group| group.gid.as_raw());
        self.groups.insert(name.to_string(), gid);
        Ok(gid)
    }
}

/// Every user and group named in `config` that the host does not know, as errors.
pub fn check_owners(config: &Config, accounts: &mut dyn Accounts) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for section in &config.sections {
        let perm: Option<&Perm> = match section {
            Section::Group(g) | Section::Template(g) => g.perm.as_ref(),
            Section::Default(d) => Some(&d.perm),
            _ => None,
        };
        for (kind, id) in perm.into_iter().flat_map(Perm::ids) {
            let Id::Name(name) = &id.value else {
                continue;
            };
            let (found, what, hint) = match kind {
                IdKind::User => (
                    accounts.uid(name),
                    "user",
                    "`uid` takes a user name or a number",
                ),
                IdKind::Group => (
                    accounts.gid(name),
                    "group",
                    "`gid` takes a group name or a number",
                ),
            };
            match found {
                Ok(Some(_)) => {}
                Ok(None) => diagnostics.push(
                    Diagnostic::error(id.span, format!("unknown {what} `{name}`")).with_hint(hint),
                ),
                Err(reason) => diagnostics.push(Diagnostic::error(
                    id.span,
                    format!("cannot look up {what} `{name}`: {reason}"),
                )),
            }
        }
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;
    use grammar::diagnostic::render_all;
    use grammar::{cgconfig, SourceFile};

    /// Knows `root`/`root` and `www-data`/`www-data`; every other name is unknown.
    struct FakeAccounts {
        lookups: usize,
    }

    impl Accounts for FakeAccounts {
        fn uid(&mut self, name: &str) -> Result<Option<u32>, String> {
            self.lookups += 1;
            Ok(match name {
                "root" => Some(0),
                "www-data" => Some(33),
                _ => None,
            })
        }
        fn gid(&mut self, name: &str) -> Result<Option<u32>, String> {
            self.uid(name)
        }
    }

    #[test]
    fn unknown_users_and_groups_are_located_errors() {
        let src = SourceFile::new(
            "owners.conf",
            "default { perm { task { uid = nosuchuser; } } }\n\
             group a {\n\tperm {\n\t\ttask { uid = www-data; gid = 1234; }\n\t\tadmin { uid = root; gid = nosuchgroup; }\n\t}\n\tcpu { }\n}\n",
        );
        let config = cgconfig::parse(&src).unwrap();
        let mut accounts = FakeAccounts { lookups: 0 };
        let errors = check_owners(&config, &mut accounts);
        insta::assert_snapshot!(render_all(&errors, &src), @r"
        owners.conf:1:31: error: unknown user `nosuchuser`
            1 | default { perm { task { uid = nosuchuser; } } }
              |                               ^^^^^^^^^^
              = hint: `uid` takes a user name or a number
        owners.conf:5:29: error: unknown group `nosuchgroup`
            5 |         admin { uid = root; gid = nosuchgroup; }
              |                                   ^^^^^^^^^^^
              = hint: `gid` takes a group name or a number
        ");
        // Numeric ids need no lookup.
        assert_eq!(accounts.lookups, 4);
    }

    #[test]
    fn system_accounts_know_root() {
        let mut accounts = SystemAccounts::default();
        assert_eq!(accounts.uid("root"), Ok(Some(0)));
        assert_eq!(accounts.gid("root"), Ok(Some(0)));
        assert_eq!(accounts.uid("no-such-user-cgtools"), Ok(None));
    }
}
