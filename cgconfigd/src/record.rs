//! The ownership record: which group directories this daemon created.
//!
//! Only directories in the record are ever removed, so a group an administrator, another
//! tool or systemd made is never touched. The record lives in the state directory
//! (`/run/cgconfigd` by default: a tmpfs, so it lasts exactly as long as the cgroup
//! tree it describes, one boot) as `owned.json`, one directory per line:
//!
//! ```json
//! {"mount":"/sys/fs/cgroup/memory","path":"/web/frontend","inode":4711}
//! ```
//!
//! Invariants, which make a `kill -9` at any moment harmless:
//!
//! * **Written before the change.** A directory is added (as *pending*, without an inode)
//!   and the record saved before the `mkdir`; it is dropped only after the `rmdir`. So
//!   the record is always a superset of what the daemon created.
//! * **Atomic.** Saving writes `owned.json.tmp`, fsyncs it, renames it over `owned.json`
//!   and fsyncs the directory: a reader sees the old record or the new one, never a mix.
//! * **Checked before use.** A recorded directory that no longer exists is forgotten; a
//!   pending one that exists is adopted with its inode (the daemon was killed between
//!   `mkdir` and the next save); one whose inode changed was removed and re-created by
//!   someone else, and is forgotten: it is theirs now. cgroup inode numbers are 64-bit
//!   and not reused within a boot.
//!
//! The one window left: someone else creates a directory of the same name between the
//! daemon's save and its `mkdir` (the backend then leaves it alone), and the daemon is
//! killed before its next save; after the restart the directory counts as the daemon's.
//!
//! A lock (`flock` on `lock` in the state directory) keeps two daemons from sharing one
//! record.

use cgtools::{Cgroups, GroupPath};
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The record file's name in the state directory.
pub const FILE: &str = "owned.json";
const LOCK: &str = "lock";

/// One line of the record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Line {
    mount: PathBuf,
    path: String,
    inode: Option<u64>,
}

/// The directories this daemon created, keyed by (mount point, path).
#[derive(Debug)]
pub struct Record {
    file: Option<PathBuf>,
    entries: Entries,
    dirty: bool,
}

/// The recorded directories, compactly: every path in one string, every entry in one
/// vector. A record lists thousands of directories for as long as the daemon runs; one
/// allocation per entry would scatter them over the heap, in pages the allocator then
/// cannot give back after a reload.
#[derive(Debug, Default)]
struct Entries {
    /// Mount points, each once; items name theirs by index.
    mounts: Vec<PathBuf>,
    /// The paths relative to their hierarchy's root, one after the other.
    text: String,
    /// Sorted by (mount index, path).
    items: Vec<Item>,
    /// Items forgotten, left in place until the next compaction.
    forgotten: usize,
}

#[derive(Clone, Copy, Debug)]
struct Item {
    mount: usize,
    start: usize,
    len: usize,
    state: State,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// About to be created: no inode yet.
    Pending,
    /// Created, with its inode.
    Created(u64),
    /// Forgotten (removed from the record).
    Forgotten,
}

impl State {
    fn inode(self) -> Option<u64> {
        match self {
            State::Created(inode) => Some(inode),
            State::Pending | State::Forgotten => None,
        }
    }
}

impl Entries {
    fn path(&self, item: &Item) -> &str {
        self.text
            .get(item.start..item.start + item.len)
            .unwrap_or("")
    }

    fn mount_index(&self, mount: &Path) -> Option<usize> {
        self.mounts.iter().position(|m| m == mount)
    }

    /// The index of `(mount, path)` in `items`, or where it would go.
    fn find(&self, mount: usize, path: &str) -> Result<usize, usize> {
        self.items
            .binary_search_by(|item| (item.mount, self.path(item)).cmp(&(mount, path)))
    }

    /// The live item of `(mount, path)`.
    fn get(&self, mount: &Path, path: &GroupPath) -> Option<usize> {
        let m = self.mount_index(mount)?;
        let i = self.find(m, path.as_relative()).ok()?;
        (self.items[i].state != State::Forgotten).then_some(i)
    }

