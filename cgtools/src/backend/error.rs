//! The backend's one error type and its map to libcgroup-compatible exit codes.
//!
//! Every failure carries the operation that failed, the file or group directory it touched,
//! the kernel's errno when there was one, and a hint when there is something the user can
//! do. The tools print [`Error`] as it displays and [`Error::hint`] on the next line, and
//! exit with [`Error::exit_code`]: libcgroup's `ECG*` code `& 0xff`, the number scripts
//! written for cgroup-tools already check (table in `docs/backend.md`).

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use grammar::name::NameError;
use nix::errno::Errno;

use crate::backend::hierarchy::Version;

/// Result of every fallible backend call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// libcgroup's error numbers (`libcgroup/error.h`). Tools exit with `code & 0xff`.
pub mod ecg {
    /// ECGROUPNOTMOUNTED: no cgroup hierarchy at all (exit 81).
    pub const NOT_MOUNTED: u32 = 50001;
    /// ECGROUPNOTEXIST: the group does not exist (exit 82).
    pub const GROUP_NOT_EXIST: u32 = 50002;
    /// ECGROUPSUBSYSNOTMOUNTED: a named controller is mounted nowhere (exit 84).
    pub const SUBSYS_NOT_MOUNTED: u32 = 50004;
    /// ECGROUPNOTOWNER: mkdir refused with EPERM (exit 85).
    pub const NOT_OWNER: u32 = 50005;
    /// ECGROUPNOTALLOWED: the operation is not allowed (exit 87).
    pub const NOT_ALLOWED: u32 = 50007;
    /// ECGINVAL: invalid request, e.g. a bad group or setting name (exit 91).
    pub const INVAL: u32 = 50011;
    /// ECGFAIL: generic failure (exit 93).
    pub const FAIL: u32 = 50013;
    /// ECGROUPVALUENOTEXIST: the setting's file does not exist (exit 95).
    pub const VALUE_NOT_EXIST: u32 = 50015;
    /// ECGOTHER: the kernel refused; the message is strerror(errno) (exit 96).
    pub const OTHER: u32 = 50016;
    /// ECGROUPPARSEFAIL: a rules or config file did not parse (exit 99).
    pub const PARSE_FAIL: u32 = 50019;
    /// ECGCONFIGPARSEFAIL: cgconfig.conf did not parse (exit 104).
    pub const CONFIG_PARSE_FAIL: u32 = 50024;
    /// ECGNONEMPTY: a group to remove still has tasks or children (exit 110).
    pub const NON_EMPTY: u32 = 50030;
    /// ECGNOVERSIONCONVERT: a setting has no equivalent in the other cgroup version (exit 111).
    pub const NO_VERSION_CONVERT: u32 = 50031;

    /// libcgroup 3.x's `cgroup_strerror` text for `code`; `None` for ECGOTHER, whose text
    /// is the errno's, and for codes the backend never produces.
    pub fn message(code: u32) -> Option<&'static str> {
        Some(match code {
            NOT_MOUNTED => "Cgroup is not mounted",
            GROUP_NOT_EXIST => "Cgroup does not exist",
            SUBSYS_NOT_MOUNTED => "Cgroup one of the needed subsystems is not mounted",
            NOT_OWNER => "Cgroup, request came in from non owner",
            NOT_ALLOWED => "Cgroup, operation not allowed",
            INVAL => "Cgroup invalid operation",
            FAIL => "Cgroup operation failed",
            VALUE_NOT_EXIST => "Cgroup, requested group parameter does not exist",
            PARSE_FAIL => "Cgroup parsing failed",
            CONFIG_PARSE_FAIL => "Failed to parse config file",
            NON_EMPTY => "Failed to remove a non-empty group",
            NO_VERSION_CONVERT => "Failed to convert from cgroup v1 to/from cgroup v2",
            _ => return None,
        })
    }
}

