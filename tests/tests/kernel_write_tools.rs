//! cgcreate, cgdelete, cgset and cgxset against the real kernel, run as a user runs them.
//!
//! Each test skips with a printed reason when not root or when a hierarchy it needs is
//! missing, and reads the host mode at run time, so the suite runs on hybrid, legacy and
//! pure v2 hosts. Every group lives under a unique `cgtools-e2e-w-<pid>-<n>-<tag>` top group;
//! a guard moves its tasks to the hierarchy root and removes it bottom-up even when a test
//! fails, and takes back any controller a test enabled in the v2 root's
//! `cgroup.subtree_control`. Only processes spawned here are moved; none is killed but by
//! its own guard. The tests hold one lock, because the v2 root's `cgroup.subtree_control`
//! is shared.

// Test code: a failure to run a binary or read a file is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::thread::sleep;
use std::time::Duration;

use cgtools::{Cgroups, Version};
use cgtools_e2e::{bin, Outcome};

static LOCK: Mutex<()> = Mutex::new(());
static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The host's cgroups, while this test holds the suite's lock.
struct Host {
    cg: Cgroups,
    _lock: MutexGuard<'static, ()>,
}

/// The host, or `None` (with the reason printed) when the tests cannot run here.
fn host() -> Option<Host> {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipping real-kernel test: not running as root");
        return None;
    }
    let lock = LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match Cgroups::discover() {
        Ok(cg) => Some(Host { cg, _lock: lock }),
        Err(e) => {
            eprintln!("skipping real-kernel test: {e}");
            None
        }
    }
}

impl Host {
    /// Whether `controller` is served; prints why not.
    fn has(&self, controller: &str) -> bool {
        match self.cg.hierarchy_for(controller) {
            Ok(_) => true,
            Err(e) => {
                eprintln!("skipping the `{controller}` part: {e}");
                false
            }
        }
    }

    fn version(&self, controller: &str) -> Version {
        self.cg.version_of(controller).unwrap()
    }

    /// The directory of group `path` in the hierarchy of `controller` (`""`: the v2 mount).
    fn dir(&self, controller: &str, path: &str) -> PathBuf {
        let h = if controller.is_empty() {
            self.cg.layout().unified().expect("a v2 mount")
        } else {
            self.cg.hierarchy_for(controller).unwrap()
        };
        h.fs_path().join(path.trim_start_matches('/'))
    }

    /// Replaces volatile text: the test's top group and the hierarchies' mount points.
    fn redact(&self, text: &str, top: &Top) -> String {
        let mut out = text.replace(&top.name, "[TOP]");
        let mut mounts: Vec<String> = self
            .cg
            .hierarchies()
            .iter()
            .map(|h| h.fs_path().display().to_string())
            .collect();
        mounts.sort_by_key(|m| std::cmp::Reverse(m.len()));
        for mount in mounts {
            out = out.replace(&format!("{mount}/"), "[MOUNT]/");
        }
        out
    }
}

/// A unique top-level group name in every hierarchy, removed with everything under it on
/// drop; controllers a test enabled in the v2 root are disabled again.
struct Top {
    name: String,
    roots: Vec<(PathBuf, Version)>,
    v2_root: Option<(PathBuf, String)>,
}

