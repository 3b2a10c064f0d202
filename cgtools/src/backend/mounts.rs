//! `mount` sections: cgroup v1 hierarchies a configuration wants mounted.
//!
//! libcgroup's semantics: each entry `controllers = /path;` asks for a v1 hierarchy of those
//! controllers at that path; entries with the same path are merged into one mount (`cpu =
//! /a; cpuacct = /a;` is `-o cpu,cpuacct`); the words `nodev`, `noexec` and `nosuid` are
//! mount flags; a hierarchy with only a name (`"name=foo"`) gets the `none` option. The
//! directory is created when missing.
//!
//! A request already satisfied (the same controllers mounted as one hierarchy, anywhere)
//! needs nothing. One that cannot be met without touching another hierarchy (a controller
//! already bound with others) is refused before anything is done. Only what a run mounted
//! is unmounted on undo, and only the directories it created are removed.

use crate::backend::discovery::Layout;
use crate::backend::error::{Error, ErrorKind, Op, Result};
use grammar::cgconfig::{Config, Section};
use grammar::Span;
use nix::mount::{mount, umount, MsFlags};
use std::path::{Path, PathBuf};

/// One hierarchy to mount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountRequest {
    /// Controllers (and `name=X`), in file order.
    pub controllers: Vec<String>,
    /// `nodev`, `noexec`, `nosuid`.
    pub flags: Vec<String>,
    /// Where.
    pub path: PathBuf,
    /// The first entry asking for it.
    pub span: Span,
}

impl MountRequest {
    /// The `-o` data of mount(2): the controllers, plus `none` for a name-only hierarchy.
    pub fn data(&self) -> String {
        let mut words = self.controllers.clone();
        if words.iter().all(|w| w.starts_with("name=")) {
            words.insert(0, "none".to_string());
        }
        words.join(",")
    }

    fn ms_flags(&self) -> MsFlags {
        let mut flags = MsFlags::empty();
        for word in &self.flags {
            flags |= match word.as_str() {
                "nodev" => MsFlags::MS_NODEV,
                "noexec" => MsFlags::MS_NOEXEC,
                "nosuid" => MsFlags::MS_NOSUID,
                _ => MsFlags::empty(),
            };
        }
        flags
    }
}

/// The mount requests of a file, entries with the same path merged.
pub fn requests(config: &Config) -> Vec<MountRequest> {
    let mut out: Vec<MountRequest> = Vec::new();
    for section in &config.sections {
        let Section::Mount(m) = section else { continue };
        for point in &m.points {
            let path = PathBuf::from(&point.path.value);
            let at = match out.iter().position(|r| r.path == path) {
                Some(i) => i,
                None => {
                    out.push(MountRequest {
                        controllers: Vec::new(),
                        flags: Vec::new(),
                        path,
                        span: point.controllers.span,
                    });
                    out.len() - 1
                }
            };
            for word in point.controllers.value.split(',').filter(|w| !w.is_empty()) {
                let list = match word {
                    "nodev" | "noexec" | "nosuid" => &mut out[at].flags,
                    "none" => continue,
                    _ => &mut out[at].controllers,
                };
                if !list.iter().any(|w| w == word) {
                    list.push(word.to_string());
                }
            }
        }
    }
    out
}

/// Whether a request is met, can be met, or conflicts with the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// The same hierarchy is mounted already (at this path or another).
    Mounted(PathBuf),
    /// None of its controllers is mounted: it can be.
    Missing,
    /// It cannot be met without changing another hierarchy; why.
    Conflict(String),
}

/// Compares a request with the host.
pub fn status(request: &MountRequest, layout: &Layout) -> Status {
    let served: Vec<Option<&crate::Hierarchy>> = request
        .controllers
        .iter()
        .map(|c| layout.hierarchy_for(c).ok())
        .collect();
    if request.controllers.is_empty() {
        return Status::Conflict("it names no controller".into());
    }
    if served.iter().all(Option::is_none) {
        let unknown: Vec<&str> = request
            .controllers
            .iter()
            .filter(|c| !c.starts_with("name="))
            .filter(|c| !layout.known_controllers().iter().any(|k| &k.name == *c))
            .map(String::as_str)
            .collect();
        return if unknown.is_empty() {
            Status::Missing
        } else {
            Status::Conflict(format!(
                "the kernel has no controller {}",
                unknown.join(", ")
            ))
        };
    }
    if let Some(Some(h)) = served.first() {
        let same = served.iter().all(|s| s.is_some_and(|x| x == *h));
        let wanted = request
            .controllers
            .iter()
            .filter(|c| !c.starts_with("name="))
            .count();
        if same && h.controllers().len() == wanted && h.version() == crate::Version::V1 {
            return Status::Mounted(h.mount_point().to_path_buf());
        }
    }
    let bound: Vec<String> = request
        .controllers
        .iter()
        .zip(&served)
        .filter_map(|(c, h)| {
            h.map(|h| {
                format!(
                    "{c} is mounted at {} with {}",
                    h.mount_point().display(),
                    h.label()
                )
            })
        })
        .collect();
    Status::Conflict(bound.join("; "))
}

