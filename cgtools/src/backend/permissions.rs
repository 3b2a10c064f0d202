//! Owners and modes of a group: libcgroup's split between the *admin* (the directory and
//! its files) and the *task* side (the files that move tasks in), on v1 and v2.
//!
//! * Admin owner and `dir_mode` apply to the group directory; admin owner and `file_mode`
//!   to every file in it except the task files; task owner and `task_mode` to the task
//!   files: v1 `tasks` and `cgroup.procs` (we attach through the latter), v2 `cgroup.procs`
//!   and `cgroup.threads` (the files cgroup-v2.rst's
//!   [delegation](https://docs.kernel.org/admin-guide/cgroup-v2.html#delegation-containment)
//!   section says a delegatee needs).
//! * Modes (of the directory too) are masked as libcgroup masks them: the requested permission bits are ANDed
//!   with the file's current owner bits copied to group and other, so a request for 0664
//!   leaves a read-only `cpu.stat` at 0444 and the write-only `memory.force_empty` at 0200;
//!   setuid, setgid and sticky bits pass through.
//! * Unset fields leave things as they are (libcgroup re-owns to the caller), and a change
//!   that is already in place is not written again.

use std::path::PathBuf;

use nix::errno::Errno;
use nix::sys::stat::FileStat;
use nix::unistd::{Gid, Uid};
use serde::Serialize;

use crate::backend::error::{Error, Op, Result};
use crate::backend::fsio::Dir;
use crate::backend::group::{Cgroup, Group};
use crate::backend::hierarchy::Version;

/// An owner to set; `None` leaves that id unchanged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Owner {
    /// User id.
    pub uid: Option<u32>,
    /// Group id.
    pub gid: Option<u32>,
}

/// Owners and modes to apply to a group (cgcreate `-a -t -d -f -s`, cgconfig.conf `perm`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Permissions {
    /// Owner of the directory and of its files other than the task files.
    pub admin: Owner,
    /// Owner of the task files.
    pub task: Owner,
    /// Mode of the directory.
    pub dir_mode: Option<u32>,
    /// Mode of the files other than the task files (masked, see the module docs).
    pub file_mode: Option<u32>,
    /// Mode of the task files (masked).
    pub task_mode: Option<u32>,
}

/// Owner and permission bits of one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FileMeta {
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
    /// Permission bits including setuid/setgid/sticky (`mode & 0o7777`).
    pub mode: u32,
}

impl From<&FileStat> for FileMeta {
    fn from(st: &FileStat) -> FileMeta {
        FileMeta {
            uid: st.st_uid,
            gid: st.st_gid,
            mode: st.st_mode & 0o7777,
        }
    }
}

/// The owners and modes of a group as they are now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ownership {
    /// The group directory.
    pub dir: FileMeta,
    /// The first task file present (v1 `tasks`, v2 `cgroup.procs`).
    pub task_file: Option<FileMeta>,
}

/// libcgroup's mode masking: `requested`'s permission bits limited to the owner bits of
/// `current` replicated to group and other; the special bits of `requested` pass through.
pub fn masked_mode(requested: u32, current: u32) -> u32 {
    let owner = current & 0o700;
    let allowed = owner | (owner >> 3) | (owner >> 6);
    (requested & 0o7000) | (requested & 0o777 & allowed)
}

/// One file's owner and mode change: what is there and what it becomes. Applying the
/// change with `before` and `after` swapped undoes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MetaChange {
    /// The file, `None` for the group directory itself.
    pub file: Option<String>,
    /// Owner and mode now.
    pub before: FileMeta,
    /// Owner and mode wanted (modes already masked as libcgroup masks them).
    pub after: FileMeta,
}

impl MetaChange {
    /// The change that undoes this one.
    pub fn reversed(&self) -> MetaChange {
        MetaChange {
            file: self.file.clone(),
            before: self.after,
            after: self.before,
        }
    }
}

