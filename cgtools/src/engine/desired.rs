//! Desired state: what one cgconfig.conf file asks of this host, resolved and validated
//! against it before anything is written.
//!
//! A file's groups become [`DesiredCgroup`]s, one per (hierarchy, path): controllers
//! co-mounted in one v1 hierarchy, or all controllers of a v2 host, share one directory;
//! a `namespace` prefix moves a controller's groups under a sub-path. Owners and modes
//! come from the group's `perm` block, unset fields filled from the `default` section or
//! the command-line defaults (`-a -t -d -f -s`), as libcgroup does. Settings are
//! translated to the host's cgroup version and checked: the controller is mounted, the
//! setting's file exists, the value has the kernel's format. A block of a v1 controller
//! that no hierarchy mounts names the group in the v2 mount, in the controller's v2 form
//! ([`crate::backend::translate::v2_form`]), so that a v1 configuration applies on a v2 host; a
//! group that does not exist yet is translated without reading it. Every problem is a
//! [`Diagnostic`] at its place in the file; one of them stops the file before its first
//! write.
//!
//! Deliberate differences from libcgroup are in `docs/compat.md`: unset owners leave
//! existing groups as they are (libcgroup re-owns them to the caller), and a `systemd`
//! section is refused with an explanation.

use crate::backend::cursor::Cursors;
use crate::backend::hierarchy::Version;
use crate::backend::permissions::{Owner, Permissions};
use crate::backend::values::{check as check_value, HostFacts};
use crate::engine::accounts::Accounts;
use crate::{Cgroups, GroupPath, Setting};
use grammar::cgconfig::{self, Config, Id, Perm, Section};
use grammar::{Diagnostic, Span, Spanned};
use serde::Serialize;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

/// One group directory in one hierarchy, as the configuration wants it.
#[derive(Clone, Debug, Serialize)]
pub struct DesiredCgroup {
    /// Index of the hierarchy in [`Cgroups::hierarchies`].
    pub hierarchy: usize,
    /// The directory, relative to the hierarchy root (namespace prefix included).
    pub path: GroupPath,
    /// The group's name as the file writes it.
    pub group: String,
    /// The v2 controllers its ancestors must enable (empty on v1).
    pub controllers: Vec<String>,
    /// Settings in the host's vocabulary, in the order to write them.
    pub settings: Vec<DesiredSetting>,
    /// Owners and modes; unset fields leave things as they are.
    pub permissions: Permissions,
    /// Where the group is named in the file.
    #[serde(skip)]
    pub span: Span,
    /// Where later sections of the same file name the same directory again (their
    /// values and owners were merged into this one, the later ones winning).
    #[serde(skip)]
    pub also_named_at: Vec<Span>,
}

impl DesiredCgroup {
    /// A digest of what the group asks for: its directory, controllers, settings, owners
    /// and modes, not where the file says it. Two loads of a configuration that give a
    /// group the same fingerprint ask the same of its directory (cgconfigd plans only the
    /// groups whose fingerprint changed).
    pub fn fingerprint(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.hierarchy.hash(&mut h);
        self.path.hash(&mut h);
        self.group.hash(&mut h);
        self.controllers.hash(&mut h);
        self.settings.len().hash(&mut h);
        for s in &self.settings {
            (&s.name, &s.value, &s.written_as).hash(&mut h);
        }
        let p = &self.permissions;
        (
            p.admin.uid,
            p.admin.gid,
            p.task.uid,
            p.task.gid,
            p.dir_mode,
            p.file_mode,
            p.task_mode,
        )
            .hash(&mut h);
        h.finish()
    }
}

/// A setting to write.
#[derive(Clone, Debug, Serialize)]
pub struct DesiredSetting {
    /// The file, in the host's vocabulary.
    pub name: String,
    /// The value to write.
    pub value: String,
    /// The setting as the file wrote it, when it was translated from the other cgroup
    /// version (`cpu.shares = 512` on a v2 host becomes `cpu.weight = 50`).
    pub written_as: Option<String>,
    /// Where the value is written in the file.
    #[serde(skip)]
    pub span: Span,
}

/// What a file asks for.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DesiredState {
    /// Group directories, parents before children, otherwise in file order.
    pub cgroups: Vec<DesiredCgroup>,
    /// Templates: not created here, kept for cgexec and the rules engine.
    #[serde(skip)]
    pub templates: Vec<cgconfig::Group>,
    /// The defaults in force after this file (a `default` section replaces them for the
    /// rest of the run, as in libcgroup).
    #[serde(skip)]
    pub defaults_after: Permissions,
}

/// A file refused before its first write: every problem found, and the exit status
/// libcgroup would give for the first one (84 for a controller that is not mounted, 95 for
/// a setting that does not exist, 96 for a value the kernel would reject, 104 otherwise).
#[derive(Debug)]
pub struct Rejected {
    /// The problems, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// The exit status.
    pub exit_code: u8,
}

/// Where each hierarchy's groups are rooted.
///
/// libcgroup names groups relative to each hierarchy's root ([`Roots::default`]).
/// cgconfigd can root them below a base instead (a prefix given on its command line, or
/// the cgroup systemd delegated to it), refuse the hierarchies it must not write in, and
/// limit a v2 hierarchy's groups to the controllers the cgroup above them has: a group
/// there, or a block naming another controller, is then a located error like any other.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roots {
    default: GroupPath,
    per_hierarchy: HashMap<usize, Result<GroupPath, String>>,
    offered: HashMap<usize, Offer>,
}

/// The v2 controllers the groups of one hierarchy may use, and what to say of a block
/// naming another one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    /// The controllers.
    pub controllers: Vec<String>,
    /// Why another one is not offered: a phrase that completes "controller `memory` ...".
    pub reason: String,
    /// What to do about it.
    pub hint: String,
}

impl Roots {
    /// Every hierarchy's groups below `base` (the root: libcgroup's paths).
    pub fn at(base: GroupPath) -> Roots {
        Roots {
            default: base,
            per_hierarchy: HashMap::new(),
            offered: HashMap::new(),
        }
    }

    /// Roots hierarchy `hierarchy`'s groups below `base`.
    pub fn set(&mut self, hierarchy: usize, base: GroupPath) {
        self.per_hierarchy.insert(hierarchy, Ok(base));
    }

    /// Refuses groups in hierarchy `hierarchy`, saying why (a phrase that completes
    /// "groups of `memory` cannot be created: ...").
    pub fn refuse(&mut self, hierarchy: usize, reason: impl Into<String>) {
        self.per_hierarchy.insert(hierarchy, Err(reason.into()));
    }

    /// Limits v2 hierarchy `hierarchy`'s groups to `offer.controllers`. A block naming
    /// another controller is refused at its place, before its settings are looked for (a
    /// group without the controller has none of its files: saying so would hide the cause).
    pub fn offer(&mut self, hierarchy: usize, offer: Offer) {
        self.offered.insert(hierarchy, offer);
    }

    /// The controllers hierarchy `hierarchy`'s groups are limited to, if they are.
    pub fn offered(&self, hierarchy: usize) -> Option<&Offer> {
        self.offered.get(&hierarchy)
    }

