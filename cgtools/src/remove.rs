//! Removing groups without losing a task.
//!
//! Non-recursive removal refuses a group that still has tasks or child groups. Recursive
//! removal first moves every task of the subtree to the parent of the removed group, then
//! removes the directories bottom-up. Nothing is ever killed. Two kernel behaviours shape
//! this module:
//!
//! * rmdir answers EBUSY for a moment after the last task left, until the kernel has
//!   finished releasing it, so rmdir is retried with backoff (youki does the same).
//! * in v2, a group that enables controllers for its children cannot take processes
//!   ("no internal processes",
//!   [cgroup-v2.rst](https://docs.kernel.org/admin-guide/cgroup-v2.html#no-internal-process-constraint));
//!   when the parent refuses with EBUSY the tasks go to the nearest ancestor that accepts
//!   them (the root always does), and the report says where each went.
//!
//! v1 tasks are moved thread by thread through `tasks`, because writing a pid to
//! `cgroup.procs` would also pull in that process's threads living in groups outside the
//! subtree; v2 domain groups hold whole processes, so one write per process suffices.

use std::path::PathBuf;
use std::thread::sleep;
use std::time::Duration;

use nix::errno::Errno;
use serde::Serialize;

use crate::error::{Error, ErrorKind, Op, Result};
use crate::fsio::Dir;
use crate::group::{child_names, read_ids, Cgroup, Group};
use crate::group_path::GroupPath;
use crate::hierarchy::Version;

/// Rounds of "read the tasks, move them" before giving up on a group whose tasks keep
/// forking faster than we move them.
const MOVE_ROUNDS: usize = 16;
/// rmdir retries on EBUSY, with the delay doubling from [`FIRST_DELAY`] (about 1.3 s in all).
const RMDIR_RETRIES: u32 = 8;
const FIRST_DELAY: Duration = Duration::from_millis(5);

/// One task moved out of a removed subtree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Moved {
    /// Process id (v2 domain groups) or thread id (v1, v2 threaded groups).
    pub id: u32,
    /// The group directory it was moved to.
    pub to: PathBuf,
}

/// What a remove call did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RemoveReport {
    /// Directories removed, bottom-up.
    pub removed: Vec<PathBuf>,
    /// Tasks moved out first (recursive removal only).
    pub moved: Vec<Moved>,
}

impl Cgroup<'_> {
    /// Removes the group. Without `recursive` it must hold no task and no child group;
    /// with it, every task of the subtree moves to the group's parent (see the module
    /// docs) and the subtree is removed bottom-up. The root group is never removed.
    pub fn remove(&self, recursive: bool) -> Result<RemoveReport> {
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
        let version = self.hierarchy().version();
        let mut report = RemoveReport::default();
        let missing = || Error::group_missing(&self.path, Op::Remove, self.dir_path());
        if !recursive {
            // The kernel refuses to remove a group with tasks or child groups (EBUSY), so
            // the rmdir comes first and the group is looked at only to explain a refusal:
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
            let tasks = read_ids(&dir, version.threads_file())?.len();
            if tasks > 0 || children > 0 {
                return Err(Error::new(
                    ErrorKind::NotEmpty {
                        group: self.path.to_string(),
                        tasks,
                        children,
                    },
                    Op::Remove,
                )
                .at(self.dir_path())
                .with_errno(Errno::EBUSY)
                .with_hint(
                    "use -r to move its tasks to the parent group and remove the child groups too",
                ));
            }
            // Empty, yet busy: the kernel is still releasing tasks that just left.
            drop(dir);
            rmdir_with_retry(&parent, name)?;
            report.removed.push(self.dir_path());
            return Ok(report);
        }

        let dir = match parent.child(name) {
            Ok(dir) => dir,
            Err(Errno::ENOENT) => return Err(missing()),
            Err(errno) => return Err(Error::os(Op::Remove, self.dir_path(), errno)),
        };
        let subtree = self.walk()?;
        drop(dir);
        let mut destinations = vec![parent];
        let mut ancestors = parent_path.ancestors();
        ancestors.push(parent_path.clone());
        let mut next_ancestor = ancestors.into_iter().rev().skip(1);
        for group in &subtree {
            let source = self.cg.open(self.index, group, Op::MoveTasks)?;
            move_tasks(
                version,
                &source,
                &mut destinations,
                &mut || {
                    next_ancestor
                        .next()
                        .map(|p| self.cg.open(self.index, &p, Op::MoveTasks))
                },
                &mut report,
            )?;
        }
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
}

impl Group<'_> {
    /// Removes the group from every one of its hierarchies (libcgroup's cgdelete stops
    /// after the first hierarchy; we do not). All hierarchies are tried; the first error
    /// is returned after that.
    pub fn remove(&self, recursive: bool) -> Result<RemoveReport> {
        let mut report = RemoveReport::default();
        let mut first_error = None;
        for cgroup in self.cgroups() {
            match cgroup.remove(recursive) {
                Ok(r) => {
                    report.removed.extend(r.removed);
                    report.moved.extend(r.moved);
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