impl Cgroup<'_> {
    /// Applies owners and modes; returns how many chown/chmod calls were needed.
    pub fn set_permissions(&self, permissions: &Permissions) -> Result<usize> {
        self.apply_metas(&self.permission_changes(permissions)?)
            .map_err(|(_, e)| e)
    }

    /// The owner and mode changes `permissions` needs here, without making them: one
    /// `stat` per file, nothing written. Files already as wanted are not listed.
    pub fn permission_changes(&self, permissions: &Permissions) -> Result<Vec<MetaChange>> {
        let dir = self.open(Op::Chown)?;
        permission_changes_in(&dir, self.hierarchy().version(), permissions)
    }

    /// Makes one change (a chown and/or a chmod); returns how many calls it took.
    pub fn apply_meta(&self, change: &MetaChange) -> Result<usize> {
        self.apply_metas(std::slice::from_ref(change))
            .map_err(|(_, e)| e)
    }

    /// Makes the changes in order through one open of the directory; returns how many
    /// chown/chmod calls they took, or how many changes were complete when one failed,
    /// with the error (so a caller can undo exactly those).
    pub fn apply_metas(
        &self,
        changes: &[MetaChange],
    ) -> std::result::Result<usize, (usize, Error)> {
        let dir = self.open(Op::Chown).map_err(|e| (0, e))?;
        apply_metas_in(&dir, changes)
    }

    /// Every regular file of the group with its owner and mode, sorted by name.
    pub fn file_metas(&self) -> Result<Vec<(String, FileMeta)>> {
        let dir = self.open(Op::List)?;
        let entries = dir
            .entries()
            .map_err(|errno| Error::os(Op::List, dir.path(), errno))?;
        let mut out = Vec::new();
        for entry in entries.into_iter().filter(|e| !e.is_dir) {
            match dir.stat(Some(&entry.name)) {
                Ok(st) => out.push((entry.name, FileMeta::from(&st))),
                Err(Errno::ENOENT) => {}
                Err(errno) => return Err(Error::os(Op::List, dir.file(&entry.name), errno)),
            }
        }
        Ok(out)
    }

    /// The owners and modes of the directory and its task file.
    pub fn ownership(&self) -> Result<Ownership> {
        let dir = self.open(Op::List)?;
        let st = dir
            .stat(None)
            .map_err(|errno| Error::os(Op::List, dir.path(), errno))?;
        let task_file = self
            .hierarchy()
            .version()
            .task_files()
            .iter()
            .find_map(|f| dir.stat(Some(f)).ok())
            .map(|st| FileMeta::from(&st));
        Ok(Ownership {
            dir: FileMeta::from(&st),
            task_file,
        })
    }
}

impl Group<'_> {
    /// Applies owners and modes in each of the group's hierarchies.
    pub fn set_permissions(&self, permissions: &Permissions) -> Result<usize> {
        let mut changes = 0;
        for cgroup in self.cgroups() {
            changes += cgroup.set_permissions(permissions)?;
        }
        Ok(changes)
    }
}

/// [`Cgroup::permission_changes`] in an open group directory of a `version` hierarchy.
pub(crate) fn permission_changes_in(
    dir: &Dir<'_>,
    version: Version,
    permissions: &Permissions,
) -> Result<Vec<MetaChange>> {
    let mut changes = Vec::new();
    if let Some(change) = wanted(dir, None, permissions.admin, permissions.dir_mode)? {
        changes.push(change);
    }
    let wants_files = permissions.admin != Owner::default()
        || permissions.task != Owner::default()
        || permissions.file_mode.is_some()
        || permissions.task_mode.is_some();
    if !wants_files {
        return Ok(changes);
    }
    let task_files = version.task_files();
    // Files as the directory is read, no list of names: an unchanged group (the usual
    // case on a re-apply) allocates nothing here.
    for_each_file(dir, |name| {
        let (owner, mode) = if task_files.contains(&name) {
            (permissions.task, permissions.task_mode)
        } else {
            (permissions.admin, permissions.file_mode)
        };
        if let Some(change) = wanted(dir, Some(name), owner, mode)? {
            changes.push(change);
        }
        Ok(())
    })?;
    // In name order, as listings are shown; the directory itself first.
    changes.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(changes)
}

/// Gives a group this process has just created the owners `permissions` asks for,
/// without a `stat` per file: the kernel gives a new cgroup's files to their creator, so
/// only the names are needed, and they are chowned as the directory is read (no list of
/// names or changes: a 5000-group file would make 110000 of them). When modes are asked
/// for, the current modes matter (libcgroup's masking) and this is
/// [`permission_changes_in`] then [`apply_metas_in`]. Returns how many files changed; the
/// caller needs no undo entries (removing the new group takes the changes back).
pub(crate) fn own_fresh_in(
    dir: &Dir<'_>,
    version: Version,
    permissions: &Permissions,
    creator: Owner,
) -> Result<usize> {
    if permissions.dir_mode.is_some()
        || permissions.file_mode.is_some()
        || permissions.task_mode.is_some()
    {
        let changes = permission_changes_in(dir, version, permissions)?;
        return apply_metas_in(dir, &changes).map_err(|(_, e)| e);
    }
    // The ids to change: those asked for that differ from the creator's.
    let differing = |wanted: Owner| {
        let uid = wanted.uid.filter(|&u| Some(u) != creator.uid);
        let gid = wanted.gid.filter(|&g| Some(g) != creator.gid);
        (uid.is_some() || gid.is_some()).then_some((uid, gid))
    };
    let mut changed = 0;
    let mut chown = |name: Option<&str>, (uid, gid): (Option<u32>, Option<u32>)| {
        dir.chown(name, uid.map(Uid::from_raw), gid.map(Gid::from_raw))
            .map_err(|errno| match name {
                Some(n) => Error::os(Op::Chown, dir.file(n), errno),
                None => Error::os(Op::Chown, dir.path(), errno),
            })?;
        changed += 1;
        Ok::<(), Error>(())
    };
    if let Some(ids) = differing(permissions.admin) {
        chown(None, ids)?;
    }
    let (admin, task) = (differing(permissions.admin), differing(permissions.task));
    if admin.is_none() && task.is_none() {
        return Ok(changed);
    }
    let task_files = version.task_files();
    for_each_file(dir, |name| {
        let ids = if task_files.contains(&name) {
            task
        } else {
            admin
        };
        match ids {
            Some(ids) => chown(Some(name), ids),
            None => Ok(()),
        }
    })?;
    Ok(changed)
}

