//! Processes a test spawned: the only ones it may move or kill, always reaped.

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// A process this test spawned; killed and reaped on drop, never anything else.
#[derive(Debug)]
pub struct Spawned {
    /// The child.
    pub child: Child,
}

impl Spawned {
    /// Spawns `command` with its stdin closed.
    pub fn new(mut command: Command) -> Spawned {
        let child = command
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {command:?}: {e}"));
        Spawned { child }
    }

    /// `sleep 300`.
    pub fn sleeper() -> Spawned {
        let mut c = Command::new("sleep");
        c.arg("300");
        Spawned::new(c)
    }

    /// A process with `n` threads besides its main thread, once they all run: the
    /// workspace's `cgtools-e2e-threads` helper (no interpreter needed, so it runs in the
    /// VM lane too).
    pub fn threaded(n: usize) -> Spawned {
        let mut c = Command::new(crate::bin("cgtools-e2e-threads"));
        c.arg(n.to_string()).stdout(Stdio::piped());
        let mut spawned = Spawned::new(c);
        let stdout = spawned.child.stdout.take().expect("stdout is piped");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("reading the helper's output");
        assert_eq!(line.trim(), "ready", "the threads helper did not start");
        spawned
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it still runs.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits up to `timeout` for it to end; its exit status if it did.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        // Once reaped, `kill` does nothing: a recycled pid is never hit.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every thread id of `pid`, sorted as text.
pub fn threads_of(pid: u32) -> Vec<String> {
    let mut tids: Vec<String> = fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap_or_else(|e| panic!("reading /proc/{pid}/task: {e}"))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    tids.sort();
    tids
}
