//! A container's group: where it goes, creating it (recorded first, as every directory
//! cgconfigd makes), killing everything in it, removing it, and reading its usage.
//!
//! **Where.** Below the subtree cgconfigd owns, never at a hierarchy's root as LXC run by
//! root does (`lxc.cgroup.relative = 1` semantics): `<base>/<--containers-group>/<name>`
//! (default `lxc/<name>`), where `<base>` is `--base` in root mode and the service's
//! cgroup (plus `--base`) in delegated mode, so that `lxc/` is a sibling of
//! `supervisor/`. LXC's own placement keys move it, still below the base:
//! `lxc.cgroup.dir = D` makes it `<base>/D/<name>` (LXC's documented meaning),
//! `lxc.cgroup.dir.container = D` makes it `<base>/D`. So a group of cgconfig.conf can
//! hold containers: `group web { memory { memory.limit_in_bytes = 4G; } }` and
//! `lxc.cgroup.dir = web` in each web container's config put them all under one limit.
//! `lxc.cgroup.dir.container.inner` is refused (not implemented); `lxc.cgroup.dir.monitor`
//! and `.monitor.pivot` name the monitor's group, and cgconfigd has no monitor process:
//! they are ignored.
//!
//! **Create.** In every hierarchy where cgconfigd places groups; on cgroup v2 with the
//! controllers the base has (its `cgroup.controllers`), enabled from the base down, so
//! nothing above the base is written. The directories that do not exist yet are recorded
//! as cgconfigd's before the `mkdir` (`record.rs`), so that only they are removed later.
//!
//! **Kill.** `cgroup.kill` of the v2 group (Linux 5.14+) kills every process in it and
//! below at once, so none can fork away. Without it: the group is frozen (v1 `freezer`,
//! or v2 `cgroup.freeze`), every task of the group and its children in every hierarchy is
//! sent SIGKILL, then it is thawed, so that the kills take effect; with no freezer at all,
//! rounds of SIGKILL until the group is empty. Then the group is waited on until empty.
//!
//! **Remove.** Only directories the record says cgconfigd created, which no configured
//! group of cgconfig.conf names, and which hold no process: the container's group, then
//! its parents up to the base while they are empty and no other container uses them.

use super::launcher::{ContainerDir, Placement};
use crate::config::Key;
use crate::log::Logger;
use crate::placement::Placement as Where;
use crate::record::{Record, Verdict};
use cgtools::{Cgroup, Cgroups, ErrorKind, GroupPath, Removal, Version};
use std::time::{Duration, Instant};

/// How long a killed group may take to empty.
pub const EMPTY_WAIT: Duration = Duration::from_secs(10);

/// The container's group, relative to the base (see the module docs).
pub fn relative_path(c: &ContainerDir, containers_group: &GroupPath) -> Result<GroupPath, String> {
    let value = |key: &str| c.config.value(key);
    let located = |key: &str| -> String {
        value(key)
            .and_then(|e| {
                let src = c.config.sources.file(e.file)?;
                let lc = src.line_col(e.entry.value.span.start);
                Some(format!("{}:{}:{}", src.name(), lc.line, lc.col))
            })
            .unwrap_or_else(|| c.dir.join("config").display().to_string())
    };
    let path = |key: &str, text: &str| -> Result<GroupPath, String> {
        let p = GroupPath::new(text).map_err(|e| {
            format!(
                "{}: error: `{key} = {text}` is not a group path below cgconfigd's base: {e}",
                located(key)
            )
        })?;
        if p.is_root() {
            return Err(format!(
                "{}: error: `{key}` names the base itself; name a group below it",
                located(key)
            ));
        }
        Ok(p)
    };
    if value("lxc.cgroup.dir.container.inner").is_some() {
        return Err(format!(
            "{}: error: `lxc.cgroup.dir.container.inner` is not implemented by cgconfigd (hint: \
             remove it; the container's limits are in its own group)",
            located("lxc.cgroup.dir.container.inner")
        ));
    }
    if let Some(e) = value("lxc.cgroup.dir.container") {
        return path("lxc.cgroup.dir.container", &e.entry.value.value);
    }
    let name = |p: GroupPath| p.child(&c.name).map_err(|e| e.to_string());
    match value("lxc.cgroup.dir") {
        Some(e) => name(path("lxc.cgroup.dir", &e.entry.value.value)?),
        None => name(containers_group.clone()),
    }
}

