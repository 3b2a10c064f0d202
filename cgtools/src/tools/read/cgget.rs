//! `cgget` and `cgxget`: print settings of groups.
//!
//! A request is built from the command line in libcgroup's order ([`RequestBuilder`]):
//! `-r name` and `-g controllers` fill a template that every path given after the options
//! gets a copy of, `-g controllers:path` names a group of its own, `-a` (or a bare path)
//! means every mounted controller. [`read`] then reads everything, translating names
//! between cgroup v1 and v2 where needed, and [`format_text`] / [`json_document`] print it.
//!
//! Output, as libcgroup's: per group a `path:` header echoing the user's spelling, one
//! `name: value` line per setting, continuation lines of multi-line values indented by a
//! TAB, an empty line after the group (`-n` drops header and empty line, `-v` the names).
//! Differences, on purpose: whole-controller listings are sorted by name (libcgroup uses
//! directory order); a group missing from a hierarchy it was explicitly asked for is an
//! error (libcgroup prints an empty group and exits 0); a group missing from every
//! hierarchy is an error too.

use nix::errno::Errno;
use serde::Serialize;

use crate::backend::cgroups::Cgroups;
use crate::backend::error::{Error, ErrorKind, Op};
use crate::backend::group::Group;
use crate::backend::group_path::GroupPath;
use crate::backend::hierarchy::{Mode, Version};
use crate::backend::setting::controller_of;
use crate::backend::translate;
use crate::tools::cmdline::{Controllers, GroupSpec};
use crate::tools::read::{json, ToolError};

/// What to read of one controller of a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControllerRequest {
    /// The controller (`cpu`, `name=` hierarchies never have settings).
    pub controller: String,
    /// The settings to read, in the order given; empty for every setting of the controller.
    pub settings: Vec<String>,
    /// Added by `-a`, `*` or a bare path rather than named: a hierarchy where the group does
    /// not exist is skipped instead of being an error.
    pub implicit: bool,
}

/// One group to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRequest {
    /// The path as the user spelled it (the header echoes it); empty while it is still the
    /// template that paths after the options fill in.
    pub path: String,
    /// What to read, grouped by controller in the order controllers were first named.
    pub controllers: Vec<ControllerRequest>,
}

impl GroupRequest {
    fn unnamed() -> GroupRequest {
        GroupRequest {
            path: String::new(),
            controllers: Vec::new(),
        }
    }

    fn add_controller(&mut self, controller: &str, implicit: bool) -> &mut ControllerRequest {
        let index = match self
            .controllers
            .iter()
            .position(|c| c.controller == controller)
        {
            Some(i) => {
                self.controllers[i].implicit &= implicit;
                i
            }
            None => {
                self.controllers.push(ControllerRequest {
                    controller: controller.to_string(),
                    settings: Vec::new(),
                    implicit,
                });
                self.controllers.len() - 1
            }
        };
        &mut self.controllers[index]
    }
}

/// Why a command line does not make a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestError {
    /// The options do not fit together: a usage error (exit 129).
    Usage(String),
    /// A setting name that cannot be read (exit 91, as libcgroup's "error parsing
    /// parameter name").
    Invalid(ToolError),
}

/// Builds the groups to read from cgget's options, applied in command-line order.
#[derive(Clone, Debug)]
pub struct RequestBuilder {
    groups: Vec<GroupRequest>,
    all_controllers: Vec<String>,
    needs_path: bool,
    by_setting: bool,
    by_controller: bool,
}

impl RequestBuilder {
    /// A builder for a host whose mounted controllers, in the order `-a` lists them, are
    /// `all_controllers` (see [`crate::Layout::controllers_in_mount_order`]).
    pub fn new(all_controllers: Vec<String>) -> RequestBuilder {
        RequestBuilder {
            groups: Vec::new(),
            all_controllers,
            needs_path: false,
            by_setting: false,
            by_controller: false,
        }
    }

    fn template(&mut self) -> &mut GroupRequest {
        if self.groups.is_empty() {
            self.groups.push(GroupRequest::unnamed());
        }
        &mut self.groups[0]
    }

    fn add_all(group: &mut GroupRequest, all: &[String]) {
        for c in all {
            group.add_controller(c, true);
        }
    }

    /// `-r name`: read this setting of every group given after the options.
    pub fn setting(&mut self, name: &str) -> Result<(), RequestError> {
        let controller = controller_of(name).map_err(|e| {
            RequestError::Invalid(ToolError::new(
                format!("error parsing parameter name '{name}'"),
                e,
            ))
        })?;
        self.by_setting = true;
        self.needs_path = true;
        let request = self.template().add_controller(controller, false);
        if !request.settings.iter().any(|s| s == name) {
            request.settings.push(name.to_string());
        }
        Ok(())
    }