/// Calls `each` with the name of every file (not directory) of `dir` as the directory is
/// read, without a list; stops at the first error of `each`.
fn for_each_file(dir: &Dir<'_>, mut each: impl FnMut(&str) -> Result<()>) -> Result<()> {
    let mut failure = None;
    let listed = dir.visit_entries(|name, is_dir| {
        if is_dir {
            return Ok(());
        }
        each(name).map_err(|e| {
            failure = Some(e);
            Errno::ECANCELED
        })
    });
    if let Some(e) = failure {
        return Err(e);
    }
    listed.map_err(|errno| Error::os(Op::Chown, dir.path(), errno))
}

/// [`Cgroup::apply_metas`] in an open group directory.
pub(crate) fn apply_metas_in(
    dir: &Dir<'_>,
    changes: &[MetaChange],
) -> std::result::Result<usize, (usize, Error)> {
    let mut calls = 0;
    for (done, change) in changes.iter().enumerate() {
        calls += apply_one(dir, change).map_err(|e| (done, e))?;
    }
    Ok(calls)
}

/// Makes one change through an open directory.
fn apply_one(dir: &Dir<'_>, change: &MetaChange) -> Result<usize> {
    let name = change.file.as_deref();
    let path = || -> PathBuf {
        match name {
            Some(n) => dir.file(n),
            None => dir.path().to_path_buf(),
        }
    };
    let mut calls = 0;
    let uid = (change.after.uid != change.before.uid).then_some(change.after.uid);
    let gid = (change.after.gid != change.before.gid).then_some(change.after.gid);
    if uid.is_some() || gid.is_some() {
        dir.chown(name, uid.map(Uid::from_raw), gid.map(Gid::from_raw))
            .map_err(|errno| Error::os(Op::Chown, path(), errno))?;
        calls += 1;
    }
    // chown clears setuid/setgid on files, so compare against what is there now; only
    // when a special bit is involved is a second stat worth it.
    let now = if calls > 0 && (change.before.mode | change.after.mode) & 0o6000 != 0 {
        dir.stat(name)
            .map(|st| st.st_mode & 0o7777)
            .map_err(|errno| Error::os(Op::Chmod, path(), errno))?
    } else {
        change.before.mode
    };
    if change.after.mode != now {
        dir.chmod(name, change.after.mode)
            .map_err(|errno| Error::os(Op::Chmod, path(), errno))?;
        calls += 1;
    }
    Ok(calls)
}

/// The change `owner` and `mode` need on one file, if any.
fn wanted(
    dir: &Dir<'_>,
    name: Option<&str>,
    owner: Owner,
    mode: Option<u32>,
) -> Result<Option<MetaChange>> {
    let st = match dir.stat(name) {
        Ok(st) => st,
        // A file that vanished (kernel-generated, or a race) has no permissions to set.
        Err(Errno::ENOENT) => return Ok(None),
        Err(errno) => {
            let path = match name {
                Some(n) => dir.file(n),
                None => dir.path().to_path_buf(),
            };
            return Err(Error::os(Op::Chown, path, errno));
        }
    };
    let before = FileMeta::from(&st);
    let after = FileMeta {
        uid: owner.uid.unwrap_or(before.uid),
        gid: owner.gid.unwrap_or(before.gid),
        mode: mode.map_or(before.mode, |m| masked_mode(m, before.mode)),
    };
    Ok((after != before).then(|| MetaChange {
        file: name.map(str::to_string),
        before,
        after,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_bits_act_as_a_umask_like_libcgroup() {
        assert_eq!(masked_mode(0o664, 0o644), 0o664);
        assert_eq!(masked_mode(0o664, 0o444), 0o444);
        assert_eq!(masked_mode(0o644, 0o200), 0o200);
        assert_eq!(masked_mode(0o775, 0o755), 0o775);
        assert_eq!(masked_mode(0o1775, 0o755), 0o1775);
        assert_eq!(masked_mode(0o640, 0o644), 0o640);
    }
}