/// Where the container's group goes in each hierarchy: `(hierarchy, path from its root,
/// base)`, for every hierarchy where cgconfigd places groups.
pub fn targets(
    cg: &Cgroups,
    roots: &Where,
    relative: &GroupPath,
) -> Result<Vec<(usize, GroupPath, GroupPath)>, String> {
    let mut out = Vec::new();
    for i in 0..cg.hierarchies().len() {
        let Ok(base) = roots.roots.base(i) else {
            continue;
        };
        let full = base.join(relative);
        if roots
            .reserved
            .iter()
            .any(|(h, r)| *h == i && (full == *r || full.is_within(r)))
        {
            return Err(format!(
                "the container's group {full} is cgconfigd's own leaf (or below it); move it \
                 with --containers-group or lxc.cgroup.dir"
            ));
        }
        out.push((i, full, base.clone()));
    }
    if out.is_empty() {
        return Err("cgconfigd places groups in no hierarchy here".into());
    }
    Ok(out)
}

/// Creates the container's group (recording the new directories first); returns its
/// placement.
pub fn create<'a>(
    cg: &'a Cgroups,
    roots: &Where,
    record: &mut Record,
    relative: &GroupPath,
) -> Result<Placement<'a>, String> {
    let targets = targets(cg, roots, relative)?;
    let mut new_dirs = Vec::new();
    for (i, full, _) in &targets {
        let h = &cg.hierarchies()[*i];
        for dir in full.ancestors().into_iter().chain([full.clone()]) {
            if dir.is_root() {
                continue;
            }
            let exists = cg.cgroup(h, &dir).is_ok_and(|c| c.exists());
            if !exists {
                new_dirs.push((*i, dir));
            }
        }
    }
    if record.add_pending(cg, &new_dirs) {
        save(record)?;
    }
    let mut result = Ok(());
    for (i, full, base) in &targets {
        let h = &cg.hierarchies()[*i];
        let made = cg.cgroup(h, full).and_then(|group| {
            let controllers = if h.version() == Version::V2 {
                v2_controllers(cg, h, base)
            } else {
                Vec::new()
            };
            group.create(&controllers)
        });
        if let Err(e) = made {
            result = Err(format!("cannot create the container's group: {e}"));
            break;
        }
    }
    record.settle(cg);
    save(record)?;
    result?;
    Ok(Placement {
        cg,
        path: targets[0].1.clone(),
        hierarchies: targets.iter().map(|(i, _, _)| *i).collect(),
    })
}

/// The v2 controllers a container's group gets: those the base has (its
/// `cgroup.controllers`); when the base does not exist yet, those its nearest existing
/// ancestor enables already (its `cgroup.subtree_control`), so that nothing above the
/// base is newly enabled.
fn v2_controllers(cg: &Cgroups, h: &cgtools::Hierarchy, base: &GroupPath) -> Vec<String> {
    let list = |text: String| text.split_whitespace().map(str::to_string).collect();
    if let Ok(text) = cg.cgroup(h, base).and_then(|b| b.get("cgroup.controllers")) {
        return list(text);
    }
    let mut at = base.parent();
    while let Some(dir) = at {
        if let Ok(text) = cg
            .cgroup(h, &dir)
            .and_then(|d| d.get("cgroup.subtree_control"))
        {
            return list(text);
        }
        at = dir.parent();
    }
    Vec::new()
}

/// The placement of an existing group (a re-adopted container's): the hierarchies of
/// `roots` where `path` exists.
pub fn existing<'a>(cg: &'a Cgroups, path: &GroupPath, hierarchies: &[usize]) -> Placement<'a> {
    let present = hierarchies
        .iter()
        .copied()
        .filter(|&i| i < cg.hierarchies().len())
        .filter(|&i| {
            cg.cgroup(&cg.hierarchies()[i], path)
                .is_ok_and(|c| c.exists())
        })
        .collect();
    Placement {
        cg,
        path: path.clone(),
        hierarchies: present,
    }
}

