//! cgsnapshot's model: the live tree as a cgconfig.conf syntax tree, printed by the
//! grammar's own printer so that the output always parses back (names quoted where
//! needed) and, applied again, recreates the same groups, values, owners and modes.
//!
//! What is captured, per hierarchy (mount-table order) and group (pre-order, the root
//! excluded): every `<controller>.*` file the owner may both read and write, except
//! what is not configuration ([`is_configuration`]: counters, actions, aliases) and
//! deny-listed names (and, with `strict`, names not allow-listed); `devices.list` as
//! `devices.deny = "a *:* rwm"` plus `devices.allow` with the list, as libcgroup does; a
//! `perm` block when owners or modes differ from what a fresh group has.

use crate::hierarchy::Version;
use crate::permissions::FileMeta;
use crate::setting::is_configuration;
use crate::{Cgroups, GroupPath, Hierarchy, Result};
use grammar::cgconfig::{
    self, AdminPerm, Config, Controller, Id, Mode, Mount, MountPoint, Perm, Section, Setting,
    TaskPerm,
};
use grammar::Spanned;

/// What to capture.
#[derive(Clone, Debug, Default)]
pub struct SnapshotOptions {
    /// Only hierarchies serving one of these controllers (`None`: all).
    pub controllers: Option<Vec<String>>,
    /// Setting names never captured.
    pub deny: Vec<String>,
    /// Setting names known to be wanted; with `strict`, the only ones captured.
    pub allow: Option<Vec<String>>,
    /// Capture only allow-listed names.
    pub strict: bool,
    /// Only this group and its descendants (the library's own use: tests, cgconfigd).
    pub under: Option<GroupPath>,
}

/// A snapshot and the remarks made while taking it.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The tree, ready for [`grammar::cgconfig::print`].
    pub config: Config,
    /// Names captured although neither deny- nor allow-listed (only when an allow list
    /// was given), and values that could not be captured.
    pub warnings: Vec<String>,
}

/// Takes a snapshot of the live tree.
pub fn snapshot(cgroups: &Cgroups, options: &SnapshotOptions) -> Result<Snapshot> {
    let mut sections = Vec::new();
    let mut points = Vec::new();
    let mut warnings = Vec::new();
    let mut warned: Vec<String> = Vec::new();
    for hierarchy in cgroups.hierarchies() {
        if hierarchy.controllers().is_empty() {
            continue; // named hierarchies (name=systemd) hold no settings
        }
        if let Some(wanted) = &options.controllers {
            if !hierarchy.controllers().iter().any(|c| wanted.contains(c)) {
                continue;
            }
        }
        if hierarchy.version() == Version::V1 {
            points.push(MountPoint {
                controllers: Spanned::unplaced(hierarchy.label()),
                path: Spanned::unplaced(hierarchy.mount_point().display().to_string()),
                span: Default::default(),
            });
        }
        let top = options.under.clone().unwrap_or_else(GroupPath::root);
        let start = cgroups.cgroup(hierarchy, &top)?;
        if !start.exists() {
            continue;
        }
        for path in start.walk()?.into_iter().filter(|p| !p.is_root()) {
            let cgroup = cgroups.cgroup(hierarchy, &path)?;
            let metas = match cgroup.file_metas() {
                Ok(metas) => metas,
                // Removed while we walked: not part of the snapshot.
                Err(e) if matches!(e.kind(), crate::ErrorKind::GroupMissing { .. }) => continue,
                Err(e) => return Err(e),
            };
            // A v2 group has the controllers its parent enables for it (its
            // `cgroup.controllers`), not every controller of the hierarchy; a group with none
            // is written with libcgroup's `cgroup` pseudo-controller, which places it in the
            // v2 mount.
            let names: Vec<String> = match hierarchy.version() {
                Version::V1 => hierarchy.controllers().to_vec(),
                Version::V2 => {
                    let enabled: Vec<String> = cgroup
                        .get("cgroup.controllers")
                        .unwrap_or_default()
                        .split_whitespace()
                        .map(str::to_string)
                        .collect();
                    if enabled.is_empty() {
                        vec!["cgroup".to_string()]
                    } else {
                        enabled
                    }
                }
            };
            let mut controllers = Vec::new();
            for controller in &names {
                let mut settings = Vec::new();
                for (name, meta) in &metas {
                    let Some(rest) = name.strip_prefix(controller.as_str()) else {
                        continue;
                    };
                    if !rest.starts_with('.') {
                        continue;
                    }
                    if name == "devices.list" {
                        if let Ok(list) = cgroup.get(name) {
                            settings.push(setting("devices.deny", "a *:* rwm"));
                            if !list.trim().is_empty() {
                                settings.push(setting("devices.allow", list.trim_end()));
                            }
                        }
                        continue;
                    }
                    if meta.mode & 0o600 != 0o600
                        || !is_configuration(name)
                        || options.deny.iter().any(|d| d == name)
                    {
                        continue;
                    }
                    let allowed = options.allow.as_ref().is_some_and(|a| a.contains(name));
                    if options.strict && !allowed {
                        continue;
                    }
                    if options.allow.is_some() && !allowed && !warned.contains(name) {
                        warnings.push(format!(
                            "variable {name} is neither deny-listed nor allow-listed"
                        ));
                        warned.push(name.clone());
                    }
                    match cgroup.get(name) {
                        Ok(value) if value.contains('"') => warnings.push(format!(
                            "{}:{path} {name}: the value contains `\"`, which cgconfig.conf cannot express; skipped",
                            hierarchy.label()
                        )),
                        Ok(value) => settings.push(setting(name, &value)),
                        // Readable by mode but refused by the kernel (e.g. no swap
                        // accounting): nothing to capture.
                        Err(_) => {}
                    }
                }
                controllers.push(Controller {
                    name: Spanned::unplaced(controller.clone()),
                    settings,
                    span: Default::default(),
                });
            }
            sections.push(Section::Group(cgconfig::Group {
                name: Spanned::unplaced(path.as_relative().to_string()),
                perm: perm_of(hierarchy, &metas, cgroup.ownership()?.dir),
                controllers,
                span: Default::default(),
            }));
        }
    }
    if !points.is_empty() {
        sections.insert(
            0,
            Section::Mount(Mount {
                points,
                span: Default::default(),
            }),
        );
    }
    Ok(Snapshot {
        config: Config { sections },
        warnings,
    })
}

