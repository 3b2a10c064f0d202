//! The host's cgroup layout, read from the raw kernel files: `/proc/self/mountinfo` for the
//! hierarchies, `/proc/cgroups` for the controllers the kernel has, the v2 root's
//! `cgroup.controllers` for what cgroup v2 offers. Deliberately simple and independent of
//! cgtools' discovery: it is what the tests compare cgtools with.

use std::fs;
use std::path::{Path, PathBuf};

use crate::skip::Skip;

/// The controllers cgroup v2 has (the kernel's cgroup-v2.rst, "Controllers"). A pure v2
/// host that lacks one of these is missing something; a v1 controller not in this list
/// (cpuacct, devices, freezer, net_cls, net_prio, perf_event, blkio) exists only on
/// cgroup v1 hierarchies.
pub const V2_CONTROLLERS: &[&str] = &[
    "cpu", "cpuset", "io", "memory", "pids", "rdma", "hugetlb", "misc",
];

/// How the host mounts cgroups, in libcgroup's terms (`cgget -m`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// cgroup v1 hierarchies only.
    Legacy,
    /// v1 hierarchies with controllers, and a cgroup2 mount.
    Hybrid,
    /// cgroup2 only (v1 hierarchies without controllers, such as `name=systemd`, aside).
    Unified,
}

/// One mounted cgroup hierarchy (a hierarchy mounted at several places counts once, at the
/// mount that shows all of it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    /// Where it is mounted.
    pub path: PathBuf,
    /// A cgroup2 mount?
    pub v2: bool,
    /// v1: the controllers among its super options, in the kernel's order; v2: the words of
    /// the root's `cgroup.controllers`.
    pub controllers: Vec<String>,
    /// The `name=` of a v1 named hierarchy (`systemd` for `name=systemd`).
    pub name: Option<String>,
    device: String,
    root: String,
}

impl Mount {
    /// 1 or 2, as libcgroup prints it.
    pub fn version(&self) -> u8 {
        if self.v2 {
            2
        } else {
            1
        }
    }

    /// Whether it serves `controller` (`name=X`: a named hierarchy).
    pub fn has(&self, controller: &str) -> bool {
        match controller.strip_prefix("name=") {
            Some(name) => self.name.as_deref() == Some(name),
            None => self.controllers.iter().any(|c| c == controller),
        }
    }

    /// The directory of group `group` (`/a/b` or `a/b`) in this hierarchy.
    pub fn dir(&self, group: &str) -> PathBuf {
        self.path.join(group.trim_start_matches('/'))
    }

    /// Whether a group directly under the root gets `controller`: always on v1; on v2 when
    /// the root's `cgroup.subtree_control` lists it (read now: tests may change it).
    pub fn root_enables(&self, controller: &str) -> bool {
        !self.v2
            || fs::read_to_string(self.path.join("cgroup.subtree_control"))
                .unwrap_or_default()
                .split_whitespace()
                .any(|c| c == controller)
    }

    /// The group of a task in this hierarchy, from `/proc/<task>/cgroup` (`task` is a pid,
    /// or `<pid>/task/<tid>`); empty when the file or the line is missing.
    pub fn group_of(&self, task: impl std::fmt::Display) -> String {
        let text = fs::read_to_string(format!("/proc/{task}/cgroup")).unwrap_or_default();
        self.group_in(&text).unwrap_or_default()
    }

    /// The group a `/proc/<pid>/cgroup` text names for this hierarchy.
    pub fn group_in(&self, proc_cgroup: &str) -> Option<String> {
        proc_cgroup.lines().find_map(|line| {
            let mut parts = line.splitn(3, ':');
            let (id, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
            let hit = if self.v2 {
                id == "0" && controllers.is_empty()
            } else {
                !controllers.is_empty() && controllers.split(',').any(|c| self.has(c))
            };
            hit.then(|| path.to_string())
        })
    }
}

/// A row of `/proc/cgroups`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Controller {
    /// The controller's name.
    pub name: String,
    /// Its v1 hierarchy's id; 0 when no v1 hierarchy has it.
    pub hierarchy: u32,
    /// How many groups the kernel counts for it.
    pub num_cgroups: u64,
    /// Whether the kernel enables it (`cgroup_disable=` turns it off).
    pub enabled: bool,
}

