//! Loading a configuration file: read, parse, and check against the host (through
//! [`desired_state`](super::desired::desired_state)), every problem reported like the
//! grammar's own errors (`file:line:col`, the line, a caret) through the spans the syntax
//! tree kept.
//!
//! Users and groups are looked up through [`Accounts`], once per name. libcgroup fails on
//! an unknown user only when it gets there, and does not notice an unknown group at all
//! (it applies a garbage gid); we refuse the file before anything is touched.

use crate::backend::error::ecg;
use crate::backend::values::HostFacts;
use crate::engine::accounts::Accounts;
use crate::engine::desired::{desired_state_in, DesiredState, Roots};
use crate::{Cgroups, Permissions};
use grammar::cgconfig::{self, Config};
use grammar::diagnostic::{io_reason, render_all};
use grammar::source::ReadError;
use grammar::SourceFile;
use std::path::Path;

/// Why a configuration file cannot be used.
#[derive(Debug)]
pub enum FileError {
    /// It cannot be read (missing, permissions): exit status 96.
    Unreadable {
        /// What failed, naming the file: `cannot read a.conf: No such file or directory`.
        message: String,
        /// The system's reason alone (`No such file or directory`), libcgroup's words.
        reason: String,
    },
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

impl FileError {
    /// The exit status libcgroup's cgconfigparser gives for this file.
    pub fn exit_code(&self) -> u8 {
        match self {
            FileError::Unreadable { .. } => EXIT_OTHER,
            FileError::Invalid { exit_code, .. } => *exit_code,
        }
    }

    /// What libcgroup says about the file for that exit status (its `cgroup_strerror`,
    /// in cgconfigparser's `error loading FILE: ...` line): the system's reason for an
    /// unreadable file, `Invalid argument` for a value the kernel would refuse (its answer
    /// to a malformed value), the fixed sentences of ECGROUPVALUENOTEXIST and
    /// ECGROUPSUBSYSNOTMOUNTED, and ECGCONFIGPARSEFAIL's for everything else (libcgroup
    /// 3.x's text; 2.0.2's table is shifted by one from there and prints "Have multiple
    /// paths for the same namespace").
    pub fn libcgroup_message(&self) -> String {
        let sentence = |code| ecg::message(code).unwrap_or_default().to_string();
        match self {
            FileError::Unreadable { reason, .. } => reason.clone(),
            FileError::Invalid { exit_code, .. } => match *exit_code {
                EXIT_OTHER => nix::errno::Errno::EINVAL.desc().to_string(),
                code if code == status(ecg::VALUE_NOT_EXIST) => sentence(ecg::VALUE_NOT_EXIST),
                code if code == status(ecg::SUBSYS_NOT_MOUNTED) => {
                    sentence(ecg::SUBSYS_NOT_MOUNTED)
                }
                _ => sentence(ecg::CONFIG_PARSE_FAIL),
            },
        }
    }
}

/// The exit status of libcgroup error number `code`.
fn status(code: u32) -> u8 {
    (code & 0xff) as u8
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
    let err = match SourceFile::read(path) {
        Ok(src) => return Ok(src),
        Err(err) => err,
    };
    Err(match &err {
        ReadError::Io { source, .. } => FileError::Unreadable {
            reason: io_reason(source),
            message: err.to_string(),
        },
        ReadError::NotUtf8 { .. } => FileError::Invalid {
            report: format!("{err}\n"),
            count: 1,
            exit_code: EXIT_CONFIG,
        },
    })
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
/// libcgroup's ECGOTHER as an exit status.
const EXIT_OTHER: u8 = 96;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_carry_libcgroups_message_for_their_status() {
        let invalid = |exit_code| FileError::Invalid {
            report: String::new(),
            count: 1,
            exit_code,
        };
        // libcgroup 3.x's cgroup_strerror for 50015, 50004, 50024, and the kernel's
        // strerror(EINVAL) for a value it would refuse (ECGOTHER).
        assert_eq!(
            invalid(95).libcgroup_message(),
            "Cgroup, requested group parameter does not exist"
        );
        assert_eq!(
            invalid(84).libcgroup_message(),
            "Cgroup one of the needed subsystems is not mounted"
        );
        assert_eq!(invalid(96).libcgroup_message(), "Invalid argument");
        assert_eq!(
            invalid(104).libcgroup_message(),
            "Failed to parse config file"
        );
        let missing = read_source(Path::new("/nonexistent/cgtools.conf")).unwrap_err();
        assert_eq!(missing.exit_code(), 96);
        assert_eq!(missing.libcgroup_message(), "No such file or directory");
        assert!(matches!(
            missing,
            FileError::Unreadable { message, .. }
                if message == "cannot read /nonexistent/cgtools.conf: No such file or directory"
        ));
    }
}
