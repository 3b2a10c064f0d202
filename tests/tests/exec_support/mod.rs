//! Support for the real-kernel suites of cgexec and cgclassify: skipping with a reason,
//! the host's hierarchies read from the mount table, scratch groups under a unique prefix
//! removed on drop, children that are always killed and reaped, and a fake rules daemon.
//!
//! The rules: only groups under the scratch prefix are created or removed, only processes
//! spawned by the test are moved or killed, and cleanup uses plain `std::fs` so that a bug
//! in the tools under test cannot prevent it.

// Test support: a failed fixture should stop the test loudly.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{sleep, JoinHandle};
use std::time::{Duration, Instant};

/// One mounted cgroup hierarchy.
#[derive(Clone, Debug)]
pub struct Mount {
    /// Where it is mounted.
    pub path: PathBuf,
    /// cgroup2?
    pub v2: bool,
    /// v1: the controllers of its super options (`name=X` included); v2: the root's
    /// `cgroup.controllers`.
    pub controllers: Vec<String>,
}

/// The host's hierarchies.
#[derive(Debug)]
pub struct Host {
    pub mounts: Vec<Mount>,
}

fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
        .unwrap_or(false)
}

/// The host, or `None` with the reason printed when real-kernel tests cannot run.
pub fn host() -> Option<Host> {
    if !is_root() {
        eprintln!("skipping real-kernel test: not running as root");
        return None;
    }
    let text = fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mut mounts: Vec<Mount> = Vec::new();
    for line in text.lines() {
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let mount_point = left
            .split(' ')
            .nth(4)
            .unwrap_or_default()
            .replace("\\040", " ");
        let mut right = right.split(' ');
        let (fstype, _source, options) = (right.next(), right.next(), right.next());
        let path = PathBuf::from(mount_point);
        if mounts.iter().any(|m| m.path == path) {
            continue;
        }
        match fstype {
            Some("cgroup") => {
                let controllers = options
                    .unwrap_or_default()
                    .split(',')
                    .filter(|o| !matches!(*o, "rw" | "ro") && !o.contains("xattr"))
                    .map(str::to_string)
                    .collect();
                mounts.push(Mount {
                    path,
                    v2: false,
                    controllers,
                });
            }
            Some("cgroup2") => {
                let controllers = fs::read_to_string(path.join("cgroup.controllers"))
                    .unwrap_or_default()
                    .split_whitespace()
                    .map(str::to_string)
                    .collect();
                mounts.push(Mount {
                    path,
                    v2: true,
                    controllers,
                });
            }
            _ => {}
        }
    }
    if mounts.is_empty() {
        eprintln!("skipping real-kernel test: no cgroup filesystem is mounted");
        return None;
    }
    Some(Host { mounts })
}

impl Host {
    /// The hierarchy serving `controller` (its v1 mount, else the v2 mount listing it), or
    /// `None` with a printed reason.
    pub fn serving(&self, controller: &str) -> Option<&Mount> {
        let found = self
            .mounts
            .iter()
            .find(|m| !m.v2 && m.controllers.iter().any(|c| c == controller))
            .or_else(|| {
                self.mounts
                    .iter()
                    .find(|m| m.v2 && m.controllers.iter().any(|c| c == controller))
            });
        if found.is_none() {
            eprintln!("skipping the `{controller}` part: no hierarchy serves it");
        }
        found
    }

    /// The cgroup v2 mount, or `None` with a printed reason.
    pub fn unified(&self) -> Option<&Mount> {
        let found = self.mounts.iter().find(|m| m.v2);
        if found.is_none() {
            eprintln!("skipping the cgroup v2 part: no cgroup2 mount");
        }
        found
    }

