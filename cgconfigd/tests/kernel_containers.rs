//! cgconfigd's containers on the real kernel, with real processes: autostart order, delay
//! and boot groups, a broken config that refuses only its container, stops in reverse
//! order with the halt signal and SIGKILL after the timeout, groups emptied and removed,
//! SIGTERM stopping everything, `kill -9` of the daemon with the containers surviving and
//! re-adopted (and a recycled pid never taken for one), the client commands and their
//! output, hostile requests on the control socket, delegated mode.
//!
//! The launch core is not part of this suite: the daemon runs with its test launcher
//! (`CGCONFIGD_TEST_LAUNCHER=host-process`, debug builds only), which starts each
//! container's `lxc.init.cmd` as a plain process in the container's group. The inits are
//! shell scripts written by the test that record when they start and which signals they
//! get. Container directories, configs and the state directory are temporary; every group
//! is below a unique prefix given as `--base`; a guard kills every process left in the
//! prefix's groups (the containers outlive the daemon by design) and removes the groups,
//! even when a test fails. Nothing touches the host's /var/lib/lxc or /etc/lxc.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::sleep;
use std::time::{Duration, Instant};

use test_support::{
    bin, dirs_below, in_vm, need, status_of, DaemonCommand, Host, Mount, Skip, Spawned, TestGroups,
};

/// Generous limits for things that have no promise (a start, an exit); the VM lane's
/// emulated CPU is slow.
const LONG: Duration = Duration::from_secs(60);

fn host() -> Result<(Host, Mount), Skip> {
    let host = Host::for_test()?;
    let unified = host.unified()?.clone();
    Ok((host, unified))
}

/// A test's world: a unique prefix (created in the v2 hierarchy, so that the containers'
/// groups get the controllers the root enables), a temporary directory with the container
/// directory, the init script and the state directory. On drop every process left in the
/// prefix's groups is killed, then the groups go.
struct World {
    prefix: String,
    unified: Mount,
    host: Host,
    dir: tempfile::TempDir,
    _groups: TestGroups,
}

impl Drop for World {
    fn drop(&mut self) {
        for mount in &self.host.mounts {
            for dir in dirs_below(&mount.path.join(&self.prefix)) {
                if mount.v2 && dir.join("cgroup.kill").exists() {
                    let _ = fs::write(dir.join("cgroup.kill"), "1");
                }
                for pid in fs::read_to_string(dir.join("cgroup.procs"))
                    .unwrap_or_default()
                    .split_whitespace()
                {
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(pid.parse().unwrap_or(0)),
                        nix::sys::signal::Signal::SIGKILL,
                    );
                }
            }
        }
    }
}

/// An init that records its start (name and uptime) in `started` and its signals in
/// `signals`, exits 0 on SIGPWR, SIGUSR1 or SIGRTMIN+3 (37), and ignores SIGTERM. With
/// `IGNORE=PWR` it ignores SIGPWR; with `EXIT=N` it exits N after half a second.
const INIT: &str = r#"#!/bin/sh
name=$1
rec=$2
read up _ < /proc/uptime
echo "$name $up $$" >> "$rec/started"
if [ -n "$EXIT" ]; then sleep 0.5; exit "$EXIT"; fi
trap 'echo "$name PWR" >> "$rec/signals"; exit 0' PWR
trap 'echo "$name USR1" >> "$rec/signals"; exit 0' USR1
trap 'echo "$name TERM" >> "$rec/signals"' TERM
if [ "$IGNORE" = PWR ]; then trap '' PWR; fi
while :; do sleep 1 & wait $!; done
"#;

impl World {
    fn new(tag: &str) -> Result<World, Skip> {
        let (host, unified) = host()?;
        let groups = TestGroups::tagged(&host, tag);
        groups.mkdir(&unified, "");
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("init.sh"), INIT).unwrap();
        fs::set_permissions(
            dir.path().join("init.sh"),
            fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        fs::create_dir(dir.path().join("lxc")).unwrap();
        fs::create_dir(dir.path().join("rec")).unwrap();
        fs::write(dir.path().join("cgconfig.conf"), "").unwrap();
        Ok(World {
            prefix: groups.prefix.clone(),
            unified,
            host,
            dir,
            _groups: groups,
        })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn lxcpath(&self) -> PathBuf {
        self.path().join("lxc")
    }

    fn state(&self) -> PathBuf {
        self.path().join("state")
    }

    fn rec(&self) -> PathBuf {
        self.path().join("rec")
    }

    /// A container `name` whose init is the test's script, with `extra` config lines.
    fn container(&self, name: &str, extra: &str) {
        let dir = self.lxcpath().join(name);
        fs::create_dir_all(&dir).unwrap();
        let config = format!(
            "lxc.uts.name = {name}\nlxc.init.cmd = {} {name} {}\n{extra}",
            self.path().join("init.sh").display(),
            self.rec().display()
        );
        fs::write(dir.join("config"), config).unwrap();
    }

    /// The names in the order their inits started, with the uptime of each start.
    fn started(&self) -> Vec<(String, f64, u32)> {
        fs::read_to_string(self.rec().join("started"))
            .unwrap_or_default()
            .lines()
            .map(|l| {
                let mut w = l.split_whitespace();
                (
                    w.next().unwrap().to_string(),
                    w.next().unwrap().parse().unwrap(),
                    w.next().unwrap().parse().unwrap(),
                )
            })
            .collect()
    }

    fn started_names(&self) -> Vec<String> {
        self.started().into_iter().map(|(n, _, _)| n).collect()
    }

    fn signals(&self) -> Vec<String> {
        fs::read_to_string(self.rec().join("signals"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The container's group directory in the v2 hierarchy.
    fn group(&self, rest: &str) -> PathBuf {
        self.unified.path.join(&self.prefix).join(rest)
    }

    /// The processes of a v2 group.
    fn procs(&self, rest: &str) -> Vec<u32> {
        fs::read_to_string(self.group(rest).join("cgroup.procs"))
            .unwrap_or_default()
            .split_whitespace()
            .map(|p| p.parse().unwrap())
            .collect()
    }

    /// The common arguments of a daemon.
    fn args(&self) -> Vec<String> {
        [
            "-c",
            &self.path().join("cgconfig.conf").display().to_string(),
            "-d",
            &self.path().join("cgconfig.d").display().to_string(),
            "--state-dir",
            &self.state().display().to_string(),
            "--lxcpath",
            &self.lxcpath().display().to_string(),
            "--base",
            &self.prefix,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    /// `cgconfigd --state-dir STATE args...`, as a client.
    fn client(&self, args: &[&str]) -> test_support::Outcome {
        let mut c = Command::new(bin("cgconfigd"));
        c.arg("--state-dir").arg(self.state()).args(args);
        test_support::Outcome::of(c.stdin(Stdio::null()))
    }
}

/// A daemon this test started (the shared harness), with this suite's waits.
struct Daemon(test_support::Daemon);

impl std::ops::Deref for Daemon {
    type Target = test_support::Daemon;
    fn deref(&self) -> &test_support::Daemon {
        &self.0
    }
}

impl std::ops::DerefMut for Daemon {
    fn deref_mut(&mut self) -> &mut test_support::Daemon {
        &mut self.0
    }
}

impl Daemon {
    fn start(world: &World, extra: &[&str]) -> Daemon {
        Daemon::start_with(world, extra, None)
    }

    /// With `enter`, it is started in those `cgroup.procs` first (as systemd would have
    /// started the daemon in a unit's cgroup).
    fn start_with(world: &World, extra: &[&str], enter: Option<&[PathBuf]>) -> Daemon {
        Daemon::spawn(world, extra, enter, true)
    }

    /// With the container crate's launcher (real containers), not the test launcher.
    fn start_launching(world: &World, extra: &[&str]) -> Daemon {
        Daemon::spawn(world, extra, None, false)
    }

    /// With the container crate's launcher, in a new network namespace where `setup`
    /// (shell, `ip ...`) makes the test's bridge first.
    fn start_launching_in_netns(world: &World, setup: &str) -> Daemon {
        Daemon::spawn_in(world, &[], None, false, Some(setup.to_string()), None)
    }

    /// With the container crate's launcher, in the network namespace of `pid`.
    fn start_launching_in_netns_of(world: &World, pid: u32) -> Daemon {
        Daemon::spawn_in(world, &[], None, false, None, Some(pid))
    }

    fn spawn(
        world: &World,
        extra: &[&str],
        enter: Option<&[PathBuf]>,
        test_launcher: bool,
    ) -> Daemon {
        Daemon::spawn_in(world, extra, enter, test_launcher, None, None)
    }

    fn spawn_in(
        world: &World,
        extra: &[&str],
        enter: Option<&[PathBuf]>,
        test_launcher: bool,
        netns_setup: Option<String>,
        netns_of: Option<u32>,
    ) -> Daemon {
        let mut args = world.args();
        if extra.contains(&"--base") {
            args.truncate(args.len() - 2);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let launcher = if test_launcher { "host-process" } else { "" };
        Daemon(test_support::Daemon::spawn(DaemonCommand {
            binary: bin("cgconfigd"),
            args,
            socket_dir: world.path(),
            enter,
            env: vec![("CGCONFIGD_TEST_LAUNCHER".into(), launcher.into())],
            netns_setup,
            netns_of,
        }))
    }

    /// Waits for a `STATUS=` containing `needle`.
    fn status(&self, needle: &str) {
        let start = Instant::now();
        while !self.messages().iter().any(|m| {
            m.lines()
                .any(|l| l.starts_with("STATUS=") && l.contains(needle))
        }) {
            assert!(
                start.elapsed() < LONG,
                "no STATUS with {needle:?}: {:?}",
                self.messages()
            );
            sleep(Duration::from_millis(10));
        }
    }

    /// Waits for `READY=1`; returns its STATUS.
    fn ready(&self) -> String {
        status_of(&self.expect_all(0, &["READY=1"], LONG))
    }

    /// Waits until the log has a line containing `needle`.
    fn logged(&self, needle: &str) {
        assert!(
            self.logs_within(needle, LONG),
            "the log never said {needle:?}:\n{}",
            self.log()
        );
    }

    fn signal(&self, signal: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid()), signal).unwrap();
    }

    fn pid(&self) -> i32 {
        self.0.pid() as i32
    }

    fn wait(&mut self, timeout: Duration) -> ExitStatus {
        self.0.wait(timeout)
    }
}

/// `args` run in the network namespace of `pid` (nsenter): whether they succeeded, and
/// their stdout and stderr.
fn in_netns_of(pid: i32, args: &[&str]) -> (bool, String) {
    let o = Command::new("nsenter")
        .args(["-t", &pid.to_string(), "-n"])
        .args(args)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    )
}

/// Sets SIGHUP's action in this test process to the default, so that the processes it
/// starts do not inherit an ignored SIGHUP from how the tests were run (`nohup`).
fn sighup_by_default() {
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
    let default = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
    // SAFETY: the default action installs no handler, so no code runs in signal context;
    // nix has no safe call that changes a signal's action.
    #[allow(unsafe_code)]
    unsafe { sigaction(Signal::SIGHUP, &default) }.unwrap();
}

/// Polls `condition` until it holds, or fails with `what`.
fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < LONG, "never: {what}");
        sleep(Duration::from_millis(10));
    }
}

fn alive(pid: u32) -> bool {
    // A zombie still has a /proc entry: look at its state.
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            let after = &s[s.rfind(')').unwrap() + 2..];
            !after.starts_with('Z')
        })
        .unwrap_or(false)
}