    /// Why hierarchy `hierarchy`'s groups may not use `controller`, if they may not.
    fn not_offered(&self, hierarchy: usize, controller: &str) -> Option<&Offer> {
        self.offered
            .get(&hierarchy)
            .filter(|offer| !offer.controllers.iter().any(|c| c == controller))
    }

    /// The base of hierarchy `hierarchy`'s groups, or why it takes none.
    pub fn base(&self, hierarchy: usize) -> Result<&GroupPath, &str> {
        match self.per_hierarchy.get(&hierarchy) {
            Some(Ok(base)) => Ok(base),
            Some(Err(reason)) => Err(reason),
            None => Ok(&self.default),
        }
    }
}

/// Builds and checks the desired state of one parsed file. `defaults` are the owners and
/// modes in force before it (command line, or an earlier file's `default` section).
pub fn desired_state(
    config: &Config,
    cgroups: &Cgroups,
    host: &HostFacts,
    defaults: &Permissions,
    accounts: &mut dyn Accounts,
) -> Result<DesiredState, Rejected> {
    desired_state_in(config, cgroups, host, defaults, accounts, &Roots::default())
}

/// [`desired_state`] with the groups rooted as `roots` says: each group's path is its
/// hierarchy's base, then the `namespace` prefix, then the name the file gives. Settings
/// are checked where the group will be.
pub fn desired_state_in(
    config: &Config,
    cgroups: &Cgroups,
    host: &HostFacts,
    defaults: &Permissions,
    accounts: &mut dyn Accounts,
    roots: &Roots,
) -> Result<DesiredState, Rejected> {
    let mut b = Builder {
        cgroups,
        host,
        accounts,
        roots,
        diagnostics: Vec::new(),
        files: HashMap::new(),
        stand_ins: HashMap::new(),
        controller_stand_ins: HashMap::new(),
        cursors: Cursors::new(cgroups),
        slots: HashMap::new(),
        first_code: None,
        mounted_by_file: crate::backend::mounts::requests(config)
            .into_iter()
            .flat_map(|r| r.controllers)
            .collect(),
    };
    let mut state = DesiredState {
        defaults_after: defaults.clone(),
        ..DesiredState::default()
    };
    // The last `default` section of a file applies to all its groups (libcgroup applies
    // defaults after parsing the whole file).
    for section in &config.sections {
        if let Section::Default(d) = section {
            state.defaults_after = b.permissions(Some(&d.perm), &Permissions::default());
        }
    }
    let namespaces = b.namespaces(config);
    for section in &config.sections {
        match section {
            Section::Group(group) => b.group(
                group,
                &state.defaults_after,
                &namespaces,
                &mut state.cgroups,
            ),
            Section::Template(t) => state.templates.push(t.clone()),
            Section::Mount(m) => b.mount(m),
            Section::Systemd(s) => b.diagnostics.push(
                Diagnostic::error(s.span, "the `systemd` section is not supported").with_hint(
                    "cgtools does not create systemd scopes over D-Bus; under systemd, run \
                         cgconfigd in its delegated mode (Delegate=yes) and name groups \
                         relative to its unit instead",
                ),
            ),
            Section::Default(_) | Section::Namespace(_) => {}
        }
    }
    // Parents first, otherwise file order (a stable sort).
    state.cgroups.sort_by_key(|c| c.path.depth());
    if b.diagnostics.is_empty() {
        Ok(state)
    } else {
        b.diagnostics.sort_by_key(|d| d.span.start);
        Err(Rejected {
            diagnostics: b.diagnostics,
            exit_code: b.first_code.map_or(EXIT_CONFIG, |(_, code)| code),
        })
    }
}

/// libcgroup's ECGCONFIGPARSEFAIL as an exit status.
const EXIT_CONFIG: u8 = 104;

struct Builder<'a> {
    cgroups: &'a Cgroups,
    host: &'a HostFacts,
    accounts: &'a mut dyn Accounts,
    roots: &'a Roots,
    diagnostics: Vec<Diagnostic>,
    /// File names of existing directories, per (hierarchy, path), read at most once.
    files: HashMap<(usize, GroupPath), Option<Rc<[String]>>>,
    /// Per hierarchy, the child of the root whose files stand in for the root's.
    stand_ins: HashMap<usize, Option<GroupPath>>,
    controller_stand_ins: HashMap<(usize, String), Option<GroupPath>>,
    /// The open directories of the groups being checked, per hierarchy.
    cursors: Cursors<'a>,
    /// Where each (hierarchy, path) is in the output, so that a group named again is
    /// found without a search (a linear one made 5000 groups cost 12 million compares).
    slots: HashMap<(usize, GroupPath), usize>,
    /// The exit status of the first problem found in file order.
    first_code: Option<(usize, u8)>,
    /// The controllers the file's `mount` sections name: their groups are in the v1
    /// hierarchy the file mounts, never in their v2 form.
    mounted_by_file: Vec<String>,
}

