//! Discovery: which hierarchies are mounted where, read once per process.
//!
//! Input is the text of `/proc/self/mountinfo` (see
//! [proc_pid_mountinfo(5)](https://man7.org/linux/man-pages/man5/proc_pid_mountinfo.5.html))
//! and of `/proc/cgroups`, plus a filesystem root under which the mount points are reached,
//! so every rule here is tested on samples and temp-dir fakes. v1 hierarchies are identified
//! by their super options, not their mount point (co-mounted `cpu,cpuacct`, renamed mount
//! points, `name=` hierarchies); the same hierarchy mounted twice shares a device number and
//! is one [`Hierarchy`]. The v2 mount serves what its root's `cgroup.controllers` lists.
//! Nothing re-reads the mount table after this: the [`Layout`] is passed around.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::backend::error::{Error, ErrorKind, Op, Result, ResultExt};
use crate::backend::hierarchy::{ControllerInfo, Hierarchy, Mode, Version};

/// Where the kernel publishes the mount table of the calling process.
pub const MOUNTINFO: &str = "/proc/self/mountinfo";
/// Where the kernel lists its controllers.
pub const PROC_CGROUPS: &str = "/proc/cgroups";

/// v1 mount options that are not controllers (`Documentation/admin-guide/cgroup-v1/cgroups.rst`
/// and `kernel/cgroup/cgroup-v1.c`); anything else without `=` in a `cgroup` mount's super
/// options is a controller.
const V1_OPTIONS: &[&str] = &[
    "rw",
    "ro",
    "none",
    "all",
    "noprefix",
    "xattr",
    "clone_children",
    "cpuset_v2_mode",
    "sane_behavior",
    "favordynmods",
];

/// The discovered cgroup layout of the host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Layout {
    mode: Mode,
    hierarchies: Vec<Hierarchy>,
    known: Vec<ControllerInfo>,
    /// controller name -> index into `hierarchies`, for the hierarchy that serves it.
    serving: BTreeMap<String, usize>,
}

impl Layout {
    /// Reads `/proc/self/mountinfo` and `/proc/cgroups` of the running host.
    pub fn discover() -> Result<Layout> {
        let mountinfo =
            read_proc(Path::new(MOUNTINFO)).at_path(Op::Discover, Path::new(MOUNTINFO))?;
        // /proc/cgroups is optional: a /proc mounted with subset=pid lacks it, and newer
        // kernels may drop it; the mount table alone is enough to operate.
        let proc_cgroups = read_proc(Path::new(PROC_CGROUPS)).ok();
        Layout::from_sources(&mountinfo, proc_cgroups.as_deref(), Path::new("/"))
    }

