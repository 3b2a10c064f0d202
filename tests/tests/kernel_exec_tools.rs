//! cgexec and cgclassify against the real kernel: processes land in the named groups with
//! every thread, cgexec replaces itself with the command, errors name the group and keep
//! libcgroup's words and exit codes, the rules daemon is told over its socket when one
//! listens, and cgexec drops to the real user before moving. Each test reads the host's
//! mode from the mount table at run time (`tests/support`), so the suite runs on hybrid,
//! legacy and pure v2 hosts, and skips with a counted reason (a failure in the VM lane)
//! when not root or when a hierarchy it needs is missing.
//!
//! Groups live under a unique `cgtools-test-<pid>-<n>` prefix removed by the shared guard;
//! only processes spawned here are moved or killed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread::{sleep, JoinHandle};
use std::time::{Duration, Instant};

use test_support::{
    bin, need, skip, skip_part, threads_of, Host, Mount, Outcome, Skip, Spawned, TestGroups,
};

const REPLY: &[u8] = b"SUCCESS_STORE_PID\0";

/// A tool's command line, never talking to a socket the environment might name.
fn tool(name: &str, args: &[&str]) -> Command {
    tool_at(&bin(name), args)
}

/// [`tool`] for the binary at `path`.
fn tool_at(path: &std::path::Path, args: &[&str]) -> Command {
    let mut command = Command::new(path);
    command
        .args(args)
        .env_remove(SOCKET_ENV)
        .current_dir("/")
        .stdin(Stdio::null());
    command
}

fn outcome(mut command: Command) -> Outcome {
    Outcome::of(&mut command)
}

/// The hierarchies of memory and cpu where a fresh group gets them, or why this host
/// cannot run the test.
fn memory_and_cpu(host: &Host) -> Result<(Mount, Mount), Skip> {
    Ok((host.usable("memory")?.clone(), host.usable("cpu")?.clone()))
}

/// `text` with the scratch prefix replaced, for snapshots.
fn redact(scratch: &TestGroups, text: &str) -> String {
    text.replace(&scratch.prefix, "[scratch]")
}

#[test]
fn cgexec_runs_the_command_in_place_in_every_group() {
    let host = need!(Host::for_test());
    let (memory, cpu) = need!(memory_and_cpu(&host));
    let scratch = TestGroups::new(&host);
    scratch.mkdir(&memory, "run");
    scratch.mkdir(&cpu, "run");
    let spec = format!("memory,cpu:{}", scratch.name("run"));
    let mut command = tool(
        "cgexec",
        &["-g", &spec, "sh", "-c", "echo $$; cat /proc/self/cgroup"],
    );
    let child = command.stdout(Stdio::piped()).spawn().unwrap();
    let pid = child.id();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let (first, cgroups) = stdout.split_once('\n').unwrap();
    assert_eq!(
        first,
        pid.to_string(),
        "the command runs in cgexec's own process (exec in place, no fork)"
    );
    let expected = format!("/{}", scratch.name("run"));
    assert_eq!(
        memory.group_in(cgroups),
        Some(expected.clone()),
        "{cgroups}"
    );
    assert_eq!(cpu.group_in(cgroups), Some(expected), "{cgroups}");
}

#[test]
fn cgexec_enters_a_controller_less_group_of_the_v2_mount() {
    let host = need!(Host::for_test());
    let unified = need!(host.unified()).clone();
    let scratch = TestGroups::new(&host);
    scratch.mkdir(&unified, "free");
    let spec = format!(":{}", scratch.name("free"));
    let out = outcome(tool("cgexec", &["-g", &spec, "cat", "/proc/self/cgroup"]));
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    assert_eq!(
        unified.group_in(&out.stdout),
        Some(format!("/{}", scratch.name("free"))),
        "{}",
        out.stdout
    );
}

