//! The backend against the real kernel: create, set, get, attach, remove and permissions in
//! memory, cpu, cpuset, pids and freezer, and in the v2 mount with hugetlb. Each test reads
//! the host from the mount table at run time (`tests/support`), so the same tests run on
//! hybrid, legacy and pure v2 hosts, and skips (counted, a failure in the VM lane) when not
//! root or when the mount table has no hierarchy for it; the library's discovery must agree
//! with the mount table.
//!
//! Every group lives under a unique `cgtools-test-<pid>-<n>` prefix removed by a guard;
//! only processes spawned here are moved, and only a child spawned for that purpose is
//! ever OOM-killed.

mod common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use cgtools::{
    Climbed, ErrorKind, GroupPath, Moved, Owner, Permissions, Removal, Setting, Version,
};
use common::{cgroup_of, host, serving, GroupPaths};
use test_support::{need, skip, skip_part, Mode, Spawned, TestGroups};

/// The seed article's Part I through the library: a 50000000-byte limit reads back
/// rounded down to whole pages. Written in v1 vocabulary, translated on v2 hosts.
#[test]
fn memory_limit_reads_back_page_rounded() {
    let (host, cg) = need!(host());
    need!(serving(&host, &cg, "memory"));
    let t = TestGroups::new(&host);
    let group = cg.group(&["memory"], &t.group_path("seed")).unwrap();
    assert!(group.create().unwrap().created_group());
    let written = group
        .set_translated(
            Some(Version::V1),
            &[Setting::new("memory.limit_in_bytes", "50000000")],
        )
        .unwrap();
    let native = match cg.version_of("memory").unwrap() {
        Version::V1 => "memory.limit_in_bytes",
        Version::V2 => "memory.max",
    };
    assert_eq!(written, [Setting::new(native, "50000000")]);
    assert_eq!(
        group
            .get_translated(Some(Version::V1), "memory.limit_in_bytes")
            .unwrap(),
        "49999872"
    );
    assert_eq!(group.get(native).unwrap(), "49999872");
}

