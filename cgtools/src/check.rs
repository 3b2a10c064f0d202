//! Loading a configuration file: read, parse, and check against the host (through
//! [`desired_state`]), every problem reported like the grammar's own errors
//! (`file:line:col`, the line, a caret) through the spans the syntax tree kept.
//!
//! Users and groups are looked up through [`Accounts`], once per name. libcgroup fails on
//! an unknown user only when it gets there, and does not notice an unknown group at all
//! (it applies a garbage gid); we refuse the file before anything is touched.

use crate::desired::{desired_state_in, DesiredState, Roots};
use crate::values::HostFacts;
use crate::{Cgroups, Permissions};
use grammar::cgconfig::{self, Config};
use grammar::diagnostic::render_all;
use grammar::source::ReadError;
use grammar::SourceFile;
use std::collections::HashMap;
use std::path::Path;

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

/// Why a configuration file cannot be used.
#[derive(Debug)]
pub enum FileError {
    /// It cannot be read (missing, permissions): the message, and exit status 96.
    Unreadable(String),
    /// It has errors, found before anything was written.
    Invalid {
        /// The errors rendered (`file:line:col`, the line, a caret, a hint).
        report: String,
        /// How many.
        count: usize,
        /// libcgroup's exit status for the first one.
        exit_code: u8,
    },
}

/// A file read, parsed and checked against the host.
#[derive(Debug)]
pub struct Loaded {
    /// The text, for messages.
    pub source: SourceFile,
    /// The syntax tree.
    pub config: Config,
    /// What it asks of the host.
    pub state: DesiredState,
}

/// Reads, parses and checks one cgconfig.conf file against the host: every problem
/// before the first write, rendered at its place in the file.
pub fn load(
    path: &Path,
    cgroups: &Cgroups,
    host: &HostFacts,
    defaults: &Permissions,
    accounts: &mut dyn Accounts,
) -> Result<Loaded, FileError> {
    load_in(path, cgroups, host, defaults, accounts, &Roots::default())
}

/// [`load`] with the groups rooted as `roots` says (cgconfigd's base and delegated mode).
pub fn load_in(
    path: &Path,
    cgroups: &Cgroups,
    host: &HostFacts,
    defaults: &Permissions,
    accounts: &mut dyn Accounts,
    roots: &Roots,
) -> Result<Loaded, FileError> {
    let (source, config) = read_config(path)?;
    check_config(source, config, cgroups, host, defaults, accounts, roots)
}

/// Reads and parses one file: the first half of [`load`], for callers that act on the
/// syntax tree before the host checks (cgconfigparser mounts a file's `mount` sections
/// first).
pub fn read_config(path: &Path) -> Result<(SourceFile, Config), FileError> {
    let source = read_source(path)?;
    match cgconfig::parse(&source) {
        Ok(config) => Ok((source, config)),
        Err(errors) => Err(FileError::Invalid {
            report: render_all(&errors, &source),
            count: errors.len(),
            exit_code: EXIT_CONFIG,
        }),
    }
}

/// Reads one file as text, with the errors [`load`] gives for a file that cannot be read
/// or is not UTF-8.
pub fn read_source(path: &Path) -> Result<SourceFile, FileError> {
    match SourceFile::read(path) {
        Ok(src) => Ok(src),
        Err(err @ ReadError::Io { .. }) => Err(FileError::Unreadable(err.to_string())),
        Err(err @ ReadError::NotUtf8 { .. }) => Err(FileError::Invalid {
            report: format!("{err}\n"),
            count: 1,
            exit_code: EXIT_CONFIG,
        }),
    }
}

/// Checks a parsed file against the host: the second half of [`load`].
pub fn check_config(
    source: SourceFile,
    config: Config,
    cgroups: &Cgroups,
    host: &HostFacts,
    defaults: &Permissions,
    accounts: &mut dyn Accounts,
    roots: &Roots,
) -> Result<Loaded, FileError> {
    match desired_state_in(&config, cgroups, host, defaults, accounts, roots) {
        Ok(state) => Ok(Loaded {
            source,
            config,
            state,
        }),
        Err(rejected) => Err(FileError::Invalid {
            report: render_all(&rejected.diagnostics, &source),
            count: rejected.diagnostics.len(),
            exit_code: rejected.exit_code,
        }),
    }
}

/// libcgroup's ECGCONFIGPARSEFAIL as an exit status.
const EXIT_CONFIG: u8 = 104;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_accounts_know_root() {
        let mut accounts = SystemAccounts::default();
        assert_eq!(accounts.uid("root"), Ok(Some(0)));
        assert_eq!(accounts.gid("root"), Ok(Some(0)));
        assert_eq!(accounts.uid("no-such-user-cgtools"), Ok(None));
    }
}
