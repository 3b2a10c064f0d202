//! Hierarchies: the mounted cgroup filesystems, their version, and the host's mode.
//!
//! A v1 hierarchy is one `cgroup` mount (possibly mounted at several places) serving the
//! controllers in its super options, or none for a named hierarchy such as `name=systemd`;
//! the v2 hierarchy is the `cgroup2` mount, serving what its root's `cgroup.controllers`
//! lists. See the kernel's
//! [cgroup-v1](https://docs.kernel.org/admin-guide/cgroup-v1/cgroups.html) and
//! [cgroup-v2](https://docs.kernel.org/admin-guide/cgroup-v2.html) documentation.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// The cgroup version of a hierarchy, or the vocabulary a setting is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Version {
    /// cgroup v1 (`cgroup` filesystem).
    V1,
    /// cgroup v2 (`cgroup2` filesystem).
    V2,
}

impl Version {
    /// The other version.
    pub fn other(self) -> Version {
        match self {
            Version::V1 => Version::V2,
            Version::V2 => Version::V1,
        }
    }

    /// The number libcgroup prints for it (`cgget -c`).
    pub fn number(self) -> u8 {
        match self {
            Version::V1 => 1,
            Version::V2 => 2,
        }
    }

    /// The file listing a group's threads: v1 `tasks`, v2 `cgroup.threads`.
    pub fn threads_file(self) -> &'static str {
        match self {
            Version::V1 => "tasks",
            Version::V2 => "cgroup.threads",
        }
    }

    /// The files that make up "the task file" for permissions: what a user must be able
    /// to write to move tasks in. libcgroup only handles v1 `tasks`; we attach through
    /// `cgroup.procs`, so it needs the task owner too.
    pub fn task_files(self) -> &'static [&'static str] {
        match self {
            Version::V1 => &["tasks", "cgroup.procs"],
            Version::V2 => &["cgroup.procs", "cgroup.threads"],
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.number())
    }
}

/// How the host mounts cgroups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Mode {
    /// Only v1 hierarchies.
    Legacy,
    /// v1 hierarchies with controllers plus a v2 mount (usually `/sys/fs/cgroup/unified`).
    Hybrid,
    /// Only the v2 hierarchy serves controllers.
    Unified,
}

impl Mode {
    /// The sentence libcgroup's `cgget -m` prints.
    pub fn description(self) -> &'static str {
        match self {
            Mode::Legacy => "Legacy Mode (Cgroup v1 only).",
            Mode::Hybrid => "Hybrid mode (Cgroup v1/v2).",
            Mode::Unified => "Unified Mode (Cgroup v2 only).",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Legacy => "legacy",
            Mode::Hybrid => "hybrid",
            Mode::Unified => "unified",
        })
    }
}

/// One mounted cgroup hierarchy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hierarchy {
    pub(crate) version: Version,
    pub(crate) mount_point: PathBuf,
    pub(crate) fs_path: PathBuf,
    pub(crate) mount_root: String,
    pub(crate) controllers: Vec<String>,
    pub(crate) name: Option<String>,
    pub(crate) id: Option<u32>,
    pub(crate) other_mounts: Vec<PathBuf>,
}

impl Hierarchy {
    /// v1 or v2.
    pub fn version(&self) -> Version {
        self.version
    }

    /// Where it is mounted, as the mount table says (e.g. `/sys/fs/cgroup/cpu`).
    pub fn mount_point(&self) -> &Path {
        &self.mount_point
    }

    /// Where the backend reaches it: the mount point under the injected filesystem root
    /// (the same as [`Hierarchy::mount_point`] on a real host).
    pub fn fs_path(&self) -> &Path {
        &self.fs_path
    }

    /// Further mount points of the same hierarchy, in mount-table order.
    pub fn other_mounts(&self) -> &[PathBuf] {
        &self.other_mounts
    }

    /// The directory of the hierarchy mounted here (`/` unless a subtree is bind-mounted).
    pub fn mount_root(&self) -> &str {
        &self.mount_root
    }

    /// v1: the controllers in its super options, in the kernel's order; v2: the words of the
    /// root's `cgroup.controllers` as read at discovery.
    pub fn controllers(&self) -> &[String] {
        &self.controllers
    }

    /// The `name=` of a v1 named hierarchy (`systemd` for `name=systemd`).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The hierarchy number in `/proc/cgroups` (v1 hierarchies with controllers only).
    pub fn id(&self) -> Option<u32> {
        self.id
    }

    /// Whether `controller` is one of its controllers (`name=X` matches a named hierarchy).
    pub fn has_controller(&self, controller: &str) -> bool {
        match controller.strip_prefix("name=") {
            Some(name) => self.name.as_deref() == Some(name),
            None => self.controllers.iter().any(|c| c == controller),
        }
    }

    /// The controllers joined as lscgroup and lssubsys print them (`cpu,cpuacct`,
    /// `name=systemd`); the v2 hierarchy with no controllers prints as `cgroup`.
    pub fn label(&self) -> String {
        let mut words: Vec<String> = self.controllers.clone();
        if let Some(name) = &self.name {
            words.push(format!("name={name}"));
        }
        if words.is_empty() {
            words.push("cgroup".to_string());
        }
        words.join(",")
    }
}

/// A row of `/proc/cgroups`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ControllerInfo {
    /// Controller name.
    pub name: String,
    /// v1 hierarchy id, 0 when the controller is on no v1 hierarchy.
    pub hierarchy: u32,
    /// Number of groups (as the kernel counts them).
    pub num_cgroups: u64,
    /// Whether the kernel enables it (`cgroup_disable=` turns it off).
    pub enabled: bool,
}