    /// `-g controllers`: list these controllers of every group given after the options.
    pub fn controllers(&mut self, controllers: &Controllers) -> Result<(), RequestError> {
        if self.groups.len() > 1 {
            return Err(RequestError::Usage(
                "Wrong input parameters: -g <controllers> applies to the paths after the \
                 options and cannot follow several -g <controllers>:<path>"
                    .into(),
            ));
        }
        self.by_controller = true;
        self.needs_path = true;
        let all = self.all_controllers.clone();
        let template = self.template();
        match controllers {
            Controllers::All => Self::add_all(template, &all),
            Controllers::Named(names) => {
                for name in names {
                    template.add_controller(name, false);
                }
            }
        }
        Ok(())
    }

    /// `-g controllers:path`: the group `path`, with these controllers (`*` for all, none
    /// for the `cgroup.*` core files of a controller-less v2 group).
    pub fn group(&mut self, spec: &GroupSpec) {
        self.by_controller = true;
        let mut group = GroupRequest {
            path: spec.path.clone(),
            controllers: Vec::new(),
        };
        match &spec.controllers {
            Controllers::All => Self::add_all(&mut group, &self.all_controllers),
            Controllers::Named(names) if names.is_empty() => {
                group.add_controller("cgroup", false);
            }
            Controllers::Named(names) => {
                for name in names {
                    group.add_controller(name, false);
                }
            }
        }
        self.groups.push(group);
    }

    /// `-a`: every mounted controller (of the first group, as libcgroup does).
    pub fn all(&mut self) {
        self.by_controller = true;
        let all = self.all_controllers.clone();
        Self::add_all(self.template(), &all);
    }

    /// Applies the paths given after the options and returns the groups to read, in
    /// order; none when the command line named no group at all.
    pub fn finish(mut self, paths: &[String]) -> Result<Vec<GroupRequest>, RequestError> {
        if self.by_setting && self.by_controller {
            return Err(RequestError::Usage(
                "Wrong input parameters: -r cannot be combined with -g or -a".into(),
            ));
        }
        if paths.is_empty() && self.needs_path {
            return Err(RequestError::Usage(
                "Wrong input parameters: no group given; name the groups to read after the \
                 options"
                    .into(),
            ));
        }
        if !paths.is_empty() && self.groups.first().is_some_and(|g| !g.path.is_empty()) {
            return Err(RequestError::Usage(
                "Wrong input parameters: a group given as -g <controllers>:<path> cannot be \
                 combined with paths after the options"
                    .into(),
            ));
        }
        for path in paths {
            match self.groups.last_mut() {
                None => {
                    let mut group = GroupRequest::unnamed();
                    Self::add_all(&mut group, &self.all_controllers);
                    group.path = path.clone();
                    self.groups.push(group);
                }
                Some(last) if last.path.is_empty() => last.path = path.clone(),
                Some(last) => {
                    let mut group = last.clone();
                    group.path = path.clone();
                    self.groups.push(group);
                }
            }
        }
        if self.groups.iter().any(|g| g.path.is_empty()) {
            return Err(RequestError::Usage(
                "Wrong input parameters: no group given; name the groups to read after the \
                 options"
                    .into(),
            ));
        }
        Ok(self.groups)
    }
}

/// How names are understood.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The cgroup version the names (and printed values) are in: `cgxget -1`/`-2`. `None`
    /// reads host names as they are and translates a `-r` name only when it belongs to the
    /// other version's vocabulary.
    pub vocabulary: Option<Version>,
    /// `cgxget -i`: leave out settings with no counterpart instead of failing.
    pub ignore_unmappable: bool,
}

/// The settings read from one group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupValues {
    /// The group as the user spelled it.
    pub path: String,
    /// Its settings in output order.
    pub settings: Vec<Value>,
}

/// One setting and its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Value {
    /// The setting's name, in the vocabulary asked for.
    pub name: String,
    /// The value without its trailing newline (inner newlines kept); `None` for a file the
    /// kernel does not let anyone read (write-only, such as `memory.force_empty`).
    pub value: Option<String>,
}

/// Everything [`read`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The groups, in request order.
    pub groups: Vec<GroupValues>,
    /// One line per name given in the other version's vocabulary and translated (cgget
    /// prints them on stderr).
    pub notes: Vec<String>,
}

/// Reads every requested group. Stops at the first failure, so nothing is printed for a
/// command that fails, as with libcgroup.
pub fn read(
    cg: &Cgroups,
    requests: &[GroupRequest],
    options: ReadOptions,
) -> Result<Outcome, ToolError> {
    let mut outcome = Outcome::default();
    for request in requests {
        let values = read_group(cg, request, options, &mut outcome.notes)?;
        outcome.groups.push(GroupValues {
            path: request.path.clone(),
            settings: values,
        });
    }
    Ok(outcome)
}

