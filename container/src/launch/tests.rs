//! The order of a launch, parent and child, on the recording fake.

use super::*;
use crate::child::{self, ChildIo, Outcome};
use crate::sys::record::Recorder;
use cgtools::GroupPath;
use std::cell::RefCell;

struct FakeProgram;

impl SeccompProgram for FakeProgram {
    fn install(&self) -> nix::Result<()> {
        Ok(())
    }
}

#[derive(Default)]
struct FakeIsolation {
    calls: RefCell<Vec<String>>,
}

impl Isolation for FakeIsolation {
    fn seccomp(&self, path: &Path) -> Result<Box<dyn SeccompProgram>, String> {
        self.calls
            .borrow_mut()
            .push(format!("seccomp {}", path.display()));
        Ok(Box::new(FakeProgram))
    }

    fn devices(
        &self,
        rules: &[(String, String)],
        group: &Group<'_>,
    ) -> Result<DevicesGuard, String> {
        self.calls
            .borrow_mut()
            .push(format!("devices {} rules on {}", rules.len(), group.path()));
        Ok(Box::new(()))
    }
}

/// A pure cgroup v2 host in a temp dir (nothing is written there: the fake does not).
fn v2_host() -> (tempfile::TempDir, Cgroups) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("sys/fs/cgroup");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("cgroup.controllers"), "cpu memory pids\n").unwrap();
    let mountinfo = "30 1 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";
    let cg = Cgroups::from_sources(mountinfo, None, tmp.path()).unwrap();
    (tmp, cg)
}

/// A hybrid host in a temp dir: memory and pids on cgroup v1, the unified hierarchy
/// beside them.
fn hybrid_host() -> (tempfile::TempDir, Cgroups) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("sys/fs/cgroup");
    for d in ["memory", "pids", "unified"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("unified/cgroup.controllers"), "").unwrap();
    let mountinfo = "\
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";
    let cg = Cgroups::from_sources(mountinfo, None, tmp.path()).unwrap();
    (tmp, cg)
}

/// Starts `spec` with `rec` in the group `lxc/c1` (memory) of a fake cgroup v2 host.
fn start_on_v2(rec: &Recorder, spec: &Spec) -> Result<Started, LaunchError> {
    let (_tmp, cg) = v2_host();
    let group = cg
        .group(&["memory"], &GroupPath::new("lxc/c1").unwrap())
        .unwrap();
    Launcher::with(rec, host(), &FakeIsolation::default()).start(spec, &group)
}

fn host() -> HostFacts {
    HostFacts {
        cap_last_cap: 40,
        apparmor: false,
        v1_hierarchies: None,
    }
}

fn spec(text: &str) -> Spec {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c1");
    std::fs::create_dir_all(dir.join("rootfs")).unwrap();
    let src = grammar::SourceFile::new("config", text);
    let loaded = grammar::lxc::Loader::new().load_source(src).unwrap();
    match crate::spec::check(
        &loaded,
        &crate::spec::Context {
            name: "c1",
            dir: &dir,
        },
    ) {
        Ok((spec, _)) => spec,
        Err(r) => panic!("{}", r.report.render(&loaded)),
    }
}

const UNPRIVILEGED: &str = "\
lxc.rootfs.path = /tmp
lxc.uts.name = web1
lxc.idmap = u 0 100000 65536
lxc.idmap = g 0 100000 65536
lxc.cgroup2.memory.max = 64M
lxc.prlimit.nofile = 1024:4096
lxc.proc.oom_score_adj = 100
lxc.console.path = none
lxc.seccomp.profile = /usr/share/lxc/config/common.seccomp
lxc.cgroup2.devices.deny = a
lxc.cgroup2.devices.allow = c 1:3 rwm
lxc.cap.drop = sys_module
";

