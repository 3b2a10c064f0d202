//! The proc connector listener and the `/proc` scan (`cgconfigd::rules::connector`) on the
//! real kernel: the exec, the uid and gid changes, the fork and the exit of children this
//! test spawns are seen with their pids; a receive buffer shrunk to the minimum and a
//! burst of execs give an overrun, after which events flow again; the scan finds a
//! spawned child with its ids, name and executable.
//!
//! Events of other processes on the machine arrive too: every assertion looks only at
//! the pids the test spawned (the overrun test asserts that an overrun was reported,
//! which the burst alone causes). Listening needs root (`CAP_NET_ADMIN`) in the initial
//! namespaces and a kernel with `CONFIG_PROC_EVENTS`; without them a test is skipped and
//! counted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use cgconfigd::rules::connector::{scan, Connector, Event};
use rustix::event::{poll, PollFd, PollFlags};
use rustix::io::Errno;
use test_support::{need, Skip, Spawned};

/// How long an event may take to arrive (generous: the VM lane's emulated CPU).
const WAIT: Duration = Duration::from_secs(20);

/// A subscribed listener, with `recv_buffer` if given; or why there can be none here.
fn listener(recv_buffer: Option<usize>) -> Result<Connector, Skip> {
    if !nix::unistd::geteuid().is_root() {
        return Err(Skip::because(
            "the proc connector needs root (CAP_NET_ADMIN)",
        ));
    }
    match Connector::open(recv_buffer) {
        Ok(connector) => Ok(connector),
        Err(e) if e.errno == Errno::PROTONOSUPPORT || e.errno == Errno::OPNOTSUPP => {
            Err(Skip::because(format!("no process events here: {e}")))
        }
        Err(e) => panic!("{e}"),
    }
}

/// Reads events until `done` says the ones collected so far are enough, or [`WAIT`]
/// passes (then fails, saying `what` was awaited). Returns every event read.
fn read_until(
    connector: &mut Connector,
    what: &str,
    mut done: impl FnMut(&[Event]) -> bool,
) -> Vec<Event> {
    let start = Instant::now();
    let mut events = Vec::new();
    while !done(&events) {
        assert!(
            start.elapsed() < WAIT,
            "no {what} within {WAIT:?}; {} events read",
            events.len()
        );
        let mut fds = [PollFd::new(&*connector, PollFlags::IN)];
        let tick = rustix::event::Timespec {
            tv_sec: 0,
            tv_nsec: 100_000_000,
        };
        poll(&mut fds, Some(&tick)).unwrap();
        connector.read(&mut events).unwrap();
    }
    events
}

/// The uid and gid the child takes (`nobody` on Debian; only the number matters).
const OTHER_ID: u32 = 65534;

/// A command that runs `program` (space-separated words) with uid and gid [`OTHER_ID`]:
/// the standard library's child sets them (and, as root, drops the supplementary groups)
/// between its fork and its exec, which the kernel reports as uid and gid events of the
/// child's pid.
fn with_other_ids(program: &str) -> Command {
    use std::os::unix::process::CommandExt;
    let mut words = program.split(' ');
    let mut command = Command::new(words.next().unwrap());
    command.args(words).uid(OTHER_ID).gid(OTHER_ID);
    command
}

/// Runs `command` to its end and returns its pid.
fn run(mut command: Command) -> u32 {
    let mut child = command.spawn().unwrap();
    let pid = child.id();
    assert!(child.wait().unwrap().success(), "{command:?} failed");
    pid
}

#[test]
fn fork_exec_and_exit_of_a_child() {
    let mut connector = need!(listener(None));
    let pid = run(Command::new("/bin/true"));
    let me = std::process::id();
    let events = read_until(&mut connector, "exit of the child", |events| {
        events
            .iter()
            .any(|e| matches!(e, Event::Exit { tgid, .. } if *tgid == pid))
    });
    let mine: Vec<Event> = events
        .into_iter()
        .filter(|e| match *e {
            Event::Exec { tgid, .. } | Event::Exit { tgid, .. } => tgid == pid,
            Event::Fork { child_tgid, .. } => child_tgid == pid,
            _ => false,
        })
        .collect();
    assert_eq!(
        mine,
        [
            Event::Fork {
                parent_tgid: me,
                child_pid: pid,
                child_tgid: pid
            },
            Event::Exec { pid, tgid: pid },
            Event::Exit {
                pid,
                tgid: pid,
                code: 0
            },
        ]
    );
}

