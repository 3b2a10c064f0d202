//! The apply engine on the real kernel: a second apply writes nothing, a failure at any
//! write leaves the tree exactly as it was (pre-existing groups and their children
//! included), permissions match the config, templates are not created, and the seed
//! article's persistent group applies (or is refused with the CPUs this host has).
//!
//! Each test reads the host from the mount table (`tests/support`) and skips with a counted
//! reason when not root or when a controller is missing (a failure in the VM lane), and
//! works on whatever the host runs (v1, hybrid, or the v2 VM lane).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use cgtools::backend::values::HostFacts;
use cgtools::engine::accounts::SystemAccounts;
use cgtools::engine::apply::apply;
use cgtools::engine::desired::{desired_state, DesiredState};
use cgtools::engine::plan::plan;
use cgtools::{Cgroups, Permissions, Version};
use common::{host, serving};
use grammar::{cgconfig, SourceFile};
use test_support::{in_vm, need, skip, skip_part, Host, Skip, TestGroups};

fn desired(cg: &Cgroups, text: &str) -> Result<DesiredState, String> {
    let src = SourceFile::new("test.conf", text);
    let config = cgconfig::parse(&src).map_err(|d| grammar::diagnostic::render_all(&d, &src))?;
    desired_state(
        &config,
        cg,
        &HostFacts::read(cg),
        &Permissions::default(),
        &mut SystemAccounts::default(),
    )
    .map_err(|r| grammar::diagnostic::render_all(&r.diagnostics, &src))
}

/// Everything a user could notice under the test prefix: every directory, every file's
/// owner and mode, and every readable file's content (`tasks` and statistics excluded: the
/// kernel changes those on its own).
fn snapshot(cg: &Cgroups, prefix: &str) -> BTreeMap<String, String> {
    fn walk(dir: &Path, label: &str, out: &mut BTreeMap<String, String>) {
        let meta = fs::metadata(dir).unwrap();
        out.insert(
            format!("{label}/"),
            format!("{}:{} {:o}", meta.uid(), meta.gid(), meta.mode() & 0o7777),
        );
        let mut entries: Vec<_> = fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if path.is_dir() {
                walk(&path, &format!("{label}/{name}"), out);
                continue;
            }
            let meta = fs::metadata(&path).unwrap();
            let volatile = name.contains("stat")
                || name.contains("usage")
                || name.contains("failcnt")
                || name.contains("events")
                || name.contains("pressure")
                || name.starts_with("memory.max_usage")
                || name.ends_with(".current")
                || name.ends_with(".peak");
            let content = if volatile {
                String::new()
            } else {
                fs::read_to_string(&path).unwrap_or_default()
            };
            out.insert(
                format!("{label}/{name}"),
                format!(
                    "{}:{} {:o} {content}",
                    meta.uid(),
                    meta.gid(),
                    meta.mode() & 0o7777
                ),
            );
        }
    }
    let mut out = BTreeMap::new();
    for h in cg.hierarchies() {
        let top = h.fs_path().join(prefix);
        if top.is_dir() {
            walk(&top, &h.label(), &mut out);
        }
    }
    out
}

/// A config of 20 groups over cpu and memory (whatever serves them here), with perm blocks
/// and a group that exists before the apply, with a child the config does not name.
fn twenty_groups(prefix: &str) -> String {
    let mut text = String::new();
    for i in 0..20 {
        let perm = if i % 3 == 0 {
            "\tperm {\n\t\ttask { uid = nobody; gid = nogroup; fperm = 660; }\n\t\tadmin { uid = root; dperm = 750; fperm = 640; }\n\t}\n"
        } else {
            ""
        };
        text.push_str(&format!(
            "group {prefix}/g{}/n{i} {{\n{perm}\tcpu {{ cpu.shares = {}; }}\n\tmemory {{ memory.limit_in_bytes = {}M; }}\n}}\n",
            i % 4,
            100 + i,
            32 + i
        ));
    }
    text.push_str(&format!(
        "group {prefix}/pre {{\n\tcpu {{ cpu.shares = 300; }}\n\tmemory {{ memory.soft_limit_in_bytes = 16M; }}\n}}\n"
    ));
    text
}

/// Whether the host serves every one of `controllers`; the skip if not.
fn controllers_present(host: &Host, cg: &Cgroups, controllers: &[&str]) -> Result<(), Skip> {
    for c in controllers {
        serving(host, cg, c)?;
    }
    Ok(())
}

