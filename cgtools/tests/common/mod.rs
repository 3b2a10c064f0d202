//! What the cgtools suites add to the shared test support (`tests/support`): the library's
//! view of the host, checked against the raw mount table, so that a discovery or lookup
//! the library gets wrong fails the test instead of skipping it.

// Test support: a failed fixture should stop the test loudly.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use cgtools::{Cgroups, GroupPath, Hierarchy, Version};
use test_support::{Host, Mount, Skip, TestGroups};

/// The host from the mount table and the backend as the library discovers it, or why
/// real-kernel tests cannot run here. A library that cannot discover what the mount table
/// shows fails the test: that is never a skip.
pub fn host() -> Result<(Host, Cgroups), Skip> {
    let host = Host::for_test()?;
    let cg = Cgroups::discover()
        .unwrap_or_else(|e| panic!("Cgroups::discover() failed on a host with cgroups: {e}"));
    host.assert_discovered(
        cg.hierarchies()
            .iter()
            .map(|h| (h.fs_path(), h.version() == Version::V2, h.controllers())),
    );
    Ok((host, cg))
}

/// The library's hierarchy for `controller`, where the mount table says one serves it (a
/// failure if the library disagrees); the skip otherwise.
pub fn serving<'a>(host: &Host, cg: &'a Cgroups, controller: &str) -> Result<&'a Hierarchy, Skip> {
    let mount = host.serving(controller)?;
    let h = cg.hierarchy_for(controller).unwrap_or_else(|e| {
        panic!(
            "`{controller}` is mounted at {} but the library finds no hierarchy for it: {e}",
            mount.path.display()
        )
    });
    assert_eq!(h.fs_path(), mount.path, "the hierarchy of `{controller}`");
    Ok(h)
}

/// Test groups as the library names them.
pub trait GroupPaths {
    /// `<prefix>/<rest>` (the prefix for `""`) as a group path.
    fn group_path(&self, rest: &str) -> GroupPath;
}

impl GroupPaths for TestGroups {
    fn group_path(&self, rest: &str) -> GroupPath {
        GroupPath::new(&self.name(rest)).expect("valid test group name")
    }
}

/// The mount table's entry for the library's hierarchy `h`.
pub fn mount(h: &Hierarchy) -> Mount {
    Host::read().mount_at(h.fs_path()).clone()
}

/// The group path of `pid` in the hierarchy `h`, from `/proc/<pid>/cgroup`.
pub fn cgroup_of(pid: u32, h: &Hierarchy) -> String {
    mount(h).group_of(pid)
}