    /// Builds the layout from the given mount table and `/proc/cgroups` texts; mount points
    /// are reached under `root` (`/` on a real host, a temp dir in tests).
    pub fn from_sources(
        mountinfo: &str,
        proc_cgroups: Option<&str>,
        root: &Path,
    ) -> Result<Layout> {
        let known = proc_cgroups.map(parse_proc_cgroups).unwrap_or_default();
        let mut hierarchies: Vec<Hierarchy> = Vec::new();
        let mut devices: Vec<String> = Vec::new();
        for line in mountinfo.lines() {
            // Most mounts are not cgroups; paths have their blanks escaped, so the
            // separator before the type is the only ` - cgroup` a line can hold.
            if !line.contains(" - cgroup") {
                continue;
            }
            let Some(mount) = Mount::parse(line) else {
                continue;
            };
            let version = match mount.fstype {
                "cgroup" => Version::V1,
                "cgroup2" => Version::V2,
                _ => continue,
            };
            if let Some(i) = devices.iter().position(|d| d == mount.device) {
                let existing = &mut hierarchies[i];
                // Prefer the mount that shows the whole hierarchy over a bind of a subtree.
                if existing.mount_root != "/" && mount.root == "/" {
                    let old = std::mem::replace(&mut existing.mount_point, mount.mount_point);
                    existing.fs_path = under_root(root, &existing.mount_point);
                    existing.mount_root = mount.root;
                    existing.other_mounts.push(old);
                } else {
                    existing.other_mounts.push(mount.mount_point);
                }
                continue;
            }
            let fs_path = under_root(root, &mount.mount_point);
            let (controllers, name) = match version {
                Version::V1 => v1_controllers(mount.super_options),
                Version::V2 => (read_v2_controllers(&fs_path)?, None),
            };
            let id = match version {
                Version::V1 => controllers.first().and_then(|c| {
                    known
                        .iter()
                        .find(|k| &k.name == c && k.hierarchy != 0)
                        .map(|k| k.hierarchy)
                }),
                Version::V2 => None,
            };
            devices.push(mount.device.to_string());
            hierarchies.push(Hierarchy {
                version,
                mount_point: mount.mount_point,
                fs_path,
                mount_root: mount.root,
                controllers,
                name,
                id,
                other_mounts: Vec::new(),
            });
        }
        if hierarchies.is_empty() {
            return Err(Error::new(ErrorKind::NoHierarchy, Op::Discover)
                .at(MOUNTINFO)
                .with_hint("mount cgroup2 at /sys/fs/cgroup, or the v1 hierarchies you need"));
        }
        let v1_with_controllers = hierarchies
            .iter()
            .any(|h| h.version == Version::V1 && !h.controllers.is_empty());
        let has_v2 = hierarchies.iter().any(|h| h.version == Version::V2);
        let mode = match (v1_with_controllers, has_v2) {
            (true, true) => Mode::Hybrid,
            (false, true) => Mode::Unified,
            (_, false) => Mode::Legacy,
        };
        // A controller bound to a v1 hierarchy is served there even if listed again later;
        // v2 serves only what no v1 mount has (the kernel never lists it twice anyway).
        let mut serving = BTreeMap::new();
        for version in [Version::V1, Version::V2] {
            for (i, h) in hierarchies.iter().enumerate() {
                if h.version != version {
                    continue;
                }
                for c in &h.controllers {
                    serving.entry(c.clone()).or_insert(i);
                }
                if let Some(name) = &h.name {
                    serving.entry(format!("name={name}")).or_insert(i);
                }
            }
        }
        Ok(Layout {
            mode,
            hierarchies,
            known,
            serving,
        })
    }

    /// Legacy, hybrid or unified.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Every mounted hierarchy, in mount-table order.
    pub fn hierarchies(&self) -> &[Hierarchy] {
        &self.hierarchies
    }

    /// The rows of `/proc/cgroups` (empty when it was not readable).
    pub fn known_controllers(&self) -> &[ControllerInfo] {
        &self.known
    }

    /// The v2 hierarchy, if one is mounted.
    pub fn unified(&self) -> Option<&Hierarchy> {
        self.unified_index().map(|i| &self.hierarchies[i])
    }

    pub(crate) fn unified_index(&self) -> Option<usize> {
        self.hierarchies
            .iter()
            .position(|h| h.version == Version::V2)
    }

    /// Every controller some hierarchy serves (not `name=` hierarchies), sorted.
    pub fn mounted_controllers(&self) -> impl Iterator<Item = &str> {
        self.serving
            .keys()
            .map(String::as_str)
            .filter(|c| !c.starts_with("name="))
    }

    /// Every controller some hierarchy serves (not `name=` hierarchies), in mount-table
    /// order of their hierarchies and each hierarchy's own order: the order libcgroup's
    /// tools walk controllers in (`cgget -a`, `cgget -c`).
    pub fn controllers_in_mount_order(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for (i, h) in self.hierarchies.iter().enumerate() {
            for c in &h.controllers {
                if self.serving.get(c) == Some(&i) {
                    out.push(c.as_str());
                }
            }
        }
        out
    }

    /// The hierarchy that serves `controller`: its v1 mount if there is one, else the v2
    /// mount when its `cgroup.controllers` lists it. `name=X` finds a named v1 hierarchy,
    /// and `cgroup` (the core files of v2, libcgroup's pseudo-controller) the v2 mount.
    pub fn hierarchy_for(&self, controller: &str) -> Result<&Hierarchy> {
        self.index_for(controller).map(|i| &self.hierarchies[i])
    }

