//! The cgred socket server (`cgconfigd::rules::cgred_server`) with libcgroup's own
//! clients: Debian's `cgclassify --sticky`, `cgclassify --cancel-sticky` and
//! `cgexec --sticky` (cgroup-tools) talk to the path compiled into them,
//! `/var/run/cgred.socket`, which is `/run/cgred.socket` through Debian's `/var/run`
//! symbolic link: the server binds that path, so the test runs only as root and only when
//! nothing else is bound there (else skipped and counted), and removes the socket after.
//!
//! libcgroup's tools register the process before they try to move it; on a host without
//! cgrules.conf the move then fails, which does not matter here: the test looks at what
//! the server received and what it answered (the tools report a wrong answer as an error,
//! and print nothing for a right one).
//!
//! The second test runs the whole daemon (`cgconfigd --rules-engine` with its default
//! socket) and shows that a process libcgroup's `cgclassify --sticky` registered is left
//! where it is by a rescan that would move it, until `cgclassify --cancel-sticky`. The two
//! tests take turns on the socket path (a lock), since the test harness runs them at once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cgconfigd::rules::cgred_server::{Options, Outcome, Server, DEFAULT_SOCKET_PATH};
use cgconfigd::rules::sticky::{Registered, StickyTable, UNCHANGE_CHILDREN};
use test_support::{bin, need, skip, status_of, Daemon, DaemonCommand, Host, Spawned, TestGroups};

/// Held by a test while it binds [`DEFAULT_SOCKET_PATH`].
static SYSTEM_SOCKET: Mutex<()> = Mutex::new(());

/// Why [`DEFAULT_SOCKET_PATH`] cannot be used with libcgroup's tools here, if it cannot.
fn system_socket_unusable() -> Option<String> {
    if !nix::unistd::geteuid().is_root() {
        return Some(format!("binding {DEFAULT_SOCKET_PATH} needs root"));
    }
    for tool in ["/usr/bin/cgclassify", "/usr/bin/cgexec"] {
        if !Path::new(tool).exists() {
            return Some(format!(
                "libcgroup's {tool} (cgroup-tools) is not installed"
            ));
        }
    }
    if let Ok(meta) = std::fs::symlink_metadata(DEFAULT_SOCKET_PATH) {
        return Some(format!(
            "{DEFAULT_SOCKET_PATH} exists (a {:?}): another daemon may own it, not touched",
            meta.file_type()
        ));
    }
    let var_run = std::fs::canonicalize("/var/run").ok();
    if var_run.as_deref() != Some(Path::new("/run")) {
        return Some(format!("/var/run is not /run here ({var_run:?}): libcgroup's tools would not reach {DEFAULT_SOCKET_PATH}"));
    }
    None
}

/// How long a client may take (generous: the VM lane's emulated CPU).
const WAIT: Duration = Duration::from_secs(20);

