//! Which group a process is in, in each hierarchy of this host (`/proc/<pid>/cgroup`).
//!
//! Each line of that file is `hierarchy-id:controllers:path`: `0::/path` for the v2
//! hierarchy, `4:memory:/path` or `1:name=systemd:/path` for v1 ones. The path is relative
//! to the root of the reader's cgroup namespace; when a hierarchy is mounted from a
//! subtree (a bind mount of `/lxc/c1` as the root, mount root `/lxc/c1`), the mount root is
//! stripped so that the result is a [`GroupPath`] below the mount point, like every other
//! path of the backend. A path outside the mounted subtree is not reachable and left out.

use crate::backend::error::{Error, Op, Result};
use crate::backend::hierarchy::Version;
use crate::{Cgroups, GroupPath};

impl Cgroups {
    /// The group process `pid` is in, per hierarchy of this host, as (index into
    /// [`Cgroups::hierarchies`], path). Hierarchies the kernel does not list for it, or
    /// where it sits outside the mounted subtree, are absent.
    pub fn membership(&self, pid: u32) -> Result<Vec<(usize, GroupPath)>> {
        let file = format!("/proc/{pid}/cgroup");
        let text = std::fs::read_to_string(&file).map_err(|e| {
            Error::os(
                Op::Discover,
                &file,
                nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(0)),
            )
        })?;
        Ok(self.membership_from(&text))
    }

    /// [`Cgroups::membership`] from the text of a `/proc/<pid>/cgroup` file.
    pub fn membership_from(&self, text: &str) -> Vec<(usize, GroupPath)> {
        let mut out: Vec<(usize, GroupPath)> = Vec::new();
        for line in text.lines() {
            let mut parts = line.splitn(3, ':');
            let (Some(id), Some(controllers), Some(path)) =
                (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let index = self.hierarchies().iter().position(|h| {
                if id == "0" && controllers.is_empty() {
                    h.version() == Version::V2
                } else {
                    h.version() == Version::V1
                        && controllers
                            .split(',')
                            .next()
                            .is_some_and(|first| !first.is_empty() && h.has_controller(first))
                }
            });
            let Some(index) = index else { continue };
            if out.iter().any(|(i, _)| *i == index) {
                continue;
            }
            // v2 marks a removed group; the process is still in it until it moves.
            let path = path.strip_suffix(" (deleted)").unwrap_or(path);
            let mount_root = self.hierarchies()[index].mount_root();
            let relative = if mount_root == "/" || mount_root.is_empty() {
                Some(path)
            } else {
                path.strip_prefix(mount_root)
                    .filter(|rest| rest.is_empty() || rest.starts_with('/'))
            };
            let Some(relative) = relative else { continue };
            let relative = if relative.is_empty() { "/" } else { relative };
            if let Ok(group) = GroupPath::new(relative) {
                out.push((index, group));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(mountinfo: &str) -> (tempfile::TempDir, Cgroups) {
        let dir = tempfile::tempdir().unwrap();
        for m in ["memory", "cpu,cpuacct", "systemd", "unified"] {
            std::fs::create_dir_all(dir.path().join("sys/fs/cgroup").join(m)).unwrap();
        }
        std::fs::write(
            dir.path().join("sys/fs/cgroup/unified/cgroup.controllers"),
            "",
        )
        .unwrap();
        let cg = Cgroups::from_sources(mountinfo, None, dir.path()).unwrap();
        (dir, cg)
    }

    const HYBRID: &str = "\
30 25 0:26 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
31 25 0:27 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd
32 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
33 25 0:29 /lxc/c1 /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
";

    #[test]
    fn each_line_maps_to_its_hierarchy_below_the_mount_root() {
        let (_dir, cg) = host(HYBRID);
        let text = "\
12:cpuacct,cpu:/system.slice/x.service
4:memory:/lxc/c1/inner
1:name=systemd:/system.slice/x.service
0::/system.slice/x.service/supervisor (deleted)
";
        let got: Vec<String> = cg
            .membership_from(text)
            .into_iter()
            .map(|(i, p)| format!("{} {p}", cg.hierarchies()[i].label()))
            .collect();
        assert_eq!(
            got,
            [
                "cpu,cpuacct /system.slice/x.service",
                "memory /inner",
                "name=systemd /system.slice/x.service",
                "cgroup /system.slice/x.service/supervisor",
            ]
        );
    }

    #[test]
    fn paths_outside_the_mounted_subtree_and_unknown_hierarchies_are_left_out() {
        let (_dir, cg) = host(HYBRID);
        let text = "4:memory:/lxc/c10\n7:pids:/\ngarbage\n2:memory:/lxc/c1\n";
        let got = cg.membership_from(text);
        assert_eq!(got.len(), 1);
        assert!(got[0].1.is_root(), "the mount root itself is the root");
    }

    #[test]
    fn this_process_is_somewhere() {
        let Ok(cg) = Cgroups::discover() else { return };
        let got = cg.membership(std::process::id()).unwrap();
        assert!(!got.is_empty());
    }
}
