//! A cgconfigd started by a test: its sd_notify messages and its log collected as they
//! come, killed and reaped on drop.

use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// Notify sockets of this test process get distinct names.
static SOCKETS: AtomicUsize = AtomicUsize::new(0);

/// How a test starts a daemon.
pub struct DaemonCommand<'a> {
    /// The binary (usually `bin("cgconfigd")`).
    pub binary: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// A directory of the test's own where the notify socket is made.
    pub socket_dir: &'a Path,
    /// With `Some`, a shell first moves itself (the daemon-to-be) into those `cgroup.procs`
    /// files, as systemd would have started it in a unit's cgroup.
    pub enter: Option<&'a [PathBuf]>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// With `Some`, the daemon runs in a new network namespace (`unshare -n`), where this
    /// shell script (`ip link add br0 type bridge; ...`) runs first: a test's interfaces
    /// never touch the host's network namespace. The script failing fails the start (the
    /// daemon is never run; its exit status is 98).
    pub netns_setup: Option<String>,
    /// With `Some(pid)` (and no `netns_setup`), the daemon runs in the network namespace
    /// of `pid` (`nsenter -t PID -n`): a second daemon where the first one ran.
    pub netns_of: Option<u32>,
}

/// A daemon a test started, with its notify socket and its log; killed on drop.
pub struct Daemon {
    child: Child,
    messages: Arc<Mutex<Vec<String>>>,
    log: Arc<Mutex<String>>,
}

impl Daemon {
    /// Starts it with `NOTIFY_SOCKET` on a socket of the test's, stderr collected (and
    /// echoed with a `[cgconfigd]` label, shown when the test fails).
    pub fn spawn(how: DaemonCommand<'_>) -> Daemon {
        let socket_path = how.socket_dir.join(format!(
            "notify-{}-{}",
            std::process::id(),
            SOCKETS.fetch_add(1, Ordering::SeqCst)
        ));
        let socket = UnixDatagram::bind(&socket_path).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let mut command = match (how.enter, &how.netns_setup) {
            (None, None) if how.netns_of.is_none() => Command::new(&how.binary),
            (enter, setup) => {
                let mut script = String::new();
                if let Some(setup) = setup {
                    script.push_str(&format!("( set -e; {setup} ) >&2 || exit 98; "));
                }
                for p in enter.unwrap_or_default() {
                    script.push_str(&format!("echo $$ > '{}' || exit 99; ", p.display()));
                }
                script.push_str("exec \"$0\" \"$@\"");
                // `unshare` without --fork execs the shell, which execs the daemon: one
                // pid throughout, in the new namespace.
                let mut c = match (setup, how.netns_of) {
                    (Some(_), _) => {
                        let mut c = Command::new("unshare");
                        c.arg("-n").arg("/bin/sh");
                        c
                    }
                    (None, Some(pid)) => {
                        let mut c = Command::new("nsenter");
                        c.args(["-t", &pid.to_string(), "-n", "/bin/sh"]);
                        c
                    }
                    (None, None) => Command::new("/bin/sh"),
                };
                c.arg("-c").arg(script).arg(&how.binary);
                c
            }
        };
        command
            .args(&how.args)
            .env("NOTIFY_SOCKET", &socket_path)
            .env_remove("JOURNAL_STREAM")
            .envs(how.env)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("[cgconfigd] {line}");
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let messages = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&messages);
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 65536];
            // Ends when the test drops the daemon (Arc count 1) or after a long silence.
            let mut idle = Instant::now();
            while Arc::strong_count(&sink) > 1 && idle.elapsed() < Duration::from_secs(600) {
                if let Ok(n) = socket.recv(&mut buf) {
                    sink.lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(&buf[..n]).into_owned());
                    idle = Instant::now();
                }
            }
        });
        Daemon {
            child,
            messages,
            log,
        }
    }

    /// Its pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Every notify message so far.
    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }

    /// How many notify messages arrived so far.
    pub fn seen(&self) -> usize {
        self.messages.lock().unwrap().len()
    }

    /// Waits for a message after the first `after` that contains every one of `keys`;
    /// returns it.
    pub fn expect_all(&self, after: usize, keys: &[&str], timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            if let Some(m) = self
                .messages
                .lock()
                .unwrap()
                .iter()
                .skip(after)
                .find(|m| keys.iter().all(|k| m.contains(k)))
            {
                return m.clone();
            }
            assert!(
                start.elapsed() < timeout,
                "no message with {keys:?} from cgconfigd within {timeout:?}; messages: {:?}\nlog:\n{}",
                self.messages(),
                self.log()
            );
            sleep(Duration::from_millis(5));
        }
    }

    /// Everything it wrote to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Whether the log gets a line containing `needle` within `timeout` (stderr is read by
    /// another thread, which may lag behind the notify socket).
    pub fn logs_within(&self, needle: &str, timeout: Duration) -> bool {
        let start = Instant::now();
        while !self.log().contains(needle) {
            if start.elapsed() >= timeout {
                return false;
            }
            sleep(Duration::from_millis(10));
        }
        true
    }

    /// SIGKILL, as `kill -9`.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
    }

    /// Waits for it to exit; fails the test with its log after `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < timeout,
                "cgconfigd did not exit; log:\n{}",
                self.log()
            );
            sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `STATUS=` line of a notify message (empty without one).
pub fn status_of(message: &str) -> String {
    message
        .lines()
        .find_map(|l| l.strip_prefix("STATUS="))
        .unwrap_or_default()
        .to_string()
}
