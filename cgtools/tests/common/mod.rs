//! Support for tests against the real kernel: skipping cleanly, unique group prefixes, a
//! guard that removes every test group even when the test fails, and spawned children
//! that are always reaped.
//!
//! Rules these helpers enforce: tests only ever touch groups under their own
//! `cgtools-test-<pid>-<n>` prefix, only move processes they spawned themselves, and clean
//! up with plain `std::fs` calls so a bug in the library cannot stop the cleanup.

// Test support: a failed spawn or a bad fixture name should stop the test loudly.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

use cgtools::{Cgroups, GroupPath, Hierarchy, Version};

/// The backend for this host, or `None` (with the reason printed) when the real-kernel
/// tests cannot run here: not root, or no cgroups mounted.
pub fn host() -> Option<Cgroups> {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipping real-kernel test: not running as root");
        return None;
    }
    match Cgroups::discover() {
        Ok(cg) => Some(cg),
        Err(e) => {
            eprintln!("skipping real-kernel test: {e}");
            None
        }
    }
}

/// The hierarchy serving `controller`, or `None` with a printed reason.
pub fn serving<'a>(cg: &'a Cgroups, controller: &str) -> Option<&'a Hierarchy> {
    match cg.hierarchy_for(controller) {
        Ok(h) => Some(h),
        Err(e) => {
            eprintln!("skipping `{controller}` part: {e}");
            None
        }
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Owns a unique top-level test group name in every hierarchy and removes whatever exists
/// under it when dropped: tasks go to the hierarchy's root, directories bottom-up.
pub struct TestGroups {
    pub prefix: String,
    roots: Vec<(PathBuf, Version)>,
}

impl TestGroups {
    pub fn new(cg: &Cgroups) -> TestGroups {
        let prefix = format!(
            "cgtools-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let roots = cg
            .hierarchies()
            .iter()
            .map(|h| (h.fs_path().to_path_buf(), h.version()))
            .collect();
        TestGroups { prefix, roots }
    }

    /// `<prefix>/<rest>` as a group path.
    pub fn path(&self, rest: &str) -> GroupPath {
        let name = if rest.is_empty() {
            self.prefix.clone()
        } else {
            format!("{}/{rest}", self.prefix)
        };
        GroupPath::new(&name).expect("valid test group name")
    }
}

impl Drop for TestGroups {
    fn drop(&mut self) {
        for (root, version) in &self.roots {
            let top = root.join(&self.prefix);
            if top.is_dir() {
                evacuate(&top, root, *version);
                remove_bottom_up(&top);
            }
        }
    }
}

fn subdirs_post_order(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                subdirs_post_order(&e.path(), out);
            }
        }
    }
    out.push(dir.to_path_buf());
}

fn evacuate(top: &Path, root: &Path, version: Version) {
    let mut dirs = Vec::new();
    subdirs_post_order(top, &mut dirs);
    let (list, dest) = match version {
        Version::V1 => ("tasks", root.join("tasks")),
        Version::V2 => ("cgroup.procs", root.join("cgroup.procs")),
    };
    for dir in dirs {
        for id in fs::read_to_string(dir.join(list))
            .unwrap_or_default()
            .split_whitespace()
        {
            let _ = fs::OpenOptions::new()
                .write(true)
                .open(&dest)
                .and_then(|mut f| f.write_all(id.as_bytes()));
        }
    }
}

fn remove_bottom_up(top: &Path) {
    let mut dirs = Vec::new();
    subdirs_post_order(top, &mut dirs);
    for dir in dirs {
        let mut delay = Duration::from_millis(5);
        for _ in 0..10 {
            match fs::remove_dir(&dir) {
                Ok(()) => break,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => break,
                Err(_) => {
                    sleep(delay);
                    delay *= 2;
                }
            }
        }
        if dir.exists() {
            eprintln!("warning: could not remove test group {}", dir.display());
        }
    }
}

/// A process this test spawned; killed and reaped on drop, never anything else.
pub struct Spawned {
    pub child: Child,
}

impl Spawned {
    /// `sleep 300`.
    pub fn sleeper() -> Spawned {
        Spawned {
            child: Command::new("sleep")
                .arg("300")
                .stdin(Stdio::null())
                .spawn()
                .expect("spawn sleep"),
        }
    }

    /// A process with `n` extra threads, if /usr/bin/python3 is there.
    pub fn threaded(n: usize) -> Option<Spawned> {
        if !Path::new("/usr/bin/python3").exists() {
            eprintln!("skipping the multi-threaded part: no /usr/bin/python3");
            return None;
        }
        let script = format!(
            "import threading, time\n\
             for _ in range({n}): threading.Thread(target=time.sleep, args=(300,), daemon=True).start()\n\
             print('ready', flush=True)\n\
             time.sleep(300)\n"
        );
        let mut child = Command::new("/usr/bin/python3")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn python3");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).ok();
        assert_eq!(line.trim(), "ready");
        Some(Spawned { child })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `timeout` for the process to end; its exit status if it did.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            sleep(Duration::from_millis(20));
        }
        None
    }

    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The group path of `pid` in the hierarchy `h`, from `/proc/<pid>/cgroup`.
pub fn cgroup_of(pid: u32, h: &Hierarchy) -> String {
    let text = fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default();
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let matches = match h.version() {
            Version::V2 => id == "0" && controllers.is_empty(),
            Version::V1 => {
                !controllers.is_empty()
                    && controllers.split(',').any(|c| {
                        h.controllers().iter().any(|hc| hc == c)
                            || h.name().is_some_and(|n| c == format!("name={n}"))
                    })
            }
        };
        if matches {
            return path.to_string();
        }
    }
    String::new()
}