    pub(crate) fn index_for(&self, controller: &str) -> Result<usize> {
        if let Some(&i) = self.serving.get(controller) {
            return Ok(i);
        }
        if controller == "cgroup" {
            if let Some(i) = self.unified_index() {
                return Ok(i);
            }
        }
        let mut error = Error::new(
            ErrorKind::ControllerNotMounted {
                controller: controller.to_string(),
            },
            Op::Discover,
        );
        if self.known.iter().any(|k| k.name == controller) {
            error = error.with_hint(match self.unified() {
                Some(h) => format!(
                    "the kernel has it, but no v1 mount serves it and {} does not list it in \
                     cgroup.controllers",
                    h.mount_point.display()
                ),
                None => "the kernel has it, but no hierarchy mounts it".to_string(),
            });
        } else {
            let mounted: Vec<&str> = self.mounted_controllers().collect();
            error = error.with_hint(format!("mounted controllers: {}", mounted.join(" ")));
        }
        Err(error)
    }
}

/// Reads a generated file (procfs, cgroupfs) whole: open, the reads, close (cgexec reads
/// these before every job it starts; `fs::read_to_string` adds a `statx` and an `lseek`
/// to size a buffer for files that report size 0).
fn read_proc(path: &Path) -> std::io::Result<String> {
    crate::backend::fsio::read_path(path)
        .map_err(|errno| std::io::Error::from_raw_os_error(errno as i32))
}

fn under_root(root: &Path, mount_point: &Path) -> PathBuf {
    match mount_point.strip_prefix("/") {
        Ok(relative) => root.join(relative),
        Err(_) => root.join(mount_point),
    }
}

fn read_v2_controllers(fs_path: &Path) -> Result<Vec<String>> {
    let file = fs_path.join("cgroup.controllers");
    match read_proc(&file) {
        Ok(text) => Ok(text.split_whitespace().map(str::to_string).collect()),
        // A mount we cannot read (gone, or another namespace's) serves nothing.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e).at_path(Op::Discover, &file),
    }
}

fn v1_controllers(super_options: &str) -> (Vec<String>, Option<String>) {
    let mut controllers = Vec::new();
    let mut name = None;
    for word in super_options.split(',') {
        if let Some(n) = word.strip_prefix("name=") {
            name = Some(n.to_string());
        } else if !word.is_empty() && !word.contains('=') && !V1_OPTIONS.contains(&word) {
            controllers.push(word.to_string());
        }
    }
    (controllers, name)
}

/// Parses the text of `/proc/cgroups` (header and malformed lines skipped), for tools that
/// need the kernel's controllers even when no hierarchy is mounted (`lssubsys -a`).
pub fn parse_proc_cgroups(text: &str) -> Vec<ControllerInfo> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|line| {
            let mut f = line.split_whitespace();
            Some(ControllerInfo {
                name: f.next()?.to_string(),
                hierarchy: f.next()?.parse().ok()?,
                num_cgroups: f.next()?.parse().ok()?,
                enabled: f.next()? == "1",
            })
        })
        .collect()
}

/// The fields of one mountinfo line that discovery needs.
struct Mount<'a> {
    device: &'a str,
    root: String,
    mount_point: PathBuf,
    fstype: &'a str,
    super_options: &'a str,
}