    /// Sets the state of each directory, adding those not listed (the last state given
    /// for a directory wins). Returns whether anything changed.
    fn set_all<'p>(&mut self, dirs: impl IntoIterator<Item = (&'p Path, &'p str, State)>) -> bool {
        let mut changed = false;
        let mut new: Vec<(usize, &str, State)> = Vec::new();
        for (mount, path, state) in dirs {
            let m = match self.mount_index(mount) {
                Some(m) => m,
                None => {
                    self.mounts.push(mount.to_path_buf());
                    self.mounts.len() - 1
                }
            };
            match self.find(m, path) {
                Ok(i) => {
                    let item = &mut self.items[i];
                    if item.state != state {
                        if item.state == State::Forgotten {
                            self.forgotten -= 1;
                        }
                        item.state = state;
                        changed = true;
                    }
                }
                Err(_) => new.push((m, path, state)),
            }
        }
        if new.is_empty() {
            return changed;
        }
        new.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        new.dedup_by(|later, kept| {
            let same = (later.0, later.1) == (kept.0, kept.1);
            if same {
                kept.2 = later.2;
            }
            same
        });
        self.items.reserve(new.len());
        for (mount, path, state) in new {
            self.items.push(Item {
                mount,
                start: self.text.len(),
                len: path.len(),
                state,
            });
            self.text.push_str(path);
        }
        let Entries { text, items, .. } = self;
        let text: &str = text;
        let key = |item: &Item| {
            (
                item.mount,
                text.get(item.start..item.start + item.len).unwrap_or(""),
            )
        };
        items.sort_by(|a, b| key(a).cmp(&key(b)));
        true
    }

    fn forget(&mut self, i: usize) -> bool {
        let item = &mut self.items[i];
        if item.state == State::Forgotten {
            return false;
        }
        item.state = State::Forgotten;
        self.forgotten += 1;
        true
    }

    /// Drops the forgotten items and their text.
    fn compact(&mut self) {
        if self.forgotten == 0 {
            return;
        }
        let mut text = String::with_capacity(self.text.len());
        let mut items = Vec::with_capacity(self.items.len() - self.forgotten);
        for item in self.items.iter().filter(|i| i.state != State::Forgotten) {
            items.push(Item {
                start: text.len(),
                ..*item
            });
            text.push_str(self.path(item));
        }
        self.text = text;
        self.items = items;
        self.forgotten = 0;
    }

    /// The live items: mount point, path, state.
    fn live(&self) -> impl Iterator<Item = (usize, &Path, &str, State)> + '_ {
        self.items
            .iter()
            .enumerate()
            .filter(|(_, item)| item.state != State::Forgotten)
            .map(|(i, item)| {
                let mount = self.mounts[item.mount].as_path();
                (i, mount, self.path(item), item.state)
            })
    }
}

/// Holds the state directory's lock until dropped.
#[derive(Debug)]
pub struct Lock {
    _lock: nix::fcntl::Flock<File>,
}

/// What checking the record against the live tree found, in words.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Checked {
    /// Pending directories that exist: created by a run that was killed before it could
    /// save again.
    pub adopted: Vec<String>,
    /// Pending directories that do not exist: the run that announced them was killed
    /// first, or undid them.
    pub never_created: Vec<String>,
    /// Directories that are gone (removed by someone else).
    pub gone: Vec<String>,
    /// Directories replaced by someone else (same name, another inode).
    pub replaced: Vec<String>,
}