fn save(record: &mut Record) -> Result<(), String> {
    record.save().map_err(|e| {
        format!(
            "cannot save the ownership record {}: {}",
            record
                .file()
                .map_or_else(String::new, |f| f.display().to_string()),
            grammar::diagnostic::io_reason(&e)
        )
    })
}

/// Every process in the group and below it, in every hierarchy of the placement.
pub fn tasks(p: &Placement<'_>) -> Vec<u32> {
    let mut pids = Vec::new();
    for group in p.cgroups() {
        for path in group.walk().unwrap_or_default() {
            pids.extend(group.at(path).pids().unwrap_or_default());
        }
    }
    pids.sort_unstable();
    pids.dedup();
    pids
}

/// How the group was emptied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Killed {
    /// `cgroup.kill`.
    CgroupKill,
    /// Frozen, SIGKILL to each task, thawed.
    Frozen,
    /// SIGKILL to each task, in rounds.
    Rounds,
}

/// SIGKILL to every process of the group and below (see the module docs), then waits
/// for it to be empty. `Err` when it is still not empty after [`EMPTY_WAIT`].
pub fn kill_all(p: &Placement<'_>) -> Result<Killed, String> {
    let unified = p.unified().filter(|u| {
        u.files()
            .unwrap_or_default()
            .iter()
            .any(|f| f == "cgroup.kill")
    });
    let how = match unified {
        Some(u) => {
            u.set("cgroup.kill", "1")
                .map_err(|e| format!("cannot kill the container's processes: {e}"))?;
            Killed::CgroupKill
        }
        None => freeze_and_kill(p)?,
    };
    wait_empty(p, EMPTY_WAIT)?;
    Ok(how)
}

/// The freezer of the placement: a v1 `freezer` group, or a v2 group with `cgroup.freeze`.
fn freezer<'a>(
    p: &Placement<'a>,
) -> Option<(Cgroup<'a>, &'static str, &'static str, &'static str)> {
    let groups = p.cgroups();
    if let Some(g) = groups
        .iter()
        .find(|g| g.hierarchy().version() == Version::V1 && g.hierarchy().has_controller("freezer"))
    {
        return Some((g.clone(), "freezer.state", "FROZEN", "THAWED"));
    }
    groups
        .into_iter()
        .find(|g| {
            g.hierarchy().version() == Version::V2
                && g.files()
                    .unwrap_or_default()
                    .iter()
                    .any(|f| f == "cgroup.freeze")
        })
        .map(|g| (g, "cgroup.freeze", "1", "0"))
}