#[test]
fn cgexec_errors_keep_libcgroups_words_and_exit_codes() {
    let host = need!(Host::for_test());
    let memory = need!(host.serving("memory")).clone();
    let scratch = TestGroups::new(&host);
    scratch.mkdir(&memory, "here");
    let redact = |out: &Outcome| {
        redact(&scratch, &out.transcript())
            .replace(&memory.path.display().to_string(), "[memory mount]")
    };

    let missing = format!("memory:{}", scratch.name("missing"));
    let out = outcome(tool("cgexec", &["-g", &missing, "true"]));
    insta::assert_snapshot!(redact(&out), @"
    --- stderr
    cgexec: cgroup change of group failed: Cgroup does not exist
    cgexec: cannot attach to group `/[scratch]/missing`: it does not exist ([memory mount]/[scratch]/missing)
    cgexec: hint: create it first: cgcreate -g memory:[scratch]/missing
    --- exit Some(82)
    ");

    let unknown = format!("nosuchcontroller:{}", scratch.name("here"));
    let out = outcome(tool("cgexec", &["-g", &unknown, "true"]));
    assert_eq!(out.code, Some(84), "{}", out.transcript());
    assert!(
        out.stderr.starts_with(
            "cgexec: cgroup change of group failed: Cgroup one of the needed subsystems is not mounted\n\
             cgexec: controller `nosuchcontroller` is not mounted"
        ),
        "{}",
        out.stderr
    );

    let here = format!("memory:{}", scratch.name("here"));
    let out = outcome(tool("cgexec", &["-g", &here, "/nonexistent/command", "x"]));
    insta::assert_snapshot!(redact(&out), @"
    --- stderr
    exec failed:No such file or directory
    cgexec: cannot execute `/nonexistent/command`: no such file
    --- exit Some(255)
    ");
    let out = outcome(tool("cgexec", &["-g", &here, "no-such-command-in-path"]));
    assert_eq!(out.code, Some(255), "{}", out.transcript());
    assert!(
        out.stderr.contains("no such command in PATH"),
        "{}",
        out.stderr
    );

    // The command's own exit status comes back unchanged.
    let out = outcome(tool("cgexec", &["-g", &here, "sh", "-c", "exit 42"]));
    assert_eq!(out.code, Some(42), "{}", out.transcript());
}

/// On cgroup v2 a group takes part in a controller only when its parent enables it; moving
/// a process there anyway would leave it unconstrained, so cgexec refuses (exit 84).
#[test]
fn cgexec_refuses_a_v2_controller_the_group_does_not_have() {
    let host = need!(Host::for_test());
    let unified = need!(host.unified()).clone();
    // The group is made below the scratch prefix, which enables nothing for it: it lacks
    // every controller. Preferably one the root does not enable either, else any.
    let Some(controller) = unified
        .controllers
        .iter()
        .find(|c| !unified.root_enables(c))
        .or_else(|| unified.controllers.first())
        .cloned()
    else {
        skip!("the cgroup v2 root offers no controller");
    };
    let scratch = TestGroups::new(&host);
    scratch.mkdir_bare(&unified, "bare");
    let spec = format!("{controller}:{}", scratch.name("bare"));
    let out = outcome(tool("cgexec", &["-g", &spec, "echo", "ran"]));
    assert_eq!(out.code, Some(84), "{}", out.transcript());
    assert!(out.stdout.is_empty(), "the command must not run");
    let expected = format!(
        "cgexec: cgroup change of group failed: Cgroup one of the needed subsystems is not mounted\n\
         cgexec: group `/{}` does not have `{controller}`: its parent's cgroup.subtree_control \
         does not enable it",
        scratch.name("bare")
    );
    assert!(out.stderr.starts_with(&expected), "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("hint: cgcreate -g {controller}:")),
        "{}",
        out.stderr
    );
}

#[test]
fn cgexec_registers_with_a_listening_rules_daemon() {
    let host = need!(Host::for_test());
    need!(socket_override());
    let memory = need!(host.serving("memory")).clone();
    let scratch = TestGroups::new(&host);
    scratch.mkdir(&memory, "d");
    let spec = format!("memory:{}", scratch.name("d"));

    for (args, flags) in [(vec!["--sticky"], 1), (vec![], 0)] {
        let daemon = FakeDaemon::start(1, REPLY);
        let mut all = args.clone();
        all.extend(["-g", &spec, "sh", "-c", "echo $$"]);
        let mut command = tool("cgexec", &all);
        command
            .env(SOCKET_ENV, &daemon.socket)
            .stdout(Stdio::piped());
        let child = command.spawn().unwrap();
        let pid = child.id();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{output:?}");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout).trim(),
            pid.to_string()
        );
        assert_eq!(daemon.received(), [(pid as i32, flags)], "{args:?}");
    }

    // A daemon that answers wrongly stops cgexec before the command runs, as in libcgroup.
    let daemon = FakeDaemon::start(1, b"NO\0");
    let mut command = tool("cgexec", &["-g", &spec, "echo", "ran"]);
    command.env(SOCKET_ENV, &daemon.socket);
    let out = outcome(command);
    assert_eq!(daemon.received().len(), 1);
    let socket = daemon_socket_text(&out.stderr);
    insta::assert_snapshot!(out.transcript().replace(&socket, "[socket]"), @"
    --- stderr
    cgexec: registration of process failed: cannot read the answer of [socket]: the daemon closed the connection
    --- exit Some(1)
    ");

    // No daemon: nothing to say, the command runs.
    let dir = tempfile::tempdir().unwrap();
    let mut command = tool("cgexec", &["-g", &spec, "echo", "ran"]);
    command.env(SOCKET_ENV, dir.path().join("nobody-listens"));
    let out = outcome(command);
    assert_eq!(out.transcript(), "--- stdout\nran\n--- exit Some(0)\n");
}

/// The socket path as an error message prints it (it lives in a temporary directory).
fn daemon_socket_text(stderr: &str) -> String {
    stderr
        .split_whitespace()
        .find(|w| w.ends_with("cgred.socket:"))
        .map(|w| w.trim_end_matches(':').to_string())
        .unwrap_or_default()
}

/// Whether `path` is on a filesystem mounted nosuid (the longest mount point prefix).
fn on_nosuid_mount(path: &std::path::Path) -> bool {
    let text = fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            let point = *fields.get(4)?;
            let options = *fields.get(5)?;
            path.starts_with(point)
                .then_some((point.len(), options.contains("nosuid")))
        })
        .max_by_key(|(len, _)| *len)
        .is_some_and(|(_, nosuid)| nosuid)
}

