//! Creating groups: parents as needed, v1 cpuset initialisation, v2 controller enabling.
//!
//! * v1: `mkdir -p`. In a cpuset hierarchy each new group gets its parent's `cpuset.cpus`
//!   and `cpuset.mems` when they are empty, because the kernel refuses tasks in a cpuset
//!   with no CPUs or memory nodes
//!   ([cpusets.rst](https://docs.kernel.org/admin-guide/cgroup-v1/cpusets.html)).
//! * v2: a controller is usable in a group only when its parent enables it in
//!   `cgroup.subtree_control`
//!   ([cgroup-v2.rst, "Enabling and Disabling"](https://docs.kernel.org/admin-guide/cgroup-v2.html#enabling-and-disabling)),
//!   so every ancestor, top-down, gets the missing `+ctrl` in one write. The root's file is
//!   read first and written only for a group directly under the root whose controller is
//!   missing there, and the report says so; for a deeper group a missing controller at the
//!   root is an error, because the root belongs to the init system (systemd re-realizes
//!   it) and a deep group is usually under someone else's subtree (`docs/backend.md`).
//!
//! An existing group is left as it is: no re-owning, no re-initialising. If a step fails,
//! what this call created or enabled is undone, and nothing else.

use std::path::PathBuf;

use nix::errno::Errno;
use serde::Serialize;

use crate::backend::cursor::Cursor;
use crate::backend::error::{Error, ErrorKind, Op, Result};
use crate::backend::fsio::Dir;
use crate::backend::group::{read_setting, write_setting, Cgroup, Group};
use crate::backend::group_path::GroupPath;
use crate::backend::hierarchy::Version;

/// A `cgroup.subtree_control` write made while creating.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Enabled {
    /// The group directory whose `cgroup.subtree_control` was written.
    pub dir: PathBuf,
    /// The controllers enabled there (each was missing before).
    pub controllers: Vec<String>,
    /// Whether `dir` is the hierarchy's root.
    pub root: bool,
}

/// What a create call did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CreateReport {
    /// Directories created, top-down (parents before children), across hierarchies.
    pub created: Vec<PathBuf>,
    /// The same directories as group paths (each in its own hierarchy: for the apply
    /// engine, which creates in one hierarchy at a time).
    #[serde(skip)]
    pub(crate) created_groups: Vec<GroupPath>,
    /// Group directories (not parents) this call created.
    pub new_groups: Vec<PathBuf>,
    /// Group directories that already existed and were left as they were.
    pub existing: Vec<PathBuf>,
    /// Controllers enabled in `cgroup.subtree_control` files, top-down.
    pub enabled: Vec<Enabled>,
}

impl CreateReport {
    /// Whether the group itself (not only parents) was created in some hierarchy.
    pub fn created_group(&self) -> bool {
        !self.new_groups.is_empty()
    }

    /// Whether a hierarchy root's `cgroup.subtree_control` was written.
    pub fn wrote_root_subtree_control(&self) -> bool {
        self.enabled.iter().any(|e| e.root)
    }

    fn merge(&mut self, other: CreateReport) {
        self.created.extend(other.created);
        self.created_groups.extend(other.created_groups);
        self.new_groups.extend(other.new_groups);
        self.existing.extend(other.existing);
        self.enabled.extend(other.enabled);
    }
}

/// One step to take back when a later step fails.
enum Undo {
    Created(GroupPath),
    Enabled(GroupPath, Vec<String>),
}

impl<'a> Cgroup<'a> {
    /// Creates the group and missing parents; in v2, enables `controllers` in every
    /// ancestor's `cgroup.subtree_control` that lacks them.
    pub fn create(&self, controllers: &[String]) -> Result<CreateReport> {
        self.create_with(&mut Cursor::new(self.cg, self.index), controllers, false)
    }

    /// [`Cgroup::create`] through `cursor` (of this group's hierarchy), which is left at
    /// the group: the apply engine creates many groups, and then changes their owners and
    /// settings, through one cursor. With `known_missing` (the plan found the group
    /// missing) the group itself is not looked for again before its `mkdir`.
    pub(crate) fn create_with(
        &self,
        cursor: &mut Cursor<'a>,
        controllers: &[String],
        known_missing: bool,
    ) -> Result<CreateReport> {
        let mut report = CreateReport::default();
        let mut undo = Vec::new();
        let steps = self.create_steps(cursor, controllers, known_missing, &mut report, &mut undo);
        match steps {
            Ok(()) => Ok(report),
            Err(e) => {
                cursor.reset();
                self.undo(undo);
                Err(e)
            }
        }
    }

