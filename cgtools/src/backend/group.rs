//! Groups: one group in one hierarchy ([`Cgroup`]) and one group across the hierarchies of
//! a controller list ([`Group`]); reading and writing settings, listing, and moving tasks.
//!
//! Semantics follow the kernel's
//! [cgroup-v1](https://docs.kernel.org/admin-guide/cgroup-v1/cgroups.html) and
//! [cgroup-v2](https://docs.kernel.org/admin-guide/cgroup-v2.html) documents: a process is
//! moved with all its threads by one write of its pid to `cgroup.procs` (v1 and v2 domain
//! groups); a v2 threaded group takes single threads through `cgroup.threads`.
//! Creation is in [`super::create`], removal in [`super::remove`], owners and modes in
//! [`super::permissions`].

use std::path::PathBuf;

use nix::errno::Errno;

use crate::backend::cgroups::Cgroups;
use crate::backend::error::{Error, ErrorKind, Op, Result, ResultExt};
use crate::backend::fsio::Dir;
use crate::backend::group_path::GroupPath;
use crate::backend::hierarchy::{Hierarchy, Version};
use crate::backend::setting::{check_setting_name, controller_of, Setting};
use crate::backend::translate;

/// Naming groups: the handle's constructors of [`Group`] and [`Cgroup`]. They live here,
/// with the types they build, so that the handle does not depend on its groups.
impl Cgroups {
    /// The group `path` in the hierarchies of `controllers`. Co-mounted controllers share
    /// one directory; an empty list means a controller-less group in the v2 mount
    /// (libcgroup's `-g :path`).
    pub fn group(&self, controllers: &[&str], path: &GroupPath) -> Result<Group<'_>> {
        let mut targets: Vec<(usize, Vec<String>)> = Vec::new();
        if controllers.is_empty() {
            let unified = self.layout().unified_index().ok_or_else(|| {
                Error::new(
                    ErrorKind::ControllerNotMounted {
                        controller: "cgroup".into(),
                    },
                    Op::Discover,
                )
                .with_hint(
                    "a group without controllers lives in the cgroup v2 mount; none is mounted",
                )
            })?;
            targets.push((unified, Vec::new()));
        }
        for controller in controllers {
            let i = self.layout().index_for(controller)?;
            let v2_controller =
                self.layout().hierarchies()[i].version() == Version::V2 && *controller != "cgroup";
            match targets.iter_mut().find(|(h, _)| *h == i) {
                Some((_, list)) => {
                    if v2_controller && !list.iter().any(|c| c == controller) {
                        list.push(controller.to_string());
                    }
                }
                None => targets.push((
                    i,
                    if v2_controller {
                        vec![controller.to_string()]
                    } else {
                        Vec::new()
                    },
                )),
            }
        }
        Ok(Group::new(self, path.clone(), targets))
    }

    /// The group `path` in one hierarchy.
    pub fn cgroup(&self, hierarchy: &Hierarchy, path: &GroupPath) -> Result<Cgroup<'_>> {
        let index = self
            .hierarchies()
            .iter()
            .position(|h| h == hierarchy)
            .ok_or_else(|| {
                Error::new(ErrorKind::NoHierarchy, Op::Discover).at(hierarchy.fs_path())
            })?;
        Ok(Cgroup::new(self, index, path.clone()))
    }
}

/// One group in one hierarchy.
#[derive(Clone, Debug)]
pub struct Cgroup<'a> {
    pub(crate) cg: &'a Cgroups,
    pub(crate) index: usize,
    pub(crate) path: GroupPath,
}

impl<'a> Cgroup<'a> {
    pub(crate) fn new(cg: &'a Cgroups, index: usize, path: GroupPath) -> Cgroup<'a> {
        Cgroup { cg, index, path }
    }

    /// The hierarchy it lives in.
    pub fn hierarchy(&self) -> &'a Hierarchy {
        self.cg.hierarchy(self.index)
    }

    /// Its path relative to the hierarchy root.
    pub fn path(&self) -> &GroupPath {
        &self.path
    }

    /// Its directory on disk.
    pub fn dir_path(&self) -> PathBuf {
        self.hierarchy().fs_path().join(self.path.as_relative())
    }