/// Services `server` until `child` exits, and a little after (its request may be read
/// after its exit); returns what became of the child's connections (others are left out:
/// on a shared host, libcgroup's tools run by other tests may reach the socket too) and
/// the child's stderr.
fn serve_until_exit(
    server: &mut Server,
    table: &mut StickyTable,
    mut child: Child,
) -> (Vec<Outcome>, String) {
    let client = i32::try_from(child.id()).ok();
    let start = Instant::now();
    let mut outcomes = Vec::new();
    loop {
        assert!(
            start.elapsed() < WAIT,
            "the client is still running: {outcomes:?}"
        );
        let fds = server.pollables();
        let mut polled: Vec<_> = fds
            .iter()
            .map(|fd| rustix::event::PollFd::new(fd, rustix::event::PollFlags::IN))
            .collect();
        let tick = rustix::event::Timespec {
            tv_sec: 0,
            tv_nsec: 10_000_000,
        };
        rustix::event::poll(&mut polled, Some(&tick)).unwrap();
        drop(polled);
        drop(fds);
        outcomes.extend(server.service(table));
        if child.try_wait().unwrap().is_some() {
            outcomes.extend(server.service(table));
            break;
        }
    }
    let output = child.wait_with_output().unwrap();
    outcomes.retain(|o| match o {
        Outcome::Served { peer, .. } | Outcome::Refused { peer, .. } => {
            peer.is_none_or(|p| Some(p.pid) == client)
        }
    });
    (
        outcomes,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn spawn(program: &str, args: &[&str]) -> Child {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The one outcome of a run, which must have been served.
fn served(outcomes: &[Outcome], stderr: &str) -> (u32, i32, Registered) {
    match outcomes {
        [Outcome::Served {
            pid,
            flags,
            registered,
            ..
        }] => (*pid, *flags, *registered),
        other => panic!("expected one served request, got {other:?}; stderr: {stderr}"),
    }
}

#[test]
fn libcgroups_clients_register_and_cancel() {
    let _turn = SYSTEM_SOCKET.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(why) = system_socket_unusable() {
        skip!("{why}");
    }
    let mut server = Server::bind(&Options::default()).unwrap();
    let mut table = StickyTable::new();
    let sleeper = Spawned::sleeper();
    let pid = sleeper.pid();

    let (outcomes, stderr) = serve_until_exit(
        &mut server,
        &mut table,
        spawn("cgclassify", &["--sticky", &pid.to_string()]),
    );
    assert_eq!(
        served(&outcomes, &stderr),
        (
            pid,
            UNCHANGE_CHILDREN,
            Registered::Stored { children: true }
        )
    );
    assert!(table.children_sticky(pid));

    let (outcomes, stderr) = serve_until_exit(
        &mut server,
        &mut table,
        spawn("cgclassify", &["--cancel-sticky", &pid.to_string()]),
    );
    assert_eq!(served(&outcomes, &stderr), (pid, 2, Registered::Cancelled));
    assert!(!table.is_sticky(pid));

    // cgexec registers itself (its own pid, which then execs the command).
    let child = spawn("cgexec", &["--sticky", "true"]);
    let cgexec = child.id();
    let (outcomes, stderr) = serve_until_exit(&mut server, &mut table, child);
    assert_eq!(
        served(&outcomes, &stderr),
        (
            cgexec,
            UNCHANGE_CHILDREN,
            Registered::Stored { children: true }
        )
    );

    // Without --sticky, cgexec registers itself too, without its children.
    let child = spawn("cgexec", &["true"]);
    let cgexec = child.id();
    let (outcomes, stderr) = serve_until_exit(&mut server, &mut table, child);
    assert_eq!(
        served(&outcomes, &stderr),
        (cgexec, 0, Registered::Stored { children: false })
    );

    drop(server);
    assert!(
        std::fs::symlink_metadata(DEFAULT_SOCKET_PATH).is_err(),
        "the socket is removed with the server"
    );
}

/// The daemon at `/run/cgred.socket`, its rules engine placing a program of this test in
/// `a` below the test's prefix; libcgroup's cgclassify registers and cancels.
#[test]
fn the_daemon_leaves_alone_what_libcgroups_cgclassify_made_sticky() {
    let _turn = SYSTEM_SOCKET.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(why) = system_socket_unusable() {
        skip!("{why}");
    }
    let host = need!(Host::for_test());
    let v2 = need!(host.unified());
    let groups = TestGroups::new(&host);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("cgconfig.conf"),
        "group a {\n\tcgroup { }\n}\ngroup s {\n\tcgroup { }\n}\n",
    )
    .unwrap();
    // A program only this test runs: a link to the tests' helper under a unique name.
    let name = format!("cgt-cgred-{}-held", std::process::id());
    let helper = bin("cgtools-e2e-helper");
    let program = helper.with_file_name(&name);
    let _ = std::fs::remove_file(&program);
    std::fs::hard_link(&helper, &program).unwrap();
    std::fs::write(d.join("cgrules.conf"), format!("*:{name}  cgroup  a\n")).unwrap();
    let path = |p: &str| d.join(p).display().to_string();
    // Dropped after the daemon (declared before it).
    let _stale = StaleSocket;
    let daemon = Daemon::spawn(DaemonCommand {
        binary: bin("cgconfigd"),
        args: vec![
            "-c".into(),
            path("cgconfig.conf"),
            "-d".into(),
            path("cgconfig.d"),
            "--state-dir".into(),
            path("state"),
            "--no-containers".into(),
            "--base".into(),
            groups.prefix.clone(),
            "--rules-engine".into(),
            "--rules".into(),
            path("cgrules.conf"),
            "--rules-dir".into(),
            path("cgrules.d"),
        ],
        socket_dir: d,
        enter: None,
        env: Vec::new(),
        netns_setup: None,
        netns_of: None,
    });
    let status = status_of(&daemon.expect_all(0, &["READY=1"], WAIT));
    assert!(status.contains("sticky process"), "{status}");
    let line = |group: &str| format!("0::/{}/{group}", groups.prefix);
    let held = Spawned::new({
        let mut c = Command::new(&program);
        c.arg("300");
        c
    });
    let pid = held.pid();
    let in_group = |group: &str| {
        std::fs::read_to_string(format!("/proc/{pid}/cgroup"))
            .unwrap_or_default()
            .lines()
            .any(|l| l == line(group))
    };
    let until = |what: &dyn Fn() -> bool, why: &str| {
        let start = Instant::now();
        while !what() {
            assert!(start.elapsed() < WAIT, "{why}; log:\n{}", daemon.log());
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    until(&|| in_group("a"), "not moved to a by its rule");

    // libcgroup's client registers it (its own move by the host's rules fails or does
    // nothing; only the registration matters); the test then puts it elsewhere by hand.
    let _ = Command::new("cgclassify")
        .args(["--sticky", &pid.to_string()])
        .output()
        .unwrap();
    assert!(
        daemon.logs_within(
            &format!("made process {pid} and its children sticky; "),
            WAIT
        ),
        "log:\n{}",
        daemon.log()
    );
    std::fs::write(
        v2.path.join(&groups.prefix).join("s/cgroup.procs"),
        pid.to_string(),
    )
    .unwrap();
    let signal = |signal| {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(daemon.pid() as i32), signal).unwrap()
    };
    // A full reload and rescan, done at the READY=1 after it.
    let sighup = || {
        let n = daemon.seen();
        signal(nix::sys::signal::Signal::SIGHUP);
        daemon.expect_all(n, &["READY=1"], WAIT);
    };
    sighup();
    assert!(
        in_group("s"),
        "a sticky process was moved; log:\n{}",
        daemon.log()
    );

    let _ = Command::new("cgclassify")
        .args(["--cancel-sticky", &pid.to_string()])
        .output()
        .unwrap();
    assert!(
        daemon.logs_within(
            &format!("cancelled the stickiness of process {pid}; "),
            WAIT
        ),
        "log:\n{}",
        daemon.log()
    );
    sighup();
    until(&|| in_group("a"), "not moved back to a after the cancel");
    // Stopped, the daemon removes its socket.
    signal(nix::sys::signal::Signal::SIGTERM);
    let mut daemon = daemon;
    assert!(daemon.wait(WAIT).success(), "log:\n{}", daemon.log());
    assert!(
        std::fs::symlink_metadata(DEFAULT_SOCKET_PATH).is_err(),
        "the socket stays after the daemon; log:\n{}",
        daemon.log()
    );
    drop(held);
    let _ = std::fs::remove_file(&program);
}

/// Removes [`DEFAULT_SOCKET_PATH`] when dropped if nothing listens on it: the socket of a
/// daemon this test started and that was killed (a failed test) without removing it. The
/// path was free when the test started, under [`SYSTEM_SOCKET`].
struct StaleSocket;

impl Drop for StaleSocket {
    fn drop(&mut self) {
        let refused = std::os::unix::net::UnixStream::connect(DEFAULT_SOCKET_PATH)
            .is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionRefused);
        if refused {
            let _ = std::fs::remove_file(DEFAULT_SOCKET_PATH);
        }
    }
}
