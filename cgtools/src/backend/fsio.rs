//! Filesystem access beneath a hierarchy: the only module that makes system calls on
//! cgroup files, and the one place every write passes through.
//!
//! A group directory is opened relative to its hierarchy's mount with
//! [openat2(2)](https://man7.org/linux/man-pages/man2/openat2.2.html) and
//! `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV`, so no symlink or mount on the
//! way can lead out of the hierarchy. Kernels before 5.6 (or seccomp filters) lack
//! openat2; there each component is opened with `O_NOFOLLOW | O_DIRECTORY` and checked to
//! be on the hierarchy's device, which refuses the same paths. Files inside a group are
//! then reached by a single name relative to the open directory, never by a path.
//!
//! Every mutation (mkdir, rmdir, value write, chown, chmod) goes through [`Fs::mutate`],
//! which counts it and can be told to fail the N-th one: the seam the apply engine's
//! "zero writes on a second run" and fault-injection tests use.

use std::cell::Cell;
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};

use nix::errno::Errno;
use nix::fcntl::{openat, openat2, AtFlags, OFlag, OpenHow, ResolveFlag};
use nix::sys::stat::{fchmod, fchmodat, fstat, fstatat, mkdirat, FchmodatFlags, FileStat, Mode};
use nix::unistd::{fchown, fchownat, unlinkat, Gid, Uid, UnlinkatFlags};

/// Shared state of the filesystem layer: the write counter, the fault-injection hook and
/// whether the kernel has openat2.
#[derive(Debug)]
pub(crate) struct Fs {
    use_openat2: AtomicBool,
    writes: AtomicU64,
    fail_at: AtomicU64,
    fail_errno: AtomicI32,
}

impl Default for Fs {
    fn default() -> Fs {
        Fs {
            use_openat2: AtomicBool::new(true),
            writes: AtomicU64::new(0),
            fail_at: AtomicU64::new(0),
            fail_errno: AtomicI32::new(Errno::EIO as i32),
        }
    }
}

/// One entry of a group directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub name: String,
    pub is_dir: bool,
}

impl Fs {
    /// Every mutation passes here: counted, and failed with the injected errno when it is
    /// the one [`Fs::fail_nth_write`] asked for.
    pub(crate) fn mutate<T>(&self, f: impl FnOnce() -> nix::Result<T>) -> nix::Result<T> {
        let n = self.writes.fetch_add(1, Ordering::SeqCst) + 1;
        if self.fail_at.load(Ordering::SeqCst) == n {
            return Err(Errno::from_raw(self.fail_errno.load(Ordering::SeqCst)));
        }
        f()
    }

    pub(crate) fn write_count(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    /// Makes the `n`-th mutation from now (1 = the next) fail with `errno`; 0 disarms.
    pub(crate) fn fail_nth_write(&self, n: u64, errno: Errno) {
        let at = if n == 0 {
            0
        } else {
            self.writes.load(Ordering::SeqCst) + n
        };
        self.fail_errno.store(errno as i32, Ordering::SeqCst);
        self.fail_at.store(at, Ordering::SeqCst);
    }

    /// Tests run the fallback resolution on kernels that have openat2.
    pub(crate) fn set_use_openat2(&self, on: bool) {
        self.use_openat2.store(on, Ordering::SeqCst);
    }

    /// Opens a hierarchy's mount directory; everything else is resolved beneath it.
    pub(crate) fn open_root(path: &Path) -> nix::Result<OwnedFd> {
        openat(
            nix::fcntl::AT_FDCWD,
            path,
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
    }

    /// Opens the group directory `relative` (`a/b`, empty for the root) beneath `root`.
    pub(crate) fn open_dir<'a>(
        &'a self,
        root: BorrowedFd<'_>,
        root_path: &Path,
        relative: &str,
    ) -> nix::Result<Dir<'a>> {
        let path = if relative.is_empty() {
            root_path.to_path_buf()
        } else {
            root_path.join(relative)
        };
        let fd = self.open_beneath(root, relative)?;
        Ok(Dir::new(fd, path, self))
    }

