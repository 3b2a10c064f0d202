//! Applying a plan, with an undo log: on any failure, exactly what this run did is taken
//! back (groups it created removed, values it changed restored, owners and modes put
//! back), and nothing else. libcgroup instead deletes every group of the file, including
//! groups that existed before and their children (`docs/compat.md`).
//!
//! Undo runs in reverse order. A step that cannot be undone (a value written to a file
//! that cannot be read back, a group a task joined in the meantime) is reported, never
//! forced: no task is ever moved or killed to make an rmdir succeed.

use crate::backend::create::CreateReport;
use crate::backend::cursor::{Cursor, Cursors};
use crate::backend::group::write_setting;
use crate::backend::permissions::{
    apply_metas_in, own_fresh_in, permission_changes_in, MetaChange, Owner,
};
use crate::backend::setting::check_setting_name;
use crate::engine::plan::{Plan, Step};
use crate::{Cgroup, Cgroups, Error, GroupPath, Hierarchy, Op, Removal};
use std::path::Path;

/// One thing this run changed, with what is needed to take it back.
#[derive(Clone, Debug)]
enum Undo {
    /// A directory this run created.
    Created { hierarchy: usize, path: GroupPath },
    /// Controllers this run enabled in a directory's `cgroup.subtree_control`.
    Enabled {
        hierarchy: usize,
        path: GroupPath,
        controllers: Vec<String>,
    },
    /// A value this run wrote, and the value before (`None`: not readable, not restorable).
    Wrote {
        hierarchy: usize,
        path: GroupPath,
        name: String,
        before: Option<String>,
    },
    /// An owner or mode change.
    Meta {
        hierarchy: usize,
        path: GroupPath,
        change: MetaChange,
    },
}

/// What a successful apply did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Directories created (parents included).
    pub created: usize,
    /// The directories created, top-down per step, as (hierarchy index, path).
    pub created_dirs: Vec<(usize, GroupPath)>,
    /// Settings written.
    pub written: usize,
    /// Files whose owner or mode changed.
    pub meta: usize,
}

/// A failed apply: the error, the step it happened in, and what was undone.
#[derive(Debug)]
pub struct Failure {
    /// What failed.
    pub error: Error,
    /// The step, in words.
    pub step: String,
    /// What was taken back, in words, last change first.
    pub undone: Vec<String>,
    /// What could not be taken back, and why.
    pub not_undone: Vec<String>,
}

/// Told about changes before they are made.
///
/// cgconfigd writes its record of the directories it created here, so that the record is
/// on disk before the directory exists and a crash at any moment leaves no directory it
/// created unrecorded.
pub trait Observer {
    /// `dirs` of hierarchy `hierarchy` (an index into [`Cgroups::hierarchies`]) are about
    /// to be created, top-down. An error stops the apply before the step, and the run is
    /// undone. A directory someone else removes between this call and the creation is
    /// re-created by the step and announced right after it (best effort).
    fn before_create(&mut self, hierarchy: usize, dirs: &[GroupPath]) -> Result<(), Error>;
}

/// The observer of [`apply`]: nobody.
struct Unobserved;

impl Observer for Unobserved {
    fn before_create(&mut self, _: usize, _: &[GroupPath]) -> Result<(), Error> {
        Ok(())
    }
}

/// Applies `plan`; on failure undoes this run's changes and says what happened.
pub fn apply(cgroups: &Cgroups, plan: &Plan) -> Result<Applied, Box<Failure>> {
    apply_observed(cgroups, plan, &mut Unobserved)
}

/// [`apply`], telling `observer` about every directory before it is created.
pub fn apply_observed(
    cgroups: &Cgroups,
    plan: &Plan,
    observer: &mut dyn Observer,
) -> Result<Applied, Box<Failure>> {
    let mut log = Log::default();
    let mut applied = Applied::default();
    let mut cursors = Cursors::new(cgroups);
    let creator = Owner {
        uid: Some(nix::unistd::geteuid().as_raw()),
        gid: Some(nix::unistd::getegid().as_raw()),
    };
    for step in &plan.steps {
        let cursor = cursors.of(step.hierarchy());
        if let Err(error) = run(
            cgroups,
            cursor,
            creator,
            step,
            &mut log,
            &mut applied,
            observer,
        ) {
            // Undo may remove directories the cursors hold open.
            drop(cursors);
            let (undone, not_undone) = undo(cgroups, log.entries);
            return Err(Box::new(Failure {
                error,
                step: describe(step),
                undone,
                not_undone,
            }));
        }
    }
    Ok(applied)
}