/// What the backend was doing when it failed; printed as a verb in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Reading the mount table, `/proc/cgroups` or a hierarchy's `cgroup.controllers`.
    Discover,
    /// Creating a group directory.
    Create,
    /// Writing `+ctrl` to a v2 `cgroup.subtree_control`.
    EnableControllers,
    /// Writing a setting.
    Write,
    /// Reading a setting.
    Read,
    /// Listing a group's files, children or tasks.
    List,
    /// Moving a process into a group.
    Attach,
    /// Moving a removed group's tasks to its parent.
    MoveTasks,
    /// Removing a group directory.
    Remove,
    /// Changing an owner.
    Chown,
    /// Changing a mode.
    Chmod,
    /// Converting a setting between cgroup v1 and v2.
    Translate,
    /// Mounting or unmounting a v1 hierarchy (`mount` sections).
    Mount,
}

impl Op {
    fn verb(self) -> &'static str {
        match self {
            Op::Discover => "discover cgroups from",
            Op::Create => "create",
            Op::EnableControllers => "enable controllers in",
            Op::Write => "write",
            Op::Read => "read",
            Op::List => "list",
            Op::Attach => "attach to",
            Op::MoveTasks => "move tasks out of",
            Op::Remove => "remove",
            Op::Chown => "change the owner of",
            Op::Chmod => "change the mode of",
            Op::Translate => "translate",
            Op::Mount => "mount or unmount a hierarchy at",
        }
    }
}

/// What went wrong, in the terms a caller branches on.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No cgroup filesystem is mounted at all.
    NoHierarchy,
    /// The group's directory does not exist.
    GroupMissing {
        /// The group as the caller named it.
        group: String,
    },
    /// No hierarchy serves this controller.
    ControllerNotMounted {
        /// The controller.
        controller: String,
    },
    /// A v2 hierarchy root does not enable these controllers for its children, and the
    /// group is not directly under the root, so cgtools will not write the root's
    /// `cgroup.subtree_control` for it (the root belongs to the init system).
    ControllerNotEnabled {
        /// The controllers, comma-separated.
        controllers: String,
    },
    /// A v2 group does not have these controllers: its parent's `cgroup.subtree_control`
    /// does not enable them, so a process moved there would not be under them.
    ControllerNotAvailable {
        /// The group as the caller named it.
        group: String,
        /// The controllers, comma-separated.
        controllers: String,
    },
    /// The group has no file of this name.
    SettingMissing {
        /// The setting, e.g. `cpu.shares`.
        setting: String,
    },
    /// The kernel refused a value.
    ValueRejected {
        /// The setting.
        setting: String,
        /// The value as given.
        value: String,
    },
    /// A group to remove non-recursively still has tasks or child groups.
    NotEmpty {
        /// The group.
        group: String,
        /// Tasks (threads) still in it.
        tasks: usize,
        /// Child groups still under it.
        children: usize,
    },
    /// The group name was refused before anything was touched.
    InvalidName(NameError),
    /// A setting name or value that cannot be used as given.
    InvalidSetting {
        /// The setting.
        setting: String,
        /// Why, as a phrase completing "`setting` ...".
        reason: String,
    },
    /// Resolving the path would have left the hierarchy (a symlink or a mount on the way).
    Escape,
    /// The setting has no equivalent in the other cgroup version.
    Unmappable {
        /// The setting.
        setting: String,
        /// The version it could not be converted to.
        to: Version,
    },
    /// A system call failed; the errno says why.
    Os,
}

/// A backend failure: what, where, why, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    op: Op,
    path: Option<PathBuf>,
    errno: Option<Errno>,
    hint: Option<Cow<'static, str>>,
}

impl Error {
    /// An error of `kind` during `op`, with no path, errno or hint yet.
    pub fn new(kind: ErrorKind, op: Op) -> Error {
        Error {
            kind,
            op,
            path: None,
            errno: None,
            hint: None,
        }
    }

