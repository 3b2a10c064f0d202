//! The syntax tree of a cgconfig.conf file.
//!
//! The tree is what the file says, checked for structure but not against the host: names
//! are not resolved to ids, controllers are not looked up. Every item keeps its [`Span`].

use crate::source::{Span, Spanned};
use serde::{Deserialize, Serialize};

/// The words the language reserves: unquoted, they cannot name a group, template or
/// controller.
pub const KEYWORDS: [&str; 9] = [
    "group",
    "template",
    "default",
    "mount",
    "namespace",
    "systemd",
    "perm",
    "task",
    "admin",
];

/// The keywords that start a top-level section.
pub const SECTION_KEYWORDS: [&str; 6] = [
    "group",
    "template",
    "default",
    "mount",
    "namespace",
    "systemd",
];

/// One cgconfig.conf file: its sections in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Sections in the order written; repeated sections are kept (libcgroup applies the
    /// same group written twice in order).
    pub sections: Vec<Section>,
}

/// A top-level section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Section {
    /// `group NAME { ... }`: a group to create.
    Group(Group),
    /// `template NAME { ... }`: a group created on demand by cgexec and the rules engine.
    Template(Group),
    /// `default { perm { ... } }`: owners and modes for groups that set none.
    Default(DefaultSection),
    /// `mount { ctrl = /path; }`: cgroup v1 hierarchies to mount.
    Mount(Mount),
    /// `namespace { ctrl = /sub/path; }`: where each controller's groups are rooted.
    Namespace(Namespace),
    /// `systemd { slice = ...; scope = ...; }`: a delegated systemd scope (libcgroup 3.1+).
    Systemd(Systemd),
}

/// A `group` or `template` section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The group's path relative to each hierarchy root (`.` is the root group). For a
    /// template, the rule destination it matches, with its `%u`-style variables.
    pub name: Spanned<String>,
    /// Owners and modes; `None` lets the `default` section or the command line decide.
    pub perm: Option<Perm>,
    /// Controller blocks in file order; each appears at most once.
    pub controllers: Vec<Controller>,
    /// The whole section.
    pub span: Span,
}

/// A `perm { task { ... } admin { ... } }` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Perm {
    /// Owner and mode of the file that moves tasks in (`tasks` on v1, `cgroup.procs` on v2).
    pub task: Option<TaskPerm>,
    /// Owner and modes of the group directory and its other files.
    pub admin: Option<AdminPerm>,
    /// The whole block.
    pub span: Span,
}

/// The `task { uid; gid; fperm; }` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskPerm {
    /// Owner of the task file.
    pub uid: Option<Spanned<Id>>,
    /// Group of the task file.
    pub gid: Option<Spanned<Id>>,
    /// Mode of the task file.
    pub fperm: Option<Spanned<Mode>>,
    /// The whole block.
    pub span: Span,
}

/// The `admin { uid; gid; fperm; dperm; }` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminPerm {
    /// Owner of the directory and its files.
    pub uid: Option<Spanned<Id>>,
    /// Group of the directory and its files.
    pub gid: Option<Spanned<Id>>,
    /// Mode of the files.
    pub fperm: Option<Spanned<Mode>>,
    /// Mode of the directory.
    pub dperm: Option<Spanned<Mode>>,
    /// The whole block.
    pub span: Span,
}

/// A user or group, by name or by number.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Id {
    /// A name to look up (`www-data`).
    Name(String),
    /// A numeric id (`0`, `1000`). libcgroup treats `0` as a name and fails; we do not.
    Number(u32),
}

/// Permission bits, as written in octal (`fperm = 660;`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Mode(pub u32);

/// The largest mode: set-uid, set-gid, sticky and rwx for all.
pub const MAX_MODE: u32 = 0o7777;

/// A controller block: `cpu { cpu.shares = 512; }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Controller {
    /// The controller (`cpu`, `memory`, `name=foo` for a named v1 hierarchy).
    pub name: Spanned<String>,
    /// Settings in file order, each name at most once.
    pub settings: Vec<Setting>,
    /// The whole block.
    pub span: Span,
}

/// `name = value;`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setting {
    /// The key: a controller file such as `cpu.shares`, or a section key.
    pub name: Spanned<String>,
    /// The value, quotes removed. Empty means "write nothing", as in libcgroup.
    pub value: Spanned<String>,
    /// The whole statement.
    pub span: Span,
}

/// A `default` section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultSection {
    /// The default owners and modes.
    pub perm: Perm,
    /// The whole section.
    pub span: Span,
}

/// A `mount` section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mount {
    /// `controllers = /mount/point;` entries in file order.
    pub points: Vec<MountPoint>,
    /// The whole section.
    pub span: Span,
}

/// One `mount` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountPoint {
    /// What to mount, as written: `cpu`, `"cpu,cpuacct"`, `"name=foo"`, `"cpu,nodev"`.
    pub controllers: Spanned<String>,
    /// Where, an absolute path.
    pub path: Spanned<String>,
    /// The whole statement.
    pub span: Span,
}

/// A `namespace` section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Namespace {
    /// `controller = /sub/path;` entries in file order.
    pub entries: Vec<NamespaceEntry>,
    /// The whole section.
    pub span: Span,
}

/// One `namespace` entry: groups of `controller` are created under `path`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceEntry {
    /// The controller.
    pub controller: Spanned<String>,
    /// The prefix inside its hierarchy.
    pub path: Spanned<String>,
    /// The whole statement.
    pub span: Span,
}

/// A `systemd` section (libcgroup 3.1+).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Systemd {
    /// The slice the scope lives in, ending in `.slice`.
    pub slice: Option<Spanned<String>>,
    /// The scope to create, ending in `.scope`.
    pub scope: Option<Spanned<String>>,
    /// Whether later relative group names resolve inside this scope.
    pub setdefault: Option<Spanned<bool>>,
    /// The process to put in the scope (instead of an idle placeholder).
    pub pid: Option<Spanned<u32>>,
    /// The whole section.
    pub span: Span,
}

impl Config {
    /// The `group` sections, in order.
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.sections.iter().filter_map(|s| match s {
            Section::Group(g) => Some(g),
            _ => None,
        })
    }

    /// The `template` sections, in order.
    pub fn templates(&self) -> impl Iterator<Item = &Group> {
        self.sections.iter().filter_map(|s| match s {
            Section::Template(t) => Some(t),
            _ => None,
        })
    }
}

impl Group {
    /// The controller block named `name`, if any.
    pub fn controller(&self, name: &str) -> Option<&Controller> {
        self.controllers.iter().find(|c| c.name.value == name)
    }
}

impl Perm {
    /// Every user or group this block names, with where it was written.
    pub fn ids(&self) -> impl Iterator<Item = (IdKind, &Spanned<Id>)> {
        let task = self.task.as_ref();
        let admin = self.admin.as_ref();
        [
            (IdKind::User, task.and_then(|t| t.uid.as_ref())),
            (IdKind::Group, task.and_then(|t| t.gid.as_ref())),
            (IdKind::User, admin.and_then(|a| a.uid.as_ref())),
            (IdKind::Group, admin.and_then(|a| a.gid.as_ref())),
        ]
        .into_iter()
        .filter_map(|(kind, id)| id.map(|id| (kind, id)))
    }
}

/// Whether an [`Id`] names a user or a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdKind {
    /// A `uid` key.
    User,
    /// A `gid` key.
    Group,
}
