//! Where the groups go: root mode (libcgroup's paths) or delegated mode (below the cgroup
//! systemd delegated to the service), and the daemon's own leaf in delegated mode.
//!
//! systemd's rules for a program that writes cgroups (its CGROUP_DELEGATION document):
//! one writer per cgroup; the root and everything systemd created are systemd's; a
//! service with `Delegate=yes` owns what is *below* its cgroup; and in cgroup v2 a group
//! that enables controllers for its children cannot hold processes. Delegated mode follows
//! them: the base is the service's cgroup, the daemon moves itself into the leaf
//! `supervisor/` first (unless `DelegateSubgroup=supervisor` already started it there),
//! then creates the configured groups as siblings of that leaf. Only hierarchies in which
//! the daemon runs in the service's cgroup are delegated; groups in any other hierarchy
//! are refused, and so are v2 controllers the service's cgroup does not have (its
//! `cgroup.controllers`, what its parent enabled for it), so nothing above the service's
//! cgroup is ever written.

use cgtools::engine::desired::{Offer, Roots};
use cgtools::{Cgroups, GroupPath, Version};

/// Root or delegated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// libcgroup's paths, from each hierarchy's root (or below `--base`).
    Root,
    /// Below the service's own cgroup.
    Delegated,
}

/// Where the groups of each hierarchy go.
#[derive(Clone, Debug)]
pub struct Placement {
    /// Root or delegated.
    pub mode: Mode,
    /// Each hierarchy's base, or why it takes no groups.
    pub roots: Roots,
    /// Delegated mode: the service's cgroup.
    pub unit: Option<GroupPath>,
    /// Delegated mode: the daemon's leaf in each delegated hierarchy (never a configured
    /// group, never removed).
    pub supervisor: Vec<(usize, GroupPath)>,
    /// Delegated mode: the leaves the daemon still has to move into.
    pub to_enter: Vec<(usize, GroupPath)>,
    /// Group names reserved below the base (the supervisor leaf, systemd's `.control`).
    pub reserved: Vec<(usize, GroupPath)>,
}

impl Placement {
    /// Root mode: every hierarchy's groups below `base`.
    pub fn root(base: GroupPath) -> Placement {
        Placement {
            mode: Mode::Root,
            roots: Roots::at(base),
            unit: None,
            supervisor: Vec::new(),
            to_enter: Vec::new(),
            reserved: Vec::new(),
        }
    }

    /// Delegated mode, from the daemon's own groups (`membership`, as
    /// [`Cgroups::membership`] reads them): `base` is relative to the service's cgroup,
    /// `leaf` is the supervisor's name.
    pub fn delegated(
        cg: &Cgroups,
        membership: &[(usize, GroupPath)],
        base: &GroupPath,
        leaf: &str,
    ) -> Result<Placement, String> {
        let hierarchies = cg.hierarchies();
        let tracking = hierarchies
            .iter()
            .position(|h| h.version() == Version::V2)
            .or_else(|| hierarchies.iter().position(|h| h.name() == Some("systemd")))
            .ok_or(
                "delegated mode needs the cgroup v2 hierarchy or name=systemd to find the \
                 service's cgroup, and this host mounts neither",
            )?;
        let own = |index: usize| {
            membership
                .iter()
                .find(|(i, _)| *i == index)
                .map(|(_, p)| p.clone())
        };
        let strip = |path: GroupPath| match path.file_name() {
            Some(name) if name == leaf => path.parent().unwrap_or(path),
            _ => path,
        };
        let tracked = own(tracking).ok_or_else(|| {
            format!(
                "cgconfigd is in no group of {} ({})",
                hierarchies[tracking].label(),
                hierarchies[tracking].mount_point().display()
            )
        })?;
        let unit = strip(tracked);
        if unit.is_root() {
            return Err(format!(
                "cgconfigd runs in the root cgroup of {}: delegated mode needs a cgroup of its \
                 own; start it as a systemd service with Delegate=yes \
                 (cgconfigd-delegated.service), or use --mode root",
                hierarchies[tracking].label()
            ));
        }
        let rooted = join(&unit, base)?;
        let mut placement = Placement {
            mode: Mode::Delegated,
            roots: Roots::at(rooted.clone()),
            unit: Some(unit.clone()),
            supervisor: Vec::new(),
            to_enter: Vec::new(),
            reserved: Vec::new(),
        };
        for (index, h) in hierarchies.iter().enumerate() {
            let mine = own(index);
            let delegated = mine.clone().map(strip).is_some_and(|p| p == unit);
            if !delegated {
                let at = mine.map_or("no group".to_string(), |p| p.to_string());
                placement.roots.refuse(
                    index,
                    format!(
                        "the {} hierarchy is not delegated to cgconfigd (it runs in {at} there, \
                         not in {unit}); delegate it to the service (Delegate=) or use --mode root",
                        h.label()
                    ),
                );
                continue;
            }
            placement.roots.set(index, rooted.clone());
            let supervisor = unit.child(leaf).map_err(|e| e.to_string())?;
            if mine.as_ref() == Some(&unit) {
                placement.to_enter.push((index, supervisor.clone()));
            }
            placement.supervisor.push((index, supervisor.clone()));
            placement.reserved.push((index, supervisor));
            if let Ok(control) = unit.child(".control") {
                placement.reserved.push((index, control));
            }
            if h.version() == Version::V2 {
                placement
                    .roots
                    .offer(index, delegated_controllers(cg, index, &unit));
            }
        }
        Ok(placement)
    }

