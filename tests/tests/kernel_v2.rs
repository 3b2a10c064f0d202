//! Pure cgroup v2 as the real kernel implements it: the rules the backend and the tools build
//! on, asserted with raw reads and writes under `/sys/fs/cgroup`, so that a kernel whose
//! behaviour differs from what we assume shows up here and not as a puzzling tool bug.
//!
//! These tests need root on a pure v2 host (cgroup2 at `/sys/fs/cgroup`, no v1 hierarchy),
//! as the mount table says (`tests/support`). The VM lane (`tests/vm/run.sh`) boots such a
//! kernel; on any other host every test skips with a counted reason, except in the VM lane
//! (`CGTOOLS_TEST_LANE=vm`), where a skip would hide a broken lane and fails instead.
//!
//! Each test works under its own top-level group `cgtools-test-<pid>-<n>`, removed by the
//! shared guard even when the test fails, and moves and kills only processes it spawned
//! itself.

// A failed step should fail the test at once, with the path and value in the message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use nix::errno::Errno;
use nix::sys::signal::Signal;
use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};
use test_support::{in_vm, need, skip, Host, Skip, TestGroups};

const ROOT: &str = "/sys/fs/cgroup";

/// Waits in these tests are for the kernel, which is quick, but the VM lane may run under
/// qemu's emulation (TCG), many times slower than the host.
const PATIENCE: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------
// Host detection and skipping
// ---------------------------------------------------------------------------------------

/// The top-level group of a test, with `controllers` available to its children; or why
/// this host cannot run the test.
fn setup(controllers: &[&str]) -> Result<Group, Skip> {
    let host = Host::for_test()?;
    if let Some(v1) = host.mounts.iter().find(|m| !m.v2) {
        return Err(Skip::because(format!(
            "not a pure cgroup v2 host: cgroup v1 is mounted at {} ({} in all)",
            v1.path.display(),
            host.mounts.iter().filter(|m| !m.v2).count()
        )));
    }
    let unified = host.unified()?;
    if unified.path != root() {
        return Err(Skip::because(format!("cgroup2 is not mounted at {ROOT}")));
    }
    let missing: Vec<_> = controllers.iter().filter(|c| !unified.has(c)).collect();
    if !missing.is_empty() {
        return Err(Skip::because(format!(
            "controllers {missing:?} are not available"
        )));
    }
    enable_at_root(controllers);
    let group = Group::create(&host);
    if !controllers.is_empty() {
        enable(group.path(), controllers);
    }
    Ok(group)
}

/// Makes `controllers` available to top-level groups. A booted system (systemd, or the VM's
/// init) has done this already; a bare kernel has not. The root has no no-internal-process
/// rule, and what is enabled stays enabled: other tests may be using it by now.
fn enable_at_root(controllers: &[&str]) {
    let file = root().join("cgroup.subtree_control");
    let enabled = words(&read(&file));
    for c in controllers.iter().filter(|c| !enabled.contains(**c)) {
        // Concurrent tests may race to enable the same controller; both writes succeed.
        write(&file, &format!("+{c}"))
            .unwrap_or_else(|e| panic!("enabling {c} in {}: {e}", file.display()));
    }
}

// ---------------------------------------------------------------------------------------
// Groups and processes owned by a test
// ---------------------------------------------------------------------------------------

fn root() -> PathBuf {
    PathBuf::from(ROOT)
}

/// A top-level group that this test created under a name nobody else uses. Its guard
/// removes it and every group below it (bottom-up) on drop, also when the test fails.
struct Group {
    path: PathBuf,
    _guard: TestGroups,
}

impl Group {
    fn create(host: &Host) -> Group {
        let guard = TestGroups::new(host);
        let path = root().join(&guard.prefix);
        // Not create_dir_all: a group that exists already is someone else's.
        fs::create_dir(&path).unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
        Group {
            path,
            _guard: guard,
        }
    }

    fn path(&self) -> &Path {
        &self.path
    }

    /// Creates the group `rel` below this one (its parent must exist).
    fn mkdir(&self, rel: &str) -> PathBuf {
        let path = self.path.join(rel);
        fs::create_dir(&path).unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
        path
    }
}

/// A process this test spawned: `cgtools-e2e-helper` (`tests/src/bin`) in the given mode.
/// Dropping it kills and reaps it, so that its group can be removed; it never signals
/// anything else.
struct Helper {
    child: std::process::Child,
}