#[test]
fn the_parent_prepares_everything_before_releasing_the_child() {
    let (_tmp, cg) = v2_host();
    let group = cg
        .group(&["memory"], &GroupPath::new("lxc/c1").unwrap())
        .unwrap();
    let rec = Recorder::new();
    let iso = FakeIsolation::default();
    let spec = spec(UNPRIVILEGED);
    let started = Launcher::with(&rec, host(), &iso)
        .start(&spec, &group)
        .unwrap();
    assert_eq!(started.pid, 4242);
    assert!(started.console.is_none());
    assert!(started.devices.is_some());
    let log: Vec<String> = rec
        .log()
        .into_iter()
        .map(|l| l.replace(&_tmp.path().to_string_lossy().into_owned(), "ROOT"))
        .collect();
    assert_eq!(
        log,
        [
            "cgroup-set v2 /lxc/c1 memory.max=64M",
            "open ROOT/sys/fs/cgroup/lxc/c1",
            "clone3 newns|newpid|newuts|newipc|newnet|newuser into-cgroup",
            "write /proc/4242/uid_map 0 100000 65536",
            "write /proc/4242/gid_map 0 100000 65536",
            "prlimit 4242 7 1024 4096",
            "write /proc/4242/oom_score_adj 100",
            "go",
            "read-report",
        ]
    );
    // The seccomp policy is compiled and the devices applied before the clone.
    assert_eq!(
        *iso.calls.borrow(),
        [
            "seccomp /usr/share/lxc/config/common.seccomp",
            "devices 2 rules on /lxc/c1"
        ]
    );
}

#[test]
fn without_clone_into_cgroup_the_parent_moves_the_child_before_go() {
    let rec = Recorder::new();
    rec.fail(
        "clone3 newns|newpid|newuts|newipc|newnet into-cgroup",
        libc::E2BIG,
    );
    let spec = spec("lxc.rootfs.path = /tmp\nlxc.console.path = none\n");
    start_on_v2(&rec, &spec).unwrap();
    let log = rec.log();
    let at = |prefix: &str| log.iter().position(|l| l.starts_with(prefix)).unwrap();
    assert_eq!(
        log[at("clone3") + 1],
        "clone3 newns|newpid|newuts|newipc|newnet"
    );
    assert!(at("cgroup-attach /lxc/c1 4242") < at("go"));
}

/// On cgroup v1 the child writes itself into its groups (`tasks`, as its first step after
/// go): a parent writing the pid to `cgroup.procs` would wait for an RCU grace period.
#[test]
fn the_child_joins_its_v1_groups_itself_before_anything_else() {
    let (tmp, cg) = hybrid_host();
    let group = cg
        .group(
            &["memory", "pids", "cgroup"],
            &GroupPath::new("lxc/c1").unwrap(),
        )
        .unwrap();
    let rec = Recorder::new();
    let iso = FakeIsolation::default();
    let spec = spec("lxc.rootfs.path = /tmp\nlxc.console.path = none\nlxc.mount.auto = proc:rw\n");
    let launcher = Launcher::with(&rec, host(), &iso);
    launcher.start(&spec, &group).unwrap();
    let root = tmp.path().display().to_string();
    let log: Vec<String> = rec.log().iter().map(|l| l.replace(&root, "ROOT")).collect();
    // The parent opens the v1 `tasks` files and moves no pid anywhere: the child is born
    // in its v2 group and joins the v1 ones itself.
    assert_eq!(
        log,
        [
            "open-write ROOT/sys/fs/cgroup/memory/lxc/c1/tasks",
            "open-write ROOT/sys/fs/cgroup/pids/lxc/c1/tasks",
            "open ROOT/sys/fs/cgroup/unified/lxc/c1",
            "clone3 newns|newpid|newuts|newipc|newnet into-cgroup",
            "go",
            "read-report",
        ]
    );
    // The child: once released, into its groups before any other step.
    let rec = Recorder::new();
    let (plan, cgroups) = launcher
        .child_plan(&spec, &group, None, &[], false)
        .unwrap();
    assert_eq!(plan[0].step, plan::Step::JoinCgroups);
    assert_eq!(
        plan[0].what,
        "joining the container's group /lxc/c1 in the cgroup v1 hierarchies"
    );
    let null = || -> OwnedFd { std::fs::File::open("/dev/null").unwrap().into() };
    let io = ChildIo {
        go: null(),
        report: null(),
        stdio: null(),
        target: None,
        cgroups,
    };
    assert_eq!(child::run(&rec, &plan, &io, None), Outcome::Executed);
    assert_eq!(
        rec.log()[..5],
        [
            "wait-go",
            "join-cgroup",
            "join-cgroup",
            "reset-signals",
            "unshare-cgroup"
        ]
    );
}