    /// Reads the file `name` of the group directory `relative` beneath `root` with one
    /// open (see [`Fs::open_file_beneath`]), then read and close: the way to read one
    /// setting of a group that is not open already (cgget over 1000 groups).
    pub(crate) fn read_beneath(
        &self,
        root: BorrowedFd<'_>,
        root_path: &Path,
        relative: &str,
        name: &str,
    ) -> nix::Result<String> {
        let file = self.open_file_beneath(root, root_path, relative, name, OFlag::O_RDONLY)?;
        read_all(file, !is_record_list(name))
    }

    /// Opens `name` of `relative` beneath `root` for a series of writes (see
    /// [`Dir::writer`]) without opening the group directory.
    pub(crate) fn writer_beneath<'a>(
        &'a self,
        root: BorrowedFd<'_>,
        root_path: &Path,
        relative: &str,
        name: &str,
    ) -> nix::Result<Writer<'a>> {
        let flags = OFlag::O_WRONLY | OFlag::O_TRUNC;
        let file = self.open_file_beneath(root, root_path, relative, name, flags)?;
        Ok(Writer { file, fs: self })
    }

    /// Opens the file `name` of the group directory `relative` beneath `root` with one
    /// `openat2` of `relative/name` under the same resolution rules as [`Fs::open_dir`]
    /// (no symlink, the file itself included; no other mount). Without openat2 it opens
    /// the directory first.
    fn open_file_beneath(
        &self,
        root: BorrowedFd<'_>,
        root_path: &Path,
        relative: &str,
        name: &str,
        flags: OFlag,
    ) -> nix::Result<File> {
        check_name(name)?;
        let target = if relative.is_empty() {
            name.to_string()
        } else {
            format!("{relative}/{name}")
        };
        match self.openat2_beneath(root, &target, flags)? {
            Some(fd) => Ok(File::from(fd)),
            None => self
                .open_dir(root, root_path, relative)?
                .open_file(name, flags),
        }
    }

    /// `openat2` of `target` beneath `dir` with `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
    /// RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV`; `Ok(None)` where openat2 cannot be used
    /// (the kernel lacks it: remembered; a seccomp filter answers EPERM), so that the
    /// caller takes the component-by-component way.
    fn openat2_beneath(
        &self,
        dir: BorrowedFd<'_>,
        target: &str,
        flags: OFlag,
    ) -> nix::Result<Option<OwnedFd>> {
        if !self.use_openat2.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let how = OpenHow::new().flags(flags | OFlag::O_CLOEXEC).resolve(
            ResolveFlag::RESOLVE_BENEATH
                | ResolveFlag::RESOLVE_NO_SYMLINKS
                | ResolveFlag::RESOLVE_NO_MAGICLINKS
                | ResolveFlag::RESOLVE_NO_XDEV,
        );
        match openat2(dir, target, how) {
            Ok(fd) => Ok(Some(fd)),
            Err(Errno::ENOSYS) => {
                self.use_openat2.store(false, Ordering::Relaxed);
                Ok(None)
            }
            // Some seccomp profiles answer EPERM for syscalls they do not know.
            Err(Errno::EPERM) => Ok(None),
            Err(errno) => Err(errno),
        }
    }

    /// Opens the directory `relative` (one or more validated components; empty for `dir`
    /// itself) beneath `dir` with openat2's `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
    /// RESOLVE_NO_XDEV`, or its component-by-component equivalent without openat2.
    fn open_beneath(&self, dir: BorrowedFd<'_>, relative: &str) -> nix::Result<OwnedFd> {
        let target = if relative.is_empty() { "." } else { relative };
        match self.openat2_beneath(dir, target, OFlag::O_RDONLY | OFlag::O_DIRECTORY)? {
            Some(fd) => Ok(fd),
            None => walk_beneath(dir, relative),
        }
    }
}