#[test]
fn a_second_apply_writes_nothing() {
    let (host, cg) = need!(host());
    need!(controllers_present(&host, &cg, &["cpu", "memory"]));
    let t = TestGroups::new(&host);
    let state = desired(&cg, &twenty_groups(&t.prefix)).unwrap();
    let host_facts = HostFacts::read(&cg);
    let first = plan(&cg, &state, &host_facts).unwrap();
    assert!(!first.is_empty());
    apply(&cg, &first).unwrap();
    let writes = cg.write_count();
    let second = plan(&cg, &state, &host_facts).unwrap();
    assert!(
        second.is_empty(),
        "unexpected steps:\n{}",
        second.describe()
    );
    apply(&cg, &second).unwrap();
    assert_eq!(cg.write_count(), writes, "the second apply wrote");
}

#[test]
fn a_failure_at_any_write_leaves_the_tree_as_it_was() {
    let (host, cg) = need!(host());
    need!(controllers_present(&host, &cg, &["cpu", "memory"]));
    let t = TestGroups::new(&host);
    // Pre-existing groups, one with a child the config does not mention, with values
    // the config will change.
    let pre = desired(
        &cg,
        &format!(
            "group {p}/pre {{ cpu {{ cpu.shares = 200; }} memory {{ memory.soft_limit_in_bytes = 8M; }} }}\n\
             group {p}/pre/child {{ cpu {{ cpu.shares = 50; }} memory {{ }} }}\n",
            p = t.prefix
        ),
    )
    .unwrap();
    let host_facts = HostFacts::read(&cg);
    apply(&cg, &plan(&cg, &pre, &host_facts).unwrap()).unwrap();
    let before = snapshot(&cg, &t.prefix);

    let state = desired(&cg, &twenty_groups(&t.prefix)).unwrap();
    // How many mutations a full apply makes, measured on a throw-away run.
    let start = cg.write_count();
    apply(&cg, &plan(&cg, &state, &host_facts).unwrap()).unwrap();
    let total = cg.write_count() - start;
    assert!(total > 40, "only {total} writes");
    // Back to the pre-existing state (remove what the config added, restore values).
    let undo_all = desired(
        &cg,
        &format!(
            "group {p}/pre {{ cpu {{ cpu.shares = 200; }} memory {{ memory.soft_limit_in_bytes = 8M; }} }}\n",
            p = t.prefix
        ),
    )
    .unwrap();
    // cpu and memory may share one hierarchy (cgroup v2): each directory once.
    let mut tops: Vec<&Path> = ["cpu", "memory"]
        .iter()
        .map(|h| cg.hierarchy_for(h).unwrap().fs_path())
        .collect();
    tops.dedup();
    for g in 0..4 {
        for top in &tops {
            let root = top.join(&t.prefix).join(format!("g{g}"));
            for entry in fs::read_dir(&root).unwrap().flatten() {
                if entry.path().is_dir() {
                    fs::remove_dir(entry.path()).unwrap();
                }
            }
            let _ = fs::remove_dir(&root);
        }
    }
    apply(&cg, &plan(&cg, &undo_all, &host_facts).unwrap()).unwrap();
    assert_eq!(
        snapshot(&cg, &t.prefix),
        before,
        "test setup did not restore the tree"
    );

    for n in 1..=total {
        let steps = plan(&cg, &state, &host_facts).unwrap();
        cg.fail_nth_write(n, nix::errno::Errno::EIO);
        let failure = apply(&cg, &steps).expect_err("the injected failure was not reported");
        cg.fail_nth_write(0, nix::errno::Errno::EIO);
        assert!(
            failure.not_undone.is_empty(),
            "write {n}: could not undo: {:?}",
            failure.not_undone
        );
        let after = snapshot(&cg, &t.prefix);
        if after != before {
            let diff: Vec<String> = before
                .iter()
                .filter(|(k, v)| after.get(*k) != Some(v))
                .map(|(k, v)| format!("- {k} {v}"))
                .chain(
                    after
                        .iter()
                        .filter(|(k, v)| before.get(*k) != Some(v))
                        .map(|(k, v)| format!("+ {k} {v}")),
                )
                .collect();
            panic!(
                "failing write {n} of {total} ({}) changed the tree:\n{}",
                failure.step,
                diff.join("\n")
            );
        }
    }
}