impl Helper {
    fn spawn(mode: &str) -> Helper {
        let child = Command::new(test_support::bin("cgtools-e2e-helper"))
            .arg(mode)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        Helper { child }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Moves the whole process into `group`.
    fn move_to(&self, group: &Path) {
        set(&group.join("cgroup.procs"), &self.pid().to_string());
    }

    /// Lets a helper that waits for a line on its stdin go on.
    fn go(&mut self) {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(b"go\n").unwrap();
        stdin.flush().unwrap();
    }

    fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "helper {} still runs after {PATIENCE:?}",
                self.pid()
            );
            sleep(Duration::from_millis(10));
        }
    }

    /// The thread ids of the helper, once it has `n` threads.
    fn threads(&self, n: usize) -> Vec<u32> {
        let dir = format!("/proc/{}/task", self.pid());
        let mut tids = Vec::new();
        wait_for(&format!("{n} threads in {dir}"), || {
            tids = fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().parse().unwrap())
                .collect();
            tids.len() >= n
        });
        tids
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        // `kill` does nothing once the child is reaped, so a recycled pid is never hit.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// Reading and writing cgroup files
// ---------------------------------------------------------------------------------------

/// Writes `value` with a single write(2) without creating or truncating, as the kernel
/// expects of cgroup files.
fn write(path: &Path, value: &str) -> io::Result<()> {
    let mut file = fs::OpenOptions::new().write(true).open(path)?;
    let n = file.write(value.as_bytes())?;
    if n != value.len() {
        return Err(io::Error::other(format!(
            "short write: {n} of {} bytes",
            value.len()
        )));
    }
    Ok(())
}

fn set(path: &Path, value: &str) {
    write(path, value).unwrap_or_else(|e| panic!("writing `{value}` to {}: {e}", path.display()));
}

/// The errno of a write that the kernel must refuse.
fn refused(path: &Path, value: &str) -> Errno {
    match write(path, value) {
        Ok(()) => panic!("the kernel accepted `{value}` in {}", path.display()),
        Err(e) => errno(&e),
    }
}

fn errno(e: &io::Error) -> Errno {
    Errno::from_raw(e.raw_os_error().unwrap_or(0))
}

fn read(path: &Path) -> String {
    let text =
        fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.trim_end().to_string()
}

fn words(text: &str) -> BTreeSet<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// The value of `key` in a flat keyed file such as `cgroup.events` (`<key> <value>` lines).
fn keyed(path: &Path, key: &str) -> Option<String> {
    read(path).lines().find_map(|line| {
        let (k, v) = line.split_once(' ')?;
        (k == key).then(|| v.to_string())
    })
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "waited {PATIENCE:?} for {what}");
        sleep(Duration::from_millis(10));
    }
}

fn enable(group: &Path, controllers: &[&str]) {
    let change: Vec<_> = controllers.iter().map(|c| format!("+{c}")).collect();
    set(&group.join("cgroup.subtree_control"), &change.join(" "));
}