impl Record {
    /// Opens the record in `dir`, creating the directory if needed and taking its lock.
    pub fn open(dir: &Path) -> Result<(Record, Lock), String> {
        fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {}", dir.display(), reason(&e)))?;
        let lock_path = dir.join(LOCK);
        let lock_file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&lock_path)
            .map_err(|e| format!("cannot open {}: {}", lock_path.display(), reason(&e)))?;
        let lock = nix::fcntl::Flock::lock(lock_file, nix::fcntl::FlockArg::LockExclusiveNonblock)
            .map_err(|(_, errno)| {
                if errno == nix::errno::Errno::EWOULDBLOCK {
                    format!(
                        "another cgconfigd uses the state directory {} (its lock is taken)",
                        dir.display()
                    )
                } else {
                    format!("cannot lock {}: {}", lock_path.display(), errno.desc())
                }
            })?;
        let record = Record::read(dir)?;
        Ok((record, Lock { _lock: lock }))
    }

    /// Reads the record in `dir` without locking or ever writing it (`--dry-run`); a
    /// missing directory or file is an empty record.
    pub fn read(dir: &Path) -> Result<Record, String> {
        let file = dir.join(FILE);
        let mut record = Record {
            file: Some(file.clone()),
            entries: Entries::default(),
            dirty: false,
        };
        let text = match fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(record),
            Err(e) => return Err(format!("cannot read {}: {}", file.display(), reason(&e))),
        };
        let mut lines = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim().trim_end_matches(',');
            if !line.starts_with("{\"mount\"") {
                continue;
            }
            let parsed: Line = serde_json::from_str(line).map_err(|e| {
                format!("{}:{}: not a record line: {e}", file.display(), number + 1)
            })?;
            let path = GroupPath::new(&parsed.path)
                .map_err(|e| format!("{}:{}: {e}", file.display(), number + 1))?;
            let state = parsed.inode.map_or(State::Pending, State::Created);
            lines.push((parsed.mount, path, state));
        }
        record.entries.set_all(
            lines
                .iter()
                .map(|(mount, path, state)| (mount.as_path(), path.as_relative(), *state)),
        );
        Ok(record)
    }

    /// A record that is never saved (tests, `--dry-run` without a state directory).
    pub fn in_memory() -> Record {
        Record {
            file: None,
            entries: Entries::default(),
            dirty: false,
        }
    }

    /// Where it is saved.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// How many directories it lists.
    pub fn len(&self) -> usize {
        self.entries.items.len() - self.entries.forgotten
    }

    /// Whether it lists none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether it lists directory `path` of hierarchy `hierarchy`.
    pub fn contains(&self, cg: &Cgroups, hierarchy: usize, path: &GroupPath) -> bool {
        self.entries.get(mount(cg, hierarchy), path).is_some()
    }

    /// Adds directories about to be created (pending: no inode yet); an entry already
    /// there becomes pending again (its directory was removed, and is being re-created).
    /// Returns whether the record changed.
    pub fn add_pending(&mut self, cg: &Cgroups, dirs: &[(usize, GroupPath)]) -> bool {
        let changed = self.entries.set_all(
            dirs.iter()
                .map(|(h, path)| (mount(cg, *h), path.as_relative(), State::Pending)),
        );
        self.dirty |= changed;
        changed
    }

    /// Settles the pending entries only (after an apply): those whose directory exists
    /// get its inode, the others are dropped.
    pub fn settle(&mut self, cg: &Cgroups) {
        let hierarchies = self.hierarchies(cg);
        let mut settled = Vec::new();
        for (i, _, path, state) in self.entries.live() {
            if state != State::Pending {
                continue;
            }
            let Some(h) = hierarchies[self.entries.items[i].mount] else {
                continue;
            };
            settled.push((i, inode_of(&cg.hierarchies()[h], path)));
        }
        for (i, inode) in settled {
            self.dirty = true;
            match inode {
                Some(ino) => self.entries.items[i].state = State::Created(ino),
                None => {
                    self.entries.forget(i);
                }
            }
        }
    }

    /// Whether the recorded directory is still the one cgconfigd created: it exists and
    /// has the recorded inode (a pending entry has none yet: any directory will do).
    pub fn verify(&self, cg: &Cgroups, hierarchy: usize, path: &GroupPath) -> Verdict {
        let h = &cg.hierarchies()[hierarchy];
        let Some(i) = self.entries.get(mount(cg, hierarchy), path) else {
            return Verdict::NotRecorded;
        };
        match (
            self.entries.items[i].state.inode(),
            inode_of(h, path.as_relative()),
        ) {
            (_, None) => Verdict::Gone,
            (Some(old), Some(ino)) if old != ino => Verdict::Replaced,
            _ => Verdict::Ours,
        }
    }

    /// Forgets a directory (after removing it).
    pub fn forget(&mut self, cg: &Cgroups, hierarchy: usize, path: &GroupPath) {
        if let Some(i) = self.entries.get(mount(cg, hierarchy), path) {
            self.dirty |= self.entries.forget(i);
        }
    }

    /// Checks every entry of a mounted hierarchy against the live tree (see the module
    /// docs); entries of hierarchies not mounted now are kept as they are.
    pub fn check(&mut self, cg: &Cgroups) -> Checked {
        let mut checked = Checked::default();
        let hierarchies = self.hierarchies(cg);
        // (item, new state)
        let mut changes: Vec<(usize, State)> = Vec::new();
        for (i, _, path, state) in self.entries.live() {
            let Some(index) = hierarchies[self.entries.items[i].mount] else {
                continue;
            };
            let h = &cg.hierarchies()[index];
            let label = || format!("{}:/{path}", h.label());
            match (state.inode(), inode_of(h, path)) {
                (None, None) => {
                    checked.never_created.push(label());
                    changes.push((i, State::Forgotten));
                }
                (Some(_), None) => {
                    checked.gone.push(label());
                    changes.push((i, State::Forgotten));
                }
                (None, Some(ino)) => {
                    checked.adopted.push(label());
                    changes.push((i, State::Created(ino)));
                }
                (Some(old), Some(ino)) if old != ino => {
                    checked.replaced.push(label());
                    changes.push((i, State::Forgotten));
                }
                _ => {}
            }
        }
        for (i, state) in changes {
            self.dirty = true;
            match state {
                State::Forgotten => {
                    self.entries.forget(i);
                }
                state => self.entries.items[i].state = state,
            }
        }
        checked
    }

    /// The recorded directories of mounted hierarchies, as (hierarchy index, path),
    /// deepest first (the order to remove them in).
    pub fn owned(&self, cg: &Cgroups) -> Vec<(usize, GroupPath)> {
        let hierarchies = self.hierarchies(cg);
        let mut out: Vec<(usize, GroupPath)> = self
            .entries
            .live()
            .filter_map(|(i, _, path, _)| {
                let index = hierarchies[self.entries.items[i].mount]?;
                Some((index, crate::config::relative_path(path).ok()?))
            })
            .collect();
        out.sort_by(|a, b| b.1.depth().cmp(&a.1.depth()).then_with(|| a.cmp(b)));
        out
    }

    /// Each recorded mount point's hierarchy index, if it is mounted now.
    fn hierarchies(&self, cg: &Cgroups) -> Vec<Option<usize>> {
        self.entries
            .mounts
            .iter()
            .map(|m| cg.hierarchies().iter().position(|h| h.mount_point() == m))
            .collect()
    }

    /// Saves the record if it changed since the last save: atomically, and durably.
    pub fn save(&mut self) -> io::Result<()> {
        if !self.dirty {
            return Ok(());
        }
        self.entries.compact();
        let Some(file) = &self.file else {
            self.dirty = false;
            return Ok(());
        };
        let mut text = String::with_capacity(64 + self.len() * 64);
        text.push_str("{\"comment\":\"group directories cgconfigd created; written by cgconfigd, do not edit\",\n\"version\":1,\n\"directories\":[\n");
        // By mount point, then path.
        let mut lines: Vec<(&Path, &str, State)> =
            self.entries.live().map(|(_, m, p, s)| (m, p, s)).collect();
        lines.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let mut first = true;
        for (mount_point, path, state) in lines {
            let line = Line {
                mount: mount_point.to_path_buf(),
                path: format!("/{path}"),
                inode: state.inode(),
            };
            if !first {
                text.push_str(",\n");
            }
            first = false;
            text.push_str(&serde_json::to_string(&line).map_err(io::Error::other)?);
        }
        if !first {
            text.push('\n');
        }
        text.push_str("]}\n");
        let tmp = file.with_extension("json.tmp");
        {
            let mut out = OpenOptions::new()
                .create(true)
                .truncate(true)
                .write(true)
                .mode(0o644)
                .open(&tmp)?;
            out.write_all(text.as_bytes())?;
            out.sync_all()?;
        }
        fs::rename(&tmp, file)?;
        if let Some(dir) = file.parent() {
            File::open(dir)?.sync_all()?;
        }
        self.dirty = false;
        Ok(())
    }
}