impl Builder<'_> {
    /// Remembers the exit status of a problem at `span` if it is the first in the file.
    fn code(&mut self, span: Span, code: u8) {
        if self.first_code.is_none_or(|(at, _)| span.start < at) {
            self.first_code = Some((span.start, code));
        }
    }

    fn error(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic::error(span, message));
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    fn id(&mut self, id: Option<&Spanned<Id>>, user: bool) -> Option<u32> {
        let id = id?;
        match &id.value {
            Id::Number(n) => Some(*n),
            Id::Name(name) => {
                let found = if user {
                    self.accounts.uid(name)
                } else {
                    self.accounts.gid(name)
                };
                let what = if user { "user" } else { "group" };
                match found {
                    Ok(Some(n)) => Some(n),
                    Ok(None) => {
                        let d = self.error(id.span, format!("unknown {what} `{name}`"));
                        *d = d.clone().with_hint(format!(
                            "`{}` takes a {what} name or a number",
                            if user { "uid" } else { "gid" }
                        ));
                        None
                    }
                    Err(reason) => {
                        self.error(id.span, format!("cannot look up {what} `{name}`: {reason}"));
                        None
                    }
                }
            }
        }
    }

    /// A `perm` block's owners and modes, unset fields taken from `defaults`.
    fn permissions(&mut self, perm: Option<&Perm>, defaults: &Permissions) -> Permissions {
        let task = perm.and_then(|p| p.task.as_ref());
        let admin = perm.and_then(|p| p.admin.as_ref());
        let mode = |m: Option<&Spanned<cgconfig::Mode>>| m.map(|m| m.value.0);
        Permissions {
            admin: Owner {
                uid: self
                    .id(admin.and_then(|a| a.uid.as_ref()), true)
                    .or(defaults.admin.uid),
                gid: self
                    .id(admin.and_then(|a| a.gid.as_ref()), false)
                    .or(defaults.admin.gid),
            },
            task: Owner {
                uid: self
                    .id(task.and_then(|t| t.uid.as_ref()), true)
                    .or(defaults.task.uid),
                gid: self
                    .id(task.and_then(|t| t.gid.as_ref()), false)
                    .or(defaults.task.gid),
            },
            dir_mode: mode(admin.and_then(|a| a.dperm.as_ref())).or(defaults.dir_mode),
            file_mode: mode(admin.and_then(|a| a.fperm.as_ref())).or(defaults.file_mode),
            task_mode: mode(task.and_then(|t| t.fperm.as_ref())).or(defaults.task_mode),
        }
    }

    /// Controller -> path prefix, from the `namespace` sections.
    fn namespaces(&mut self, config: &Config) -> HashMap<usize, (GroupPath, Span)> {
        let mut by_hierarchy: HashMap<usize, (GroupPath, Span)> = HashMap::new();
        for section in &config.sections {
            let Section::Namespace(ns) = section else {
                continue;
            };
            for entry in &ns.entries {
                let Some(index) = self.hierarchy_index(&entry.controller) else {
                    continue;
                };
                let Ok(prefix) = GroupPath::new(&entry.path.value) else {
                    continue; // refused by the grammar already
                };
                match by_hierarchy.get(&index) {
                    Some((other, first)) if *other != prefix => {
                        let first = *first;
                        let d = self.error(
                            entry.path.span,
                            format!(
                                "`{}` shares its hierarchy with a controller whose namespace is `{other}`",
                                entry.controller.value
                            ),
                        );
                        *d = d
                            .clone()
                            .with_hint("co-mounted controllers live in one directory tree: give them the same namespace")
                            .with_related(first, "the other namespace is here");
                    }
                    _ => {
                        by_hierarchy.insert(index, (prefix, entry.path.span));
                    }
                }
            }
        }
        by_hierarchy
    }

    /// The hierarchy a block of `controller` names groups in: the one serving it, or for
    /// a v1 controller no hierarchy mounts (nor the file's `mount` sections), the v2
    /// hierarchy holding its v2 form ([`crate::backend::translate::v2_form`]: `blkio` is `io`,
    /// `freezer` part of every group).
    fn hierarchy_index(&mut self, controller: &Spanned<String>) -> Option<usize> {
        let cg = self.cgroups;
        let mounted_here = self.mounted_by_file.contains(&controller.value);
        let found = cg.hierarchy_for(&controller.value).or_else(|e| {
            match crate::backend::translate::v2_form(&controller.value).filter(|_| !mounted_here) {
                // `cgroup`: the v2 mount, where controller-less groups live.
                Some(form) => cg
                    .hierarchy_for(form.controller().unwrap_or("cgroup"))
                    .map_err(|_| e),
                None => Err(e),
            }
        });
        match found {
            Ok(h) => cg.hierarchies().iter().position(|x| x == h),
            Err(_) => {
                let mounted: Vec<&str> = cg.layout().mounted_controllers().collect();
                let hint =
                    match grammar::suggest::closest(&controller.value, mounted.iter().copied()) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => format!("the mounted controllers are {}", mounted.join(", ")),
                    };
                let d = self.error(
                    controller.span,
                    format!(
                        "controller `{}` is not mounted on this host",
                        controller.value
                    ),
                );
                *d = d.clone().with_hint(hint);
                None
            }
        }
    }

    fn group(
        &mut self,
        group: &cgconfig::Group,
        defaults: &Permissions,
        namespaces: &HashMap<usize, (GroupPath, Span)>,
        out: &mut Vec<DesiredCgroup>,
    ) {
        let permissions = self.permissions(group.perm.as_ref(), defaults);
        let Ok(base) = GroupPath::new(&group.name.value) else {
            return; // refused by the grammar already
        };
        // A group with only a `perm` block has no controller: like `cgcreate -g :path` in
        // libcgroup 3.x, it lives in the v2 mount.
        let pseudo;
        let blocks: Vec<&cgconfig::Controller> = if group.controllers.is_empty() {
            pseudo = cgconfig::Controller {
                name: Spanned::new("cgroup".to_string(), group.name.span),
                settings: Vec::new(),
                span: group.span,
            };
            vec![&pseudo]
        } else {
            group.controllers.iter().collect()
        };
        for block in blocks {
            let Some(index) = self.hierarchy_index(&block.name) else {
                continue;
            };
            let root = match self.roots.base(index) {
                Ok(root) => root.clone(),
                Err(reason) => {
                    let message = format!(
                        "groups of `{}` cannot be created: {reason}",
                        block.name.value
                    );
                    self.error(block.name.span, message);
                    continue;
                }
            };
            // Base, namespace prefix and name are each valid, so their join is.
            let path = match namespaces.get(&index) {
                Some((prefix, _)) => root.join(prefix).join(&base),
                None => root.join(&base),
            };
            let version = self.cgroups.hierarchies()[index].version();
            if version == Version::V2 && block.name.value != "cgroup" {
                if let Some(offer) = self.roots.not_offered(index, &block.name.value) {
                    let message = format!("controller `{}` {}", block.name.value, offer.reason);
                    let hint = offer.hint.clone();
                    let d = self.error(block.name.span, message);
                    *d = d.clone().with_hint(hint);
                    continue;
                }
            }
            let settings = self.settings(index, &path, block);
            let slot = match self.slots.get(&(index, path.clone())) {
                Some(&i) => i,
                None => {
                    self.slots.insert((index, path.clone()), out.len());
                    out.push(DesiredCgroup {
                        hierarchy: index,
                        path: path.clone(),
                        group: group.name.value.clone(),
                        controllers: Vec::new(),
                        settings: Vec::new(),
                        permissions: permissions.clone(),
                        span: group.name.span,
                        also_named_at: Vec::new(),
                    });
                    out.len() - 1
                }
            };
            let target = &mut out[slot];
            if target.span.start != group.name.span.start
                && !target
                    .also_named_at
                    .iter()
                    .any(|s| s.start == group.name.span.start)
            {
                target.also_named_at.push(group.name.span);
            }
            // The same group written twice: the later section's owners and values win,
            // as libcgroup applies both in order.
            target.permissions = permissions.clone();
            if version == Version::V2 {
                let hierarchy = &self.cgroups.hierarchies()[index];
                let controller = if hierarchy.has_controller(&block.name.value) {
                    Some(block.name.value.as_str())
                } else {
                    // `cgroup`, or a v1 controller in its v2 form (`blkio`: `io`).
                    crate::backend::translate::v2_form(&block.name.value)
                        .and_then(|f| f.controller())
                };
                if let Some(c) = controller {
                    if !target.controllers.iter().any(|t| t == c) {
                        target.controllers.push(c.to_string());
                    }
                }
            }
            for setting in settings {
                target.settings.retain(|s| s.name != setting.name);
                target.settings.push(setting);
            }
        }
    }

    /// The block's settings in the host's vocabulary, each checked.
    fn settings(
        &mut self,
        index: usize,
        path: &GroupPath,
        block: &cgconfig::Controller,
    ) -> Vec<DesiredSetting> {
        // An empty value writes nothing (libcgroup).
        let given: Vec<&cgconfig::Setting> = block
            .settings
            .iter()
            .filter(|s| !s.value.value.is_empty())
            .collect();
        if given.is_empty() {
            return Vec::new();
        }
        let cg = self.cgroups;
        let hierarchy = &cg.hierarchies()[index];
        let live = cg.cgroup(hierarchy, path).ok();
        let as_settings: Vec<Setting> = given
            .iter()
            .map(|s| Setting::new(s.name.value.clone(), s.value.value.clone()))
            .collect();
        // A group (or, in v2, a controller) that does not exist yet has no value to read:
        // the translation then plans with a new group's values.
        let translated =
            crate::backend::translate::to_host(cg.layout(), None, &as_settings, |name| {
                let Some(live) = &live else {
                    return Ok(None);
                };
                match live.get(name) {
                    Ok(value) => Ok(Some(value)),
                    Err(e)
                        if matches!(
                            e.kind(),
                            crate::ErrorKind::GroupMissing { .. }
                                | crate::ErrorKind::SettingMissing { .. }
                        ) =>
                    {
                        Ok(None)
                    }
                    Err(e) => Err(e),
                }
            });
        let translated = match translated {
            Ok(t) => t,
            Err(e) => {
                let source = given
                    .iter()
                    .find(|s| e.to_string().contains(&format!("`{}`", s.name.value)));
                let span = source.map_or(block.name.span, |s| s.name.span);
                let controller = &block.name.value;
                let in_v2_form = cg.hierarchy_for(controller).is_err();
                match (e.kind(), source) {
                    // A v1 controller no hierarchy mounts, whose group is in the v2
                    // hierarchy: say so, and that the block without settings is fine.
                    (crate::ErrorKind::Unmappable { .. }, Some(s)) if in_v2_form => {
                        let message = format!(
                            "`{}` has no cgroup v2 equivalent, and no v1 hierarchy mounts \
                             `{controller}` on this host",
                            s.name.value
                        );
                        let instead = format!(
                            "without settings, `{controller} {{ }}` still creates the group, \
                             in the cgroup v2 hierarchy"
                        );
                        let hint = match e.hint() {
                            Some(why) => format!("{why}; {instead}"),
                            None => instead,
                        };
                        let d = self.error(span, message);
                        *d = d.clone().with_hint(hint);
                    }
                    _ => {
                        let d = self.error(span, e.to_string());
                        if let Some(hint) = e.hint() {
                            *d = d.clone().with_hint(hint.to_string());
                        }
                    }
                }
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for setting in translated {
            let source = given.iter().find(|s| s.name.value == setting.name);
            let (span, name_span, written_as) = match source {
                Some(s) => (s.value.span, s.name.span, None),
                None => {
                    // The settings it was translated from (quota and period make one
                    // `cpu.max`), or, not knowing, the whole block.
                    let mut from: Vec<&&cgconfig::Setting> = given
                        .iter()
                        .filter(|s| translates_to(&s.name.value, &setting.name))
                        .collect();
                    if from.is_empty() {
                        from = given.iter().collect();
                    }
                    let first = from.first().map_or(block.name.span, |s| s.value.span);
                    let from: Vec<String> = from
                        .iter()
                        .map(|s| format!("{} = {}", s.name.value, s.value.value))
                        .collect();
                    (first, first, Some(from.join(", ")))
                }
            };
            if let Err(reason) = check_value(&setting.name, &setting.value, self.host) {
                self.code(span, 96);
                self.error(
                    span,
                    format!(
                        "value `{}` for `{}` {reason}",
                        setting.value.escape_debug(),
                        setting.name
                    ),
                );
                continue;
            }
            if let Some(message) = self.missing_file(index, path, &setting.name) {
                let (message, hint) = message;
                self.code(name_span, 95);
                let d = self.error(name_span, message);
                *d = d.clone().with_hint(hint);
                continue;
            }
            out.push(DesiredSetting {
                name: setting.name,
                value: setting.value,
                written_as,
                span,
            });
        }
        out
    }

    /// Whether setting `name` is missing where it would be written: checked in the group
    /// if it exists, else in its nearest existing ancestor (children have their parent's
    /// files). The kernel creates some files only in child groups (`pids.max`,
    /// `memory.max`), so when that ancestor is a hierarchy root an existing child of the
    /// root stands in for it; with no child to look at, the kernel decides at write time.
    /// In v2, a group looked at that does not have the setting's controller (its
    /// `cgroup.controllers` does not list it) says nothing about the controller's files:
    /// the group will get them when its ancestors enable the controller, and whether they
    /// can is the create step's to say (its error names the `cgroup.subtree_control` that
    /// lacks it). Blaming the file would hide that cause. The name is checked instead in
    /// another group that has the controller (a child of the root), when there is one.
    fn missing_file(
        &mut self,
        index: usize,
        path: &GroupPath,
        name: &str,
    ) -> Option<(String, String)> {
        let cg = self.cgroups;
        let hierarchy = &cg.hierarchies()[index];
        // The cursor walks the file's groups in order: a group under a parent already
        // found missing costs no lookup, one under an existing parent one.
        let cursor = self.cursors.of(index);
        let existing = cursor.reach(path, crate::Op::List).ok()?;
        // Fast path: the group exists and has the file (one stat; listing a directory
        // costs more, and is only needed to explain a missing file).
        if existing == path.depth()
            && cursor
                .top()
                .stat(Some(name))
                .is_ok_and(|st| st.st_mode & nix::libc::S_IFMT == nix::libc::S_IFREG)
        {
            return None;
        }
        let mut dir = path.truncated(existing);
        let mut files = self.files_of(index, &dir)?;
        if dir.is_root() && !path.is_root() {
            let child = self.root_stand_in(index)?;
            files = self.files_of(index, &child)?;
            dir = child;
        }
        if files.iter().any(|f| f == name) {
            return None;
        }
        let prefix = name.split('.').next().unwrap_or(name);
        if hierarchy.version() == Version::V2 && hierarchy.has_controller(prefix) {
            // Every v2 group has some files of cpu, io and memory (`cpu.stat`, the
            // `*.pressure` files), so only `cgroup.controllers` tells.
            let has_controller = match cg
                .cgroup(hierarchy, &dir)
                .map(|c| c.get("cgroup.controllers"))
            {
                Ok(Ok(list)) => list.split_whitespace().any(|c| c == prefix),
                _ => files
                    .iter()
                    .any(|f| f.strip_prefix(prefix).is_some_and(|r| r.starts_with('.'))),
            };
            if !has_controller {
                // Its files are the same in every group that has the controller: check
                // the name against one of those, so that a typo is still found before the
                // first write. With none on the host, the kernel decides at write time.
                let other = self.controller_stand_in(index, prefix)?;
                files = self.files_of(index, &other)?;
                dir = other;
                if files.iter().any(|f| f == name) {
                    return None;
                }
            }
        }
        let siblings: Vec<&str> = files
            .iter()
            .map(String::as_str)
            .filter(|f| f.starts_with(prefix) && f[prefix.len()..].starts_with('.'))
            .collect();
        let hint = match grammar::suggest::closest(name, siblings.iter().copied()) {
            Some(near) => format!("did you mean `{near}`?"),
            None if siblings.is_empty() => {
                format!("{} has no `{prefix}.*` files", hierarchy.label())
            }
            None => format!("the `{prefix}` settings here are {}", siblings.join(", ")),
        };
        let full = if dir.is_root() {
            hierarchy.fs_path().to_path_buf()
        } else {
            hierarchy.fs_path().join(dir.as_relative())
        };
        // Name what the setting belongs to: its controller, or the core `cgroup.*` files;
        // the hierarchy's label lists every controller co-mounted (on v2, all of them).
        let what = if hierarchy.has_controller(prefix) {
            format!("a setting of {prefix} groups")
        } else if prefix == "cgroup" {
            "a core cgroup setting".to_string()
        } else {
            format!("a setting of {} groups", hierarchy.label())
        };
        Some((
            format!(
                "`{name}` is not {what} (no such file in {})",
                full.display()
            ),
            hint,
        ))
    }

    /// The file names of an existing group directory, read once (through the cursor,
    /// which holds the directory open when it is on the way to the groups checked).
    fn files_of(&mut self, index: usize, path: &GroupPath) -> Option<Rc<[String]>> {
        if let Some(files) = self.files.get(&(index, path.clone())) {
            return files.clone();
        }
        let cursor = self.cursors.of(index);
        let files = cursor.open(path, crate::Op::List).ok().and_then(|dir| {
            dir.entries().ok().map(|entries| {
                entries
                    .into_iter()
                    .filter(|e| !e.is_dir)
                    .map(|e| e.name)
                    .collect()
            })
        });
        self.files.insert((index, path.clone()), files.clone());
        files
    }

    /// An existing child of hierarchy `index`'s root whose files stand in for the root's
    /// (the kernel creates some files only below the root), found once.
    fn root_stand_in(&mut self, index: usize) -> Option<GroupPath> {
        if let Some(child) = self.stand_ins.get(&index) {
            return child.clone();
        }
        let cg = self.cgroups;
        let child = cg
            .cgroup(&cg.hierarchies()[index], &GroupPath::root())
            .ok()
            .and_then(|root| root.children().ok())
            .and_then(|children| children.into_iter().next());
        self.stand_ins.insert(index, child.clone());
        child
    }

    /// A child of v2 hierarchy `index`'s root that has `controller` (its
    /// `cgroup.controllers` lists it), to learn the controller's file names from when the
    /// group checked does not have it yet; looked for once per controller.
    fn controller_stand_in(&mut self, index: usize, controller: &str) -> Option<GroupPath> {
        let key = (index, controller.to_string());
        if let Some(found) = self.controller_stand_ins.get(&key) {
            return found.clone();
        }
        let cg = self.cgroups;
        let hierarchy = &cg.hierarchies()[index];
        let found = cg
            .cgroup(hierarchy, &GroupPath::root())
            .ok()
            .and_then(|root| root.children().ok())
            .and_then(|children| {
                children.into_iter().find(|child| {
                    cg.cgroup(hierarchy, child)
                        .and_then(|c| c.get("cgroup.controllers"))
                        .is_ok_and(|list| list.split_whitespace().any(|c| c == controller))
                })
            });
        self.controller_stand_ins.insert(key, found.clone());
        found
    }

    /// A `mount` section: a hierarchy already mounted as asked, or one no controller of
    /// which is mounted yet (cgconfigparser mounts it before checking the groups), is
    /// fine; one that would need another hierarchy changed is refused.
    fn mount(&mut self, mount: &cgconfig::Mount) {
        let config = Config {
            sections: vec![Section::Mount(mount.clone())],
        };
        for request in crate::backend::mounts::requests(&config) {
            if let crate::backend::mounts::Status::Conflict(why) =
                crate::backend::mounts::status(&request, self.cgroups.layout())
            {
                let d = self.error(
                    request.span,
                    format!(
                        "cannot mount `{}` at {}: {why}",
                        request.controllers.join(","),
                        request.path.display()
                    ),
                );
                *d = d.clone().with_hint(
                    "a controller can be in one v1 hierarchy only: name the controllers as \
                     they are mounted (`lssubsys -m`), or remove the `mount` section",
                );
            }
        }
    }
}

/// Whether setting `name`, in its own vocabulary, becomes `host_name` in the other one.
fn translates_to(name: &str, host_name: &str) -> bool {
    crate::backend::translate::vocabulary_of(name)
        .and_then(|from| crate::backend::translate::counterparts(name, from).ok())
        .is_some_and(|names| names.iter().any(|n| n == host_name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use grammar::diagnostic::render_all;
    use grammar::SourceFile;
    use std::fs;

    struct Accounts;
    impl crate::engine::accounts::Accounts for Accounts {
        fn uid(&mut self, name: &str) -> Result<Option<u32>, String> {
            Ok(match name {
                "root" => Some(0),
                "nobody" => Some(65534),
                _ => None,
            })
        }
        fn gid(&mut self, name: &str) -> Result<Option<u32>, String> {
            self.uid(name)
        }
    }

    /// A fake v1 host: cpu,cpuacct co-mounted, memory, cpuset, with a few files.
    fn host() -> (tempfile::TempDir, Cgroups) {
        v1_host(false)
    }

    /// A fake hybrid host: [`host`]'s v1 hierarchies and an empty cgroup v2 mount at
    /// `unified`, as systemd mounts it (freezer, devices, blkio mounted nowhere).
    fn hybrid_host() -> (tempfile::TempDir, Cgroups) {
        v1_host(true)
    }

    fn v1_host(unified: bool) -> (tempfile::TempDir, Cgroups) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sys/fs/cgroup");
        for (h, files) in [
            (
                "cpu,cpuacct",
                &[
                    "cpu.shares",
                    "cpu.cfs_quota_us",
                    "cpu.cfs_period_us",
                    "cpuacct.usage",
                    "tasks",
                ][..],
            ),
            (
                "memory",
                &[
                    "memory.limit_in_bytes",
                    "memory.soft_limit_in_bytes",
                    "tasks",
                ][..],
            ),
            ("cpuset", &["cpuset.cpus", "cpuset.mems", "tasks"][..]),
        ] {
            // The root and an existing child group, whose files new groups will have.
            for dir in [root.join(h), root.join(h).join("existing")] {
                fs::create_dir_all(&dir).unwrap();
                for f in files {
                    fs::write(dir.join(f), "").unwrap();
                }
            }
        }
        let mut mountinfo = "\
30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
31 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
32 25 0:28 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset
"
        .to_string();
        if unified {
            let v2 = root.join("unified");
            for (dir, files) in [
                (v2.clone(), &["cgroup.controllers", "cgroup.procs"][..]),
                (
                    v2.join("init.scope"),
                    &[
                        "cgroup.controllers",
                        "cgroup.procs",
                        "cgroup.freeze",
                        "cgroup.events",
                        "cpu.stat",
                    ][..],
                ),
            ] {
                fs::create_dir_all(&dir).unwrap();
                for f in files {
                    fs::write(dir.join(f), "").unwrap();
                }
            }
            mountinfo.push_str("33 25 0:29 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
        }
        // The kernel's controllers, which `mount` sections are checked against.
        let proc_cgroups = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n\
                            cpu\t1\t1\t1\ncpuacct\t1\t1\t1\nmemory\t2\t1\t1\ncpuset\t3\t1\t1\n\
                            freezer\t0\t1\t1\nnet_cls\t0\t1\t1\n";
        let cg = Cgroups::from_sources(&mountinfo, Some(proc_cgroups), dir.path()).unwrap();
        (dir, cg)
    }

    /// A fake pure cgroup v2 host: the root enables cpu, io, memory and pids; `existing`
    /// is a group with those controllers and the core files, with cpu.max `20000 250000`.
    fn v2_host() -> (tempfile::TempDir, Cgroups) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sys/fs/cgroup");
        let existing = root.join("existing");
        fs::create_dir_all(&existing).unwrap();
        for (file, value) in [
            ("cgroup.controllers", "cpuset cpu io memory hugetlb pids"),
            ("cgroup.subtree_control", "cpu io memory pids"),
            ("cgroup.procs", ""),
            ("cpu.stat", ""),
        ] {
            fs::write(root.join(file), value).unwrap();
        }
        for (file, value) in [
            ("cgroup.controllers", "cpu io memory pids"),
            ("cgroup.subtree_control", ""),
            ("cgroup.procs", ""),
            ("cgroup.freeze", "0"),
            ("cgroup.events", "populated 0\nfrozen 0"),
            ("cpu.stat", ""),
            ("cpu.weight", "100"),
            ("cpu.max", "20000 250000"),
            ("io.weight", "default 100"),
            ("io.max", ""),
            ("memory.max", "max"),
            ("pids.max", "max"),
        ] {
            fs::write(existing.join(file), value).unwrap();
        }
        let mountinfo = "26 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
        let cg = Cgroups::from_sources(mountinfo, None, dir.path()).unwrap();
        (dir, cg)
    }

    fn build(text: &str) -> Result<DesiredState, String> {
        build_in(text, &Roots::default())
    }

    fn build_in(text: &str, roots: &Roots) -> Result<DesiredState, String> {
        build_on(host, text, roots)
    }

    fn build_on(
        fake: fn() -> (tempfile::TempDir, Cgroups),
        text: &str,
        roots: &Roots,
    ) -> Result<DesiredState, String> {
        let (dir, cg) = fake();
        let src = SourceFile::new("t.conf", text);
        let config = cgconfig::parse(&src).map_err(|d| render_all(&d, &src))?;
        desired_state_in(
            &config,
            &cg,
            &HostFacts::example(),
            &Permissions::default(),
            &mut Accounts,
            roots,
        )
        .map_err(|r| {
            render_all(&r.diagnostics, &src).replace(dir.path().to_str().unwrap(), "$ROOT")
        })
    }

    #[test]
    fn co_mounted_controllers_share_one_directory_and_defaults_fill_perms() {
        let state = build(
            "default { perm { task { uid = nobody; } admin { dperm = 750; } } }\n\
             group a/b { perm { admin { uid = root; } } cpu { cpu.shares = 512; } cpuacct { } memory { memory.limit_in_bytes = 64M; } }\n\
             group a { cpu { cpu.shares = 100; } }\n",
        )
        .unwrap();
        let dirs: Vec<String> = state
            .cgroups
            .iter()
            .map(|c| format!("{}:{}", c.hierarchy, c.path))
            .collect();
        // Parents first; cpu and cpuacct are one directory.
        assert_eq!(dirs, ["0:/a", "0:/a/b", "1:/a/b"]);
        let ab = &state.cgroups[1];
        assert_eq!(ab.permissions.admin.uid, Some(0));
        assert_eq!(ab.permissions.task.uid, Some(65534), "filled from default");
        assert_eq!(ab.permissions.dir_mode, Some(0o750));
        assert_eq!(ab.settings[0].name, "cpu.shares");
        assert_eq!(state.defaults_after.task.uid, Some(65534));
    }

    #[test]
    fn fingerprints_say_what_a_group_asks_not_where() {
        let fp = |text: &str| -> Vec<u64> {
            build(text)
                .unwrap()
                .cgroups
                .iter()
                .map(DesiredCgroup::fingerprint)
                .collect()
        };
        let base = fp("group a { cpu { cpu.shares = 5; } }\n");
        assert_eq!(
            base,
            fp("\n\n# moved\ngroup   a {\n\tcpu { cpu.shares = \"5\"; }\n}\n")
        );
        assert_ne!(base, fp("group a { cpu { cpu.shares = 6; } }\n"));
        assert_ne!(base, fp("group b { cpu { cpu.shares = 5; } }\n"));
        assert_ne!(
            base,
            fp("group a { perm { task { uid = root; } } cpu { cpu.shares = 5; } }\n")
        );
        assert_ne!(
            base,
            fp("default { perm { admin { dperm = 700; } } }\ngroup a { cpu { cpu.shares = 5; } }\n")
        );
    }

    #[test]
    fn a_directory_named_by_two_sections_says_so() {
        // cpu and cpuacct share a directory: one section, not two.
        let one = build("group a { cpu { cpu.shares = 5; } cpuacct { } }\n").unwrap();
        assert!(one.cgroups[0].also_named_at.is_empty());
        let text = "group a { cpu { cpu.shares = 5; } }\ngroup a { cpu { cpu.shares = 6; } }\n";
        let two = build(text).unwrap();
        assert_eq!(two.cgroups.len(), 1);
        assert_eq!(two.cgroups[0].settings[0].value, "6");
        let at: Vec<usize> = two.cgroups[0]
            .also_named_at
            .iter()
            .map(|s| s.start)
            .collect();
        assert_eq!(at, [text.rfind("a {").unwrap()]);
    }

    #[test]
    fn host_problems_are_located_errors() {
        let err = build(
            "group a {\n\tcpu { cpu.sharez = 5; }\n\tblkio { blkio.weight = 100; }\n\tcpuset { cpuset.cpus = \"0-5\"; }\n\tmemory { memory.limit_in_bytes = lots; }\n\tperm { task { uid = ghost; } }\n}\n",
        )
        .unwrap_err();
        insta::assert_snapshot!(err);
    }

    #[test]
    fn namespaces_prefix_each_controllers_groups() {
        let state =
            build("namespace { memory = daemons; }\ngroup www { cpu { } memory { } }\n").unwrap();
        let dirs: Vec<String> = state.cgroups.iter().map(|c| c.path.to_string()).collect();
        assert_eq!(dirs, ["/www", "/daemons/www"]);
    }

    #[test]
    fn templates_are_kept_not_created_and_systemd_is_refused() {
        let state = build("template users/%u { cpu { cpu.shares = 10; } }\n").unwrap();
        assert!(state.cgroups.is_empty());
        assert_eq!(state.templates.len(), 1);
        let err = build("systemd { slice = a.slice; scope = b.scope; }\n").unwrap_err();
        assert!(
            err.contains("the `systemd` section is not supported"),
            "{err}"
        );
    }

    /// A fake pure v2 host: the root offers `root_offers`; each group is (path, its
    /// `cgroup.controllers`, its other files).
    fn v2_host_offering(
        root_offers: &str,
        groups: &[(&str, &str, &[&str])],
    ) -> (tempfile::TempDir, Cgroups) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sys/fs/cgroup");
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join("cgroup.controllers"), root_offers).unwrap();
        fs::write(root.join("cgroup.subtree_control"), "").unwrap();
        for (path, controllers, files) in groups {
            let group = root.join(path);
            fs::create_dir_all(&group).unwrap();
            fs::write(group.join("cgroup.controllers"), controllers).unwrap();
            for f in ["cgroup.procs", "cgroup.max.depth", "cgroup.subtree_control"]
                .iter()
                .chain(files.iter())
            {
                fs::write(group.join(f), "").unwrap();
            }
        }
        let cg = Cgroups::from_sources(
            "30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
            None,
            dir.path(),
        )
        .unwrap();
        (dir, cg)
    }

    fn build_with(cg: &Cgroups, text: &str, roots: &Roots) -> Result<DesiredState, String> {
        let src = SourceFile::new("t.conf", text);
        let config = cgconfig::parse(&src).map_err(|d| render_all(&d, &src))?;
        desired_state_in(
            &config,
            cg,
            &HostFacts::example(),
            &Permissions::default(),
            &mut Accounts,
            roots,
        )
        .map_err(|r| render_all(&r.diagnostics, &src))
    }

    /// What the kernel gives every v2 group, whatever its controllers: PSI and cpu.stat.
    const PSI: &[&str] = &["cpu.pressure", "cpu.stat", "io.pressure", "memory.pressure"];

    #[test]
    fn a_controller_not_offered_is_refused_at_its_block_before_its_settings() {
        let (_dir, cg) = v2_host_offering(
            "cpuset memory pids",
            &[("unit", "pids", &["pids.max", "memory.pressure"])],
        );
        let mut roots = Roots::at(GroupPath::new("unit").unwrap());
        roots.offer(
            0,
            Offer {
                controllers: vec!["pids".into()],
                reason: "is not delegated here".into(),
                hint: "delegate it".into(),
            },
        );
        let text = "group a {\n\tmemory { memory.max = 100M; memory.maks = 1; }\n\tpids { pids.max = 5; }\n\tcgroup { cgroup.max.depth = 3; }\n}\n";
        let err = build_with(&cg, text, &roots).unwrap_err();
        // The cause, once, at the block; not its settings' files.
        assert_eq!(
            err,
            "t.conf:2:2: error: controller `memory` is not delegated here\n    \
             2 |     memory { memory.max = 100M; memory.maks = 1; }\n      \
             |     ^^^^^^\n      = hint: delegate it\n"
        );
        // Offered, the same group is fine (the unit lacks memory itself: its files
        // say nothing about memory's, and the kernel decides at write time).
        roots.offer(
            0,
            Offer {
                controllers: vec!["memory".into(), "pids".into()],
                reason: String::new(),
                hint: String::new(),
            },
        );
        let state = build_with(&cg, text, &roots).unwrap();
        assert_eq!(state.cgroups[0].controllers, ["memory", "pids"]);
        assert_eq!(state.cgroups[0].path.to_string(), "/unit/a");
    }

    #[test]
    fn v2_settings_of_a_controller_the_group_lacks_are_not_called_missing() {
        // The root enables nothing: `svc` has no controller, only the files every group
        // has (memory.pressure among them).
        let (dir, cg) = v2_host_offering("cpu io memory pids", &[("svc", "", PSI)]);
        let roots = Roots::default();
        for text in [
            // Below `svc`: its parent enables memory for it when the group is created.
            "group svc/web { memory { memory.max = 100M; } }\n",
            // Directly below the root, whose only child stands in for it.
            "group web { memory { memory.max = 100M; } cpu { cpu.weight = 50; } }\n",
        ] {
            let state = build_with(&cg, text, &roots).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(state.cgroups[0].controllers.contains(&"memory".to_string()));
        }
        // Core settings are checked as before.
        let err = build_with(
            &cg,
            "group svc/web { cgroup { cgroup.max.dept = 1; } }\n",
            &roots,
        )
        .unwrap_err();
        assert!(err.contains("did you mean `cgroup.max.depth`?"), "{err}");
        // Named as what they are, not by the hierarchy's list of every controller.
        assert!(
            err.contains("error: `cgroup.max.dept` is not a core cgroup setting (no such file in"),
            "{err}"
        );
        // A group with the controller still tells a file it lacks.
        let svc = dir.path().join("sys/fs/cgroup/svc");
        fs::write(svc.join("cgroup.controllers"), "memory").unwrap();
        fs::write(svc.join("memory.max"), "").unwrap();
        let err = build_with(
            &cg,
            "group svc/web { memory { memory.maks = 1; } }\n",
            &roots,
        )
        .unwrap_err();
        assert!(
            err.contains("error: `memory.maks` is not a setting of memory groups"),
            "{err}"
        );
        assert!(err.contains("did you mean `memory.max`?"), "{err}");
    }

    #[test]
    fn a_typo_is_found_in_another_group_with_the_controller() {
        // `svc` lacks memory; `other` has it, and shows its files.
        let (_dir, cg) = v2_host_offering(
            "cpu io memory pids",
            &[
                ("svc", "", PSI),
                (
                    "other",
                    "memory",
                    &["memory.max", "memory.high", "memory.pressure"],
                ),
            ],
        );
        let roots = Roots::default();
        let text = "group svc/web { memory { memory.max = 100M; memory.hihg = 50M; } }\n";
        let err = build_with(&cg, text, &roots).unwrap_err();
        assert!(
            err.starts_with(
                "t.conf:1:45: error: `memory.hihg` is not a setting of memory groups (no such file in "
            ) && err.contains("/sys/fs/cgroup/other)"),
            "{err}"
        );
        assert!(err.contains("did you mean `memory.high`?"), "{err}");
        assert_eq!(err.matches("error:").count(), 1, "{err}");
    }

    #[test]
    fn roots_put_groups_below_a_base_and_refuse_hierarchies() {
        let text =
            "namespace { memory = daemons; }\ngroup www { cpu { cpu.shares = 10; } memory { } }\n";
        let mut roots = Roots::at(GroupPath::new("base").unwrap());
        roots.set(1, GroupPath::new("unit/x").unwrap());
        let state = build_in(text, &roots).unwrap();
        let dirs: Vec<String> = state.cgroups.iter().map(|c| c.path.to_string()).collect();
        // The base first, then the namespace, then the name.
        assert_eq!(dirs, ["/base/www", "/unit/x/daemons/www"]);
        // `group .` is the base itself.
        let state = build_in("group . { cpu { } }\n", &roots).unwrap();
        assert_eq!(state.cgroups[0].path.to_string(), "/base");

        roots.refuse(1, "it is not delegated to cgconfigd");
        let err = build_in(text, &roots).unwrap_err();
        assert!(
            err.starts_with("t.conf:2:38: error: groups of `memory` cannot be created: it is not delegated to cgconfigd"),
            "{err}"
        );
    }

    /// `hierarchy:path [controllers] name=value(<- as written) ...` per group.
    fn summary(state: &DesiredState) -> Vec<String> {
        state
            .cgroups
            .iter()
            .map(|c| {
                let mut line = format!("{}:{} [{}]", c.hierarchy, c.path, c.controllers.join(" "));
                for s in &c.settings {
                    line.push_str(&format!(" {}={}", s.name, s.value));
                    if let Some(from) = &s.written_as {
                        line.push_str(&format!(" (<- {from})"));
                    }
                }
                line
            })
            .collect()
    }

    #[test]
    fn v1_controller_blocks_are_groups_of_the_v2_hierarchy_on_a_v2_host() {
        let text = "group a { freezer { freezer.state = FROZEN; } }\n\
                    group b { cpuacct { } perf_event { } devices { } net_cls { } net_prio { } }\n\
                    group c { cpu { cpu.shares = 512; } cpuacct { } blkio { blkio.weight = 500; } freezer { freezer.state = THAWED; } }\n";
        let state = build_on(v2_host, text, &Roots::default()).unwrap();
        assert_eq!(
            summary(&state),
            [
                // The freezer is part of every v2 group: nothing to enable.
                "0:/a [] cgroup.freeze=1 (<- freezer.state = FROZEN)",
                // Groups with no controller to enable, like libcgroup's `cgroup` blocks.
                "0:/b []",
                // blkio is v2's io controller; cpuacct adds nothing to enable.
                "0:/c [cpu io] cpu.weight=50 (<- cpu.shares = 512) io.weight=100 (<- blkio.weight = 500) cgroup.freeze=0 (<- freezer.state = THAWED)",
            ]
        );
        // A namespace of a v1 controller is a namespace in the v2 tree.
        let state = build_on(
            v2_host,
            "namespace { freezer = frozen; }\ngroup a { freezer { } }\n",
            &Roots::default(),
        )
        .unwrap();
        assert_eq!(summary(&state), ["0:/frozen/a []"]);
    }

    #[test]
    fn v1_controllers_mounted_nowhere_are_in_the_v2_mount_of_a_hybrid_host() {
        let text =
            "group a { cpu { cpu.shares = 5; } freezer { freezer.state = FROZEN; } net_cls { } }\n";
        let state = build_on(hybrid_host, text, &Roots::default()).unwrap();
        // cpu stays in its v1 hierarchy (0); freezer and net_cls, mounted nowhere, go to
        // the v2 mount (3), as controller-less groups do.
        assert_eq!(
            summary(&state),
            [
                "0:/a [] cpu.shares=5",
                "3:/a [] cgroup.freeze=1 (<- freezer.state = FROZEN)"
            ]
        );
        // A file that mounts a v1 hierarchy for one means that hierarchy (cgconfigparser
        // mounts it before checking the groups; until then they cannot be checked).
        let err = build_on(
            hybrid_host,
            "mount { net_cls = /mnt/net_cls; }\ngroup a { net_cls { } }\n",
            &Roots::default(),
        )
        .unwrap_err();
        assert!(
            err.starts_with("t.conf:2:11: error: controller `net_cls` is not mounted on this host"),
            "{err}"
        );
        // Without a v2 mount there is nowhere to put them.
        let err = build(text).unwrap_err();
        assert!(
            err.starts_with("t.conf:1:35: error: controller `freezer` is not mounted on this host"),
            "{err}"
        );
        assert!(err.contains("controller `net_cls` is not mounted"), "{err}");
    }

    #[test]
    fn v1_only_settings_on_a_v2_host_say_what_to_use_instead() {
        let err = build_on(
            v2_host,
            "group a {\n\tcpuacct { cpuacct.usage = 0; }\n\tdevices { devices.deny = \"a *:* rwm\"; }\n\tnet_cls { net_cls.classid = 0x100001; }\n\tnet_prio { net_prio.ifpriomap = \"eth0 5\"; }\n\tperf_event { perf_event.x = 1; }\n\tfreezer { freezer.self_freezing = 1; }\n}\n",
            &Roots::default(),
        )
        .unwrap_err();
        insta::assert_snapshot!(err);
    }

    #[test]
    fn a_new_groups_quota_and_period_are_translated_without_reading_them() {
        let text = "group x/y { cpu { cpu.shares = \"256\"; cpu.cfs_quota_us = \"-1\"; } }\n\
                    group x/z { cpu { cpu.cfs_quota_us = 50000; } }\n\
                    group x/p { cpu { cpu.cfs_period_us = 10000; } }\n\
                    group existing { cpu { cpu.cfs_quota_us = 30000; } }\n";
        let state = build_on(v2_host, text, &Roots::default()).unwrap();
        assert_eq!(
            summary(&state),
            [
                // An existing group keeps its period (250000 here), as in libcgroup.
                "0:/existing [cpu] cpu.max=30000 250000 (<- cpu.cfs_quota_us = 30000)",
                // A new group: the quota alone, which the kernel writes keeping the period.
                "0:/x/y [cpu] cpu.weight=25 (<- cpu.shares = 256) cpu.max=max (<- cpu.cfs_quota_us = -1)",
                "0:/x/z [cpu] cpu.max=50000 (<- cpu.cfs_quota_us = 50000)",
                // A period alone needs a quota: a new group has none (`max`).
                "0:/x/p [cpu] cpu.max=max 10000 (<- cpu.cfs_period_us = 10000)",
            ]
        );
        // The same file on a v1 host is written as it stands.
        let state = build_on(host, text, &Roots::default());
        let state = state.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            summary(&state)[..2],
            [
                "0:/existing [] cpu.cfs_quota_us=30000",
                "0:/x/y [] cpu.shares=256 cpu.cfs_quota_us=-1",
            ]
        );
    }

    #[test]
    fn a_v1_config_on_a_v2_host_plans_its_new_group_then_nothing_once_applied() {
        let (dir, cg) = v2_host();
        let text = "group x/y {\n\tcpu { cpu.shares = \"256\"; cpu.cfs_quota_us = \"-1\"; }\n\tfreezer { freezer.state = FROZEN; }\n}\n";
        let src = SourceFile::new("t.conf", text);
        let config = cgconfig::parse(&src).unwrap();
        let desired = |cg: &Cgroups| {
            desired_state(
                &config,
                cg,
                &HostFacts::example(),
                &Permissions::default(),
                &mut Accounts,
            )
            .map_err(|r| render_all(&r.diagnostics, &src))
            .unwrap()
        };
        let label = cg.hierarchies()[0].label();
        let plan = crate::engine::plan::plan(&cg, &desired(&cg), &HostFacts::example()).unwrap();
        assert_eq!(
            plan.describe(),
            format!(
                "create {label}:/x/y (controllers cpu)\n\
                 write {label}:/x/y cpu.weight = 25\n\
                 write {label}:/x/y cpu.max = max\n\
                 write {label}:/x/y cgroup.freeze = 1\n"
            )
        );
        // What the kernel shows once that is applied: the period is the default one.
        let root = dir.path().join("sys/fs/cgroup");
        fs::create_dir_all(root.join("x/y")).unwrap();
        fs::write(root.join("x/cgroup.subtree_control"), "cpu").unwrap();
        for (file, value) in [
            ("cgroup.controllers", "cpu"),
            ("cgroup.procs", ""),
            ("cgroup.freeze", "1"),
            ("cpu.weight", "25"),
            ("cpu.max", "max 100000"),
        ] {
            fs::write(root.join("x").join(file), value).unwrap();
            fs::write(root.join("x/y").join(file), value).unwrap();
        }
        let again = crate::engine::plan::plan(&cg, &desired(&cg), &HostFacts::example()).unwrap();
        assert!(again.is_empty(), "{}", again.describe());
    }
}