/// Freezes the group, sends SIGKILL to each of its tasks, thaws it (v1 hosts, and v2
/// kernels before `cgroup.kill`); without a freezer, rounds of SIGKILL.
pub fn freeze_and_kill(p: &Placement<'_>) -> Result<Killed, String> {
    let kill = |pids: &[u32]| {
        for pid in pids {
            if let Ok(raw) = i32::try_from(*pid) {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(raw),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
        }
    };
    let Some((group, file, frozen, thawed)) = freezer(p) else {
        for _ in 0..16 {
            let pids = tasks(p);
            if pids.is_empty() {
                break;
            }
            kill(&pids);
            std::thread::sleep(Duration::from_millis(10));
        }
        return Ok(Killed::Rounds);
    };
    group
        .set(file, frozen)
        .map_err(|e| format!("cannot freeze the container's group: {e}"))?;
    // v1 reports FREEZING until every task stopped; v2 says `frozen 1` in cgroup.events.
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        let done = if file == "freezer.state" {
            group.get(file).is_ok_and(|s| s.trim() == "FROZEN")
        } else {
            group
                .get("cgroup.events")
                .is_ok_and(|s| s.lines().any(|l| l.trim() == "frozen 1"))
        };
        if done {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    kill(&tasks(p));
    group
        .set(file, thawed)
        .map_err(|e| format!("cannot thaw the container's group: {e}"))?;
    Ok(Killed::Frozen)
}

/// Waits up to `limit` for the group and its children to hold no process.
pub fn wait_empty(p: &Placement<'_>, limit: Duration) -> Result<(), String> {
    let deadline = Instant::now() + limit;
    loop {
        let left = tasks(p);
        if left.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "{} process{} still in {} after {} s (pid {})",
                left.len(),
                if left.len() == 1 { "" } else { "es" },
                p.path,
                limit.as_secs(),
                left.iter()
                    .take(5)
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Removes the container's group where cgconfigd created it, then its empty parents up
/// to the base; never a configured group, nor one in `in_use` (another container's group
/// or its ancestors). Returns the groups removed (`hierarchy:/path`).
pub fn remove(
    p: &Placement<'_>,
    roots: &Where,
    record: &mut Record,
    configured: &[Key],
    in_use: &[Key],
    log: &Logger,
) -> Vec<String> {
    let cg = p.cg;
    let mut removed = Vec::new();
    for &i in &p.hierarchies {
        let Ok(base) = roots.roots.base(i) else {
            continue;
        };
        let h = &cg.hierarchies()[i];
        let mut path = p.path.clone();
        while path.depth() > base.depth() {
            let key = (i, path.clone());
            let busy = in_use
                .iter()
                .any(|(j, u)| *j == i && (*u == path || u.is_within(&path)));
            if configured.contains(&key) || busy {
                break;
            }
            match record.verify(cg, i, &path) {
                Verdict::Ours => {}
                Verdict::Gone => {
                    record.forget(cg, i, &path);
                }
                Verdict::Replaced | Verdict::NotRecorded => break,
            }
            let result = cg
                .cgroup(h, &path)
                .and_then(|c| c.remove(Removal::EmptyOnly));
            match result {
                Ok(_) => {
                    record.forget(cg, i, &path);
                    removed.push(format!("{}:{path}", h.label()));
                }
                Err(e) if matches!(e.kind(), ErrorKind::GroupMissing { .. }) => {
                    record.forget(cg, i, &path);
                }
                Err(e) => {
                    if path == p.path {
                        log.warning(&format!("cannot remove {}:{path}: {e}", h.label()));
                    }
                    break;
                }
            }
            let Some(parent) = path.parent() else {
                break;
            };
            path = parent;
        }
    }
    if let Err(message) = save(record) {
        log.error(&message);
    }
    removed
}

/// What a container used, read from its group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Usage {
    /// CPU time, in nanoseconds (v1 `cpuacct.usage`, v2 `cpu.stat` `usage_usec`).
    pub cpu_ns: Option<u64>,
    /// Bytes read and written on block devices (v1 `blkio.throttle.io_service_bytes`
    /// `Total`, v2 `io.stat` `rbytes` + `wbytes`).
    pub blkio_bytes: Option<u64>,
    /// Memory (v1 `memory.usage_in_bytes`, v2 `memory.current`).
    pub memory_bytes: Option<u64>,
    /// Kernel memory (v1 `memory.kmem.usage_in_bytes`, v2 `memory.stat` `kernel`).
    pub kmem_bytes: Option<u64>,
}

/// The usage of the group, as `lxc-info` reads it: from the v1 controller's hierarchy
/// where the group has one, else from the v2 group.
pub fn usage(p: &Placement<'_>) -> Usage {
    let groups = p.cgroups();
    let v1 = |controller: &str| {
        groups.iter().find(|g| {
            g.hierarchy().version() == Version::V1 && g.hierarchy().has_controller(controller)
        })
    };
    let v2 = groups
        .iter()
        .find(|g| g.hierarchy().version() == Version::V2);
    let read = |g: Option<&Cgroup<'_>>, file: &str| g.and_then(|g| g.get(file).ok());
    let number = |text: Option<String>| text.and_then(|t| t.trim().parse::<u64>().ok());
    let field = |text: &str, key: &str| {
        text.lines().find_map(|l| {
            let (k, v) = l.split_once(' ')?;
            (k == key).then(|| v.trim().parse::<u64>().ok()).flatten()
        })
    };
    let cpu_ns = number(read(v1("cpuacct"), "cpuacct.usage")).or_else(|| {
        read(v2, "cpu.stat")
            .and_then(|t| field(&t, "usage_usec"))
            .map(|us| us * 1000)
    });
    let blkio_bytes = read(v1("blkio"), "blkio.throttle.io_service_bytes")
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("Total ").and_then(|n| n.trim().parse().ok()))
        })
        .or_else(|| {
            read(v2, "io.stat").map(|t| {
                t.split_whitespace()
                    .filter_map(|kv| {
                        let (k, v) = kv.split_once('=')?;
                        matches!(k, "rbytes" | "wbytes").then(|| v.parse::<u64>().ok())?
                    })
                    .sum()
            })
        });
    let memory_bytes = number(read(v1("memory"), "memory.usage_in_bytes"))
        .or_else(|| number(read(v2, "memory.current")));
    let kmem_bytes = number(read(v1("memory"), "memory.kmem.usage_in_bytes"))
        .or_else(|| read(v2, "memory.stat").and_then(|t| field(&t, "kernel")));
    Usage {
        cpu_ns,
        blkio_bytes,
        memory_bytes,
        kmem_bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn container(config: &str) -> ContainerDir {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c1");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("config"), config).unwrap();
        let loaded = grammar::lxc::load(&path.join("config")).unwrap();
        ContainerDir {
            name: "c1".into(),
            dir: path,
            config: loaded,
        }
    }

    fn p(s: &str) -> GroupPath {
        GroupPath::new(s).unwrap()
    }

    #[test]
    fn the_group_is_below_the_base_and_lxc_keys_move_it() {
        let lxc = p("lxc");
        assert_eq!(relative_path(&container(""), &lxc), Ok(p("lxc/c1")));
        assert_eq!(
            relative_path(&container("lxc.cgroup.dir = web\n"), &lxc),
            Ok(p("web/c1"))
        );
        // Never above the base, whatever the key says.
        assert_eq!(
            relative_path(&container("lxc.cgroup.dir = /abs/x\n"), &lxc),
            Ok(p("abs/x/c1"))
        );
        assert_eq!(
            relative_path(&container("lxc.cgroup.dir.container = web/one\n"), &lxc),
            Ok(p("web/one"))
        );
        let err = relative_path(&container("lxc.cgroup.dir = ../up\n"), &lxc).unwrap_err();
        assert!(
            err.contains("c1/config:1:18: error: `lxc.cgroup.dir = ../up`"),
            "{err}"
        );
        let err = relative_path(&container("lxc.cgroup.dir.container = /\n"), &lxc).unwrap_err();
        assert!(err.contains("names the base itself"), "{err}");
        let err = relative_path(
            &container("lxc.cgroup.dir.container = a\nlxc.cgroup.dir.container.inner = ns\n"),
            &lxc,
        )
        .unwrap_err();
        assert!(
            err.contains(":2:34: error: `lxc.cgroup.dir.container.inner` is not implemented"),
            "{err}"
        );
    }

    #[test]
    fn the_supervisor_leaf_is_never_a_containers_group() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sys/fs/cgroup/unified");
        fs::create_dir_all(root.join("svc")).unwrap();
        fs::write(root.join("cgroup.controllers"), "").unwrap();
        fs::write(root.join("svc/cgroup.controllers"), "").unwrap();
        let cg = Cgroups::from_sources(
            "30 25 0:26 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
            None,
            dir.path(),
        )
        .unwrap();
        let roots =
            Where::delegated(&cg, &cg.membership_from("0::/svc\n"), &p("/"), "supervisor").unwrap();
        let t = targets(&cg, &roots, &p("lxc/c1")).unwrap();
        assert_eq!(t, [(0, p("svc/lxc/c1"), p("svc"))]);
        let err = targets(&cg, &roots, &p("supervisor/c1")).unwrap_err();
        assert!(err.contains("cgconfigd's own leaf"), "{err}");
    }
}