    fn create_steps(
        &self,
        cursor: &mut Cursor<'a>,
        controllers: &[String],
        known_missing: bool,
        report: &mut CreateReport,
        undo: &mut Vec<Undo>,
    ) -> Result<()> {
        let version = self.hierarchy().version();
        let cpuset = version == Version::V1 && self.hierarchy().has_controller("cpuset");
        let existing = if known_missing {
            cursor.reach_parent_of(&self.path, Op::Create)?
        } else {
            cursor.reach(&self.path, Op::Create)?
        };
        let components: Vec<&str> = self.path.components().collect();
        for (depth, name) in components.iter().enumerate() {
            if version == Version::V2 && !controllers.is_empty() {
                let path = self.path.truncated(depth);
                let may_write = !path.is_root() || components.len() == 1;
                if let Some(enabled) = enable(cursor, depth, &path, controllers, may_write)? {
                    undo.push(Undo::Enabled(path, enabled.controllers.clone()));
                    report.enabled.push(enabled);
                }
            }
            if depth < existing {
                continue;
            }
            let dir = cursor.dir(depth);
            let made_here = match dir.mkdir(name, 0o755) {
                Ok(()) => true,
                // Someone else made it meanwhile: it is not ours to undo.
                Err(Errno::EEXIST) => false,
                Err(errno) => return Err(Error::os(Op::Create, dir.file(name), errno)),
            };
            if made_here {
                let child_path = self.path.truncated(depth + 1);
                undo.push(Undo::Created(child_path.clone()));
                report.created.push(dir.file(name));
                report.created_groups.push(child_path);
            }
            if let Err(errno) = cursor.descend(name) {
                return Err(Error::os(Op::Create, cursor.dir(depth).file(name), errno));
            }
            if cpuset && made_here {
                inherit_cpuset(cursor.dir(depth), cursor.dir(depth + 1))?;
            }
        }
        if undo
            .iter()
            .any(|u| matches!(u, Undo::Created(p) if *p == self.path))
        {
            report.new_groups.push(self.dir_path());
        } else {
            report.existing.push(self.dir_path());
        }
        Ok(())
    }

    /// Takes back steps in reverse order; failures here are ignored because the error
    /// that caused the undo is the one to report, and the steps only touch what this call
    /// made.
    fn undo(&self, steps: Vec<Undo>) {
        for step in steps.into_iter().rev() {
            match step {
                Undo::Created(path) => {
                    if let (Some(parent), Some(name)) = (path.parent(), path.file_name()) {
                        if let Ok(dir) = self.cg.open(self.index, &parent, Op::Remove) {
                            let _ = dir.rmdir(name);
                        }
                    }
                }
                Undo::Enabled(path, controllers) => {
                    if let Ok(dir) = self.cg.open(self.index, &path, Op::EnableControllers) {
                        let _ = dir.write("cgroup.subtree_control", &tokens('-', &controllers));
                    }
                }
            }
        }
    }
}

impl Group<'_> {
    /// Creates the group in each of its hierarchies (see [`Cgroup::create`]). If one
    /// hierarchy fails, what was created in the others by this call is removed again.
    pub fn create(&self) -> Result<CreateReport> {
        let mut report = CreateReport::default();
        let mut done: Vec<(Cgroup<'_>, CreateReport)> = Vec::new();
        for (cgroup, controllers) in self.targets() {
            match cgroup.create(controllers) {
                Ok(r) => done.push((cgroup, r)),
                Err(e) => {
                    for (cgroup, r) in done.into_iter().rev() {
                        cgroup.undo_report(&r);
                    }
                    return Err(e);
                }
            }
        }
        for (_, r) in done {
            report.merge(r);
        }
        Ok(report)
    }

    /// Takes back what a successful [`Group::create`] did, for a caller whose next step
    /// failed (cgcreate when changing owners fails): the directories it created are
    /// removed and the controllers it enabled are disabled again, bottom-up; groups that
    /// existed before are not touched. Best effort: the caller reports its own error.
    pub fn undo_create(&self, report: &CreateReport) {
        for (cgroup, _) in self.targets() {
            cgroup.undo_report(report);
        }
    }
}

impl Cgroup<'_> {
    fn undo_report(&self, report: &CreateReport) {
        let root = self.hierarchy().fs_path().to_path_buf();
        let to_group = |dir: &PathBuf| -> Option<GroupPath> {
            let rel = dir.strip_prefix(&root).ok()?;
            GroupPath::new(&format!("/{}", rel.to_str()?)).ok()
        };
        let mut steps = Vec::new();
        for e in &report.enabled {
            if let Some(p) = to_group(&e.dir) {
                steps.push(Undo::Enabled(p, e.controllers.clone()));
            }
        }
        for dir in &report.created {
            if let Some(p) = to_group(dir) {
                steps.push(Undo::Created(p));
            }
        }
        self.undo(steps);
    }
}

