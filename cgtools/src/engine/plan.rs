//! The plan: the difference between the desired state and the live tree, as the ordered
//! list of changes that would make them equal.
//!
//! Planning only reads: whether each group exists, the current value of each setting
//! (compared in the kernel's normalised form, so `memory.limit_in_bytes = 5000000` equals
//! a live `4997120`), the owners and modes of existing groups' files. A group already as
//! the file wants it contributes no step, so applying an unchanged configuration a second
//! time writes nothing.
//!
//! Order: parents before children (the desired state is sorted so), and within a group:
//! create (v2: enabling its controllers top-down in the ancestors), owners and modes, then
//! settings with `cpuset.cpus`/`cpuset.mems` first and the memory limit and
//! memory+swap limit in whichever order keeps `limit <= memsw` true at every step.

use crate::backend::cursor::{Cursor, Cursors};
use crate::backend::hierarchy::Version;
use crate::backend::permissions::{permission_changes_in, MetaChange, Permissions};
use crate::backend::translate::parse_size;
use crate::backend::values::{normalize, unchanged, HostFacts};
use crate::engine::desired::{DesiredCgroup, DesiredSetting, DesiredState};
use crate::{Cgroups, GroupPath, Result};
use serde::Serialize;
use std::fmt::Write as _;

/// One change to the live tree.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Step {
    /// Create the directory and any missing parent; in v2, enable `controllers` in each
    /// ancestor that lacks them (for an existing group, only that).
    Create {
        /// Hierarchy index.
        #[serde(skip)]
        hierarchy: usize,
        /// The group, as `controllers:/path`.
        group: String,
        /// The directory.
        #[serde(skip)]
        path: GroupPath,
        /// v2 controllers to enable.
        controllers: Vec<String>,
        /// Whether the directory exists already (only controllers are missing).
        exists: bool,
    },
    /// Change owners and modes.
    Permissions {
        /// Hierarchy index.
        #[serde(skip)]
        hierarchy: usize,
        /// The group, as `controllers:/path`.
        group: String,
        /// The directory.
        #[serde(skip)]
        path: GroupPath,
        /// What is wanted.
        permissions: Permissions,
        /// The file-by-file changes for an existing group; `None` for a group this plan
        /// creates (known once it exists).
        changes: Option<Vec<MetaChange>>,
    },
    /// Write a setting.
    Write {
        /// Hierarchy index.
        #[serde(skip)]
        hierarchy: usize,
        /// The group, as `controllers:/path`.
        group: String,
        /// The directory.
        #[serde(skip)]
        path: GroupPath,
        /// The setting.
        name: String,
        /// The value.
        value: String,
        /// The live value it replaces; `None` in a new group or for a file that cannot
        /// be read (write-only files such as `devices.allow`), which undo cannot restore.
        before: Option<String>,
    },
}

impl Step {
    /// The index of the hierarchy the step is in.
    pub fn hierarchy(&self) -> usize {
        match self {
            Step::Create { hierarchy, .. }
            | Step::Permissions { hierarchy, .. }
            | Step::Write { hierarchy, .. } => *hierarchy,
        }
    }

    /// The group the step is about, as `controllers:/path`.
    pub fn group(&self) -> &str {
        match self {
            Step::Create { group, .. }
            | Step::Permissions { group, .. }
            | Step::Write { group, .. } => group,
        }
    }
}

/// The changes that would make the live tree match a desired state.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Plan {
    /// In the order to make them.
    pub steps: Vec<Step>,
}

