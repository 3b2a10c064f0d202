//! Removing groups without losing a task.
//!
//! What a removal may do with a group that is not empty is the caller's named choice, a
//! [`Removal`] (libcgroup's `CGFLAG_DELETE_*` flags):
//!
//! * [`Removal::EmptyOnly`] refuses a group that still has tasks or child groups and
//!   touches nothing: what cgconfigd, `cgconfigparser --unload` without `-r` and the undo
//!   of a failed apply use, because they must never move a task.
//! * [`Removal::MoveTasks`] is libcgroup's cgdelete without `-r`: the group's tasks move to
//!   its parent, then the group is removed. A group with child groups is refused *before*
//!   any task moves (libcgroup moves them first and then fails the rmdir, leaving the
//!   work half done).
//! * [`Removal::Recursive`] is cgdelete `-r`: every task of the subtree moves to the parent
//!   of the removed group, then the directories are removed bottom-up.
//!
//! Nothing is ever killed. Two kernel behaviours shape this module:
//!
//! * rmdir answers EBUSY for a moment after the last task left, until the kernel has
//!   finished releasing it, so rmdir is retried with backoff (youki does the same).
//! * in v2, a group that enables controllers for its children cannot take processes
//!   ("no internal processes",
//!   [cgroup-v2.rst](https://docs.kernel.org/admin-guide/cgroup-v2.html#no-internal-process-constraint));
//!   when the parent refuses with EBUSY the tasks go to the nearest ancestor that accepts
//!   them (the root always does). The report says where each went, and
//!   [`RemoveReport::climbed`] sums up the tasks that did not land in the parent.
//!   (libcgroup stops there with EBUSY and moves nothing.)
//!
//! v1 tasks are moved thread by thread through `tasks`, because writing a pid to
//! `cgroup.procs` would also pull in that process's threads living in groups outside the
//! group; v2 domain groups hold whole processes, so one write per process suffices.

use std::path::PathBuf;
use std::thread::sleep;
use std::time::Duration;

use nix::errno::Errno;
use serde::Serialize;

use crate::backend::error::{Error, ErrorKind, Op, Result};
use crate::backend::fsio::Dir;
use crate::backend::group::{child_names, read_ids, Cgroup, Group};
use crate::backend::group_path::GroupPath;
use crate::backend::hierarchy::Version;

/// Rounds of "read the tasks, move them" before giving up on a group whose tasks keep
/// forking faster than we move them.
const MOVE_ROUNDS: usize = 16;
/// rmdir retries on EBUSY, with the delay doubling from [`FIRST_DELAY`] (about 1.3 s in all).
const RMDIR_RETRIES: u32 = 8;
const FIRST_DELAY: Duration = Duration::from_millis(5);

/// What a removal may do with a group that still has tasks or child groups. The root group
/// of a hierarchy is never removed, whatever the choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removal {
    /// Only an empty group: one with a task or a child group is refused
    /// ([`ErrorKind::NotEmpty`]) and left exactly as it is. For callers that must never
    /// move a task (cgconfigd, `cgconfigparser --unload` without `-r`, undo).
    EmptyOnly,
    /// cgdelete without `-r`, as libcgroup: the group's tasks move to its parent (on v2 to
    /// the nearest ancestor that can hold them), then the group is removed. A group with
    /// child groups is refused before anything moves.
    MoveTasks,
    /// cgdelete `-r`: every task of the subtree moves to the group's parent (or further up
    /// on v2, as with [`Removal::MoveTasks`]), then the subtree is removed bottom-up.
    Recursive,
}

/// One task moved out of a removed group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Moved {
    /// Process id (v2 domain groups) or thread id (v1, v2 threaded groups).
    pub id: u32,
    /// The group directory it was moved to.
    pub to: PathBuf,
}

/// Tasks of a removed group that went to an ancestor above its parent, because the parent
/// (a v2 group enabling controllers for its children) could not hold them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Climbed {
    /// The group removed (for a recursive removal, the top of the subtree).
    pub group: GroupPath,
    /// Its parent, which refused the tasks.
    pub parent: GroupPath,
    /// Where they went: the nearest ancestor that accepted them.
    pub to: GroupPath,
    /// How many tasks (processes, or threads of a threaded subtree) went there.
    pub tasks: usize,
}