    /// The same group name in this hierarchy, another path.
    pub fn at(&self, path: GroupPath) -> Cgroup<'a> {
        Cgroup::new(self.cg, self.index, path)
    }

    pub(crate) fn open(&self, op: Op) -> Result<Dir<'a>> {
        self.cg.open(self.index, &self.path, op)
    }

    /// Whether its directory exists.
    pub fn exists(&self) -> bool {
        self.open(Op::List).is_ok()
    }

    /// Reads a setting; the value loses its trailing newline, inner lines stay.
    pub fn get(&self, name: &str) -> Result<String> {
        check_setting_name(name)?;
        match self.cg.read_file(self.index, &self.path, name)? {
            Ok(value) => Ok(trim_value(value)),
            // The group or the file: opening the group tells which.
            Err(Errno::ENOENT | Errno::ENOTDIR) => {
                let dir = self.open(Op::Read)?;
                read_setting(&dir, name)
            }
            Err(errno) => Err(Error::os(Op::Read, self.dir_path().join(name), errno)),
        }
    }

    /// Writes a setting exactly as given (one write per line, see the module docs).
    pub fn set(&self, name: &str, value: &str) -> Result<()> {
        check_setting_name(name)?;
        let dir = self.open(Op::Write)?;
        write_setting(&dir, name, value)
    }

    /// Every setting of `controller` (files named `<controller>.*`), sorted by name, with
    /// its value; `None` for files the kernel does not let us read (write-only ones such as
    /// `memory.force_empty`).
    pub fn settings(&self, controller: &str) -> Result<Vec<(String, Option<String>)>> {
        let dir = self.open(Op::List)?;
        let prefix = format!("{controller}.");
        let entries = dir.entries().at_path(Op::List, dir.path())?;
        let mut out = Vec::new();
        for entry in entries {
            if entry.is_dir || !entry.name.starts_with(&prefix) {
                continue;
            }
            let value = match read_setting(&dir, &entry.name) {
                Ok(v) => Some(v),
                Err(e)
                    if matches!(
                        e.errno(),
                        Some(
                            Errno::EACCES
                                | Errno::EPERM
                                | Errno::EINVAL
                                | Errno::EOPNOTSUPP
                                | Errno::ENODEV
                        )
                    ) =>
                {
                    None
                }
                // Removed between listing and reading (a race with the kernel): skip it.
                Err(e) if matches!(e.kind(), ErrorKind::SettingMissing { .. }) => continue,
                Err(e) => return Err(e),
            };
            out.push((entry.name, value));
        }
        Ok(out)
    }

    /// Names of all regular files in the group directory, sorted.
    pub fn files(&self) -> Result<Vec<String>> {
        let dir = self.open(Op::List)?;
        Ok(dir
            .entries()
            .at_path(Op::List, dir.path())?
            .into_iter()
            .filter(|e| !e.is_dir)
            .map(|e| e.name)
            .collect())
    }

    /// Its direct child groups, sorted.
    pub fn children(&self) -> Result<Vec<GroupPath>> {
        let dir = self.open(Op::List)?;
        child_names(&dir)?
            .iter()
            .map(|name| self.path.child(name))
            .collect()
    }

    /// The group and all its descendants in pre-order (parents before children, siblings
    /// sorted), as lscgroup lists them; each directory is read once.
    pub fn walk(&self) -> Result<Vec<GroupPath>> {
        let dir = self.open(Op::List)?;
        let mut out = Vec::new();
        walk_dir(&dir, &self.path, &mut out)?;
        Ok(out)
    }

    /// The processes in it (`cgroup.procs`), sorted.
    pub fn pids(&self) -> Result<Vec<u32>> {
        let dir = self.open(Op::List)?;
        read_ids(&dir, "cgroup.procs")
    }

    /// The threads in it (v1 `tasks`, v2 `cgroup.threads`), sorted.
    pub fn threads(&self) -> Result<Vec<u32>> {
        let dir = self.open(Op::List)?;
        read_ids(&dir, self.hierarchy().version().threads_file())
    }

    /// Moves process `pid` with all its threads into the group: one write to
    /// `cgroup.procs` (libcgroup writes every thread id separately). In a v2 threaded
    /// group, where the kernel refuses whole processes, each thread goes to
    /// `cgroup.threads`.
    pub fn attach(&self, pid: u32) -> Result<()> {
        first_failure(self.attach_each(&[pid]))
    }

    /// Moves each process of `pids` with all its threads into the group, as
    /// [`Cgroup::attach`] does, opening `cgroup.procs` once: one write per process. One
    /// result per pid, in order; a pid that fails (it exited, say) does not stop the others.
    pub fn attach_each(&self, pids: &[u32]) -> Vec<Result<()>> {
        match self.open(Op::Attach) {
            Ok(dir) => attach_in(&dir, self.hierarchy().version(), pids),
            Err(e) => vec![Err(e); pids.len()],
        }
    }

    /// Moves the single thread `tid` (v1 `tasks`, v2 `cgroup.threads`).
    pub fn attach_thread(&self, tid: u32) -> Result<()> {
        let dir = self.open(Op::Attach)?;
        write_id(&dir, self.hierarchy().version().threads_file(), tid)
    }
}

