//! A cursor over one hierarchy: the open directories along the last path it was asked
//! for, from the root down.
//!
//! Work over many groups in tree order (checking a configuration file, planning it,
//! applying it) asks for one group after another, and consecutive groups share most of
//! their path (`web/p0/g1` after `web/p0/g0`). Opening each group from the hierarchy's
//! root would resolve the whole path every time, and a group just created would be opened
//! once per step (create, owners, every setting). The cursor keeps the chain open, so
//! going to a sibling is one `close` and one `openat2` of a single component, and the
//! steps of one group share one descriptor. Each component is opened with the guarantees
//! of [`super::fsio`] (no symlink, no other mount), so a cursor can never lead out of its
//! hierarchy either.
//!
//! A cursor also remembers the one child of its deepest directory that it looked for and
//! did not find: every group below a missing parent is then known missing without a
//! syscall (5000 new groups under 100 new parents cost 100 failed lookups, not 5000).
//! What it remembers is what it saw; changes made by others in between are found by the
//! operations themselves (`mkdir` answers `EEXIST`, a write into a removed group
//! `ENOENT`), as they would be without a cursor.

use nix::errno::Errno;

use crate::backend::cgroups::Cgroups;
use crate::backend::error::{Error, Op, Result};
use crate::backend::fsio::Dir;
use crate::backend::group_path::GroupPath;

/// One open directory of the chain.
#[derive(Debug)]
struct Level<'a> {
    /// Its component (empty for the root).
    name: String,
    dir: Dir<'a>,
    /// Its `cgroup.subtree_control` as last read (v2 creation reads it for every child).
    subtree_control: Option<String>,
}

/// The open chain of directories of one hierarchy (see the module docs).
#[derive(Debug)]
pub(crate) struct Cursor<'a> {
    cg: &'a Cgroups,
    index: usize,
    /// `levels[0]` is the hierarchy root, `levels[k]` the directory of the path's first
    /// `k` components. Empty until first used.
    levels: Vec<Level<'a>>,
    /// A child of the deepest level looked for and found missing.
    missing: Option<String>,
}

impl<'a> Cursor<'a> {
    /// A cursor at nothing yet in hierarchy `index`.
    pub(crate) fn new(cg: &'a Cgroups, index: usize) -> Cursor<'a> {
        Cursor {
            cg,
            index,
            levels: Vec::new(),
            missing: None,
        }
    }

    /// Opens as much of `path` as exists and returns how many of its components do:
    /// `path.depth()` when the group exists. Only failures other than a missing directory
    /// are errors (labelled `op`).
    pub(crate) fn reach(&mut self, path: &GroupPath, op: Op) -> Result<usize> {
        if self.levels.is_empty() {
            let root = self.cg.open(self.index, &GroupPath::root(), op)?;
            self.levels.push(Level {
                name: String::new(),
                dir: root,
                subtree_control: None,
            });
        }
        let components: Vec<&str> = path.components().collect();
        let shared = self.levels[1..]
            .iter()
            .zip(&components)
            .take_while(|(level, name)| level.name == **name)
            .count();
        if self.levels.len() > shared + 1 {
            self.levels.truncate(shared + 1);
            self.missing = None;
        }
        for (depth, name) in components.iter().enumerate().skip(shared) {
            if self.missing.as_deref() == Some(*name) {
                return Ok(depth);
            }
            let parent = &self.levels[depth].dir;
            match parent.child(name) {
                Ok(dir) => self.levels.push(Level {
                    name: (*name).to_string(),
                    dir,
                    subtree_control: None,
                }),
                Err(Errno::ENOENT | Errno::ENOTDIR) => {
                    self.missing = Some((*name).to_string());
                    return Ok(depth);
                }
                Err(errno) => return Err(Error::os(op, parent.file(name), errno)),
            }
            self.missing = None;
        }
        Ok(components.len())
    }

    /// [`Cursor::reach`] for a group already found missing (a plan says it is to be
    /// created): opens its parent's chain only, without looking for the group once more.
    /// If someone made it meanwhile, `mkdir` says so (`EEXIST`).
    pub(crate) fn reach_parent_of(&mut self, path: &GroupPath, op: Op) -> Result<usize> {
        match path.parent() {
            Some(parent) => self.reach(&parent, op),
            None => self.reach(path, op),
        }
    }

    /// Opens the group `path`: its directory, or [`crate::ErrorKind::GroupMissing`].
    pub(crate) fn open(&mut self, path: &GroupPath, op: Op) -> Result<&Dir<'a>> {
        if self.reach(path, op)? < path.depth() {
            let full = self
                .cg
                .hierarchy(self.index)
                .fs_path()
                .join(path.as_relative());
            return Err(Error::group_missing(path, op, full));
        }
        Ok(self.top())
    }

