//! The daemon's reload latency for a one-line change in a 5000-group configuration, and
//! its idle memory. Needs root and the cgroup v2 mount (skips otherwise); every group
//! lives under a unique `cgtools-test-<pid>-<n>-bench` prefix that is removed at the end
//! (by the real-kernel suites' guard, `tests/support`).
//!
//! `cargo bench -p cgconfigd --bench reload` prints, per configuration:
//! * the first apply (start to `READY=1`);
//! * the idle RSS of the daemon once ready;
//! * the reload latency of a one-line edit written in place: from the write to the new
//!   value in the tree, and to `READY=1` (both include the debounce: 10 ms once the file
//!   is closed), and the reload itself (from `RELOADING=1` to `READY=1`);
//! * SIGHUP (no debounce, a full reload: every file checked, every group planned);
//! * the RSS after the reloads.
//!
//! Configurations: 5000 groups with a v2 core setting in the v2 mount, and, where cpu
//! and memory are v1 hierarchies, 5000 groups with `cpu.shares` and
//! `memory.limit_in_bytes` (10000 directories).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark fails loudly

use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::sleep;
use std::time::{Duration, Instant};

use test_support::{Host, TestGroups};

const GROUPS: usize = 5000;
const ROUNDS: usize = 20;

struct Bench {
    dir: tempfile::TempDir,
    prefix: String,
    _groups: TestGroups,
}