fn set_of(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------

#[test]
fn controllers_are_enabled_top_down_through_subtree_control() {
    let top = need!(setup(&["memory", "pids"]));
    let a = top.mkdir("a");
    let b = top.mkdir("a/b");
    // `setup` enabled both in the top group, so they reach `a`, not `b`.
    assert_eq!(
        words(&read(&a.join("cgroup.controllers"))),
        set_of(&["memory", "pids"])
    );
    assert!(a.join("memory.max").exists());
    assert_eq!(read(&b.join("cgroup.controllers")), "");
    assert!(!b.join("memory.max").exists());

    // A group can only pass on what its parent gave it.
    let c = top.mkdir("a/b/c");
    assert_eq!(
        refused(&b.join("cgroup.subtree_control"), "+memory"),
        Errno::ENOENT
    );
    set(&a.join("cgroup.subtree_control"), "+memory");
    assert_eq!(read(&b.join("cgroup.controllers")), "memory");
    set(&b.join("cgroup.subtree_control"), "+memory");
    assert_eq!(read(&c.join("cgroup.controllers")), "memory");
    assert_eq!(read(&c.join("memory.max")), "max");

    // And takes back nothing a child still passes on: disabling goes bottom-up.
    assert_eq!(
        refused(&a.join("cgroup.subtree_control"), "-memory"),
        Errno::EBUSY
    );
    set(&b.join("cgroup.subtree_control"), "-memory");
    set(&a.join("cgroup.subtree_control"), "-memory");
    assert_eq!(read(&b.join("cgroup.controllers")), "");
    assert!(!c.join("memory.max").exists());
}

#[test]
fn memory_max_and_high_are_written_and_read_back() {
    let top = need!(setup(&["memory"]));
    let g = top.mkdir("g");
    let max = g.join("memory.max");
    let high = g.join("memory.high");
    assert_eq!(read(&max), "max");
    assert_eq!(read(&high), "max");

    // Limits are whole pages, rounded down.
    set(&max, "50000000");
    assert_eq!(read(&max), "49999872");
    set(&max, "64M");
    assert_eq!(read(&max), "67108864");
    set(&high, "48M");
    assert_eq!(read(&high), "50331648");
    set(&max, "max");
    assert_eq!(read(&max), "max");

    // v1's "-1" for no limit is not v2 vocabulary: the backend translates it.
    assert_eq!(refused(&max, "-1"), Errno::EINVAL);
    assert_eq!(refused(&high, "lots"), Errno::EINVAL);
}

#[test]
fn cpu_weight_and_max_are_written_and_read_back() {
    let top = need!(setup(&["cpu"]));
    let g = top.mkdir("g");
    let weight = g.join("cpu.weight");
    let max = g.join("cpu.max");
    assert_eq!(read(&weight), "100");
    assert_eq!(read(&max), "max 100000");

    set(&weight, "250");
    assert_eq!(read(&weight), "250");
    // The range is 1..=10000; v1's cpu.shares range is not.
    assert_eq!(refused(&weight, "0"), Errno::ERANGE);
    assert_eq!(refused(&weight, "10001"), Errno::ERANGE);

    set(&max, "50000 200000");
    assert_eq!(read(&max), "50000 200000");
    // The period alone may be left out: the last one stays.
    set(&max, "25000");
    assert_eq!(read(&max), "25000 200000");
    set(&max, "max");
    assert_eq!(read(&max), "max 200000");

    // A new group's quota alone keeps the default period (what a v1 config's
    // `cpu.cfs_quota_us` alone becomes for a group it creates).
    let fresh = top.mkdir("fresh");
    set(&fresh.join("cpu.max"), "50000");
    assert_eq!(read(&fresh.join("cpu.max")), "50000 100000");
}

#[test]
fn pids_max_is_written_and_read_back() {
    let top = need!(setup(&["pids"]));
    let g = top.mkdir("g");
    let max = g.join("pids.max");
    assert_eq!(read(&max), "max");
    set(&max, "42");
    assert_eq!(read(&max), "42");
    set(&max, "max");
    assert_eq!(read(&max), "max");
    assert_eq!(refused(&max, "-1"), Errno::EINVAL);
}

#[test]
fn io_weight_is_written_and_read_back() {
    let top = need!(setup(&["io"]));
    let g = top.mkdir("g");
    let weight = g.join("io.weight");
    if !weight.exists() {
        // io.weight comes from the iocost policy (CONFIG_BLK_CGROUP_IOCOST).
        assert!(!in_vm(), "the VM kernel has no io.weight");
        skip!("the kernel has no io.weight (no iocost policy)");
    }
    assert_eq!(read(&weight), "default 100");
    set(&weight, "default 250");
    assert_eq!(read(&weight), "default 250");
    assert_eq!(refused(&weight, "default 0"), Errno::EINVAL);

    // A weight for one device needs a block device, which the VM lane provides (null_blk)
    // and a host may not. In the VM lane its absence is a failure: `insmod null_blk` failed.
    let Some((name, dev)) = block_device() else {
        assert!(
            !in_vm(),
            "the VM lane has no block device: `insmod null_blk` failed (see the CGTOOLS-VM lines of target/vm/console.log)"
        );
        skip!("no block device, so no per-device io.weight");
    };
    assert!(
        !in_vm() || name.starts_with("nullb"),
        "the VM lane's block device should be null_blk's, not {name}"
    );
    // Per-device weights exist only where iocost is switched on for the device, in the
    // root's io.cost.qos: a machine-wide setting, changed only for the VM's scratch device.
    if in_vm() && name.starts_with("nullb") {
        set(&root().join("io.cost.qos"), &format!("{dev} enable=1"));
    }
    match write(&weight, &format!("{dev} 300")) {
        Ok(()) => {
            let lines = read(&weight);
            assert!(
                lines.lines().any(|l| l == format!("{dev} 300")),
                "io.weight after setting {dev} 300:\n{lines}"
            );
            set(&weight, &format!("{dev} default"));
            assert_eq!(read(&weight), "default 250");
        }
        Err(e) if errno(&e) == Errno::EOPNOTSUPP && !in_vm() => {
            skip!("iocost is not enabled for {name} ({dev})");
        }
        Err(e) => panic!("writing `{dev} 300` to {}: {e}", weight.display()),
    }
}

/// The name and `MAJ:MIN` of a block device, if the machine has one.
fn block_device() -> Option<(String, String)> {
    let mut devices: Vec<_> = fs::read_dir("/sys/block").ok()?.flatten().collect();
    devices.sort_by_key(|e| e.file_name());
    devices
        .iter()
        // Unused loop devices and the like have no size.
        .filter(|e| read(&e.path().join("size")) != "0")
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, read(&e.path().join("dev")))
        })
        .next()
}