#[test]
fn permissions_match_the_config_and_templates_are_not_created() {
    let (host, cg) = need!(host());
    let cpu = need!(serving(&host, &cg, "cpu"));
    let t = TestGroups::new(&host);
    let state = desired(
        &cg,
        &format!(
            "group {p}/owned {{\n\tperm {{\n\t\ttask {{ uid = nobody; gid = nogroup; fperm = 660; }}\n\t\tadmin {{ uid = root; gid = nogroup; dperm = 775; fperm = 664; }}\n\t}}\n\tcpu {{ }}\n}}\n\
             template {p}/tpl/%u {{ cpu {{ }} }}\n",
            p = t.prefix
        ),
    )
    .unwrap();
    apply(&cg, &plan(&cg, &state, &HostFacts::read(&cg)).unwrap()).unwrap();
    let dir = cpu.fs_path().join(&t.prefix).join("owned");
    let nogroup = nix::unistd::Group::from_name("nogroup")
        .unwrap()
        .unwrap()
        .gid
        .as_raw();
    let nobody = nix::unistd::User::from_name("nobody")
        .unwrap()
        .unwrap()
        .uid
        .as_raw();
    let meta = fs::metadata(&dir).unwrap();
    assert_eq!(
        (meta.uid(), meta.gid(), meta.mode() & 0o777),
        (0, nogroup, 0o775)
    );
    let procs = fs::metadata(dir.join("cgroup.procs")).unwrap();
    assert_eq!(
        (procs.uid(), procs.gid(), procs.mode() & 0o777),
        (nobody, nogroup, 0o660)
    );
    // A read-only statistics file stays read-only: libcgroup's owner-bit masking.
    let stat = fs::metadata(dir.join("cpu.stat")).unwrap();
    assert_eq!(stat.mode() & 0o777, 0o444);
    assert!(!cpu.fs_path().join(&t.prefix).join("tpl").exists());
}

#[test]
fn the_seed_articles_persistent_group() {
    let (host, cg) = need!(host());
    need!(controllers_present(
        &host,
        &cg,
        &["cpu", "memory", "cpuset"]
    ));
    let t = TestGroups::new(&host);
    let host_facts = HostFacts::read(&cg);
    let cpus = host_facts.cpus.clone().unwrap();
    // The article binds to CPUs 0-5, which a small machine does not have.
    let text = |cpus: &str| {
        format!(
            "group {p}/foo {{\n  cpu {{\n    cpu.shares = 100;\n  }}\n  memory {{\n    memory.limit_in_bytes = 5000000;\n  }}\n  cpuset {{\n    cpuset.cpus=\"{cpus}\";\n  }}\n}}\n",
            p = t.prefix
        )
    };
    if cpus.len() < 6 {
        let err = desired(&cg, &text("0-5")).unwrap_err();
        let available = cgtools::backend::values::format_list(&cpus);
        assert!(
            err.contains(&format!("the CPUs available are {available}")),
            "{err}"
        );
        assert!(
            err.starts_with("test.conf:9:17: error: value `0-5` for `cpuset.cpus` names CPU"),
            "{err}"
        );
    }
    let all = cgtools::backend::values::format_list(&cpus);
    let state = desired(&cg, &text(&all)).unwrap();
    apply(&cg, &plan(&cg, &state, &host_facts).unwrap()).unwrap();
    let memory = cg.hierarchy_for("memory").unwrap();
    let limit = fs::read_to_string(
        memory
            .fs_path()
            .join(&t.prefix)
            .join("foo/memory.limit_in_bytes"),
    )
    .unwrap_or_else(|_| {
        // cgroup v2 names it memory.max.
        fs::read_to_string(memory.fs_path().join(&t.prefix).join("foo/memory.max")).unwrap()
    });
    assert_eq!(
        limit.trim(),
        "4997120",
        "5000000 rounded down to whole pages"
    );
}

