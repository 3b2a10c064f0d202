//! Real containers: a busybox rootfs built in a temporary container directory, started
//! into a group under the test's unique prefix, checked from outside (/proc of the host,
//! the group's files) and from inside (what its init wrote to a bind-mounted directory).
//! Runs as root on the hybrid host and in the pure cgroup v2 VM lane. No network is
//! touched: containers get a new empty network namespace.

// Test code: a fixture that cannot be set up must stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cgtools::{Cgroups, GroupPath};
use container::{LaunchError, Started};
use std::fs;
use std::os::fd::AsFd;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use test_support::{need, Host, TestGroups};

/// A container directory with a busybox rootfs and an `out` directory the container
/// sees as `/out`.
struct Dir {
    _tmp: tempfile::TempDir,
    path: PathBuf,
}

impl Dir {
    fn new() -> Dir {
        let tmp = tempfile::Builder::new()
            .prefix("cgtools-ct-")
            .tempdir()
            .unwrap();
        let path = tmp.path().join("c1");
        let root = path.join("rootfs");
        {
            let _turn = exec_turn();
            test_support::busybox_rootfs(&root);
        }
        let out = path.join("out");
        fs::create_dir_all(&out).unwrap();
        // The unprivileged container's root is uid 100000 on the host.
        fs::set_permissions(&out, fs::Permissions::from_mode(0o777)).unwrap();
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o755)).unwrap();
        // What the init reports about its world, then it waits to be killed.
        fs::write(
            root.join("init.sh"),
            "hostname > /out/hostname
cat /proc/self/status > /out/status
id -u > /out/uid
ls /proc > /out/proc
cat /proc/self/cgroup > /out/cgroup
echo $$ > /out/pid
touch /out/done
exec sleep 1000
",
        )
        .unwrap();
        Dir { _tmp: tmp, path }
    }

    fn rootfs(&self) -> PathBuf {
        self.path.join("rootfs")
    }

    /// Replaces the init's script: it must `touch /out/done` when it has reported.
    fn init(&self, script: &str) {
        fs::write(self.rootfs().join("init.sh"), script).unwrap();
    }

    fn out(&self, name: &str) -> String {
        fs::read_to_string(self.path.join("out").join(name)).unwrap_or_default()
    }

    /// Waits for the init's report.
    fn wait_done(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.path.join("out/done").exists() {
            assert!(
                Instant::now() < deadline,
                "the container's init did not report"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The container's config: `extra` after the common lines.
    fn config(&self, extra: &str) -> container::Spec {
        let text = format!(
            "lxc.rootfs.path = dir:{root}
lxc.uts.name = box1
lxc.mount.auto = proc:mixed sys:ro
lxc.mount.entry = {out} out none bind,create=dir 0 0
lxc.console.path = none
lxc.init.cmd = /bin/sh /init.sh
# No AppArmor policy is loaded in the VM lane, whose kernel enables AppArmor.
lxc.apparmor.profile = unconfined
{extra}",
            root = self.rootfs().display(),
            out = self.path.join("out").display(),
        );
        fs::write(self.path.join("config"), text).unwrap();
        let loaded = grammar::lxc::load(&self.path.join("config")).unwrap();
        match container::check(
            &loaded,
            &container::Context {
                name: "c1",
                dir: &self.path,
            },
        ) {
            Ok((spec, _)) => spec,
            Err(r) => panic!("{}", r.report.render(&loaded)),
        }
    }
}

/// The tests of this binary are threads of one process, and a container's child is a copy
/// of it made by clone3 that holds every descriptor the process had open then until it
/// executes its init: a busybox another test is still copying into its rootfs included, so
/// that test's exec of that file would fail with ETXTBSY. Copies of executables and
/// launches take turns.
static EXEC: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn exec_turn() -> std::sync::MutexGuard<'static, ()> {
    EXEC.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The group `<prefix>/NAME` with `pids` (or `memory` where pids is not usable), created.
fn created_group<'a>(cg: &'a Cgroups, groups: &TestGroups, name: &str) -> cgtools::Group<'a> {
    let path = GroupPath::new(&groups.name(name)).unwrap();
    let group = cg
        .group(&["pids"], &path)
        .or_else(|_| cg.group(&["memory"], &path))
        .unwrap();
    group.create().unwrap();
    group
}

/// `container::start`, in its turn.
fn start(
    spec: &container::Spec,
    cg: &Cgroups,
    group: &cgtools::Group<'_>,
) -> Result<Started, LaunchError> {
    let _turn = exec_turn();
    container::start(spec, cg, group)
}

/// `container::attach::spawn`, in its turn.
fn attach(
    spec: &container::Spec,
    cg: &Cgroups,
    group: &cgtools::Group<'_>,
    target: std::os::fd::BorrowedFd<'_>,
    options: container::attach::Options,
) -> Result<container::attach::Attached<'static>, LaunchError> {
    let _turn = exec_turn();
    container::attach::spawn(spec, cg, group, target, options)
}

/// A started container, killed and reaped on drop.
struct Running(Started);

impl Drop for Running {
    fn drop(&mut self) {
        let _ =
            rustix::process::pidfd_send_signal(self.0.pidfd.as_fd(), rustix::process::Signal::KILL);
        let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(self.0.pid), None);
    }
}

/// The group `<prefix>/c1` in the memory controller's hierarchy, created.
fn group_path(groups: &TestGroups) -> GroupPath {
    GroupPath::new(&groups.name("c1")).unwrap()
}

fn setup() -> Option<(Host, TestGroups, Cgroups)> {
    let host = match Host::for_test() {
        Ok(h) => h,
        Err(skip) => {
            skip.record(env!("CARGO_CRATE_NAME"), false);
            return None;
        }
    };
    let groups = TestGroups::tagged(&host, "ct");
    let cg = Cgroups::discover().unwrap();
    Some((host, groups, cg))
}