fn tokens(sign: char, controllers: &[String]) -> String {
    controllers
        .iter()
        .map(|c| format!("{sign}{c}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Enables the controllers missing from the `cgroup.subtree_control` of the directory at
/// `depth` of `cursor` in one write; with `may_write` false, a missing controller is an
/// error instead. The file is read once while the cursor holds the directory (5000
/// siblings: one read, not 5000).
fn enable(
    cursor: &mut Cursor<'_>,
    depth: usize,
    path: &GroupPath,
    controllers: &[String],
    may_write: bool,
) -> Result<Option<Enabled>> {
    const FILE: &str = "cgroup.subtree_control";
    let current = match cursor.subtree_control(depth) {
        Ok(current) => current,
        Err(errno) => {
            return Err(Error::os(
                Op::EnableControllers,
                cursor.dir(depth).file(FILE),
                errno,
            ))
        }
    };
    let present: Vec<&str> = current.split_whitespace().collect();
    let missing: Vec<String> = controllers
        .iter()
        .filter(|c| !present.contains(&c.as_str()))
        .cloned()
        .collect();
    if missing.is_empty() {
        return Ok(None);
    }
    let dir = cursor.dir(depth);
    if !may_write {
        return Err(Error::new(
            ErrorKind::ControllerNotEnabled {
                controllers: missing.join(","),
            },
            Op::EnableControllers,
        )
        .at(dir.file(FILE))
        .with_hint(
            "create the top group first (cgcreate writes the root's cgroup.subtree_control \
             only for a group directly under the root), or enable the controller at the root",
        ));
    }
    let written = dir.write(FILE, &tokens('+', &missing));
    let enabled = Enabled {
        dir: dir.path().to_path_buf(),
        controllers: missing,
        root: path.is_root(),
    };
    cursor.changed(depth);
    written.map_err(|errno| {
        let e = Error::os(Op::EnableControllers, enabled.dir.join(FILE), errno);
        if errno == Errno::ENOENT && path.is_root() {
            e.with_hint(format!(
                "the v2 root does not offer {} (see its cgroup.controllers); on a hybrid host \
                 the controller may be bound to a v1 hierarchy",
                enabled.controllers.join(", ")
            ))
        } else {
            e
        }
    })?;
    Ok(Some(enabled))
}

/// A new v1 cpuset starts with no CPUs and no memory nodes; copy the parent's.
fn inherit_cpuset(parent: &Dir<'_>, child: &Dir<'_>) -> Result<()> {
    for file in ["cpuset.cpus", "cpuset.mems"] {
        if read_setting(child, file)?.trim().is_empty() {
            let value = read_setting(parent, file)?;
            write_setting(child, file, &value)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::fs;

    use crate::{Cgroups, ErrorKind, GroupPath};

    /// A fake unified host whose root offers hugetlb and memory and already enables memory,
    /// with an existing group `a` (fakes cannot grow kernel files on mkdir, so ancestors
    /// exist and only the leaf is new).
    fn unified() -> (tempfile::TempDir, Cgroups) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sys/fs/cgroup");
        fs::create_dir_all(root.join("a")).unwrap();
        fs::write(root.join("cgroup.controllers"), "memory hugetlb\n").unwrap();
        fs::write(root.join("cgroup.subtree_control"), "memory\n").unwrap();
        fs::write(root.join("a/cgroup.subtree_control"), "").unwrap();
        let cg = Cgroups::from_sources(
            "26 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
            None,
            dir.path(),
        )
        .unwrap();
        (dir, cg)
    }

    #[test]
    fn v2_enables_controllers_top_down_and_reports_the_root_write() {
        let (dir, cg) = unified();
        let root = dir.path().join("sys/fs/cgroup");
        // Directly under the root: the root may be written, and the report says so.
        let top = cg
            .group(&["hugetlb", "memory"], &GroupPath::new("b").unwrap())
            .unwrap();
        let report = top.create().unwrap();
        assert_eq!(report.created, [root.join("b")]);
        assert!(report.wrote_root_subtree_control());
        assert_eq!(report.enabled.len(), 1);
        assert_eq!(report.enabled[0].controllers, ["hugetlb"]);
        assert_eq!(
            fs::read_to_string(root.join("cgroup.subtree_control")).unwrap(),
            "+hugetlb"
        );
        // Deeper: every ancestor below the root gets the missing controllers in one write.
        fs::write(root.join("cgroup.subtree_control"), "memory hugetlb\n").unwrap();
        let report = cg
            .group(&["hugetlb", "memory"], &GroupPath::new("a/b").unwrap())
            .unwrap()
            .create()
            .unwrap();
        assert!(!report.wrote_root_subtree_control());
        assert_eq!(report.enabled.len(), 1);
        assert_eq!(report.enabled[0].controllers, ["hugetlb", "memory"]);
        assert_eq!(
            fs::read_to_string(root.join("a/cgroup.subtree_control")).unwrap(),
            "+hugetlb +memory"
        );
        assert_eq!(cg.write_count(), 4, "two mkdirs, one write per ancestor");
    }

    #[test]
    fn a_deep_group_never_writes_the_root() {
        let (dir, cg) = unified();
        let root = dir.path().join("sys/fs/cgroup");
        let err = cg
            .group(&["hugetlb"], &GroupPath::new("a/b").unwrap())
            .unwrap()
            .create()
            .unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::ControllerNotEnabled { .. }));
        assert_eq!(
            err.to_string(),
            format!(
                "the cgroup v2 root does not enable `hugetlb` for its children ({})",
                root.join("cgroup.subtree_control").display()
            )
        );
        assert_eq!(err.exit_code(), 84);
        assert!(err.hint().unwrap().contains("directly under the root"));
        assert_eq!(cg.write_count(), 0);
        assert!(!root.join("a/b").exists());
    }

    #[test]
    fn v2_root_is_only_read_when_it_already_enables_everything() {
        let (dir, cg) = unified();
        let root = dir.path().join("sys/fs/cgroup");
        let report = cg
            .group(&["memory"], &GroupPath::new("fresh").unwrap())
            .unwrap()
            .create()
            .unwrap();
        assert!(!report.wrote_root_subtree_control());
        assert!(report.enabled.is_empty());
        assert_eq!(
            fs::read_to_string(root.join("cgroup.subtree_control")).unwrap(),
            "memory\n"
        );
        assert_eq!(cg.write_count(), 1, "only the mkdir");
    }

    #[test]
    fn an_existing_group_is_left_as_it_is() {
        let (_dir, cg) = unified();
        let report = cg
            .group(&[], &GroupPath::new("a").unwrap())
            .unwrap()
            .create()
            .unwrap();
        assert!(!report.created_group());
        assert_eq!(report.existing.len(), 1);
        assert_eq!(cg.write_count(), 0);
    }

    #[test]
    fn a_failed_step_undoes_exactly_what_this_call_did() {
        let (dir, cg) = unified();
        let root = dir.path().join("sys/fs/cgroup");
        fs::write(root.join("cgroup.subtree_control"), "memory hugetlb\n").unwrap();
        // Fail the mkdir of the leaf after the subtree_control write of `a`.
        cg.fail_nth_write(2, nix::errno::Errno::ENOSPC);
        let e = cg
            .group(&["hugetlb"], &GroupPath::new("a/b").unwrap())
            .unwrap()
            .create()
            .unwrap_err();
        assert_eq!(e.op(), crate::Op::Create);
        assert!(e.to_string().contains("a/b"), "{e}");
        assert!(!root.join("a/b").exists());
        assert!(root.join("a").exists(), "pre-existing parent kept");
        // Undo wrote `-hugetlb` back to `a`; the root was never written.
        assert_eq!(
            fs::read_to_string(root.join("cgroup.subtree_control")).unwrap(),
            "memory hugetlb\n"
        );
        assert_eq!(
            fs::read_to_string(root.join("a/cgroup.subtree_control")).unwrap(),
            "-hugetlb"
        );
    }

    #[test]
    fn undo_create_takes_back_only_what_the_create_did() {
        let (dir, cg) = unified();
        let root = dir.path().join("sys/fs/cgroup");
        fs::write(root.join("cgroup.subtree_control"), "memory hugetlb\n").unwrap();
        let group = cg
            .group(&["hugetlb"], &GroupPath::new("a/new").unwrap())
            .unwrap();
        let report = group.create().unwrap();
        assert!(root.join("a/new").is_dir());
        group.undo_create(&report);
        assert!(!root.join("a/new").exists());
        assert!(root.join("a").is_dir(), "the pre-existing parent stays");
        assert_eq!(
            fs::read_to_string(root.join("a/cgroup.subtree_control")).unwrap(),
            "-hugetlb"
        );
        // Undoing the report of an existing group changes nothing.
        let existing = cg.group(&[], &GroupPath::new("a").unwrap()).unwrap();
        let report = existing.create().unwrap();
        let before = cg.write_count();
        existing.undo_create(&report);
        assert_eq!(cg.write_count(), before);
        assert!(root.join("a").is_dir());
    }

    #[test]
    fn controller_less_groups_need_the_v2_mount() {
        let dir = tempfile::tempdir().unwrap();
        let cg = Cgroups::from_sources(
            "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n",
            None,
            dir.path(),
        )
        .unwrap();
        let e = cg.group(&[], &GroupPath::new("x").unwrap()).unwrap_err();
        assert_eq!(e.exit_code(), 84);
        assert_eq!(
            cg.group(&["memory"], &GroupPath::root())
                .unwrap_err()
                .exit_code(),
            84
        );
    }
}