/// Compares `state` with the live tree. Groups are visited in the state's order (parents
/// first) through one `Cursor` per hierarchy, so each directory is opened once and a
/// group under a missing parent costs no lookup.
pub fn plan(cgroups: &Cgroups, state: &DesiredState, host: &HostFacts) -> Result<Plan> {
    // At most a create, a permissions step and one write per setting for each group:
    // sized once instead of doubling (a 5000-group plan is 25000 steps).
    let most = state.cgroups.iter().map(|c| 2 + c.settings.len()).sum();
    let mut steps = Vec::with_capacity(most);
    let mut cursors = Cursors::new(cgroups);
    for desired in &state.cgroups {
        plan_cgroup(
            cgroups,
            cursors.of(desired.hierarchy),
            desired,
            host,
            &mut steps,
        )?;
    }
    Ok(Plan { steps })
}

fn plan_cgroup(
    cgroups: &Cgroups,
    cursor: &mut Cursor<'_>,
    desired: &DesiredCgroup,
    host: &HostFacts,
    steps: &mut Vec<Step>,
) -> Result<()> {
    let hierarchy = &cgroups.hierarchies()[desired.hierarchy];
    let group = format!("{}:{}", hierarchy.label(), desired.path);
    let exists = cursor.reach(&desired.path, crate::Op::Read)? == desired.path.depth();
    let dir = exists.then(|| cursor.top());
    let read = |name: &str| -> Option<String> {
        dir.and_then(|dir| crate::backend::group::read_setting(dir, name).ok())
    };
    let missing_controllers = match dir {
        None => desired.controllers.clone(),
        Some(dir) if hierarchy.version() == Version::V2 && !desired.controllers.is_empty() => {
            // The group's cgroup.controllers lists what its parent enables.
            let available = crate::backend::group::read_setting(dir, "cgroup.controllers")?;
            desired
                .controllers
                .iter()
                .filter(|c| !available.split_whitespace().any(|a| a == c.as_str()))
                .cloned()
                .collect()
        }
        Some(_) => Vec::new(),
    };
    if !exists || !missing_controllers.is_empty() {
        steps.push(Step::Create {
            hierarchy: desired.hierarchy,
            group: group.clone(),
            path: desired.path.clone(),
            controllers: desired.controllers.clone(),
            exists,
        });
    }
    if desired.permissions != Permissions::default() {
        let changes = match dir {
            Some(dir) => Some(permission_changes_in(
                dir,
                hierarchy.version(),
                &desired.permissions,
            )?),
            None => None,
        };
        if changes.as_ref().is_none_or(|c| !c.is_empty()) {
            steps.push(Step::Permissions {
                hierarchy: desired.hierarchy,
                group: group.clone(),
                path: desired.path.clone(),
                permissions: desired.permissions.clone(),
                changes,
            });
        }
    }
    for setting in write_order(&desired.settings, &read, host) {
        let before = read(&setting.name);
        if let Some(current) = &before {
            if unchanged(&setting.name, current, &setting.value, host) {
                continue;
            }
        }
        steps.push(Step::Write {
            hierarchy: desired.hierarchy,
            group: group.clone(),
            path: desired.path.clone(),
            name: setting.name.clone(),
            value: setting.value.clone(),
            before,
        });
    }
    Ok(())
}

/// cpuset.cpus and cpuset.mems first (tasks can only join a cpuset that has both); the
/// memory limit before the memory+swap limit when the limit goes down, after it when it
/// goes up past the current memsw limit (the kernel keeps `limit <= memsw`); otherwise
/// file order.
fn write_order<'a>(
    settings: &'a [DesiredSetting],
    live: &dyn Fn(&str) -> Option<String>,
    host: &HostFacts,
) -> Vec<&'a DesiredSetting> {
    let rank = |name: &str| match name {
        "cpuset.cpus" | "cpuset.mems" => 0,
        _ => 1,
    };
    let mut ordered: Vec<&DesiredSetting> = settings.iter().collect();
    ordered.sort_by_key(|s| rank(&s.name));
    let limit = ordered
        .iter()
        .position(|s| s.name == "memory.limit_in_bytes");
    let memsw = ordered
        .iter()
        .position(|s| s.name == "memory.memsw.limit_in_bytes");
    if let (Some(l), Some(m)) = (limit, memsw) {
        let bytes = |v: &str| {
            let n = normalize("memory.limit_in_bytes", v, host);
            parse_size(&n).unwrap_or(u64::MAX)
        };
        let new_limit = bytes(&ordered[l].value);
        let current_memsw = live("memory.memsw.limit_in_bytes").map_or(u64::MAX, |v| bytes(&v));
        let limit_first = new_limit <= current_memsw;
        if limit_first != (l < m) {
            ordered.swap(l, m);
        }
    }
    ordered
}