fn read_group(
    cg: &Cgroups,
    request: &GroupRequest,
    options: ReadOptions,
    notes: &mut Vec<String>,
) -> Result<Vec<Value>, ToolError> {
    let given = request.path.as_str();
    let path = GroupPath::new(given)
        .map_err(|e| ToolError::new(format!("cannot find group '{given}'"), e.in_op(Op::Read)))?;
    let mut values = Vec::new();
    let mut found = false;
    for controller in &request.controllers {
        if controller.settings.is_empty() {
            if let Some(listed) = list_controller(cg, &path, given, controller, options)? {
                values.extend(listed);
                found = true;
            }
        } else {
            for name in &controller.settings {
                values.extend(read_setting(cg, &path, given, name, options, notes)?);
            }
            found = true;
        }
    }
    if !found && !request.controllers.is_empty() {
        let error = Error::new(
            ErrorKind::GroupMissing {
                group: path.to_string(),
            },
            Op::Read,
        )
        .with_hint("it exists in none of the mounted hierarchies; lscgroup lists the groups");
        return Err(ToolError::new(
            format!("cannot find group '{given}'"),
            error,
        ));
    }
    Ok(values)
}

fn missing_controller(controller: &str, given: &str) -> String {
    format!("cannot find controller '{controller}' in group '{given}'")
}

/// Every setting of one controller; `None` when the group is missing from that
/// controller's hierarchy and the controller was not named explicitly.
fn list_controller(
    cg: &Cgroups,
    path: &GroupPath,
    given: &str,
    request: &ControllerRequest,
    options: ReadOptions,
) -> Result<Option<Vec<Value>>, ToolError> {
    let controller = request.controller.as_str();
    let fail = |e: Error| ToolError::new(missing_controller(controller, given), e.in_op(Op::Read));
    let group = cg.group(&[controller], path).map_err(fail)?;
    let host = cg.version_of(controller).map_err(fail)?;
    let listed = match group.settings(controller) {
        Ok(listed) => listed,
        Err(e) if matches!(e.kind(), ErrorKind::GroupMissing { .. }) && request.implicit => {
            return Ok(None)
        }
        Err(e) if matches!(e.kind(), ErrorKind::GroupMissing { .. }) => return Err(fail(e)),
        Err(e) => {
            return Err(ToolError::new(
                format!("cannot read group '{given}'"),
                e.in_op(Op::Read),
            ))
        }
    };
    let wanted = match options.vocabulary {
        Some(v) if v != host && controller != "cgroup" => v,
        _ => {
            return Ok(Some(
                listed
                    .into_iter()
                    .map(|(name, value)| Value { name, value })
                    .collect(),
            ))
        }
    };
    // The host's files, renamed into the vocabulary asked for; files that merge into one
    // name in that vocabulary (cfs_quota_us + cfs_period_us -> cpu.max) are read once.
    let mut names: Vec<String> = Vec::new();
    for (name, _) in &listed {
        match translate::counterparts(name, host) {
            Ok(targets) => {
                for target in targets {
                    if !names.contains(&target) {
                        names.push(target);
                    }
                }
            }
            Err(e) if options.ignore_unmappable && translatable_failure(&e) => {}
            Err(e) => return Err(convert_failure(name, e)),
        }
    }
    names.sort();
    let mut values = Vec::new();
    for name in names {
        match read_value(&group, Some(wanted), &name) {
            Ok(value) => values.push(Value { name, value }),
            Err(e) if options.ignore_unmappable && translatable_failure(&e) => {}
            Err(e) => return Err(read_failure(&name, controller, given, e)),
        }
    }
    Ok(Some(values))
}