    /// The open directory at `depth` (0 = the root); [`Cursor::reach`] opened it.
    pub(crate) fn dir(&self, depth: usize) -> &Dir<'a> {
        &self.levels[depth].dir
    }

    /// The deepest open directory.
    pub(crate) fn top(&self) -> &Dir<'a> {
        &self.levels[self.levels.len() - 1].dir
    }

    /// Opens the child `name` of the deepest directory (one this run just created) and
    /// makes it the deepest.
    pub(crate) fn descend(&mut self, name: &str) -> nix::Result<()> {
        let dir = self.top().child(name)?;
        self.levels.push(Level {
            name: name.to_string(),
            dir,
            subtree_control: None,
        });
        self.missing = None;
        Ok(())
    }

    /// The `cgroup.subtree_control` of the directory at `depth`, read once while it
    /// stays open.
    pub(crate) fn subtree_control(&mut self, depth: usize) -> nix::Result<&str> {
        let level = &mut self.levels[depth];
        if level.subtree_control.is_none() {
            level.subtree_control = Some(level.dir.read("cgroup.subtree_control")?);
        }
        Ok(level.subtree_control.as_deref().unwrap_or_default())
    }

    /// Forgets what was read of the directory at `depth` (after writing to it).
    pub(crate) fn changed(&mut self, depth: usize) {
        if let Some(level) = self.levels.get_mut(depth) {
            level.subtree_control = None;
        }
    }

    /// Forgets everything (after an undo removed directories it may hold).
    pub(crate) fn reset(&mut self) {
        self.levels.clear();
        self.missing = None;
    }
}

/// One cursor per hierarchy, made on first use.
#[derive(Debug)]
pub(crate) struct Cursors<'a> {
    cg: &'a Cgroups,
    cursors: Vec<Option<Cursor<'a>>>,
}

impl<'a> Cursors<'a> {
    pub(crate) fn new(cg: &'a Cgroups) -> Cursors<'a> {
        Cursors {
            cg,
            cursors: cg.hierarchies().iter().map(|_| None).collect(),
        }
    }

    /// The cursor of hierarchy `index`.
    pub(crate) fn of(&mut self, index: usize) -> &mut Cursor<'a> {
        if index >= self.cursors.len() {
            self.cursors.resize_with(index + 1, || None);
        }
        let cg = self.cg;
        self.cursors[index].get_or_insert_with(|| Cursor::new(cg, index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn host() -> (tempfile::TempDir, Cgroups) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sys/fs/cgroup/cpu");
        fs::create_dir_all(root.join("a/b")).unwrap();
        fs::create_dir_all(root.join("a/c")).unwrap();
        fs::write(root.join("a/c/cpu.shares"), "1024\n").unwrap();
        let cg = Cgroups::from_sources(
            "30 25 0:26 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n",
            None,
            dir.path(),
        )
        .unwrap();
        (dir, cg)
    }

    fn path(p: &str) -> GroupPath {
        GroupPath::new(p).unwrap()
    }

    #[test]
    fn reaches_as_deep_as_exists_and_moves_between_siblings() {
        let (_dir, cg) = host();
        let mut cursor = Cursor::new(&cg, 0);
        assert_eq!(cursor.reach(&path("a/b"), Op::List).unwrap(), 2);
        assert_eq!(cursor.reach(&path("a/c"), Op::List).unwrap(), 2);
        assert_eq!(cursor.top().read("cpu.shares").unwrap(), "1024\n");
        assert_eq!(cursor.reach(&path("a/x/y/z"), Op::List).unwrap(), 1);
        assert_eq!(cursor.reach(&path("a"), Op::List).unwrap(), 1);
        assert_eq!(cursor.reach(&path("/"), Op::List).unwrap(), 0);
        assert_eq!(cursor.reach(&path("b"), Op::List).unwrap(), 0);
        let e = cursor.open(&path("a/nope"), Op::Read).unwrap_err();
        assert!(
            matches!(e.kind(), crate::ErrorKind::GroupMissing { .. }),
            "{e}"
        );
    }

    #[test]
    fn a_missing_parent_answers_for_its_children() {
        let (dir, cg) = host();
        let mut cursor = Cursor::new(&cg, 0);
        assert_eq!(cursor.reach(&path("a/new/g0"), Op::List).unwrap(), 1);
        // Made behind the cursor's back: it still answers from what it saw...
        fs::create_dir_all(dir.path().join("sys/fs/cgroup/cpu/a/new/g1")).unwrap();
        assert_eq!(cursor.reach(&path("a/new/g1"), Op::List).unwrap(), 1);
        // ...until it leaves that directory and looks again.
        assert_eq!(cursor.reach(&path("a/b"), Op::List).unwrap(), 2);
        assert_eq!(cursor.reach(&path("a/new/g1"), Op::List).unwrap(), 3);
    }

    #[test]
    fn descend_opens_a_child_just_made() {
        let (_dir, cg) = host();
        let mut cursor = Cursor::new(&cg, 0);
        assert_eq!(cursor.reach(&path("a/d"), Op::Create).unwrap(), 1);
        cursor.top().mkdir("d", 0o755).unwrap();
        cursor.descend("d").unwrap();
        assert_eq!(cursor.reach(&path("a/d"), Op::List).unwrap(), 2);
    }

    #[test]
    fn never_follows_a_symlink() {
        let (dir, cg) = host();
        let outside = dir.path().join("outside");
        fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, dir.path().join("sys/fs/cgroup/cpu/a/evil")).unwrap();
        let mut cursor = Cursor::new(&cg, 0);
        assert!(cursor.reach(&path("a/evil"), Op::List).is_err());
        assert!(cursor.open(&path("a/evil/x"), Op::List).is_err());
    }
}