#[test]
fn newuidmap_writes_the_maps_where_lxc_would_use_it() {
    let (_tmp, cg) = v2_host();
    let group = cg
        .group(&["memory"], &GroupPath::new("lxc/c1").unwrap())
        .unwrap();
    let rec = Recorder::new();
    let iso = FakeIsolation::default();
    let mut launcher = Launcher::with(&rec, host(), &iso);
    launcher.shadow_idmap = true;
    let spec = spec("lxc.rootfs.path = /tmp\nlxc.console.path = none\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\nlxc.idmap = g 65536 300000 10\n");
    launcher.start(&spec, &group).unwrap();
    let log = rec.log();
    assert!(
        log.contains(&"run newuidmap 4242 0 100000 65536".to_string()),
        "{log:?}"
    );
    assert!(
        log.contains(&"run newgidmap 4242 0 100000 65536 65536 300000 10".to_string()),
        "{log:?}"
    );
}

#[test]
fn a_failed_step_in_the_child_is_named_and_nothing_is_left() {
    let spec = spec("lxc.rootfs.path = /tmp\nlxc.console.path = none\nlxc.mount.auto = proc:rw\n");
    let plan = plan::plan(&spec, &host(), None, &[], false);
    let index = plan
        .iter()
        .position(|p| p.what == "mount of proc on /proc")
        .unwrap();
    let mut rec = Recorder::new();
    rec.report = Some((index as u32, libc::EPERM));
    let err = start_on_v2(&rec, &spec).unwrap_err();
    assert_eq!(
        err.to_string(),
        "mount of proc on /proc in the container failed: EPERM (Operation not permitted)"
    );
    let log = rec.log();
    assert_eq!(log[log.len() - 2..], ["kill", "reap 4242"]);
}

#[test]
fn a_missing_rootfs_is_refused_before_anything_runs() {
    let rec = Recorder::new();
    let spec = spec("lxc.rootfs.path = /nonexistent/rootfs\nlxc.cgroup2.memory.max = 1G\n");
    let err = start_on_v2(&rec, &spec).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the root filesystem /nonexistent/rootfs cannot be used: No such file or directory (os error 2)"
    );
    assert!(rec.log().is_empty());
}

/// The interfaces are made while the child waits in its namespace: after its id maps (its
/// user namespace's root owns the network namespace), before it is released; a failure
/// there names the NIC and kills the child.
#[test]
fn the_network_is_set_up_after_the_id_maps_and_before_go() {
    let spec = spec(
        "lxc.rootfs.path = /tmp\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n\
         lxc.net.0.type = veth\nlxc.net.0.link = br0\nlxc.net.1.type = macvlan\nlxc.net.1.link = eth0\n",
    );
    let rec = Recorder::new();
    let started = start_on_v2(&rec, &spec).unwrap_or_else(|e| panic!("{e}"));
    let log = rec.log();
    let at = |prefix: &str| {
        log.iter()
            .position(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in {log:#?}"))
    };
    assert_eq!(log[at("network")], "network 4242 veth:eth0 macvlan:eth1");
    assert!(at("write /proc/4242/gid_map") < at("network"));
    assert!(at("network") < at("go"));
    let names: Vec<&str> = started.network.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["eth0", "eth1"]);

    let rec = Recorder::new();
    rec.fail("network", libc::ENOENT);
    let err = start_on_v2(&rec, &spec).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "config:4:18: eth0: {}",
            std::io::Error::from_raw_os_error(libc::ENOENT)
        )
    );
    let log = rec.log();
    assert!(!log.iter().any(|l| l == "go"), "{log:#?}");
    assert!(log.iter().any(|l| l.starts_with("kill")), "{log:#?}");
}

/// What the child of a container as `lxc-create -t download` makes it (common.conf's
/// settings), unprivileged, does, in order.
const DOWNLOAD_LIKE: &str = "\
lxc.rootfs.path = /var/lib/lxc/c1/rootfs
lxc.uts.name = c1
lxc.tty.dir = lxc
lxc.pty.max = 1024
lxc.cap.drop = mac_admin mac_override sys_time sys_module sys_rawio
lxc.mount.auto = cgroup:mixed proc:mixed sys:mixed
lxc.mount.entry = /sys/fs/fuse/connections sys/fs/fuse/connections none bind,optional 0 0
lxc.mount.entry = /srv/data srv/data none ro,bind,create=dir 0 0
lxc.idmap = u 0 100000 65536
lxc.idmap = g 0 100000 65536
lxc.net.0.type = empty
lxc.net.0.flags = up
lxc.sysctl.net.ipv4.ip_forward = 1
lxc.no_new_privs = 1
lxc.init.cmd = /sbin/init --log-level=info
lxc.environment = TERM=linux
";