/// The openat2-less equivalent of `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV`
/// for a path of validated components (no `..`, no `.`): open one directory at a time
/// without following symlinks, and stay on the hierarchy's device.
fn walk_beneath(root: BorrowedFd<'_>, relative: &str) -> nix::Result<OwnedFd> {
    let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
    let mut current = openat(root, ".", flags, Mode::empty())?;
    let device = fstat(&current)?.st_dev;
    for component in relative.split('/').filter(|c| !c.is_empty()) {
        if component == ".." || component == "." {
            return Err(Errno::EXDEV);
        }
        let next = openat(&current, component, flags, Mode::empty())?;
        if fstat(&next)?.st_dev != device {
            return Err(Errno::EXDEV);
        }
        current = next;
    }
    Ok(current)
}

/// An open group directory; files are addressed by single names relative to it.
#[derive(Debug)]
pub(crate) struct Dir<'a> {
    fd: OwnedFd,
    path: PathBuf,
    fs: &'a Fs,
    /// Whether [`Dir::entries`] has read the descriptor (it must rewind to list again).
    listed: Cell<bool>,
}

/// A file of a group open for writing, one counted write(2) per value.
#[derive(Debug)]
pub(crate) struct Writer<'a> {
    file: File,
    fs: &'a Fs,
}

impl Writer<'_> {
    /// Writes `bytes` with a single write(2), through [`Fs::mutate`]. A short write is an
    /// error: the kernel takes a cgroup file's value whole or not at all.
    pub(crate) fn write(&mut self, bytes: &[u8]) -> nix::Result<()> {
        self.fs.mutate(|| match self.file.write(bytes) {
            Ok(n) if n == bytes.len() => Ok(()),
            Ok(_) => Err(Errno::EIO),
            Err(e) => Err(crate::backend::error::errno_of(&e)),
        })
    }
}

/// Whether a cgroup file is generated record by record: the task lists, which the kernel
/// walks one pid per record (`seq_start`/`seq_next` in kernel/cgroup). Every other cgroup
/// file is one record, printed whole by one `seq_show`.
fn is_record_list(name: &str) -> bool {
    matches!(name, "tasks" | "cgroup.procs" | "cgroup.threads")
}