#[test]
fn no_internal_processes_where_domain_controllers_are_enabled() {
    let top = need!(setup(&["memory", "pids"]));
    let inner = top.mkdir("inner");
    let leaf = top.mkdir("inner/leaf");
    enable(&inner, &["memory"]);
    let helper = Helper::spawn("wait");
    assert_eq!(
        refused(&inner.join("cgroup.procs"), &helper.pid().to_string()),
        Errno::EBUSY
    );
    helper.move_to(&leaf);
    assert_eq!(read(&leaf.join("cgroup.procs")), helper.pid().to_string());

    // The other way round: a group with a process cannot hand a domain controller down.
    let busy = top.mkdir("busy");
    top.mkdir("busy/child");
    helper.move_to(&busy);
    assert_eq!(
        refused(&busy.join("cgroup.subtree_control"), "+memory"),
        Errno::EBUSY
    );

    // Threaded controllers alone do not make a group internal: it may still become a
    // thread root, so it takes processes.
    let mixed = top.mkdir("mixed");
    top.mkdir("mixed/child");
    enable(&mixed, &["pids"]);
    helper.move_to(&mixed);
    assert_eq!(read(&mixed.join("cgroup.procs")), helper.pid().to_string());
}

#[test]
fn threaded_groups_take_single_threads() {
    let top = need!(setup(&["memory", "pids", "cpu"]));
    let domain = top.mkdir("domain");
    let threads = top.mkdir("domain/threads");
    assert_eq!(read(&domain.join("cgroup.type")), "domain");
    assert_eq!(read(&threads.join("cgroup.type")), "domain");

    set(&threads.join("cgroup.type"), "threaded");
    assert_eq!(read(&threads.join("cgroup.type")), "threaded");
    assert_eq!(read(&domain.join("cgroup.type")), "domain threaded");
    // Becoming threaded is one-way.
    assert_eq!(
        refused(&threads.join("cgroup.type"), "domain"),
        Errno::EINVAL
    );

    // Below a thread root only threaded controllers can be enabled.
    assert_eq!(
        refused(&domain.join("cgroup.subtree_control"), "+memory"),
        Errno::EOPNOTSUPP
    );
    enable(&domain, &["pids", "cpu"]);
    assert_eq!(
        words(&read(&threads.join("cgroup.controllers"))),
        set_of(&["cpu", "pids"])
    );

    // A process joins the thread root, then one of its threads moves on alone.
    let helper = Helper::spawn("threads");
    let pid = helper.pid();
    let tid = helper
        .threads(2)
        .into_iter()
        .find(|&t| t != pid)
        .expect("the helper has a second thread");
    helper.move_to(&domain);
    set(&threads.join("cgroup.threads"), &tid.to_string());
    assert_eq!(read(&threads.join("cgroup.threads")), tid.to_string());
    let left = words(&read(&domain.join("cgroup.threads")));
    assert!(left.contains(&pid.to_string()) && !left.contains(&tid.to_string()));
    // Processes belong to the thread root: only it lists them.
    assert_eq!(read(&domain.join("cgroup.procs")), pid.to_string());
    let procs = threads.join("cgroup.procs");
    match fs::read_to_string(&procs) {
        Ok(text) => panic!("{} read {text:?}", procs.display()),
        Err(e) => assert_eq!(errno(&e), Errno::EOPNOTSUPP),
    }

    // Threads move only within their threaded subtree.
    let elsewhere = top.mkdir("elsewhere");
    assert_eq!(
        refused(&elsewhere.join("cgroup.threads"), &tid.to_string()),
        Errno::EOPNOTSUPP
    );
}