fn status_field(pid: i32, field: &str) -> String {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
        .trim()
        .to_string()
}

#[test]
fn a_busybox_container_runs_isolated_in_its_group() {
    let Some((host, groups, cg)) = setup() else {
        return;
    };
    let memory = need!(host.usable("memory"));
    let dir = Dir::new();
    let spec = dir.config(
        "lxc.cgroup2.memory.max = 67108864
lxc.cap.drop = sys_time sys_module
",
    );
    let group = cg.group(&["memory"], &group_path(&groups)).unwrap();
    group.create().unwrap();
    let started = start(&spec, &cg, &group).unwrap_or_else(|e| panic!("{e}"));
    let running = Running(started);
    let pid = running.0.pid;
    dir.wait_done();

    // pid 1 of the container is lxc.init.cmd (it exec'd sleep since: `done` comes just
    // before the exec, and during an exec the command line reads empty).
    assert_eq!(dir.out("pid").trim(), "1");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut cmdline = Vec::new();
    while Instant::now() < deadline {
        cmdline = fs::read(format!("/proc/{pid}/cmdline")).unwrap();
        if cmdline.starts_with(b"sleep") {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(cmdline, b"sleep\x001000\x00");
    // Its hostname, and only its own processes in /proc.
    assert_eq!(dir.out("hostname").trim(), "box1");
    let pids: Vec<u32> = dir
        .out("proc")
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(pids.contains(&1), "{pids:?}");
    assert!(
        pids.iter().all(|p| *p < 10),
        "host processes visible: {pids:?}"
    );
    // The bind mount of lxc.mount.entry carried the files out.
    assert!(dir.path.join("out/status").exists());
    // Its group, from outside: the process is there, the limit in force.
    let group_dir = groups.dir(memory, "c1");
    let procs = fs::read_to_string(group_dir.join("cgroup.procs")).unwrap();
    assert!(
        procs.split_whitespace().any(|p| p == pid.to_string()),
        "{procs}"
    );
    let limit_file = if memory.v2 {
        "memory.max"
    } else {
        "memory.limit_in_bytes"
    };
    assert_eq!(
        fs::read_to_string(group_dir.join(limit_file))
            .unwrap()
            .trim(),
        "67108864"
    );
    // Inside, the cgroup namespace's root is the container's group.
    let cgroup = dir.out("cgroup");
    let memory_line = cgroup
        .lines()
        .find(|l| {
            if memory.v2 {
                l.starts_with("0::")
            } else {
                l.split(':')
                    .nth(1)
                    .is_some_and(|c| c.split(',').any(|c| c == "memory"))
            }
        })
        .unwrap_or_else(|| panic!("{cgroup}"));
    assert!(memory_line.ends_with(":/"), "{cgroup}");
    // The dropped capabilities are not in the bounding set (CAP_SYS_MODULE 16,
    // CAP_SYS_TIME 25), the others are.
    let bnd = u64::from_str_radix(&status_field(pid, "CapBnd"), 16).unwrap();
    assert_eq!(bnd & (1 << 16), 0, "CapBnd {bnd:x}");
    assert_eq!(bnd & (1 << 25), 0, "CapBnd {bnd:x}");
    assert_ne!(bnd & (1 << 21), 0, "CAP_SYS_ADMIN was dropped too: {bnd:x}");
    // Root inside and outside (no user namespace).
    assert_eq!(dir.out("uid").trim(), "0");
    assert_eq!(
        status_field(pid, "Uid").split_whitespace().next(),
        Some("0")
    );
    drop(running);
}

/// On a v1 or hybrid host, the init is in its group in every hierarchy of the group from
/// its first instruction on: the cgroup v1 ones (the child writes itself into `tasks`), a
/// named one such as `name=systemd` included, and the v2 one (`CLONE_INTO_CGROUP`).
#[test]
fn the_init_is_in_its_group_in_every_hierarchy_of_the_group() {
    let Some((host, groups, cg)) = setup() else {
        return;
    };
    need!(host.v1("memory"));
    let mut names = vec!["memory".to_string()];
    names.extend(host.mounts.iter().filter_map(|m| {
        m.name
            .as_ref()
            .filter(|_| m.controllers.is_empty())
            .map(|n| format!("name={n}"))
    }));
    if host.mounts.iter().any(|m| m.v2) {
        names.push("cgroup".into());
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let dir = Dir::new();
    let spec = dir.config("");
    let group = cg.group(&names, &group_path(&groups)).unwrap();
    group.create().unwrap();
    let running = Running(start(&spec, &cg, &group).unwrap_or_else(|e| panic!("{e}")));
    dir.wait_done();
    let own = fs::read_to_string(format!("/proc/{}/cgroup", running.0.pid)).unwrap();
    let want = format!(":/{}", groups.name("c1"));
    for name in &names {
        let line = own
            .lines()
            .find(|l| {
                let list = l.split(':').nth(1).unwrap_or("");
                match *name {
                    "cgroup" => l.starts_with("0::"),
                    n => list.split(',').any(|c| c == n),
                }
            })
            .unwrap_or_else(|| panic!("no {name} line in\n{own}"));
        assert!(line.ends_with(&want), "{name}: {line}\n{own}");
    }
    // Inside, every hierarchy's namespace root is that group.
    let inside = dir.out("cgroup");
    assert!(inside.lines().all(|l| l.ends_with(":/")), "{inside}");
}

#[test]
fn an_unprivileged_containers_root_is_uid_100000_on_the_host() {
    let Some((host, groups, cg)) = setup() else {
        return;
    };
    need!(host.usable("memory"));
    let dir = Dir::new();
    let spec = dir.config(
        "lxc.idmap = u 0 100000 65536
lxc.idmap = g 0 100000 65536
",
    );
    let group = cg.group(&["memory"], &group_path(&groups)).unwrap();
    group.create().unwrap();
    let running = Running(start(&spec, &cg, &group).unwrap_or_else(|e| panic!("{e}")));
    let pid = running.0.pid;
    dir.wait_done();
    assert_eq!(dir.out("uid").trim(), "0", "root inside");
    let uids: Vec<String> = status_field(pid, "Uid")
        .split_whitespace()
        .map(String::from)
        .collect();
    assert_eq!(uids, ["100000"; 4], "uid 100000 on the host");
    assert_eq!(dir.out("hostname").trim(), "box1");
}

#[test]
fn a_bad_init_path_says_why_and_leaves_nothing() {
    let Some((host, groups, cg)) = setup() else {
        return;
    };
    let memory = need!(host.usable("memory"));
    let dir = Dir::new();
    let spec = dir.config("lxc.init.cmd = /bin/nope\n");
    let group = cg.group(&["memory"], &group_path(&groups)).unwrap();
    group.create().unwrap();
    let err = match start(&spec, &cg, &group) {
        Ok(started) => {
            let _running = Running(started);
            panic!("a container with a missing init started");
        }
        Err(e) => e,
    };
    assert!(matches!(err, LaunchError::Child { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "executing the init /bin/nope in the container failed: ENOENT (No such file or directory)"
    );
    let procs = fs::read_to_string(groups.dir(memory, "c1").join("cgroup.procs")).unwrap();
    assert_eq!(procs.trim(), "", "a process was left in the group");
}

#[test]
fn a_missing_rootfs_says_why() {
    let Some((host, groups, cg)) = setup() else {
        return;
    };
    let memory = need!(host.usable("memory"));
    let dir = Dir::new();
    let spec = dir.config("");
    fs::remove_dir_all(dir.rootfs()).unwrap();
    let group = cg.group(&["memory"], &group_path(&groups)).unwrap();
    group.create().unwrap();
    let err = start(&spec, &cg, &group)
        .map(Running)
        .err()
        .expect("started without a rootfs");
    assert_eq!(
        err.to_string(),
        format!(
            "the root filesystem {} cannot be used: No such file or directory (os error 2)",
            dir.rootfs().display()
        )
    );
    let procs = fs::read_to_string(groups.dir(memory, "c1").join("cgroup.procs")).unwrap();
    assert_eq!(procs.trim(), "");
}

#[test]
fn attach_runs_a_command_inside_with_the_containers_limits() {
    let Some((host, groups, cg)) = setup() else {
        return;
    };
    let memory = need!(host.usable("memory"));
    let dir = Dir::new();
    let spec = dir.config(
        "lxc.cap.drop = sys_time sys_module
lxc.idmap = u 0 100000 65536
lxc.idmap = g 0 100000 65536
",
    );
    let group = cg.group(&["memory"], &group_path(&groups)).unwrap();
    group.create().unwrap();
    let running = Running(start(&spec, &cg, &group).unwrap_or_else(|e| panic!("{e}")));
    dir.wait_done();
    let command: Vec<String> = [
        "/bin/sh",
        "-c",
        "hostname > /out/a_host; cat /proc/self/status > /out/a_status; echo $$ > /out/a_pid; \
         id -u > /out/a_uid; cat /proc/self/cgroup > /out/a_cgroup; echo $container > /out/a_env; exit 7",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let status =
        container::attach::attach(&spec, &cg, &group, running.0.pidfd.as_fd(), &command, &[])
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status, 7, "the command's exit status");
    assert_eq!(dir.out("a_host").trim(), "box1");
    assert_eq!(dir.out("a_uid").trim(), "0", "root of the container");
    assert_eq!(dir.out("a_env").trim(), "lxc");
    let pid: u32 = dir.out("a_pid").trim().parse().unwrap();
    assert!(
        pid > 1 && pid < 10,
        "not in the container's pid namespace: {pid}"
    );
    let bnd = dir
        .out("a_status")
        .lines()
        .find_map(|l| {
            l.strip_prefix("CapBnd:")
                .map(|v| u64::from_str_radix(v.trim(), 16).unwrap())
        })
        .unwrap();
    assert_eq!(bnd & (1 << 16 | 1 << 25), 0, "CapBnd {bnd:x}");
    let cgroup = dir.out("a_cgroup");
    let line = cgroup
        .lines()
        .find(|l| {
            if memory.v2 {
                l.starts_with("0::")
            } else {
                l.split(':')
                    .nth(1)
                    .is_some_and(|c| c.split(',').any(|c| c == "memory"))
            }
        })
        .unwrap_or_else(|| panic!("{cgroup}"));
    assert!(
        line.ends_with(":/"),
        "not in the container's group: {cgroup}"
    );
    // The attached process is gone, the init still runs.
    let procs = fs::read_to_string(groups.dir(memory, "c1").join("cgroup.procs")).unwrap();
    assert_eq!(
        procs.split_whitespace().collect::<Vec<_>>(),
        [running.0.pid.to_string()]
    );
}

/// A config as `lxc-create -t download` writes it: Debian's common.conf included, with its
/// capability drops, device rules and seccomp profile (`tests/data/lxc`), all in force
/// inside.
#[test]
fn a_download_template_container_gets_lxcs_isolation() {
    let Some((host, groups, cg)) = setup() else {
        return;
    };
    let memory = need!(host.usable("memory"));
    let dir = Dir::new();
    dir.init(
        "mknod /tmp/mem c 1 1
cat /tmp/mem > /dev/null 2> /out/mem
echo $? >> /out/mem
mkdir /tmp/m && mount -t tmpfs none /tmp/m
umount -f /tmp/m 2> /out/umount
echo $? >> /out/umount
cat /proc/self/status > /out/status
cat /sys/class/net/eth0/operstate /sys/class/net/eth0/address > /out/eth0
touch /out/done
exec sleep 1000
",
    );
    let data =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/lxc/usr/share/lxc/config");
    // With the network section `lxc-create -t download` writes (veth on lxcbr0, DHCP),
    // here on a bridge of a scratch network namespace.
    let spec = dir.config(&format!(
        "lxc.include = {common}
lxc.seccomp.profile = {seccomp}
lxc.net.0.type = veth
lxc.net.0.link = lxcbr0
lxc.net.0.flags = up
lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx
",
        common = data.join("common.conf").display(),
        seccomp = data.join("common.seccomp").display(),
    ));
    // The devices controller where the host has it (v1 here, part of v2 in the VM).
    let controllers: &[&str] = if host.find("devices").is_some_and(|m| !m.v2) {
        &["memory", "devices"]
    } else {
        &["memory"]
    };
    let group = cg.group(controllers, &group_path(&groups)).unwrap();
    group.create().unwrap();
    in_scratch_netns(|| {
        let net = container::net::NetlinkRoute::current().unwrap();
        let br = net.create_bridge("lxcbr0").unwrap();
        net.add_address(br, "10.0.3.1".parse().unwrap(), 24, None)
            .unwrap();
        net.set_up(br, true).unwrap();
        let started = start(&spec, &cg, &group).unwrap_or_else(|e| panic!("{e}"));
        let running = Running(started);
        dir.wait_done();
        let _ = memory;
        // Its eth0 is up with the template's MAC prefix, its host end a port of lxcbr0.
        let eth0 = dir.out("eth0");
        assert!(eth0.starts_with("up\n00:16:3e:"), "{eth0}");
        let port = running.0.network[0].host.clone().unwrap();
        assert!(net
            .link_info(&port)
            .unwrap()
            .is_some_and(|l| l.master == Some(br) && l.up));
        check_download_isolation(&dir);
        drop(running);
    });
}

/// What `a_download_template_container_gets_lxcs_isolation`'s container reported.
fn check_download_isolation(dir: &Dir) {
    // /dev/mem (c 1:1) is not in common.conf's list: made (mknod is allowed) but not opened.
    let mem = dir.out("mem");
    assert!(mem.contains("Operation not permitted"), "{mem}");
    assert!(mem.ends_with("1\n"), "{mem}");
    // common.seccomp's reject_force_umount: umount -f fails with EACCES.
    let umount = dir.out("umount");
    assert!(umount.contains("Permission denied"), "{umount}");
    assert!(
        umount.ends_with("1\n") || umount.ends_with("255\n"),
        "{umount}"
    );
    // The filter is installed (Seccomp: 2 is filter mode) and the capabilities of
    // common.conf are gone from the bounding set: mac_admin 33, mac_override 32,
    // sys_time 25, sys_module 16, sys_rawio 17.
    let status = dir.out("status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name}: {status}"))
            .trim()
            .to_string()
    };
    assert_eq!(field("Seccomp"), "2");
    let bnd = u64::from_str_radix(&field("CapBnd"), 16).unwrap();
    for cap in [33, 32, 25, 16, 17] {
        assert_eq!(bnd & (1 << cap), 0, "capability {cap} in CapBnd {bnd:x}");
    }
    assert_ne!(bnd & (1 << 21), 0, "CAP_SYS_ADMIN was dropped too: {bnd:x}");
}

/// The caller's signal state never reaches the container: cgconfigd blocks SIGHUP,
/// SIGTERM and SIGINT for its signalfd and, as every Rust program, ignores SIGPIPE; the
/// init and an attached command start with nothing blocked or ignored, as LXC's do. An
/// attached command given a terminal has it as stdin and stderr and as its controlling
/// terminal, and its stdout stays the caller's.
#[test]
fn the_caller_s_signals_stay_out_and_an_attached_command_gets_its_terminal() {
    use nix::sys::signal::{SigSet, Signal};
    let Some((host, groups, cg)) = setup() else {
        return;
    };
    need!(host.usable("memory"));
    let dir = Dir::new();
    let spec = dir.config("");
    let group = cg.group(&["memory"], &group_path(&groups)).unwrap();
    group.create().unwrap();
    let mut blocked = SigSet::empty();
    for s in [Signal::SIGHUP, Signal::SIGTERM, Signal::SIGINT] {
        blocked.add(s);
    }
    blocked.thread_block().unwrap();
    let started = start(&spec, &cg, &group);
    let running = Running(started.unwrap_or_else(|e| panic!("{e}")));
    dir.wait_done();
    let field = |status: &str, name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    // SIGPIPE (13) is the runtime's; others the test's own caller may ignore are passed
    // on, as a shell passes them to its commands.
    let pipe_ignored =
        |status: &str| u64::from_str_radix(&field(status, "SigIgn"), 16).unwrap() & (1 << 12) != 0;
    let init = dir.out("status");
    assert_eq!(
        field(&init, "SigBlk"),
        "0000000000000000",
        "the init's mask"
    );
    assert!(!pipe_ignored(&init), "the init ignores SIGPIPE");

    let pty = container::console::Pty::open().unwrap();
    let pts = pty.path.clone();
    let command: Vec<String> = [
        "/bin/sh",
        "-c",
        "cat /proc/self/status > /out/t_status; cat /proc/$$/stat > /out/t_stat; \
         echo on-the-terminal >&2; exec sleep 1000",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let attached = attach(
        &spec,
        &cg,
        &group,
        running.0.pidfd.as_fd(),
        container::attach::Options {
            argv: command,
            env: Vec::new(),
            cwd: None,
            terminal: Some(container::attach::Terminal {
                slave: pty.slave,
                which: [true, false, true],
            }),
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    blocked.thread_unblock().unwrap();
    // What the command writes to its terminal is on the master.
    // (In as many reads as the pty gives it.)
    let mut seen = Vec::new();
    while !seen.ends_with(b"\r\n") && seen.len() < 4096 {
        let mut buf = [0u8; 4096];
        let n = nix::unistd::read(&pty.master, &mut buf).unwrap();
        assert_ne!(n, 0, "the terminal closed after {seen:?}");
        seen.extend_from_slice(&buf[..n]);
    }
    assert_eq!(String::from_utf8_lossy(&seen), "on-the-terminal\r\n");
    // The command, the intermediate's child, seen from the host.
    let children =
        fs::read_to_string(format!("/proc/{0}/task/{0}/children", attached.pid)).unwrap();
    let command_pid: i32 = children.trim().parse().unwrap();
    // Its descriptors once it runs `sleep`: while the shell's `echo ... >&2` runs, the
    // shell has its stderr (the terminal) on fd 1 for the builtin, and puts fd 1 back
    // only after the write the master has just read.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !fs::read(format!("/proc/{command_pid}/cmdline"))
        .unwrap_or_default()
        .starts_with(b"sleep")
    {
        assert!(Instant::now() < deadline, "the command never ran sleep");
        std::thread::sleep(Duration::from_millis(10));
    }
    let link = |fd: u32| {
        fs::read_link(format!("/proc/{command_pid}/fd/{fd}"))
            .unwrap()
            .display()
            .to_string()
    };
    // stdin and stderr are the terminal; stdout stays the caller's.
    assert_eq!(link(0), pts);
    assert_eq!(link(2), pts);
    assert_ne!(link(1), pts);
    let status = dir.out("t_status");
    assert_eq!(field(&status, "SigBlk"), "0000000000000000");
    assert!(!pipe_ignored(&status), "the command ignores SIGPIPE");
    // Fields after the command name: state, ppid, pgrp, session, tty_nr.
    let stat = dir.out("t_stat");
    let rest: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let own_pid = stat.split(' ').next().unwrap();
    assert_eq!(rest[3], own_pid, "a session of its own: {stat}");
    assert_ne!(rest[4], "0", "a controlling terminal: {stat}");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(command_pid), Signal::SIGKILL).unwrap();
    assert_eq!(attached.wait().unwrap_or_else(|e| panic!("{e}")), 137);
}

/// A symlink in the rootfs never leads the launch out of it: `lxc.mount.entry` targets
/// (with `create=dir` and `create=file`) through an absolute symlink and through one that
/// climbs with `..` are made and mounted where the container sees them, as if its root
/// were `/`, and nothing appears on the host (LXC's `safe_mount` refuses such paths; a
/// launch that followed them from the host would create directories and files in the
/// host's file system).
#[test]
fn symlinks_in_the_rootfs_never_lead_a_mount_or_a_mkdir_out_of_it() {
    let Some((_host, groups, cg)) = setup() else {
        return;
    };
    let dir = Dir::new();
    let root = dir.rootfs();
    let outside = dir.path.parent().unwrap().join("outside");
    fs::create_dir(&outside).unwrap();
    // The same absolute path inside the rootfs: where the symlink points for the container.
    let mirrored = root.join(outside.strip_prefix("/").unwrap());
    fs::create_dir_all(&mirrored).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("esc")).unwrap();
    // From the host, rootfs/up/NAME is /NAME (the rootfs is far less than 20 levels deep).
    std::os::unix::fs::symlink("../".repeat(20), root.join("up")).unwrap();
    let climbed = format!("cgtools-escape-{}", std::process::id());
    let on_host_root = PathBuf::from("/").join(&climbed);
    dir.init(
        "cat /proc/self/mountinfo > /out/mountinfo
touch /out/done
exec sleep 1000
",
    );
    let spec = dir.config(&format!(
        "lxc.mount.entry = tmpfs esc/made tmpfs create=dir 0 0
lxc.mount.entry = /dev/null esc/file none bind,create=file 0 0
lxc.mount.entry = tmpfs up/{climbed} tmpfs create=dir 0 0
"
    ));
    let group = created_group(&cg, &groups, "c1");
    let started = start(&spec, &cg, &group);
    let escaped = on_host_root.exists();
    if escaped {
        let _ = fs::remove_dir(&on_host_root);
    }
    let running = Running(started.unwrap_or_else(|e| panic!("{e}")));
    dir.wait_done();
    assert!(!escaped, "{} was made on the host", on_host_root.display());
    assert!(!outside.join("made").exists(), "esc/made made on the host");
    assert!(!outside.join("file").exists(), "esc/file made on the host");
    assert!(mirrored.join("made").is_dir());
    assert!(mirrored.join("file").is_file());
    assert!(root.join(&climbed).is_dir());
    // Inside, the mounts are on those paths (mountinfo's 5th field, from the container's
    // root), each with its file system.
    let mountinfo = dir.out("mountinfo");
    let mounted = |path: &str, fstype: &str| {
        mountinfo.lines().any(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            let sep = f.iter().position(|x| *x == "-").unwrap_or(f.len());
            f.get(4) == Some(&path) && f.get(sep + 1) == Some(&fstype)
        })
    };
    let inside = |name: &str| format!("{}/{name}", outside.display());
    assert!(mounted(&inside("made"), "tmpfs"), "{mountinfo}");
    assert!(
        mounted(&inside("file"), "devtmpfs") || mounted(&inside("file"), "tmpfs"),
        "{mountinfo}"
    );
    assert!(mounted(&format!("/{climbed}"), "tmpfs"), "{mountinfo}");
    drop(running);
}

/// Runs `body` on a thread of its own in a new network namespace (a scratch one: the
/// bridges, veth host ends and addresses of the test are made there, never on the host).
fn in_scratch_netns<T: Send>(body: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(|| {
            nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
            body()
        })
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
    })
}

/// Two containers on one bridge, as `lxc-create -t download` networks them (veth on a
/// bridge, `flags = up`, a hwaddr with `x`s), with static addresses: they reach each other,
/// their default route goes through the bridge's address (`gateway = auto`), the MAC keeps
/// the template's fixed part, a NIC without `flags` stays down, and the host ends are on the
/// bridge while they run and gone once they stop. A missing bridge refuses a container with
/// the bridge's name and leaves no interface.
#[test]
fn containers_on_a_bridge_reach_each_other_with_their_configured_addresses() {
    let Some((_host, groups, cg)) = setup() else {
        return;
    };
    in_scratch_netns(|| {
        let host = container::net::NetlinkRoute::current().unwrap();
        let br = host.create_bridge("br-ct").unwrap();
        host.add_address(br, "10.77.0.1".parse().unwrap(), 24, None)
            .unwrap();
        host.set_up(br, true).unwrap();
        // A second network, on a bridge of its own with no address on the host.
        let two = host.create_bridge("br-two").unwrap();
        host.set_up(two, true).unwrap();
        let lo = host.link_index("lo").unwrap().unwrap();
        host.set_up(lo, true).unwrap();
        let nic = |addr: &str, pair: &str| {
            format!(
                "lxc.net.0.type = veth
lxc.net.0.link = br-ct
lxc.net.0.flags = up
lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx
lxc.net.0.veth.pair = {pair}
lxc.net.0.ipv4.address = {addr}/24
lxc.net.0.ipv4.gateway = auto
lxc.net.1.type = veth
lxc.net.1.link = br-ct
lxc.net.1.name = eth7
lxc.net.2.type = veth
lxc.net.2.link = br-two
lxc.net.2.flags = up
lxc.net.2.name = lan2
lxc.net.2.ipv4.address = {addr2}/24
",
                addr2 = addr.replace("10.77.", "10.88.")
            )
        };
        let report = "busybox ip -o link > /out/links
busybox ip -4 -o addr > /out/addrs
busybox ip route > /out/routes
cat /sys/class/net/eth0/address > /out/mac
busybox ping -c 1 -W 10 $PEER > /out/ping 2>&1; echo $? > /out/ping_status
busybox ping -c 1 -W 10 $LAN2 > /out/ping2 2>&1; echo $? > /out/ping2_status
touch /out/done
exec sleep 1000
";
        let start_one = |name: &str, addr: &str, pair: &str, peer: &str| {
            let dir = Dir::new();
            dir.init(
                &report
                    .replace("$PEER", peer)
                    .replace("$LAN2", &peer.replace("10.77.", "10.88.")),
            );
            let spec = dir.config(&nic(addr, pair));
            let group = created_group(&cg, &groups, name);
            let started = start(&spec, &cg, &group).unwrap_or_else(|e| panic!("{e}"));
            (dir, Running(started))
        };
        let (d1, c1) = start_one("n1", "10.77.0.2", "vethct1", "10.77.0.3");
        let (d2, c2) = start_one("n2", "10.77.0.3", "vethct2", "10.77.0.2");
        d1.wait_done();
        d2.wait_done();
        for (d, me) in [(&d1, "10.77.0.2"), (&d2, "10.77.0.3")] {
            assert_eq!(d.out("ping_status").trim(), "0", "{}", d.out("ping"));
            // The second NIC works too: the peers reach each other on br-two.
            assert_eq!(d.out("ping2_status").trim(), "0", "{}", d.out("ping2"));
            assert!(
                d.out("addrs")
                    .contains(&format!("inet {me}/24 brd 10.77.0.255")),
                "{}",
                d.out("addrs")
            );
            assert!(
                d.out("routes").contains("default via 10.77.0.1 dev eth0"),
                "{}",
                d.out("routes")
            );
            let mac = d.out("mac");
            assert!(mac.starts_with("00:16:3e:"), "{mac}");
            let links = d.out("links");
            let eth7 = links
                .lines()
                .find(|l| l.contains(" eth7"))
                .unwrap_or_else(|| panic!("{links}"));
            let up = |line: &str| {
                let flags = line.split('<').nth(1).and_then(|r| r.split('>').next());
                flags.is_some_and(|f| f.split(',').any(|x| x == "UP"))
            };
            assert!(!up(eth7), "{eth7}");
            assert!(
                links.lines().any(|l| l.contains(" lo:") && up(l)),
                "{links}"
            );
            assert!(
                links.lines().any(|l| l.contains(" eth0@") && up(l)),
                "{links}"
            );
        }
        assert_ne!(d1.out("mac"), d2.out("mac"));
        assert_eq!(c1.0.network[0].host.as_deref(), Some("vethct1"));
        let on_bridge = |name: &str| {
            host.link_info(name)
                .unwrap()
                .is_some_and(|l| l.master == Some(br) && l.up)
        };
        assert!(on_bridge("vethct1") && on_bridge("vethct2"));
        // The generated host end of eth7, on the bridge too.
        let generated = c1.0.network[1].host.clone().unwrap();
        assert!(
            generated.starts_with("veth") && generated.len() == 10,
            "{generated}"
        );
        assert!(host
            .link_info(&generated)
            .unwrap()
            .is_some_and(|l| l.master == Some(br)));
        drop(c1);
        drop(c2);
        let deadline = Instant::now() + Duration::from_secs(20);
        while ["vethct1", "vethct2", generated.as_str()]
            .iter()
            .any(|n| host.link_index(n).unwrap().is_some())
        {
            assert!(
                Instant::now() < deadline,
                "host ends left after the containers stopped"
            );
            std::thread::sleep(Duration::from_millis(20));
        }

        // A missing bridge: refused with its name, nothing left.
        let dir = Dir::new();
        let spec = dir.config(
            "lxc.net.0.type = veth
lxc.net.0.link = br-missing
lxc.net.0.veth.pair = vethct3
",
        );
        let group = created_group(&cg, &groups, "n3");
        let err = start(&spec, &cg, &group).unwrap_err().to_string();
        assert!(
            err.contains("the bridge `br-missing` (lxc.net.0.link) does not exist"),
            "{err}"
        );
        assert_eq!(host.link_index("vethct3").unwrap(), None);

        // A start that fails once the pair exists (`gateway = auto` on a bridge without
        // IPv6 address) deletes the host end it made before it returns.
        let bare = host.create_bridge("br-bare").unwrap();
        host.set_up(bare, true).unwrap();
        let dir = Dir::new();
        let spec = dir.config(
            "lxc.net.0.type = veth
lxc.net.0.link = br-bare
lxc.net.0.flags = up
lxc.net.0.veth.pair = vethct4
lxc.net.0.ipv6.address = fd77::2/64
lxc.net.0.ipv6.gateway = auto
",
        );
        let group = created_group(&cg, &groups, "n4");
        let err = start(&spec, &cg, &group).unwrap_err().to_string();
        assert!(
            err.contains("`lxc.net.0.ipv6.gateway = auto`: the link `br-bare` has no ipv6 address"),
            "{err}"
        );
        assert_eq!(host.link_index("vethct4").unwrap(), None);
        host.delete_link(bare).unwrap();
        let links: Vec<String> = host.links().unwrap().into_iter().map(|l| l.name).collect();
        assert_eq!(links, ["lo", "br-ct", "br-two"]); // nothing but what the test made
    });
}

/// iproute2's `ip` (not busybox's applet), run in the calling thread's network namespace;
/// its output, the test failing when it does.
fn iproute2(args: &[&str]) -> String {
    let ip = ["/usr/bin/ip", "/bin/ip", "/usr/sbin/ip", "/sbin/ip"]
        .into_iter()
        .find(|p| {
            fs::canonicalize(p).is_ok_and(|real| !real.to_string_lossy().ends_with("busybox"))
        })
        .expect("iproute2's ip is not installed");
    let out = std::process::Command::new(ip).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A router-mode container (LXC's `veth.mode = router`, as its manual's example: a /32
/// address, `ipv4.gateway = 169.254.0.1`, `ipv6.gateway = fe80::1`), in a scratch network
/// namespace whose "host" has an address on another link: the host routes the container's
/// addresses and its `veth.ipv4.route` through the host end, proxies ARP/NDP for its
/// gateways there (with the host end's forwarding and proxy_ndp on, and nothing global
/// changed); the host pings the container by its address and the container pings the
/// host's address through its gateway. After the stop, the routes and entries are gone
/// with the host end. An IPv6 gateway while IPv6 forwarding is off is refused, as LXC
/// refuses it, leaving no interface.
#[test]
fn a_router_mode_container_is_routed_to_and_reaches_the_host_through_its_gateway() {
    let Some((_host, groups, cg)) = setup() else {
        return;
    };
    in_scratch_netns(|| {
        use container::net::{self, IpFamily};
        let host = net::NetlinkRoute::current().unwrap();
        let lo = host.link_index("lo").unwrap().unwrap();
        host.set_up(lo, true).unwrap();
        let up = host.create_bridge("br-uplink").unwrap();
        host.add_address(up, "10.78.0.1".parse().unwrap(), 24, None)
            .unwrap();
        host.set_up(up, true).unwrap();
        host.add_device_default_route(IpFamily::V4, up).unwrap();
        let group_for = |name: &str| created_group(&cg, &groups, name);
        let config = |pair: &str| {
            format!(
                "lxc.net.0.type = veth
lxc.net.0.veth.mode = router
lxc.net.0.veth.pair = {pair}
lxc.net.0.flags = up
lxc.net.0.ipv4.address = 10.79.0.2/32
lxc.net.0.ipv4.gateway = 169.254.0.1
lxc.net.0.ipv6.address = fd79::2/128
lxc.net.0.ipv6.gateway = fe80::1
lxc.net.0.veth.ipv4.route = 192.0.2.0/24
lxc.net.0.veth.ipv6.route = fd7a::/64
"
            )
        };
        let sysctl = |path: &str| fs::read_to_string(path).unwrap().trim().to_string();

        // IPv6 forwarding off (a new namespace's default): refused, nothing left.
        fs::write("/proc/sys/net/ipv6/conf/all/forwarding", "0").unwrap();
        let dir = Dir::new();
        let spec = dir.config(&config("vethrt0"));
        let err = start(&spec, &cg, &group_for("r0")).unwrap_err().to_string();
        assert!(
            err.contains("net.ipv6.conf.all.forwarding is 0 on the host"),
            "{err}"
        );
        assert_eq!(host.link_index("vethrt0").unwrap(), None);

        // The administrator's part: IPv6 forwarding.
        fs::write("/proc/sys/net/ipv6/conf/all/forwarding", "1").unwrap();
        let dir = Dir::new();
        dir.init(
            "busybox ip route > /out/routes
busybox ping -c 1 -W 10 10.78.0.1 > /out/ping 2>&1; echo $? > /out/ping_status
touch /out/done
exec sleep 1000
",
        );
        let spec = dir.config(&config("vethrt1"));
        let running =
            Running(start(&spec, &cg, &group_for("r1")).unwrap_or_else(|e| panic!("{e}")));
        dir.wait_done();
        assert_eq!(dir.out("ping_status").trim(), "0", "{}", dir.out("ping"));
        let routes = dir.out("routes");
        assert!(
            routes.contains("default via 169.254.0.1 dev eth0"),
            "{routes}"
        );
        assert_eq!(running.0.network[0].host.as_deref(), Some("vethrt1"));
        assert_eq!(running.0.network[0].link, None);
        // The host's side, by iproute2 and /proc/sys.
        let routes = iproute2(&["route", "show"]);
        assert!(
            routes.contains("10.79.0.2 dev vethrt1 scope link"),
            "{routes}"
        );
        assert!(
            routes.contains("192.0.2.0/24 dev vethrt1 scope link"),
            "{routes}"
        );
        let routes6 = iproute2(&["-6", "route", "show"]);
        assert!(routes6.contains("fd79::2 dev vethrt1"), "{routes6}");
        assert!(routes6.contains("fd7a::/64 dev vethrt1"), "{routes6}");
        let proxies = iproute2(&["neigh", "show", "proxy"]);
        assert!(proxies.contains("169.254.0.1 dev vethrt1"), "{proxies}");
        let proxies6 = iproute2(&["-6", "neigh", "show", "proxy"]);
        assert!(proxies6.contains("fe80::1 dev vethrt1"), "{proxies6}");
        assert_eq!(sysctl("/proc/sys/net/ipv4/conf/vethrt1/forwarding"), "1");
        assert_eq!(sysctl("/proc/sys/net/ipv6/conf/vethrt1/forwarding"), "1");
        assert_eq!(sysctl("/proc/sys/net/ipv6/conf/vethrt1/proxy_ndp"), "1");
        assert_eq!(sysctl("/proc/sys/net/ipv4/ip_forward"), "0");
        assert_eq!(host.link_info("vethrt1").unwrap().unwrap().master, None);
        // The host reaches the container by its address.
        let out = std::process::Command::new("/bin/busybox")
            .args(["ping", "-c", "1", "-W", "2", "-w", "10", "10.79.0.2"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ping 10.79.0.2 from the host: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );

        drop(running);
        let deadline = Instant::now() + Duration::from_secs(20);
        while host.link_index("vethrt1").unwrap().is_some() {
            assert!(
                Instant::now() < deadline,
                "the host end outlived the container"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let routes = iproute2(&["route", "show"]);
        assert!(!routes.contains("vethrt1"), "{routes}");
        assert!(!iproute2(&["-6", "route", "show"]).contains("vethrt1"));
        assert_eq!(iproute2(&["neigh", "show", "proxy"]).trim(), "");
        assert_eq!(iproute2(&["-6", "neigh", "show", "proxy"]).trim(), "");
    });
}

/// A `phys` network (LXC's `lxc.net.N.type = phys`): the host device (one end of a veth
/// pair made in the scratch "host" namespace) moves into the container under its name
/// there, configured like the others; the host no longer has it. After the stop, with the
/// container's namespace kept by a descriptor (as cgconfigd keeps it),
/// `network::restore_phys` moves it back under its own name with its MTU.
#[test]
fn a_phys_device_moves_in_under_its_name_and_back_at_stop() {
    let Some((_host, groups, cg)) = setup() else {
        return;
    };
    in_scratch_netns(|| {
        let host = container::net::NetlinkRoute::current().unwrap();
        let here = fs::File::open("/proc/thread-self/ns/net").unwrap();
        let dev = host
            .create_veth("physA", "physB", here.as_fd(), Some(1400))
            .unwrap();
        let peer = host.link_index("physB").unwrap().unwrap();
        host.add_address(peer, "10.80.0.1".parse().unwrap(), 24, None)
            .unwrap();
        host.set_up(peer, true).unwrap();
        let _ = dev;
        let dir = Dir::new();
        dir.init(
            "busybox ip -o link > /out/links
busybox ip -4 -o addr > /out/addrs
busybox ping -c 1 -W 10 10.80.0.1 > /out/ping 2>&1; echo $? > /out/ping_status
touch /out/done
exec sleep 1000
",
        );
        let spec = dir.config(
            "lxc.net.0.type = phys
lxc.net.0.link = physA
lxc.net.0.name = eth3
lxc.net.0.flags = up
lxc.net.0.mtu = 1300
lxc.net.0.ipv4.address = 10.80.0.2/24
",
        );
        let group = created_group(&cg, &groups, "p1");
        let running = Running(start(&spec, &cg, &group).unwrap_or_else(|e| panic!("{e}")));
        let netns = container::net::open_netns(running.0.pid).unwrap();
        dir.wait_done();
        assert_eq!(dir.out("ping_status").trim(), "0", "{}", dir.out("ping"));
        let links = dir.out("links");
        assert!(
            links
                .lines()
                .any(|l| l.contains(" eth3@") && l.contains("mtu 1300")),
            "{links}"
        );
        assert!(
            dir.out("addrs").contains("eth3    inet 10.80.0.2/24"),
            "{}",
            dir.out("addrs")
        );
        assert_eq!(host.link_index("physA").unwrap(), None);
        let network = running.0.network.clone();
        assert_eq!(network[0].kind, "phys");
        assert_eq!(network[0].link.as_deref(), Some("physA"));
        drop(running);
        container::network::restore_phys(netns.as_fd(), &network).unwrap();
        drop(netns);
        let back = host.link_info("physA").unwrap().expect("physA is not back");
        assert_eq!(back.mtu, 1400);
        assert_eq!(back.kind.as_deref(), Some("veth"));
    });
}
