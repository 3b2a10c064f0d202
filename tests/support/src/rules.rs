//! What the suites of the rules engine share (cgconfigd's `kernel_rules_engine`,
//! `kernel_cgrulesengd`): programs whose names only one test process uses, the processes
//! started from them (killed and reaped on drop), and waiting for one to reach its group.
//!
//! A rules engine classifies every process of the host, so a test's rules must match only
//! processes the test starts: each names a program `PREFIX-<test pid>-WHAT`, a hard link to
//! the workspace's `cgtools-e2e-helper` (tests/src/bin), so that its `comm` and the last
//! component of its `argv[0]` are that name. The VM lane's `sleep` is busybox, which knows
//! no applet by another name; a link, unlike a copy, is never open for writing while
//! another test forks (ETXTBSY).

use std::fs;
use std::path::PathBuf;
use std::process::Child;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The program `name` (see the module documentation): a hard link to the helper in the
/// directory `dir` beside it, made on first use.
pub fn named_program(dir: &str, name: &str) -> PathBuf {
    let helper = crate::bin("cgtools-e2e-helper");
    let dir = helper.with_file_name(dir);
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("making {}: {e}", dir.display()));
    let path = dir.join(name);
    match fs::hard_link(&helper, &path) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
            panic!("linking {} to {}: {e}", path.display(), helper.display())
        }
        _ => path,
    }
}

/// Processes a test started: killed and reaped on drop.
#[derive(Debug, Default)]
pub struct Reaped(pub Vec<Child>);

impl Drop for Reaped {
    fn drop(&mut self) {
        for c in &mut self.0 {
            // Once reaped, `kill` does nothing: a recycled pid is never hit.
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// `/proc/PID/cgroup` (empty once the process is gone).
pub fn cgroup_of(pid: u32) -> String {
    fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default()
}

/// The cgroup v2 line of `/proc/PID/cgroup` (`0::/...`).
pub fn v2_line(pid: u32) -> Option<String> {
    cgroup_of(pid)
        .lines()
        .find(|l| l.starts_with("0::"))
        .map(str::to_string)
}

/// Waits until `/proc/PID/cgroup` has the line `line` (`0::/...`); after `timeout` fails
/// with where the process is and `context()` (the daemon's log).
pub fn wait_in_group(pid: u32, line: &str, timeout: Duration, context: impl Fn() -> String) {
    let start = Instant::now();
    loop {
        let now = cgroup_of(pid);
        if now.lines().any(|l| l == line) {
            return;
        }
        assert!(
            start.elapsed() < timeout,
            "pid {pid} not in {line}: {now}\nlog:\n{}",
            context()
        );
        sleep(Duration::from_millis(5));
    }
}

/// Whether `pid` runs (not gone, not a zombie waiting for its parent).
pub fn is_running(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X'))
    })
}