#[test]
fn autostart_follows_boot_groups_order_and_delay_and_a_broken_config_refuses_only_itself() {
    let w = need!(World::new("autostart"));
    w.container("late", "lxc.start.auto = 1\nlxc.start.order = 10\n");
    w.container("early", "lxc.start.auto = 1\nlxc.start.order = -5\n");
    w.container(
        "ob",
        "lxc.start.auto = 1\nlxc.start.order = 50\nlxc.group = onboot\n",
    );
    w.container(
        "mid",
        "lxc.start.auto = 1\nlxc.start.order = 0\nlxc.start.delay = 2\n",
    );
    w.container("manual", "lxc.start.order = -100\n");
    w.container("other", "lxc.start.auto = 1\nlxc.group = db\n");
    // `on` is a prefix of `onboot`: lxc-autostart would start it with the onboot group.
    w.container("on", "lxc.start.auto = 1\nlxc.group = on\n");
    w.container(
        "broken",
        "lxc.start.auto = 1\nlxc.start.order = -50\nlxc.bogus = 1\n",
    );
    let d = Daemon::start(&w, &[]);
    let status = d.ready();
    // READY=1 does not wait for the containers.
    assert!(
        status.contains("of 8 containers running, 1 refused"),
        "status: {status}"
    );
    eventually("four containers started", || w.started().len() >= 4);
    // STATUS= follows the containers.
    d.status("4 of 8 containers running, 1 refused");
    sleep(Duration::from_millis(500));
    let started = w.started();
    let names: Vec<&str> = started.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["ob", "early", "mid", "late"], "log:\n{}", d.log());
    // lxc.start.delay = 2 after `mid`, none after the others.
    let gap = |a: usize, b: usize| started[b].1 - started[a].1;
    assert!(gap(2, 3) >= 1.9, "mid to late: {} s", gap(2, 3));
    assert!(gap(0, 2) < 1.5, "ob to mid: {} s", gap(0, 2));
    // The broken config is reported with its location, and refused.
    d.logged("broken/config:5:1: error: unknown key `lxc.bogus`");
    // Each init runs in its own group below the prefix.
    for (name, _, pid) in &started {
        assert_eq!(
            w.unified.group_of(pid),
            format!("/{}/lxc/{name}", w.prefix),
            "{name}"
        );
    }
    let ls = w.client(&["ls", "-f"]);
    assert_eq!(ls.code, Some(0), "{}", ls.transcript());
    let table = ls.stdout.replace(&w.prefix, "PREFIX");
    insta::assert_snapshot!(table, @r"
    NAME   STATE   AUTOSTART GROUPS IPV4 IPV6 UNPRIVILEGED 
    early  RUNNING 1         -      -    -    false        
    late   RUNNING 1         -      -    -    false        
    manual STOPPED 0         -      -    -    false        
    mid    RUNNING 1         -      -    -    false        
    ob     RUNNING 1         onboot -    -    false        
    on     STOPPED 1         on     -    -    false        
    other  STOPPED 1         db     -    -    false        
    ");
    assert!(
        ls.stderr.contains("broken: its config does not load: ")
            && ls
                .stderr
                .contains("config:5:1: error: unknown key `lxc.bogus`"),
        "{}",
        ls.stderr
    );
}

#[test]
fn sigterm_stops_in_reverse_order_with_the_halt_signal_then_kills_and_removes_the_groups() {
    let w = need!(World::new("stop"));
    w.container("a", "lxc.start.auto = 1\nlxc.start.order = 1\n");
    w.container(
        "b",
        "lxc.start.auto = 1\nlxc.start.order = 2\nlxc.signal.halt = SIGUSR1\n",
    );
    w.container(
        "c",
        "lxc.start.auto = 1\nlxc.start.order = 3\nlxc.environment = IGNORE=PWR\n",
    );
    w.container("d", "lxc.start.auto = 1\nlxc.start.order = 3\n");
    let mut d = Daemon::start(&w, &["--stop-timeout", "2"]);
    d.ready();
    eventually("four containers started", || w.started().len() == 4);
    let pids: Vec<u32> = w.started().iter().map(|(_, _, p)| *p).collect();
    // The shells' traps are set once they run their loop.
    sleep(Duration::from_millis(300));
    let start = Instant::now();
    d.signal(nix::sys::signal::Signal::SIGTERM);
    let status = d.wait(LONG);
    let took = start.elapsed();
    assert!(status.success(), "{status:?}; log:\n{}", d.log());
    // Level 3 (c and d at once: c ignores SIGPWR and is killed after 2 s), then b with
    // its lxc.signal.halt, then a with SIGPWR.
    assert_eq!(
        w.signals(),
        ["d PWR", "b USR1", "a PWR"],
        "log:\n{}",
        d.log()
    );
    assert!(
        d.log()
            .contains("container c: killed every process of its group"),
        "{}",
        d.log()
    );
    // One timeout for the level, not one per container.
    assert!(took >= Duration::from_secs(2), "{took:?}");
    assert!(
        took < Duration::from_secs(if in_vm() { 30 } else { 4 }),
        "{took:?}"
    );
    for pid in pids {
        assert!(!alive(pid), "pid {pid} survived");
    }
    // Every container's group is gone, and the `lxc` group cgconfigd made for them.
    for mount in &w.host.mounts {
        assert!(
            !mount.path.join(&w.prefix).join("lxc").exists(),
            "{} left",
            mount.path.join(&w.prefix).join("lxc").display()
        );
    }
}