impl Top {
    fn new(host: &Host, tag: &str) -> Top {
        let name = format!(
            "cgtools-e2e-w-{}-{}-{tag}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let roots = host
            .cg
            .hierarchies()
            .iter()
            .map(|h| (h.fs_path().to_path_buf(), h.version()))
            .collect();
        let v2_root = host.cg.layout().unified().map(|h| {
            let file = h.fs_path().join("cgroup.subtree_control");
            let before = fs::read_to_string(&file).unwrap_or_default();
            (file, before)
        });
        Top {
            name,
            roots,
            v2_root,
        }
    }

    /// `/<top>/<rest>`.
    fn path(&self, rest: &str) -> String {
        if rest.is_empty() {
            format!("/{}", self.name)
        } else {
            format!("/{}/{rest}", self.name)
        }
    }

    /// `<controllers>:/<top>/<rest>`.
    fn spec(&self, controllers: &str, rest: &str) -> String {
        format!("{controllers}:{}", self.path(rest))
    }
}

impl Drop for Top {
    fn drop(&mut self) {
        for (root, version) in &self.roots {
            let top = root.join(&self.name);
            if top.is_dir() {
                evacuate(&top, root, *version);
                remove_bottom_up(&top);
            }
        }
        if let Some((file, before)) = &self.v2_root {
            let was: Vec<&str> = before.split_whitespace().collect();
            let now = fs::read_to_string(file).unwrap_or_default();
            for added in now.split_whitespace().filter(|c| !was.contains(c)) {
                let _ = fs::write(file, format!("-{added}"));
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

/// A `sleep` this test spawned; killed and reaped on drop, never anything else.
struct Sleeper(Child);

impl Sleeper {
    fn spawn() -> Sleeper {
        Sleeper(
            Command::new("sleep")
                .arg("300")
                .stdin(Stdio::null())
                .spawn()
                .expect("spawn sleep"),
        )
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }

    fn alive(&mut self) -> bool {
        matches!(self.0.try_wait(), Ok(None))
    }

    /// Its group in the hierarchy of `controller` (`""`: the v2 mount).
    fn group(&self, host: &Host, controller: &str) -> String {
        group_of(host, self.pid(), controller)
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The group of process `pid` in the hierarchy of `controller` (`""`: the v2 mount), from
/// `/proc/<pid>/cgroup`.
fn group_of(host: &Host, pid: u32, controller: &str) -> String {
    let v2 = controller.is_empty() || host.version(controller) == Version::V2;
    let text = fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    text.lines()
        .find_map(|line| {
            let mut parts = line.splitn(3, ':');
            let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
            let hit = if v2 {
                controllers.is_empty()
            } else {
                controllers.split(',').any(|c| c == controller)
            };
            hit.then(|| path.to_string())
        })
        .unwrap_or_default()
}

/// The `sleep` left behind in group `spec` when a user kills the shell script that started
/// it: the script (`cgexec -g <spec> sh -c 'sleep 300 & ...'`) is killed, its child keeps
/// running in the group. This test process is made a child subreaper first, so the orphan
/// is reparented to it (not to PID 1, which does not reap on every host) and is still this
/// test's own to kill and reap on drop.
struct Orphan(nix::unistd::Pid);

impl Orphan {
    fn left_by_a_killed_script(spec: &str) -> Orphan {
        nix::sys::prctl::set_child_subreaper(true).expect("become a child subreaper");
        let mut script = Sleeper(
            Command::new(bin("cgexec"))
                .args(["-g", spec, "sh", "-c"])
                .arg("sleep 300 >/dev/null 2>&1 & echo $!; wait")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .spawn()
                .expect("spawn cgexec"),
        );
        let mut line = String::new();
        BufReader::new(script.0.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let pid: i32 = line.trim().parse().unwrap_or_else(|_| panic!("{line:?}"));
        let orphan = Orphan(nix::unistd::Pid::from_raw(pid));
        drop(script); // killed and reaped: the user's kill of their script
        orphan
    }

    fn pid(&self) -> u32 {
        self.0.as_raw().unsigned_abs()
    }

    fn alive(&self) -> bool {
        matches!(
            nix::sys::wait::waitpid(self.0, Some(nix::sys::wait::WaitPidFlag::WNOHANG)),
            Ok(nix::sys::wait::WaitStatus::StillAlive)
        )
    }
}

impl Drop for Orphan {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(self.0, nix::sys::signal::Signal::SIGKILL);
        let _ = nix::sys::wait::waitpid(self.0, None);
    }
}

fn run(name: &str, args: &[&str]) -> Outcome {
    let output = Command::new(bin(name))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    Outcome {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code(),
    }
}

/// Runs a command that must succeed silently.
fn ok(name: &str, args: &[&str]) {
    let outcome = run(name, args);
    assert_eq!(
        (
            outcome.code,
            outcome.stdout.as_str(),
            outcome.stderr.as_str()
        ),
        (Some(0), "", ""),
        "{name} {args:?}"
    );
}

/// Runs a command that must succeed, whatever notes it prints on stderr.
fn ok_noted(name: &str, args: &[&str]) -> String {
    let outcome = run(name, args);
    assert_eq!(outcome.code, Some(0), "{name} {args:?}: {}", outcome.stderr);
    assert_eq!(outcome.stdout, "", "{name} {args:?}");
    outcome.stderr
}

fn read(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .trim_end()
        .to_string()
}

/// The seed article's Part I steps for these tools, with a unique group name:
/// `cgcreate -g memory:foo`, `cgset -r memory.limit_in_bytes=50000000 foo`, the file
/// reads back 49999872 (whole pages), and the last step in the form a user types it: their
/// script, started in the group with cgexec, is killed while its `sleep` child is still in
/// the group, and `cgdelete memory:foo` (no -r) cleans up as libcgroup's does: the sleep
/// moves to the parent (the hierarchy root) and keeps running, the group is gone, nothing
/// is printed, exit 0.
#[test]
fn seed_article_part_one() {
    let Some(host) = host() else { return };
    if !host.has("memory") {
        return;
    }
    let foo = Top::new(&host, "foo");
    ok("cgcreate", &["-g", &format!("memory:{}", foo.name)]);
    let dir = host.dir("memory", &foo.name);
    assert!(dir.is_dir());
    let notes = ok_noted(
        "cgset",
        &["-r", "memory.limit_in_bytes=50000000", &foo.name],
    );
    match host.version("memory") {
        Version::V1 => {
            assert_eq!(notes, "");
            assert_eq!(read(&dir.join("memory.limit_in_bytes")), "49999872");
        }
        Version::V2 => {
            assert_eq!(
                notes,
                "cgset: note: translated to this host's cgroup version: \
                 memory.limit_in_bytes=50000000 -> memory.max=50000000\n"
            );
            assert_eq!(read(&dir.join("memory.max")), "49999872");
        }
    }
    let sleep = Orphan::left_by_a_killed_script(&format!("memory:{}", foo.name));
    assert_eq!(
        group_of(&host, sleep.pid(), "memory"),
        format!("/{}", foo.name)
    );
    assert!(sleep.alive());

    ok("cgdelete", &[&format!("memory:{}", foo.name)]);
    assert!(!dir.exists());
    assert!(sleep.alive(), "cgdelete never kills");
    assert_eq!(group_of(&host, sleep.pid(), "memory"), "/");
}

/// Groups in several controllers at once; cgdelete removes a group from every hierarchy
/// named (libcgroup removes it from the first only), in both spellings; a missing group is
/// exit 96 with libcgroup's message, and the remaining groups are still removed.
#[test]
fn create_in_several_controllers_and_delete_from_all() {
    let Some(host) = host() else { return };
    if !(host.has("cpu") && host.has("memory") && host.has("pids")) {
        return;
    }
    let top = Top::new(&host, "multi");
    ok("cgcreate", &["-g", &top.spec("cpu,memory,pids", "")]);
    ok(
        "cgcreate",
        &[
            "-g",
            &top.spec("cpu,memory", "a"),
            "-g",
            &top.spec("pids", "b"),
        ],
    );
    for controller in ["cpu", "memory"] {
        assert!(
            host.dir(controller, &top.path("a")).is_dir(),
            "{controller}"
        );
    }
    assert!(host.dir("pids", &top.path("b")).is_dir());

    ok("cgdelete", &["-g", &top.spec("cpu,memory", "a")]);
    for controller in ["cpu", "memory"] {
        assert!(
            !host.dir(controller, &top.path("a")).exists(),
            "{controller}"
        );
    }

    ok("cgcreate", &["-g", &top.spec("cpu,memory", "a")]);
    ok(
        "cgdelete",
        &[&top.spec("cpu", "a"), &top.spec("memory", "a")],
    );
    for controller in ["cpu", "memory"] {
        assert!(
            !host.dir(controller, &top.path("a")).exists(),
            "{controller}"
        );
    }

    // A missing group, then one that exists: both processed, the first error decides.
    let outcome = run(
        "cgdelete",
        &[&top.spec("memory", "missing"), &top.spec("pids", "b")],
    );
    assert!(!host.dir("pids", &top.path("b")).exists());
    insta::assert_snapshot!(host.redact(&outcome.transcript(), &top), @r"
    --- stderr
    cgdelete: cannot remove group '/[TOP]/missing': No such file or directory
    cgdelete: cannot remove group `/[TOP]/missing`: it does not exist ([MOUNT]/[TOP]/missing)
    --- exit Some(96)
    ");
}

/// `-g *:path` creates the group in every mounted controller's hierarchy, and cgdelete
/// takes it from all of them.
#[test]
fn every_controller_with_a_star() {
    let Some(host) = host() else { return };
    let top = Top::new(&host, "star");
    ok_noted("cgcreate", &["-g", &top.spec("*", "")]);
    let controllers: Vec<String> = host
        .cg
        .layout()
        .mounted_controllers()
        .map(str::to_string)
        .collect();
    for controller in &controllers {
        assert!(host.dir(controller, &top.path("")).is_dir(), "{controller}");
    }
    ok("cgdelete", &["-r", "-g", &top.spec("*", "")]);
    for controller in &controllers {
        assert!(
            !host.dir(controller, &top.path("")).exists(),
            "{controller}"
        );
    }
}

/// Owners and modes as libcgroup applies them on v1: requested bits limited by each
/// file's owner bits; the task owner on `tasks` and `cgroup.procs`. Running cgcreate again
/// on the group does not re-own it (libcgroup re-owns it to root). An unknown user is an
/// error before anything is created.
#[test]
fn owners_and_modes_on_v1_files() {
    let Some(host) = host() else { return };
    if !host.has("cpu") || host.version("cpu") != Version::V1 {
        eprintln!("skipping: needs cpu on cgroup v1");
        return;
    }
    let top = Top::new(&host, "perm");
    ok("cgcreate", &["-g", &top.spec("cpu", "")]);
    ok(
        "cgcreate",
        &[
            "-a",
            "65534:65534",
            "-t",
            "1:1",
            "-d",
            "750",
            "-f",
            "640",
            "-s",
            "600",
            "-g",
            &top.spec("cpu", "g"),
        ],
    );
    let dir = host.dir("cpu", &top.path("g"));
    let stat = |name: &str| {
        let m = fs::symlink_metadata(dir.join(name)).unwrap();
        (m.mode() & 0o7777, m.uid(), m.gid())
    };
    assert_eq!(stat(""), (0o750, 65534, 65534));
    assert_eq!(stat("tasks"), (0o600, 1, 1));
    assert_eq!(stat("cgroup.procs"), (0o600, 1, 1));
    assert_eq!(stat("cpu.shares"), (0o640, 65534, 65534));
    assert_eq!(
        stat("cpu.stat"),
        (0o440, 65534, 65534),
        "owner bits mask 640"
    );

    ok("cgcreate", &["-g", &top.spec("cpu", "g")]);
    assert_eq!(
        stat(""),
        (0o750, 65534, 65534),
        "an existing group keeps its owner"
    );
    assert_eq!(stat("tasks"), (0o600, 1, 1));

    let outcome = run(
        "cgcreate",
        &["-a", "cgtools-no-such-user", "-g", &top.spec("cpu", "u")],
    );
    assert_eq!(outcome.code, Some(129));
    assert_eq!(
        outcome.stderr.lines().next(),
        Some("cgcreate: can't find uid of user cgtools-no-such-user.")
    );
    assert!(!host.dir("cpu", &top.path("u")).exists());
}

/// The same on the v2 mount: the task owner gets `cgroup.procs` and `cgroup.threads`.
#[test]
fn owners_on_the_v2_mount() {
    let Some(host) = host() else { return };
    if host.cg.layout().unified().is_none() {
        eprintln!("skipping: no cgroup v2 mount");
        return;
    }
    let top = Top::new(&host, "perm2");
    ok("cgcreate", &["-g", &top.spec("", "")]);
    ok(
        "cgcreate",
        &[
            "-a",
            "65534:65534",
            "-t",
            "1:1",
            "-s",
            "664",
            "-g",
            &top.spec("", "g"),
        ],
    );
    let dir = host.dir("", &top.path("g"));
    let stat = |name: &str| {
        let m = fs::symlink_metadata(dir.join(name)).unwrap();
        (m.mode() & 0o7777, m.uid(), m.gid())
    };
    assert_eq!(stat("").1, 65534);
    assert_eq!(
        stat("cgroup.procs"),
        (0o664, 1, 1),
        "0644 owner bits allow rw for all"
    );
    assert_eq!(stat("cgroup.threads").1, 1);
    assert_eq!(stat("cgroup.type").1, 65534);
}

/// cgset: -R reaches the whole subtree, without -R only the group; --copy-from copies;
/// the other version's names are translated with a note.
#[test]
fn set_recursive_copy_from_and_translation() {
    let Some(host) = host() else { return };
    if !host.has("cpu") {
        return;
    }
    let (name, value, default, other, other_value) = match host.version("cpu") {
        Version::V1 => ("cpu.shares", "512", "1024", "cpu.weight", "50"),
        Version::V2 => ("cpu.weight", "50", "100", "cpu.shares", "512"),
    };
    let top = Top::new(&host, "set");
    ok_noted("cgcreate", &["-g", &top.spec("cpu", "")]);
    ok(
        "cgcreate",
        &["-g", &top.spec("cpu", "a/b"), "-g", &top.spec("cpu", "c")],
    );
    let file = |rest: &str| host.dir("cpu", &top.path(rest)).join(name);

    ok(
        "cgset",
        &["-R", "-r", &format!("{name}={value}"), &top.path("a")],
    );
    assert_eq!(read(&file("a")), value);
    assert_eq!(read(&file("a/b")), value);
    assert_eq!(read(&file("c")), default, "outside the subtree");

    ok(
        "cgset",
        &["-r", &format!("{name}={default}"), &top.path("a")],
    );
    assert_eq!(read(&file("a")), default);
    assert_eq!(read(&file("a/b")), value, "without -R only the group");

    ok("cgset", &["--copy-from", &top.path("a/b"), &top.path("c")]);
    assert_eq!(read(&file("c")), value);

    ok(
        "cgset",
        &["-r", &format!("{name}={default}"), &top.path("c")],
    );
    let notes = ok_noted(
        "cgset",
        &["-r", &format!("{other}={other_value}"), &top.path("c")],
    );
    assert_eq!(read(&file("c")), value);
    assert_eq!(
        notes,
        format!(
            "cgset: note: translated to this host's cgroup version: \
             {other}={other_value} -> {name}={value}\n"
        )
    );
    // Several groups in one call, and a recursive copy.
    ok(
        "cgset",
        &[
            "-r",
            &format!("{name}={default}"),
            &top.path("a/b"),
            &top.path("c"),
        ],
    );
    assert_eq!(read(&file("a/b")), default);
    assert_eq!(read(&file("c")), default);
    ok("cgset", &["-r", &format!("{name}={value}"), &top.path("c")]);
    ok(
        "cgset",
        &["-R", "--copy-from", &top.path("c"), &top.path("a")],
    );
    assert_eq!(read(&file("a")), value);
    assert_eq!(read(&file("a/b")), value);
}

/// What a user sees when the kernel refuses a value, the group or the setting is missing,
/// and that the first failure stops the command. pids.max has one name on v1 and v2, so the
/// messages are the same in every host mode.
#[test]
fn set_errors() {
    let Some(host) = host() else { return };
    if !host.has("pids") {
        return;
    }
    let top = Top::new(&host, "err");
    ok_noted("cgcreate", &["-g", &top.spec("pids", "")]);
    ok("cgcreate", &["-g", &top.spec("pids", "r")]);
    let transcript = |args: &[&str]| {
        let mut out = format!("$ cgset {}\n", args.join(" "));
        out.push_str(&run("cgset", args).transcript());
        host.redact(&out, &top)
    };
    let r = top.path("r");
    let missing = top.path("missing");
    let text = [
        transcript(&["-r", "pids.max=abc", &r]),
        transcript(&["-r", "pids.max=10", &missing]),
        transcript(&["-r", "pids.nope=1", &r]),
        transcript(&[
            "-r",
            "pids.max=10",
            "-r",
            "pids.nope=1",
            "-r",
            "pids.max=20",
            &r,
        ]),
        transcript(&["-r", "pids.max=30", &missing, &r]),
    ]
    .join("\n");
    insta::assert_snapshot!(text, @r"
    $ cgset -r pids.max=abc /[TOP]/r
    --- stderr
    cgset: cgroup modify error: Invalid argument
    cgset: kernel rejected value `abc` for `pids.max`: Invalid argument ([MOUNT]/[TOP]/r/pids.max)
    --- exit Some(96)

    $ cgset -r pids.max=10 /[TOP]/missing
    --- stderr
    cgset: cgroup modify error: Cgroup, requested group parameter does not exist
    cgset: cannot write group `/[TOP]/missing`: it does not exist ([MOUNT]/[TOP]/missing)
    cgset: hint: create it first: cgcreate -g pids:/[TOP]/missing
    --- exit Some(95)

    $ cgset -r pids.nope=1 /[TOP]/r
    --- stderr
    cgset: cgroup modify error: Cgroup, requested group parameter does not exist
    cgset: cannot write `pids.nope`: the group has no such setting ([MOUNT]/[TOP]/r/pids.nope)
    --- exit Some(95)

    $ cgset -r pids.max=10 -r pids.nope=1 -r pids.max=20 /[TOP]/r
    --- stderr
    cgset: cgroup modify error: Cgroup, requested group parameter does not exist
    cgset: cannot write `pids.nope`: the group has no such setting ([MOUNT]/[TOP]/r/pids.nope)
    --- exit Some(95)

    $ cgset -r pids.max=30 /[TOP]/missing /[TOP]/r
    --- stderr
    cgset: cgroup modify error: Cgroup, requested group parameter does not exist
    cgset: cannot write group `/[TOP]/missing`: it does not exist ([MOUNT]/[TOP]/missing)
    cgset: hint: create it first: cgcreate -g pids:/[TOP]/missing
    --- exit Some(95)
    ");
    assert_eq!(
        read(&host.dir("pids", &r).join("pids.max")),
        "10",
        "settings after a failure are not written, nor later groups"
    );
}

/// cgroup.subtree_control tokens: applied one by one; with -R `+` top-down and `-`
/// bottom-up through the groups that have children, leaves skipped.
#[test]
fn subtree_control_tokens() {
    let Some(host) = host() else { return };
    let Some(v2) = host.cg.layout().unified() else {
        eprintln!("skipping: no cgroup v2 mount");
        return;
    };
    let offered = v2.controllers();
    let Some(controller) = ["pids", "memory", "hugetlb"]
        .into_iter()
        .find(|c| offered.iter().any(|o| o == c))
        .or_else(|| offered.first().map(String::as_str))
    else {
        eprintln!("skipping: the v2 mount serves no controller");
        return;
    };
    if host.version(controller) != Version::V2 {
        eprintln!("skipping: `{controller}` is served by a v1 hierarchy here");
        return;
    }
    let controller = controller.to_string();
    let top = Top::new(&host, "subtree");
    ok_noted("cgcreate", &["-g", &top.spec(&controller, "")]);
    ok("cgcreate", &["-g", &top.spec("", "a/b")]);
    let enabled = |rest: &str| {
        read(&host.dir("", &top.path(rest)).join("cgroup.subtree_control"))
            .split_whitespace()
            .any(|c| c == controller)
    };
    let rule = |sign: char| format!("cgroup.subtree_control={sign}{controller}");

    ok("cgset", &["-R", "-r", &rule('+'), &top.path("")]);
    assert!(enabled("") && enabled("a"));
    assert!(!enabled("a/b"), "leaves are skipped");
    let offered_to_b = read(&host.dir("", &top.path("a/b")).join("cgroup.controllers"));
    assert!(offered_to_b.split_whitespace().any(|c| c == controller));

    ok("cgset", &["-R", "-r", &rule('-'), &top.path("")]);
    assert!(!enabled("") && !enabled("a"), "disabled bottom-up");

    // Tokens go one by one: the good one stays when the next one fails.
    ok("cgset", &["-r", &rule('+'), &top.path("")]);
    let outcome = run(
        "cgset",
        &[
            "-r",
            &format!("cgroup.subtree_control=+{controller} +cgtools_bogus"),
            &top.path("a"),
        ],
    );
    assert_ne!(outcome.code, Some(0));
    assert!(
        outcome.stderr.starts_with("cgset: cgroup modify error: "),
        "{}",
        outcome.stderr
    );
    assert!(enabled("a"));
}

/// cgdelete without -r on a group that still has a task does what libcgroup's does: the
/// task moves to the group's parent and keeps running, the group is removed, nothing is
/// printed, exit 0. On v2 a parent that enables controllers for its child groups cannot
/// hold processes: the task climbs to the nearest ancestor that can (here the root, as the
/// top group enables the controller too) and one note on stderr says how many went where
/// and why. Run with memory (v1 on a hybrid host, v2 in the VM lane) and, on a hybrid
/// host, with the v2 mount's hugetlb too, so that both lanes see both cases.
#[test]
fn delete_moves_the_tasks_to_the_parent() {
    let Some(host) = host() else { return };
    let served_by = |controller: &str, version: Version| {
        host.cg.hierarchy_for(controller).is_ok() && host.version(controller) == version
    };
    let mut controllers = Vec::new();
    if host.has("memory") {
        controllers.push("memory");
    }
    if !served_by("memory", Version::V2) && served_by("hugetlb", Version::V2) {
        controllers.push("hugetlb");
    }
    if !controllers.iter().any(|c| host.version(c) == Version::V2) {
        let why = "skipping the v2 part: neither memory nor hugetlb is served by cgroup v2";
        assert!(
            std::env::var("CGTOOLS_TEST_LANE").as_deref() != Ok("vm"),
            "{why}"
        );
        eprintln!("{why}");
    }
    for controller in controllers {
        let top = Top::new(&host, "del");
        // Directly under the root: may enable the controller there (with a note).
        ok_noted("cgcreate", &["-g", &top.spec(controller, "")]);
        ok("cgcreate", &["-g", &top.spec(controller, "a/b")]);
        let b = host.dir(controller, &top.path("a/b"));
        let mut sleeper = Sleeper::spawn();
        fs::write(b.join("cgroup.procs"), sleeper.pid().to_string()).unwrap();
        assert_eq!(sleeper.group(&host, controller), top.path("a/b"));

        let outcome = run("cgdelete", &[&top.spec(controller, "a/b")]);
        let transcript = host.redact(&outcome.transcript(), &top);
        assert!(!b.exists(), "{controller}: {transcript}");
        assert!(sleeper.alive(), "{controller}: cgdelete never kills");
        match host.version(controller) {
            Version::V1 => {
                assert_eq!(transcript, "--- exit Some(0)\n", "{controller}");
                assert_eq!(sleeper.group(&host, controller), top.path("a"));
            }
            Version::V2 => {
                assert_eq!(
                    transcript,
                    "--- stderr\n\
                     cgdelete: note: moved 1 task(s) of /[TOP]/a/b to /, the nearest group above \
                     it that can hold processes: its parent /[TOP]/a enables controllers for its \
                     child groups\n\
                     --- exit Some(0)\n",
                    "{controller}"
                );
                assert_eq!(sleeper.group(&host, controller), "/");
            }
        }
    }
}

/// A group with child groups is refused without -r, with libcgroup's line and status
/// ("Device or resource busy", 96), our reason and a hint, and before any task moves
/// (libcgroup moves the group's tasks to the parent first and then fails, leaving the work
/// half done). -r removes the child groups too, moving the tasks to the parent. Nothing is
/// ever killed.
#[test]
fn delete_refuses_child_groups_before_moving_a_task() {
    let Some(host) = host() else { return };
    // A v1 memory hierarchy if there is one, else a controller-less v2 group, which may
    // hold processes and have child groups at once.
    let controller =
        if host.cg.hierarchy_for("memory").is_ok() && host.version("memory") == Version::V1 {
            "memory"
        } else if host.cg.layout().unified().is_some() {
            ""
        } else {
            eprintln!("skipping: neither v1 memory nor a v2 mount");
            return;
        };
    let top = Top::new(&host, "kids");
    ok(
        "cgcreate",
        &[
            "-g",
            &top.spec(controller, "a/c"),
            "-g",
            &top.spec(controller, "e/f"),
        ],
    );
    let mut sleeper = Sleeper::spawn();
    let a = host.dir(controller, &top.path("a"));
    fs::write(a.join("cgroup.procs"), sleeper.pid().to_string()).unwrap();

    let outcome = run(
        "cgdelete",
        &[&top.spec(controller, "a"), &top.spec(controller, "e")],
    );
    insta::assert_snapshot!(host.redact(&outcome.transcript(), &top), @r"
    --- stderr
    cgdelete: cannot remove group '/[TOP]/a': Device or resource busy
    cgdelete: cannot remove group `/[TOP]/a`: it still has 1 task(s) and 1 child group(s) ([MOUNT]/[TOP]/a)
    cgdelete: hint: use -r to remove its child groups too (its tasks and theirs then move to the parent group); none of its tasks was moved
    cgdelete: cannot remove group '/[TOP]/e': Device or resource busy
    cgdelete: cannot remove group `/[TOP]/e`: it still has 0 task(s) and 1 child group(s) ([MOUNT]/[TOP]/e)
    cgdelete: hint: use -r to remove its child groups too (their tasks move to the parent group)
    --- exit Some(96)
    ");
    for group in ["a", "a/c", "e", "e/f"] {
        assert!(host.dir(controller, &top.path(group)).is_dir(), "{group}");
    }
    assert!(sleeper.alive());
    assert_eq!(
        sleeper.group(&host, controller),
        top.path("a"),
        "nothing moved"
    );

    ok("cgdelete", &["-r", &top.spec(controller, "a")]);
    assert!(!a.exists());
    assert!(sleeper.alive(), "cgdelete -r never kills");
    assert_eq!(sleeper.group(&host, controller), top.path(""));
}

/// cgxset: names in the other version's vocabulary are converted; one without a
/// counterpart fails with exit 111 unless -i leaves it out.
#[test]
fn cgxset_converts_and_ignores_unmappable() {
    let Some(host) = host() else { return };
    if !host.has("memory") {
        return;
    }
    let (flag, limit, unmappable, native) = match host.version("memory") {
        Version::V1 => (
            "-2",
            "memory.max",
            "memory.swap.max=0",
            "memory.limit_in_bytes",
        ),
        Version::V2 => (
            "-1",
            "memory.limit_in_bytes",
            "memory.swappiness=5",
            "memory.max",
        ),
    };
    let top = Top::new(&host, "x");
    ok_noted("cgcreate", &["-g", &top.spec("memory", "")]);
    let file = host.dir("memory", &top.path("")).join(native);

    ok(
        "cgxset",
        &[flag, "-r", &format!("{limit}=64M"), &top.path("")],
    );
    assert_eq!(read(&file), "67108864");

    let outcome = run("cgxset", &[flag, "-r", unmappable, &top.path("")]);
    assert_eq!(outcome.code, Some(111), "{}", outcome.stderr);
    assert!(outcome.stderr.starts_with(
        "cgxset: cgroup modify error: Failed to convert from cgroup v1 to/from cgroup v2\n"
    ));

    let notes = ok_noted(
        "cgxset",
        &[
            flag,
            "-i",
            "-r",
            unmappable,
            "-r",
            &format!("{limit}=32M"),
            &top.path(""),
        ],
    );
    assert!(notes.starts_with("cgxset: note: skipped: "), "{notes}");
    assert_eq!(read(&file), "33554432");
}

/// An unknown controller is libcgroup's exit 84 for cgcreate and cgdelete alike.
#[test]
fn unknown_controllers() {
    let Some(host) = host() else { return };
    let top = Top::new(&host, "unknown");
    let outcome = run("cgcreate", &["-g", &top.spec("cgtools_nope", "")]);
    assert_eq!(outcome.code, Some(84));
    assert!(outcome.stderr.starts_with(&format!(
        "cgcreate: can't create cgroup {}: Cgroup one of the needed subsystems is not mounted\n",
        top.path("")
    )));
    let outcome = run("cgdelete", &[&top.spec("cgtools_nope", "")]);
    assert_eq!(outcome.code, Some(84));
}