/// Installed setuid root and run by another user, cgexec registers with the daemon while it
/// is still root, then drops to the caller's ids before moving: it enters a group whose
/// task files the caller owns, not one it does not, and the command runs as the caller.
#[test]
fn setuid_cgexec_drops_to_the_real_user_before_moving() {
    let host = need!(Host::for_test());
    // cgroup v2 also wants write access to the common ancestor's cgroup.procs, which an
    // unprivileged user does not have here: v1 memory only.
    let memory = need!(host.v1("memory")).clone();
    let target = bin("cgexec").parent().unwrap().to_path_buf();
    let dir = tempfile::Builder::new()
        .prefix("cgtools-e2e-suid-")
        .tempdir_in(&target)
        .unwrap();
    if on_nosuid_mount(dir.path()) {
        skip!("{} is on a nosuid mount", dir.path().display());
    }
    let copy = dir.path().join("cgexec");
    fs::copy(bin("cgexec"), &copy).unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(&copy, fs::Permissions::from_mode(0o4755)).unwrap();

    let scratch = TestGroups::new(&host);
    let allowed = scratch.mkdir(&memory, "mine");
    scratch.mkdir(&memory, "not-mine");
    const NOBODY: u32 = 65534;
    for file in ["cgroup.procs", "tasks"] {
        std::os::unix::fs::chown(allowed.join(file), Some(NOBODY), Some(NOBODY)).unwrap();
    }
    let run_as_nobody = |args: &[&str], socket: Option<&std::path::Path>| {
        let mut command = Command::new(&copy);
        command
            .args(args)
            .env_remove(SOCKET_ENV)
            .current_dir("/")
            .uid(NOBODY)
            // std also clears the supplementary groups when it sets the user id.
            .gid(NOBODY);
        if let Some(socket) = socket {
            command.env(SOCKET_ENV, socket);
        }
        outcome(command)
    };

    let mine = format!("memory:{}", scratch.name("mine"));
    // The daemon's socket sits in a root-only directory: only a still-privileged cgexec
    // reaches it.
    let daemon = match socket_override() {
        Ok(()) => Some(FakeDaemon::start(1, REPLY)),
        Err(why) => {
            skip_part!(why);
            None
        }
    };
    let out = run_as_nobody(
        &[
            "-g",
            &mine,
            "sh",
            "-c",
            "grep -E '^(Uid|Gid):' /proc/self/status; cat /proc/self/cgroup",
        ],
        daemon.as_ref().map(|d| d.socket.as_path()),
    );
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    assert!(
        out.stdout.contains("Uid:\t65534\t65534\t65534\t65534\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Gid:\t65534\t65534\t65534\t65534\n"),
        "{}",
        out.stdout
    );
    assert_eq!(
        memory.group_in(&out.stdout),
        Some(format!("/{}", scratch.name("mine")))
    );
    if let Some(daemon) = daemon {
        let received = daemon.received();
        assert_eq!(
            received.len(),
            1,
            "registered while still root: {received:?}"
        );
    }

    let theirs = format!("memory:{}", scratch.name("not-mine"));
    let out = run_as_nobody(&["-g", &theirs, "echo", "ran"], None);
    let text = redact(&scratch, &out.transcript())
        .replace(&memory.path.display().to_string(), "[memory mount]");
    insta::assert_snapshot!(text, @"
    --- stderr
    cgexec: cgroup change of group failed: Cgroup, operation not allowed
    cgexec: cannot attach to [memory mount]/[scratch]/not-mine/cgroup.procs: Permission denied
    cgexec: hint: run as root, or as the owner given to the group with cgcreate -a/-t
    --- exit Some(87)
    ");
}

#[test]
fn cgclassify_moves_every_thread_of_every_pid() {
    let host = need!(Host::for_test());
    let (memory, cpu) = need!(memory_and_cpu(&host));
    let scratch = TestGroups::new(&host);
    scratch.mkdir(&memory, "many");
    scratch.mkdir(&cpu, "many");
    let children = [
        Spawned::sleeper(),
        Spawned::sleeper(),
        Spawned::sleeper(),
        Spawned::threaded(4),
    ];
    let pids: Vec<String> = children.iter().map(|c| c.pid().to_string()).collect();
    assert_eq!(threads_of(children[3].pid()).len(), 5);
    let spec = format!("memory,cpu:{}", scratch.name("many"));
    let mut args = vec!["-g", spec.as_str()];
    args.extend(pids.iter().map(String::as_str));
    let out = outcome(tool("cgclassify", &args));
    assert_eq!(out.transcript(), "--- exit Some(0)\n");
    let expected = format!("/{}", scratch.name("many"));
    for pid in &pids {
        for tid in threads_of(pid.parse().unwrap()) {
            let task = format!("{pid}/task/{tid}");
            assert_eq!(memory.group_of(&task), expected, "memory of {task}");
            assert_eq!(cpu.group_of(&task), expected, "cpu of {task}");
        }
    }
}

#[test]
fn cgclassify_moves_the_others_when_a_pid_is_gone() {
    let host = need!(Host::for_test());
    let memory = need!(host.serving("memory")).clone();
    let scratch = TestGroups::new(&host);
    scratch.mkdir(&memory, "rest");
    let (first, second) = (Spawned::sleeper(), Spawned::sleeper());
    let gone = {
        let mut gone = Spawned::sleeper();
        gone.child.kill().unwrap();
        gone.child.wait().unwrap();
        gone.pid()
    };
    let spec = format!("memory:{}", scratch.name("rest"));
    let (a, b, g) = (
        first.pid().to_string(),
        second.pid().to_string(),
        gone.to_string(),
    );
    let out = outcome(tool("cgclassify", &["-g", &spec, &a, &g, &b]));
    let text = redact(&scratch, &out.transcript())
        .replace(&memory.path.display().to_string(), "[memory mount]")
        .replace(&g, "[gone]");
    insta::assert_snapshot!(text, @"
    --- stderr
    cgclassify: Error changing group of pid [gone]: No such process
    cgclassify: cannot attach to [memory mount]/[scratch]/rest/cgroup.procs: No such process
    cgclassify: hint: no process or thread has that id
    --- exit Some(1)
    ");
    let expected = format!("/{}", scratch.name("rest"));
    assert_eq!(memory.group_of(&a), expected);
    assert_eq!(memory.group_of(&b), expected);
}

#[test]
fn cgclassify_tells_a_listening_daemon_about_every_pid() {
    let host = need!(Host::for_test());
    need!(socket_override());
    let memory = need!(host.serving("memory")).clone();
    let scratch = TestGroups::new(&host);
    scratch.mkdir(&memory, "sticky");
    let spec = format!("memory:{}", scratch.name("sticky"));
    let (first, second) = (Spawned::sleeper(), Spawned::sleeper());
    let pids = [first.pid(), second.pid()];
    let (a, b) = (pids[0].to_string(), pids[1].to_string());
    for (option, flags) in [("--sticky", 1), ("-s", 1), ("--cancel-sticky", 2)] {
        let daemon = FakeDaemon::start(2, REPLY);
        let mut command = tool("cgclassify", &[option, "-g", &spec, &a, &b]);
        command.env(SOCKET_ENV, &daemon.socket);
        let out = outcome(command);
        assert_eq!(out.transcript(), "--- exit Some(0)\n", "{option}");
        assert_eq!(
            daemon.received(),
            [(pids[0] as i32, flags), (pids[1] as i32, flags)],
            "{option}"
        );
    }
    // A daemon that answers wrongly makes the exit status 1, but the pids still move.
    scratch.mkdir(&memory, "sticky2");
    let spec = format!("memory:{}", scratch.name("sticky2"));
    let daemon = FakeDaemon::start(2, b"NO\0");
    let mut command = tool("cgclassify", &["--sticky", "-g", &spec, &a, &b]);
    command.env(SOCKET_ENV, &daemon.socket);
    let out = outcome(command);
    assert_eq!(daemon.received().len(), 2);
    assert_eq!(out.code, Some(1), "{}", out.transcript());
    assert!(
        out.stderr
            .contains(&format!("cgclassify: registration of pid {a} failed")),
        "{}",
        out.stderr
    );
    let expected = format!("/{}", scratch.name("sticky2"));
    assert_eq!(memory.group_of(&a), expected);
    assert_eq!(memory.group_of(&b), expected);
}

/// The seed article's Part I step: a shell loop started with cgexec in the background shows
/// its group in `ps -o cgroup`, then is stopped (it is this test's own child).
#[test]
fn seed_article_shell_loop_shows_its_group_in_ps() {
    let host = need!(Host::for_test());
    let memory = need!(host.serving("memory")).clone();
    if Command::new("ps").arg("--version").output().is_err() {
        skip!("ps (procps) is not installed");
    }
    let scratch = TestGroups::new(&host);
    scratch.mkdir(&memory, "seed");
    let spec = format!("memory:{}", scratch.name("seed"));
    let mut command = tool(
        "cgexec",
        &[
            "-g",
            &spec,
            "sh",
            "-c",
            "while true; do echo hello; sleep 1; done",
        ],
    );
    command.stdout(Stdio::piped());
    let mut looping = Spawned::new(command);
    let mut lines = BufReader::new(looping.child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "hello");
    let pid = looping.pid().to_string();
    let ps = outcome({
        let mut c = Command::new("ps");
        c.args(["-o", "cgroup", &pid]);
        c
    });
    assert_eq!(ps.code, Some(0), "{}", ps.transcript());
    let wanted = if memory.v2 {
        format!("0::/{}", scratch.name("seed"))
    } else {
        format!(":memory:/{}", scratch.name("seed"))
    };
    assert!(ps.stdout.contains(&wanted), "{}", ps.stdout);
    drop(looping);
}

/// Where Debian's cgroup-tools (libcgroup 2.0.2) is installed, the same command lines give
/// the same output and exit status through both suites, except where docs/compat.md says
/// otherwise (usage errors exit 129 as in libcgroup 3.x, not 1 or 2).
#[test]
fn cgexec_and_cgclassify_answer_like_libcgroup() {
    let host = need!(Host::for_test());
    let (memory, cpu) = need!(memory_and_cpu(&host));
    if !std::path::Path::new("/usr/bin/cgexec").exists() {
        skip!("libcgroup's tools (cgroup-tools) are not installed");
    }
    let scratch = TestGroups::new(&host);
    scratch.mkdir(&memory, "diff");
    scratch.mkdir(&cpu, "diff");
    let both = format!("memory,cpu:{}", scratch.name("diff"));
    let mem = format!("memory:{}", scratch.name("diff"));
    let missing = format!("memory:{}", scratch.name("missing"));
    let unknown = format!("nosuchcontroller:{}", scratch.name("diff"));
    let theirs = |name: &str, args: &[&str]| {
        let mut command = Command::new(format!("/usr/bin/{name}"));
        command.args(args).current_dir("/").stdin(Stdio::null());
        outcome(command)
    };

    let cases: &[&[&str]] = &[
        &["-g", &both, "cat", "/proc/self/cgroup"],
        &["-g", &mem, "sh", "-c", "echo out; echo err >&2; exit 7"],
        &["-g", &missing, "true"],
        &["-g", &unknown, "true"],
        &["-g", &mem, "/nonexistent/command"],
    ];
    for args in cases {
        let (ours, libcgroup) = (outcome(tool("cgexec", args)), theirs("cgexec", args));
        assert_eq!(
            ours.code,
            libcgroup.code,
            "cgexec {args:?}\nours: {}\nlibcgroup: {}",
            ours.transcript(),
            libcgroup.transcript()
        );
        assert_eq!(ours.stdout, libcgroup.stdout, "cgexec {args:?}");
        // Where libcgroup is silent (the command ran), so are we: stderr is the command's.
        // Where it complains, its first words are kept in our message.
        let Some(theirs_first) = libcgroup.stderr.lines().next() else {
            assert_eq!(
                ours.stderr, "",
                "cgexec {args:?}: libcgroup printed nothing"
            );
            continue;
        };
        let key = theirs_first.split(':').next().unwrap_or_default().trim();
        assert!(
            !key.is_empty(),
            "cgexec {args:?}: libcgroup's first line is {theirs_first:?}"
        );
        assert!(
            ours.stderr.contains(key),
            "cgexec {args:?}: `{key}` missing from\n{}",
            ours.stderr
        );
    }

    let sleeper = Spawned::sleeper();
    let pid = sleeper.pid().to_string();
    let cases: &[&[&str]] = &[
        &["-g", &mem, &pid],
        &["-g", &mem, "abc"],
        &["-g", &missing, &pid],
        &["-g", &mem],
    ];
    for args in cases {
        let (ours, libcgroup) = (
            outcome(tool("cgclassify", args)),
            theirs("cgclassify", args),
        );
        assert_eq!(
            ours.code,
            libcgroup.code,
            "cgclassify {args:?}\nours: {}\nlibcgroup: {}",
            ours.transcript(),
            libcgroup.transcript()
        );
        assert_eq!(ours.stdout, libcgroup.stdout, "cgclassify {args:?}");
    }
    assert_eq!(memory.group_of(&pid), format!("/{}", scratch.name("diff")));
}

/// The tools that ship statically linked (scripts/build-static.sh, `make`, bench/run.sh:
/// cgexec, cgclassify, cgcreate, cgdelete, cgset, cgget and the other listed ones) are
/// static-pie binaries: no program interpreter, none of glibc's user and group lookups
/// linked (NSS modules of another glibc version could not serve them), and they do what
/// the dynamically linked ones do, cgcreate resolving `-a`/`-t` names from the files. `scripts/test.sh` builds them and names their directory
/// in `CGTOOLS_STATIC_DIR`.
#[test]
fn the_shipped_static_tools_have_no_loader_and_no_name_lookups() {
    let Some(dir) = std::env::var_os("CGTOOLS_STATIC_DIR") else {
        skip!("CGTOOLS_STATIC_DIR is not set (scripts/test.sh and the VM lane set it)");
    };
    let dir = std::path::PathBuf::from(dir);
    // Every tool binary there: only the static builds live in target/<triple>/.
    let mut tools: Vec<std::path::PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            !name.contains('.')
                && fs::metadata(path)
                    .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
        .collect();
    tools.sort();
    let names: Vec<String> = tools
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let listed = Command::new(test_support::repo_root().join("scripts/build-static.sh"))
        .arg("--list")
        .output()
        .unwrap();
    let mut expected: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    expected.sort();
    assert_eq!(names, expected, "the tools scripts/build-static.sh builds");
    for path in tools {
        let image = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(&image[..4], b"\x7fELF");
        let u16_at = |at: usize| usize::from(u16::from_le_bytes([image[at], image[at + 1]]));
        let phoff =
            usize::try_from(u64::from_le_bytes(image[0x20..0x28].try_into().unwrap())).unwrap();
        let (phentsize, phnum) = (u16_at(0x36), u16_at(0x38));
        const PT_INTERP: u32 = 3;
        for i in 0..phnum {
            let at = phoff + i * phentsize;
            let p_type = u32::from_le_bytes(image[at..at + 4].try_into().unwrap());
            assert_ne!(
                p_type,
                PT_INTERP,
                "{} asks for a dynamic loader",
                path.display()
            );
        }
        for lookup in [
            "getpwnam",
            "getpwuid",
            "getgrnam",
            "getgrgid",
            "getgrouplist",
        ] {
            assert!(
                !image.windows(lookup.len()).any(|w| w == lookup.as_bytes()),
                "{} links {lookup}: a static tool must not resolve names",
                path.display()
            );
        }
    }

    let host = need!(Host::for_test());
    let (memory, cpu) = need!(memory_and_cpu(&host));
    let scratch = TestGroups::new(&host);
    for name in ["static", "moved"] {
        scratch.mkdir(&memory, name);
        scratch.mkdir(&cpu, name);
    }
    let spec = format!("memory,cpu:{}", scratch.name("static"));
    let out = outcome(tool_at(
        &dir.join("cgexec"),
        &["-g", &spec, "cat", "/proc/self/cgroup"],
    ));
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    let expected = format!("/{}", scratch.name("static"));
    assert_eq!(memory.group_in(&out.stdout), Some(expected.clone()));
    assert_eq!(cpu.group_in(&out.stdout), Some(expected));

    let sleeper = Spawned::sleeper();
    let spec = format!("memory,cpu:{}", scratch.name("moved"));
    let pid = sleeper.pid().to_string();
    let out = outcome(tool_at(&dir.join("cgclassify"), &["-g", &spec, &pid]));
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    let expected = format!("/{}", scratch.name("moved"));
    assert_eq!(memory.group_of(&pid), expected);
    assert_eq!(cpu.group_of(&pid), expected);

    // cgcreate with owners by name (read from /etc/passwd and /etc/group, no NSS), cgset,
    // cgget and cgdelete on the group it made.
    let spec = scratch.spec("memory", "made");
    let out = outcome(tool_at(
        &dir.join("cgcreate"),
        &["-a", "root:root", "-t", "root:root", "-g", &spec],
    ));
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    let made = scratch.dir(&memory, "made");
    assert!(made.is_dir(), "{} was not created", made.display());
    let out = outcome(tool_at(
        &dir.join("cgcreate"),
        &[
            "-a",
            "no-such-user-cgtools:0",
            "-g",
            &scratch.spec("memory", "never"),
        ],
    ));
    assert_eq!(out.code, Some(129), "{}", out.transcript());
    assert!(
        out.stderr
            .contains("can't find uid of user no-such-user-cgtools."),
        "{}",
        out.transcript()
    );
    assert!(!scratch.dir(&memory, "never").exists());
    // v1 names; on a v2 host both tools translate them (memory.max).
    let limit = "memory.limit_in_bytes";
    let out = outcome(tool_at(
        &dir.join("cgset"),
        &["-r", &format!("{limit}=67108864"), &scratch.path("made")],
    ));
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    let out = outcome(tool_at(
        &dir.join("cgget"),
        &["-n", "-v", "-r", limit, &scratch.path("made")],
    ));
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    assert_eq!(out.stdout.trim(), "67108864", "{}", out.transcript());
    let out = outcome(tool_at(&dir.join("cgdelete"), &["-g", &spec]));
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    assert!(!made.exists(), "{} was not removed", made.display());
}

/// A stand-in for the rules daemon on a temporary socket: it takes `expected` connections
/// (or gives up after 20 s), reads `pid_t` + `int` flags from each, answers `reply`.
struct FakeDaemon {
    socket: PathBuf,
    _dir: tempfile::TempDir,
    handle: JoinHandle<Vec<(i32, i32)>>,
}

impl FakeDaemon {
    fn start(expected: usize, reply: &'static [u8]) -> FakeDaemon {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("cgred.socket");
        let listener = UnixListener::bind(&socket).unwrap();
        listener.set_nonblocking(true).unwrap();
        let handle = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(20);
            let mut seen = Vec::new();
            while seen.len() < expected && Instant::now() < deadline {
                match listener.accept() {
                    Ok((mut conn, _)) => {
                        conn.set_nonblocking(false).unwrap();
                        conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                        let mut request = [0u8; 8];
                        if conn.read_exact(&mut request).is_ok() {
                            let pid = i32::from_ne_bytes(request[..4].try_into().unwrap());
                            let flags = i32::from_ne_bytes(request[4..].try_into().unwrap());
                            seen.push((pid, flags));
                            let _ = conn.write_all(reply);
                        }
                    }
                    Err(_) => sleep(Duration::from_millis(5)),
                }
            }
            seen
        });
        FakeDaemon {
            socket,
            _dir: dir,
            handle,
        }
    }

    /// The (pid, flags) pairs received.
    fn received(self) -> Vec<(i32, i32)> {
        self.handle.join().unwrap()
    }
}

/// The environment variable debug builds read the daemon's socket path from.
const SOCKET_ENV: &str = "CGTOOLS_CGRED_SOCKET";

/// Whether the binaries under test honour [`SOCKET_ENV`] (debug builds only; the tests and
/// the binaries are built by the same cargo invocation, so they share the profile).
fn socket_override() -> Result<(), Skip> {
    if cfg!(debug_assertions) {
        Ok(())
    } else {
        Err(Skip::because(format!(
            "the daemon part: release builds ignore {SOCKET_ENV}"
        )))
    }
}
