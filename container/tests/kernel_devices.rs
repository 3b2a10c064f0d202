//! Device rules against the real kernel: Debian's common.conf applied to a test group, and
//! a process moved into that group (a busybox shell driven line by line, so that it is in
//! the group before it opens anything) can open /dev/null and create any device node, but
//! opening a node the rules do not allow fails with EPERM. The same node opens from
//! outside the group, so the refusal is the rules'.
//!
//! On a host whose devices controller is on cgroup v1 (hybrid here) the rules go to the
//! v1 files and the kernel's own list must read as common.conf says; the cgroup v2
//! program is tested as well on the v2 mount, where any cgroup takes one. In the pure v2
//! VM lane the program is the only mechanism and every test but the v1 one runs.
//!
//! Groups live under a unique prefix removed by a guard; the only processes moved are the
//! shells spawned here, killed on drop.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, ChildStdout, Command, Stdio};

use cgtools::{Cgroups, GroupPath};
use container::devices::{open_cgroup_dir, Keys, Kind, Rules, Target};
use grammar::lxc::Loader;
use nix::sys::stat::{makedev, mknod, Mode, SFlag};
use test_support::{need, Host, Spawned, TestGroups};

/// Debian 12's lxc 5.0.2 config tree (common.conf, userns.conf), as packaged.
fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/lxc")
}

/// The device rules of a container config that includes common.conf.
fn common_conf(keys: Keys) -> Rules {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    fs::write(&path, "lxc.include = /usr/share/lxc/config/common.conf\n").unwrap();
    let loaded = Loader::new().root(fixture_root()).load(&path).unwrap();
    Rules::from_config(&loaded, keys).unwrap()
}

/// A busybox shell that runs one device operation per line it reads and answers `ok` or
/// busybox's error message.
struct Shell {
    spawned: Spawned,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

const SCRIPT: &str = r#"
while read -r op path rest; do
    case $op in
    r) out=$( { : <"$path"; } 2>&1 ) ;;
    w) out=$( { : >"$path"; } 2>&1 ) ;;
    rw) out=$( { : <>"$path"; } 2>&1 ) ;;
    mknod) out=$(/bin/busybox mknod "$path" $rest 2>&1) ;;
    *) out="unknown operation $op" ;;
    esac
    [ $? = 0 ] && out=ok
    echo "${out:-failed}"
done
"#;

impl Shell {
    fn new() -> Shell {
        // Not Spawned::new, which closes stdin.
        let mut spawned = Spawned {
            child: Command::new("/bin/busybox")
                .args(["sh", "-c", SCRIPT])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap(),
        };
        let stdin = spawned.child.stdin.take().unwrap();
        let stdout = BufReader::new(spawned.child.stdout.take().unwrap());
        Shell {
            spawned,
            stdin,
            stdout,
        }
    }

    /// Moves the shell into the group whose directory is `dir` (v1 or v2).
    fn enter(&self, dir: &Path) {
        fs::write(dir.join("cgroup.procs"), self.spawned.pid().to_string())
            .unwrap_or_else(|e| panic!("moving the shell into {}: {e}", dir.display()));
    }

    fn ask(&mut self, line: &str) -> String {
        writeln!(self.stdin, "{line}").unwrap();
        let mut answer = String::new();
        self.stdout.read_line(&mut answer).unwrap();
        assert!(!answer.is_empty(), "the shell ended on `{line}`");
        answer.trim_end().to_string()
    }

    #[track_caller]
    fn allows(&mut self, op: &str, path: &Path) {
        let line = format!("{op} {}", path.display());
        assert_eq!(self.ask(&line), "ok", "`{line}` in the group");
    }

    #[track_caller]
    fn refuses(&mut self, op: &str, path: &Path) {
        let line = format!("{op} {}", path.display());
        let answer = self.ask(&line);
        assert!(
            answer.contains("Operation not permitted"),
            "`{line}` in the group should fail with EPERM, got: {answer}"
        );
    }
}

/// A node for /dev/kmsg (c 1:11), which common.conf does not allow, made outside the
/// group in a fresh directory, and checked to open from here.
fn kmsg_twin(dir: &Path) -> PathBuf {
    let node = dir.join("kmsg-twin");
    mknod(
        &node,
        SFlag::S_IFCHR,
        Mode::from_bits_truncate(0o600),
        makedev(1, 11),
    )
    .unwrap();
    fs::File::open(&node)
        .unwrap_or_else(|e| panic!("{} does not open outside the group: {e}", node.display()));
    node
}

/// What common.conf allows and refuses, seen from a shell in the group.
fn assert_common_conf_in_force(shell: &mut Shell, scratch: &Path, kmsg: &Path) {
    let null = Path::new("/dev/null");
    shell.allows("r", null);
    shell.allows("w", null);
    shell.allows("rw", null);
    shell.refuses("r", kmsg);
    shell.refuses("rw", kmsg);
    // `c *:* m` and `b *:* m`: any node can be made, not opened.
    let made = scratch.join("made-kmsg");
    assert_eq!(shell.ask(&format!("mknod {} c 1 11", made.display())), "ok");
    shell.refuses("r", &made);
    let loop0 = scratch.join("made-loop0");
    assert_eq!(shell.ask(&format!("mknod {} b 7 0", loop0.display())), "ok");
    shell.refuses("r", &loop0);
    // An allowed device through a node of our own: /dev/zero is c 1:5.
    let zero = scratch.join("made-zero");
    assert_eq!(shell.ask(&format!("mknod {} c 1 5", zero.display())), "ok");
    shell.allows("r", &zero);
}

