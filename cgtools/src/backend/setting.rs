//! Settings: the `<controller>.<name>` files of a group, and the pair written to one.
//!
//! A setting's controller is the text before its first `.` (`cpu.cfs_quota_us` -> `cpu`,
//! `cgroup.subtree_control` -> `cgroup`, the v2 core files), as libcgroup decides it.

use serde::Serialize;

use crate::backend::error::{Error, ErrorKind, Op, Result};

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

/// Whether a setting is configuration that reads back in the form it is written, so that
/// it can be copied (`cgset --copy-from`) or captured (`cgsnapshot`) and written again:
///
/// * not a counter or statistic that a write resets (`cpuacct.usage`, `*usage_in_bytes`,
///   `*.failcnt`, v2 `memory.peak`, `*.current`, `*.events`, `*.stat`);
/// * not an action (`memory.force_empty`, `memory.reclaim`);
/// * not a second view of another setting: `cpu.weight.nice` is `cpu.weight` in nice
///   units, and writing both (in name order) leaves the nice value's rounding, not the
///   weight;
/// * not membership or state (`cgroup.procs`, `cgroup.threads`, `cgroup.kill`,
///   `cgroup.freeze`, `cgroup.subtree_control`, `cgroup.type`);
/// * not a file whose read form is not its write form (`memory.oom_control` reads three
///   lines, takes one number; `memory.pressure_level`, `cgroup.event_control` are
///   notification registrations) or that current kernels refuse to write
///   (`memory.kmem.limit_in_bytes`, `memory.use_hierarchy` once a group has children).
pub fn is_configuration(name: &str) -> bool {
    const NOT_CONFIGURATION: &[&str] = &[
        "cpu.weight.nice",
        "memory.oom_control",
        "memory.pressure_level",
        "memory.use_hierarchy",
        "memory.kmem.limit_in_bytes",
        "cgroup.event_control",
        "cpuset.memory_pressure_enabled",
        // Membership and state, not configuration: writing them moves or kills tasks,
        // freezes the group or changes what its children get.
        "cgroup.procs",
        "cgroup.threads",
        "cgroup.kill",
        "cgroup.freeze",
        "cgroup.subtree_control",
        "cgroup.type",
    ];
    const COUNTER_SUFFIXES: &[&str] = &[
        "usage",
        "failcnt",
        "peak",
        "force_empty",
        "reclaim",
        "current",
        "events",
        "stat",
        // Pressure stall information: statistics to read, triggers to register.
        "pressure",
    ];
    let last = name.rsplit('.').next().unwrap_or(name);
    let counter = name.starts_with("cpuacct.")
        || last.ends_with("usage_in_bytes")
        || COUNTER_SUFFIXES.contains(&last);
    !counter && !NOT_CONFIGURATION.contains(&name)
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
    fn configuration_is_told_from_counters_actions_and_aliases() {
        for name in [
            "cpuacct.usage",
            "memory.usage_in_bytes",
            "memory.memsw.max_usage_in_bytes",
            "memory.kmem.tcp.failcnt",
            "hugetlb.2MB.max_usage_in_bytes",
            "memory.peak",
            "memory.force_empty",
            "memory.reclaim",
            "cpu.weight.nice",
            "memory.oom_control",
            "cpu.pressure",
            "cgroup.procs",
        ] {
            assert!(!is_configuration(name), "{name}");
        }
        for name in [
            "memory.limit_in_bytes",
            "memory.soft_limit_in_bytes",
            "cpu.shares",
            "cpu.weight",
            "hugetlb.2MB.max",
            "memory.max",
        ] {
            assert!(is_configuration(name), "{name}");
        }
    }

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