/// One `-r` setting; `None` when it has no counterpart and `-i` says to leave it out.
fn read_setting(
    cg: &Cgroups,
    path: &GroupPath,
    given: &str,
    name: &str,
    options: ReadOptions,
    notes: &mut Vec<String>,
) -> Result<Option<Value>, ToolError> {
    let controller = controller_of(name)
        .map_err(|e| ToolError::new(format!("error parsing parameter name '{name}'"), e))?;
    let from = match translate::needs_translation(cg.layout(), options.vocabulary, name) {
        Ok(from) => from,
        Err(e) if options.ignore_unmappable && translatable_failure(&e) => return Ok(None),
        // Without a vocabulary to convert into, a v1-only controller on a host that lacks
        // it is simply not mounted (the translation layer says why it has no v2 form).
        Err(e) if options.vocabulary.is_none() => {
            let mut missing = Error::new(
                ErrorKind::ControllerNotMounted {
                    controller: controller.to_string(),
                },
                Op::Read,
            );
            if let Some(hint) = e.hint() {
                missing = missing.with_hint(hint.to_string());
            }
            return Err(ToolError::new(
                missing_controller(controller, given),
                missing,
            ));
        }
        Err(e) => return Err(convert_failure(name, e)),
    };
    // The group is opened in the hierarchy of the controller the host actually reads
    // (`cpu.weight` on v1 is `cpu.shares`; `io.max` on v1 is `blkio.*`).
    let mut host_controller = controller.to_string();
    if let Some(from) = from {
        let counterparts = translate::counterparts(name, from).unwrap_or_default();
        if let Some(first) = counterparts.first() {
            if let Ok(c) = controller_of(first) {
                host_controller = c.to_string();
            }
        }
        if options.vocabulary.is_none() {
            let served = match cg.version_of(controller) {
                Ok(host) => format!("{controller} runs as cgroup {host} here"),
                Err(_) => format!("no hierarchy serves {controller} as cgroup {from} here"),
            };
            let note = format!(
                "`{name}` is cgroup {from} vocabulary but {served}: read its cgroup {} \
                 counterpart and converted the value",
                from.other()
            );
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
    }
    let group = cg
        .group(&[host_controller.as_str()], path)
        .map_err(|e| ToolError::new(missing_controller(controller, given), e.in_op(Op::Read)))?;
    match read_value(&group, options.vocabulary, name) {
        Ok(value) => Ok(Some(Value {
            name: name.to_string(),
            value,
        })),
        Err(e) if options.ignore_unmappable && translatable_failure(&e) => Ok(None),
        Err(e) => Err(read_failure(name, controller, given, e)),
    }
}

/// Reads `name` through the translation layer; `None` for a file the kernel refuses to
/// show (its read handler is missing: EINVAL, or the file is not supported).
fn read_value(
    group: &Group<'_>,
    vocabulary: Option<Version>,
    name: &str,
) -> Result<Option<String>, Error> {
    match group.get_translated(vocabulary, name) {
        Ok(value) => Ok(Some(value)),
        Err(e)
            if matches!(e.kind(), ErrorKind::Os)
                && matches!(
                    e.errno(),
                    Some(Errno::EINVAL | Errno::EOPNOTSUPP | Errno::ENODEV)
                ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Failures `-i` leaves out: no counterpart, or a name the translation table lacks.
fn translatable_failure(e: &Error) -> bool {
    match e.kind() {
        ErrorKind::Unmappable { .. } => true,
        ErrorKind::InvalidSetting { .. } => e.op() == Op::Translate,
        _ => false,
    }
}

fn convert_failure(name: &str, e: Error) -> ToolError {
    let e = match (e.kind(), e.hint()) {
        (ErrorKind::Unmappable { .. }, None) => {
            e.with_hint("cgxget -i leaves out settings that have no counterpart")
        }
        _ => e,
    };
    ToolError::new(format!("cannot convert setting '{name}'"), e)
}

/// libcgroup's words for a setting that cannot be read: `cannot find controller` only when
/// no hierarchy serves the controller; a missing group or file of a mounted one is
/// `variable file read failed <reason>` (its cgget asks whether the controller is mounted
/// to choose).
fn read_failure(name: &str, controller: &str, given: &str, e: Error) -> ToolError {
    match e.kind() {
        ErrorKind::ControllerNotMounted { .. } => {
            ToolError::new(missing_controller(controller, given), e.in_op(Op::Read))
        }
        ErrorKind::Unmappable { .. } => convert_failure(name, e),
        ErrorKind::InvalidSetting { .. } if e.op() == Op::Translate => convert_failure(name, e),
        _ => {
            let reason = e.errno().map_or("error", |errno| errno.desc());
            ToolError::new(
                format!("variable file read failed {reason}"),
                e.in_op(Op::Read),
            )
        }
    }
}

/// The groups as libcgroup's cgget prints them: `headers` is false with `-n`, `names`
/// false with `-v`.
pub fn format_text(groups: &[GroupValues], headers: bool, names: bool) -> String {
    let mut out = String::new();
    for group in groups {
        if headers {
            out.push_str(&group.path);
            out.push_str(":\n");
        }
        for setting in &group.settings {
            if names {
                out.push_str(&setting.name);
                out.push_str(": ");
            }
            let value = setting.value.as_deref().unwrap_or("");
            out.push_str(&value.split('\n').collect::<Vec<_>>().join("\n\t"));
            out.push('\n');
        }
        if headers {
            out.push('\n');
        }
    }
    out
}

/// `cgget -m`: the host's mode as libcgroup 3.x words it.
pub fn mode_text(mode: Mode) -> String {
    format!("{}\n", mode.description())
}

/// One row of `cgget -c`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ControllerVersion {
    /// The controller.
    pub name: String,
    /// 1 or 2.
    pub version: u8,
}

/// Every mounted controller and the cgroup version it runs as, in mount-table order.
pub fn controller_versions(cg: &Cgroups) -> Vec<ControllerVersion> {
    cg.layout()
        .controllers_in_mount_order()
        .into_iter()
        .filter_map(|name| {
            let version = cg.version_of(name).ok()?;
            Some(ControllerVersion {
                name: name.to_string(),
                version: version.number(),
            })
        })
        .collect()
}

/// `cgget -c`: a `#Controller<TAB>Version` header, then one `name<TAB>1|2` line each.
pub fn controller_versions_text(rows: &[ControllerVersion]) -> String {
    let mut out = String::from("#Controller\tVersion\n");
    for row in rows {
        out.push_str(&format!("{}\t{}\n", row.name, row.version));
    }
    out
}

/// The host's mode in the JSON document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModeInfo {
    /// `legacy`, `hybrid` or `unified`.
    pub name: String,
    /// The sentence `-m` prints.
    pub description: String,
}

impl ModeInfo {
    /// The JSON form of `mode`.
    pub fn new(mode: Mode) -> ModeInfo {
        ModeInfo {
            name: mode.to_string(),
            description: mode.description().to_string(),
        }
    }
}

/// `--json`: the schema documented in cgget's `--help`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Document {
    /// With `-m`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<ModeInfo>,
    /// With `-c`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controllers: Option<Vec<ControllerVersion>>,
    /// Always present, possibly empty.
    pub groups: Vec<GroupValues>,
}

/// The document as text.
pub fn json_document(document: &Document) -> String {
    json(document)
}

/// Everything a cgget or cgxget run was asked to do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Invocation {
    /// The groups, from [`RequestBuilder`].
    pub requests: Vec<GroupRequest>,
    /// Print group headers and the empty line after each group (not `-n`).
    pub headers: bool,
    /// Print setting names (not `-v`).
    pub names: bool,
    /// `-m`.
    pub mode: bool,
    /// `-c`.
    pub versions: bool,
    /// `--json`.
    pub json: bool,
    /// How names are understood.
    pub options: ReadOptions,
    /// Print a note for each name translated from the other version (cgget; cgxget
    /// translates by design and says nothing).
    pub notes: bool,
}

