//! The seams to the two other isolation parts of the crate, wired in one place:
//!
//! * `lxc.seccomp.profile`: `crate::seccomp::Filter::from_file(path)` compiles LXC's
//!   policy for this architecture in the parent; `Filter::install()` runs in the child
//!   after `no_new_privs` (or while it still has CAP_SYS_ADMIN), as LXC does.
//! * `lxc.cgroup2.devices.*` / `lxc.cgroup.devices.*`: `crate::devices::Rules::parse`,
//!   then `Rules::apply(&group)` in the parent before the child exists; the returned
//!   guard keeps the device program attached for the container's life.
//!
//! [`Builtin`] is the crate's implementation of both; tests may inject their own.

use std::any::Any;
use std::path::Path;

/// A compiled seccomp filter, installed by the child.
pub trait SeccompProgram: Send + Sync {
    /// Installs the filter on the calling thread (`seccomp(SECCOMP_SET_MODE_FILTER)`).
    fn install(&self) -> nix::Result<()>;
}

/// What keeps a device program attached (dropped when the container is gone).
pub type DevicesGuard = Box<dyn Any + Send>;

/// Compiles seccomp policies and applies device rules.
pub trait Isolation {
    /// Compiles the policy file of `lxc.seccomp.profile`; an error is the text to show
    /// (located `file:line:col`).
    fn seccomp(&self, path: &Path) -> Result<Box<dyn SeccompProgram>, String>;
    /// Parses the device rules (`allow`|`deny`, rule) and applies them to `group`.
    fn devices(
        &self,
        rules: &[(String, String)],
        group: &cgtools::Group<'_>,
    ) -> Result<DevicesGuard, String>;
}

/// The crate's own implementation: `crate::seccomp` and `crate::devices`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Builtin;

impl SeccompProgram for crate::seccomp::Filter {
    fn install(&self) -> nix::Result<()> {
        crate::seccomp::Filter::install(self)
    }
}

impl Isolation for Builtin {
    fn seccomp(&self, path: &Path) -> Result<Box<dyn SeccompProgram>, String> {
        crate::seccomp::Filter::from_file(path)
            .map(|filter| Box::new(filter) as Box<dyn SeccompProgram>)
            .map_err(|e| e.to_string())
    }

    fn devices(
        &self,
        rules: &[(String, String)],
        group: &cgtools::Group<'_>,
    ) -> Result<DevicesGuard, String> {
        use crate::devices::{Kind, Rules, Target};
        let entries: Vec<(Kind, &str)> = rules
            .iter()
            .map(|(kind, rule)| {
                let kind = if kind == "deny" {
                    Kind::Deny
                } else {
                    Kind::Allow
                };
                (kind, rule.as_str())
            })
            .collect();
        let rules = Rules::parse(&entries).map_err(|e| e.to_string())?;
        let applied = rules
            .apply(&Target::Group(group))
            .map_err(|e| match e.hint() {
                Some(hint) => format!("{e} (hint: {hint})"),
                None => e.to_string(),
            })?;
        Ok(Box::new(applied))
    }
}