/// The host's cgroups as the kernel's files describe them.
#[derive(Clone, Debug)]
pub struct Host {
    /// Every mounted hierarchy, in mount-table order.
    pub mounts: Vec<Mount>,
    /// The rows of `/proc/cgroups` (empty when it cannot be read).
    pub controllers: Vec<Controller>,
}

impl Host {
    /// The host as it is now.
    pub fn read() -> Host {
        let mountinfo = fs::read_to_string("/proc/self/mountinfo")
            .unwrap_or_else(|e| panic!("reading /proc/self/mountinfo: {e}"));
        let proc_cgroups = fs::read_to_string("/proc/cgroups").ok();
        Host::parse(&mountinfo, proc_cgroups.as_deref(), |root| {
            fs::read_to_string(root.join("cgroup.controllers")).unwrap_or_default()
        })
    }

    /// The host, when real-kernel tests can run here: as root, with cgroups mounted.
    pub fn for_test() -> Result<Host, Skip> {
        if !is_root() {
            return Err(Skip::because("not running as root"));
        }
        let host = Host::read();
        if host.mounts.is_empty() {
            return Err(Skip::because("no cgroup filesystem is mounted"));
        }
        Ok(host)
    }

    /// The layout a mount table and `/proc/cgroups` describe; `v2_controllers` reads the
    /// `cgroup.controllers` of a v2 mount's root.
    pub fn parse(
        mountinfo: &str,
        proc_cgroups: Option<&str>,
        v2_controllers: impl Fn(&Path) -> String,
    ) -> Host {
        let controllers = proc_cgroups.map(parse_proc_cgroups).unwrap_or_default();
        let mut mounts: Vec<Mount> = Vec::new();
        for line in mountinfo.lines() {
            // `<id> <parent> <major:minor> <root> <mount point> <options> [optional
            // fields] - <type> <source> <super options>`
            let Some((left, right)) = line.split_once(" - ") else {
                continue;
            };
            let left: Vec<&str> = left.split(' ').collect();
            let mut right = right.split(' ');
            let (fstype, _source, options) = (right.next(), right.next(), right.next());
            let v2 = match fstype {
                Some("cgroup") => false,
                Some("cgroup2") => true,
                _ => continue,
            };
            let (Some(device), Some(root), Some(point)) = (left.get(2), left.get(3), left.get(4))
            else {
                continue;
            };
            let path = PathBuf::from(unescape(point));
            let root = unescape(root);
            if let Some(seen) = mounts.iter_mut().find(|m| m.device == *device) {
                // The same hierarchy again: keep the mount that shows all of it.
                if seen.root != "/" && root == "/" {
                    seen.path = path;
                    seen.root = root;
                }
                continue;
            }
            let (controllers, name) = if v2 {
                let words = v2_controllers(&path);
                (words.split_whitespace().map(str::to_string).collect(), None)
            } else {
                v1_options(options.unwrap_or_default(), &controllers)
            };
            mounts.push(Mount {
                path,
                v2,
                controllers,
                name,
                device: device.to_string(),
                root,
            });
        }
        Host {
            mounts,
            controllers,
        }
    }

    /// Legacy, hybrid or unified.
    pub fn mode(&self) -> Mode {
        let v1_controllers = self
            .mounts
            .iter()
            .any(|m| !m.v2 && !m.controllers.is_empty());
        match (v1_controllers, self.mounts.iter().any(|m| m.v2)) {
            (true, true) => Mode::Hybrid,
            (false, true) => Mode::Unified,
            (_, false) => Mode::Legacy,
        }
    }

    /// Whether any cgroup v1 hierarchy is mounted (a named one counts).
    pub fn has_v1(&self) -> bool {
        self.mounts.iter().any(|m| !m.v2)
    }

    /// The hierarchy serving `controller`: the v1 hierarchy that has it, else the v2 mount
    /// when its root offers it.
    pub fn find(&self, controller: &str) -> Option<&Mount> {
        self.mounts
            .iter()
            .find(|m| !m.v2 && m.has(controller))
            .or_else(|| self.mounts.iter().find(|m| m.v2 && m.has(controller)))
    }