fn describe(step: &Step) -> String {
    match step {
        Step::Create {
            group,
            exists: false,
            ..
        } => format!("creating {group}"),
        Step::Create { group, .. } => format!("enabling controllers for {group}"),
        Step::Permissions { group, .. } => format!("setting owners and modes of {group}"),
        Step::Write {
            group, name, value, ..
        } => format!("writing `{}` to {name} of {group}", value.escape_debug()),
    }
}

fn cgroup_at<'a>(
    cgroups: &'a Cgroups,
    hierarchy: usize,
    path: &GroupPath,
) -> Result<Cgroup<'a>, Error> {
    cgroups.cgroup(&cgroups.hierarchies()[hierarchy], path)
}

/// The undo log, and the groups this run created: changes inside those need no undo
/// entry of their own, since removing the group takes them back.
#[derive(Default)]
struct Log {
    entries: Vec<Undo>,
    created: std::collections::HashSet<(usize, GroupPath)>,
}

impl Log {
    fn push(&mut self, undo: Undo) {
        if let Undo::Created { hierarchy, path } = &undo {
            self.created.insert((*hierarchy, path.clone()));
        }
        self.entries.push(undo);
    }

    fn created_here(&self, hierarchy: usize, path: &GroupPath) -> bool {
        self.created.contains(&(hierarchy, path.clone()))
    }
}