/// A value as read, without its trailing newline (inner lines stay).
fn trim_value(mut value: String) -> String {
    let trimmed = value.trim_end_matches('\n').len();
    value.truncate(trimmed);
    value
}

pub(crate) fn read_setting(dir: &Dir<'_>, name: &str) -> Result<String> {
    match dir.read(name) {
        Ok(value) => Ok(trim_value(value)),
        Err(Errno::ENOENT) => Err(setting_missing(dir, name, Op::Read)),
        Err(errno) => Err(Error::os(Op::Read, dir.file(name), errno)),
    }
}

pub(crate) fn write_setting(dir: &Dir<'_>, name: &str, value: &str) -> Result<()> {
    match dir.write(name, value) {
        Ok(()) => Ok(()),
        Err(Errno::ENOENT) => Err(setting_missing(dir, name, Op::Write)),
        Err(errno @ (Errno::EACCES | Errno::EPERM | Errno::ELOOP | Errno::EROFS)) => {
            Err(Error::os(Op::Write, dir.file(name), errno))
        }
        Err(errno) => Err(Error::new(
            ErrorKind::ValueRejected {
                setting: name.to_string(),
                value: value.to_string(),
            },
            Op::Write,
        )
        .at(dir.file(name))
        .with_errno(errno)),
    }
}

fn setting_missing(dir: &Dir<'_>, name: &str, op: Op) -> Error {
    Error::new(
        ErrorKind::SettingMissing {
            setting: name.to_string(),
        },
        op,
    )
    .at(dir.file(name))
    .with_errno(Errno::ENOENT)
}

/// The first failure of a list of results, or success.
fn first_failure(results: Vec<Result<()>>) -> Result<()> {
    results.into_iter().find(Result::is_err).unwrap_or(Ok(()))
}

/// Writes each pid to the open group's `cgroup.procs` through one open file. A pid the
/// kernel refuses as a whole process in a v2 threaded group moves thread by thread.
fn attach_in(dir: &Dir<'_>, version: Version, pids: &[u32]) -> Vec<Result<()>> {
    let mut procs = match dir.writer("cgroup.procs") {
        Ok(writer) => writer,
        Err(errno) => {
            let e = Error::os(Op::Attach, dir.file("cgroup.procs"), errno);
            return vec![Err(e); pids.len()];
        }
    };
    pids.iter()
        .map(|&pid| match procs.write(format!("{pid}\n").as_bytes()) {
            Ok(()) => Ok(()),
            Err(Errno::EOPNOTSUPP) if version == Version::V2 => attach_threads_of(dir, pid),
            Err(errno) => Err(Error::os(Op::Attach, dir.file("cgroup.procs"), errno)),
        })
        .collect()
}