/// What a run prints and its exit status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Printout {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit status.
    pub status: u8,
}

/// Runs cgget or cgxget (`tool` prefixes every stderr line) on the host `cg`.
pub fn run(tool: &str, cg: &Cgroups, invocation: &Invocation) -> Printout {
    let mut printout = Printout::default();
    let mode = invocation.mode.then(|| cg.mode());
    let versions = invocation.versions.then(|| controller_versions(cg));
    let outcome = read(cg, &invocation.requests, invocation.options);
    if !invocation.json {
        if let Some(mode) = mode {
            printout.stdout.push_str(&mode_text(mode));
        }
        if let Some(rows) = &versions {
            printout.stdout.push_str(&controller_versions_text(rows));
        }
    }
    match outcome {
        Ok(outcome) => {
            if invocation.notes {
                for note in &outcome.notes {
                    printout.stderr.push_str(&format!("{tool}: note: {note}\n"));
                }
            }
            if invocation.json {
                printout.stdout = json_document(&Document {
                    mode: mode.map(ModeInfo::new),
                    controllers: versions,
                    groups: outcome.groups,
                });
            } else {
                printout.stdout.push_str(&format_text(
                    &outcome.groups,
                    invocation.headers,
                    invocation.names,
                ));
            }
        }
        Err(e) => {
            printout.stderr.push_str(&e.text(tool));
            printout.status = e.exit_code();
        }
    }
    printout
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::cmdline::{parse_controllers, parse_group_spec};
    use std::fs;

    fn all() -> Vec<String> {
        ["cpu", "cpuacct", "memory"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    /// A request as (path, [(controller, settings, implicit)]).
    type Shape = Vec<(String, Vec<(String, Vec<String>, bool)>)>;

    fn names(groups: &[GroupRequest]) -> Shape {
        groups
            .iter()
            .map(|g| {
                (
                    g.path.clone(),
                    g.controllers
                        .iter()
                        .map(|c| (c.controller.clone(), c.settings.clone(), c.implicit))
                        .collect(),
                )
            })
            .collect()
    }

    fn s(list: &[&str]) -> Vec<String> {
        list.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn settings_are_grouped_by_controller_and_copied_to_every_path() {
        let mut b = RequestBuilder::new(all());
        for name in ["memory.limit_in_bytes", "cpu.shares", "memory.swappiness"] {
            b.setting(name).unwrap();
        }
        let groups = b.finish(&s(&["a", "b"])).unwrap();
        let want = vec![
            (
                "memory".to_string(),
                s(&["memory.limit_in_bytes", "memory.swappiness"]),
                false,
            ),
            ("cpu".to_string(), s(&["cpu.shares"]), false),
        ];
        assert_eq!(
            names(&groups),
            vec![("a".to_string(), want.clone()), ("b".to_string(), want)]
        );
    }

    #[test]
    fn a_bare_path_means_every_controller_and_g_with_a_path_names_the_group() {
        let groups = RequestBuilder::new(all()).finish(&s(&["/x"])).unwrap();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].path, "/x");
        assert!(groups[0].controllers.iter().all(|c| c.implicit));
        assert_eq!(groups[0].controllers.len(), 3);

        let mut b = RequestBuilder::new(all());
        b.group(&parse_group_spec("cpu,memory:/x").unwrap());
        b.group(&parse_group_spec("*:y").unwrap());
        b.group(&parse_group_spec(":z").unwrap());
        let groups = b.finish(&[]).unwrap();
        assert_eq!(
            names(&groups),
            vec![
                (
                    "/x".to_string(),
                    vec![
                        ("cpu".to_string(), vec![], false),
                        ("memory".to_string(), vec![], false)
                    ]
                ),
                (
                    "y".to_string(),
                    vec![
                        ("cpu".to_string(), vec![], true),
                        ("cpuacct".to_string(), vec![], true),
                        ("memory".to_string(), vec![], true)
                    ]
                ),
                ("z".to_string(), vec![("cgroup".to_string(), vec![], false)]),
            ]
        );
    }

    #[test]
    fn g_without_a_path_applies_to_the_paths_and_a_adds_everything() {
        let mut b = RequestBuilder::new(all());
        b.controllers(&parse_controllers("memory").unwrap())
            .unwrap();
        b.all();
        let groups = b.finish(&s(&["g"])).unwrap();
        assert_eq!(
            names(&groups),
            vec![(
                "g".to_string(),
                vec![
                    ("memory".to_string(), vec![], false),
                    ("cpu".to_string(), vec![], true),
                    ("cpuacct".to_string(), vec![], true)
                ]
            )]
        );
    }

    #[test]
    fn usage_errors_as_libcgroup_refuses_them() {
        let usage = |r: Result<Vec<GroupRequest>, RequestError>| match r {
            Err(RequestError::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        };
        // -r with -g / -a.
        let mut b = RequestBuilder::new(all());
        b.setting("cpu.shares").unwrap();
        b.all();
        assert!(usage(b.finish(&s(&["g"]))).contains("-r cannot be combined"));
        let mut b = RequestBuilder::new(all());
        b.setting("cpu.shares").unwrap();
        b.controllers(&parse_controllers("cpu").unwrap()).unwrap();
        assert!(usage(b.finish(&s(&["g"]))).contains("-r cannot be combined"));
        // -r or -g ctrl without a path.
        let mut b = RequestBuilder::new(all());
        b.setting("cpu.shares").unwrap();
        assert!(usage(b.finish(&[])).contains("no group given"));
        let mut b = RequestBuilder::new(all());
        b.controllers(&parse_controllers("cpu").unwrap()).unwrap();
        assert!(usage(b.finish(&[])).contains("no group given"));
        // -a alone names no group.
        let mut b = RequestBuilder::new(all());
        b.all();
        assert!(usage(b.finish(&[])).contains("no group given"));
        // -g ctrl:path with a path after the options.
        let mut b = RequestBuilder::new(all());
        b.group(&parse_group_spec("cpu:x").unwrap());
        assert!(usage(b.finish(&s(&["x"]))).contains("cannot be combined with paths"));
        // -g ctrl after two -g ctrl:path.
        let mut b = RequestBuilder::new(all());
        b.group(&parse_group_spec("cpu:x").unwrap());
        b.group(&parse_group_spec("cpu:y").unwrap());
        assert!(matches!(
            b.controllers(&parse_controllers("memory").unwrap()),
            Err(RequestError::Usage(_))
        ));
        // Nothing at all is not an error here (cgget -m needs no group).
        assert_eq!(RequestBuilder::new(all()).finish(&[]).unwrap(), vec![]);
    }

    #[test]
    fn a_setting_name_without_a_controller_is_refused_with_libcgroups_words() {
        let mut b = RequestBuilder::new(all());
        match b.setting("foo") {
            Err(RequestError::Invalid(e)) => {
                assert_eq!(e.context, "error parsing parameter name 'foo'");
                assert_eq!(e.exit_code(), 91);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn text_follows_libcgroups_layout() {
        let groups = vec![
            GroupValues {
                path: "probe".into(),
                settings: vec![
                    Value {
                        name: "memory.limit_in_bytes".into(),
                        value: Some("52428800".into()),
                    },
                    Value {
                        name: "memory.oom_control".into(),
                        value: Some("oom_kill_disable 0\nunder_oom 0\noom_kill 0".into()),
                    },
                    Value {
                        name: "memory.force_empty".into(),
                        value: None,
                    },
                ],
            },
            GroupValues {
                path: "/other/".into(),
                settings: vec![Value {
                    name: "cpu.shares".into(),
                    value: Some("1024".into()),
                }],
            },
        ];
        assert_eq!(
            format_text(&groups, true, true),
            "probe:\nmemory.limit_in_bytes: 52428800\nmemory.oom_control: oom_kill_disable 0\n\
             \tunder_oom 0\n\toom_kill 0\nmemory.force_empty: \n\n/other/:\ncpu.shares: 1024\n\n"
        );
        assert_eq!(
            format_text(&groups, false, false),
            "52428800\noom_kill_disable 0\n\tunder_oom 0\n\toom_kill 0\n\n1024\n"
        );
        assert_eq!(format_text(&groups[1..], false, true), "cpu.shares: 1024\n");
    }

    #[test]
    fn controller_version_table_and_mode_lines() {
        let rows = vec![
            ControllerVersion {
                name: "cpu".into(),
                version: 1,
            },
            ControllerVersion {
                name: "hugetlb".into(),
                version: 2,
            },
        ];
        assert_eq!(
            controller_versions_text(&rows),
            "#Controller\tVersion\ncpu\t1\nhugetlb\t2\n"
        );
        assert_eq!(mode_text(Mode::Hybrid), "Hybrid mode (Cgroup v1/v2).\n");
    }

    /// A fake hybrid host: v1 cpu and memory, the v2 mount serving hugetlb; group `g` in
    /// cpu and memory.
    fn host() -> (tempfile::TempDir, Cgroups) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let cpu = root.join("sys/fs/cgroup/cpu/g");
        let memory = root.join("sys/fs/cgroup/memory/g");
        let unified = root.join("sys/fs/cgroup/unified");
        for d in [&cpu, &memory, &unified] {
            fs::create_dir_all(d).unwrap();
        }
        fs::write(unified.join("cgroup.controllers"), "hugetlb\n").unwrap();
        for (dir, name, value) in [
            (&cpu, "cpu.shares", "1024\n"),
            (&cpu, "cpu.cfs_quota_us", "-1\n"),
            (&cpu, "cpu.cfs_period_us", "100000\n"),
            (&cpu, "cpu.stat", "nr_periods 0\nnr_throttled 0\n"),
            (&cpu, "cpu.rt_runtime_us", "0\n"),
            (&memory, "memory.limit_in_bytes", "52428800\n"),
            (&memory, "memory.usage_in_bytes", "0\n"),
            (&memory, "memory.force_empty", ""),
        ] {
            fs::write(dir.join(name), value).unwrap();
        }
        let mountinfo = "\
32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
";
        let cg = Cgroups::from_sources(mountinfo, None, root).unwrap();
        (dir, cg)
    }

    fn request(
        cg: &Cgroups,
        f: impl FnOnce(&mut RequestBuilder),
        paths: &[&str],
    ) -> Vec<GroupRequest> {
        let all = cg
            .layout()
            .controllers_in_mount_order()
            .into_iter()
            .map(String::from)
            .collect();
        let mut b = RequestBuilder::new(all);
        f(&mut b);
        b.finish(&s(paths)).unwrap()
    }

    #[test]
    fn whole_controllers_are_sorted_and_missing_hierarchies_skipped() {
        let (_d, cg) = host();
        let req = request(&cg, |_| {}, &["g"]);
        let out = read(&cg, &req, ReadOptions::default()).unwrap();
        let listed: Vec<&str> = out.groups[0]
            .settings
            .iter()
            .map(|v| v.name.as_str())
            .collect();
        assert_eq!(
            listed,
            [
                "cpu.cfs_period_us",
                "cpu.cfs_quota_us",
                "cpu.rt_runtime_us",
                "cpu.shares",
                "cpu.stat",
                "memory.force_empty",
                "memory.limit_in_bytes",
                "memory.usage_in_bytes"
            ]
        );
        assert!(out.notes.is_empty());
    }

    #[test]
    fn missing_groups_and_controllers_fail_with_libcgroups_words() {
        let (_d, cg) = host();
        let err = |f: &dyn Fn(&mut RequestBuilder), paths: &[&str]| {
            read(&cg, &request(&cg, |b| f(b), paths), ReadOptions::default()).unwrap_err()
        };
        // libcgroup's cgget says the same for a missing group as for a missing file.
        let e = err(&|b| b.setting("cpu.shares").unwrap(), &["nope"]);
        assert_eq!(
            e.context,
            "variable file read failed No such file or directory"
        );
        assert_eq!(e.exit_code(), 96);
        let e = err(&|b| b.setting("cpu.nope").unwrap(), &["g"]);
        assert_eq!(
            e.context,
            "variable file read failed No such file or directory"
        );
        assert_eq!(e.exit_code(), 96);
        let e = err(&|b| b.setting("foo.bar").unwrap(), &["g"]);
        assert_eq!(e.context, "cannot find controller 'foo' in group 'g'");
        assert_eq!(e.exit_code(), 96);
        let e = err(
            &|b| {
                b.controllers(&parse_controllers("memory").unwrap())
                    .unwrap()
            },
            &["/nope"],
        );
        assert_eq!(
            e.context,
            "cannot find controller 'memory' in group '/nope'"
        );
        assert_eq!(e.exit_code(), 96);
        let e = err(&|_| {}, &["nope"]);
        assert_eq!(e.context, "cannot find group 'nope'");
        assert_eq!(e.exit_code(), 96);
        assert!(e.error.hint().unwrap().contains("none of the mounted"));
    }

    #[test]
    fn other_version_names_are_translated_with_a_note() {
        let (_d, cg) = host();
        let req = request(
            &cg,
            |b| {
                b.setting("cpu.weight").unwrap();
                b.setting("cpu.max").unwrap();
                b.setting("memory.max").unwrap();
            },
            &["g"],
        );
        let out = read(&cg, &req, ReadOptions::default()).unwrap();
        let got: Vec<(&str, &str)> = out.groups[0]
            .settings
            .iter()
            .map(|v| (v.name.as_str(), v.value.as_deref().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("cpu.weight", "100"),
                ("cpu.max", "max 100000"),
                ("memory.max", "52428800")
            ]
        );
        assert_eq!(out.notes.len(), 3);
        assert_eq!(
            out.notes[0],
            "`cpu.weight` is cgroup v2 vocabulary but cpu runs as cgroup v1 here: read its \
             cgroup v1 counterpart and converted the value"
        );
        // cgxget -2 asks for v2 names: no note, same values.
        let strict = ReadOptions {
            vocabulary: Some(Version::V2),
            ignore_unmappable: false,
        };
        let out = read(&cg, &req, strict).unwrap();
        assert!(out.notes.is_empty());
        // A v1 name under -2 is not v2 vocabulary.
        let req = request(&cg, |b| b.setting("cpu.shares").unwrap(), &["g"]);
        let e = read(&cg, &req, strict).unwrap_err();
        assert_eq!(e.context, "cannot convert setting 'cpu.shares'");
        assert_eq!(e.exit_code(), 91);
    }

    #[test]
    fn a_v1_only_controller_missing_here_is_not_mounted_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sys/fs/cgroup");
        fs::create_dir_all(root.join("g")).unwrap();
        fs::write(root.join("cgroup.controllers"), "cpu memory\n").unwrap();
        let mountinfo = "26 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
        let cg = Cgroups::from_sources(mountinfo, None, dir.path()).unwrap();
        let req = request(&cg, |b| b.setting("devices.list").unwrap(), &["g"]);
        let e = read(&cg, &req, ReadOptions::default()).unwrap_err();
        assert_eq!(e.context, "cannot find controller 'devices' in group 'g'");
        assert_eq!(e.exit_code(), 96);
        assert!(e.error.hint().unwrap().contains("eBPF"));
    }

    #[test]
    fn listing_in_the_other_vocabulary_needs_i_for_unmappable_files() {
        let (_d, cg) = host();
        let req = request(
            &cg,
            |b| b.controllers(&parse_controllers("cpu").unwrap()).unwrap(),
            &["g"],
        );
        let v2 = ReadOptions {
            vocabulary: Some(Version::V2),
            ignore_unmappable: false,
        };
        let e = read(&cg, &req, v2).unwrap_err();
        assert_eq!(e.exit_code(), 111);
        assert!(e.error.hint().unwrap().contains("-i"));
        let out = read(
            &cg,
            &req,
            ReadOptions {
                ignore_unmappable: true,
                ..v2
            },
        )
        .unwrap();
        let got: Vec<(&str, &str)> = out.groups[0]
            .settings
            .iter()
            .map(|v| (v.name.as_str(), v.value.as_deref().unwrap()))
            .collect();
        assert_eq!(got, [("cpu.max", "max 100000"), ("cpu.weight", "100")]);
        // -i with only unmappable settings prints an empty group (libcgroup test 042).
        let req = request(&cg, |b| b.setting("cpu.stat").unwrap(), &["g"]);
        let out = read(
            &cg,
            &req,
            ReadOptions {
                ignore_unmappable: true,
                ..v2
            },
        )
        .unwrap();
        assert_eq!(format_text(&out.groups, false, true), "");
    }

    #[test]
    fn json_document_has_a_stable_shape() {
        let doc = Document {
            mode: Some(ModeInfo::new(Mode::Hybrid)),
            controllers: None,
            groups: vec![GroupValues {
                path: "g".into(),
                settings: vec![Value {
                    name: "memory.force_empty".into(),
                    value: None,
                }],
            }],
        };
        insta::assert_snapshot!(json_document(&doc), @r#"
        {
          "mode": {
            "name": "hybrid",
            "description": "Hybrid mode (Cgroup v1/v2)."
          },
          "groups": [
            {
              "path": "g",
              "settings": [
                {
                  "name": "memory.force_empty",
                  "value": null
                }
              ]
            }
          ]
        }
        "#);
    }
}