#[test]
fn exit_code_is_a_wait_status() {
    let mut connector = need!(listener(None));
    let mut command = Command::new("/bin/sh");
    command.args(["-c", "exit 3"]);
    let mut child = command.spawn().unwrap();
    let pid = child.id();
    assert_eq!(child.wait().unwrap().code(), Some(3));
    let events = read_until(&mut connector, "exit of the child", |events| {
        events
            .iter()
            .any(|e| matches!(e, Event::Exit { tgid, .. } if *tgid == pid))
    });
    assert!(events.contains(&Event::Exit {
        pid,
        tgid: pid,
        code: 3 << 8
    }));
}

#[test]
fn uid_and_gid_changes_of_a_child() {
    let mut connector = need!(listener(None));
    // setresgid, then setresuid, then exec, in the child's process (the ids change in
    // each of its threads: every event of them has the child's pid as tgid).
    let pid = run(with_other_ids("/bin/true"));
    let events = read_until(&mut connector, "exec after the id changes", |events| {
        events
            .iter()
            .any(|e| matches!(e, Event::Exec { tgid, .. } if *tgid == pid))
    });
    let ids: Vec<Event> = events
        .into_iter()
        .filter(|e| match *e {
            Event::Uid { tgid, .. } | Event::Gid { tgid, .. } => tgid == pid,
            _ => false,
        })
        .collect();
    // The process's main thread changed too.
    assert!(
        ids.contains(&Event::Uid {
            pid,
            tgid: pid,
            ruid: OTHER_ID,
            euid: OTHER_ID
        }),
        "{ids:?}"
    );
    assert!(
        ids.contains(&Event::Gid {
            pid,
            tgid: pid,
            rgid: OTHER_ID,
            egid: OTHER_ID
        }),
        "{ids:?}"
    );
}

#[test]
fn a_burst_overruns_a_minimal_buffer_and_events_flow_again() {
    // 0: the kernel's minimum (SOCK_MIN_RCVBUF, a few kB: a handful of events).
    let mut connector = need!(listener(Some(0)));
    let size = connector.recv_buffer().unwrap();
    assert!(size < 16 * 1024, "the buffer was not shrunk: {size} bytes");
    // Nothing is read during the burst: 2000 execs (each also a fork and an exit, 6000
    // events) cannot fit.
    for _ in 0..2000 {
        run(Command::new("/bin/true"));
    }
    let mut events = Vec::new();
    connector.read(&mut events).unwrap();
    assert!(
        events.contains(&Event::Overrun),
        "no overrun reported; {} events read",
        events.len()
    );
    // The socket still works: a later exec is seen (the buffer set larger again, so that
    // other processes' events do not overrun it meanwhile).
    connector.set_recv_buffer(1 << 20).unwrap();
    let mut rest = Vec::new();
    connector.read(&mut rest).unwrap();
    let pid = run(Command::new("/bin/true"));
    read_until(&mut connector, "exec after the overrun", |events| {
        events
            .iter()
            .any(|e| matches!(e, Event::Exec { tgid, .. } if *tgid == pid))
    });
}

#[test]
fn receive_buffer_can_grow() {
    let connector = need!(listener(None));
    // As root, SO_RCVBUFFORCE goes past net.core.rmem_max; the kernel doubles the value.
    let size = connector.set_recv_buffer(8 << 20).unwrap();
    assert!(size >= 8 << 20, "{size} bytes");
}

#[test]
fn scan_finds_a_spawned_child() {
    if !nix::unistd::geteuid().is_root() {
        test_support::skip!("spawning a child under another uid needs root");
    }
    let child = Spawned::new(with_other_ids("sleep 30"));
    let pid = child.pid();
    // Until it has exec'd sleep.
    let start = Instant::now();
    while std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default() != "sleep\n" {
        assert!(start.elapsed() < WAIT, "the child did not exec sleep");
        std::thread::sleep(Duration::from_millis(10));
    }
    let processes = scan().unwrap();
    let found = processes
        .iter()
        .find(|p| p.tgid == pid)
        .unwrap_or_else(|| panic!("pid {pid} not in the scan"));
    assert_eq!(
        (found.ruid, found.euid, found.rgid, found.egid),
        (OTHER_ID, OTHER_ID, OTHER_ID, OTHER_ID)
    );
    assert_eq!(found.comm, "sleep");
    // What the child exec'd: `sleep` found in PATH, symlinks resolved as the kernel does.
    let sleep = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("sleep"))
        .find(|p| p.exists())
        .and_then(|p| std::fs::canonicalize(p).ok());
    assert_eq!(found.exe, sleep);
    // This process is there too.
    let me = std::process::id();
    assert!(processes.iter().any(|p| p.tgid == me && p.euid == 0));
    let exe: Option<PathBuf> = processes
        .iter()
        .find(|p| p.tgid == me)
        .and_then(|p| p.exe.clone());
    assert_eq!(exe, std::env::current_exe().ok());
}