    /// [`Host::find`], or why a test needing `controller` cannot run here: a v1-only
    /// reason where only cgroup v2 is mounted and `controller` is not a v2 controller.
    pub fn serving(&self, controller: &str) -> Result<&Mount, Skip> {
        self.find(controller).ok_or_else(|| {
            if !self.has_v1() && !V2_CONTROLLERS.contains(&controller) {
                Skip::v1_only(format!(
                    "`{controller}` exists only on cgroup v1, and this host mounts only cgroup v2"
                ))
            } else {
                Skip::because(format!("no hierarchy serves `{controller}` here"))
            }
        })
    }

    /// [`Host::serving`], when a group made directly under its root gets the controller:
    /// always on v1; on v2 when the root enables it for its children (tests never write
    /// the v2 root's `cgroup.subtree_control` for this).
    pub fn usable(&self, controller: &str) -> Result<&Mount, Skip> {
        let mount = self.serving(controller)?;
        if !mount.root_enables(controller) {
            return Err(Skip::because(format!(
                "the cgroup v2 root does not enable `{controller}` for its children"
            )));
        }
        Ok(mount)
    }

    /// The v1 hierarchy of `controller`, or why not: a v1-only reason where no v1
    /// hierarchy is mounted at all.
    pub fn v1(&self, controller: &str) -> Result<&Mount, Skip> {
        match self.find(controller) {
            Some(m) if !m.v2 => Ok(m),
            _ if !self.has_v1() => Err(Skip::v1_only(format!(
                "needs `{controller}` on a cgroup v1 hierarchy, and this host mounts only cgroup v2"
            ))),
            Some(_) => Err(Skip::because(format!(
                "needs `{controller}` on a cgroup v1 hierarchy; cgroup v2 serves it here"
            ))),
            None => Err(Skip::because(format!(
                "needs `{controller}` on a cgroup v1 hierarchy; none serves it here"
            ))),
        }
    }

    /// The cgroup2 mount, or why a test needing it cannot run here.
    pub fn unified(&self) -> Result<&Mount, Skip> {
        self.mounts
            .iter()
            .find(|m| m.v2)
            .ok_or_else(|| Skip::because("no cgroup2 filesystem is mounted"))
    }

    /// Every controller some hierarchy serves (`name=` hierarchies are not controllers).
    pub fn mounted_controllers(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for m in &self.mounts {
            for c in &m.controllers {
                if !out.contains(&c.as_str()) {
                    out.push(c);
                }
            }
        }
        out
    }

    /// The hierarchy mounted at `path`.
    pub fn mount_at(&self, path: &Path) -> &Mount {
        self.mounts
            .iter()
            .find(|m| m.path == path)
            .unwrap_or_else(|| panic!("no cgroup hierarchy is mounted at {}", path.display()))
    }

    /// Compares what a library discovered with the mount table: every hierarchy, once,
    /// at the same place, of the same version, with the same controllers (`found`: mount
    /// path, v2, controllers). A library that lost or invented a hierarchy fails the test.
    pub fn assert_discovered<'a>(
        &self,
        found: impl IntoIterator<Item = (&'a Path, bool, &'a [String])>,
    ) {
        let key = |path: &Path, v2: bool, controllers: &[String]| {
            let mut controllers = controllers.to_vec();
            controllers.sort();
            (path.to_path_buf(), v2, controllers)
        };
        let mut found: Vec<_> = found
            .into_iter()
            .map(|(path, v2, controllers)| key(path, v2, controllers))
            .collect();
        let mut expected: Vec<_> = self
            .mounts
            .iter()
            .map(|m| key(&m.path, m.v2, &m.controllers))
            .collect();
        found.sort();
        expected.sort();
        assert_eq!(
            found, expected,
            "the library's discovery disagrees with /proc/self/mountinfo (left: discovered, right: mounted)"
        );
    }
}

/// Whether this process runs with effective user id 0 (`/proc/self/status`).
pub fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
        .unwrap_or(false)
}

/// A v1 mount's controllers (the super options the kernel lists in `/proc/cgroups`, or,
/// without that file, those that look like one) and its `name=`.
fn v1_options(options: &str, known: &[Controller]) -> (Vec<String>, Option<String>) {
    const NOT_CONTROLLERS: &[&str] = &[
        "rw",
        "ro",
        "xattr",
        "noprefix",
        "clone_children",
        "cpuset_v2_mode",
        "favordynmods",
        "nsdelegate",
    ];
    let mut controllers = Vec::new();
    let mut name = None;
    for option in options.split(',') {
        if let Some(n) = option.strip_prefix("name=") {
            name = Some(n.to_string());
        } else if known.is_empty() {
            if !option.contains('=') && !NOT_CONTROLLERS.contains(&option) {
                controllers.push(option.to_string());
            }
        } else if known.iter().any(|k| k.name == option) {
            controllers.push(option.to_string());
        }
    }
    (controllers, name)
}