struct Daemon {
    child: Child,
    messages: Arc<Mutex<Vec<(Instant, String)>>>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Daemon {
    fn start(bench: &Bench, config: &Path) -> Daemon {
        let socket_path = bench.dir.path().join("notify");
        let _ = fs::remove_file(&socket_path);
        let socket = UnixDatagram::bind(&socket_path).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_cgconfigd"))
            .arg("-c")
            .arg(config)
            .arg("-d")
            .arg(bench.dir.path().join("none"))
            .arg("--state-dir")
            .arg(bench.dir.path().join("state"))
            .args(["--base", &bench.prefix])
            .env("NOTIFY_SOCKET", &socket_path)
            .env_remove("JOURNAL_STREAM")
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&log);
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let messages = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&messages);
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 65536];
            while Arc::strong_count(&sink) > 1 {
                if let Ok(n) = socket.recv(&mut buf) {
                    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                    sink.lock().unwrap().push((Instant::now(), text));
                }
            }
        });
        Daemon {
            child,
            messages,
            log,
        }
    }

    fn seen(&self) -> usize {
        self.messages.lock().unwrap().len()
    }

    /// When the first `READY=1` after message `after` arrived.
    fn ready_after(&self, after: usize) -> Instant {
        let start = Instant::now();
        loop {
            if let Some((at, _)) = self
                .messages
                .lock()
                .unwrap()
                .iter()
                .skip(after)
                .find(|(_, m)| m.contains("READY=1"))
            {
                return *at;
            }
            assert!(
                start.elapsed() < Duration::from_secs(300),
                "no READY=1: {:?}",
                self.log.lock().unwrap()
            );
            sleep(Duration::from_millis(1));
        }
    }

    /// When the first `RELOADING=1` after message `after` arrived, if one did.
    fn reloading_after(&self, after: usize) -> Option<Instant> {
        self.messages
            .lock()
            .unwrap()
            .iter()
            .skip(after)
            .find(|(_, m)| m.contains("RELOADING=1"))
            .map(|(at, _)| *at)
    }

    fn rss_kib(&self) -> (u64, u64) {
        let status = fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let _ = self.child.wait();
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn max(v: &[Duration]) -> Duration {
    v.iter().copied().max().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// One configuration: `line(i, value)` is group i's text, `value_file(i)` the file that
/// shows its value and `expect(value)` what it reads once applied.
fn run(
    host: &Host,
    label: &str,
    line: &dyn Fn(usize, u32) -> String,
    value_file: &dyn Fn(&str, usize) -> PathBuf,
    expect: &dyn Fn(u32) -> String,
) {
    let groups = TestGroups::tagged(host, "bench");
    let bench = Bench {
        dir: tempfile::tempdir().unwrap(),
        prefix: groups.prefix.clone(),
        _groups: groups,
    };
    let config = bench.dir.path().join("cgconfig.conf");
    let mut values: Vec<u32> = (0..GROUPS).map(|i| (i % 50) as u32 + 10).collect();
    let write = |values: &[u32]| {
        let text: String = values
            .iter()
            .enumerate()
            .map(|(i, v)| line(i, *v))
            .collect();
        fs::write(&config, text).unwrap();
    };
    write(&values);
    println!(
        "\n{label}: {GROUPS} groups, {} bytes of config",
        fs::metadata(&config).unwrap().len()
    );

    let start = Instant::now();
    let d = Daemon::start(&bench, &config);
    let ready = d.ready_after(0);
    println!("  first apply (start to READY=1): {}", ms(ready - start));
    sleep(Duration::from_secs(1));
    let (rss, hwm) = d.rss_kib();
    println!("  idle RSS: {rss} KiB (peak {hwm} KiB)");

    let mut to_tree = Vec::new();
    let mut to_ready = Vec::new();
    let mut internal = Vec::new();
    for round in 0..ROUNDS {
        let i = (round * 997) % GROUPS;
        values[i] += 1;
        let n = d.seen();
        let file = value_file(&bench.prefix, i);
        let wanted = expect(values[i]);
        let t0 = Instant::now();
        write(&values);
        loop {
            if fs::read_to_string(&file)
                .map(|s| s.trim() == wanted)
                .unwrap_or(false)
            {
                break;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "{} never became {wanted}",
                file.display()
            );
            sleep(Duration::from_millis(1));
        }
        to_tree.push(t0.elapsed());
        let ready = d.ready_after(n);
        to_ready.push(ready - t0);
        if let Some(reloading) = d.reloading_after(n) {
            internal.push(ready - reloading);
        }
        sleep(Duration::from_millis(150));
    }
    println!(
        "  one-line edit, write to new value in the tree: median {}, max {} ({ROUNDS} rounds, debounce included)",
        ms(median(to_tree.clone())),
        ms(max(&to_tree))
    );
    println!(
        "  one-line edit, write to READY=1: median {}, max {}",
        ms(median(to_ready.clone())),
        ms(max(&to_ready))
    );
    if !internal.is_empty() {
        println!(
            "  of which the reload itself (RELOADING=1 to READY=1: read, check, plan, apply): median {}, max {}",
            ms(median(internal.clone())),
            ms(max(&internal))
        );
    }
    let mut hup = Vec::new();
    for _ in 0..ROUNDS / 2 {
        let n = d.seen();
        let t0 = Instant::now();
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(d.child.id() as i32),
            nix::sys::signal::Signal::SIGHUP,
        )
        .unwrap();
        hup.push(d.ready_after(n) - t0);
    }
    println!(
        "  SIGHUP to READY=1 (a full reload, nothing to change): median {}, max {}",
        ms(median(hup.clone())),
        ms(max(&hup))
    );
    let (rss, hwm) = d.rss_kib();
    println!("  RSS after the reloads: {rss} KiB (peak {hwm} KiB)");
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let host = match Host::for_test() {
        Ok(host) => host,
        Err(why) => {
            println!("skipping the reload benchmark: {}", why.reason());
            return;
        }
    };
    if let Ok(unified) = host.unified() {
        let mount = unified.path.clone();
        run(
            &host,
            "cgroup v2 mount, cgroup.max.descendants",
            &|i, v| {
                format!(
                    "group g{}/n{i} {{\n\tcgroup {{ cgroup.max.descendants = {v}; }}\n}}\n",
                    i % 50
                )
            },
            &|prefix, i| {
                mount
                    .join(prefix)
                    .join(format!("g{}/n{i}/cgroup.max.descendants", i % 50))
            },
            &|v| v.to_string(),
        );
    }
    if let (Ok(cpu), Ok(_memory)) = (host.v1("cpu"), host.v1("memory")) {
        let cpu_mount = cpu.path.clone();
        run(
            &host,
            "cgroup v1, cpu.shares and memory.limit_in_bytes",
            &|i, v| {
                format!(
                    "group g{}/n{i} {{\n\tcpu {{ cpu.shares = {v}; }}\n\tmemory {{ memory.limit_in_bytes = 64M; }}\n}}\n",
                    i % 50
                )
            },
            &|prefix, i| {
                cpu_mount
                    .join(prefix)
                    .join(format!("g{}/n{i}/cpu.shares", i % 50))
            },
            &|v| v.to_string(),
        );
    }
}
