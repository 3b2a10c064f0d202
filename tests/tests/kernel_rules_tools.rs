//! cgexec and cgclassify without `-g` against the real kernel: the rules of cgrules.conf
//! and cgrules.d decide, a template destination creates its group with the template's
//! settings, cgclassify reads the rules once for many pids, the static builds do the same
//! without NSS, and libcgroup's tools agree where they are installed.
//!
//! The debug builds read their rules from the directory `CGTOOLS_ETC` names. The release
//! (static) builds and libcgroup's tools read only `/etc`: they run in a private mount
//! namespace where an overlay puts the test's files over `/etc` (the host's `/etc` is never
//! written). Groups live under a unique `cgtools-test-<pid>-<n>` prefix removed by the
//! shared guard; rules match only program names the test made up, or the test's own user
//! inside the test's namespace; only processes spawned here are moved.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use test_support::{bin, need, skip, skip_part, Host, Mount, Outcome, Skip, Spawned, TestGroups};

/// A directory standing in for `/etc`, with the test's rules (and templates).
struct Etc {
    dir: tempfile::TempDir,
}

impl Etc {
    fn new(rules: &str) -> Etc {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("cgrules.conf"), rules).unwrap();
        Etc { dir }
    }

    fn with(self, name: &str, text: &str) -> Etc {
        fs::write(self.dir.path().join(name), text).unwrap();
        self
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// A cgred socket path where no daemon listens (the tools carry on without one): the tests
/// never talk to a rules daemon the host may run. Debug builds read it from
/// `CGTOOLS_CGRED_SOCKET`; the other tools run in `in_etc`'s namespace, whose `/run` is
/// an empty tmpfs.
fn no_daemon(etc: &Etc) -> PathBuf {
    etc.path().join(".no-cgred.socket")
}

/// A debug-build tool reading its rules from `etc`.
fn tool(name: &str, etc: &Etc, args: &[&str]) -> Command {
    let mut command = Command::new(bin(name));
    command
        .args(args)
        .env("CGTOOLS_ETC", etc.path())
        .env("CGTOOLS_CGRED_SOCKET", no_daemon(etc))
        .current_dir("/")
        .stdin(Stdio::null());
    command
}

/// `program args...` in a private mount namespace whose `/etc` shows `etc`'s files over
/// the host's (an overlay on a private tmpfs) and whose `/run` is empty (no cgred socket),
/// or why this host cannot do that.
fn in_etc(etc: &Etc, program: &Path, args: &[&str]) -> Result<Command, Skip> {
    if !Path::new("/usr/bin/unshare").exists() && !Path::new("/bin/unshare").exists() {
        return Err(Skip::because("no unshare(1) for a private /etc"));
    }
    let scratch = etc.path().join(".mnt");
    fs::create_dir_all(&scratch).unwrap();
    let script = r#"set -e
src=$1 mnt=$2; shift 2
mount -t tmpfs cgtools-etc "$mnt"
mkdir "$mnt/upper" "$mnt/work"
for f in "$src"/*; do cp -r "$f" "$mnt/upper/"; done
mount -t overlay cgtools-etc -o "lowerdir=/etc,upperdir=$mnt/upper,workdir=$mnt/work" /etc
mount -t tmpfs cgtools-run /run
exec "$@""#;
    // `unshare --mount` running the script, which runs `argv` with the test's /etc.
    let private_etc = |argv: &[&std::ffi::OsStr]| {
        let mut command = Command::new("unshare");
        command
            .args([
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                script,
                "sh",
            ])
            .arg(etc.path())
            .arg(&scratch)
            .args(argv);
        command
    };
    let mut command = private_etc(&[program.as_os_str()]);
    command
        .args(args)
        .env("CGTOOLS_CGRED_SOCKET", no_daemon(etc))
        .current_dir("/")
        .stdin(Stdio::null());
    // Whether the overlay works here at all.
    let probe = Outcome::of(&mut private_etc(&[
        "cat".as_ref(),
        "/etc/cgrules.conf".as_ref(),
    ]));
    if probe.code != Some(0) {
        return Err(Skip::because(format!(
            "no overlay over /etc in a mount namespace: {}",
            probe.transcript()
        )));
    }
    Ok(command)
}

fn memory_and_cpu(host: &Host) -> Result<(Mount, Mount), Skip> {
    Ok((host.usable("memory")?.clone(), host.usable("cpu")?.clone()))
}

/// A program only this test runs: a symlink named `name` to `cgtools-e2e-helper`
/// (tests/src/bin), which prints a file given as its argument (`cat`) or sleeps for a
/// number of seconds (`sleep`). Not a link to `cat` or `sleep` themselves: in the VM lane
/// they are busybox, which knows no applet by the link's name.
fn program(dir: &Path, name: &str) -> PathBuf {
    let link = dir.join(name);
    std::os::unix::fs::symlink(bin("cgtools-e2e-helper"), &link).unwrap();
    link
}

/// The name of the test's user (root, for the kernel tests) in /etc/passwd.
fn my_user_name() -> String {
    let uid = nix::unistd::geteuid().as_raw().to_string();
    fs::read_to_string("/etc/passwd")
        .unwrap()
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 2 && f[2] == uid)
        .map(|f| f[0].to_string())
        .expect("the test's user is in /etc/passwd")
}

#[test]
fn cgexec_without_g_leaves_a_real_time_caller_where_it_is_by_ignore_rt() {
    let host = need!(Host::for_test());
    let memory = need!(host.usable("memory")).clone();
    let scratch = TestGroups::new(&host);
    scratch.mkdir(&memory, "rt");
    let progs = tempfile::tempdir().unwrap();
    let tag = scratch.prefix.replace("cgtools-test-", "");
    let named = program(progs.path(), &format!("cgtr-{tag}"));
    let etc = Etc::new(&format!(
        "*:cgtr-{tag}  memory  {}  ignore_rt\n",
        scratch.name("rt")
    ));
    let named_str = named.to_string_lossy().into_owned();
    let before = memory.group_in(&fs::read_to_string("/proc/self/cgroup").unwrap());

    // A normal policy: the rule moves it.
    let out = Outcome::of(&mut tool(
        "cgexec",
        &etc,
        &[&named_str, "/proc/self/cgroup"],
    ));
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    assert_eq!(
        memory.group_in(&out.stdout),
        Some(format!("/{}", scratch.name("rt")))
    );

    // cgexec started under SCHED_FIFO (the helper's `rt` mode takes it, then executes
    // cgexec): the policy is inherited by the command, and the rule leaves it alone.
    let mut realtime = tool("cgtools-e2e-helper", &etc, &["rt"]);
    realtime
        .arg(bin("cgexec"))
        .args([&named_str, "/proc/self/cgroup"]);
    let out = Outcome::of(&mut realtime);
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    assert_eq!(memory.group_in(&out.stdout), before, "{}", out.transcript());
}

#[test]
fn cgexec_without_g_runs_the_command_where_its_rule_says() {
    let host = need!(Host::for_test());
    let (memory, cpu) = need!(memory_and_cpu(&host));
    let scratch = TestGroups::new(&host);
    for name in ["byname", "byuser", "cont"] {
        scratch.mkdir(&memory, name);
        scratch.mkdir(&cpu, name);
    }
    let progs = tempfile::tempdir().unwrap();
    let tag = scratch.prefix.replace("cgtools-test-", "");
    let named = program(progs.path(), &format!("cgtp-{tag}"));
    let other = program(progs.path(), &format!("cgtq-{tag}"));
    let user = my_user_name();
    let rules = format!(
        "# the test's rules\n\
         *:cgtp-{tag}   memory   {byname}\n\
         %              cpu      {cont}\n\
         {user}         memory,cpu   {byuser}/\n",
        byname = scratch.name("byname"),
        cont = scratch.name("cont"),
        byuser = scratch.name("byuser"),
    );
    let etc = Etc::new(&rules);

    let named_str = named.to_string_lossy().into_owned();
    let out = Outcome::of(&mut tool(
        "cgexec",
        &etc,
        &[&named_str, "/proc/self/cgroup"],
    ));
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    // Where memory and cpu are one hierarchy (cgroup v2) the process is moved twice, as
    // libcgroup moves it, and stays where the `%` line put it.
    let one_hierarchy = memory.path == cpu.path;
    let memory_group = if one_hierarchy { "cont" } else { "byname" };
    assert_eq!(
        memory.group_in(&out.stdout),
        Some(format!("/{}", scratch.name(memory_group)))
    );
    assert_eq!(
        cpu.group_in(&out.stdout),
        Some(format!("/{}", scratch.name("cont")))
    );

    // Another program of the same user falls through to the user's rule.
    let other_str = other.to_string_lossy().into_owned();
    let out = Outcome::of(&mut tool(
        "cgexec",
        &etc,
        &[&other_str, "/proc/self/cgroup"],
    ));
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    let byuser = format!("/{}", scratch.name("byuser"));
    assert_eq!(memory.group_in(&out.stdout), Some(byuser.clone()));
    assert_eq!(cpu.group_in(&out.stdout), Some(byuser));

    // A rule naming a missing group: libcgroup's 82, nothing run.
    let etc_missing = Etc::new(&format!(
        "*:cgtp-{tag}  memory  {}\n",
        scratch.name("missing")
    ));
    let out = Outcome::of(&mut tool(
        "cgexec",
        &etc_missing,
        &[&named_str, "/proc/self/cgroup"],
    ));
    assert_eq!(out.code, Some(82), "{}", out.transcript());
    assert!(
        out.stderr.contains("cgroup change of group failed"),
        "{}",
        out.stderr
    );

    // No rules file: libcgroup's parse failure, 99; a bad line names file:line:col.
    let empty = tempfile::tempdir().unwrap();
    let out = Outcome::of(
        Command::new(bin("cgexec"))
            .env("CGTOOLS_ETC", empty.path())
            .args(["true"]),
    );
    assert_eq!(out.code, Some(99), "{}", out.transcript());
    assert!(
        out.stderr
            .contains("failed to parse the configuration rules"),
        "{}",
        out.stderr
    );
    let bad = Etc::new("alice  cpu\n");
    let out = Outcome::of(&mut tool("cgexec", &bad, &["true"]));
    assert_eq!(out.code, Some(99), "{}", out.transcript());
    assert!(out.stderr.contains("cgrules.conf:1:"), "{}", out.stderr);
}

#[test]
fn a_template_destination_creates_its_group_with_the_templates_settings() {
    let host = need!(Host::for_test());
    let memory = need!(host.usable("memory")).clone();
    let scratch = TestGroups::new(&host);
    scratch.mkdir(&memory, "t");
    let progs = tempfile::tempdir().unwrap();
    let tag = scratch.prefix.replace("cgtools-test-", "");
    let prog = program(progs.path(), &format!("cgtt-{tag}"));
    let template = format!("{}/%p", scratch.name("t"));
    let limit = if memory.v2 {
        "memory.max"
    } else {
        "memory.limit_in_bytes"
    };
    let etc = Etc::new(&format!("*:cgtt-{tag}*  memory  {template}\n")).with(
        "cgconfig.conf",
        &format!("template {template} {{\n  memory {{ {limit} = 104857600; }}\n}}\n"),
    );
    let prog_str = prog.to_string_lossy().into_owned();
    let out = Outcome::of(&mut tool("cgexec", &etc, &[&prog_str, "/proc/self/cgroup"]));
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    let group = format!("{}/cgtt-{tag}", scratch.name("t"));
    assert_eq!(memory.group_in(&out.stdout), Some(format!("/{group}")));
    let value = fs::read_to_string(memory.dir(&group).join(limit)).unwrap();
    assert_eq!(value.trim(), "104857600");
}

#[test]
fn cgclassify_without_g_moves_many_pids_reading_the_rules_once() {
    let host = need!(Host::for_test());
    let (memory, cpu) = need!(memory_and_cpu(&host));
    let scratch = TestGroups::new(&host);
    scratch.mkdir(&memory, "many");
    scratch.mkdir(&cpu, "many");
    let progs = tempfile::tempdir().unwrap();
    let tag = scratch.prefix.replace("cgtools-test-", "");
    let prog = program(progs.path(), &format!("cgts-{tag}"));
    let etc = Etc::new(&format!(
        "*:cgts-{tag}  memory,cpu  {}\n*:cgtools-none-{tag}  cpu  nowhere/\n",
        scratch.name("many")
    ));
    let sleepers: Vec<Spawned> = (0..50)
        .map(|_| {
            let mut c = Command::new(&prog);
            c.arg("300");
            Spawned::new(c)
        })
        .collect();
    let pids: Vec<String> = sleepers.iter().map(|s| s.pid().to_string()).collect();
    let mut args: Vec<&str> = pids.iter().map(String::as_str).collect();

    let strace = ["/usr/bin/strace", "/bin/strace"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    let out = match strace {
        Some(strace) => {
            let log = etc.path().join(".strace");
            let log_str = log.to_string_lossy().into_owned();
            let cgclassify = bin("cgclassify").to_string_lossy().into_owned();
            let mut full = vec!["-f", "-e", "trace=openat,open", "-o", &log_str, &cgclassify];
            full.append(&mut args);
            let mut command = Command::new(strace);
            command
                .args(&full)
                .env("CGTOOLS_ETC", etc.path())
                .env("CGTOOLS_CGRED_SOCKET", no_daemon(&etc))
                .stdin(Stdio::null());
            let out = Outcome::of(&mut command);
            let opens = fs::read_to_string(&log)
                .unwrap()
                .lines()
                .filter(|l| l.contains("cgrules.conf"))
                .count();
            assert_eq!(opens, 1, "cgrules.conf opened {opens} times for 50 pids");
            out
        }
        None => {
            skip_part!(Skip::because(
                "no strace to count the opens of cgrules.conf"
            ));
            Outcome::of(&mut tool("cgclassify", &etc, &args))
        }
    };
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    let expected = format!("/{}", scratch.name("many"));
    for pid in &pids {
        assert_eq!(memory.group_of(pid), expected, "pid {pid}");
        assert_eq!(cpu.group_of(pid), expected, "pid {pid}");
    }

    // A pid no rule matches stays, a vanished pid fails the run (exit 1).
    let stranger = Spawned::sleeper();
    let before = memory.group_of(stranger.pid());
    let gone = "999999999";
    let stranger_pid = stranger.pid().to_string();
    let out = Outcome::of(&mut tool("cgclassify", &etc, &[&stranger_pid, gone]));
    assert_eq!(out.code, Some(1), "{}", out.transcript());
    assert!(out.stderr.contains(gone), "{}", out.stderr);
    assert_eq!(memory.group_of(stranger.pid()), before);
}

/// The static (release) cgexec and cgclassify classify by `/etc`'s rules too, and stay
/// without a loader and without glibc's name lookups (checked with the other static
/// tests in kernel_exec_tools.rs).
#[test]
fn the_static_tools_classify_by_the_rules_in_etc() {
    let Some(dir) = std::env::var_os("CGTOOLS_STATIC_DIR") else {
        skip!("CGTOOLS_STATIC_DIR is not set (scripts/test.sh and the VM lane set it)");
    };
    let dir = PathBuf::from(dir);
    let host = need!(Host::for_test());
    let (memory, cpu) = need!(memory_and_cpu(&host));
    let scratch = TestGroups::new(&host);
    scratch.mkdir(&memory, "st");
    scratch.mkdir(&cpu, "st");
    let progs = tempfile::tempdir().unwrap();
    let tag = scratch.prefix.replace("cgtools-test-", "");
    let prog = program(progs.path(), &format!("cgtx-{tag}"));
    let etc = Etc::new(&format!(
        "{}:cgtx-{tag}  memory,cpu  {}\n",
        my_user_name(),
        scratch.name("st")
    ));
    let prog_str = prog.to_string_lossy().into_owned();
    let mut command = need!(in_etc(
        &etc,
        &dir.join("cgexec"),
        &[&prog_str, "/proc/self/cgroup"]
    ));
    let out = Outcome::of(&mut command);
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    let expected = format!("/{}", scratch.name("st"));
    assert_eq!(memory.group_in(&out.stdout), Some(expected.clone()));
    assert_eq!(cpu.group_in(&out.stdout), Some(expected.clone()));

    let mut c = Command::new(&prog);
    c.arg("/dev/zero").stdout(Stdio::null());
    let reader = Spawned::new(c);
    let pid = reader.pid().to_string();
    let mut command = need!(in_etc(&etc, &dir.join("cgclassify"), &[&pid]));
    let out = Outcome::of(&mut command);
    assert_eq!(out.code, Some(0), "{}", out.transcript());
    assert_eq!(memory.group_of(&pid), expected);
}

/// Where Debian's cgroup-tools (libcgroup 2.0.2) is installed, its cgexec and cgclassify
/// put the same processes in the same groups by the same rules, with the same exit
/// status. (Not with `prefix*` patterns: 2.0.2's cgexec matched none in our runs, where
/// ours follows 3.x; docs/compat.md.)
#[test]
fn rules_place_processes_as_libcgroups_tools_do() {
    let host = need!(Host::for_test());
    let (memory, cpu) = need!(memory_and_cpu(&host));
    if !Path::new("/usr/bin/cgexec").exists() {
        skip!("libcgroup's tools (cgroup-tools) are not installed");
    }
    let scratch = TestGroups::new(&host);
    for name in ["a", "b"] {
        scratch.mkdir(&memory, name);
        scratch.mkdir(&cpu, name);
    }
    let progs = tempfile::tempdir().unwrap();
    let tag = scratch.prefix.replace("cgtools-test-", "");
    let first = program(progs.path(), &format!("cgtd-{tag}"));
    let second = program(progs.path(), &format!("cgte-{tag}"));
    let ignored = program(progs.path(), &format!("cgtf-{tag}"));
    let missing = program(progs.path(), &format!("cgtg-{tag}"));
    let etc = Etc::new(&format!(
        "*:cgtd-{tag}  memory  {a}\n%  cpu  {b}\n\
         *:cgte-{tag}  memory,cpu  {b}/\n\
         *:cgtf-{tag}  *  *  ignore\n\
         *:cgtg-{tag}  memory  {gone}\n",
        a = scratch.name("a"),
        b = scratch.name("b"),
        gone = scratch.name("gone"),
    ));
    let ours = bin("cgexec");
    for prog in [&first, &second, &ignored, &missing] {
        let prog = prog.to_string_lossy().into_owned();
        let theirs = Outcome::of(&mut need!(in_etc(
            &etc,
            Path::new("/usr/bin/cgexec"),
            &[&prog, "/proc/self/cgroup"]
        )));
        let mine = Outcome::of(&mut need!(in_etc(
            &etc,
            &ours,
            &[&prog, "/proc/self/cgroup"]
        )));
        assert_eq!(
            mine.code,
            theirs.code,
            "{prog}\nours: {}\nlibcgroup: {}",
            mine.transcript(),
            theirs.transcript()
        );
        for mount in [&memory, &cpu] {
            assert_eq!(
                mount.group_in(&mine.stdout),
                mount.group_in(&theirs.stdout),
                "{prog}: {}",
                mount.path.display()
            );
        }
    }
    if !Path::new("/usr/bin/cgclassify").exists() {
        skip_part!(Skip::because("libcgroup's cgclassify is not installed"));
        return;
    }
    let spawn = |prog: &Path| {
        let mut c = Command::new(prog);
        c.arg("/dev/zero").stdout(Stdio::null());
        Spawned::new(c)
    };
    let (a1, a2) = (spawn(&second), spawn(&second));
    let (p1, p2) = (a1.pid().to_string(), a2.pid().to_string());
    let theirs = Outcome::of(&mut need!(in_etc(
        &etc,
        Path::new("/usr/bin/cgclassify"),
        &[&p1]
    )));
    let mine = Outcome::of(&mut need!(in_etc(&etc, &bin("cgclassify"), &[&p2])));
    assert_eq!(
        mine.code,
        theirs.code,
        "{}\n{}",
        mine.transcript(),
        theirs.transcript()
    );
    assert_eq!(memory.group_of(&p1), memory.group_of(&p2));
    assert_eq!(cpu.group_of(&p1), cpu.group_of(&p2));
}