#[test]
fn a_snapshot_re_creates_the_tree_it_was_taken_from() {
    let (host, cg) = need!(host());
    need!(controllers_present(&host, &cg, &["cpu", "memory"]));
    let t = TestGroups::new(&host);
    let host_facts = HostFacts::read(&cg);
    let mut text = twenty_groups(&t.prefix);
    // A name that needs quoting survives the round trip.
    text.push_str(&format!(
        "group \"{}/with space\" {{ cpu {{ cpu.shares = 222; }} }}\n",
        t.prefix
    ));
    let state = desired(&cg, &text).unwrap();
    apply(&cg, &plan(&cg, &state, &host_facts).unwrap()).unwrap();

    let options = cgtools::engine::snapshot::SnapshotOptions {
        controllers: Some(vec!["cpu".into(), "memory".into()]),
        under: Some(cgtools::GroupPath::new(&t.prefix).unwrap()),
        ..Default::default()
    };
    // The text as cgsnapshot prints it (libcgroup's layout).
    let first = cgtools::engine::snapshot::snapshot(&cg, &options).unwrap();
    let printed = cgtools::engine::snapshot::render(&first).unwrap();
    assert!(
        printed.contains(&format!("group \"{}/with space\" {{", t.prefix)),
        "{printed}"
    );
    assert!(
        printed.contains("uid = nobody;"),
        "perm blocks are captured:\n{printed}"
    );
    let live_before = snapshot(&cg, &t.prefix);

    // Re-applying the snapshot to the tree it came from changes nothing...
    let again = desired(&cg, &printed).unwrap();
    let replan = plan(&cg, &again, &host_facts).unwrap();
    assert!(replan.is_empty(), "{}\n{printed}", replan.describe());
    // ...and applied to an empty prefix, it re-creates the same tree.
    for h in cg.hierarchies() {
        let top = h.fs_path().join(&t.prefix);
        if top.is_dir() {
            let mut dirs = Vec::new();
            collect_dirs(&top, &mut dirs);
            for dir in dirs.iter().rev() {
                fs::remove_dir(dir).unwrap();
            }
        }
    }
    apply(&cg, &plan(&cg, &again, &host_facts).unwrap()).unwrap();
    assert_eq!(snapshot(&cg, &t.prefix), live_before);
    let second = cgtools::engine::snapshot::snapshot(&cg, &options).unwrap();
    assert_eq!(cgtools::engine::snapshot::render(&second).unwrap(), printed);
}

fn collect_dirs(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    out.push(dir.to_path_buf());
    let mut entries: Vec<_> = fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if e.path().is_dir() {
            collect_dirs(&e.path(), out);
        }
    }
}

/// Records what the observer was told, checking each directory does not exist yet, and
/// refuses the `fail_at`-th announcement.
struct Recorder<'a> {
    cg: &'a Cgroups,
    seen: Vec<(usize, String)>,
    fail_at: Option<usize>,
}

impl cgtools::engine::apply::Observer for Recorder<'_> {
    fn before_create(
        &mut self,
        hierarchy: usize,
        dirs: &[cgtools::GroupPath],
    ) -> Result<(), cgtools::Error> {
        if self.fail_at == Some(self.seen.len()) {
            return Err(cgtools::Error::os(
                cgtools::Op::Create,
                "/run/record",
                nix::errno::Errno::ENOSPC,
            ));
        }
        let h = &self.cg.hierarchies()[hierarchy];
        for dir in dirs {
            assert!(
                !h.fs_path().join(dir.as_relative()).exists(),
                "{dir} announced after it was created"
            );
            self.seen.push((hierarchy, dir.to_string()));
        }
        Ok(())
    }
}