#[test]
fn client_commands_start_stop_restart_and_info() {
    let w = need!(World::new("client"));
    w.container("x", "lxc.environment = IGNORE=PWR\n");
    w.container("y", "lxc.start.auto = 1\n");
    let d = Daemon::start(&w, &["--stop-timeout", "30"]);
    d.ready();
    eventually("y started", || w.started().len() == 1);

    // info of a stopped container: as lxc-info.
    let info = w.client(&["info", "x"]);
    assert_eq!(
        info.stdout,
        "Name:           x\nState:          STOPPED\n",
        "{}",
        info.transcript()
    );
    let start = w.client(&["start", "x"]);
    assert_eq!(start.code, Some(0), "{}", start.transcript());
    // The reply comes once the init runs in its group; its record may come a moment later.
    eventually("x's init recorded its start", || {
        w.started().iter().any(|(n, _, _)| n == "x")
    });
    let pid = w.started().iter().rfind(|(n, _, _)| n == "x").unwrap().2;
    assert!(w.procs("lxc/x").contains(&pid));
    let again = w.client(&["start", "x"]);
    assert_eq!(again.code, Some(1));
    assert!(
        again.stderr.contains("x is already running"),
        "{}",
        again.stderr
    );

    // info of a running one: every lxc-info line, values from its group.
    let info = w.client(&["info", "x"]);
    let lines: Vec<&str> = info.stdout.lines().collect();
    assert_eq!(lines[0], "Name:           x");
    assert_eq!(lines[1], "State:          RUNNING");
    assert_eq!(lines[2], format!("PID:            {pid}"));
    let labels: Vec<&str> = lines.iter().map(|l| &l[..16]).collect();
    assert!(labels.contains(&"CPU use:        "), "{}", info.stdout);
    assert!(labels.contains(&"Memory use:     "), "{}", info.stdout);
    let raw = w.client(&["info", "x", "-S", "-H"]);
    let memory: u64 = raw
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Memory use:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(memory > 0, "{}", raw.stdout);
    assert_eq!(
        w.client(&["info", "x", "-p"]).stdout,
        format!("PID:            {pid}\n")
    );
    let json: serde_json::Value =
        serde_json::from_str(&w.client(&["info", "x", "--json"]).stdout).unwrap();
    assert_eq!(json["pid"], pid);
    assert_eq!(json["cgroup"], format!("/{}/lxc/x", w.prefix));

    // stop -t 1 of an init that ignores its halt signal: SIGKILL after 1 s.
    let t = Instant::now();
    let stop = w.client(&["stop", "x", "-t", "1"]);
    assert_eq!(stop.code, Some(0), "{}", stop.transcript());
    assert!(t.elapsed() >= Duration::from_secs(1));
    assert!(!alive(pid));
    assert!(!w.group("lxc/x").exists());
    let stopped = w.client(&["stop", "x"]);
    assert_eq!(stopped.code, Some(1));
    assert!(
        stopped.stderr.contains("x is not running"),
        "{}",
        stopped.stderr
    );

    // restart: a new init; stop -k: at once, no halt signal.
    let y = w.started()[0].2;
    let restart = w.client(&["restart", "y"]);
    assert_eq!(restart.code, Some(0), "{}", restart.transcript());
    eventually("y's second init recorded its start", || {
        w.started().iter().filter(|(n, _, _)| n == "y").count() == 2
    });
    let y2 = w.started().iter().rfind(|(n, _, _)| n == "y").unwrap().2;
    assert_ne!(y, y2);
    assert!(!alive(y));
    assert_eq!(w.signals(), ["y PWR"]);
    let t = Instant::now();
    assert_eq!(w.client(&["stop", "y", "-k"]).code, Some(0));
    assert!(t.elapsed() < Duration::from_secs(10));
    assert!(!alive(y2));
    assert_eq!(w.signals(), ["y PWR"], "-k sends no halt signal");

    let unknown = w.client(&["start", "nope"]);
    assert_eq!(unknown.code, Some(1));
    assert!(
        unknown.stderr.contains("nope doesn't exist"),
        "{}",
        unknown.stderr
    );
    let attach = w.client(&["attach", "y", "--", "ls"]);
    assert_eq!(attach.code, Some(1));
    assert_eq!(attach.stderr, "cgconfigd: y is not running (stopped)\n");
    let ls = w.client(&["ls"]);
    // Not a terminal: one name per line, as wide as NAME at least.
    assert_eq!(ls.stdout, "x   \ny   \n");
    let json: serde_json::Value =
        serde_json::from_str(&w.client(&["ls", "--json"]).stdout).unwrap();
    assert_eq!(json[0]["reason"], "stopped on request (killed)");
    assert_eq!(json[1]["last_exit"]["signal"], 9);
}

#[test]
fn an_init_that_exits_stops_its_container_and_the_restart_option_starts_it_again() {
    let w = need!(World::new("exit"));
    w.container("once", "lxc.start.auto = 1\nlxc.environment = EXIT=3\n");
    let d = Daemon::start(&w, &[]);
    d.ready();
    d.logged("container once: its init");
    d.logged("ended: exit status 3");
    eventually("its group removed", || !w.group("lxc/once").exists());
    let json: serde_json::Value =
        serde_json::from_str(&w.client(&["info", "once", "--json"]).stdout).unwrap();
    assert_eq!(json["state"], "STOPPED");
    assert_eq!(json["last_exit"]["status"], 3);
    sleep(Duration::from_millis(1500));
    assert_eq!(w.started().len(), 1, "not restarted without the option");
    drop(d);

    // `once` exited by itself: a new daemon leaves it stopped. `again` is new.
    w.container("again", "lxc.start.auto = 1\nlxc.environment = EXIT=3\n");
    let d = Daemon::start(&w, &["--restart-containers", "on-failure"]);
    d.ready();
    eventually("started again after exiting", || {
        w.started_names().iter().filter(|n| *n == "again").count() >= 3
    });
    d.logged("container again: restarting in 1 s");
    assert_eq!(
        w.started_names().iter().filter(|n| *n == "once").count(),
        1,
        "a container that stopped by itself is not autostarted by the next daemon"
    );
}

#[test]
fn kill_9_leaves_the_containers_running_and_the_next_daemon_re_adopts_them() {
    let w = need!(World::new("readopt"));
    w.container("a", "lxc.start.auto = 1\n");
    w.container("b", "lxc.start.auto = 1\nlxc.start.order = 5\n");
    w.container("held", "");
    let mut d = Daemon::start(&w, &[]);
    d.ready();
    eventually("two started", || w.started().len() == 2);
    let before: Vec<(String, f64, u32)> = w.started();
    // Started, then stopped by hand: a restarted daemon leaves it stopped.
    assert_eq!(w.client(&["start", "held"]).code, Some(0));
    assert_eq!(w.client(&["stop", "held", "-k"]).code, Some(0));
    d.signal(nix::sys::signal::Signal::SIGKILL);
    d.wait(LONG);
    for (name, _, pid) in &before {
        assert!(alive(*pid), "{name} died with the daemon");
        assert!(w.procs(&format!("lxc/{name}")).contains(pid));
    }
    let gone = w.client(&["ls"]);
    assert_eq!(gone.code, Some(1));
    assert!(
        gone.stderr.contains("cgconfigd is not running"),
        "{}",
        gone.stderr
    );

    // A saved state whose pid was recycled (same pid, another start time): a process the
    // test started stands for the stranger who got the pid. It must be left alone.
    let mut stranger = Spawned::sleeper();
    let state = w.state().join("containers");
    fs::write(
        state.join("ghost.json"),
        format!(
            r#"{{"name":"ghost","state":"RUNNING","pid":{},"start_ticks":1,"started":1,"boot_id":"{}","group":"/{}/lxc/ghost","hierarchies":[],"order":0,"last_exit":null,"reason":null}}"#,
            stranger.pid(),
            fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap().trim(),
            w.prefix
        ),
    )
    .unwrap();
    w.container("ghost", "");

    let d = Daemon::start(&w, &[]);
    d.ready();
    for (name, _, pid) in &before {
        d.logged(&format!("container {name}: re-adopted (pid {pid}"));
    }
    d.logged("container ghost: its init (pid");
    assert!(stranger.alive(), "a recycled pid was taken for a container");
    // Nothing was started again: the two still run, `held` stays stopped.
    sleep(Duration::from_millis(500));
    assert_eq!(w.started().len(), 3, "log:\n{}", d.log());
    let ls = w.client(&["ls", "-f", "-F", "NAME,STATE,PID"]);
    let rows: Vec<Vec<&str>> = ls
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    let (a, b) = (before[0].2.to_string(), before[1].2.to_string());
    assert_eq!(
        rows,
        [
            vec!["NAME", "STATE", "PID"],
            vec!["a", "RUNNING", a.as_str()],
            vec!["b", "RUNNING", b.as_str()],
            vec!["ghost", "STOPPED", "-"],
            vec!["held", "STOPPED", "-"],
        ],
        "{}",
        ls.transcript()
    );
    // A re-adopted container's console stayed with the daemon that started it.
    let console = w.client(&["console", "b"]);
    assert_eq!(console.code, Some(1));
    assert!(
        console.stderr.starts_with("cgconfigd: b has no console here: its console's pty stayed with the cgconfigd that started it"),
        "{}",
        console.stderr
    );
    // And they are stoppable: SIGPWR through the pidfd, the exit seen, the group removed.
    assert_eq!(w.client(&["stop", "a"]).code, Some(0));
    assert!(!alive(before[0].2));
    assert!(!w.group("lxc/a").exists());
    assert_eq!(w.signals(), ["a PWR"]);
    d.logged("container a: stopped on request; its init");
    d.logged("exit status unknown (not cgconfigd's child)");
}