/// [`attach_in`] for a v1 group, whose `cgroup.procs` is opened with one `openat2` from
/// the mount (cgexec: 4 syscalls per hierarchy instead of 6). A v1 group has no threaded
/// mode and no controllers to check; the group is opened only to explain a failure.
fn attach_v1(cgroup: &Cgroup<'_>, pids: &[u32]) -> Vec<Result<()>> {
    const PROCS: &str = "cgroup.procs";
    let file = cgroup.dir_path().join(PROCS);
    let mut procs = match cgroup
        .cg
        .writer(cgroup.index, &cgroup.path, PROCS, Op::Attach)
    {
        Ok(Ok(writer)) => writer,
        Ok(Err(Errno::ENOENT | Errno::ENOTDIR)) => {
            let e = match cgroup.open(Op::Attach) {
                Err(missing) => missing,
                Ok(_) => Error::os(Op::Attach, file, Errno::ENOENT),
            };
            return vec![Err(e); pids.len()];
        }
        Ok(Err(errno)) => return vec![Err(Error::os(Op::Attach, file, errno)); pids.len()],
        Err(e) => return vec![Err(e); pids.len()],
    };
    pids.iter()
        .map(|&pid| {
            procs
                .write(format!("{pid}\n").as_bytes())
                .map_err(|errno| Error::os(Op::Attach, &file, errno))
        })
        .collect()
}

/// Moves every thread of `pid` through `cgroup.threads` (a v2 threaded group).
fn attach_threads_of(dir: &Dir<'_>, pid: u32) -> Result<()> {
    let mut threads = dir
        .writer("cgroup.threads")
        .map_err(|errno| Error::os(Op::Attach, dir.file("cgroup.threads"), errno))?;
    for tid in threads_of(pid)? {
        match threads.write(format!("{tid}\n").as_bytes()) {
            // A thread that exited meanwhile has nothing to move.
            Ok(()) | Err(Errno::ESRCH) => {}
            Err(errno) => return Err(Error::os(Op::Attach, dir.file("cgroup.threads"), errno)),
        }
    }
    Ok(())
}

/// A v2 group takes part in a controller only when its parent enables it for its children
/// (`cgroup.subtree_control`), which is what the group's own `cgroup.controllers` lists. A
/// process moved into a group without it would run unconstrained, so that is an error.
fn check_enabled(dir: &Dir<'_>, group: &GroupPath, controllers: &[String]) -> Result<()> {
    if controllers.is_empty() {
        return Ok(());
    }
    let available = read_setting(dir, "cgroup.controllers")?;
    let missing: Vec<&str> = controllers
        .iter()
        .map(String::as_str)
        .filter(|c| !available.split_whitespace().any(|a| a == *c))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let list = missing.join(",");
    Err(Error::new(
        ErrorKind::ControllerNotAvailable {
            group: group.to_string(),
            controllers: list.clone(),
        },
        Op::Attach,
    )
    .at(dir.file("cgroup.controllers"))
    .with_hint(format!(
        "cgcreate -g {list}:{group} enables it in every ancestor; or write +{} to the \
         parent's cgroup.subtree_control",
        missing.join(" +")
    )))
}

pub(crate) fn write_id(dir: &Dir<'_>, file: &str, id: u32) -> Result<()> {
    dir.write(file, &id.to_string())
        .map_err(|errno| Error::os(Op::Attach, dir.file(file), errno))
}