#[test]
fn the_observer_hears_of_every_directory_before_it_exists() {
    let (host, cg) = need!(host());
    need!(controllers_present(&host, &cg, &["cpu", "memory"]));
    let t = TestGroups::new(&host);
    let state = desired(&cg, &twenty_groups(&t.prefix)).unwrap();
    let host_facts = HostFacts::read(&cg);
    let planned = plan(&cg, &state, &host_facts).unwrap();
    let announced_by_plan: Vec<(usize, String)> = planned
        .new_directories(&cg)
        .into_iter()
        .map(|(h, p)| (h, p.to_string()))
        .collect();

    // A refusal in the middle stops the apply and takes back what it did.
    let mut refusing = Recorder {
        cg: &cg,
        seen: Vec::new(),
        fail_at: Some(10),
    };
    let failure = cgtools::engine::apply::apply_observed(&cg, &planned, &mut refusing).unwrap_err();
    assert!(
        failure.error.to_string().contains("/run/record"),
        "{}",
        failure.error
    );
    for h in cg.hierarchies() {
        assert!(
            !h.fs_path().join(&t.prefix).exists(),
            "undo left {}",
            h.label()
        );
    }

    let mut recorder = Recorder {
        cg: &cg,
        seen: Vec::new(),
        fail_at: None,
    };
    let applied = cgtools::engine::apply::apply_observed(&cg, &planned, &mut recorder).unwrap();
    let created: Vec<(usize, String)> = applied
        .created_dirs
        .iter()
        .map(|(h, p)| (*h, p.to_string()))
        .collect();
    assert_eq!(recorder.seen, created, "announced = created, in order");
    assert_eq!(applied.created, created.len());
    let mut sorted_plan = announced_by_plan.clone();
    let mut sorted_created = created.clone();
    sorted_plan.sort();
    sorted_created.sort();
    assert_eq!(
        sorted_plan, sorted_created,
        "the plan knew which directories it would create"
    );
    // The prefix itself and the four g<N> parents are among them, in both hierarchies.
    assert!(created.iter().any(|(_, p)| *p == format!("/{}", t.prefix)));
    assert!(created
        .iter()
        .any(|(_, p)| *p == format!("/{}/g3", t.prefix)));
}

#[test]
fn owners_without_modes_reach_every_file_of_a_new_group() {
    let (host, cg) = need!(host());
    let cpu = need!(serving(&host, &cg, "cpu"));
    let t = TestGroups::new(&host);
    let state = desired(
        &cg,
        &format!(
            "group {p}/owned {{\n\tperm {{\n\t\ttask {{ uid = nobody; gid = nogroup; }}\n\t\tadmin {{ uid = nobody; }}\n\t}}\n\tcpu {{ }}\n}}\n",
            p = t.prefix
        ),
    )
    .unwrap();
    apply(&cg, &plan(&cg, &state, &HostFacts::read(&cg)).unwrap()).unwrap();
    let nobody = nix::unistd::User::from_name("nobody")
        .unwrap()
        .unwrap()
        .uid
        .as_raw();
    let nogroup = nix::unistd::Group::from_name("nogroup")
        .unwrap()
        .unwrap()
        .gid
        .as_raw();
    let dir = cpu.fs_path().join(&t.prefix).join("owned");
    let task_files = cpu.version().task_files();
    assert_eq!(fs::metadata(&dir).unwrap().uid(), nobody);
    for entry in fs::read_dir(&dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let meta = entry.metadata().unwrap();
        if task_files.contains(&name.as_str()) {
            assert_eq!((meta.uid(), meta.gid()), (nobody, nogroup), "{name}");
        } else if meta.is_file() {
            assert_eq!((meta.uid(), meta.gid()), (nobody, 0), "{name}");
        }
    }
    // And applying again changes nothing.
    assert!(plan(&cg, &state, &HostFacts::read(&cg)).unwrap().is_empty());
}

/// Reads file `name` of group `path` (relative to the hierarchy) in hierarchy `h`.
fn read_in(h: &cgtools::Hierarchy, path: &str, name: &str) -> String {
    let file = h.fs_path().join(path).join(name);
    fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("reading {}: {e}", file.display()))
        .trim_end()
        .to_string()
}