    /// The group `group` (its [`GroupPath`](super::group_path::GroupPath), as displayed)
    /// does not exist: its directory `dir` is missing (ENOENT).
    pub(crate) fn group_missing(
        group: &impl fmt::Display,
        op: Op,
        dir: impl Into<PathBuf>,
    ) -> Error {
        Error::new(
            ErrorKind::GroupMissing {
                group: group.to_string(),
            },
            op,
        )
        .at(dir)
        .with_errno(Errno::ENOENT)
    }

    /// A failed system call on `path`, classified by its errno, with the hint that errno
    /// suggests for `op`.
    pub fn os(op: Op, path: impl Into<PathBuf>, errno: Errno) -> Error {
        let kind = match errno {
            Errno::ELOOP | Errno::EXDEV => ErrorKind::Escape,
            _ => ErrorKind::Os,
        };
        let mut error = Error::new(kind, op).at(path);
        error.errno = Some(errno);
        error.hint = default_hint(op, errno).map(Cow::Borrowed);
        error
    }

    /// Sets the path the error is about.
    pub fn at(mut self, path: impl Into<PathBuf>) -> Error {
        self.path = Some(path.into());
        self
    }

    /// Sets the kernel's errno.
    pub fn with_errno(mut self, errno: Errno) -> Error {
        self.errno = Some(errno);
        self
    }

    /// The same failure seen as part of `op`: a listing done to print values is a read
    /// for the user, so it reports (and exits) as one. Only the operation changes.
    pub fn in_op(mut self, op: Op) -> Error {
        self.op = op;
        self
    }