fn parse_proc_cgroups(text: &str) -> Vec<Controller> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Some(Controller {
                name: f.first()?.to_string(),
                hierarchy: f.get(1)?.parse().ok()?,
                num_cgroups: f.get(2)?.parse().ok()?,
                enabled: *f.get(3)? == "1",
            })
        })
        .collect()
}

/// A mount table field with the kernel's octal escapes (`\040` for a blank) undone.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| bytes[i] == b'\\' && d.iter().all(|b| (b'0'..=b'7').contains(b)));
        match octal {
            Some(d) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROC_CGROUPS: &str = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n\
        cpuset\t3\t1\t1\ncpu\t1\t1\t1\ncpuacct\t1\t1\t1\nmemory\t4\t13\t1\n\
        hugetlb\t0\t1\t1\npids\t8\t1\t1\nnet_cls\t0\t1\t1\n";

    fn v2(_: &Path) -> String {
        "hugetlb".to_string()
    }

    #[test]
    fn a_hybrid_host() {
        let mountinfo = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
";
        let host = Host::parse(mountinfo, Some(PROC_CGROUPS), v2);
        assert_eq!(host.mode(), Mode::Hybrid);
        assert_eq!(host.mounts.len(), 4);
        let cpu = host.find("cpuacct").unwrap();
        assert_eq!(cpu.path, Path::new("/sys/fs/cgroup/cpu,cpuacct"));
        assert_eq!(cpu.controllers, ["cpu", "cpuacct"]);
        let systemd = host.find("name=systemd").unwrap();
        assert!(systemd.controllers.is_empty());
        assert_eq!(
            host.find("hugetlb").unwrap().path,
            Path::new("/sys/fs/cgroup/unified")
        );
        assert!(host.find("pids").is_none());
        assert!(!host.serving("pids").unwrap_err().is_v1_only());
        assert!(!host.v1("hugetlb").unwrap_err().is_v1_only());
        assert_eq!(
            host.mounted_controllers(),
            ["cpu", "cpuacct", "memory", "hugetlb"]
        );
        let text = "12:memory:/a\n11:cpu,cpuacct:/b\n1:name=systemd:/c\n0::/d\n";
        assert_eq!(
            host.find("memory").unwrap().group_in(text).as_deref(),
            Some("/a")
        );
        assert_eq!(cpu.group_in(text).as_deref(), Some("/b"));
        assert_eq!(systemd.group_in(text).as_deref(), Some("/c"));
        assert_eq!(
            host.unified().unwrap().group_in(text).as_deref(),
            Some("/d")
        );
    }

    #[test]
    fn a_pure_v2_host() {
        let mountinfo =
            "25 1 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";
        let host = Host::parse(mountinfo, None, |_| "cpu memory pids\n".to_string());
        assert_eq!(host.mode(), Mode::Unified);
        assert_eq!(
            host.serving("memory").unwrap().controllers,
            ["cpu", "memory", "pids"]
        );
        assert!(host.serving("freezer").unwrap_err().is_v1_only());
        // A v2 controller the host lacks is a plain skip: the VM lane must have it.
        assert!(!host.serving("io").unwrap_err().is_v1_only());
        assert!(host.v1("memory").unwrap_err().is_v1_only());
    }

    #[test]
    fn a_legacy_host_with_a_hierarchy_mounted_twice_and_an_escaped_path() {
        let mountinfo = "\
50 1 0:40 /sub /mnt/bind rw - cgroup cgroup rw,memory
51 1 0:40 / /sys/fs/cgroup/mem\\040ory rw - cgroup cgroup rw,memory
52 1 0:41 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids,release_agent=/x
";
        let host = Host::parse(mountinfo, None, v2);
        assert_eq!(host.mode(), Mode::Legacy);
        assert_eq!(host.mounts.len(), 2);
        assert_eq!(host.mounts[0].path, Path::new("/sys/fs/cgroup/mem ory"));
        assert_eq!(host.mounts[1].controllers, ["pids"]);
        assert!(host.unified().is_err());
    }
}
