//! The seams to the two other isolation parts of the crate, wired in one place:
//!
//! * `lxc.seccomp.profile`: `crate::seccomp::Filter::from_file(path)` compiles LXC's
//!   policy for this architecture in the parent; `Filter::install()` runs in the child
//!   after `no_new_privs` (or while it still has CAP_SYS_ADMIN), as LXC does.
//! * `lxc.cgroup2.devices.*` / `lxc.cgroup.devices.*`: `crate::devices::Rules::parse`,
//!   then `Rules::apply(&group)` in the parent before the child exists; the returned
//!   guard keeps the device program attached for the container's life.
//!
//! Until those modules are merged, [`Builtin`] refuses a container that needs either,
//! with the reason: a container is never started less confined than its config says.

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

impl Isolation for Builtin {
    // Wired at merge:
    //   crate::seccomp::Filter::from_file(path)
    //       .map(|f| Box::new(f) as Box<dyn SeccompProgram>)
    //       .map_err(|e| e.to_string())
    // with `impl SeccompProgram for crate::seccomp::Filter` calling `Filter::install`.
    fn seccomp(&self, path: &Path) -> Result<Box<dyn SeccompProgram>, String> {
        Err(format!(
            "the seccomp profile {} cannot be loaded: this build has no seccomp support",
            path.display()
        ))
    }

    // Wired at merge:
    //   let rules = crate::devices::Rules::parse(rules).map_err(|e| e.to_string())?;
    //   rules.apply(group).map(|a| Box::new(a) as DevicesGuard).map_err(|e| e.to_string())
    fn devices(
        &self,
        rules: &[(String, String)],
        _group: &cgtools::Group<'_>,
    ) -> Result<DevicesGuard, String> {
        Err(format!(
            "{} device rules cannot be applied: this build has no device controller support",
            rules.len()
        ))
    }
}