/// What [`Record::verify`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Recorded, there, the same directory.
    Ours,
    /// Recorded, but no longer there.
    Gone,
    /// Recorded, but removed and re-created by someone else.
    Replaced,
    /// Not in the record.
    NotRecorded,
}

/// The inode of a group directory (its path relative to the hierarchy's root), `None`
/// when it does not exist.
fn inode_of(h: &cgtools::Hierarchy, path: &str) -> Option<u64> {
    fs::symlink_metadata(h.fs_path().join(path))
        .ok()
        .filter(|m| m.is_dir())
        .map(|m| m.ino())
}

fn mount(cg: &Cgroups, hierarchy: usize) -> &Path {
    cg.hierarchies()[hierarchy].mount_point()
}

fn reason(e: &io::Error) -> String {
    grammar::diagnostic::io_reason(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake() -> (tempfile::TempDir, Cgroups) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sys/fs/cgroup/memory");
        fs::create_dir_all(&root).unwrap();
        let cg = Cgroups::from_sources(
            "31 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
            None,
            dir.path(),
        )
        .unwrap();
        (dir, cg)
    }

    fn p(s: &str) -> GroupPath {
        GroupPath::new(s).unwrap()
    }

    #[test]
    fn saved_atomically_and_read_back() {
        let (dir, cg) = fake();
        let state = dir.path().join("run/cgconfigd");
        let (mut record, _lock) = Record::open(&state).unwrap();
        assert!(record.is_empty());
        assert!(record.add_pending(&cg, &[(0, p("a")), (0, p("a/b c"))]));
        assert!(!record.add_pending(&cg, &[(0, p("a"))]));
        record.save().unwrap();
        assert!(!state.join("owned.json.tmp").exists());
        let text = fs::read_to_string(state.join(FILE)).unwrap();
        insta::assert_snapshot!(text, @r#"
        {"comment":"group directories cgconfigd created; written by cgconfigd, do not edit",
        "version":1,
        "directories":[
        {"mount":"/sys/fs/cgroup/memory","path":"/a","inode":null},
        {"mount":"/sys/fs/cgroup/memory","path":"/a/b c","inode":null}
        ]}
        "#);
        // The whole file is JSON too.
        let _: serde_json::Value = serde_json::from_str(&text).unwrap();
        let again = Record::read(&state).unwrap();
        assert!(again.contains(&cg, 0, &p("a/b c")));
        assert_eq!(again.owned(&cg), [(0, p("a/b c")), (0, p("a"))]);
    }

    #[test]
    fn a_second_daemon_is_refused() {
        let (dir, _cg) = fake();
        let state = dir.path().join("state");
        let (_record, _lock) = Record::open(&state).unwrap();
        let err = Record::open(&state).unwrap_err();
        assert!(
            err.contains("another cgconfigd uses the state directory"),
            "{err}"
        );
    }

    #[test]
    fn checking_adopts_forgets_and_notices_replacements() {
        let (dir, cg) = fake();
        let root = dir.path().join("sys/fs/cgroup/memory");
        let mut record = Record::in_memory();
        record.add_pending(&cg, &[(0, p("made")), (0, p("never")), (0, p("swapped"))]);
        fs::create_dir(root.join("made")).unwrap();
        fs::create_dir(root.join("swapped")).unwrap();
        let checked = record.check(&cg);
        assert_eq!(checked.adopted, ["memory:/made", "memory:/swapped"]);
        assert_eq!(checked.never_created, ["memory:/never"]);
        assert!(checked.gone.is_empty());
        // Someone removes and re-creates `swapped`: it is theirs now.
        // (The new one exists before the old one goes, so that the filesystem cannot
        // hand it the old inode number; cgroupfs never reuses one within a boot.)
        fs::create_dir(root.join("new")).unwrap();
        fs::remove_dir(root.join("swapped")).unwrap();
        fs::rename(root.join("new"), root.join("swapped")).unwrap();
        let checked = record.check(&cg);
        assert_eq!(checked.replaced, ["memory:/swapped"]);
        fs::remove_dir(root.join("made")).unwrap();
        assert_eq!(record.check(&cg).gone, ["memory:/made"]);
        fs::create_dir(root.join("made")).unwrap();
        record.add_pending(&cg, &[(0, p("made"))]);
        assert_eq!(record.owned(&cg), [(0, p("made"))]);
        assert_eq!(record.check(&cg).adopted, ["memory:/made"]);
        assert_eq!(record.check(&cg), Checked::default());
        assert_eq!(record.verify(&cg, 0, &p("made")), Verdict::Ours);
        assert_eq!(record.verify(&cg, 0, &p("other")), Verdict::NotRecorded);
        // Settling looks at pending entries only.
        record.add_pending(&cg, &[(0, p("soon")), (0, p("made"))]);
        fs::create_dir(root.join("soon")).unwrap();
        record.settle(&cg);
        assert_eq!(record.owned(&cg), [(0, p("made")), (0, p("soon"))]);
        assert_eq!(record.verify(&cg, 0, &p("soon")), Verdict::Ours);
        fs::create_dir(root.join("new")).unwrap();
        fs::remove_dir(root.join("soon")).unwrap();
        fs::rename(root.join("new"), root.join("soon")).unwrap();
        assert_eq!(record.verify(&cg, 0, &p("soon")), Verdict::Replaced);
        fs::remove_dir(root.join("soon")).unwrap();
        assert_eq!(record.verify(&cg, 0, &p("soon")), Verdict::Gone);
    }

    #[test]
    fn forgotten_entries_come_back_and_go_at_the_next_save() {
        let (dir, cg) = fake();
        let state = dir.path().join("state");
        let (mut record, _lock) = Record::open(&state).unwrap();
        // Out of order, twice, and from two batches.
        record.add_pending(&cg, &[(0, p("b")), (0, p("a/x")), (0, p("b"))]);
        record.add_pending(&cg, &[(0, p("a"))]);
        assert_eq!(record.len(), 3);
        record.forget(&cg, 0, &p("a/x"));
        assert_eq!(record.len(), 2);
        assert!(!record.contains(&cg, 0, &p("a/x")));
        assert_eq!(record.verify(&cg, 0, &p("a/x")), Verdict::NotRecorded);
        // Recorded again: pending again.
        assert!(record.add_pending(&cg, &[(0, p("a/x"))]));
        assert!(record.contains(&cg, 0, &p("a/x")));
        record.forget(&cg, 0, &p("b"));
        record.save().unwrap();
        let text = fs::read_to_string(state.join(FILE)).unwrap();
        assert!(text.contains("\"path\":\"/a\",\"inode\":null},\n{\"mount\":\"/sys/fs/cgroup/memory\",\"path\":\"/a/x\""), "{text}");
        assert!(!text.contains("/b"), "{text}");
        let again = Record::read(&state).unwrap();
        assert_eq!(again.owned(&cg), [(0, p("a/x")), (0, p("a"))]);
        assert_eq!(record.owned(&cg), again.owned(&cg));
    }

    #[test]
    fn a_torn_or_foreign_file_is_an_error_not_a_guess() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(FILE), "{\"mount\":\"/x\",\"pa").unwrap();
        let err = Record::read(dir.path()).unwrap_err();
        assert!(err.contains("owned.json:1: not a record line"), "{err}");
    }
}
