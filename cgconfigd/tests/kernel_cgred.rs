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

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cgconfigd::rules::cgred_server::{Options, Outcome, Server, DEFAULT_SOCKET_PATH};
use cgconfigd::rules::sticky::{Registered, StickyTable, UNCHANGE_CHILDREN};
use test_support::{skip, Spawned};

/// How long a client may take (generous: the VM lane's emulated CPU).
const WAIT: Duration = Duration::from_secs(20);

/// Services `server` until `child` exits, and a little after (its request may be read
/// after its exit); returns what became of the connections and the child's stderr.
fn serve_until_exit(
    server: &mut Server,
    table: &mut StickyTable,
    mut child: Child,
) -> (Vec<Outcome>, String) {
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
    if !nix::unistd::geteuid().is_root() {
        skip!("binding {DEFAULT_SOCKET_PATH} needs root");
    }
    for tool in ["/usr/bin/cgclassify", "/usr/bin/cgexec"] {
        if !Path::new(tool).exists() {
            skip!("libcgroup's {tool} (cgroup-tools) is not installed");
        }
    }
    if let Ok(meta) = std::fs::symlink_metadata(DEFAULT_SOCKET_PATH) {
        skip!(
            "{DEFAULT_SOCKET_PATH} exists (a {:?}): another daemon may own it, not touched",
            meta.file_type()
        );
    }
    let var_run = std::fs::canonicalize("/var/run").ok();
    if var_run.as_deref() != Some(Path::new("/run")) {
        skip!("/var/run is not /run here ({var_run:?}): libcgroup's tools would not reach {DEFAULT_SOCKET_PATH}");
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