/// Reads `file` to its end. With `single_record`, a short read is the end: a seq_file
/// hands out a whole record whenever the caller's buffer has room for it, so a
/// one-record file (a setting) costs one `read` instead of `read_to_end`'s `statx`,
/// `lseek` and a second `read` to see EOF. A record list must be read until `read`
/// returns 0: the kernel fills at most its own buffer (a page) per call, so a list of
/// 1500 thread ids comes back in 4 KiB pieces.
fn read_all(file: File, single_record: bool) -> nix::Result<String> {
    // The first read goes to an uninitialised page on the stack and the value is copied
    // out at its size: nothing zeroed, nothing over-allocated (a re-apply reads 10000
    // settings; a zeroed 16 KiB buffer each was a fifth of its instructions, and a
    // page-sized String each held 4 MiB for 1000 cgget values).
    let mut page = [std::mem::MaybeUninit::<u8>::uninit(); 4096];
    let first = loop {
        match rustix::io::read(&file, &mut page) {
            Ok((init, _)) => break init,
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(from_rustix(e)),
        }
    };
    let n = first.len();
    let mut bytes = first.to_vec();
    if n > 0 && !(single_record && n < page.len()) {
        // More than a page, or a record list: read on until the end.
        loop {
            if bytes.len() == bytes.capacity() {
                bytes.reserve(16 * 1024);
            }
            let room = bytes.capacity() - bytes.len();
            let n = match rustix::io::read(&file, rustix::buffer::spare_capacity(&mut bytes)) {
                Ok(n) => n,
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(from_rustix(e)),
            };
            if n == 0 || (single_record && n < room) {
                break;
            }
        }
    }
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// nix's errno for a rustix error (the same number).
fn from_rustix(e: rustix::io::Errno) -> Errno {
    Errno::from_raw(e.raw_os_error())
}

/// Reads a generated file (procfs, or a cgroup file outside any group) given by path, to
/// its end.
pub(crate) fn read_path(path: &Path) -> nix::Result<String> {
    let fd = nix::fcntl::open(path, OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty())?;
    read_all(File::from(fd), false)
}

/// A name must be one component: never a path, `.` or `..`.
fn check_name(name: &str) -> nix::Result<()> {
    if name.is_empty() || name == "." || name == ".." || name.bytes().any(|b| b == b'/' || b == 0) {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

impl<'a> Dir<'a> {
    fn new(fd: OwnedFd, path: PathBuf, fs: &'a Fs) -> Dir<'a> {
        Dir {
            fd,
            path,
            fs,
            listed: Cell::new(false),
        }
    }

    /// The directory's path, for messages.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The path of `name` in this directory, for messages.
    pub(crate) fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    fn open_file(&self, name: &str, flags: OFlag) -> nix::Result<File> {
        check_name(name)?;
        let fd = openat(
            &self.fd,
            name,
            flags | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )?;
        Ok(File::from(fd))
    }

    /// Reads a whole file (cgroup files are generated on read; one read may not be all).
    pub(crate) fn read(&self, name: &str) -> nix::Result<String> {
        let file = self.open_file(name, OFlag::O_RDONLY)?;
        read_all(file, !is_record_list(name))
    }

    /// Writes a value: one write(2) per line on one open file, as the kernel parses each
    /// write separately (multi-line `devices.allow`, `io.max`).
    pub(crate) fn write(&self, name: &str, value: &str) -> nix::Result<()> {
        self.fs.mutate(|| {
            // O_TRUNC is what the shell's `>` does to cgroup files (the kernel ignores it);
            // it also makes temp-dir fakes read back what was written last.
            let mut file = self.open_file(name, OFlag::O_WRONLY | OFlag::O_TRUNC)?;
            let mut lines = value.lines().filter(|l| !l.is_empty()).peekable();
            if lines.peek().is_none() {
                // An empty value still reaches the kernel (clears cpuset.cpus, for one).
                return file
                    .write_all(b"\n")
                    .map_err(|e| crate::backend::error::errno_of(&e));
            }
            for line in lines {
                file.write_all(line.as_bytes())
                    .map_err(|e| crate::backend::error::errno_of(&e))?;
            }
            Ok(())
        })
    }

    /// Opens `name` for a series of writes: each [`Writer::write`] is one write(2) that the
    /// kernel parses on its own, so many ids go through one open file (`cgroup.procs`).
    pub(crate) fn writer(&self, name: &str) -> nix::Result<Writer<'a>> {
        let file = self.open_file(name, OFlag::O_WRONLY | OFlag::O_TRUNC)?;
        Ok(Writer { file, fs: self.fs })
    }

    /// Lists the directory: every entry but `.` and `..`, sorted by name.
    pub(crate) fn entries(&self) -> nix::Result<Vec<Entry>> {
        let mut out = Vec::new();
        self.visit_entries(|name, is_dir| {
            out.push(Entry {
                name: name.to_string(),
                is_dir,
            });
            Ok(())
        })?;
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Calls `visit` with the name of every entry but `.` and `..` and whether it is a
    /// directory, in directory order, without collecting them (chowning a new group's
    /// files needs no list). getdents64 runs on the descriptor itself (no `opendir` copy
    /// of it); a second listing of the same `Dir` rewinds it first. Stops at the first
    /// error of `visit`.
    pub(crate) fn visit_entries(
        &self,
        mut visit: impl FnMut(&str, bool) -> nix::Result<()>,
    ) -> nix::Result<()> {
        if self.listed.replace(true) {
            rustix::fs::seek(&self.fd, rustix::fs::SeekFrom::Start(0)).map_err(from_rustix)?;
        }
        // A cgroup directory's ~30 entries take ~1 KiB; 8 KiB reads most in one call.
        let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 8192];
        let mut raw = rustix::fs::RawDir::new(&self.fd, &mut buf);
        while let Some(entry) = raw.next() {
            let entry = entry.map_err(from_rustix)?;
            let bytes = entry.file_name().to_bytes();
            if bytes == b"." || bytes == b".." {
                continue;
            }
            let name = match std::str::from_utf8(bytes) {
                Ok(name) => std::borrow::Cow::Borrowed(name),
                Err(_) => String::from_utf8_lossy(bytes),
            };
            let is_dir = match entry.file_type() {
                rustix::fs::FileType::Directory => true,
                rustix::fs::FileType::Unknown => {
                    let st = fstatat(&self.fd, name.as_ref(), AtFlags::AT_SYMLINK_NOFOLLOW)?;
                    st.st_mode & nix::libc::S_IFMT == nix::libc::S_IFDIR
                }
                _ => false,
            };
            visit(&name, is_dir)?;
        }
        Ok(())
    }

    /// Opens the child directory `name`, with the same guarantees as [`Fs::open_dir`]:
    /// no symlink, no other mount.
    pub(crate) fn child(&self, name: &str) -> nix::Result<Dir<'a>> {
        check_name(name)?;
        let fd = self.fs.open_beneath(self.fd.as_fd(), name)?;
        Ok(Dir::new(fd, self.path.join(name), self.fs))
    }

    /// Creates the child directory `name`.
    pub(crate) fn mkdir(&self, name: &str, mode: u32) -> nix::Result<()> {
        check_name(name)?;
        self.fs
            .mutate(|| mkdirat(&self.fd, name, Mode::from_bits_truncate(mode)))
    }

    /// Removes the child directory `name` (unlinkat never follows a symlink).
    pub(crate) fn rmdir(&self, name: &str) -> nix::Result<()> {
        check_name(name)?;
        self.fs
            .mutate(|| unlinkat(&self.fd, name, UnlinkatFlags::RemoveDir))
    }

    /// Stats `name`, or the directory itself for `None`, without following symlinks.
    pub(crate) fn stat(&self, name: Option<&str>) -> nix::Result<FileStat> {
        match name {
            None => fstat(&self.fd),
            Some(name) => {
                check_name(name)?;
                fstatat(&self.fd, name, AtFlags::AT_SYMLINK_NOFOLLOW)
            }
        }
    }

    /// Changes the owner of `name` (or of the directory for `None`); `None` ids stay.
    pub(crate) fn chown(
        &self,
        name: Option<&str>,
        uid: Option<Uid>,
        gid: Option<Gid>,
    ) -> nix::Result<()> {
        match name {
            None => self.fs.mutate(|| fchown(&self.fd, uid, gid)),
            Some(name) => {
                check_name(name)?;
                self.fs
                    .mutate(|| fchownat(&self.fd, name, uid, gid, AtFlags::AT_SYMLINK_NOFOLLOW))
            }
        }
    }

    /// Changes the mode of `name` (or of the directory for `None`).
    pub(crate) fn chmod(&self, name: Option<&str>, mode: u32) -> nix::Result<()> {
        let mode = Mode::from_bits_truncate(mode);
        match name {
            None => self.fs.mutate(|| fchmod(&self.fd, mode)),
            Some(name) => {
                // Linux cannot chmod a symlink itself, so refuse one explicitly; the name is a
                // single component of a directory we opened safely.
                if self.stat(Some(name))?.st_mode & nix::libc::S_IFMT == nix::libc::S_IFLNK {
                    return Err(Errno::ELOOP);
                }
                self.fs
                    .mutate(|| fchmodat(&self.fd, name, mode, FchmodatFlags::FollowSymlink))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;
    use std::os::unix::fs::symlink;

    fn tree() -> (tempfile::TempDir, OwnedFd) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("h/a/b")).unwrap();
        std::fs::write(dir.path().join("h/a/b/cpu.shares"), "1024\n").unwrap();
        std::fs::create_dir_all(dir.path().join("outside")).unwrap();
        std::fs::write(dir.path().join("outside/secret"), "s").unwrap();
        symlink(dir.path().join("outside"), dir.path().join("h/a/evil")).unwrap();
        symlink("../../outside", dir.path().join("h/a/rel")).unwrap();
        symlink("/etc/passwd", dir.path().join("h/a/b/cpu.link")).unwrap();
        let root = Fs::open_root(&dir.path().join("h")).unwrap();
        (dir, root)
    }

    #[test]
    fn symlinks_never_lead_out_with_or_without_openat2() {
        for openat2_on in [true, false] {
            let (dir, root) = tree();
            let fs = Fs::default();
            fs.set_use_openat2(openat2_on);
            let h = dir.path().join("h");
            assert!(fs.open_dir(root.as_fd(), &h, "a/b").is_ok());
            for bad in ["a/evil", "a/rel", "a/evil/x", "a/rel/secret"] {
                let e = fs.open_dir(root.as_fd(), &h, bad).unwrap_err();
                assert!(
                    matches!(e, Errno::ELOOP | Errno::EXDEV | Errno::ENOTDIR),
                    "{bad}: {e}"
                );
            }
            // `..` never reaches here (GroupPath refuses it) but is refused anyway.
            assert!(fs.open_dir(root.as_fd(), &h, "..").is_err());
            assert!(fs.open_dir(root.as_fd(), &h, "a/../..").is_err());
            let b = fs.open_dir(root.as_fd(), &h, "a/b").unwrap();
            assert_eq!(b.read("cpu.link"), Err(Errno::ELOOP));
            assert_eq!(b.write("cpu.link", "1"), Err(Errno::ELOOP));
            assert_eq!(b.chmod(Some("cpu.link"), 0o644), Err(Errno::ELOOP));
            assert_eq!(b.read("../secret"), Err(Errno::EINVAL));
            assert_eq!(b.read("cpu.shares").unwrap(), "1024\n");
            // One-open reads follow the same rules.
            let read = |rel: &str, name: &str| fs.read_beneath(root.as_fd(), &h, rel, name);
            assert_eq!(read("a/b", "cpu.shares").unwrap(), "1024\n");
            assert_eq!(read("a/b", "cpu.link"), Err(Errno::ELOOP));
            assert_eq!(read("a/b", "../b/cpu.shares"), Err(Errno::EINVAL));
            assert!(read("a/evil", "secret").is_err());
            assert!(read("a/rel", "secret").is_err());
            assert_eq!(read("a/nope", "cpu.shares"), Err(Errno::ENOENT));
        }
    }

    #[test]
    fn writes_are_counted_and_the_nth_fails_on_demand() {
        let (dir, root) = tree();
        let fs = Fs::default();
        let b = fs
            .open_dir(root.as_fd(), &dir.path().join("h"), "a/b")
            .unwrap();
        b.write("cpu.shares", "512").unwrap();
        b.mkdir("c", 0o755).unwrap();
        assert_eq!(fs.write_count(), 2);
        fs.fail_nth_write(2, Errno::ENOSPC);
        b.write("cpu.shares", "100").unwrap();
        assert_eq!(b.rmdir("c"), Err(Errno::ENOSPC));
        b.rmdir("c").unwrap();
        assert_eq!(fs.write_count(), 5);
        assert_eq!(b.read("cpu.shares").unwrap(), "100");
    }

    #[test]
    fn multi_line_values_are_written_line_by_line() {
        let (dir, root) = tree();
        let fs = Fs::default();
        let b = fs
            .open_dir(root.as_fd(), &dir.path().join("h"), "a/b")
            .unwrap();
        std::fs::write(dir.path().join("h/a/b/devices.allow"), "").unwrap();
        b.write("devices.allow", "c 1:3 rwm\nc 1:5 rwm\n").unwrap();
        // A regular file concatenates the writes; the kernel would parse each one.
        assert_eq!(b.read("devices.allow").unwrap(), "c 1:3 rwmc 1:5 rwm");
        let names: Vec<String> = b.entries().unwrap().into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["cpu.link", "cpu.shares", "devices.allow"]);
    }
}
