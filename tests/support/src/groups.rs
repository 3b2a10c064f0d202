//! Test groups under a unique prefix, removed by a guard.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::host::{Host, Mount};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// How long the guard retries a removal: a group whose last task was just killed reads as
/// populated for a while, longer under the VM lane's emulated CPU.
const PATIENCE: Duration = Duration::from_secs(30);

/// A top-level group name no one else uses (`cgtools-test-<pid>-<n>[-<tag>]`), in every
/// hierarchy of the host. On drop, whatever exists under it is removed, in every
/// hierarchy: the tasks of each group are moved to the hierarchy's root, then the
/// directories are removed bottom-up. Plain `std::fs` calls, so that a bug of the code
/// under test cannot stop the cleanup; a group it cannot remove fails the test (or is
/// reported, when the test fails already). Nothing outside the prefix is touched, except
/// with [`TestGroups::restoring_v2_root`].
#[derive(Debug)]
pub struct TestGroups {
    /// The top-level group's name.
    pub prefix: String,
    roots: Vec<(PathBuf, bool)>,
    v2_root: Option<(PathBuf, String)>,
}

impl TestGroups {
    /// A new prefix in every hierarchy of `host`.
    pub fn new(host: &Host) -> TestGroups {
        TestGroups::named(host, None)
    }

    /// [`TestGroups::new`] with `tag` at the end of the prefix (it tells a reader which
    /// test left a group behind).
    pub fn tagged(host: &Host, tag: &str) -> TestGroups {
        TestGroups::named(host, Some(tag))
    }

    fn named(host: &Host, tag: Option<&str>) -> TestGroups {
        let mut prefix = format!(
            "cgtools-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        if let Some(tag) = tag {
            prefix.push('-');
            prefix.push_str(tag);
        }
        TestGroups {
            prefix,
            roots: host.mounts.iter().map(|m| (m.path.clone(), m.v2)).collect(),
            v2_root: None,
        }
    }

    /// Also takes back, on drop, every controller enabled in the v2 root's
    /// `cgroup.subtree_control` since now: for tests whose tools may enable one there (for
    /// a group directly below the root). Such tests must not run concurrently with others
    /// using the controller.
    pub fn restoring_v2_root(mut self) -> TestGroups {
        self.v2_root = self.roots.iter().find(|(_, v2)| *v2).map(|(root, _)| {
            let file = root.join("cgroup.subtree_control");
            let before = fs::read_to_string(&file).unwrap_or_default();
            (file, before)
        });
        self
    }

    /// `<prefix>/<rest>` (the prefix itself for `""`): a group's name as the tools take it.
    pub fn name(&self, rest: &str) -> String {
        if rest.is_empty() {
            self.prefix.clone()
        } else {
            format!("{}/{rest}", self.prefix)
        }
    }

    /// `/<prefix>/<rest>`: the group's path from the hierarchy's root.
    pub fn path(&self, rest: &str) -> String {
        format!("/{}", self.name(rest))
    }

    /// `<controllers>:/<prefix>/<rest>`, as `-g` takes it.
    pub fn spec(&self, controllers: &str, rest: &str) -> String {
        format!("{controllers}:{}", self.path(rest))
    }

    /// The directory of `<prefix>/<rest>` in `mount`.
    pub fn dir(&self, mount: &Mount, rest: &str) -> PathBuf {
        mount.path.join(self.name(rest))
    }

    /// Creates `<prefix>/<rest>` in `mount` with a plain mkdir: on v2 it gets only the
    /// controllers its parent enables, and every new level enables nothing.
    pub fn mkdir_bare(&self, mount: &Mount, rest: &str) -> PathBuf {
        let dir = self.dir(mount, rest);
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        dir
    }

    /// Creates `<prefix>/<rest>` in `mount` with the controllers a group directly below
    /// the root gets: on v2 every new level below the prefix enables for its children what
    /// the root enables for its own, as cgcreate would (the root's file is never written).
    pub fn mkdir(&self, mount: &Mount, rest: &str) -> PathBuf {
        let dir = self.mkdir_bare(mount, rest);
        if mount.v2 {
            let enabled =
                fs::read_to_string(mount.path.join("cgroup.subtree_control")).unwrap_or_default();
            let mut ancestors: Vec<&Path> = dir
                .ancestors()
                .skip(1)
                .take_while(|a| *a != mount.path.as_path())
                .collect();
            ancestors.reverse();
            for ancestor in ancestors {
                for controller in enabled.split_whitespace() {
                    // One at a time: a controller the kernel refuses here must not stop
                    // the others.
                    let _ = fs::write(
                        ancestor.join("cgroup.subtree_control"),
                        format!("+{controller}"),
                    );
                }
            }
        }
        dir
    }

    fn remove(&self) -> Vec<String> {
        let mut left = Vec::new();
        for (root, v2) in &self.roots {
            let top = root.join(&self.prefix);
            if !top.is_dir() {
                continue;
            }
            let dirs = dirs_below(&top);
            evacuate(&dirs, root, *v2);
            for dir in &dirs {
                if let Err(e) = remove_dir_patiently(dir) {
                    left.push(format!("{}: {e}", dir.display()));
                }
            }
        }
        if let Some((file, before)) = &self.v2_root {
            let was: Vec<&str> = before.split_whitespace().collect();
            let now = fs::read_to_string(file).unwrap_or_default();
            for added in now.split_whitespace().filter(|c| !was.contains(c)) {
                if let Err(e) = fs::write(file, format!("-{added}")) {
                    left.push(format!("-{added} in {}: {e}", file.display()));
                }
            }
        }
        left
    }
}

impl Drop for TestGroups {
    fn drop(&mut self) {
        let left = self.remove();
        if left.is_empty() {
            return;
        }
        let message = format!("the test groups were not all removed:\n{}", left.join("\n"));
        if std::thread::panicking() {
            // A second panic would abort the test binary: say it past libtest's capture.
            let _ = writeln!(std::io::stderr(), "warning: {message}");
        } else {
            panic!("{message}");
        }
    }
}

/// `dir` and every directory below it, children before parents (none if `dir` does not
/// exist): a group tree in the order it can be removed.
pub fn dirs_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if dir.is_dir() {
        post_order(dir, &mut out);
    }
    out
}

fn post_order(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                post_order(&e.path(), out);
            }
        }
    }
    out.push(dir.to_path_buf());
}

/// Moves every task of `dirs` to the hierarchy's root (v1 `tasks`, v2 `cgroup.procs`).
fn evacuate(dirs: &[PathBuf], root: &Path, v2: bool) {
    let list = if v2 { "cgroup.procs" } else { "tasks" };
    for dir in dirs {
        for id in fs::read_to_string(dir.join(list))
            .unwrap_or_default()
            .split_whitespace()
        {
            let _ = fs::OpenOptions::new()
                .write(true)
                .open(root.join(list))
                .and_then(|mut f| f.write_all(id.as_bytes()));
        }
    }
}

fn remove_dir_patiently(dir: &Path) -> std::io::Result<()> {
    let deadline = Instant::now() + PATIENCE;
    let mut delay = Duration::from_millis(5);
    loop {
        match fs::remove_dir(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => {
                sleep(delay);
                delay = (delay * 2).min(Duration::from_millis(200));
            }
        }
    }
}
