//! Settings: the `<controller>.<name>` files of a group, and the pair written to one.
//!
//! A setting's controller is the text before its first `.` (`cpu.cfs_quota_us` -> `cpu`,
//! `cgroup.subtree_control` -> `cgroup`, the v2 core files), as libcgroup decides it.

use serde::Serialize;

use crate::error::{Error, ErrorKind, Op, Result};

/// A setting name and its value, as written to or read from a group.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Setting {
    /// The file name, e.g. `memory.limit_in_bytes`.
    pub name: String,
    /// The value, possibly several lines.
    pub value: String,
}

impl Setting {
    /// A setting from anything string-like.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Setting {
        Setting {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// The controller a setting belongs to, after checking the name is a single file name of
/// the form `<controller>.<rest>`.
pub fn controller_of(name: &str) -> Result<&str> {
    check_setting_name(name)?;
    match name.split_once('.') {
        Some((controller, rest)) if !controller.is_empty() && !rest.is_empty() => Ok(controller),
        _ => Err(invalid(
            name,
            "is not a setting name: expected <controller>.<name>, e.g. cpu.shares",
        )),
    }
}

/// Refuses names that are not one plain file name (no `/`, `..`, control characters).
pub(crate) fn check_setting_name(name: &str) -> Result<()> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') {
        return Err(invalid(name, "is not a file name of a group"));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid(name, "contains a control character"));
    }
    Ok(())
}

fn invalid(name: &str, reason: &str) -> Error {
    Error::new(
        ErrorKind::InvalidSetting {
            setting: name.to_string(),
            reason: reason.to_string(),
        },
        Op::Write,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controller_is_the_text_before_the_first_dot() {
        assert_eq!(controller_of("cpu.cfs_quota_us").unwrap(), "cpu");
        assert_eq!(controller_of("hugetlb.2MB.max").unwrap(), "hugetlb");
        assert_eq!(controller_of("cgroup.subtree_control").unwrap(), "cgroup");
        for bad in [
            "foo",
            ".x",
            "x.",
            "../cpu.shares",
            "cpu.shares/x",
            "cpu.\nshares",
            "",
        ] {
            let e = controller_of(bad).unwrap_err();
            assert_eq!(e.exit_code(), 91, "{bad:?}");
        }
    }
}