/// The container's group made the way cgconfigd makes it, the rules applied through
/// [`Target::Group`]: the v1 files where the devices controller is on v1, else the
/// program in the v2 hierarchy.
#[test]
fn common_conf_restricts_a_process_in_the_container_group() {
    let host = need!(Host::for_test());
    let t = TestGroups::tagged(&host, "devices");
    let cg = Cgroups::discover().unwrap();
    let (controllers, keys, mount): (&[&str], _, _) = match host.find("devices") {
        Some(m) if !m.v2 => (&["devices"], Keys::Cgroup1, m),
        _ => (&[], Keys::Cgroup2, need!(host.unified())),
    };
    let group = cg
        .group(controllers, &GroupPath::new(&t.name("web")).unwrap())
        .unwrap();
    group.create().unwrap();
    let applied = common_conf(keys).apply(&Target::Group(&group)).unwrap();
    assert!(applied.restricts(), "{applied}");
    assert!(applied.warnings().is_empty(), "{:?}", applied.warnings());

    let scratch = tempfile::tempdir().unwrap();
    let kmsg = kmsg_twin(scratch.path());
    let mut shell = Shell::new();
    shell.enter(&t.dir(mount, "web"));
    assert_common_conf_in_force(&mut shell, scratch.path(), &kmsg);
}

/// On cgroup v1 the kernel's own exception list reads as common.conf says: `deny a`
/// emptied it, every allow added one line, in order.
#[test]
fn common_conf_on_v1_is_the_kernel_s_device_list() {
    let host = need!(Host::for_test());
    let mount = need!(host.v1("devices"));
    let t = TestGroups::tagged(&host, "devices-v1");
    let dir = t.mkdir(mount, "web");
    let cg = Cgroups::discover().unwrap();
    let hierarchy = cg.hierarchy_for("devices").unwrap();
    let cgroup = cg
        .cgroup(hierarchy, &GroupPath::new(&t.name("web")).unwrap())
        .unwrap();
    let applied = common_conf(Keys::Cgroup1)
        .apply(&Target::Legacy(&cgroup))
        .unwrap();
    assert_eq!(
        applied.to_string(),
        format!("13 device rules written to {}", dir.display())
    );
    assert_eq!(
        fs::read_to_string(dir.join("devices.list")).unwrap(),
        "c *:* m\nb *:* m\nc 1:3 rwm\nc 1:5 rwm\nc 1:7 rwm\nc 5:0 rwm\nc 5:1 rwm\nc 5:2 rwm\n\
         c 1:8 rwm\nc 1:9 rwm\nc 136:* rwm\nc 10:229 rwm\n"
    );
}

/// The program on the v2 mount, given as a directory descriptor (what the launcher holds
/// for clone3): on this hybrid host on /sys/fs/cgroup/unified, in the VM on the root.
#[test]
fn common_conf_program_on_a_v2_cgroup() {
    let host = need!(Host::for_test());
    let mount = need!(host.unified());
    let t = TestGroups::tagged(&host, "devices-v2");
    let dir = t.mkdir(mount, "web");
    let fd = open_cgroup_dir(&dir).unwrap();
    let applied = common_conf(Keys::Cgroup2)
        .apply(&Target::Unified {
            dir: fd.as_fd(),
            path: &dir,
        })
        .unwrap();
    let id = applied
        .program_id()
        .expect("the kernel gives every program an id");
    assert_eq!(
        applied.to_string(),
        format!(
            "device program of 69 instructions attached to {} (id {id})",
            dir.display()
        )
    );
    // The program stays when every descriptor is closed.
    drop(fd);
    drop(applied);

    let scratch = tempfile::tempdir().unwrap();
    let kmsg = kmsg_twin(scratch.path());
    let mut shell = Shell::new();
    shell.enter(&dir);
    assert_common_conf_in_force(&mut shell, scratch.path(), &kmsg);
}

/// A second start in the same group replaces the first start's program (a changed config
/// takes effect), a start without device rules leaves none, and `detach` takes one off.
#[test]
fn a_new_start_replaces_the_program_of_an_earlier_one() {
    let host = need!(Host::for_test());
    let mount = need!(host.unified());
    let t = TestGroups::tagged(&host, "devices-again");
    let dir = t.mkdir(mount, "web");
    let fd = open_cgroup_dir(&dir).unwrap();
    let target = Target::Unified {
        dir: fd.as_fd(),
        path: &dir,
    };
    let scratch = tempfile::tempdir().unwrap();
    let kmsg = kmsg_twin(scratch.path());
    let null = Path::new("/dev/null");
    let mut shell = Shell::new();
    shell.enter(&dir);

    let first = Rules::parse(&[(Kind::Deny, "a")])
        .unwrap()
        .apply(&target)
        .unwrap();
    shell.refuses("r", null);
    let second = common_conf(Keys::Cgroup2).apply(&target).unwrap();
    assert!(
        second
            .to_string()
            .ends_with(", replacing 1 from an earlier start"),
        "{second}"
    );
    assert_ne!(first.program_id(), second.program_id());
    shell.allows("r", null);
    shell.refuses("r", &kmsg);
    // The first program is gone: detaching it again fails.
    assert!(first.detach().is_err());

    let none = Rules::default().apply(&target).unwrap();
    assert_eq!(
        none.to_string(),
        "no device restriction (removed 1 device program(s) of an earlier start)"
    );
    shell.allows("r", &kmsg);

    let third = common_conf(Keys::Cgroup2).apply(&target).unwrap();
    shell.refuses("r", &kmsg);
    third.detach().unwrap();
    shell.allows("r", &kmsg);
    shell.allows("r", null);
}