fn run_child(spec: &Spec, host: &HostFacts, console: Option<&str>) -> (Outcome, Vec<String>) {
    let (outcome, log, _) = run_child_places(spec, host, console);
    (outcome, log)
}

/// Also the paths the child resolved below the rootfs.
fn run_child_places(
    spec: &Spec,
    host: &HostFacts,
    console: Option<&str>,
) -> (Outcome, Vec<String>, Vec<String>) {
    let plan = plan::plan(spec, host, console, &[], true);
    let rec = Recorder::new();
    let null = || -> OwnedFd { std::fs::File::open("/dev/null").unwrap().into() };
    let io = ChildIo {
        go: null(),
        report: null(),
        stdio: null(),
        target: None,
        cgroups: Vec::new(),
    };
    let outcome = child::run(&rec, &plan, &io, Some(&FakeProgram));
    (outcome, rec.log(), rec.beneath())
}

/// Once the rootfs is opened (right after its bind mount), every path of the launch below
/// it (mount targets, directories, files, nodes, links, the ptmx bound from its own
/// devpts) is resolved in it; the host's paths (the console's pty, the host's devices
/// bound where mknod is refused) and the rootfs's own mounts before are not.
#[test]
fn every_path_below_the_rootfs_is_resolved_in_it() {
    let spec = spec(DOWNLOAD_LIKE);
    let root = "/var/lib/lxc/c1/rootfs";
    let (outcome, log, beneath) = run_child_places(&spec, &host(), Some("/dev/pts/7"));
    assert_eq!(outcome, Outcome::Executed);
    let opened = log
        .iter()
        .position(|l| l == &format!("open-root {root}"))
        .unwrap_or_else(|| panic!("the rootfs is never opened: {log:#?}"));
    assert_eq!(log[opened - 1], format!("mount {root} {root} - bind|rec -"));
    // Each path below the rootfs named by a call after the opening, in order.
    let below: Vec<String> = log[opened + 1..]
        .iter()
        .take_while(|l| !l.starts_with("pivot_root"))
        .flat_map(|l| l.split(' '))
        .filter(|w| w.starts_with(&format!("{root}/")))
        .map(str::to_string)
        .collect();
    assert!(below.len() > 20, "{below:#?}");
    let resolved: Vec<&String> = beneath.iter().collect();
    for path in &below {
        assert!(
            resolved.contains(&path),
            "{path} was not resolved in the rootfs"
        );
    }
    assert!(!beneath.iter().any(|p| p == "/dev/pts/7"), "{beneath:#?}");
    assert!(beneath.iter().any(|p| p == &format!("{root}/dev/ptmx")));
    assert!(beneath.iter().any(|p| p == &format!("{root}/proc")));
}

