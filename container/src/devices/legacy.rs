//! Device rules on cgroup v1: each rule written to the group's `devices.allow` or
//! `devices.deny`, in the order given, as LXC's `cgfsng_setup_limits_legacy` writes them
//! (device paths turned into `TYPE MAJOR:MINOR ACCESS` first, as its `convert_devpath`
//! does). The kernel's exception list then decides
//! (`Documentation/admin-guide/cgroup-v1/devices.rst`): `deny a` empties it and denies by
//! default, an allow adds an exception, a deny takes access away from the exception with
//! the same type and numbers.
//!
//! LXC logs and skips a rule the kernel refuses with EPERM or EACCES. For an allow that is
//! harmless (the parent group does not allow the device, so it stays denied) and we do the
//! same, with a warning in [`Applied::warnings`]; a refused deny would leave a device open,
//! so it fails the start.

use cgtools::Cgroup;
use nix::errno::Errno;

use super::policy::Resolved;
use super::{resolve, Applied, DevicesError, How, Kind, Rules};

/// Writes `rules` to `cgroup`, a group of the devices controller's v1 hierarchy.
pub(super) fn apply(rules: &Rules, cgroup: &Cgroup<'_>) -> Result<Applied, DevicesError> {
    if rules.is_empty() {
        return Ok(Applied::nothing());
    }
    // Every device path first: a missing node must not leave half of the rules written.
    let mut lines = Vec::with_capacity(rules.entries.len());
    for (kind, rule) in &rules.entries {
        let value = match resolve(rule)? {
            Resolved::Everything => "a".to_string(),
            Resolved::Devices(pattern) => pattern.to_string(),
        };
        lines.push((*kind, value));
    }
    let mut warnings = Vec::new();
    let mut written = 0;
    for (kind, value) in &lines {
        match cgroup.set(kind.file(), value) {
            Ok(()) => written += 1,
            Err(e)
                if *kind == Kind::Allow
                    && matches!(e.errno(), Some(Errno::EPERM | Errno::EACCES)) =>
            {
                warnings.push(format!(
                    "device rule `allow {value}` not applied, the device stays denied: {e}"
                ));
            }
            Err(source) => {
                return Err(DevicesError::Write {
                    rule: format!("{} {value}", kind.word()),
                    source: Box::new(source),
                })
            }
        }
    }
    Ok(Applied {
        how: How::Files(cgroup.dir_path()),
        replaced: 0,
        lines: written,
        warnings,
    })
}