    /// Moves process `pid` (the daemon) into its supervisor leaf in every delegated
    /// hierarchy where it is not there yet, creating the leaf. Returns one line per move.
    pub fn enter_supervisor(&mut self, cg: &Cgroups, pid: u32) -> Result<Vec<String>, String> {
        let mut done = Vec::new();
        for (index, leaf) in std::mem::take(&mut self.to_enter) {
            let h = &cg.hierarchies()[index];
            let cgroup = cg.cgroup(h, &leaf).map_err(|e| e.to_string())?;
            if !cgroup.exists() {
                cgroup
                    .create(&[])
                    .map_err(|e| format!("cannot create its own leaf group: {e}"))?;
            }
            cgroup
                .attach(pid)
                .map_err(|e| format!("cannot move itself into {}:{leaf}: {e}", h.label()))?;
            done.push(format!("moved itself into {}:{leaf}", h.label()));
        }
        Ok(done)
    }

    /// One line for the log: where the groups go.
    pub fn describe(&self, cg: &Cgroups) -> String {
        match (&self.mode, &self.unit) {
            (Mode::Delegated, Some(unit)) => {
                let delegated: Vec<String> = self
                    .supervisor
                    .iter()
                    .map(|(i, _)| cg.hierarchies()[*i].label())
                    .collect();
                let base = self
                    .supervisor
                    .first()
                    .and_then(|(i, _)| self.roots.base(*i).ok())
                    .map_or_else(|| unit.to_string(), ToString::to_string);
                format!(
                    "delegated mode: groups below {base} (service cgroup {unit}; delegated \
                     hierarchies: {})",
                    if delegated.is_empty() {
                        "none".to_string()
                    } else {
                        delegated.join(" ")
                    }
                )
            }
            _ => match self.roots.base(usize::MAX) {
                Ok(base) if base.is_root() => {
                    "root mode: groups below each hierarchy's root".to_string()
                }
                Ok(base) => format!("root mode: groups below {base} in each hierarchy"),
                Err(_) => "root mode".to_string(),
            },
        }
    }
}

/// The v2 controllers of hierarchy `index` delegated to the service: those its cgroup
/// `unit` has (its `cgroup.controllers`: what its parent enables for it). Groups below it
/// may use these only: enabling another would need a write above the service's cgroup.
fn delegated_controllers(cg: &Cgroups, index: usize, unit: &GroupPath) -> Offer {
    let h = &cg.hierarchies()[index];
    let file = h
        .fs_path()
        .join(unit.as_relative())
        .join("cgroup.controllers");
    let parent = unit.parent().unwrap_or_else(GroupPath::root);
    let enable_at = h
        .fs_path()
        .join(parent.as_relative())
        .join("cgroup.subtree_control");
    let hint = format!(
        "under systemd, delegate it with Delegate=yes (or Delegate= listing the controllers) \
         in the service's unit; otherwise the parent cgroup must enable it for cgconfigd's \
         cgroup in {}",
        enable_at.display()
    );
    match cg.cgroup(h, unit).and_then(|c| c.get("cgroup.controllers")) {
        Ok(list) => {
            let controllers: Vec<String> = list.split_whitespace().map(str::to_string).collect();
            let listed = if controllers.is_empty() {
                "lists none".to_string()
            } else {
                format!("lists only {}", controllers.join(" "))
            };
            Offer {
                reason: format!("is not delegated to cgconfigd: {} {listed}", file.display()),
                controllers,
                hint,
            }
        }
        Err(e) => Offer {
            controllers: Vec::new(),
            reason: format!(
                "cannot be used: which controllers are delegated to cgconfigd is unknown ({e})"
            ),
            hint,
        },
    }
}