fn setting(name: &str, value: &str) -> Setting {
    Setting {
        name: Spanned::unplaced(name.to_string()),
        value: Spanned::unplaced(value.to_string()),
        span: Default::default(),
    }
}

/// A `perm` block when the group's owners or modes differ from a fresh group's (root,
/// directory 0755, files 0644), with the modes that re-create them under libcgroup's
/// owner-bit masking.
fn perm_of(hierarchy: &Hierarchy, metas: &[(String, FileMeta)], dir: FileMeta) -> Option<Perm> {
    let task_files = hierarchy.version().task_files();
    let task = metas
        .iter()
        .find(|(name, _)| task_files.first() == Some(&name.as_str()))
        .map(|(_, m)| *m);
    // The mode of the ordinary files: the most common mode among owner-writable ones.
    let mut modes: Vec<(u32, usize)> = Vec::new();
    for (name, meta) in metas {
        if task_files.contains(&name.as_str()) || meta.mode & 0o200 == 0 {
            continue;
        }
        match modes.iter_mut().find(|(m, _)| *m == meta.mode) {
            Some((_, n)) => *n += 1,
            None => modes.push((meta.mode, 1)),
        }
    }
    let file_mode = modes
        .iter()
        .max_by_key(|(_, n)| *n)
        .map_or(0o644, |(m, _)| *m);
    let owner_of = |m: &FileMeta| (m.uid, m.gid);
    let fresh = owner_of(&dir) == (0, 0)
        && dir.mode == 0o755
        && file_mode == 0o644
        && task.is_none_or(|t| owner_of(&t) == (0, 0) && t.mode == 0o644);
    if fresh {
        return None;
    }
    let id = |n: u32, user: bool| {
        let name = if user {
            nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(n))
                .ok()
                .flatten()
                .map(|u| u.name)
        } else {
            nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(n))
                .ok()
                .flatten()
                .map(|g| g.name)
        };
        // A name when the system has one (portable across hosts), else the number.
        Spanned::unplaced(name.map_or(Id::Number(n), Id::Name))
    };
    let mode = |m: u32| Some(Spanned::unplaced(Mode(m)));
    Some(Perm {
        task: task.map(|t| TaskPerm {
            uid: Some(id(t.uid, true)),
            gid: Some(id(t.gid, false)),
            fperm: mode(t.mode),
            span: Default::default(),
        }),
        admin: Some(AdminPerm {
            uid: Some(id(dir.uid, true)),
            gid: Some(id(dir.gid, false)),
            fperm: mode(file_mode),
            dperm: mode(dir.mode),
            span: Default::default(),
        }),
        span: Default::default(),
    })
}

/// Reads a deny or allow list: one setting name per line, `#` comments and blank lines
/// ignored.
pub fn read_list(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_ignore_comments_and_blanks() {
        assert_eq!(
            read_list("# deny\ncpu.shares\n\n  memory.swappiness  # why\n"),
            ["cpu.shares", "memory.swappiness"]
        );
    }
}