/// What a remove call did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RemoveReport {
    /// Directories removed, bottom-up.
    pub removed: Vec<PathBuf>,
    /// Tasks moved out first, each with where it went.
    pub moved: Vec<Moved>,
    /// The moved tasks that did not land in the parent, summed up per removed group and
    /// destination (empty on v1, where every group holds tasks).
    pub climbed: Vec<Climbed>,
}

impl<'a> Cgroup<'a> {
    /// Removes the group; what happens to its tasks and child groups is `removal`'s (see
    /// [`Removal`] and the module docs). The root group is never removed.
    pub fn remove(&self, removal: Removal) -> Result<RemoveReport> {
        let (Some(parent_path), Some(name)) = (self.path.parent(), self.path.file_name()) else {
            return Err(
                Error::os(Op::Remove, self.dir_path(), Errno::EBUSY).with_hint(
                    "the root group of a hierarchy cannot be removed; name its child groups",
                ),
            );
        };
        let parent = self
            .cg
            .open(self.index, &parent_path, Op::Remove)
            .map_err(|e| retag_missing(e, &self.path))?;
        let mut report = RemoveReport::default();
        let missing = || Error::group_missing(&self.path, Op::Remove, self.dir_path());
        if removal != Removal::Recursive {
            // The kernel refuses to remove a group with tasks or child groups (EBUSY), so
            // the rmdir comes first and the group is looked at only when it is refused:
            // one syscall for the usual case instead of a listing and a task read.
            match parent.rmdir(name) {
                Ok(()) => {
                    report.removed.push(self.dir_path());
                    return Ok(report);
                }
                Err(Errno::ENOENT) => return Err(missing()),
                Err(Errno::EBUSY | Errno::ENOTEMPTY) => {}
                Err(errno) => return Err(Error::os(Op::Remove, self.dir_path(), errno)),
            }
            let dir = match parent.child(name) {
                Ok(dir) => dir,
                Err(Errno::ENOENT) => return Err(missing()),
                Err(errno) => return Err(Error::os(Op::Remove, self.dir_path(), errno)),
            };
            let children = child_names(&dir)?.len();
            let tasks = read_ids(&dir, self.hierarchy().version().threads_file())?.len();
            drop(dir);
            if children > 0 || (tasks > 0 && removal == Removal::EmptyOnly) {
                return Err(self.not_empty(removal, tasks, children));
            }
            // Without tasks the group is empty, yet busy: the kernel is still releasing
            // tasks that just left.
            let parent = if tasks > 0 {
                self.move_out(
                    std::slice::from_ref(&self.path),
                    parent,
                    &parent_path,
                    &mut report,
                )?
            } else {
                parent
            };
            rmdir_with_retry(&parent, name)?;
            report.removed.push(self.dir_path());
            return Ok(report);
        }

        match parent.child(name) {
            Ok(_) => {}
            Err(Errno::ENOENT) => return Err(missing()),
            Err(errno) => return Err(Error::os(Op::Remove, self.dir_path(), errno)),
        }
        let subtree = self.walk()?;
        self.move_out(&subtree, parent, &parent_path, &mut report)?;
        for group in subtree.iter().rev() {
            let (Some(parent_path), Some(name)) = (group.parent(), group.file_name()) else {
                continue;
            };
            let parent = self.cg.open(self.index, &parent_path, Op::Remove)?;
            rmdir_with_retry(&parent, name)?;
            report.removed.push(parent.file(name));
        }
        Ok(report)
    }

    /// The refusal of a group that still has tasks or child groups, with the hint that
    /// fits what `removal` would have done.
    fn not_empty(&self, removal: Removal, tasks: usize, children: usize) -> Error {
        let hint = match removal {
            Removal::MoveTasks if tasks > 0 => {
                "use -r to remove its child groups too (its tasks and theirs then move to the \
                 parent group); none of its tasks was moved"
            }
            Removal::MoveTasks => {
                "use -r to remove its child groups too (their tasks move to the parent group)"
            }
            _ => "use -r to move its tasks to the parent group and remove the child groups too",
        };
        Error::new(
            ErrorKind::NotEmpty {
                group: self.path.to_string(),
                tasks,
                children,
            },
            Op::Remove,
        )
        .at(self.dir_path())
        .with_errno(Errno::EBUSY)
        .with_hint(hint)
    }