    /// Replaces the hint.
    pub fn with_hint(mut self, hint: impl Into<Cow<'static, str>>) -> Error {
        self.hint = Some(hint.into());
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The operation that failed.
    pub fn op(&self) -> Op {
        self.op
    }

    /// The file or group directory involved, when there is one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The kernel's errno, when a system call failed.
    pub fn errno(&self) -> Option<Errno> {
        self.errno
    }

    /// What the user can do about it.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// libcgroup's error number for this failure (see [`ecg`]).
    ///
    /// libcgroup's numbers depend on the operation as much as on the cause (a missing group
    /// is 50015 for cgset, 50016 for cgdelete and 50002 for cgexec), so the map looks at
    /// both; this is the only place that decides.
    pub fn ecg_code(&self) -> u32 {
        match &self.kind {
            ErrorKind::NoHierarchy => ecg::NOT_MOUNTED,
            ErrorKind::GroupMissing { .. } => match self.op {
                Op::Write => ecg::VALUE_NOT_EXIST,
                Op::Remove | Op::Read | Op::MoveTasks => ecg::OTHER,
                _ => ecg::GROUP_NOT_EXIST,
            },
            // cgget reports an unknown controller as ECGOTHER, lscgroup as ECGFAIL.
            ErrorKind::ControllerNotMounted { .. } => match self.op {
                Op::Read => ecg::OTHER,
                Op::List => ecg::FAIL,
                _ => ecg::SUBSYS_NOT_MOUNTED,
            },
            ErrorKind::ControllerNotEnabled { .. } | ErrorKind::ControllerNotAvailable { .. } => {
                ecg::SUBSYS_NOT_MOUNTED
            }
            // cgget's failed read of a missing file is ECGOTHER (strerror(ENOENT)).
            ErrorKind::SettingMissing { .. } => match self.op {
                Op::Read => ecg::OTHER,
                _ => ecg::VALUE_NOT_EXIST,
            },
            // libcgroup's cgdelete reports rmdir's EBUSY as ECGOTHER; scripts see 96.
            ErrorKind::ValueRejected { .. } | ErrorKind::NotEmpty { .. } => ecg::OTHER,
            ErrorKind::InvalidName(_) | ErrorKind::InvalidSetting { .. } => ecg::INVAL,
            ErrorKind::Escape => ecg::NOT_ALLOWED,
            ErrorKind::Unmappable { .. } => ecg::NO_VERSION_CONVERT,
            ErrorKind::Os => match (self.op, self.errno) {
                (Op::Create, Some(Errno::EPERM)) => ecg::NOT_OWNER,
                (Op::Create, _) => ecg::NOT_ALLOWED,
                (Op::Write, Some(Errno::EPERM | Errno::EACCES)) => ecg::NOT_ALLOWED,
                // libcgroup's attach: a task file it may not open is "not owner" for EPERM
                // and "not allowed" otherwise.
                (Op::Attach, Some(Errno::EPERM)) => ecg::NOT_OWNER,
                (Op::Attach, Some(Errno::EACCES)) => ecg::NOT_ALLOWED,
                _ => ecg::OTHER,
            },
        }
    }

    /// The process exit status a libcgroup tool would use: `ecg_code() & 0xff`.
    pub fn exit_code(&self) -> u8 {
        (self.ecg_code() & 0xff) as u8
    }

    /// The text libcgroup 3.x's tools print for this failure (`cgroup_strerror`): the
    /// fixed sentence of its error number, or for ECGOTHER the errno's description (empty
    /// when there is no errno). Tools print it where libcgroup does, so scripts matching
    /// those words keep working.
    pub fn libcgroup_message(&self) -> String {
        let code = self.ecg_code();
        match ecg::message(code) {
            Some(text) => text.to_string(),
            None => self.errno.map_or("", |errno| errno.desc()).to_string(),
        }
    }
}

fn default_hint(op: Op, errno: Errno) -> Option<&'static str> {
    Some(match (op, errno) {
        (_, Errno::EACCES | Errno::EPERM) => {
            "run as root, or as the owner given to the group with cgcreate -a/-t"
        }
        (_, Errno::EROFS) => "the cgroup filesystem is mounted read-only",
        (_, Errno::ELOOP | Errno::EXDEV) => {
            "group paths must stay inside the hierarchy; remove the symlink or pick another name"
        }
        (Op::Remove, Errno::EBUSY) => "group still has tasks or child groups; use -r",
        (Op::Attach | Op::MoveTasks, Errno::EBUSY) => {
            "a v2 group that enables controllers for its children cannot hold processes; \
             use a leaf group"
        }
        (Op::Attach | Op::MoveTasks, Errno::ENOSPC) => {
            "set cpuset.cpus and cpuset.mems of the group before moving tasks into it"
        }
        (Op::Attach, Errno::ESRCH) => "no process or thread has that id",
        (Op::Attach, Errno::EOPNOTSUPP) => {
            "the group is threaded; move single threads with cgroup.threads"
        }
        (Op::EnableControllers, Errno::EBUSY) => {
            "the group holds processes; move them into a child group first \
             (cgroup v2 no-internal-process rule)"
        }
        (Op::EnableControllers, Errno::ENOENT) => {
            "the controller is not available in this group; enable it in its parent first"
        }
        _ => return None,
    })
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.as_deref().map(Path::display);
        let reason = self.errno.map(|e| e.desc());
        match &self.kind {
            ErrorKind::NoHierarchy => {
                write!(f, "Cgroup is not mounted: no cgroup or cgroup2 filesystem")?;
                if let Some(path) = path {
                    write!(f, " in {path}")?;
                }
                Ok(())
            }
            ErrorKind::GroupMissing { group } => {
                write!(f, "cannot {} group `{group}`: it does not exist", self.op.verb())?;
                if let Some(path) = path {
                    write!(f, " ({path})")?;
                }
                Ok(())
            }
            ErrorKind::ControllerNotMounted { controller } => write!(
                f,
                "controller `{controller}` is not mounted (no cgroup hierarchy serves it)"
            ),
            ErrorKind::SettingMissing { setting } => {
                write!(f, "cannot {} `{setting}`: the group has no such setting", self.op.verb())?;
                if let Some(path) = path {
                    write!(f, " ({path})")?;
                }
                Ok(())
            }
            ErrorKind::ControllerNotEnabled { controllers } => {
                write!(
                    f,
                    "the cgroup v2 root does not enable `{controllers}` for its children"
                )?;
                if let Some(path) = path {
                    write!(f, " ({path})")?;
                }
                Ok(())
            }
            ErrorKind::ControllerNotAvailable { group, controllers } => {
                write!(
                    f,
                    "group `{group}` does not have `{controllers}`: its parent's \
                     cgroup.subtree_control does not enable it"
                )?;
                if let Some(path) = path {
                    write!(f, " ({path})")?;
                }
                Ok(())
            }
            ErrorKind::ValueRejected { setting, value } => {
                write!(
                    f,
                    "kernel rejected value `{}` for `{setting}`: {}",
                    value.escape_debug(),
                    reason.unwrap_or("unknown error")
                )?;
                if let Some(path) = path {
                    write!(f, " ({path})")?;
                }
                Ok(())
            }
            ErrorKind::NotEmpty {
                group,
                tasks,
                children,
            } => {
                write!(
                    f,
                    "cannot remove group `{group}`: it still has {tasks} task(s) and {children} \
                     child group(s)"
                )?;
                if let Some(path) = path {
                    write!(f, " ({path})")?;
                }
                Ok(())
            }
            ErrorKind::InvalidName(e) => write!(f, "{e}"),
            ErrorKind::InvalidSetting { setting, reason } => {
                write!(f, "`{}` {reason}", setting.escape_debug())
            }
            ErrorKind::Escape => write!(
                f,
                "cannot {} {}: the path leaves the cgroup hierarchy (symlink or mount on the way)",
                self.op.verb(),
                path.map(|p| p.to_string()).unwrap_or_default()
            ),
            ErrorKind::Unmappable { setting, to } => write!(
                f,
                "Failed to convert from cgroup v1 to/from cgroup v2: `{setting}` has no cgroup {to} \
                 equivalent"
            ),
            ErrorKind::Os => {
                write!(f, "cannot {}", self.op.verb())?;
                if let Some(path) = path {
                    write!(f, " {path}")?;
                }
                write!(f, ": {}", reason.unwrap_or("unknown error"))
            }
        }
    }
}