/// A process in a group limited to a few KiB is OOM-killed (and only that process).
#[test]
fn a_process_over_a_tiny_memory_limit_is_oom_killed() {
    let (host, cg) = need!(host());
    need!(serving(&host, &cg, "memory"));
    let t = TestGroups::new(&host);
    let group = cg.group(&["memory"], &t.group_path("oom")).unwrap();
    group.create().unwrap();
    group
        .set_translated(
            Some(Version::V1),
            &[Setting::new("memory.limit_in_bytes", "8K")],
        )
        .unwrap();
    if cg.version_of("memory").unwrap() == Version::V2 {
        // Without swap limits v2 would swap the hog out instead of killing it.
        let _ = group.set("memory.swap.max", "0");
    }
    // The child waits for a line on stdin before it starts eating memory, so it is in
    // the group before it allocates.
    let mut hog = Spawned {
        child: std::process::Command::new("sh")
            .args(["-c", "read go; exec tail /dev/zero"])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    };
    group.attach(hog.pid()).unwrap();
    let mut stdin = hog.child.stdin.take().unwrap();
    let _ = std::io::Write::write_all(&mut stdin, b"go\n");
    drop(stdin);
    let status = hog
        .wait_timeout(Duration::from_secs(30))
        .expect("the hog should have been OOM-killed");
    assert_eq!(status.signal(), Some(9), "{status:?}");
    // The kernel's own count says it was the OOM killer, in this group.
    let events = match cg.version_of("memory").unwrap() {
        Version::V1 => group.get("memory.oom_control").unwrap(),
        Version::V2 => group.get("memory.events").unwrap(),
    };
    let kills: u64 = events
        .lines()
        .find_map(|l| l.strip_prefix("oom_kill "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    assert!(kills >= 1, "{events}");
}

struct Case {
    controller: &'static str,
    /// A setting in v1 vocabulary and the value to read back (translated on v2).
    setting: (&'static str, &'static str),
    expect: &'static str,
}

const CASES: &[Case] = &[
    Case {
        controller: "memory",
        setting: ("memory.limit_in_bytes", "64M"),
        expect: "67108864",
    },
    Case {
        controller: "cpu",
        setting: ("cpu.shares", "512"),
        expect: "512",
    },
    Case {
        controller: "cpuset",
        setting: ("cpuset.cpus", "0"),
        expect: "0",
    },
    Case {
        controller: "pids",
        setting: ("pids.max", "42"),
        expect: "42",
    },
    Case {
        controller: "freezer",
        setting: ("freezer.state", "THAWED"),
        expect: "THAWED",
    },
];

/// For each controller: create nested groups, set and read back, attach a running
/// process (all its threads), list it, then remove recursively without losing it.
#[test]
fn create_set_get_attach_and_remove_recursively_in_each_controller() {
    let (host, cg) = need!(host());
    for case in CASES {
        let h = need!(serving(&host, &cg, case.controller), continue);
        let t = TestGroups::new(&host);
        let leaf = cg.group(&[case.controller], &t.group_path("a/b")).unwrap();
        let report = leaf.create().unwrap();
        assert_eq!(report.created.len(), 3, "{:?}", report.created);
        assert!(leaf.exists());

        let (name, value) = case.setting;
        leaf.set_translated(Some(Version::V1), &[Setting::new(name, value)])
            .unwrap();
        assert_eq!(
            leaf.get_translated(Some(Version::V1), name).unwrap(),
            case.expect,
            "{name}"
        );
        let listed = leaf.settings(case.controller).unwrap();
        assert!(!listed.is_empty());
        assert!(listed.windows(2).all(|w| w[0].0 < w[1].0), "sorted");

        let mut sleeper = Spawned::sleeper();
        leaf.attach(sleeper.pid()).unwrap();
        let cgroup = &leaf.cgroups()[0];
        assert_eq!(cgroup_of(sleeper.pid(), h), format!("/{}/a/b", t.prefix));
        assert_eq!(cgroup.pids().unwrap(), [sleeper.pid()]);
        assert!(cgroup.threads().unwrap().contains(&sleeper.pid()));

        let a = cg.group(&[case.controller], &t.group_path("a")).unwrap();
        let report = a.remove(Removal::Recursive).unwrap();
        assert!(sleeper.alive(), "recursive remove must never kill a task");
        assert_eq!(report.removed.len(), 2, "{report:?}");
        assert!(!a.exists());
        // Moved to the parent of the removed group (v1 always; v2 only if that parent
        // can hold processes, else further up: the report says where).
        let landed = cgroup_of(sleeper.pid(), h);
        assert!(report.moved.iter().any(|m| m.id == sleeper.pid()));
        if h.version() == Version::V1 {
            assert_eq!(landed, format!("/{}", t.prefix));
        }
    }
}

/// attach moves every thread of a process with one write.
#[test]
fn attach_moves_all_threads_of_a_process() {
    let (host, cg) = need!(host());
    let h = need!(serving(&host, &cg, "pids"));
    let proc_ = Spawned::threaded(3);
    let t = TestGroups::new(&host);
    let group = cg.group(&["pids"], &t.group_path("threads")).unwrap();
    group.create().unwrap();
    let before = cg.write_count();
    group.attach(proc_.pid()).unwrap();
    assert_eq!(
        cg.write_count() - before,
        1,
        "one write for the whole process"
    );
    let threads = group.cgroups()[0].threads().unwrap();
    assert_eq!(threads.len(), 4, "{threads:?}");
    for tid in fs::read_dir(format!("/proc/{}/task", proc_.pid())).unwrap() {
        let tid = tid.unwrap().file_name().into_string().unwrap();
        assert!(threads.contains(&tid.parse().unwrap()));
    }
    assert_eq!(cgroup_of(proc_.pid(), h), format!("/{}/threads", t.prefix));
}

/// A task list longer than a page comes back whole (the kernel hands it out 4 KiB per
/// read), and a recursive remove moves every one of those threads out before it removes
/// the group.
#[test]
fn task_lists_longer_than_a_page_are_read_whole() {
    let (host, cg) = need!(host());
    let h = need!(serving(&host, &cg, "pids"));
    let proc_ = Spawned::threaded(1500);
    let t = TestGroups::new(&host);
    let group = cg.group(&["pids"], &t.group_path("many")).unwrap();
    group.create().unwrap();
    group.attach(proc_.pid()).unwrap();
    let threads = group.cgroups()[0].threads().unwrap();
    let bytes: usize = threads.iter().map(|t| t.to_string().len() + 1).sum();
    assert!(bytes > 4096, "the list should span pages: {bytes} bytes");
    assert_eq!(threads.len(), 1501);
    let report = group.remove(Removal::Recursive).unwrap();
    assert!(!group.exists(), "{report:?}");
    // To the parent on v1. On v2 the parent (the prefix) enables pids for its children and
    // so cannot hold processes: they climb to the root, as in the test below.
    let landed = match h.version() {
        Version::V1 => format!("/{}", t.prefix),
        Version::V2 => "/".to_string(),
    };
    assert_eq!(cgroup_of(proc_.pid(), h), landed);
}

/// A group holding a task, removed under each policy that does not recurse: `EmptyOnly`
/// (cgconfigd's) refuses and leaves group and task alone; `MoveTasks` (cgdelete without
/// -r, as libcgroup) moves the task to the parent, still running, and removes the group.
/// On v2 the prefix group enables pids for its children and so cannot hold the process:
/// it lands in the root, and the report sums that up.
#[test]
fn remove_moves_tasks_only_when_asked_to() {
    let (host, cg) = need!(host());
    let h = need!(serving(&host, &cg, "pids"));
    let t = TestGroups::new(&host);
    let group = cg.group(&["pids"], &t.group_path("busy")).unwrap();
    group.create().unwrap();
    let mut sleeper = Spawned::sleeper();
    group.attach(sleeper.pid()).unwrap();

    let e = group.remove(Removal::EmptyOnly).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::NotEmpty {
                tasks: 1,
                children: 0,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.exit_code(), 96);
    assert!(group.exists());
    assert!(sleeper.alive());
    assert_eq!(group.cgroups()[0].pids().unwrap(), [sleeper.pid()]);

    let report = group.remove(Removal::MoveTasks).unwrap();
    assert!(!group.exists());
    assert!(sleeper.alive(), "a removal never kills");
    assert_eq!(
        report.removed,
        [h.fs_path().join(t.group_path("busy").as_relative())]
    );
    match h.version() {
        Version::V1 => {
            assert_eq!(cgroup_of(sleeper.pid(), h), format!("/{}", t.prefix));
            assert_eq!(
                report.moved,
                [Moved {
                    id: sleeper.pid(),
                    to: h.fs_path().join(&t.prefix)
                }]
            );
            assert_eq!(report.climbed, []);
        }
        Version::V2 => {
            assert_eq!(cgroup_of(sleeper.pid(), h), "/");
            assert_eq!(
                report.climbed,
                [Climbed {
                    group: t.group_path("busy"),
                    parent: t.group_path(""),
                    to: GroupPath::root(),
                    tasks: 1
                }]
            );
        }
    }
}

/// A new v1 cpuset gets its parent's CPUs and memory nodes, so a task can join; the
/// kernel's refusal of a bad value reads as a sentence.
#[test]
fn cpuset_groups_can_take_tasks_and_bad_values_are_explained() {
    let (host, cg) = need!(host());
    need!(serving(&host, &cg, "cpuset"));
    let t = TestGroups::new(&host);
    let group = cg.group(&["cpuset"], &t.group_path("x/y")).unwrap();
    group.create().unwrap();
    if cg.version_of("cpuset").unwrap() == Version::V1 {
        let root = cg.group(&["cpuset"], &cgtools::GroupPath::root()).unwrap();
        assert_eq!(
            group.get("cpuset.cpus").unwrap(),
            root.get("cpuset.cpus").unwrap()
        );
        assert_eq!(
            group.get("cpuset.mems").unwrap(),
            root.get("cpuset.mems").unwrap()
        );
    }
    let sleeper = Spawned::sleeper();
    group.attach(sleeper.pid()).unwrap();

    let e = group.set("cpuset.cpus", "abc").unwrap_err();
    assert_eq!(
        e.to_string().split(" (").next().unwrap(),
        "kernel rejected value `abc` for `cpuset.cpus`: Invalid argument"
    );
    assert!(e.path().unwrap().ends_with("x/y/cpuset.cpus"));
    assert_eq!(e.exit_code(), 96);
    let e = group.set("cpuset.no_such_file", "1").unwrap_err();
    assert_eq!(e.exit_code(), 95);
}

/// Freezing through the v1 name works on v1 (freezer.state) and v2 (cgroup.freeze).
#[test]
fn freeze_and_thaw_a_process() {
    let (host, cg) = need!(host());
    // The v1 freezer where a v1 hierarchy has it; on a pure v2 host, the core
    // `cgroup.freeze` of every group.
    let controller = match host.serving("freezer") {
        Ok(_) => "freezer",
        Err(_) if host.mode() == Mode::Unified => "cgroup",
        Err(why) => skip!("{}", why.reason()),
    };
    let t = TestGroups::new(&host);
    let group = cg.group(&[controller], &t.group_path("ice")).unwrap();
    group.create().unwrap();
    let sleeper = Spawned::sleeper();
    group.attach(sleeper.pid()).unwrap();
    let freeze = [Setting::new("freezer.state", "FROZEN")];
    group.set_translated(Some(Version::V1), &freeze).unwrap();
    let state = || {
        fs::read_to_string(format!("/proc/{}/stat", sleeper.pid()))
            .unwrap()
            .rsplit(") ")
            .next()
            .unwrap()
            .chars()
            .next()
            .unwrap()
    };
    let mut frozen = false;
    for _ in 0..100 {
        if group
            .get_translated(Some(Version::V1), "freezer.state")
            .unwrap()
            == "FROZEN"
        {
            frozen = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(frozen);
    // The group reports frozen once every task stopped; a task caught mid-exec may still
    // show as running for a moment in /proc, so look again briefly before failing.
    let mut seen = state();
    for _ in 0..100 {
        if matches!(seen, 'S' | 'D' | 'T') {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        seen = state();
    }
    assert!(matches!(seen, 'S' | 'D' | 'T'), "{seen}");
    let thaw = [Setting::new("freezer.state", "THAWED")];
    group.set_translated(Some(Version::V1), &thaw).unwrap();
    assert_eq!(
        group
            .get_translated(Some(Version::V1), "freezer.state")
            .unwrap(),
        "THAWED"
    );
}

/// libcgroup's admin/task split and owner-bit masking, on a v1 group and in the v2 mount.
#[test]
fn permissions_on_v1_and_v2() {
    let (host, cg) = need!(host());
    let nobody = Owner {
        uid: Some(65534),
        gid: Some(65534),
    };
    let perms = Permissions {
        admin: nobody,
        task: Owner {
            uid: Some(65534),
            gid: Some(0),
        },
        dir_mode: Some(0o775),
        file_mode: Some(0o664),
        task_mode: Some(0o660),
    };
    let mut controllers = vec![];
    match serving(&host, &cg, "cpu") {
        Ok(_) => controllers.push(vec!["cpu"]),
        Err(why) => skip_part!(why),
    }
    match host.unified() {
        Ok(_) => controllers.push(vec![]),
        Err(why) => skip_part!(why),
    }
    for list in controllers {
        let t = TestGroups::new(&host);
        let group = cg.group(&list, &t.group_path("perm")).unwrap();
        assert!(group.create().unwrap().created_group());
        assert!(group.set_permissions(&perms).unwrap() > 0);
        let cgroup = &group.cgroups()[0];
        let dir = cgroup.dir_path();
        let meta = |n: &str| fs::metadata(dir.join(n)).unwrap();
        assert_eq!(meta("").uid(), 65534);
        assert_eq!(meta("").gid(), 65534);
        assert_eq!(meta("").permissions().mode() & 0o7777, 0o775);
        let version = cgroup.hierarchy().version();
        for task_file in version.task_files() {
            assert_eq!(meta(task_file).uid(), 65534, "{task_file}");
            assert_eq!(meta(task_file).gid(), 0, "{task_file}");
            assert_eq!(meta(task_file).permissions().mode() & 0o777, 0o660);
        }
        let (rw, ro) = match version {
            Version::V1 => ("cpu.shares", "cpu.stat"),
            Version::V2 => ("cgroup.max.depth", "cgroup.stat"),
        };
        assert_eq!(meta(rw).permissions().mode() & 0o777, 0o664, "{rw}");
        assert_eq!(
            meta(ro).permissions().mode() & 0o777,
            0o444,
            "{ro} keeps its owner bits"
        );
        assert_eq!(meta(rw).uid(), 65534);
        // An existing group is not re-owned by create.
        assert!(!group.create().unwrap().created_group());
        assert_eq!(meta("").uid(), 65534);
        assert_eq!(
            group.set_permissions(&perms).unwrap(),
            0,
            "already in place"
        );
    }
}

/// A failure half way through a create leaves nothing behind.
#[test]
fn an_injected_failure_during_create_leaves_no_trace() {
    let (host, cg) = need!(host());
    need!(serving(&host, &cg, "pids"));
    let t = TestGroups::new(&host);
    let group = cg.group(&["pids"], &t.group_path("p/q/r")).unwrap();
    cg.fail_nth_write(3, nix::errno::Errno::EIO);
    let e = group.create().unwrap_err();
    assert_eq!(e.errno(), Some(nix::errno::Errno::EIO));
    let top = cg.group(&["pids"], &t.group_path("")).unwrap();
    assert!(!top.exists(), "the parents this call made are gone too");
    // And a clean retry works.
    let report = group.create().unwrap();
    assert_eq!(report.created.len(), 4);
}

/// The v2 mount with hugetlb: controllers enabled top-down (the root only when needed and
/// reported), settings, attach, and a recursive remove whose tasks climb past a parent that
/// may not hold processes. On a hybrid host the root's `+hugetlb` is taken back afterwards.
#[test]
fn unified_hierarchy_with_hugetlb() {
    let (host, cg) = need!(host());
    let raw = need!(host.unified());
    if !raw.has("hugetlb") {
        skip!("the v2 mount does not offer hugetlb");
    }
    let unified = cg
        .layout()
        .unified()
        .expect("the library finds the v2 mount");
    let root_control = unified.fs_path().join("cgroup.subtree_control");
    let had_hugetlb = fs::read_to_string(&root_control)
        .unwrap()
        .split_whitespace()
        .any(|c| c == "hugetlb");
    // The guard takes back the root's `+hugetlb` if this test wrote it.
    let t = TestGroups::new(&host).restoring_v2_root();

    let leaf = cg.group(&["hugetlb"], &t.group_path("a")).unwrap();
    if !had_hugetlb {
        // A deep group never makes us write the root: a clear error, nothing created.
        let err = leaf.create().unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::ControllerNotEnabled { .. }),
            "{err}"
        );
        assert_eq!(err.exit_code(), 84);
        assert!(!unified
            .fs_path()
            .join(t.group_path("").as_relative())
            .exists());
    }
    // A group directly under the root may enable the controller there, and says so.
    let top_group = cg.group(&["hugetlb"], &t.group_path("")).unwrap();
    let report = top_group.create().unwrap();
    assert_eq!(report.wrote_root_subtree_control(), !had_hugetlb);
    let report = leaf.create().unwrap();
    assert!(!report.wrote_root_subtree_control());
    let top = report.enabled.last().unwrap();
    assert_eq!(top.controllers, ["hugetlb"]);
    let cgroup = &leaf.cgroups()[0];
    assert_eq!(cgroup.hierarchy().version(), Version::V2);
    assert!(cgroup
        .get("cgroup.controllers")
        .unwrap()
        .split_whitespace()
        .any(|c| c == "hugetlb"));
    // A second create reads but never writes.
    let writes = cg.write_count();
    leaf.create().unwrap();
    assert_eq!(cg.write_count(), writes);

    if std::path::Path::new("/sys/kernel/mm/hugepages/hugepages-2048kB").exists() {
        let written = leaf
            .set_translated(
                Some(Version::V1),
                &[Setting::new("hugetlb.2MB.limit_in_bytes", "4M")],
            )
            .unwrap();
        assert_eq!(written, [Setting::new("hugetlb.2MB.max", "4194304")]);
        assert_eq!(leaf.get("hugetlb.2MB.max").unwrap(), "4194304");
        assert_eq!(
            leaf.get_translated(Some(Version::V1), "hugetlb.2MB.limit_in_bytes")
                .unwrap(),
            "4194304"
        );
    }

    let mut sleeper = Spawned::sleeper();
    leaf.attach(sleeper.pid()).unwrap();
    assert_eq!(
        cgroup_of(sleeper.pid(), unified),
        format!("/{}/a", t.prefix)
    );
    let report = leaf.remove(Removal::Recursive).unwrap();
    assert!(sleeper.alive());
    let moved = report.moved.iter().find(|m| m.id == sleeper.pid()).unwrap();
    // The parent enables hugetlb for its children, so it cannot hold the process: it went
    // to the nearest ancestor that can.
    assert_ne!(moved.to, unified.fs_path().join(&t.prefix));
    assert_eq!(cgroup_of(sleeper.pid(), unified), "/");
    assert_eq!(
        report.climbed,
        [Climbed {
            group: t.group_path("a"),
            parent: t.group_path(""),
            to: GroupPath::root(),
            tasks: 1
        }]
    );
}

/// lscgroup's walk: pre-order, parents first, siblings sorted.
#[test]
fn walk_lists_the_subtree_in_pre_order() {
    let (host, cg) = need!(host());
    need!(serving(&host, &cg, "pids"));
    let t = TestGroups::new(&host);
    for p in ["w/b/x", "w/a", "w/b/y"] {
        cg.group(&["pids"], &t.group_path(p))
            .unwrap()
            .create()
            .unwrap();
    }
    let w = &cg.group(&["pids"], &t.group_path("w")).unwrap().cgroups()[0];
    let walked: Vec<String> = w
        .walk()
        .unwrap()
        .iter()
        .map(|p| p.as_relative().strip_prefix(&t.prefix).unwrap().to_string())
        .collect();
    assert_eq!(walked, ["/w", "/w/a", "/w/b", "/w/b/x", "/w/b/y"]);
}

/// v2 threaded groups take threads, not processes: attach falls back to
/// `cgroup.threads` for every thread, and single threads can be placed.
#[test]
fn threaded_v2_groups_take_every_thread() {
    let (host, cg) = need!(host());
    need!(host.unified());
    let proc_ = Spawned::threaded(2);
    let t = TestGroups::new(&host);
    let domain = cg.group(&[], &t.group_path("dom")).unwrap();
    let worker = cg.group(&[], &t.group_path("dom/t1")).unwrap();
    let other = cg.group(&[], &t.group_path("dom/t2")).unwrap();
    worker.create().unwrap();
    other.create().unwrap();
    worker.set("cgroup.type", "threaded").unwrap();
    other.set("cgroup.type", "threaded").unwrap();
    assert_eq!(domain.get("cgroup.type").unwrap(), "domain threaded");

    worker.attach(proc_.pid()).unwrap();
    let tids = worker.cgroups()[0].threads().unwrap();
    assert_eq!(tids.len(), 3, "{tids:?}");
    let last = *tids.last().unwrap();
    other.cgroups()[0].attach_thread(last).unwrap();
    assert_eq!(other.cgroups()[0].threads().unwrap(), [last]);
    assert_eq!(worker.cgroups()[0].threads().unwrap().len(), 2);
    // Recursive removal of the threaded subtree's root keeps every thread alive.
    let report = domain.remove(Removal::Recursive).unwrap();
    assert_eq!(report.removed.len(), 3);
    assert!(fs::metadata(format!("/proc/{}", proc_.pid())).is_ok());
}