fn run<'a>(
    cgroups: &'a Cgroups,
    cursor: &mut Cursor<'a>,
    creator: Owner,
    step: &Step,
    log: &mut Log,
    applied: &mut Applied,
    observer: &mut dyn Observer,
) -> Result<(), Error> {
    match step {
        Step::Create {
            hierarchy,
            path,
            controllers,
            exists,
            ..
        } => {
            let cgroup = cgroup_at(cgroups, *hierarchy, path)?;
            let existing = if *exists {
                cursor.reach(path, Op::Create)?
            } else {
                cursor.reach_parent_of(path, Op::Create)?
            };
            let missing = path.below(existing);
            if !missing.is_empty() {
                observer.before_create(*hierarchy, &missing)?;
            }
            // On failure the backend has already undone its own part of this step.
            let report = cgroup.create_with(cursor, controllers, !*exists)?;
            applied.created += report.created.len();
            let hierarchy_info = &cgroups.hierarchies()[*hierarchy];
            record_create(hierarchy_info, *hierarchy, &report, log);
            applied.created_dirs.extend(
                report
                    .created_groups
                    .iter()
                    .map(|p| (*hierarchy, p.clone())),
            );
            let late: Vec<GroupPath> = report
                .created_groups
                .into_iter()
                .filter(|p| !missing.contains(p))
                .collect();
            if !late.is_empty() {
                observer.before_create(*hierarchy, &late)?;
            }
        }
        Step::Permissions {
            hierarchy,
            path,
            permissions,
            ..
        } => {
            let new = log.created_here(*hierarchy, path);
            let version = cgroups.hierarchies()[*hierarchy].version();
            let dir = cursor.open(path, Op::Chown)?;
            if new {
                // A new group's files exist only since the create and belong to us: no
                // stat, no undo entries (removing the group takes the change back).
                applied.meta += own_fresh_in(dir, version, permissions, creator)?;
                return Ok(());
            }
            let changes = permission_changes_in(dir, version, permissions)?;
            let (done, result) = match apply_metas_in(dir, &changes) {
                Ok(_) => (changes.len(), Ok(())),
                Err((done, e)) => (done, Err(e)),
            };
            applied.meta += done;
            for change in &changes[..done] {
                log.push(Undo::Meta {
                    hierarchy: *hierarchy,
                    path: path.clone(),
                    change: change.clone(),
                });
            }
            result?;
        }
        Step::Write {
            hierarchy,
            path,
            name,
            value,
            before,
            ..
        } => {
            check_setting_name(name)?;
            let dir = cursor.open(path, Op::Write)?;
            write_setting(dir, name, value)?;
            applied.written += 1;
            if !log.created_here(*hierarchy, path) {
                log.push(Undo::Wrote {
                    hierarchy: *hierarchy,
                    path: path.clone(),
                    name: name.clone(),
                    before: before.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Records a create's effects in the order they happened: the controllers enabled in a
/// directory come before the creation of its child.
fn record_create(hierarchy: &Hierarchy, index: usize, report: &CreateReport, log: &mut Log) {
    let relative = |dir: &Path| relative_path(hierarchy, dir);
    let mut events: Vec<(usize, Undo)> = Vec::new();
    for enabled in &report.enabled {
        if let Some(path) = relative(&enabled.dir) {
            events.push((
                2 * path.depth(),
                Undo::Enabled {
                    hierarchy: index,
                    path,
                    controllers: enabled.controllers.clone(),
                },
            ));
        }
    }
    for path in &report.created_groups {
        events.push((
            2 * path.depth() - 1,
            Undo::Created {
                hierarchy: index,
                path: path.clone(),
            },
        ));
    }
    events.sort_by_key(|(order, _)| *order);
    for (_, undo) in events {
        log.push(undo);
    }
}

/// A directory of `hierarchy` as a group path.
fn relative_path(hierarchy: &Hierarchy, dir: &Path) -> Option<GroupPath> {
    let rel = dir.strip_prefix(hierarchy.fs_path()).ok()?;
    GroupPath::new(&format!("/{}", rel.to_str()?)).ok()
}

/// Takes back the logged changes, last first. Returns what was undone and what was not.
fn undo(cgroups: &Cgroups, log: Vec<Undo>) -> (Vec<String>, Vec<String>) {
    let mut undone = Vec::new();
    let mut not_undone = Vec::new();
    for entry in log.into_iter().rev() {
        let label = |hierarchy: usize, path: &GroupPath| {
            format!("{}:{path}", cgroups.hierarchies()[hierarchy].label())
        };
        let result: Result<String, String> = match &entry {
            Undo::Created { hierarchy, path } => {
                let group = label(*hierarchy, path);
                cgroup_at(cgroups, *hierarchy, path)
                    .and_then(|c| c.remove(Removal::EmptyOnly))
                    .map(|_| format!("removed {group}"))
                    .map_err(|e| format!("could not remove {group}: {e}"))
            }
            Undo::Enabled {
                hierarchy,
                path,
                controllers,
            } => {
                let group = label(*hierarchy, path);
                let tokens: Vec<String> = controllers.iter().map(|c| format!("-{c}")).collect();
                cgroup_at(cgroups, *hierarchy, path)
                    .and_then(|c| c.set("cgroup.subtree_control", &tokens.join(" ")))
                    .map(|()| format!("disabled {} in {group}", controllers.join(" ")))
                    .map_err(|e| {
                        format!(
                            "could not disable {} in {group}: {e}",
                            controllers.join(" ")
                        )
                    })
            }
            Undo::Wrote {
                hierarchy,
                path,
                name,
                before,
            } => {
                let group = label(*hierarchy, path);
                match before {
                    Some(before) => cgroup_at(cgroups, *hierarchy, path)
                        .and_then(|c| c.set(name, before))
                        .map(|()| {
                            format!("restored {name} of {group} to `{}`", before.escape_debug())
                        })
                        .map_err(|e| format!("could not restore {name} of {group}: {e}")),
                    None => Err(format!(
                        "could not restore {name} of {group}: its previous value cannot be read"
                    )),
                }
            }
            Undo::Meta {
                hierarchy,
                path,
                change,
            } => {
                let group = label(*hierarchy, path);
                let file = change.file.as_deref().unwrap_or(".");
                cgroup_at(cgroups, *hierarchy, path)
                    .and_then(|c| c.apply_meta(&change.reversed()))
                    .map(|_| format!("restored owner and mode of {group} {file}"))
                    .map_err(|e| format!("could not restore owner and mode of {group} {file}: {e}"))
            }
        };
        match result {
            Ok(message) => undone.push(message),
            Err(message) => not_undone.push(message),
        }
    }
    (undone, not_undone)
}