impl std::error::Error for Error {}

impl From<NameError> for Error {
    fn from(e: NameError) -> Error {
        let hint = e.hint();
        let mut error = Error::new(ErrorKind::InvalidName(e), Op::Create);
        error.hint = hint.map(Cow::Borrowed);
        error
    }
}

/// Attaches the operation and path to a failed system call: `mkdirat(..).at_path(Op::Create, &p)?`.
pub(crate) trait ResultExt<T> {
    /// Converts the failure into an [`Error`] about `path`.
    fn at_path(self, op: Op, path: &Path) -> Result<T>;
}

impl<T> ResultExt<T> for nix::Result<T> {
    fn at_path(self, op: Op, path: &Path) -> Result<T> {
        self.map_err(|errno| Error::os(op, path, errno))
    }
}

impl<T> ResultExt<T> for std::io::Result<T> {
    fn at_path(self, op: Op, path: &Path) -> Result<T> {
        self.map_err(|e| Error::os(op, path, errno_of(&e)))
    }
}

/// The errno behind an io::Error (EIO when it has none, e.g. invalid UTF-8).
pub(crate) fn errno_of(e: &std::io::Error) -> Errno {
    e.raw_os_error().map(Errno::from_raw).unwrap_or(Errno::EIO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_rejection_reads_as_a_sentence_and_exits_96() {
        let e = Error::new(
            ErrorKind::ValueRejected {
                setting: "cpuset.cpus".into(),
                value: "abc".into(),
            },
            Op::Write,
        )
        .with_errno(Errno::EINVAL);
        assert_eq!(
            e.to_string(),
            "kernel rejected value `abc` for `cpuset.cpus`: Invalid argument"
        );
        assert_eq!(e.exit_code(), 96);
    }

    #[test]
    fn exit_codes_follow_libcgroup() {
        let missing =
            |op| Error::new(ErrorKind::GroupMissing { group: "x".into() }, op).exit_code();
        assert_eq!(missing(Op::Attach), 82);
        assert_eq!(missing(Op::Write), 95);
        assert_eq!(missing(Op::Remove), 96);
        assert_eq!(
            Error::new(ErrorKind::NoHierarchy, Op::Discover).exit_code(),
            81
        );
        let ctrl = ErrorKind::ControllerNotMounted {
            controller: "foo".into(),
        };
        assert_eq!(Error::new(ctrl.clone(), Op::Create).exit_code(), 84);
        // As cgget and lscgroup report an unknown controller.
        assert_eq!(Error::new(ctrl.clone(), Op::Read).exit_code(), 96);
        assert_eq!(Error::new(ctrl, Op::List).exit_code(), 93);
        let missing_file = Error::new(
            ErrorKind::SettingMissing {
                setting: "cpu.nope".into(),
            },
            Op::Write,
        );
        assert_eq!(missing_file.clone().in_op(Op::Read).exit_code(), 96);
        let setting = ErrorKind::SettingMissing {
            setting: "cpu.nope".into(),
        };
        assert_eq!(Error::new(setting, Op::Write).exit_code(), 95);
        assert_eq!(Error::os(Op::Create, "/x", Errno::EPERM).exit_code(), 85);
        assert_eq!(Error::os(Op::Remove, "/x", Errno::ENOENT).exit_code(), 96);
        assert_eq!(Error::os(Op::Attach, "/x", Errno::EACCES).exit_code(), 87);
        assert_eq!(Error::os(Op::Attach, "/x", Errno::EPERM).exit_code(), 85);
        assert_eq!(Error::os(Op::Attach, "/x", Errno::ESRCH).exit_code(), 96);
        let unmappable = ErrorKind::Unmappable {
            setting: "cpu.stat".into(),
            to: Version::V2,
        };
        assert_eq!(Error::new(unmappable, Op::Translate).exit_code(), 111);
    }

    #[test]
    fn libcgroup_messages_are_its_strerror_texts() {
        let missing = Error::new(ErrorKind::GroupMissing { group: "/x".into() }, Op::Remove)
            .with_errno(Errno::ENOENT);
        assert_eq!(missing.libcgroup_message(), "No such file or directory");
        let missing_write = Error::new(ErrorKind::GroupMissing { group: "/x".into() }, Op::Write);
        assert_eq!(
            missing_write.libcgroup_message(),
            "Cgroup, requested group parameter does not exist"
        );
        let ctrl = ErrorKind::ControllerNotMounted {
            controller: "foo".into(),
        };
        assert_eq!(
            Error::new(ctrl, Op::Create).libcgroup_message(),
            "Cgroup one of the needed subsystems is not mounted"
        );
        let rejected = ErrorKind::ValueRejected {
            setting: "cpu.shares".into(),
            value: "abc".into(),
        };
        assert_eq!(
            Error::new(rejected, Op::Write)
                .with_errno(Errno::EINVAL)
                .libcgroup_message(),
            "Invalid argument"
        );
    }

    #[test]
    fn os_errors_name_the_path_and_suggest_a_fix() {
        let e = Error::os(Op::Remove, "/sys/fs/cgroup/cpu/a", Errno::EBUSY);
        assert_eq!(
            e.to_string(),
            "cannot remove /sys/fs/cgroup/cpu/a: Device or resource busy"
        );
        assert_eq!(
            e.hint(),
            Some("group still has tasks or child groups; use -r")
        );
        assert_eq!(
            Error::os(Op::Read, "/a", Errno::ELOOP).kind(),
            &ErrorKind::Escape
        );
    }
}