impl<'a> Mount<'a> {
    /// `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`;
    /// malformed lines are skipped rather than failing discovery of everything else.
    fn parse(line: &'a str) -> Option<Mount<'a>> {
        let (left, right) = line.split_once(" - ")?;
        let mut l = left.split(' ');
        let _id = l.next()?;
        let _parent = l.next()?;
        let device = l.next()?;
        let root = unescape(l.next()?);
        let mount_point = PathBuf::from(unescape(l.next()?));
        let mut r = right.split(' ');
        let fstype = r.next()?;
        let _source = r.next()?;
        let super_options = r.next().unwrap_or("");
        Some(Mount {
            device,
            root,
            mount_point,
            fstype,
            super_options,
        })
    }
}

/// The kernel escapes space, tab, newline and backslash in mountinfo paths as `\ooo`.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 3 < bytes.len() {
            let digits = &bytes[i + 1..i + 4];
            if digits.iter().all(|d| (b'0'..=b'7').contains(d)) {
                let value = digits
                    .iter()
                    .fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
                if let Ok(byte) = u8::try_from(value) {
                    out.push(byte);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This very host: v1 controllers on separate mounts, name=systemd, cgroup2 at unified.
    pub(crate) const HYBRID: &str = "\
24 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";

    const PROC_CGROUPS_HYBRID: &str = "\
#subsys_name\thierarchy\tnum_cgroups\tenabled
cpuset\t3\t1\t1
cpu\t1\t1\t1
cpuacct\t2\t1\t1
blkio\t7\t1\t1
memory\t4\t35\t1
devices\t5\t1\t1
freezer\t6\t1\t1
net_cls\t0\t1\t1
perf_event\t0\t1\t1
net_prio\t0\t1\t1
hugetlb\t0\t1\t1
pids\t8\t1\t1
";

    /// A Debian 10 / RHEL 7 style legacy host: co-mounted controllers with systemd's
    /// renamed mount points (symlinks `cpu -> cpu,cpuacct` are not in the mount table).
    const LEGACY: &str = "\
25 19 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:4 - tmpfs tmpfs ro,mode=755
26 25 0:23 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:5 - cgroup cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd
29 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,cpu,cpuacct
30 25 0:27 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,net_cls,net_prio
31 25 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,memory
32 25 0:29 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpuset,clone_children
";

    const UNIFIED: &str = "\
26 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
";

    fn fake(mountinfo: &str, v2_controllers: &[(&str, &str)]) -> (tempfile::TempDir, Layout) {
        let dir = tempfile::tempdir().unwrap();
        for (mount, controllers) in v2_controllers {
            let p = dir.path().join(mount.trim_start_matches('/'));
            std::fs::create_dir_all(&p).unwrap();
            std::fs::write(p.join("cgroup.controllers"), controllers).unwrap();
        }
        let layout = Layout::from_sources(mountinfo, None, dir.path()).unwrap();
        (dir, layout)
    }

    #[test]
    fn hybrid_host_serves_v1_controllers_from_v1_and_hugetlb_from_unified() {
        let dir = tempfile::tempdir().unwrap();
        let unified = dir.path().join("sys/fs/cgroup/unified");
        std::fs::create_dir_all(&unified).unwrap();
        std::fs::write(unified.join("cgroup.controllers"), "hugetlb\n").unwrap();
        let layout = Layout::from_sources(HYBRID, Some(PROC_CGROUPS_HYBRID), dir.path()).unwrap();
        assert_eq!(layout.mode(), Mode::Hybrid);
        assert_eq!(layout.hierarchies().len(), 10);
        let memory = layout.hierarchy_for("memory").unwrap();
        assert_eq!(memory.version(), Version::V1);
        assert_eq!(memory.mount_point(), Path::new("/sys/fs/cgroup/memory"));
        assert_eq!(memory.fs_path(), dir.path().join("sys/fs/cgroup/memory"));
        assert_eq!(memory.id(), Some(4));
        let hugetlb = layout.hierarchy_for("hugetlb").unwrap();
        assert_eq!(hugetlb.version(), Version::V2);
        assert_eq!(layout.hierarchy_for("cgroup").unwrap(), hugetlb);
        assert_eq!(
            layout.hierarchy_for("name=systemd").unwrap().label(),
            "name=systemd"
        );
        let missing = layout.hierarchy_for("net_cls").unwrap_err();
        assert_eq!(missing.exit_code(), 84);
        assert!(missing.hint().unwrap().contains("does not list it"));
        let mounted: Vec<&str> = layout.mounted_controllers().collect();
        assert_eq!(
            mounted,
            [
                "blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "hugetlb", "memory",
                "pids"
            ]
        );
        assert_eq!(
            layout.controllers_in_mount_order(),
            [
                "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids",
                "hugetlb"
            ]
        );
    }

    #[test]
    fn legacy_host_with_co_mounted_and_named_hierarchies() {
        let (_dir, layout) = fake(LEGACY, &[]);
        assert_eq!(layout.mode(), Mode::Legacy);
        let cpu = layout.hierarchy_for("cpu").unwrap();
        assert_eq!(cpu, layout.hierarchy_for("cpuacct").unwrap());
        assert_eq!(cpu.label(), "cpu,cpuacct");
        assert_eq!(cpu.mount_point(), Path::new("/sys/fs/cgroup/cpu,cpuacct"));
        let systemd = layout.hierarchy_for("name=systemd").unwrap();
        assert!(systemd.controllers().is_empty());
        assert_eq!(systemd.name(), Some("systemd"));
        // clone_children is a mount option, not a controller
        assert_eq!(
            layout.hierarchy_for("cpuset").unwrap().controllers(),
            ["cpuset"]
        );
        assert!(layout.unified().is_none());
        assert_eq!(layout.hierarchy_for("cgroup").unwrap_err().exit_code(), 84);
    }

    #[test]
    fn unified_host_reads_cgroup_controllers_of_the_mount_root() {
        let (_dir, layout) = fake(
            UNIFIED,
            &[(
                "/sys/fs/cgroup",
                "cpuset cpu io memory hugetlb pids rdma misc\n",
            )],
        );
        assert_eq!(layout.mode(), Mode::Unified);
        let h = layout.hierarchy_for("memory").unwrap();
        assert_eq!(h.version(), Version::V2);
        assert_eq!(h.controllers().len(), 8);
        assert!(layout.hierarchy_for("freezer").is_err());
    }

    #[test]
    fn the_same_hierarchy_mounted_twice_is_one_hierarchy() {
        let text = "\
50 31 0:40 /sub /mnt/cpu-sub rw - cgroup cgroup rw,cpu,cpuacct
51 31 0:40 / /mnt/cpu-full rw - cgroup cgroup rw,cpu,cpuacct
52 31 0:40 / /mnt/cpu-again rw - cgroup cgroup rw,cpu,cpuacct
";
        let (_dir, layout) = fake(text, &[]);
        assert_eq!(layout.hierarchies().len(), 1);
        let h = &layout.hierarchies()[0];
        assert_eq!(h.mount_point(), Path::new("/mnt/cpu-full"));
        assert_eq!(
            h.other_mounts(),
            [
                PathBuf::from("/mnt/cpu-sub"),
                PathBuf::from("/mnt/cpu-again")
            ]
        );
    }

    #[test]
    fn renamed_mount_points_and_escaped_paths() {
        let text = "60 31 0:41 / /srv/my\\040cgroups rw - cgroup none rw,memory,noprefix\n";
        let (_dir, layout) = fake(text, &[]);
        let h = layout.hierarchy_for("memory").unwrap();
        assert_eq!(h.mount_point(), Path::new("/srv/my cgroups"));
        assert_eq!(layout.mode(), Mode::Legacy);
    }

    #[test]
    fn named_only_v1_beside_v2_is_unified() {
        let text = "\
26 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw
27 26 0:24 / /run/lxcfs/systemd rw - cgroup cgroup rw,name=systemd
";
        let (_dir, layout) = fake(text, &[("/sys/fs/cgroup", "memory pids")]);
        assert_eq!(layout.mode(), Mode::Unified);
    }

    #[test]
    fn no_cgroup_mount_is_ecgroupnotmounted() {
        let e = Layout::from_sources(
            "24 30 0:22 / /sys rw - sysfs sysfs rw\n",
            None,
            Path::new("/"),
        )
        .unwrap_err();
        assert_eq!(e.exit_code(), 81);
        assert_eq!(e.kind(), &ErrorKind::NoHierarchy);
    }

    #[test]
    fn malformed_lines_are_skipped() {
        let text = "garbage\n\n1 2 3\n32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n";
        let (_dir, layout) = fake(text, &[]);
        assert_eq!(layout.hierarchies().len(), 1);
    }

    #[test]
    fn proc_cgroups_rows() {
        let rows = parse_proc_cgroups(PROC_CGROUPS_HYBRID);
        assert_eq!(rows.len(), 12);
        assert_eq!(rows[4].name, "memory");
        assert_eq!(rows[4].num_cgroups, 35);
        assert!(rows[4].enabled);
    }

    #[test]
    fn unescape_octal() {
        assert_eq!(unescape("a\\040b\\011c\\134d"), "a b\tc\\d");
        assert_eq!(unescape("trail\\04"), "trail\\04");
        assert_eq!(unescape("\\999"), "\\999");
    }
}