#[test]
fn the_child_sets_up_in_lxcs_order() {
    let spec = spec(DOWNLOAD_LIKE);
    let (outcome, log) = run_child(&spec, &host(), Some("/dev/pts/7"));
    assert_eq!(outcome, Outcome::Executed);
    insta::assert_snapshot!(log.join("\n"));
    let at = |prefix: &str| {
        log.iter()
            .position(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in {log:#?}"))
    };
    // Root in the user namespace first; the cgroup namespace once in the group.
    assert!(at("wait-go") < at("set-ids 0 0 []"));
    assert!(at("set-ids 0 0 []") < at("unshare-cgroup"));
    assert!(at("unshare-cgroup") < at("mount /var/lib/lxc/c1/rootfs"));
    // Everything is mounted before pivot_root, caps after it, seccomp last but the ids.
    assert!(at("mount proc /var/lib/lxc/c1/rootfs/proc") < at("pivot_root"));
    assert!(at("pivot_root") < at("write /proc/sys/net/ipv4/ip_forward"));
    assert!(at("pivot_root") < at("capbset-drop"));
    assert!(at("capbset-drop") < at("no-new-privs"));
    assert!(at("no-new-privs") < at("seccomp"));
    assert!(at("seccomp") < at("exec"));
}

#[test]
fn a_hybrid_host_gets_its_cgroup_hierarchies_when_forced() {
    let spec = spec("lxc.rootfs.path = /r\nlxc.mount.auto = cgroup:ro:force\n");
    let host = HostFacts {
        cap_last_cap: 40,
        apparmor: true,
        v1_hierarchies: Some(vec![
            ("cpu,cpuacct".into(), "cpu,cpuacct".into()),
            ("systemd".into(), "name=systemd".into()),
            ("unified".into(), String::new()),
        ]),
    };
    let (_, log) = run_child(&spec, &host, None);
    let cgroup: Vec<&String> = log.iter().filter(|l| l.contains("sys/fs/cgroup")).collect();
    insta::assert_snapshot!(cgroup
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join("\n"));
    // AppArmor enabled: LXC's default profile on exec.
    assert!(log.contains(
        &"write /proc/self/attr/apparmor/exec exec lxc-container-default-cgns".to_string()
    ));
}

#[test]
fn a_failing_step_is_reported_and_optional_ones_are_not() {
    let spec = spec(DOWNLOAD_LIKE);
    let plan = plan::plan(&spec, &host(), None, &[], false);
    let rec = Recorder::new();
    rec.fail("mount /sys/fs/fuse/connections", libc::ENOENT);
    rec.fail("sethostname", libc::EPERM);
    let null = || -> OwnedFd { std::fs::File::open("/dev/null").unwrap().into() };
    let io = ChildIo {
        go: null(),
        report: null(),
        stdio: null(),
        target: None,
        cgroups: Vec::new(),
    };
    let outcome = child::run(&rec, &plan, &io, None);
    let index = plan
        .iter()
        .position(|p| matches!(p.step, plan::Step::Hostname(_)))
        .unwrap();
    assert_eq!(
        outcome,
        Outcome::Failed {
            index,
            errno: libc::EPERM
        }
    );
    assert_eq!(
        rec.log().last().unwrap(),
        &format!("report {index} {}", libc::EPERM)
    );
}

/// The attached command's steps on the fake, the intermediate's fork answered as the
/// child: into the namespaces, root of the user namespace, the terminal, the limits in
/// LXC's order, then the command with the environment the caller gave.
#[test]
fn an_attached_command_takes_the_terminal_and_the_limits_before_it_runs() {
    let spec = spec(DOWNLOAD_LIKE);
    let options = crate::attach::Options {
        argv: vec!["ls".into(), "-l".into()],
        env: Vec::new(),
        cwd: Some("/srv".into()),
        terminal: Some(crate::attach::Terminal {
            slave: std::fs::File::open("/dev/null").unwrap().into(),
            which: [true, false, true],
        }),
    };
    let env = vec![
        "container=lxc".to_string(),
        "PATH=/usr/bin:/bin".to_string(),
    ];
    let plan = plan::attach_plan(&spec, &host(), &options, &env, true);
    let mut rec = Recorder::new();
    rec.clone_as_child = true;
    rec.fail("chdir /srv", libc::ENOENT);
    let null = || -> OwnedFd { std::fs::File::open("/dev/null").unwrap().into() };
    let io = ChildIo {
        go: null(),
        report: null(),
        stdio: null(),
        target: Some(null()),
        cgroups: Vec::new(),
    };
    let outcome = child::run(&rec, &plan, &io, Some(&FakeProgram));
    assert_eq!(outcome, Outcome::Executed);
    assert_eq!(
        rec.log(),
        [
            "wait-go",
            "reset-signals",
            "setns newns|newpid|newuts|newipc|newnet|newuser|newcgroup",
            "set-ids 0 0 []",
            "clone3 ",
            "chdir /",
            // The caller's directory is not in the container: / it is, as lxc-attach.
            "chdir /srv",
            "setsid+ctty stdin,stderr",
            "capbset-drop sys_module",
            "capbset-drop sys_rawio",
            "capbset-drop sys_time",
            "capbset-drop mac_override",
            "capbset-drop mac_admin",
            "drop-inheritable-and-ambient 0x302030000",
            "no-new-privs",
            "seccomp",
            "cloexec-from-3",
            "exec /usr/bin/ls [\"ls\", \"-l\"] [\"container=lxc\", \"PATH=/usr/bin:/bin\"]",
        ]
    );
}

#[test]
fn an_attached_command_that_cannot_be_executed_is_told_apart() {
    let (_tmp, cg) = v2_host();
    let group = cg
        .group(&["memory"], &GroupPath::new("lxc/c1").unwrap())
        .unwrap();
    let spec = spec("lxc.rootfs.path = /tmp\nlxc.console.path = none\n");
    let options = crate::attach::Options {
        argv: vec!["/bin/nope".into()],
        ..Default::default()
    };
    let exec = plan::attach_plan(&spec, &host(), &options, &[], false).len() - 1;
    let mut rec = Recorder::new();
    rec.report = Some((exec as u32, libc::ENOENT));
    let null: OwnedFd = std::fs::File::open("/dev/null").unwrap().into();
    let iso = FakeIsolation::default();
    let attached = Launcher::with(&rec, host(), &iso)
        .spawn_attach(&spec, &group, null.as_fd(), options)
        .unwrap();
    let err = attached.wait().unwrap_err();
    assert!(
        matches!(
            err,
            LaunchError::Command {
                errno: libc::ENOENT,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "executing /bin/nope in the container failed: ENOENT (No such file or directory)"
    );
    // Born in the group, released, waited for.
    let log: Vec<String> = rec
        .log()
        .into_iter()
        .map(|l| l.replace(&_tmp.path().to_string_lossy().into_owned(), "ROOT"))
        .collect();
    assert_eq!(
        log,
        [
            "open ROOT/sys/fs/cgroup/lxc/c1",
            "clone3  into-cgroup",
            "go",
            "read-report",
            "wait 4242",
        ]
    );
}

#[test]
fn a_long_command_line_reaches_exec_whole() {
    let spec = spec("lxc.rootfs.path = /tmp\nlxc.console.path = none\n");
    let argv: Vec<String> = std::iter::once("/bin/true".to_string())
        .chain((1..1000).map(|i| format!("arg{i}")))
        .collect();
    let options = crate::attach::Options {
        argv: argv.clone(),
        ..Default::default()
    };
    let env: Vec<String> = (0..1000).map(|i| format!("V{i}=x")).collect();
    let plan = plan::attach_plan(&spec, &host(), &options, &env, false);
    let mut rec = Recorder::new();
    rec.clone_as_child = true;
    let null = || -> OwnedFd { std::fs::File::open("/dev/null").unwrap().into() };
    let io = ChildIo {
        go: null(),
        report: null(),
        stdio: null(),
        target: Some(null()),
        cgroups: Vec::new(),
    };
    assert_eq!(child::run(&rec, &plan, &io, None), Outcome::Executed);
    let exec = rec.log().pop().unwrap();
    // Every argument and variable, in order (the log line is too long to show).
    assert!(
        exec == format!("exec /bin/true {argv:?} {env:?}"),
        "the command line or the environment was cut"
    );
}

/// The child's steps from the rootfs bind mount to pivot_root that concern the console and
/// the ttys, in order, with the rootfs as `R`.
fn terminal_steps(spec: &Spec, console: Option<&str>, ttys: &[String]) -> Vec<String> {
    let plan = plan::plan(spec, &host(), console, ttys, false);
    let rec = Recorder::new();
    let null = || -> OwnedFd { std::fs::File::open("/dev/null").unwrap().into() };
    let io = ChildIo {
        go: null(),
        report: null(),
        stdio: null(),
        target: None,
        cgroups: Vec::new(),
    };
    assert_eq!(child::run(&rec, &plan, &io, None), Outcome::Executed);
    rec.log()
        .into_iter()
        .skip_while(|l| !l.starts_with("mknod /r/dev/zero"))
        .take_while(|l| !l.starts_with("chdir /r"))
        .filter(|l| l.contains("tty") || l.contains("console") || l.contains("/dev/lxc"))
        .map(|l| l.replacen("/r/", "R/", 3))
        .collect()
}

fn slaves(n: u32) -> Vec<String> {
    (0..n).map(|i| format!("/dev/pts/{}", 10 + i)).collect()
}

#[test]
fn each_tty_is_bound_on_dev_ttyn_after_the_console_as_lxc_sets_them_up() {
    let spec = spec("lxc.rootfs.path = /r\nlxc.tty.max = 3\n");
    assert_eq!(spec.tty_max, 3);
    let steps = terminal_steps(&spec, Some("/dev/pts/9"), &slaves(3));
    assert_eq!(
        steps,
        [
            "create R/dev/console 644",
            "mount /dev/pts/9 R/dev/console - bind -",
            "create R/dev/tty1 644",
            "mount /dev/pts/10 R/dev/tty1 - bind -",
            "create R/dev/tty2 644",
            "mount /dev/pts/11 R/dev/tty2 - bind -",
            "create R/dev/tty3 644",
            "mount /dev/pts/12 R/dev/tty3 - bind -",
        ]
    );
    // Every tty is in place before pivot_root, and the init is told about them.
    let plan = plan::plan(&spec, &host(), Some("/dev/pts/9"), &slaves(3), false);
    let at = |what: &str| plan.iter().position(|p| p.what.starts_with(what)).unwrap();
    assert!(at("bind mount of tty 3 /dev/pts/12 on /dev/tty3") < at("pivot_root"));
    let Some(plan::Step::Exec { env, .. }) = plan.last().map(|p| &p.step) else {
        panic!("the plan does not end with the exec: {plan:#?}");
    };
    assert_eq!(
        env.strings()
            .iter()
            .map(|e| e.to_string_lossy().into_owned())
            .collect::<Vec<_>>(),
        ["container=lxc", "container_ttys=tty1 tty2 tty3"]
    );
}

#[test]
fn with_a_tty_dir_the_ttys_are_in_it_and_dev_ttyn_links_to_them() {
    let spec = spec("lxc.rootfs.path = /r\nlxc.tty.max = 2\nlxc.tty.dir = lxc\n");
    assert_eq!(
        terminal_steps(&spec, Some("/dev/pts/9"), &slaves(2)),
        [
            "create R/dev/console 644",
            "mount /dev/pts/9 R/dev/console - bind -",
            "mkdir R/dev/lxc 755",
            "create R/dev/lxc/console 644",
            "mount /dev/pts/9 R/dev/lxc/console - bind -",
            "create R/dev/lxc/tty1 644",
            "mount /dev/pts/10 R/dev/lxc/tty1 - bind -",
            "symlink R/dev/tty1 -> lxc/tty1",
            "create R/dev/lxc/tty2 644",
            "mount /dev/pts/11 R/dev/lxc/tty2 - bind -",
            "symlink R/dev/tty2 -> lxc/tty2",
        ]
    );
    // Without a console, the directory is made for the ttys.
    let no_console = self::spec(
        "lxc.rootfs.path = /r\nlxc.tty.max = 1\nlxc.tty.dir = lxc\nlxc.console.path = none\n",
    );
    assert_eq!(
        terminal_steps(&no_console, None, &slaves(1)),
        [
            "mkdir R/dev/lxc 755",
            "create R/dev/lxc/tty1 644",
            "mount /dev/pts/10 R/dev/lxc/tty1 - bind -",
            "symlink R/dev/tty1 -> lxc/tty1",
        ]
    );
}

#[test]
fn lxc_environment_may_replace_container_ttys_and_no_ttys_means_no_variable() {
    let spec_ =
        spec("lxc.rootfs.path = /r\nlxc.tty.max = 2\nlxc.environment = container_ttys=pts/1\n");
    assert_eq!(spec_.init.env, ["container=lxc", "container_ttys=pts/1"]);
    let spec_ = spec("lxc.rootfs.path = /r\n");
    assert_eq!(spec_.init.env, ["container=lxc"]);
    assert!(terminal_steps(&spec_, None, &[])
        .iter()
        .all(|l| !l.contains("tty")));
}

#[test]
fn the_launch_opens_a_pty_per_tty_and_gives_the_caller_their_masters() {
    let rec = Recorder::new();
    let spec = spec("lxc.rootfs.path = /tmp\nlxc.console.path = none\nlxc.tty.max = 2\n");
    let started = start_on_v2(&rec, &spec).unwrap();
    assert_eq!(started.ttys.len(), 2);
    // Two ptys, whose slaves the child was told to bind, tty 1 first.
    let names: Vec<String> = started
        .ttys
        .iter()
        .map(|t| {
            rustix::pty::ptsname(&t.master, Vec::new())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_ne!(names[0], names[1]);
    assert_eq!(
        names,
        [started.ttys[0].path.clone(), started.ttys[1].path.clone()]
    );
}