/// Sends raw bytes on the control socket; the answer.
fn raw(socket: &Path, bytes: &[u8]) -> String {
    let mut s = UnixStream::connect(socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let _ = s.write_all(bytes);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer
}

#[test]
fn hostile_requests_are_refused_and_the_daemon_is_unharmed() {
    let w = need!(World::new("hostile"));
    w.container("c", "lxc.start.auto = 1\n");
    let d = Daemon::start(&w, &[]);
    d.ready();
    eventually("c started", || w.started().len() == 1);
    let socket = w.state().join("control");
    assert_eq!(
        fs::metadata(&socket).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let refused = |bytes: &[u8], reason: &str| {
        let answer = raw(&socket, bytes);
        let v: serde_json::Value = serde_json::from_str(&answer).unwrap_or_else(|e| {
            panic!("{e}: {answer:?}");
        });
        assert_eq!(v["ok"], false, "{answer}");
        let error = v["error"].as_str().unwrap();
        assert!(error.contains(reason), "{error}");
    };
    refused(b"\n", "malformed request");
    refused(b"GET / HTTP/1.0\r\n\r\n", "malformed request");
    refused(br#"{"op":"rm","name":"c"}"#, "malformed request");
    refused(
        br#"{"op":"stop","name":"c","signal":9}"#,
        "malformed request",
    );
    refused(&[0xff; 100], "malformed request: not UTF-8");
    refused(&vec![b'{'; 100_000], "request too large");
    refused(
        br#"{"op":"start","name":"../../etc"}"#,
        "invalid container name",
    );
    refused(
        br#"{"op":"info","name":"c/../c"}"#,
        "invalid container name",
    );
    refused(br#"{"op":"stop","name":".."}"#, "invalid container name");
    refused(br#"{"op":"info","name":"a\nb"}"#, "invalid container name");
    refused(
        br#"{"op":"attach","name":"../c","command":["sh"]}"#,
        "invalid container name",
    );
    refused(
        br#"{"op":"attach","name":"c","command":["sh"],"uid":0}"#,
        "malformed request",
    );
    refused(
        format!(
            r#"{{"op":"attach","name":"c","command":["{}"]}}"#,
            "x".repeat(2000)
        )
        .as_bytes(),
        "the command is too long",
    );
    refused(br#"{"op":"attach","name":"nope"}"#, "nope doesn't exist");
    refused(
        br#"{"op":"console","name":"../../etc"}"#,
        "invalid container name",
    );
    refused(
        format!(r#"{{"op":"console","name":"{}"}}"#, "c".repeat(300)).as_bytes(),
        "invalid container name",
    );
    refused(br#"{"op":"console","name":"nope"}"#, "nope doesn't exist");
    // The test launcher's containers have no console.
    refused(br#"{"op":"console","name":"c"}"#, "c has no console");
    refused(
        br#"{"op":"console","name":"c","tty":1}"#,
        "c has no tty 1: it has no ttys (lxc.tty.max = 0)",
    );
    refused(
        br#"{"op":"console","name":"c","tty":-1}"#,
        "malformed request",
    );
    // A client that connects and says nothing does not stall the others.
    let silent = UnixStream::connect(&socket).unwrap();
    let t = Instant::now();
    assert_eq!(
        w.client(&["info", "c", "-s"]).stdout,
        "State:          RUNNING\n"
    );
    assert!(t.elapsed() < Duration::from_secs(3));
    drop(silent);
    // Another user: the socket's mode keeps them out...
    let nobody = |args: &[&str]| {
        let mut c = Command::new(bin("cgconfigd"));
        c.arg("--state-dir")
            .arg(w.state())
            .args(args)
            .uid(65534)
            .gid(65534)
            .stdin(Stdio::null());
        test_support::Outcome::of(&mut c)
    };
    let out = nobody(&["stop", "c"]);
    assert_eq!(out.code, Some(1), "{}", out.transcript());
    assert!(out.stderr.contains("permission denied"), "{}", out.stderr);
    // ... and if the mode is opened up, the peer's credentials still do.
    for dir in [w.path(), &w.state()] {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
    }
    fs::set_permissions(&socket, fs::Permissions::from_mode(0o666)).unwrap();
    let out = nobody(&["stop", "c"]);
    assert_eq!(out.code, Some(1), "{}", out.transcript());
    assert!(
        out.stderr.contains(
            "permission denied: only root may use cgconfigd's control socket (you are uid 65534)"
        ),
        "{}",
        out.stderr
    );
    d.logged("from uid 65534");
    // Unharmed: the container still runs, and root is served.
    let pid = w.started()[0].2;
    assert!(alive(pid));
    let ls = w.client(&["ls", "-f", "-F", "NAME,STATE"]);
    assert_eq!(ls.stdout, "NAME STATE   \nc    RUNNING \n");
    assert_eq!(w.client(&["stop", "c"]).code, Some(0));
}

#[test]
fn new_and_changed_containers_are_seen_without_a_restart() {
    let w = need!(World::new("reload"));
    let d = Daemon::start(&w, &[]);
    let status = d.ready();
    assert!(status.contains("0 of 0 containers running"), "{status}");
    // A new autostart container is started; a new broken one is reported, alone.
    w.container("fresh", "lxc.start.auto = 1\n");
    eventually("fresh started", || w.started_names() == ["fresh"]);
    w.container("bad", "lxc.start.auto = 1\nlxc.start.delay = soon\n");
    d.logged("bad/config:4:19: error: `lxc.start.delay` must be a whole number of seconds");
    // A changed config takes effect at the next start.
    w.container("fresh", "lxc.start.auto = 1\nlxc.signal.halt = SIGUSR1\n");
    sleep(Duration::from_millis(300));
    assert_eq!(w.client(&["restart", "fresh"]).code, Some(0));
    assert_eq!(
        w.signals(),
        ["fresh PWR"],
        "the running one had the old config"
    );
    assert_eq!(w.client(&["stop", "fresh"]).code, Some(0));
    assert_eq!(w.signals(), ["fresh PWR", "fresh USR1"]);
    // Fixed: no longer refused.
    w.container("bad", "lxc.start.auto = 1\n");
    eventually("bad started once fixed", || {
        w.started_names().contains(&"bad".to_string())
    });
}

#[test]
fn delegated_mode_puts_the_containers_next_to_the_supervisor_leaf() {
    let w = need!(World::new("delegated"));
    w.container("c", "lxc.start.auto = 1\n");
    // The "unit": a cgroup of the prefix in the v2 hierarchy, as systemd would give it.
    let unit = w.group("svc");
    fs::create_dir_all(&unit).unwrap();
    let d = Daemon::start_with(
        &w,
        &["--mode", "delegated", "--base", "/"],
        Some(&[unit.join("cgroup.procs")]),
    );
    d.ready();
    eventually("c started", || w.started().len() == 1);
    let pid = w.started()[0].2;
    assert_eq!(w.unified.group_of(pid), format!("/{}/svc/lxc/c", w.prefix));
    assert_eq!(
        w.unified.group_of(d.pid()),
        format!("/{}/svc/supervisor", w.prefix)
    );
    assert_eq!(w.client(&["stop", "c"]).code, Some(0));
    assert!(!w.group("svc/lxc/c").exists());
}

/// The v1 way of killing a group (freeze, SIGKILL each task, thaw), used where the kernel
/// has no `cgroup.kill`: on this host's v1 freezer, or, in the pure v2 VM, through
/// `cgroup.freeze`.
#[test]
fn freeze_and_kill_empties_a_group() {
    use cgconfigd::containers::{group, launcher::Placement};
    let w = need!(World::new("freeze"));
    let cg = cgtools::Cgroups::discover().unwrap();
    let path = cgtools::GroupPath::new(&format!("{}/victims", w.prefix)).unwrap();
    let mut hierarchies = Vec::new();
    for (i, h) in cg.hierarchies().iter().enumerate() {
        let c = cg.cgroup(h, &path).unwrap();
        c.create(&[]).unwrap();
        hierarchies.push(i);
    }
    let p = Placement {
        cg: &cg,
        path: path.clone(),
        hierarchies,
    };
    let mut victims = [Spawned::sleeper(), Spawned::sleeper()];
    for v in &victims {
        for c in p.cgroups() {
            c.attach(v.pid()).unwrap();
        }
    }
    assert_eq!(group::tasks(&p).len(), 2);
    let how = group::freeze_and_kill(&p).unwrap();
    let expected = if w.host.has_v1() && w.host.v1("freezer").is_ok() {
        "v1 freezer"
    } else {
        "v2 cgroup.freeze"
    };
    assert_eq!(how, group::Killed::Frozen, "{expected}");
    group::wait_empty(&p, Duration::from_secs(10)).unwrap();
    for v in &mut victims {
        let status = v.wait_timeout(LONG).expect("killed");
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9));
    }
    // Not frozen afterwards: a new task runs.
    let c = p.cgroups()[0].clone();
    if c.hierarchy().has_controller("freezer") {
        assert_eq!(c.get("freezer.state").unwrap(), "THAWED");
    }
}

/// A container placed in a group of cgconfig.conf (`lxc.cgroup.dir`) lives under its
/// limits; its stop removes only what cgconfigd made for it: never the configured group,
/// never a group someone else made.
#[test]
fn a_configured_group_holds_containers_and_only_their_own_groups_go() {
    let w = need!(World::new("placed"));
    fs::write(
        w.path().join("cgconfig.conf"),
        "group web {\n\tcgroup { cgroup.max.descendants = 7; }\n}\n",
    )
    .unwrap();
    w.container("w1", "lxc.start.auto = 1\nlxc.cgroup.dir = web\n");
    w.container("w2", "lxc.start.auto = 1\nlxc.cgroup.dir = web\n");
    // `lxc`, the default parent, made by someone else before the daemon.
    fs::create_dir(w.group("lxc")).unwrap();
    w.container("plain", "lxc.start.auto = 1\n");
    let d = Daemon::start(&w, &[]);
    d.ready();
    eventually("three started", || w.started().len() == 3);
    for (name, _, pid) in w.started() {
        let expected = match name.as_str() {
            "plain" => format!("/{}/lxc/plain", w.prefix),
            other => format!("/{}/web/{other}", w.prefix),
        };
        assert_eq!(w.unified.group_of(pid), expected);
    }
    assert_eq!(
        fs::read_to_string(w.group("web/cgroup.max.descendants"))
            .unwrap()
            .trim(),
        "7"
    );
    for name in ["w1", "w2", "plain"] {
        let out = w.client(&["stop", name]);
        assert_eq!(out.code, Some(0), "{}", out.transcript());
    }
    assert!(!w.group("web/w1").exists() && !w.group("web/w2").exists());
    assert!(w.group("web").exists(), "the configured group was removed");
    assert!(!w.group("lxc/plain").exists());
    assert!(
        w.group("lxc").exists(),
        "a group cgconfigd did not make was removed"
    );
    // A reload that drops nothing keeps them all; the record names only cgconfigd's.
    let record = fs::read_to_string(w.state().join("owned.json")).unwrap();
    assert!(record.contains(&format!("/{}/web\"", w.prefix)), "{record}");
    assert!(
        !record.contains(&format!("/{}/lxc\"", w.prefix)),
        "{record}"
    );
    assert!(!record.contains("/w1\""), "{record}");
}

/// The whole path with the real launcher: a busybox container in a temporary lxcpath,
/// autostarted by the daemon into its group below the prefix, listed RUNNING, its pid 1
/// and hostname its own, then stopped on request with its halt signal (SIGPWR, which its
/// init traps) and its group removed.
#[test]
fn a_busybox_container_is_autostarted_listed_and_stopped_for_real() {
    let w = need!(World::new("real"));
    let dir = w.lxcpath().join("box");
    let rootfs = dir.join("rootfs");
    test_support::busybox_rootfs(&rootfs);
    let out = w.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(
        rootfs.join("init.sh"),
        "trap 'echo PWR > /out/signal; exit 0' PWR
hostname > /out/hostname
echo $$ > /out/pid
while :; do sleep 1 & wait $!; done
",
    )
    .unwrap();
    fs::write(
        dir.join("config"),
        format!(
            "lxc.rootfs.path = dir:{}
lxc.uts.name = box
lxc.init.cmd = /bin/sh /init.sh
lxc.start.auto = 1
lxc.mount.auto = proc:mixed sys:ro
lxc.mount.entry = {} out none bind,create=dir 0 0
lxc.console.path = none
# No AppArmor policy is loaded in the VM lane, whose kernel enables AppArmor.
lxc.apparmor.profile = unconfined
",
            rootfs.display(),
            out.display()
        ),
    )
    .unwrap();
    let d = Daemon::start_launching(&w, &[]);
    d.ready();
    eventually("the init reported", || out.join("pid").exists());
    assert_eq!(fs::read_to_string(out.join("pid")).unwrap().trim(), "1");
    assert_eq!(
        fs::read_to_string(out.join("hostname")).unwrap().trim(),
        "box"
    );
    let ls = w.client(&["ls", "-f"]);
    assert_eq!(ls.code, Some(0), "{}", ls.transcript());
    assert!(
        ls.stdout
            .lines()
            .any(|l| l.starts_with("box ") && l.contains("RUNNING")),
        "{}",
        ls.stdout
    );
    // The init, seen from the host (its pid as `info` gives it), is in the group.
    let info = w.client(&["info", "box"]);
    let pid: u32 = info
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("PID:"))
        .unwrap_or_else(|| panic!("{}", info.transcript()))
        .trim()
        .parse()
        .unwrap();
    assert!(w.procs("lxc/box").contains(&pid), "{}", info.stdout);
    let stop = w.client(&["stop", "box", "-t", "20"]);
    assert_eq!(stop.code, Some(0), "{}", stop.transcript());
    assert_eq!(
        fs::read_to_string(out.join("signal")).unwrap().trim(),
        "PWR"
    );
    eventually("the group removed", || !w.group("lxc/box").exists());
    drop(d);
}

/// A veth-networked busybox container under a daemon in a network namespace of its own
/// (with the test's bridge): `ls -f` shows its addresses, `info` its address, host end
/// and counters that grow with traffic; a restart keeps the hwaddr drawn for the
/// config's `x` digits; after the stop no veth remains. Nothing touches the host's
/// network namespace.
#[test]
fn a_networked_container_shows_its_addresses_and_traffic_and_keeps_its_hwaddr() {
    let w = need!(World::new("net"));
    let out = busybox_container(
        &w,
        "netbox",
        "trap 'exit 0' PWR
cat /sys/class/net/eth0/address > /out/mac.tmp && mv /out/mac.tmp /out/mac
while :; do sleep 1 & wait $!; done
",
        "lxc.console.path = none
lxc.net.0.type = veth
lxc.net.0.link = br-cg
lxc.net.0.flags = up
lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx
lxc.net.0.ipv4.address = 10.78.0.2/24
lxc.net.0.ipv6.address = fd78::2/64
",
    );
    // Three more networked containers, for the cost of `ls -f`.
    let peers = ["peer1", "peer2", "peer3"];
    for (i, name) in peers.iter().enumerate() {
        busybox_container(
            &w,
            name,
            "trap 'exit 0' PWR\nwhile :; do sleep 1 & wait $!; done\n",
            &format!(
                "lxc.console.path = none
lxc.net.0.type = veth
lxc.net.0.link = br-cg
lxc.net.0.flags = up
lxc.net.0.ipv4.address = 10.78.0.{}/24
",
                11 + i
            ),
        );
    }
    let d = Daemon::start_launching_in_netns(
        &w,
        "ip link set lo up; ip link add br-cg type bridge; \
         ip addr add 10.78.0.1/24 dev br-cg; ip link set br-cg up",
    );
    d.ready();
    let dpid = d.pid();
    let in_daemons_netns = |args: &[&str]| in_netns_of(dpid, args);
    eventually("the init reported its hwaddr", || out.join("mac").exists());
    let mac = fs::read_to_string(out.join("mac")).unwrap();
    assert!(mac.starts_with("00:16:3e:"), "{mac}");
    let ls = w.client(&["ls", "-f"]);
    assert_eq!(ls.code, Some(0), "{}", ls.transcript());
    let line = ls
        .stdout
        .lines()
        .find(|l| l.starts_with("netbox "))
        .unwrap_or_else(|| panic!("{}", ls.stdout));
    assert!(
        line.contains(" 10.78.0.2 ") && line.contains(" fd78::2 "),
        "{}",
        ls.stdout
    );
    for (i, name) in peers.iter().enumerate() {
        let want = format!(" 10.78.0.{} ", 11 + i);
        eventually("the peers running with their addresses", || {
            w.client(&["ls", "-f"])
                .stdout
                .lines()
                .any(|l| l.starts_with(&format!("{name} ")) && l.contains(&want))
        });
    }
    // `ls -f` with four networked containers: one netlink socket in each one's namespace.
    let mut times: Vec<Duration> = (0..10)
        .map(|_| {
            let t = Instant::now();
            let ls = w.client(&["ls", "-f"]);
            assert_eq!(ls.code, Some(0), "{}", ls.transcript());
            t.elapsed()
        })
        .collect();
    times.sort();
    eprintln!(
        "ls -f with 4 networked containers (client process included): median {:?}, max {:?}",
        times[5], times[9]
    );
    assert!(times[5] < Duration::from_millis(500), "{times:?}");
    for name in peers {
        let stop = w.client(&["stop", name, "-t", "20"]);
        assert_eq!(stop.code, Some(0), "{}", stop.transcript());
    }
    let counters = |info: &str, label: &str| -> u64 {
        info.lines()
            .find_map(|l| l.strip_prefix(label))
            .unwrap_or_else(|| panic!("no {label} in:\n{info}"))
            .trim()
            .parse()
            .unwrap()
    };
    let info = w.client(&["info", "netbox", "-H"]);
    assert_eq!(info.code, Some(0), "{}", info.transcript());
    assert!(
        info.stdout
            .contains("\nIP:             10.78.0.2\nIP:             fd78::2\n"),
        "{}",
        info.stdout
    );
    let veth = info
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Link:"))
        .unwrap_or_else(|| panic!("{}", info.stdout))
        .trim()
        .to_string();
    assert!(veth.starts_with("veth"), "{}", info.stdout);
    // The host end is on the test's bridge, in the daemon's namespace only.
    let (found, link) = in_daemons_netns(&["ip", "-o", "link", "show", &veth]);
    assert!(found && link.contains("master br-cg"), "{link}");
    assert!(!Path::new("/sys/class/net").join(&veth).exists());
    let tx = counters(&info.stdout, " TX bytes:");
    let rx = counters(&info.stdout, " RX bytes:");
    let (pinged, ping) =
        in_daemons_netns(&["/bin/busybox", "ping", "-c", "3", "-W", "5", "10.78.0.2"]);
    assert!(pinged, "{ping}");
    let info = w.client(&["info", "netbox", "-H", "-S"]);
    let (tx2, rx2) = (
        counters(&info.stdout, " TX bytes:"),
        counters(&info.stdout, " RX bytes:"),
    );
    // Three echo requests in, three replies out (84 bytes each at least).
    assert!(
        tx2 >= tx + 3 * 84 && rx2 >= rx + 3 * 84,
        "{tx} {rx} -> {tx2} {rx2}\n{}",
        info.stdout
    );
    assert_eq!(
        counters(&info.stdout, " Total bytes:"),
        tx2 + rx2,
        "{}",
        info.stdout
    );
    // A new daemon (the first one killed; a process of the test keeps their network
    // namespace) re-adopts the container with its host end, from the state file.
    let mut holding = Command::new("nsenter");
    holding.args(["-t", &dpid.to_string(), "-n", "sleep", "600"]);
    // Killed on drop, even when the test fails before its end.
    let holder = Spawned::new(holding);
    let netns_of = |pid: u32| fs::read_link(format!("/proc/{pid}/ns/net")).ok();
    eventually("the holder in the daemon's network namespace", || {
        netns_of(holder.pid()) == netns_of(d.pid().unsigned_abs())
    });
    let mut d = d;
    d.kill();
    d.wait(LONG);
    let d = Daemon::start_launching_in_netns_of(&w, holder.pid());
    d.ready();
    let dpid = d.pid();
    let in_daemons_netns = |args: &[&str]| in_netns_of(dpid, args);
    let human = w.client(&["info", "netbox"]);
    assert!(
        human
            .stdout
            .contains(&format!("Link:           {veth}\n TX bytes:      ")),
        "{}",
        human.stdout
    );
    // The drawn address is kept (in the state directory, not in the config) and reused.
    let kept = fs::read_to_string(w.state().join("hwaddr/netbox.json")).unwrap();
    assert!(kept.contains(mac.trim()), "{kept} {mac}");
    fs::remove_file(out.join("mac")).unwrap();
    let restart = w.client(&["restart", "netbox"]);
    assert_eq!(restart.code, Some(0), "{}", restart.transcript());
    eventually("the restarted init reported its hwaddr", || {
        out.join("mac").exists()
    });
    assert_eq!(fs::read_to_string(out.join("mac")).unwrap(), mac);
    assert!(!fs::read_to_string(w.lxcpath().join("netbox/config"))
        .unwrap()
        .contains(mac.trim()));
    let stop = w.client(&["stop", "netbox", "-t", "20"]);
    assert_eq!(stop.code, Some(0), "{}", stop.transcript());
    eventually("no veth left in the daemon's namespace", || {
        let (_, links) = in_daemons_netns(&["ip", "-o", "link"]);
        !links.contains("veth")
    });
    let (_, links) = in_daemons_netns(&["ip", "-o", "link"]);
    assert_eq!(links.lines().count(), 2, "lo and br-cg only: {links}");
    drop(d);
    drop(holder);
}

/// A busybox container `name` of `w`, started by the daemon with the container crate's
/// launcher: its `/out` is the host's `<tmp>/out-<name>`, its init the script `init`;
/// `extra` config lines. Returns the host side of `/out`.
fn busybox_container(w: &World, name: &str, init: &str, extra: &str) -> PathBuf {
    let dir = w.lxcpath().join(name);
    let rootfs = dir.join("rootfs");
    test_support::busybox_rootfs(&rootfs);
    fs::write(rootfs.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
    let out = w.path().join(format!("out-{name}"));
    fs::create_dir(&out).unwrap();
    fs::write(rootfs.join("init.sh"), init).unwrap();
    fs::write(
        dir.join("config"),
        format!(
            "lxc.rootfs.path = dir:{}
lxc.uts.name = {name}
lxc.init.cmd = /bin/sh /init.sh
lxc.start.auto = 1
lxc.mount.auto = proc:mixed sys:ro
lxc.mount.entry = {} out none bind,create=dir 0 0
# No AppArmor policy is loaded in the VM lane, whose kernel enables AppArmor.
lxc.apparmor.profile = unconfined
{extra}",
            rootfs.display(),
            out.display()
        ),
    )
    .unwrap();
    out
}

/// The seccomp profile of Debian's LXC (`common.seccomp`), as the container crate's
/// tests keep it.
fn lxc_seccomp_profile() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../container/tests/data/lxc/usr/share/lxc/config/common.seccomp")
}

/// A field of a `/proc/PID/status` text.
fn status_field<'a>(status: &'a str, name: &str) -> &'a str {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .map_or("", str::trim)
}

/// A client run on a pty the test holds, as on an administrator's terminal.
struct OnPty {
    child: Child,
    master: std::os::fd::OwnedFd,
    slave: std::os::fd::OwnedFd,
    seen: String,
    /// The terminal's modes before the client ran.
    initial: String,
}

impl OnPty {
    fn spawn(w: &World, args: &[&str]) -> OnPty {
        use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
        let master =
            openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC).unwrap();
        grantpt(&master).unwrap();
        unlockpt(&master).unwrap();
        let name = ptsname(&master, Vec::new()).unwrap();
        let slave = rustix::fs::open(
            name.as_c_str(),
            rustix::fs::OFlags::RDWR | rustix::fs::OFlags::NOCTTY | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )
        .unwrap();
        rustix::termios::tcsetwinsize(
            &slave,
            rustix::termios::Winsize {
                ws_row: 24,
                ws_col: 80,
                ws_xpixel: 0,
                ws_ypixel: 0,
            },
        )
        .unwrap();
        let t = rustix::termios::tcgetattr(&slave).unwrap();
        let initial = format!(
            "{:?} {:?} {:?}",
            t.input_modes, t.output_modes, t.local_modes
        );
        let stdio = || Stdio::from(slave.try_clone().unwrap());
        let child = Command::new(bin("cgconfigd"))
            .arg("--state-dir")
            .arg(w.state())
            .args(args)
            .stdin(stdio())
            .stdout(stdio())
            .stderr(stdio())
            .spawn()
            .unwrap();
        OnPty {
            child,
            master,
            slave,
            seen: String::new(),
            initial,
        }
    }

    /// Reads the terminal until it has shown `needle` (since the last `expect`).
    fn expect(&mut self, needle: &str) {
        use rustix::event::{poll, PollFd, PollFlags, Timespec};
        let start = Instant::now();
        while !self.seen.contains(needle) {
            assert!(
                start.elapsed() < LONG,
                "the terminal never showed {needle:?}; it showed {:?}",
                self.seen
            );
            let mut fds = [PollFd::new(&self.master, PollFlags::IN)];
            let timeout = Timespec {
                tv_sec: 0,
                tv_nsec: 100_000_000,
            };
            if poll(&mut fds, Some(&timeout)).unwrap_or(0) == 0 {
                continue;
            }
            let mut buf = [0u8; 4096];
            match rustix::io::read(&self.master, &mut buf) {
                Ok(n) => self.seen.push_str(&String::from_utf8_lossy(&buf[..n])),
                Err(e) => panic!("reading the terminal: {e}; it showed {:?}", self.seen),
            }
        }
        let at = self.seen.find(needle).unwrap() + needle.len();
        self.seen.drain(..at);
    }

    /// Waits for the client to put the terminal in raw mode: what is typed before would
    /// be discarded by it (TCSAFLUSH, as LXC).
    fn raw(&self) {
        eventually("the terminal in raw mode", || self.modes() != self.initial);
    }

    fn send(&self, bytes: &[u8]) {
        rustix::io::write(&self.master, bytes).unwrap();
    }

    /// The terminal's modes (those raw mode changes).
    fn modes(&self) -> String {
        let t = rustix::termios::tcgetattr(&self.slave).unwrap();
        format!(
            "{:?} {:?} {:?}",
            t.input_modes, t.output_modes, t.local_modes
        )
    }

    fn wait(&mut self) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < LONG,
                "the client did not exit: {:?}",
                self.seen
            );
            sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for OnPty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn attach_runs_a_command_in_a_real_container_with_its_limits() {
    let w = need!(World::new("attach"));
    let out = busybox_container(
        &w,
        "box",
        "echo $$ > /out/pid
while :; do sleep 1 & wait $!; done
",
        &format!(
            "lxc.console.path = none\nlxc.cap.drop = sys_time sys_module\nlxc.seccomp.profile = {}\n",
            lxc_seccomp_profile().display()
        ),
    );
    let d = Daemon::start_launching(&w, &[]);
    d.ready();
    eventually("the init reported", || out.join("pid").exists());
    let init_pid: u32 = w
        .client(&["info", "box", "-p"])
        .stdout
        .trim()
        .strip_prefix("PID:")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let init_status = fs::read_to_string(format!("/proc/{init_pid}/status")).unwrap();

    let run = w.client(&[
        "attach",
        "box",
        "--",
        "/bin/sh",
        "-c",
        "hostname; cat /proc/self/status; echo cgroups:; cat /proc/self/cgroup; echo procs:; \
         ls /proc; echo env:; env; exit 7",
    ]);
    assert_eq!(run.code, Some(7), "{}", run.transcript());
    let text = run.stdout;
    assert_eq!(text.lines().next(), Some("box"), "its hostname: {text}");
    let (status, rest) = text.split_once("cgroups:\n").unwrap();
    let (cgroups, rest) = rest.split_once("procs:\n").unwrap();
    let (procs, env) = rest.split_once("env:\n").unwrap();
    // The container's limits: its bounding set (the init's), its seccomp filter.
    let bounding = status_field(status, "CapBnd");
    assert_eq!(bounding, status_field(&init_status, "CapBnd"));
    let bits = u64::from_str_radix(bounding, 16).unwrap();
    assert_eq!(
        bits & (1 << 16 | 1 << 25),
        0,
        "sys_module, sys_time: {bounding}"
    );
    assert_eq!(status_field(status, "Seccomp"), "2", "{status}");
    // Its group: the root of its cgroup namespace, which is the init's group.
    for line in cgroups.lines() {
        assert!(
            line.ends_with(":/"),
            "not in the container's group: {cgroups}"
        );
    }
    // Its processes only: the init is 1, no host process shows.
    let pids: Vec<u32> = procs.lines().filter_map(|l| l.parse().ok()).collect();
    assert!(pids.contains(&1), "{procs}");
    assert!(
        pids.iter().all(|p| *p < 100),
        "host processes in its /proc: {procs}"
    );
    // The environment cleared but container=lxc and PATH (and what the shell sets).
    let mut vars: Vec<&str> = env
        .lines()
        .filter(|l| !l.starts_with("SHLVL=") && !l.starts_with("PWD="))
        .collect();
    vars.sort_unstable();
    assert_eq!(
        vars,
        [
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "container=lxc"
        ]
    );
    // Nothing of the command is left: the init and its own children only.
    let procs = w.procs("lxc/box");
    assert!(procs.contains(&init_pid));
    for pid in procs {
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let ppid: u32 = stat[stat.rfind(')').unwrap_or(0) + 2..]
            .split(' ')
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(init_pid);
        assert!(
            pid == init_pid || ppid == init_pid,
            "left in the group: {stat}"
        );
    }

    // A long command line is the command's whole (the daemon logs its beginning).
    let script = format!(": {}; echo $#", "x".repeat(3000));
    let mut args = vec!["attach", "box", "--", "/bin/sh", "-c", &script, "sh"];
    let many: Vec<String> = (0..300).map(|i| format!("a{i}")).collect();
    args.extend(many.iter().map(String::as_str));
    let long = w.client(&args);
    assert_eq!(long.code, Some(0), "{}", long.transcript());
    assert_eq!(long.stdout, "300\n");
    // Errors: an unknown container, a command that does not exist, a non-root client.
    let nope = w.client(&["attach", "nope", "--", "true"]);
    assert_eq!(nope.code, Some(1));
    assert_eq!(nope.stderr, "cgconfigd: nope doesn't exist\n");
    let missing = w.client(&["attach", "box", "--", "/bin/nope"]);
    assert_eq!(missing.code, Some(127), "{}", missing.transcript());
    assert!(
        missing
            .stderr
            .contains("executing /bin/nope in the container failed: ENOENT"),
        "{}",
        missing.stderr
    );
    let mut c = Command::new(bin("cgconfigd"));
    c.arg("--state-dir")
        .arg(w.state())
        .args(["attach", "box", "--", "true"])
        .uid(65534)
        .gid(65534)
        .stdin(Stdio::null());
    let nobody = test_support::Outcome::of(&mut c);
    assert_eq!(nobody.code, Some(1), "{}", nobody.transcript());
    assert!(
        nobody.stderr.contains("permission denied"),
        "{}",
        nobody.stderr
    );

    // On a terminal: root's shell of the container's /etc/passwd, on a pty of its own
    // relayed to the caller's terminal in raw mode, restored at the end.
    let mut pty = OnPty::spawn(&w, &["attach", "box"]);
    pty.expect("# ");
    assert_ne!(pty.modes(), pty.initial, "the terminal is not in raw mode");
    pty.send(b"echo $((6 * 7)); exit 5\r");
    pty.expect("42");
    assert_eq!(pty.wait().code(), Some(5));
    assert_eq!(
        pty.modes(),
        pty.initial,
        "the terminal's modes are not restored"
    );
    // A client killed while its command runs: the terminal restored, the command told
    // (its pty hangs up: SIGHUP) and gone from the container's group. The command
    // inherits the client's ignored signals, as any exec does: under `nohup` (a test run
    // in the background) SIGHUP would be ignored and the command would rightly stay.
    sighup_by_default();
    let mut pty = OnPty::spawn(
        &w,
        &[
            "attach",
            "box",
            "--",
            "/bin/sh",
            "-c",
            "echo up; exec sleep 1000",
        ],
    );
    pty.expect("up");
    let sleeping = || {
        w.procs("lxc/box").into_iter().any(|p| {
            fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default() == b"sleep\x001000\x00"
        })
    };
    eventually("the command runs", sleeping);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pty.child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert_eq!(pty.wait().code(), Some(128 + 15));
    assert_eq!(
        pty.modes(),
        pty.initial,
        "the terminal's modes are not restored"
    );
    eventually("the command gone with its terminal", || !sleeping());
    // No console: started with lxc.console.path = none.
    let console = w.client(&["console", "box"]);
    assert_eq!(console.code, Some(1));
    assert_eq!(
        console.stderr,
        "cgconfigd: box has no console (lxc.console.path = none)\n"
    );

    let stop = w.client(&["stop", "box"]);
    assert_eq!(stop.code, Some(0), "{}", stop.transcript());
    let stopped = w.client(&["attach", "box", "--", "true"]);
    assert_eq!(stopped.code, Some(1));
    assert_eq!(stopped.stderr, "cgconfigd: box is not running (stopped)\n");
    drop(d);
}

/// An init that answers on its console: for round N, once `/out/goN` exists, it writes
/// `helloN` to /dev/console and copies the line it reads from /dev/console to
/// `/out/consoleN`.
const CONSOLE_INIT: &str = "touch /out/ready
i=0
while :; do
  i=$((i+1))
  while [ ! -e /out/go$i ]; do sleep 0.1; done
  echo hello$i > /dev/console
  read line < /dev/console
  echo \"$line\" > /out/console$i
done
";

#[test]
fn console_reaches_the_inits_terminal_on_a_terminal_and_through_pipes() {
    let w = need!(World::new("console"));
    let out = busybox_container(&w, "con", CONSOLE_INIT, "");
    let d = Daemon::start_launching(&w, &[]);
    d.ready();
    eventually("the init started", || out.join("ready").exists());
    let line = |n: u32| fs::read_to_string(out.join(format!("console{n}"))).unwrap_or_default();

    // On a terminal: LXC's banner, raw mode, the init's output, a line typed in.
    let mut pty = OnPty::spawn(&w, &["console", "con"]);
    pty.expect(
        "\r\nConnected to tty 0\r\nType <Ctrl+a q> to exit the console, \
         <Ctrl+a Ctrl+a> to enter Ctrl+a itself\r\n",
    );
    // Raw mode follows the banner, as with LXC.
    pty.raw();
    // One client at a time.
    let second = w.client(&["console", "con"]);
    assert_eq!(second.code, Some(1));
    assert_eq!(
        second.stderr,
        "cgconfigd: the console of con is in use by another cgconfigd console \
         (one client at a time, as lxc-console)\n"
    );
    fs::write(out.join("go1"), "").unwrap();
    pty.expect("hello1\r\n");
    pty.send(b"typed in\r");
    eventually("the init read the line", || line(1) == "typed in\n");
    pty.send(b"\x01q");
    assert_eq!(pty.wait().code(), Some(0));
    assert_eq!(
        pty.modes(),
        pty.initial,
        "the terminal's modes are not restored"
    );
    d.logged("container con: console client disconnected");

    // Through pipes, with another escape key.
    let mut client = Command::new(bin("cgconfigd"))
        .arg("--state-dir")
        .arg(w.state())
        .args(["console", "con", "-e", "b"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let shown = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&shown);
    let mut stdout = client.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let mut stderr = client.stderr.take().unwrap();
    let expected = "\nConnected to tty 0\nType <Ctrl+b q> to exit the console, \
                    <Ctrl+b Ctrl+b> to enter Ctrl+b itself\n";
    let mut banner = vec![0u8; expected.len()];
    stderr.read_exact(&mut banner).unwrap();
    assert_eq!(String::from_utf8_lossy(&banner), expected);
    fs::write(out.join("go2"), "").unwrap();
    eventually("hello2 shown", || shown.lock().unwrap().contains("hello2"));
    let mut stdin = client.stdin.take().unwrap();
    stdin.write_all(b"piped in\n").unwrap();
    eventually("the init read the piped line", || line(2) == "piped in\n");
    // With -e b, Ctrl+a q is two keys for the console; Ctrl+b q detaches.
    stdin.write_all(b"\x01q\x02q").unwrap();
    let status = client.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    reader.join().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "", "nothing more on stderr");
    // The init's console still works for the next client: the daemon drains it meanwhile.
    fs::write(out.join("go3"), "").unwrap();
    let mut pty = OnPty::spawn(&w, &["console", "con"]);
    pty.expect("Connected to tty 0");
    pty.raw();
    pty.send(b"third\r");
    // The keys the pipe sent after its line, then this one's.
    eventually("the third line", || line(3) == "\x01qthird\n");
    pty.send(b"\x01q");
    assert_eq!(pty.wait().code(), Some(0));
    drop(d);
}

/// An init with ttys (`lxc.tty.max = 4`): it records its environment and /dev, starts a
/// shell on /dev/tty2 (as a getty would), and writes more to /dev/tty1 than a pty holds,
/// which only ends if the daemon drains the tty nobody is connected to.
const TTY_INIT: &str = "busybox env > /out/env
ls -l /dev > /out/dev
busybox setsid -c /bin/sh -i </dev/tty2 >/dev/tty2 2>&1 &
busybox yes 0123456789abcdef | busybox head -c 300000 > /dev/tty1 && touch /out/drained
touch /out/ready
while :; do sleep 1; done
";

#[test]
fn console_t_n_reaches_tty_n_of_a_container_with_lxc_tty_max() {
    let w = need!(World::new("ttys"));
    let out = busybox_container(&w, "box", TTY_INIT, "lxc.tty.max = 4\n");
    let d = Daemon::start_launching(&w, &[]);
    d.ready();
    eventually("the init started", || out.join("ready").exists());
    // 300 kB went to tty 1 with no client: the daemon read them.
    assert!(out.join("drained").exists());
    let env = fs::read_to_string(out.join("env")).unwrap();
    assert!(
        env.lines()
            .any(|l| l == "container_ttys=tty1 tty2 tty3 tty4"),
        "{env}"
    );
    let dev = fs::read_to_string(out.join("dev")).unwrap();
    for n in 1..=4 {
        assert!(dev.contains(&format!(" tty{n}\n")), "no /dev/tty{n}: {dev}");
    }

    // -t 2: LXC's banner for tty 2, then the shell the init started on /dev/tty2.
    let mut pty = OnPty::spawn(&w, &["console", "box", "-t", "2"]);
    pty.expect(
        "\r\nConnected to tty 2\r\nType <Ctrl+a q> to exit the console, \
         <Ctrl+a Ctrl+a> to enter Ctrl+a itself\r\n",
    );
    pty.raw();
    d.logged("container box: tty 2 client connected");
    pty.send(b"busybox tty > /out/which; echo tty-$((40+2))\r");
    pty.expect("tty-42");
    assert_eq!(
        fs::read_to_string(out.join("which")).unwrap(),
        "/dev/tty2\n",
        "the shell on tty 2 is not on /dev/tty2"
    );
    // tty 2 has its client; tty 9 does not exist: refused as lxc-console refuses them
    // (exit status 1), with what is wrong.
    let second = w.client(&["console", "box", "-t", "2"]);
    assert_eq!(second.code, Some(1), "{}", second.transcript());
    assert_eq!(
        second.stderr,
        "cgconfigd: tty 2 of box is in use by another cgconfigd console \
         (one client at a time, as lxc-console)\n"
    );
    let nine = w.client(&["console", "box", "-t", "9"]);
    assert_eq!(nine.code, Some(1), "{}", nine.transcript());
    assert_eq!(
        nine.stderr,
        "cgconfigd: box has no tty 9: its ttys are 1 to 4 (lxc.tty.max = 4), and 0 is its \
         console\n"
    );
    pty.send(b"\x01q");
    assert_eq!(pty.wait().code(), Some(0));
    d.logged("container box: tty 2 client disconnected");
    // Another tty, and the console (also without -t), have clients of their own.
    let mut four = OnPty::spawn(&w, &["console", "box", "-t", "4"]);
    four.expect("Connected to tty 4\r\n");
    let mut console = OnPty::spawn(&w, &["console", "box"]);
    console.expect("Connected to tty 0\r\n");
    four.raw();
    four.send(b"\x01q");
    assert_eq!(four.wait().code(), Some(0));
    console.raw();
    console.send(b"\x01q");
    assert_eq!(console.wait().code(), Some(0));
    drop(d);
}

/// A `phys` device moves into its container under the container's name for it and comes
/// back to the daemon's network namespace under its own name and MTU when the container
/// stops: on request, and when the daemon that stops it is not the one that started it
/// (killed with -9; the next one re-adopted the container).
#[test]
fn a_phys_device_comes_back_when_its_container_stops_even_after_a_daemon_restart() {
    let w = need!(World::new("phys"));
    busybox_container(
        &w,
        "physbox",
        "trap 'exit 0' PWR
cat /sys/class/net/eth3/mtu > /out/mtu.tmp && mv /out/mtu.tmp /out/mtu
while :; do sleep 1 & wait $!; done
",
        "lxc.console.path = none
lxc.start.auto = 0
lxc.net.0.type = phys
lxc.net.0.link = physA
lxc.net.0.name = eth3
lxc.net.0.flags = up
lxc.net.0.ipv4.address = 10.79.0.2/24
",
    );
    let out = w.path().join("out-physbox");
    // The "physical" device: one end of a veth pair in the daemon's scratch namespace.
    let ip = test_support::iproute2();
    let d = Daemon::start_launching_in_netns(
        &w,
        &format!("{ip} link set lo up; {ip} link add physA mtu 1400 type veth peer name physB"),
    );
    d.ready();
    let dpid = d.pid();
    let link = |pid: i32, name: &str| in_netns_of(pid, &[ip, "-o", "link", "show", "dev", name]);
    let back = |pid: i32| {
        eventually("physA back in the daemon's namespace", || {
            link(pid, "physA").0
        });
        let (_, line) = link(pid, "physA");
        assert!(line.contains("mtu 1400"), "{line}");
    };
    for round in ["on request", "after a restart of the daemon"] {
        let _ = fs::remove_file(out.join("mtu"));
        let start = w.client(&["start", "physbox"]);
        assert_eq!(start.code, Some(0), "{round}: {}", start.transcript());
        eventually("the init reported eth3", || out.join("mtu").exists());
        assert_eq!(fs::read_to_string(out.join("mtu")).unwrap(), "1400\n");
        assert!(
            !link(dpid, "physA").0,
            "{round}: physA still in the daemon's namespace"
        );
        if round == "on request" {
            let stop = w.client(&["stop", "physbox", "-t", "20"]);
            assert_eq!(stop.code, Some(0), "{}", stop.transcript());
            back(dpid);
        }
    }
    // The second round: kill -9, a new daemon in the same namespace re-adopts, stops.
    let mut holding = Command::new("nsenter");
    holding.args(["-t", &dpid.to_string(), "-n", "sleep", "600"]);
    // Killed on drop, even when the test fails before its end.
    let holder = Spawned::new(holding);
    let netns_of = |pid: u32| fs::read_link(format!("/proc/{pid}/ns/net")).ok();
    eventually("the holder in the daemon's network namespace", || {
        netns_of(holder.pid()) == netns_of(dpid.unsigned_abs())
    });
    let mut d = d;
    d.kill();
    d.wait(LONG);
    let d = Daemon::start_launching_in_netns_of(&w, holder.pid());
    d.ready();
    d.logged("container physbox: re-adopted");
    let stop = w.client(&["stop", "physbox", "-t", "20"]);
    assert_eq!(stop.code, Some(0), "{}", stop.transcript());
    back(d.pid());
    drop(d);
    drop(holder);
}