/// Applies `text`, checks it with `check`, then applies it again: nothing to do.
fn apply_twice(cg: &Cgroups, text: &str, check: impl FnOnce()) {
    let state = desired(cg, text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let host_facts = HostFacts::read(cg);
    apply(cg, &plan(cg, &state, &host_facts).unwrap()).unwrap();
    check();
    let writes = cg.write_count();
    let again = plan(cg, &desired(cg, text).unwrap(), &host_facts).unwrap();
    assert!(again.is_empty(), "unexpected steps:\n{}", again.describe());
    apply(cg, &again).unwrap();
    assert_eq!(cg.write_count(), writes, "the second apply wrote");
}

/// The cpu block of a cgconfig.conf written for cgroup v1 (issue 12), in a group that does
/// not exist yet, applies on every kind of host: as written where v1 serves cpu (v1 and
/// hybrid hosts), translated on cgroup v2 (the VM lane) without reading the group before
/// it exists. Applying it again writes nothing.
#[test]
fn a_v1_quota_and_shares_apply_to_a_new_group_on_every_kind_of_host() {
    let (host, cg) = need!(host());
    // (In the VM lane a skip is a failure: it must serve cpu.)
    let cpu = need!(serving(&host, &cg, "cpu"));
    let t = TestGroups::new(&host);
    let y = format!("{}/v1/x/y", t.prefix);
    let text =
        format!("group {y} {{\n\tcpu {{ cpu.shares = \"256\"; cpu.cfs_quota_us = \"-1\"; }}\n}}\n");
    apply_twice(&cg, &text, || match cpu.version() {
        Version::V1 => {
            assert_eq!(read_in(cpu, &y, "cpu.shares"), "256");
            assert_eq!(read_in(cpu, &y, "cpu.cfs_quota_us"), "-1");
        }
        Version::V2 => {
            // 256 shares of the default 1024 are 25 of the default weight 100.
            assert_eq!(read_in(cpu, &y, "cpu.weight"), "25");
            // No quota, and the period a new group has.
            assert_eq!(read_in(cpu, &y, "cpu.max"), "max 100000");
        }
    });
}

/// Blocks of v1 controllers that cgroup v2 has no controller for (issue 12) apply on
/// every kind of host: where a v1 hierarchy mounts the controller (v1 and hybrid hosts),
/// in it as written, as in libcgroup; where none does and cgroup v2 is mounted (the VM
/// lane; on a hybrid host, the controllers mounted nowhere), in the v2 hierarchy with
/// nothing to enable, a frozen freezer becoming `cgroup.freeze = 1`. Applying them again
/// writes nothing.
#[test]
fn v1_controller_blocks_apply_on_every_kind_of_host() {
    let (host, cg) = need!(host());
    // Where each block's group must be, from the mount table: its v1 hierarchy, or else
    // the v2 mount (with the library's view of it checked against the table).
    let unified = host.unified().ok().map(|_| {
        cg.layout()
            .unified()
            .expect("the library finds the v2 mount")
    });
    let place = |controller: &str| match host.find(controller) {
        Some(_) => Some(serving(&host, &cg, controller).expect("mounted")),
        None => unified,
    };
    let t = TestGroups::new(&host);
    let p = &t.prefix;
    let blocks: Vec<&str> = [
        "cpuacct",
        "freezer",
        "devices",
        "perf_event",
        "net_cls",
        "net_prio",
    ]
    .into_iter()
    .filter(|c| {
        let found = place(c).is_some();
        if !found {
            skip_part!(Skip::because(format!("the `{c} {{ }}` block: no hierarchy mounts it and no cgroup v2 mount could hold it")));
        }
        found
    })
    .collect();
    assert!(
        !in_vm() || blocks.len() == 6,
        "the VM lane has a cgroup v2 mount for every block: {blocks:?}"
    );
    if !blocks.contains(&"freezer") {
        skip!("the freezer block, which this test checks most, has no place on this host");
    }
    let frozen = format!("{p}/v1/frozen");
    let plain = format!("{p}/v1/plain");
    let mut text =
        format!("group {frozen} {{ freezer {{ freezer.state = FROZEN; }} }}\ngroup {plain} {{");
    for c in &blocks {
        text.push_str(&format!(" {c} {{ }}"));
    }
    text.push_str(" }\n");
    apply_twice(&cg, &text, || {
        let freezer = place("freezer").unwrap();
        match freezer.version() {
            Version::V1 => assert_eq!(read_in(freezer, &frozen, "freezer.state"), "FROZEN"),
            Version::V2 => {
                assert_eq!(read_in(freezer, &frozen, "cgroup.freeze"), "1");
                // With no process to stop, the group is frozen at once.
                let events = read_in(freezer, &frozen, "cgroup.events");
                assert!(events.lines().any(|l| l == "frozen 1"), "{events}");
            }
        }
        for c in &blocks {
            let h = place(c).unwrap();
            let dir = h.fs_path().join(&plain);
            assert!(dir.is_dir(), "`{c} {{ }}` did not create {}", dir.display());
            if h.version() == Version::V2 {
                // Nothing of the v1 controller to enable on v2.
                let parent = h.fs_path().join(format!("{p}/v1/cgroup.subtree_control"));
                let enabled = fs::read_to_string(&parent).unwrap_or_default();
                assert!(
                    !enabled.split_whitespace().any(|e| e == *c),
                    "{c} enabled in {}",
                    parent.display()
                );
            }
        }
    });
}