/// `base` below `unit`.
fn join(unit: &GroupPath, base: &GroupPath) -> Result<GroupPath, String> {
    let mut path = unit.clone();
    for component in base.components() {
        path = path.child(component).map_err(|e| e.to_string())?;
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// A hybrid host: cgroup2 at unified, cpu,cpuacct and memory v1, name=systemd.
    fn hybrid() -> (tempfile::TempDir, Cgroups) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sys/fs/cgroup");
        for m in ["unified", "systemd", "cpu,cpuacct", "memory"] {
            fs::create_dir_all(root.join(m).join("system.slice/x.service")).unwrap();
        }
        fs::write(root.join("unified/cgroup.controllers"), "").unwrap();
        fs::write(
            root.join("unified/system.slice/x.service/cgroup.controllers"),
            "",
        )
        .unwrap();
        let cg = Cgroups::from_sources(
            "30 25 0:26 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n\
             31 25 0:27 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n\
             32 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n\
             33 25 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
            None,
            dir.path(),
        )
        .unwrap();
        (dir, cg)
    }

    fn p(s: &str) -> GroupPath {
        GroupPath::new(s).unwrap()
    }

    #[test]
    fn root_mode_uses_the_base_everywhere() {
        let (_dir, cg) = hybrid();
        let placement = Placement::root(p("/"));
        assert_eq!(placement.roots.base(3), Ok(&p("/")));
        assert_eq!(
            placement.describe(&cg),
            "root mode: groups below each hierarchy's root"
        );
        assert_eq!(
            Placement::root(p("t")).describe(&cg),
            "root mode: groups below /t in each hierarchy"
        );
    }

    #[test]
    fn delegated_mode_roots_groups_in_the_services_cgroup() {
        let (_dir, cg) = hybrid();
        let text = "0::/system.slice/x.service\n1:name=systemd:/system.slice/x.service\n\
                    4:cpu,cpuacct:/system.slice/x.service\n5:memory:/\n";
        let mut placement =
            Placement::delegated(&cg, &cg.membership_from(text), &p("/"), "supervisor").unwrap();
        assert_eq!(placement.roots.base(0), Ok(&p("system.slice/x.service")));
        assert_eq!(placement.roots.base(2), Ok(&p("system.slice/x.service")));
        let refused = placement.roots.base(3).unwrap_err();
        assert!(
            refused
                .contains("the memory hierarchy is not delegated to cgconfigd (it runs in / there"),
            "{refused}"
        );
        let leaves: Vec<String> = placement
            .to_enter
            .iter()
            .map(|(i, l)| format!("{i} {l}"))
            .collect();
        assert_eq!(
            leaves,
            [
                "0 /system.slice/x.service/supervisor",
                "1 /system.slice/x.service/supervisor",
                "2 /system.slice/x.service/supervisor"
            ]
        );
        let offer = placement.roots.offered(0).unwrap();
        assert!(offer.controllers.is_empty());
        assert!(
            offer.reason.ends_with(
                "/sys/fs/cgroup/unified/system.slice/x.service/cgroup.controllers lists none"
            ),
            "{}",
            offer.reason
        );
        assert!(
            offer
                .hint
                .ends_with("/sys/fs/cgroup/unified/system.slice/cgroup.subtree_control"),
            "{}",
            offer.hint
        );
        assert!(placement.describe(&cg).starts_with(
            "delegated mode: groups below /system.slice/x.service (service cgroup /system.slice/x.service; delegated hierarchies: cgroup name=systemd cpu,cpuacct)"
        ));
        // Entering the leaves creates them (the fake has no cgroup.procs to write, so
        // the move itself fails there: it is exercised on the real kernel).
        assert!(placement.enter_supervisor(&cg, 1).is_err());
    }

    #[test]
    fn delegate_subgroup_already_put_it_in_its_leaf() {
        let (_dir, cg) = hybrid();
        let text = "0::/system.slice/x.service/supervisor\n4:cpu,cpuacct:/system.slice/x.service/supervisor\n";
        let placement =
            Placement::delegated(&cg, &cg.membership_from(text), &p("groups"), "supervisor")
                .unwrap();
        assert!(placement.to_enter.is_empty());
        assert_eq!(
            placement.roots.base(2),
            Ok(&p("system.slice/x.service/groups"))
        );
        assert_eq!(placement.supervisor.len(), 2);
    }

    #[test]
    fn the_root_cgroup_is_not_delegated() {
        let (_dir, cg) = hybrid();
        let err = Placement::delegated(&cg, &cg.membership_from("0::/\n"), &p("/"), "supervisor")
            .unwrap_err();
        assert!(
            err.contains("cgconfigd runs in the root cgroup of cgroup"),
            "{err}"
        );
    }
}