pub(crate) fn read_ids(dir: &Dir<'_>, file: &str) -> Result<Vec<u32>> {
    let text = dir
        .read(file)
        .map_err(|errno| Error::os(Op::List, dir.file(file), errno))?;
    let mut ids: Vec<u32> = text
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

pub(crate) fn child_names(dir: &Dir<'_>) -> Result<Vec<String>> {
    Ok(dir
        .entries()
        .at_path(Op::List, dir.path())?
        .into_iter()
        .filter(|e| e.is_dir)
        .map(|e| e.name)
        .collect())
}

fn walk_dir(dir: &Dir<'_>, path: &GroupPath, out: &mut Vec<GroupPath>) -> Result<()> {
    out.push(path.clone());
    for name in child_names(dir)? {
        let child = match dir.child(&name) {
            Ok(child) => child,
            // Removed while we walked: nothing to list.
            Err(Errno::ENOENT) => continue,
            Err(errno) => return Err(Error::os(Op::List, dir.file(&name), errno)),
        };
        let start = out.len();
        match walk_dir(&child, &path.child(&name)?, out) {
            Ok(()) => {}
            // Removed after it was opened: its listing fails with ENOENT.
            Err(e) if e.errno() == Some(Errno::ENOENT) => out.truncate(start),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The thread ids of a process, from `/proc/<pid>/task`.
pub(crate) fn threads_of(pid: u32) -> Result<Vec<u32>> {
    let path = PathBuf::from(format!("/proc/{pid}/task"));
    let mut tids: Vec<u32> = std::fs::read_dir(&path)
        .at_path(Op::Attach, &path)?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    tids.sort_unstable();
    Ok(tids)
}

/// One group across the hierarchies of a controller list.
#[derive(Clone, Debug)]
pub struct Group<'a> {
    cg: &'a Cgroups,
    path: GroupPath,
    /// Hierarchy index and, for v2, the controllers this group needs enabled.
    targets: Vec<(usize, Vec<String>)>,
}

impl<'a> Group<'a> {
    pub(crate) fn new(
        cg: &'a Cgroups,
        path: GroupPath,
        targets: Vec<(usize, Vec<String>)>,
    ) -> Group<'a> {
        Group { cg, path, targets }
    }

    /// The group's path.
    pub fn path(&self) -> &GroupPath {
        &self.path
    }

    /// The group in each of its hierarchies, in the order the controllers were given.
    pub fn cgroups(&self) -> Vec<Cgroup<'a>> {
        self.targets
            .iter()
            .map(|(i, _)| Cgroup::new(self.cg, *i, self.path.clone()))
            .collect()
    }

    pub(crate) fn targets(&self) -> impl Iterator<Item = (Cgroup<'a>, &[String])> + '_ {
        self.targets
            .iter()
            .map(|(i, c)| (Cgroup::new(self.cg, *i, self.path.clone()), c.as_slice()))
    }

    /// Whether the group exists in every one of its hierarchies.
    pub fn exists(&self) -> bool {
        self.cgroups().iter().all(Cgroup::exists)
    }

    /// The group in the hierarchy that holds setting `name`: the one serving its
    /// controller. `cgroup.*` files (libcgroup's `cgroup` pseudo-controller) go to the
    /// group's v2 hierarchy if it has one, else to its first hierarchy, whose v1 core
    /// files (`cgroup.procs`, `cgroup.clone_children`) they then are.
    pub fn cgroup_for(&self, name: &str) -> Result<Cgroup<'a>> {
        let controller = controller_of(name)?;
        if controller == "cgroup" {
            let index = self
                .targets
                .iter()
                .map(|(i, _)| *i)
                .find(|i| self.cg.hierarchy(*i).version() == Version::V2)
                .or_else(|| self.targets.first().map(|(i, _)| *i));
            if let Some(index) = index {
                return Ok(Cgroup::new(self.cg, index, self.path.clone()));
            }
        }
        let index = self.cg.layout().index_for(controller)?;
        Ok(Cgroup::new(self.cg, index, self.path.clone()))
    }

    /// Writes setting `name` in the hierarchy of its controller, as given.
    pub fn set(&self, name: &str, value: &str) -> Result<()> {
        self.cgroup_for(name)?.set(name, value)
    }

    /// Reads setting `name` from the hierarchy of its controller.
    pub fn get(&self, name: &str) -> Result<String> {
        self.cgroup_for(name)?.get(name)
    }

    /// Every setting of `controller`, sorted (see [`Cgroup::settings`]).
    pub fn settings(&self, controller: &str) -> Result<Vec<(String, Option<String>)>> {
        let index = self.cg.layout().index_for(controller)?;
        Cgroup::new(self.cg, index, self.path.clone()).settings(controller)
    }

    /// Writes settings given in either version's vocabulary, translated to what the host
    /// runs each controller as (see [`super::translate`]); `vocabulary` is the version the
    /// names are written in, or `None` to tell from each name. Returns what was written.
    pub fn set_translated(
        &self,
        vocabulary: Option<Version>,
        settings: &[Setting],
    ) -> Result<Vec<Setting>> {
        let host = translate::to_host(self.cg.layout(), vocabulary, settings, |name| {
            self.get(name).map(Some)
        })?;
        for s in &host {
            self.set(&s.name, &s.value)?;
        }
        Ok(host)
    }

    /// Reads setting `name` given in either version's vocabulary: the host's file is read
    /// and its value converted back into the vocabulary of `name`.
    pub fn get_translated(&self, vocabulary: Option<Version>, name: &str) -> Result<String> {
        translate::read_as(self.cg.layout(), vocabulary, name, |host_name| {
            self.get(host_name)
        })
    }

    /// Moves process `pid` and all its threads into the group in each of its hierarchies:
    /// one write per hierarchy. In a v2 hierarchy the group must have the controllers it
    /// was named with enabled ([`ErrorKind::ControllerNotAvailable`] otherwise), or the
    /// process would run there unconstrained.
    pub fn attach(&self, pid: u32) -> Result<()> {
        first_failure(self.attach_each(&[pid]))
    }

    /// Moves each process of `pids` with all its threads into the group in each of its
    /// hierarchies, as [`Group::attach`] does: each hierarchy's `cgroup.procs` is opened
    /// once and takes one write per process. One result per pid, in order: a pid's first
    /// failure, after which it is not moved into the remaining hierarchies; the other pids
    /// still are.
    pub fn attach_each(&self, pids: &[u32]) -> Vec<Result<()>> {
        let mut results: Vec<Result<()>> = vec![Ok(()); pids.len()];
        for (cgroup, controllers) in self.targets() {
            let pending: Vec<usize> = (0..pids.len()).filter(|&i| results[i].is_ok()).collect();
            if pending.is_empty() {
                break;
            }
            let pending_pids: Vec<u32> = pending.iter().map(|&i| pids[i]).collect();
            let outcome = if cgroup.hierarchy().version() == Version::V1 {
                attach_v1(&cgroup, &pending_pids)
            } else {
                match cgroup
                    .open(Op::Attach)
                    .and_then(|dir| check_enabled(&dir, &self.path, controllers).map(|()| dir))
                {
                    Ok(dir) => attach_in(&dir, Version::V2, &pending_pids),
                    Err(e) => vec![Err(e); pending.len()],
                }
            };
            for (i, result) in pending.into_iter().zip(outcome) {
                results[i] = result;
            }
        }
        results
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    use crate::backend::error::ErrorKind;
    use crate::{Cgroups, GroupPath, Owner, Permissions, Removal};

    /// A fake v1 `cpu,cpuacct` hierarchy with group `g` holding a few files.
    fn v1() -> (tempfile::TempDir, Cgroups) {
        let dir = tempfile::tempdir().unwrap();
        let g = dir.path().join("cg/cpu/g");
        fs::create_dir_all(g.join("child")).unwrap();
        for (name, value, mode) in [
            ("cpu.shares", "1024\n", 0o644),
            ("cpu.stat", "nr_periods 0\nnr_throttled 0\n", 0o444),
            ("cpuacct.usage", "0\n", 0o644),
            ("cpu.cfs_quota_us", "-1\n", 0o644),
            ("tasks", "12\n7\n", 0o644),
            ("cgroup.procs", "7\n", 0o644),
            ("notify_on_release", "0\n", 0o644),
        ] {
            fs::write(g.join(name), value).unwrap();
            fs::set_permissions(g.join(name), fs::Permissions::from_mode(mode)).unwrap();
        }
        let cg = Cgroups::from_sources(
            "32 31 0:29 / /cg/cpu rw - cgroup cgroup rw,cpu,cpuacct\n",
            None,
            dir.path(),
        )
        .unwrap();
        (dir, cg)
    }

    fn g(cg: &Cgroups) -> crate::Group<'_> {
        cg.group(&["cpu"], &GroupPath::new("g").unwrap()).unwrap()
    }

    #[test]
    fn set_get_and_list_by_controller() {
        let (_dir, cg) = v1();
        let g = g(&cg);
        g.set("cpu.shares", "512").unwrap();
        assert_eq!(g.get("cpu.shares").unwrap(), "512");
        assert_eq!(g.get("cpu.stat").unwrap(), "nr_periods 0\nnr_throttled 0");
        let names: Vec<String> = g
            .settings("cpu")
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["cpu.cfs_quota_us", "cpu.shares", "cpu.stat"]);
        let acct: Vec<String> = g
            .settings("cpuacct")
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(acct, ["cpuacct.usage"]);
        assert_eq!(g.cgroups()[0].pids().unwrap(), [7]);
        assert_eq!(g.cgroups()[0].threads().unwrap(), [7, 12]);
        let walk: Vec<String> = g.cgroups()[0]
            .walk()
            .unwrap()
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(walk, ["/g", "/g/child"]);
    }

    #[test]
    fn missing_things_have_their_own_errors_and_codes() {
        let (_dir, cg) = v1();
        let e = g(&cg).set("cpu.nope", "1").unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::SettingMissing { .. }));
        assert_eq!(e.exit_code(), 95);
        assert!(e.path().unwrap().ends_with("g/cpu.nope"));
        let missing = cg
            .group(&["cpu"], &GroupPath::new("nope").unwrap())
            .unwrap();
        assert!(!missing.exists());
        assert_eq!(missing.set("cpu.shares", "1").unwrap_err().exit_code(), 95);
        assert_eq!(missing.attach(1).unwrap_err().exit_code(), 82);
        for removal in [Removal::EmptyOnly, Removal::MoveTasks, Removal::Recursive] {
            assert_eq!(missing.remove(removal).unwrap_err().exit_code(), 96);
        }
        assert_eq!(
            g(&cg)
                .set("memory.limit_in_bytes", "1")
                .unwrap_err()
                .exit_code(),
            84
        );
        assert_eq!(g(&cg).set("shares", "1").unwrap_err().exit_code(), 91);
    }

    #[test]
    fn many_pids_go_through_one_open_file_and_failures_stay_per_pid() {
        let (dir, cg) = v1();
        let procs = dir.path().join("cg/cpu/g/cgroup.procs");
        let before = cg.write_count();
        let results = g(&cg).attach_each(&[11, 12, 13]);
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        assert_eq!(cg.write_count() - before, 3, "one write per process");
        // One open with O_TRUNC, then the writes follow each other in the same file.
        assert_eq!(fs::read_to_string(&procs).unwrap(), "11\n12\n13\n");

        // A group missing in one hierarchy fails every pid, each with the group's error.
        let missing = cg
            .group(&["cpu"], &GroupPath::new("nope").unwrap())
            .unwrap();
        let results = missing.attach_each(&[1, 2]);
        assert_eq!(results.len(), 2);
        for r in results {
            assert!(matches!(
                r.unwrap_err().kind(),
                ErrorKind::GroupMissing { .. }
            ));
        }
        assert!(missing.attach_each(&[]).is_empty());
    }

    #[test]
    fn a_v2_group_must_have_the_controllers_it_is_named_with() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sys/fs/cgroup");
        fs::create_dir_all(root.join("a")).unwrap();
        fs::write(root.join("cgroup.controllers"), "memory hugetlb\n").unwrap();
        fs::write(root.join("a/cgroup.controllers"), "memory\n").unwrap();
        fs::write(root.join("a/cgroup.procs"), "").unwrap();
        let cg = Cgroups::from_sources(
            "26 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
            None,
            dir.path(),
        )
        .unwrap();
        let a = GroupPath::new("a").unwrap();
        cg.group(&["memory"], &a).unwrap().attach(7).unwrap();
        // A controller-less group needs nothing enabled.
        cg.group(&[], &a).unwrap().attach(8).unwrap();
        assert_eq!(
            fs::read_to_string(root.join("a/cgroup.procs")).unwrap(),
            "8\n"
        );
        let before = cg.write_count();
        let e = cg
            .group(&["memory", "hugetlb"], &a)
            .unwrap()
            .attach(9)
            .unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::ControllerNotAvailable {
                group: "/a".into(),
                controllers: "hugetlb".into()
            }
        );
        assert_eq!(e.exit_code(), 84);
        assert!(e.hint().unwrap().contains("+hugetlb"), "{:?}", e.hint());
        assert_eq!(cg.write_count(), before, "nothing was moved");
    }

    #[test]
    fn a_group_with_child_groups_is_refused_before_any_task_moves() {
        let (dir, cg) = v1();
        let parent_tasks = dir.path().join("cg/cpu/tasks");
        fs::write(&parent_tasks, "").unwrap();
        for removal in [Removal::EmptyOnly, Removal::MoveTasks] {
            let before = cg.write_count();
            let e = g(&cg).remove(removal).unwrap_err();
            assert_eq!(
                e.kind(),
                &ErrorKind::NotEmpty {
                    group: "/g".into(),
                    tasks: 2,
                    children: 1
                },
                "{removal:?}"
            );
            assert_eq!(e.exit_code(), 96);
            assert!(e.hint().unwrap().contains("use -r"), "{removal:?}");
            assert_eq!(cg.write_count() - before, 1, "{removal:?}: only the rmdir");
            assert_eq!(fs::read_to_string(&parent_tasks).unwrap(), "");
            assert_eq!(
                fs::read_to_string(dir.path().join("cg/cpu/g/tasks")).unwrap(),
                "12\n7\n"
            );
        }
        let root = cg.group(&["cpu"], &GroupPath::root()).unwrap();
        for removal in [Removal::EmptyOnly, Removal::MoveTasks, Removal::Recursive] {
            assert!(root.remove(removal).is_err(), "the root is never removed");
        }
    }

    #[test]
    fn child_groups_in_one_hierarchy_stop_the_move_in_every_hierarchy() {
        let dir = tempfile::tempdir().unwrap();
        for h in ["cpu", "memory"] {
            let g = dir.path().join("cg").join(h).join("g");
            fs::create_dir_all(&g).unwrap();
            fs::write(g.join("tasks"), "7\n").unwrap();
            fs::write(dir.path().join("cg").join(h).join("tasks"), "").unwrap();
        }
        fs::create_dir(dir.path().join("cg/memory/g/child")).unwrap();
        let cg = Cgroups::from_sources(
            "32 31 0:29 / /cg/cpu rw - cgroup cgroup rw,cpu\n\
             33 31 0:30 / /cg/memory rw - cgroup cgroup rw,memory\n",
            None,
            dir.path(),
        )
        .unwrap();
        let g = cg
            .group(&["cpu", "memory"], &GroupPath::new("g").unwrap())
            .unwrap();
        let e = g.remove(Removal::MoveTasks).unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::NotEmpty {
                group: "/g".into(),
                tasks: 1,
                children: 1
            }
        );
        assert!(e.path().unwrap().ends_with("cg/memory/g"), "{e}");
        assert_eq!(cg.write_count(), 0, "nothing moved, nothing removed");
        assert!(dir.path().join("cg/cpu/g").is_dir());
    }

    #[test]
    fn empty_only_refuses_a_group_with_tasks_and_moves_nothing() {
        let (dir, cg) = v1();
        fs::remove_dir(dir.path().join("cg/cpu/g/child")).unwrap();
        let before = cg.write_count();
        let e = g(&cg).remove(Removal::EmptyOnly).unwrap_err();
        assert_eq!(
            e.kind(),
            &ErrorKind::NotEmpty {
                group: "/g".into(),
                tasks: 2,
                children: 0
            }
        );
        assert_eq!(cg.write_count() - before, 1, "only the rmdir");
        assert!(dir.path().join("cg/cpu/g").is_dir());
    }

    #[test]
    fn permissions_split_admin_and_task_files_and_mask_like_libcgroup() {
        let (dir, cg) = v1();
        let g = g(&cg);
        let me = Owner {
            uid: Some(nix::unistd::getuid().as_raw()),
            gid: Some(nix::unistd::getgid().as_raw()),
        };
        let p = Permissions {
            admin: me,
            task: me,
            dir_mode: Some(0o775),
            file_mode: Some(0o664),
            task_mode: Some(0o660),
        };
        g.set_permissions(&p).unwrap();
        let mode = |n: &str| {
            fs::metadata(dir.path().join("cg/cpu/g").join(n))
                .unwrap()
                .permissions()
                .mode()
                & 0o7777
        };
        assert_eq!(mode(""), 0o775);
        assert_eq!(mode("cpu.shares"), 0o664);
        assert_eq!(mode("cpu.stat"), 0o444, "owner bits act as a umask");
        assert_eq!(mode("tasks"), 0o660);
        assert_eq!(
            mode("cgroup.procs"),
            0o660,
            "we attach through cgroup.procs"
        );
        assert_eq!(mode("child"), 0o755, "child groups are not re-moded");
        // Applying the same again changes nothing.
        let before = cg.write_count();
        assert_eq!(g.set_permissions(&p).unwrap(), 0);
        assert_eq!(cg.write_count(), before);
        let own = g.cgroups()[0].ownership().unwrap();
        assert_eq!(own.dir.mode, 0o775);
        assert_eq!(own.task_file.unwrap().mode, 0o660);
    }
}