/// A mount this run made, and the directories it created for it.
#[derive(Clone, Debug)]
pub struct MountedHere {
    /// The mount point.
    pub path: PathBuf,
    /// Directories created for it, outermost first.
    pub created: Vec<PathBuf>,
}

/// Mounts a hierarchy, creating the mount point as needed; on failure, removes the
/// directories it created.
pub fn mount_hierarchy(request: &MountRequest) -> Result<MountedHere> {
    let mut created = Vec::new();
    let mut missing: Vec<&Path> = request
        .path
        .ancestors()
        .take_while(|p| !p.exists())
        .collect();
    missing.reverse();
    for dir in missing {
        std::fs::create_dir(dir)
            .map_err(|e| Error::os(Op::Create, dir, crate::backend::error::errno_of(&e)))?;
        created.push(dir.to_path_buf());
    }
    let here = MountedHere {
        path: request.path.clone(),
        created,
    };
    let data = request.data();
    if let Err(errno) = mount(
        Some("cgroup"),
        &request.path,
        Some("cgroup"),
        request.ms_flags(),
        Some(data.as_str()),
    ) {
        remove_created(&here);
        return Err(Error::new(ErrorKind::Os, Op::Mount)
            .at(&request.path)
            .with_errno(errno)
            .with_hint(format!(
                "mount -t cgroup -o {data} cgroup {} failed; on a cgroup v2 host (or one booted with cgroup_no_v1) v1 hierarchies cannot be mounted",
                request.path.display()
            )));
    }
    Ok(here)
}

/// Unmounts what [`mount_hierarchy`] mounted and removes the directories it created.
pub fn unmount_hierarchy(here: &MountedHere) -> Result<()> {
    umount(&here.path).map_err(|errno| Error::os(Op::Mount, &here.path, errno))?;
    remove_created(here);
    Ok(())
}

fn remove_created(here: &MountedHere) {
    for dir in here.created.iter().rev() {
        let _ = std::fs::remove_dir(dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use grammar::{cgconfig, SourceFile};

    fn parse(text: &str) -> Config {
        cgconfig::parse(&SourceFile::new("t", text)).unwrap()
    }

    #[test]
    fn entries_with_one_path_are_one_mount_and_options_are_flags() {
        let reqs = requests(&parse(
            "mount { cpu = /c; cpuacct = /c; \"net_cls,nodev,nosuid\" = /n; \"name=foo\" = /f; }",
        ));
        assert_eq!(reqs.len(), 3);
        assert_eq!(reqs[0].controllers, ["cpu", "cpuacct"]);
        assert_eq!(reqs[0].data(), "cpu,cpuacct");
        assert_eq!(reqs[1].flags, ["nodev", "nosuid"]);
        assert_eq!(reqs[1].ms_flags(), MsFlags::MS_NODEV | MsFlags::MS_NOSUID);
        assert_eq!(reqs[2].data(), "none,name=foo");
    }

    #[test]
    fn status_against_a_hybrid_host() {
        let layout = Layout::from_sources(
            "30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n",
            Some("#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t1\t1\t1\ncpuacct\t1\t1\t1\nnet_cls\t0\t1\t1\n"),
            Path::new("/"),
        )
        .unwrap();
        let req = |text: &str| requests(&parse(text)).remove(0);
        assert_eq!(
            status(&req("mount { \"cpu,cpuacct\" = /x; }"), &layout),
            Status::Mounted(PathBuf::from("/sys/fs/cgroup/cpu,cpuacct"))
        );
        assert_eq!(
            status(&req("mount { net_cls = /n; }"), &layout),
            Status::Missing
        );
        assert!(matches!(
            status(&req("mount { cpu = /c; }"), &layout),
            Status::Conflict(_)
        ));
        assert!(matches!(
            status(&req("mount { nosuch = /c; }"), &layout),
            Status::Conflict(m) if m.contains("no controller nosuch")
        ));
    }
}