impl Plan {
    /// Whether the live tree already matches.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// One line per step, for people (`cgconfigparser --dry-run`).
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for step in &self.steps {
            match step {
                Step::Create {
                    group,
                    controllers,
                    exists,
                    ..
                } => {
                    let verb = if *exists { "enable in" } else { "create" };
                    let _ = write!(out, "{verb} {group}");
                    if !controllers.is_empty() {
                        let _ = write!(out, " (controllers {})", controllers.join(" "));
                    }
                    out.push('\n');
                }
                Step::Permissions {
                    group,
                    permissions,
                    changes,
                    ..
                } => match changes {
                    None => {
                        let _ = writeln!(
                            out,
                            "set owners and modes of {group}: {}",
                            describe_permissions(permissions)
                        );
                    }
                    Some(changes) => {
                        for change in changes {
                            let file = change.file.as_deref().unwrap_or(".");
                            let _ = writeln!(
                                out,
                                "change {group} {file}: {}:{} {:04o} -> {}:{} {:04o}",
                                change.before.uid,
                                change.before.gid,
                                change.before.mode,
                                change.after.uid,
                                change.after.gid,
                                change.after.mode
                            );
                        }
                    }
                },
                Step::Write {
                    group,
                    name,
                    value,
                    before,
                    ..
                } => {
                    let _ = write!(out, "write {group} {name} = {}", value.escape_debug());
                    match before {
                        Some(old) => {
                            let _ = writeln!(out, " (now {})", old.escape_debug());
                        }
                        None => out.push('\n'),
                    }
                }
            }
        }
        out
    }

    /// The directories applying the plan would create (groups and their missing
    /// parents), top-down, as (hierarchy index, path); reads whether each exists now.
    /// cgconfigd records them as its own before it applies the plan.
    pub fn new_directories(&self, cgroups: &Cgroups) -> Vec<(usize, GroupPath)> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        let mut cursors = Cursors::new(cgroups);
        for step in &self.steps {
            let Step::Create {
                hierarchy,
                path,
                exists: false,
                ..
            } = step
            else {
                continue;
            };
            // A directory that cannot be looked at counts as existing: it is not ours.
            let Ok(existing) = cursors.of(*hierarchy).reach(path, crate::Op::List) else {
                continue;
            };
            for dir in path.below(existing) {
                if seen.insert((*hierarchy, dir.clone())) {
                    out.push((*hierarchy, dir));
                }
            }
        }
        out
    }

    /// Counts for a summary line: groups to create, permission steps, writes.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for step in &self.steps {
            match step {
                Step::Create { exists: false, .. } => counts.0 += 1,
                Step::Create { .. } => {}
                Step::Permissions { .. } => counts.1 += 1,
                Step::Write { .. } => counts.2 += 1,
            }
        }
        counts
    }
}

fn describe_permissions(p: &Permissions) -> String {
    let id = |v: Option<u32>| v.map_or("-".to_string(), |n| n.to_string());
    let mode = |v: Option<u32>| v.map_or("-".to_string(), |m| format!("{m:04o}"));
    format!(
        "admin {}:{} dir {} files {}, task {}:{} {}",
        id(p.admin.uid),
        id(p.admin.gid),
        mode(p.dir_mode),
        mode(p.file_mode),
        id(p.task.uid),
        id(p.task.gid),
        mode(p.task_mode)
    )
}