    /// [`Removal::MoveTasks`]'s refusal if the group has child groups; `None` if it has none
    /// or does not exist (the removal itself reports that).
    fn child_groups_refusal(&self) -> Result<Option<Error>> {
        let dir = match self.open(Op::Remove) {
            Ok(dir) => dir,
            Err(e) if matches!(e.kind(), ErrorKind::GroupMissing { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let children = child_names(&dir)?.len();
        if children == 0 {
            return Ok(None);
        }
        let tasks = read_ids(&dir, self.hierarchy().version().threads_file())?.len();
        Ok(Some(self.not_empty(Removal::MoveTasks, tasks, children)))
    }

    /// Moves every task of `groups` (this group, or its whole subtree) to `parent`, or on
    /// v2 to the nearest ancestor that accepts them, and sums up in the report those that
    /// went further than the parent. Gives the parent's directory back.
    fn move_out(
        &self,
        groups: &[GroupPath],
        parent: Dir<'a>,
        parent_path: &GroupPath,
        report: &mut RemoveReport,
    ) -> Result<Dir<'a>> {
        let version = self.hierarchy().version();
        // Destination k is chain[k]: the parent, then its ancestors nearest first.
        let mut chain = vec![parent_path.clone()];
        chain.extend(parent_path.ancestors().into_iter().rev());
        let mut destinations = vec![parent];
        let first_moved = report.moved.len();
        let mut next_ancestor = chain.iter().skip(1);
        for group in groups {
            let source = self.cg.open(self.index, group, Op::MoveTasks)?;
            move_tasks(
                version,
                &source,
                &mut destinations,
                &mut || {
                    next_ancestor
                        .next()
                        .map(|p| self.cg.open(self.index, p, Op::MoveTasks))
                },
                report,
            )?;
        }
        for (dest, to) in destinations.iter().zip(&chain).skip(1) {
            let tasks = report.moved[first_moved..]
                .iter()
                .filter(|m| m.to == dest.path())
                .count();
            if tasks > 0 {
                report.climbed.push(Climbed {
                    group: self.path.clone(),
                    parent: parent_path.clone(),
                    to: to.clone(),
                    tasks,
                });
            }
        }
        destinations
            .into_iter()
            .next()
            .ok_or_else(|| Error::os(Op::MoveTasks, self.dir_path(), Errno::EBUSY))
    }
}

impl Group<'_> {
    /// Removes the group from every one of its hierarchies (libcgroup's cgdelete stops
    /// after the first hierarchy; we do not), each as `removal` says. All hierarchies are
    /// tried; the first error is returned after that. With [`Removal::MoveTasks`], a group
    /// that has child groups in one hierarchy is refused before a task moves in any.
    pub fn remove(&self, removal: Removal) -> Result<RemoveReport> {
        let cgroups = self.cgroups();
        if removal == Removal::MoveTasks && cgroups.len() > 1 {
            for cgroup in &cgroups {
                if let Some(refusal) = cgroup.child_groups_refusal()? {
                    return Err(refusal);
                }
            }
        }
        let mut report = RemoveReport::default();
        let mut first_error = None;
        for cgroup in cgroups {
            match cgroup.remove(removal) {
                Ok(r) => {
                    report.removed.extend(r.removed);
                    report.moved.extend(r.moved);
                    report.climbed.extend(r.climbed);
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }
}

fn retag_missing(e: Error, group: &GroupPath) -> Error {
    match e.kind() {
        ErrorKind::GroupMissing { .. } => Error::new(
            ErrorKind::GroupMissing {
                group: group.to_string(),
            },
            Op::Remove,
        )
        .with_errno(Errno::ENOENT),
        _ => e,
    }
}

/// Moves every task out of `source` into the last of `destinations`, climbing to the next
/// ancestor (from `climb`) when a v2 group refuses processes.
fn move_tasks<'a>(
    version: Version,
    source: &Dir<'a>,
    destinations: &mut Vec<Dir<'a>>,
    climb: &mut dyn FnMut() -> Option<Result<Dir<'a>>>,
    report: &mut RemoveReport,
) -> Result<()> {
    let mut mover = Mover {
        version,
        source,
        destinations,
        climb,
        report,
    };
    for _ in 0..MOVE_ROUNDS {
        let threads = read_ids(source, version.threads_file())?;
        if threads.is_empty() {
            return Ok(());
        }
        let (file, ids) = match version {
            Version::V1 => ("tasks", threads),
            // A threaded group's cgroup.procs cannot even be read (EOPNOTSUPP).
            Version::V2 => match read_ids(source, "cgroup.procs") {
                Ok(pids) if !pids.is_empty() => ("cgroup.procs", pids),
                Ok(_) => ("cgroup.threads", threads),
                Err(e) if e.errno() == Some(Errno::EOPNOTSUPP) => ("cgroup.threads", threads),
                Err(e) => return Err(e),
            },
        };
        for id in ids {
            mover.move_one(file, id, true)?;
        }
    }
    Err(Error::os(Op::MoveTasks, source.path(), Errno::EBUSY)
        .with_hint("tasks keep appearing in the group (a fork loop?); stop them and retry"))
}

struct Mover<'m, 'a> {
    version: Version,
    source: &'m Dir<'a>,
    destinations: &'m mut Vec<Dir<'a>>,
    climb: &'m mut dyn FnMut() -> Option<Result<Dir<'a>>>,
    report: &'m mut RemoveReport,
}

impl Mover<'_, '_> {
    /// Moves one process (`cgroup.procs`) or thread (`tasks`, `cgroup.threads`) to the
    /// current destination. `fallback` allows one switch between process and thread
    /// granularity when the kernel refuses the first.
    fn move_one(&mut self, file: &str, id: u32, fallback: bool) -> Result<()> {
        loop {
            let Some(dest) = self.destinations.last() else {
                return Err(Error::os(Op::MoveTasks, self.source.path(), Errno::EBUSY));
            };
            let errno = match dest.write(file, &id.to_string()) {
                Ok(()) => {
                    self.report.moved.push(Moved {
                        id,
                        to: dest.path().to_path_buf(),
                    });
                    return Ok(());
                }
                Err(errno) => errno,
            };
            let v2 = self.version == Version::V2;
            match errno {
                // Exited meanwhile: nothing to move, nothing lost.
                Errno::ESRCH => return Ok(()),
                Errno::EBUSY if v2 => match (self.climb)() {
                    Some(next) => self.destinations.push(next?),
                    None => return Err(Error::os(Op::MoveTasks, dest.file(file), errno)),
                },
                // A threaded destination takes single threads.
                Errno::EOPNOTSUPP if v2 && fallback && file == "cgroup.procs" => {
                    for tid in read_ids(self.source, "cgroup.threads")? {
                        self.move_one("cgroup.threads", tid, false)?;
                    }
                    return Ok(());
                }
                // A thread cannot leave its threaded domain alone: move its whole process.
                Errno::EOPNOTSUPP | Errno::EINVAL if v2 && fallback && file == "cgroup.threads" => {
                    return match tgid_of(id) {
                        Some(tgid) => self.move_one("cgroup.procs", tgid, false),
                        None => Ok(()),
                    };
                }
                _ => return Err(Error::os(Op::MoveTasks, dest.file(file), errno)),
            }
        }
    }
}

/// The process a thread belongs to (`Tgid:` in `/proc/<tid>/status`); `None` once it
/// has exited.
fn tgid_of(tid: u32) -> Option<u32> {
    std::fs::read_to_string(format!("/proc/{tid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("Tgid:"))?
        .trim()
        .parse()
        .ok()
}

/// rmdir, retried on EBUSY while the kernel finishes releasing exited tasks.
fn rmdir_with_retry(parent: &Dir<'_>, name: &str) -> Result<()> {
    let mut delay = FIRST_DELAY;
    for attempt in 0..=RMDIR_RETRIES {
        match parent.rmdir(name) {
            Ok(()) | Err(Errno::ENOENT) => return Ok(()),
            Err(Errno::EBUSY) if attempt < RMDIR_RETRIES => {
                sleep(delay);
                delay *= 2;
            }
            Err(errno) => return Err(Error::os(Op::Remove, parent.file(name), errno)),
        }
    }
    Err(Error::os(Op::Remove, parent.file(name), Errno::EBUSY))
}