#[test]
fn a_frozen_group_reads_frozen_in_cgroup_events() {
    let top = need!(setup(&[]));
    let g = top.mkdir("g");
    let events = g.join("cgroup.events");
    let helper = Helper::spawn("wait");
    helper.move_to(&g);
    assert_eq!(keyed(&events, "populated").as_deref(), Some("1"));
    assert_eq!(keyed(&events, "frozen").as_deref(), Some("0"));

    set(&g.join("cgroup.freeze"), "1");
    wait_for("frozen 1 in cgroup.events", || {
        keyed(&events, "frozen").as_deref() == Some("1")
    });
    assert_eq!(read(&g.join("cgroup.freeze")), "1");

    set(&g.join("cgroup.freeze"), "0");
    wait_for("frozen 0 in cgroup.events", || {
        keyed(&events, "frozen").as_deref() == Some("0")
    });
}

/// What cgroup v2 keeps of the v1 controllers it has no controller for, which is why a
/// cgconfig.conf block of one names a group with nothing to enable (`docs/compat.md`):
/// a group with no controller enabled has the freezer (`cgroup.freeze`) and CPU usage
/// (`cpu.stat`, cpuacct's statistics), perf_event works without being listed, and none of
/// them is a controller one could enable.
#[test]
fn v1_only_controllers_leave_files_in_every_group_and_nothing_to_enable() {
    let top = need!(setup(&[]));
    let g = top.mkdir("g");
    assert_eq!(read(&g.join("cgroup.controllers")), "");
    assert_eq!(read(&g.join("cgroup.freeze")), "0");
    let stat = read(&g.join("cpu.stat"));
    assert!(stat.lines().any(|l| l.starts_with("usage_usec ")), "{stat}");
    let listed = words(&read(&root().join("cgroup.controllers")));
    for c in [
        "freezer",
        "cpuacct",
        "perf_event",
        "devices",
        "net_cls",
        "net_prio",
        "blkio",
    ] {
        assert!(!listed.contains(c), "{c} is listed: {listed:?}");
        // EINVAL: no v2 controller of that name; ENOENT: perf_event, implicitly on.
        let errno = refused(&top.path().join("cgroup.subtree_control"), &format!("+{c}"));
        assert!(
            matches!(errno, Errno::EINVAL | Errno::ENOENT),
            "+{c}: {errno}"
        );
    }
}

#[test]
fn cgroup_kill_kills_every_process_of_the_subtree() {
    let top = need!(setup(&[]));
    let g = top.mkdir("g");
    let sub = top.mkdir("g/sub");
    let mut first = Helper::spawn("wait");
    let mut second = Helper::spawn("wait");
    first.move_to(&g);
    second.move_to(&sub);

    set(&g.join("cgroup.kill"), "1");
    for helper in [&mut first, &mut second] {
        let status = helper.wait();
        assert_eq!(status.signal(), Some(Signal::SIGKILL as i32), "{status}");
    }
    wait_for("populated 0 in cgroup.events", || {
        keyed(&g.join("cgroup.events"), "populated").as_deref() == Some("0")
    });
}

#[test]
fn a_process_over_memory_max_is_oom_killed() {
    let top = need!(setup(&["memory"]));
    let g = top.mkdir("g");
    set(&g.join("memory.max"), "32M");
    // Where there is swap, the limit would only push the helper into it.
    if g.join("memory.swap.max").exists() {
        set(&g.join("memory.swap.max"), "0");
    }
    let mut helper = Helper::spawn("alloc");
    helper.move_to(&g);
    helper.go();
    let status = helper.wait();
    assert_eq!(
        status.signal(),
        Some(Signal::SIGKILL as i32),
        "the helper touched 1 GiB in a group limited to 32 MiB and ended with {status}"
    );
    let events = g.join("memory.events");
    let oom_kills: u64 = keyed(&events, "oom_kill").unwrap().parse().unwrap();
    assert!(
        oom_kills >= 1,
        "memory.events after the kill:\n{}",
        read(&events)
    );
}