    /// Whether a v2 group directly under the root gets `controller` (the root's
    /// `cgroup.subtree_control` lists it). Tests never write the root's file.
    pub fn root_enables(&self, mount: &Mount, controller: &str) -> bool {
        !mount.v2
            || fs::read_to_string(mount.path.join("cgroup.subtree_control"))
                .unwrap_or_default()
                .split_whitespace()
                .any(|c| c == controller)
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A unique top-level group name in every hierarchy; whatever exists under it is removed
/// on drop (tasks moved to the hierarchy's root, directories removed bottom-up).
pub struct Scratch {
    pub prefix: String,
    roots: Vec<(PathBuf, bool)>,
}

impl Scratch {
    pub fn new(host: &Host) -> Scratch {
        Scratch {
            prefix: format!(
                "cgtools-e2e-exec-{}-{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst)
            ),
            roots: host.mounts.iter().map(|m| (m.path.clone(), m.v2)).collect(),
        }
    }

    /// `<prefix>/<rest>`, the group's name as the tools take it.
    pub fn name(&self, rest: &str) -> String {
        format!("{}/{rest}", self.prefix)
    }

    /// Creates `<prefix>/<rest>` in `mount`. On cgroup v2 a group has a controller only
    /// when its parent enables it, so every new ancestor below the root enables what the
    /// root enables, as cgcreate would (the root's own file is never written). Use
    /// [`Scratch::mkdir_bare`] for a group without controllers.
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
                    // One at a time: a controller the kernel refuses here must not stop the
                    // others.
                    let _ = fs::write(
                        ancestor.join("cgroup.subtree_control"),
                        format!("+{controller}"),
                    );
                }
            }
        }
        dir
    }

    /// Creates `<prefix>/<rest>` in `mount` with a plain mkdir: on v2 no controller is
    /// enabled for it.
    pub fn mkdir_bare(&self, mount: &Mount, rest: &str) -> PathBuf {
        let dir = mount.path.join(self.name(rest));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Replaces the prefix in a tool's output, for snapshots.
    pub fn redact(&self, text: &str) -> String {
        text.replace(&self.prefix, "[scratch]")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for (root, v2) in &self.roots {
            let top = root.join(&self.prefix);
            if !top.is_dir() {
                continue;
            }
            let mut dirs = Vec::new();
            post_order(&top, &mut dirs);
            let (list, dest) = if *v2 {
                ("cgroup.procs", root.join("cgroup.procs"))
            } else {
                ("tasks", root.join("tasks"))
            };
            for dir in &dirs {
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
            for dir in &dirs {
                let mut delay = Duration::from_millis(5);
                for _ in 0..10 {
                    match fs::remove_dir(dir) {
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
    }
}

fn post_order(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                post_order(&e.path(), out);
            }
        }
    }
    out.push(dir.to_path_buf());
}

/// A process this test spawned; killed and reaped on drop, never anything else.
pub struct Spawned {
    pub child: Child,
}

impl Spawned {
    pub fn new(mut command: Command) -> Spawned {
        Spawned {
            child: command.stdin(Stdio::null()).spawn().expect("spawn"),
        }
    }

    /// `sleep 300`.
    pub fn sleeper() -> Spawned {
        let mut c = Command::new("sleep");
        c.arg("300");
        Spawned::new(c)
    }

    /// The test helper with `n` extra threads, once they all run.
    pub fn threaded(n: usize) -> Spawned {
        let mut c = Command::new(cgtools_e2e::bin("cgtools-e2e-threads"));
        c.arg(n.to_string()).stdout(Stdio::piped());
        let mut spawned = Spawned::new(c);
        let stdout = spawned.child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready");
        spawned
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The group of the task at `/proc/<proc_path>/cgroup` in `mount` (`proc_path` is a pid, or
/// `<pid>/task/<tid>`).
pub fn group_of(proc_path: &str, mount: &Mount) -> String {
    let text = fs::read_to_string(format!("/proc/{proc_path}/cgroup")).unwrap_or_default();
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let matches = if mount.v2 {
            id == "0" && controllers.is_empty()
        } else {
            !controllers.is_empty()
                && controllers
                    .split(',')
                    .any(|c| mount.controllers.iter().any(|m| m == c))
        };
        if matches {
            return path.to_string();
        }
    }
    String::new()
}

/// Every thread id of `pid`.
pub fn threads_of(pid: u32) -> Vec<String> {
    let mut tids: Vec<String> = fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    tids.sort();
    tids
}

/// A stand-in for the rules daemon on a temporary socket: it takes `expected` connections
/// (or gives up after 20 s), reads `pid_t` + `int` flags from each, answers `reply`.
pub struct FakeDaemon {
    pub socket: PathBuf,
    _dir: tempfile::TempDir,
    handle: JoinHandle<Vec<(i32, i32)>>,
}

impl FakeDaemon {
    pub fn start(expected: usize, reply: &'static [u8]) -> FakeDaemon {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("cgred.socket");
        let listener = UnixListener::bind(&socket).unwrap();
        listener.set_nonblocking(true).unwrap();
        let handle = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(20);
            let mut seen = Vec::new();
            while seen.len() < expected && Instant::now() < deadline {
                match listener.accept() {
                    Ok((mut conn, _)) => {
                        conn.set_nonblocking(false).unwrap();
                        conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                        let mut request = [0u8; 8];
                        if conn.read_exact(&mut request).is_ok() {
                            let pid = i32::from_ne_bytes(request[..4].try_into().unwrap());
                            let flags = i32::from_ne_bytes(request[4..].try_into().unwrap());
                            seen.push((pid, flags));
                            let _ = conn.write_all(reply);
                        }
                    }
                    Err(_) => sleep(Duration::from_millis(5)),
                }
            }
            seen
        });
        FakeDaemon {
            socket,
            _dir: dir,
            handle,
        }
    }

    /// The (pid, flags) pairs received.
    pub fn received(self) -> Vec<(i32, i32)> {
        self.handle.join().unwrap()
    }
}

/// The environment variable debug builds read the daemon's socket path from.
pub const SOCKET_ENV: &str = "CGTOOLS_CGRED_SOCKET";

/// Whether the binaries under test honour [`SOCKET_ENV`] (debug builds only; the tests and
/// the binaries are built by the same cargo invocation, so they share the profile).
pub fn socket_override_available() -> bool {
    if !cfg!(debug_assertions) {
        eprintln!("skipping the daemon part: release builds ignore {SOCKET_ENV}");
    }
    cfg!(debug_assertions)
}
