//! The backend handle: the discovered [`Layout`] plus the open hierarchy roots and the
//! write seam, created once per process and passed to everything that touches cgroups.
//!
//! Naming a group through it ([`Cgroups::group`], [`Cgroups::cgroup`]) is in
//! [`super::group`], next to the types those return, so the handle knows nothing of groups.

use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::sync::OnceLock;

use nix::errno::Errno;

use crate::backend::discovery::Layout;
use crate::backend::error::{Error, Op, Result, ResultExt};
use crate::backend::fsio::{Dir, Fs};
use crate::backend::group_path::GroupPath;
use crate::backend::hierarchy::{Hierarchy, Mode, Version};

/// The host's cgroups as discovered once, and the way to operate on them.
///
/// ```no_run
/// use cgtools::{Cgroups, GroupPath};
/// let cg = Cgroups::discover()?;
/// let group = cg.group(&["memory", "cpu"], &GroupPath::new("web/frontend")?)?;
/// group.create()?;
/// group.set("memory.limit_in_bytes", "512M")?;
/// # Ok::<(), cgtools::Error>(())
/// ```
#[derive(Debug)]
pub struct Cgroups {
    layout: Layout,
    roots: Vec<OnceLock<OwnedFd>>,
    fs: Fs,
}

impl Cgroups {
    /// Discovers the running host's hierarchies (reads the mount table once).
    pub fn discover() -> Result<Cgroups> {
        Ok(Cgroups::new(Layout::discover()?))
    }

    /// Builds the handle from given mount table and `/proc/cgroups` texts, reaching mount
    /// points under `root` (for tests on fake hierarchies).
    pub fn from_sources(
        mountinfo: &str,
        proc_cgroups: Option<&str>,
        root: &Path,
    ) -> Result<Cgroups> {
        Ok(Cgroups::new(Layout::from_sources(
            mountinfo,
            proc_cgroups,
            root,
        )?))
    }

    /// Wraps an already discovered layout.
    pub fn new(layout: Layout) -> Cgroups {
        let roots = layout
            .hierarchies()
            .iter()
            .map(|_| OnceLock::new())
            .collect();
        Cgroups {
            layout,
            roots,
            fs: Fs::default(),
        }
    }

    /// The discovered layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Legacy, hybrid or unified.
    pub fn mode(&self) -> Mode {
        self.layout.mode()
    }

    /// Every mounted hierarchy.
    pub fn hierarchies(&self) -> &[Hierarchy] {
        self.layout.hierarchies()
    }

    /// The hierarchy serving `controller` (see [`Layout::hierarchy_for`]).
    pub fn hierarchy_for(&self, controller: &str) -> Result<&Hierarchy> {
        self.layout.hierarchy_for(controller)
    }

    /// The cgroup version `controller` runs under on this host.
    pub fn version_of(&self, controller: &str) -> Result<Version> {
        Ok(self.hierarchy_for(controller)?.version())
    }

    /// How many mutations (mkdir, rmdir, value writes, chown, chmod, task moves) this
    /// handle has made. A second apply of an unchanged config must not move it.
    pub fn write_count(&self) -> u64 {
        self.fs.write_count()
    }

    /// Test hook: the `n`-th mutation from now (1 = the next one) fails with `errno`
    /// before reaching the kernel; `n = 0` disarms. Real code never calls this; fault-
    /// injection tests use it to prove undo paths on real groups.
    pub fn fail_nth_write(&self, n: u64, errno: Errno) {
        self.fs.fail_nth_write(n, errno);
    }

    /// Test hook: resolve paths without openat2, as on kernels older than 5.6.
    #[doc(hidden)]
    pub fn force_openat2_fallback(&self) {
        self.fs.set_use_openat2(false);
    }

    pub(crate) fn hierarchy(&self, index: usize) -> &Hierarchy {
        &self.layout.hierarchies()[index]
    }

    /// The open mount directory of hierarchy `index`, opened on first use.
    fn root(&self, index: usize, op: Op) -> Result<&OwnedFd> {
        let hierarchy = self.hierarchy(index);
        match self.roots[index].get() {
            Some(fd) => Ok(fd),
            None => {
                let fd = Fs::open_root(hierarchy.fs_path()).at_path(op, hierarchy.fs_path())?;
                // Another thread may have won the race; either descriptor is the same dir.
                let _ = self.roots[index].set(fd);
                self.roots[index]
                    .get()
                    .ok_or_else(|| Error::os(op, hierarchy.fs_path(), Errno::EBADF))
            }
        }
    }

    /// Reads file `name` of group `path` in hierarchy `index` with one open, without
    /// opening the group: the raw errno on failure (`ENOENT` for a missing group or file:
    /// the caller tells which).
    pub(crate) fn read_file(
        &self,
        index: usize,
        path: &GroupPath,
        name: &str,
    ) -> Result<nix::Result<String>> {
        let hierarchy = self.hierarchy(index);
        let root = self.root(index, Op::Read)?;
        Ok(self
            .fs
            .read_beneath(root.as_fd(), hierarchy.fs_path(), path.as_relative(), name))
    }

    /// Opens file `name` of group `path` in hierarchy `index` for writes during `op`,
    /// without opening the group: the raw errno on failure, as for [`Cgroups::read_file`].
    pub(crate) fn writer(
        &self,
        index: usize,
        path: &GroupPath,
        name: &str,
        op: Op,
    ) -> Result<nix::Result<crate::backend::fsio::Writer<'_>>> {
        let hierarchy = self.hierarchy(index);
        let root = self.root(index, op)?;
        Ok(self
            .fs
            .writer_beneath(root.as_fd(), hierarchy.fs_path(), path.as_relative(), name))
    }

    /// Opens `path` in hierarchy `index`; a missing directory is [`ErrorKind::GroupMissing`].
    pub(crate) fn open(&self, index: usize, path: &GroupPath, op: Op) -> Result<Dir<'_>> {
        let hierarchy = self.hierarchy(index);
        let root = self.root(index, op)?;
        let full = hierarchy.fs_path().join(path.as_relative());
        self.fs
            .open_dir(root.as_fd(), hierarchy.fs_path(), path.as_relative())
            .map_err(|errno| match errno {
                Errno::ENOENT | Errno::ENOTDIR => Error::group_missing(path, op, &full),
                errno => Error::os(op, &full, errno),
            })
    }
}
