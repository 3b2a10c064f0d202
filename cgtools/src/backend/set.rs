//! Setting values on groups the way cgset and cgxset do: name=value pairs (renamed between
//! cgroup v1 and v2 vocabulary where the host needs it), `cgroup.subtree_control` tokens,
//! recursion over a subtree (`-R`), and copying the settings of another group
//! (`--copy-from`).
//!
//! * Order: `cgroup.subtree_control` tokens come first, each written on its own (the
//!   kernel takes `+cpu -io` in one write only if every token succeeds, and a failure
//!   should name the token), then the other settings in the order given. The first
//!   failure stops the call: later settings are not written.
//! * Recursion: an ordinary setting goes to the group and to every descendant in the
//!   hierarchy that holds it, parents before children. A `+ctrl` token goes top-down to
//!   the group and to every descendant that has children; a `-ctrl` token bottom-up to
//!   the same groups, because a controller must be enabled in a parent before a child can
//!   enable it, and disabled in the children first
//!   ([cgroup-v2.rst, "Enabling and Disabling"](https://docs.kernel.org/admin-guide/cgroup-v2.html#enabling-and-disabling)).
//!   Leaves are skipped: they hold the processes, and a group with processes cannot enable
//!   controllers for children it does not have (libcgroup 3.2 skips them too).
//! * Translation: names are converted once, for the named group, with
//!   [`translate::to_host`]; with no explicit vocabulary each name speaks for itself and a
//!   [`Note::Translated`] says what was renamed. With `ignore_unmappable`, a setting
//!   that has no counterpart on this host is left out ([`Note::Skipped`]) instead of
//!   failing the call.
//! * Copying ([`read_copyable`], [`apply_copied`]) takes, from every hierarchy holding the
//!   source group, the settings that are configuration: files of the hierarchy's
//!   controllers that have the owner write bit, can be read, hold one line, and are not
//!   counters that a write resets (`cpuacct.usage`, `*usage_in_bytes`, `*.failcnt`,
//!   `*.peak`). Each is written to the target in the same hierarchy. The kernel may refuse
//!   some (a value the target cannot take, a file the kernel keeps only for compatibility):
//!   those are retried once after the others, for limits that depend on each other such as
//!   `memory.memsw.limit_in_bytes` >= `memory.limit_in_bytes`, then reported in a
//!   [`Note::NotCopied`] and left as they were, as libcgroup leaves them.

use std::collections::HashSet;
use std::path::PathBuf;

use nix::errno::Errno;
use serde::Serialize;

use crate::backend::cgroups::Cgroups;
use crate::backend::error::{Error, ErrorKind, Op, Result};
use crate::backend::group::{read_setting, Cgroup};
use crate::backend::group_path::GroupPath;
use crate::backend::hierarchy::Version;
use crate::backend::setting::is_configuration;
use crate::backend::setting::{controller_of, Setting};
use crate::backend::translate;

/// The v2 file that enables controllers for a group's children.
pub const SUBTREE_CONTROL: &str = "cgroup.subtree_control";

/// How [`set_values`] reads and applies its settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetOptions {
    /// The vocabulary the names are written in (cgxset `-1`/`-2`); `None` lets each name
    /// speak for itself (cgset, cgxset without `-1`/`-2`).
    pub vocabulary: Option<Version>,
    /// Leave out settings with no counterpart on this host instead of failing (`-i`).
    pub ignore_unmappable: bool,
    /// Apply to the whole subtree (`-R`).
    pub recursive: bool,
}

/// Something the user should know that is not a failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// Settings named in the other version's vocabulary were written as these host settings.
    Translated {
        /// The settings as given.
        from: Vec<Setting>,
        /// What was written instead.
        to: Vec<Setting>,
    },
    /// A setting with no counterpart on this host was left out (`ignore_unmappable`).
    Skipped(Error),
    /// Copied settings the kernel refused for this group directory; they kept their value.
    NotCopied {
        /// The group directory.
        group: PathBuf,
        /// Each refused setting and the kernel's reason.
        refused: Vec<(String, String)>,
    },
    /// The target group does not exist in this hierarchy, which holds the source group; its
    /// settings were not copied there.
    NoTarget {
        /// The missing group directory.
        group: PathBuf,
    },
}

/// One value written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Written {
    /// The file written.
    pub file: PathBuf,
    /// The value written to it.
    pub value: String,
}

/// What a call wrote, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SetReport {
    /// Every value written, in the order of the writes.
    pub written: Vec<Written>,
}

/// Writes `settings` to the group `path`, as described in the module docs. Each setting
/// goes to the hierarchy of its controller; `notes` hears about translations and skipped
/// settings as they happen.
pub fn set_values(
    cg: &Cgroups,
    path: &GroupPath,
    settings: &[Setting],
    options: &SetOptions,
    notes: &mut dyn FnMut(Note),
) -> Result<SetReport> {
    let mut report = SetReport::default();
    let (tokens, others): (Vec<&Setting>, Vec<&Setting>) =
        settings.iter().partition(|s| s.name == SUBTREE_CONTROL);
    if !tokens.is_empty() {
        let cgroup = cgroup_of(cg, path, SUBTREE_CONTROL)?;
        for setting in tokens {
            apply_subtree_control(&cgroup, &setting.value, options.recursive, &mut report)?;
        }
    }
    let others: Vec<Setting> = others.into_iter().cloned().collect();
    let host = translate_for(cg, path, &others, options, notes)?;
    if options.recursive {
        let mut by_hierarchy: Vec<(Cgroup<'_>, Vec<Setting>)> = Vec::new();
        for setting in host {
            let cgroup = cgroup_of(cg, path, &setting.name)?;
            match by_hierarchy
                .iter_mut()
                .find(|(c, _)| c.index == cgroup.index)
            {
                Some((_, list)) => list.push(setting),
                None => by_hierarchy.push((cgroup, vec![setting])),
            }
        }
        for (cgroup, list) in by_hierarchy {
            for group in cgroup.walk().map_err(as_write)? {
                let target = cgroup.at(group);
                for setting in &list {
                    write(&target, setting, &mut report)?;
                }
            }
        }
    } else {
        for setting in host {
            write(&cgroup_of(cg, path, &setting.name)?, &setting, &mut report)?;
        }
    }
    Ok(report)
}

/// The group `path` in the hierarchy that holds setting `name`.
fn cgroup_of<'a>(cg: &'a Cgroups, path: &GroupPath, name: &str) -> Result<Cgroup<'a>> {
    cg.group(&[controller_of(name)?], path)?.cgroup_for(name)
}

fn write(cgroup: &Cgroup<'_>, setting: &Setting, report: &mut SetReport) -> Result<()> {
    cgroup
        .set(&setting.name, &setting.value)
        .map_err(|e| match e.kind() {
            ErrorKind::GroupMissing { group } if e.hint().is_none() => {
                let hint = format!(
                    "create it first: cgcreate -g {}:{group}",
                    match controller_of(&setting.name) {
                        Ok("cgroup") => "",
                        Ok(controller) => controller,
                        Err(_) => "<controllers>",
                    }
                );
                e.with_hint(hint)
            }
            _ => e,
        })?;
    report.written.push(Written {
        file: cgroup.dir_path().join(&setting.name),
        value: setting.value.clone(),
    });
    Ok(())
}

/// A group that is missing while setting values is reported as a write failure (exit 95,
/// as cgset), whatever step noticed it first.
fn as_write(e: Error) -> Error {
    if !matches!(e.kind(), ErrorKind::GroupMissing { .. }) || e.op() == Op::Write {
        return e;
    }
    let mut out = Error::new(e.kind().clone(), Op::Write).with_errno(Errno::ENOENT);
    if let Some(path) = e.path() {
        out = out.at(path);
    }
    out
}

/// Writes one `cgroup.subtree_control` value: token by token, and with `recursive` to
/// every group of the subtree that has children (see the module docs).
fn apply_subtree_control(
    cgroup: &Cgroup<'_>,
    value: &str,
    recursive: bool,
    report: &mut SetReport,
) -> Result<()> {
    let tokens: Vec<&str> = value.split_whitespace().collect();
    if tokens.is_empty() {
        // Nothing to split: the kernel decides what an empty write means.
        return write(cgroup, &Setting::new(SUBTREE_CONTROL, value), report);
    }
    if !recursive {
        for token in tokens {
            write(cgroup, &Setting::new(SUBTREE_CONTROL, token), report)?;
        }
        return Ok(());
    }
    let walk = cgroup.walk().map_err(as_write)?;
    let parents: HashSet<GroupPath> = walk.iter().filter_map(GroupPath::parent).collect();
    let inner: Vec<&GroupPath> = walk
        .iter()
        .filter(|p| *p == cgroup.path() || parents.contains(*p))
        .collect();
    for token in tokens {
        let top_down = match token.as_bytes().first() {
            Some(b'+') => true,
            Some(b'-') => false,
            _ => {
                return Err(Error::new(
                    ErrorKind::InvalidSetting {
                        setting: format!("{SUBTREE_CONTROL}={token}"),
                        reason: "needs a sign: +controller enables, -controller disables"
                            .to_string(),
                    },
                    Op::Write,
                ))
            }
        };
        let order: Box<dyn Iterator<Item = &&GroupPath>> = if top_down {
            Box::new(inner.iter())
        } else {
            Box::new(inner.iter().rev())
        };
        for group in order {
            let target = cgroup.at((*group).clone());
            write(&target, &Setting::new(SUBTREE_CONTROL, token), report)?;
        }
    }
    Ok(())
}

/// The host settings for `settings` of group `path`, with notes about renames and
/// settings left out.
fn translate_for(
    cg: &Cgroups,
    path: &GroupPath,
    settings: &[Setting],
    options: &SetOptions,
    notes: &mut dyn FnMut(Note),
) -> Result<Vec<Setting>> {
    if settings.is_empty() {
        return Ok(Vec::new());
    }
    let current = |name: &str| -> Result<Option<String>> {
        cgroup_of(cg, path, name)?
            .get(name)
            .map(Some)
            .map_err(as_write)
    };
    let mut kept = Vec::new();
    for setting in settings {
        if options.ignore_unmappable {
            if let Err(e) = translate::to_host(
                cg.layout(),
                options.vocabulary,
                std::slice::from_ref(setting),
                current,
            ) {
                if matches!(e.kind(), ErrorKind::Unmappable { .. }) {
                    notes(Note::Skipped(e));
                    continue;
                }
            }
        }
        kept.push(setting.clone());
    }
    if options.vocabulary.is_none() {
        let mut renamed = Vec::new();
        for setting in &kept {
            if translate::translation_needed(cg.layout(), None, &setting.name)?.is_some() {
                renamed.push(setting.clone());
            }
        }
        if !renamed.is_empty() {
            let to = translate::to_host(cg.layout(), None, &renamed, current)?;
            notes(Note::Translated { from: renamed, to });
        }
    }
    translate::to_host(cg.layout(), options.vocabulary, &kept, current)
}

/// The settings of a group worth copying, per hierarchy (see [`read_copyable`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copied {
    source: GroupPath,
    sets: Vec<(usize, Vec<Setting>)>,
}

impl Copied {
    /// The group they were read from.
    pub fn source(&self) -> &GroupPath {
        &self.source
    }

    /// Every setting read, hierarchy by hierarchy.
    pub fn settings(&self) -> impl Iterator<Item = &Setting> {
        self.sets.iter().flat_map(|(_, s)| s.iter())
    }
}

/// Reads the settings of group `source` that [`apply_copied`] can write to another group,
/// from every hierarchy with controllers that holds it (see the module docs). A source
/// that exists in no such hierarchy is [`ErrorKind::GroupMissing`] (exit 82, as cgset).
pub fn read_copyable(cg: &Cgroups, source: &GroupPath) -> Result<Copied> {
    let mut sets = Vec::new();
    let mut found = false;
    for (index, hierarchy) in cg.hierarchies().iter().enumerate() {
        if hierarchy.controllers().is_empty() {
            continue;
        }
        match Cgroup::new(cg, index, source.clone()).copyable_settings() {
            Ok(settings) => {
                found = true;
                if !settings.is_empty() {
                    sets.push((index, settings));
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::GroupMissing { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    if !found {
        return Err(Error::new(
            ErrorKind::GroupMissing {
                group: source.to_string(),
            },
            Op::List,
        )
        .with_errno(Errno::ENOENT)
        .with_hint("--copy-from names the group whose settings are copied; it must exist"));
    }
    Ok(Copied {
        source: source.clone(),
        sets,
    })
}

/// Writes settings read by [`read_copyable`] to group `path` (and with `recursive` to
/// every group below it), each in the hierarchy it was read from. The target must exist
/// in at least one of those hierarchies (else exit 95, as cgset); where it is missing, a
/// [`Note::NoTarget`] says so. Values the kernel refuses are retried once, then reported
/// in a [`Note::NotCopied`].
pub fn apply_copied(
    cg: &Cgroups,
    copied: &Copied,
    path: &GroupPath,
    recursive: bool,
    notes: &mut dyn FnMut(Note),
) -> Result<SetReport> {
    let mut report = SetReport::default();
    let mut missing: Vec<Error> = Vec::new();
    let mut targets = Vec::new();
    for (index, settings) in &copied.sets {
        let target = Cgroup::new(cg, *index, path.clone());
        let groups = if recursive {
            target.walk()
        } else {
            target.open(Op::Write).map(|_| vec![path.clone()])
        };
        match groups {
            Ok(groups) => targets.push((target, settings, groups)),
            Err(e) if matches!(e.kind(), ErrorKind::GroupMissing { .. }) => {
                missing.push(as_write(e).at(target.dir_path()));
            }
            Err(e) => return Err(e),
        }
    }
    if targets.is_empty() {
        if let Some(e) = missing.into_iter().next() {
            return Err(e);
        }
        return Ok(report);
    }
    for e in missing {
        if let Some(group) = e.path() {
            notes(Note::NoTarget {
                group: group.to_path_buf(),
            });
        }
    }
    for (target, settings, groups) in targets {
        for group in groups {
            copy_into(&target.at(group), settings, &mut report, notes)?;
        }
    }
    Ok(report)
}

/// Whether a failed copy is the kernel refusing that one value (the copy goes on) rather
/// than a failure of the whole call (missing group, permissions, a path leaving the
/// hierarchy).
fn refused(e: &Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::ValueRejected { .. } | ErrorKind::SettingMissing { .. }
    )
}

fn copy_into(
    cgroup: &Cgroup<'_>,
    settings: &[Setting],
    report: &mut SetReport,
    notes: &mut dyn FnMut(Note),
) -> Result<()> {
    let mut failed = Vec::new();
    for setting in settings {
        match write(cgroup, setting, report) {
            Ok(()) => {}
            Err(e) if refused(&e) => failed.push(setting),
            Err(e) => return Err(e),
        }
    }
    let mut still = Vec::new();
    for setting in failed {
        match write(cgroup, setting, report) {
            Ok(()) => {}
            Err(e) if refused(&e) => {
                let reason = e
                    .errno()
                    .map_or_else(|| e.to_string(), |errno| errno.desc().to_string());
                still.push((setting.name.clone(), reason));
            }
            Err(e) => return Err(e),
        }
    }
    if !still.is_empty() {
        notes(Note::NotCopied {
            group: cgroup.dir_path(),
            refused: still,
        });
    }
    Ok(())
}

impl Cgroup<'_> {
    /// The settings of this group that describe its configuration and can be written to
    /// another group as they read (cgset `--copy-from`): files of the hierarchy's
    /// controllers with the owner write bit, a readable one-line value, and not a counter
    /// (see the module docs). Sorted by name.
    pub fn copyable_settings(&self) -> Result<Vec<Setting>> {
        let dir = self.open(Op::Read)?;
        let controllers = self.hierarchy().controllers();
        let entries = dir
            .entries()
            .map_err(|errno| Error::os(Op::List, dir.path(), errno))?;
        let mut out = Vec::new();
        for entry in entries.into_iter().filter(|e| !e.is_dir) {
            let Some((controller, _)) = entry.name.split_once('.') else {
                continue;
            };
            if !controllers.iter().any(|c| c == controller) || !is_configuration(&entry.name) {
                continue;
            }
            match dir.stat(Some(&entry.name)) {
                Ok(st) if st.st_mode & 0o200 != 0 => {}
                _ => continue,
            }
            // A value we cannot read (write-only files, a race with the kernel) cannot be
            // copied.
            let Ok(value) = read_setting(&dir, &entry.name) else {
                continue;
            };
            if value.contains('\n') {
                continue;
            }
            out.push(Setting::new(entry.name, value));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    use super::*;

    fn file(dir: &Path, name: &str, value: &str, mode: u32) {
        fs::write(dir.join(name), value).unwrap();
        fs::set_permissions(dir.join(name), fs::Permissions::from_mode(mode)).unwrap();
    }

    /// A fake v1 host: `cpu` and `memory` hierarchies with groups `g`, `g/a`, `g/a/b`
    /// (cpu) and `g` (memory).
    fn v1() -> (tempfile::TempDir, Cgroups) {
        let dir = tempfile::tempdir().unwrap();
        for group in ["g", "g/a", "g/a/b"] {
            let d = dir.path().join("cg/cpu").join(group);
            fs::create_dir_all(&d).unwrap();
            file(&d, "cpu.shares", "1024\n", 0o644);
            file(&d, "cpu.cfs_quota_us", "-1\n", 0o644);
            file(&d, "cpu.cfs_period_us", "100000\n", 0o644);
            file(&d, "cpu.stat", "nr_periods 0\nnr_throttled 0\n", 0o444);
        }
        let m = dir.path().join("cg/memory/g");
        fs::create_dir_all(&m).unwrap();
        file(&m, "memory.limit_in_bytes", "9223372036854771712\n", 0o644);
        file(&m, "memory.swappiness", "60\n", 0o644);
        let cg = Cgroups::from_sources(
            "32 31 0:29 / /cg/cpu rw - cgroup cgroup rw,cpu\n\
             33 31 0:30 / /cg/memory rw - cgroup cgroup rw,memory\n",
            None,
            dir.path(),
        )
        .unwrap();
        (dir, cg)
    }

    /// A fake v2 host whose tree is `g/{a/{x}, b}`.
    fn v2() -> (tempfile::TempDir, Cgroups) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("cg");
        for group in ["", "g", "g/a", "g/a/x", "g/b"] {
            let d = root.join(group);
            fs::create_dir_all(&d).unwrap();
            file(&d, "cgroup.subtree_control", "", 0o644);
            file(&d, "cpu.weight", "100\n", 0o644);
            file(&d, "memory.max", "max\n", 0o644);
        }
        file(&root, "cgroup.controllers", "cpu memory io\n", 0o444);
        let cg = Cgroups::from_sources(
            "26 22 0:23 / /cg rw - cgroup2 cgroup2 rw\n",
            None,
            dir.path(),
        )
        .unwrap();
        (dir, cg)
    }

    fn path(p: &str) -> GroupPath {
        GroupPath::new(p).unwrap()
    }

    fn written(report: &SetReport, root: &Path) -> Vec<String> {
        report
            .written
            .iter()
            .map(|w| {
                format!(
                    "{}={}",
                    w.file.strip_prefix(root).unwrap().display(),
                    w.value
                )
            })
            .collect()
    }

    fn collect(
        cg: &Cgroups,
        p: &str,
        settings: &[Setting],
        options: SetOptions,
    ) -> (Result<SetReport>, Vec<Note>) {
        let mut notes = Vec::new();
        let result = set_values(cg, &path(p), settings, &options, &mut |n| notes.push(n));
        (result, notes)
    }

    #[test]
    fn settings_are_written_in_order_to_their_hierarchies() {
        let (dir, cg) = v1();
        let (report, notes) = collect(
            &cg,
            "g",
            &[
                Setting::new("memory.limit_in_bytes", "50000000"),
                Setting::new("cpu.shares", "512"),
            ],
            SetOptions::default(),
        );
        assert_eq!(
            written(&report.unwrap(), dir.path()),
            [
                "cg/memory/g/memory.limit_in_bytes=50000000",
                "cg/cpu/g/cpu.shares=512"
            ]
        );
        assert!(notes.is_empty());
    }

    #[test]
    fn the_other_versions_names_are_translated_with_a_note() {
        let (dir, cg) = v1();
        let (report, notes) = collect(
            &cg,
            "g",
            &[
                Setting::new("cpu.weight", "50"),
                Setting::new("memory.swappiness", "10"),
            ],
            SetOptions::default(),
        );
        assert_eq!(
            written(&report.unwrap(), dir.path()),
            [
                "cg/cpu/g/cpu.shares=512",
                "cg/memory/g/memory.swappiness=10"
            ]
        );
        assert_eq!(
            notes,
            [Note::Translated {
                from: vec![Setting::new("cpu.weight", "50")],
                to: vec![Setting::new("cpu.shares", "512")],
            }]
        );
        // An explicit vocabulary is what the user asked for: no note.
        let (_, notes) = collect(
            &cg,
            "g",
            &[Setting::new("cpu.weight", "50")],
            SetOptions {
                vocabulary: Some(Version::V2),
                ..SetOptions::default()
            },
        );
        assert!(notes.is_empty());
    }

    #[test]
    fn failures_stop_the_call_with_cgsets_exit_codes() {
        let (dir, cg) = v1();
        let (result, _) = collect(
            &cg,
            "g",
            &[
                Setting::new("cpu.shares", "2"),
                Setting::new("cpu.nope", "1"),
                Setting::new("cpu.cfs_quota_us", "5000"),
            ],
            SetOptions::default(),
        );
        let e = result.unwrap_err();
        assert_eq!(e.exit_code(), 95);
        assert_eq!(
            fs::read_to_string(dir.path().join("cg/cpu/g/cpu.shares")).unwrap(),
            "2"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("cg/cpu/g/cpu.cfs_quota_us")).unwrap(),
            "-1\n",
            "nothing after the failure is written"
        );
        // A missing group is exit 95 whichever step notices it.
        for settings in [
            vec![Setting::new("cpu.shares", "2")],
            vec![Setting::new("cpu.max", "5000")],
        ] {
            let (result, _) = collect(&cg, "nope", &settings, SetOptions::default());
            assert_eq!(result.unwrap_err().exit_code(), 95, "{settings:?}");
            let (result, _) = collect(
                &cg,
                "nope",
                &settings,
                SetOptions {
                    recursive: true,
                    ..SetOptions::default()
                },
            );
            assert_eq!(result.unwrap_err().exit_code(), 95, "{settings:?}");
        }
    }

    #[test]
    fn a_missing_group_found_while_translating_is_still_exit_95() {
        // v1 quota alone on a v2 host reads the group's cpu.max for the period.
        let (_dir, cg) = v2();
        let (result, _) = collect(
            &cg,
            "nope",
            &[Setting::new("cpu.cfs_quota_us", "5000")],
            SetOptions::default(),
        );
        let e = result.unwrap_err();
        assert_eq!(e.exit_code(), 95, "{e}");
        assert_eq!(e.op(), Op::Write);
    }

    #[test]
    fn recursion_goes_parents_first_through_the_settings_hierarchy() {
        let (dir, cg) = v1();
        let (report, _) = collect(
            &cg,
            "g",
            &[
                Setting::new("cpu.shares", "512"),
                Setting::new("memory.swappiness", "0"),
            ],
            SetOptions {
                recursive: true,
                ..SetOptions::default()
            },
        );
        assert_eq!(
            written(&report.unwrap(), dir.path()),
            [
                "cg/cpu/g/cpu.shares=512",
                "cg/cpu/g/a/cpu.shares=512",
                "cg/cpu/g/a/b/cpu.shares=512",
                "cg/memory/g/memory.swappiness=0",
            ]
        );
    }

    #[test]
    fn subtree_control_tokens_go_one_by_one_first() {
        let (dir, cg) = v2();
        let (report, _) = collect(
            &cg,
            "g",
            &[
                Setting::new("cpu.weight", "50"),
                Setting::new(SUBTREE_CONTROL, "+cpu -io"),
            ],
            SetOptions::default(),
        );
        assert_eq!(
            written(&report.unwrap(), dir.path()),
            [
                "cg/g/cgroup.subtree_control=+cpu",
                "cg/g/cgroup.subtree_control=-io",
                "cg/g/cpu.weight=50",
            ]
        );
    }

    #[test]
    fn recursive_tokens_enable_top_down_disable_bottom_up_and_skip_leaves() {
        let (dir, cg) = v2();
        let (report, _) = collect(
            &cg,
            "g",
            &[Setting::new(SUBTREE_CONTROL, "+cpu -io")],
            SetOptions {
                recursive: true,
                ..SetOptions::default()
            },
        );
        assert_eq!(
            written(&report.unwrap(), dir.path()),
            [
                "cg/g/cgroup.subtree_control=+cpu",
                "cg/g/a/cgroup.subtree_control=+cpu",
                "cg/g/a/cgroup.subtree_control=-io",
                "cg/g/cgroup.subtree_control=-io",
            ]
        );
        // The named group is written even when it is a leaf.
        let (report, _) = collect(
            &cg,
            "g/b",
            &[Setting::new(SUBTREE_CONTROL, "+cpu")],
            SetOptions {
                recursive: true,
                ..SetOptions::default()
            },
        );
        assert_eq!(
            written(&report.unwrap(), dir.path()),
            ["cg/g/b/cgroup.subtree_control=+cpu"]
        );
        let (result, _) = collect(
            &cg,
            "g",
            &[Setting::new(SUBTREE_CONTROL, "cpu")],
            SetOptions {
                recursive: true,
                ..SetOptions::default()
            },
        );
        let e = result.unwrap_err();
        assert_eq!(e.exit_code(), 91);
        assert!(e.to_string().contains("needs a sign"), "{e}");
    }

    #[test]
    fn unmappable_settings_fail_or_are_skipped_on_request() {
        let (dir, cg) = v2();
        let settings = [
            Setting::new("memory.swappiness", "10"),
            Setting::new("memory.limit_in_bytes", "1M"),
        ];
        let v1_names = SetOptions {
            vocabulary: Some(Version::V1),
            ..SetOptions::default()
        };
        let (result, _) = collect(&cg, "g", &settings, v1_names);
        assert_eq!(result.unwrap_err().exit_code(), 111);
        let (report, notes) = collect(
            &cg,
            "g",
            &settings,
            SetOptions {
                ignore_unmappable: true,
                ..v1_names
            },
        );
        assert_eq!(
            written(&report.unwrap(), dir.path()),
            ["cg/g/memory.max=1048576"]
        );
        assert!(
            matches!(&notes[..], [Note::Skipped(e)] if e.exit_code() == 111),
            "{notes:?}"
        );
        // A name the table does not know is not "unmappable": -i does not hide it.
        let (result, _) = collect(
            &cg,
            "g",
            &[Setting::new("memory.bogus", "1")],
            SetOptions {
                ignore_unmappable: true,
                ..v1_names
            },
        );
        assert_eq!(result.unwrap_err().exit_code(), 91);
    }

    #[test]
    fn copying_takes_configuration_not_counters() {
        let (dir, cg) = v1();
        let m = dir.path().join("cg/memory/g");
        file(&m, "memory.limit_in_bytes", "122880\n", 0o644);
        file(&m, "memory.usage_in_bytes", "4096\n", 0o444);
        file(&m, "memory.max_usage_in_bytes", "8192\n", 0o644);
        file(&m, "memory.failcnt", "0\n", 0o644);
        file(
            &m,
            "memory.oom_control",
            "oom_kill_disable 0\nunder_oom 0\n",
            0o644,
        );
        file(&m, "memory.force_empty", "", 0o200);
        file(&m, "tasks", "", 0o644);
        let copied = read_copyable(&cg, &path("g")).unwrap();
        let names: Vec<&str> = copied.settings().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "cpu.cfs_period_us",
                "cpu.cfs_quota_us",
                "cpu.shares",
                "memory.limit_in_bytes",
                "memory.swappiness"
            ]
        );
        assert_eq!(copied.source(), &path("g"));
        let e = read_copyable(&cg, &path("nope")).unwrap_err();
        assert_eq!(e.exit_code(), 82);
    }

    #[test]
    fn copies_land_in_the_same_hierarchy_and_refusals_are_noted() {
        let (dir, cg) = v1();
        file(&dir.path().join("cg/cpu/g"), "cpu.shares", "300\n", 0o644);
        let copied = read_copyable(&cg, &path("g")).unwrap();
        // g/a exists in cpu only: memory settings cannot land, and a note says so.
        let mut notes = Vec::new();
        let report =
            apply_copied(&cg, &copied, &path("g/a"), false, &mut |n| notes.push(n)).unwrap();
        assert_eq!(
            written(&report, dir.path()),
            [
                "cg/cpu/g/a/cpu.cfs_period_us=100000",
                "cg/cpu/g/a/cpu.cfs_quota_us=-1",
                "cg/cpu/g/a/cpu.shares=300",
            ]
        );
        assert_eq!(
            notes,
            [Note::NoTarget {
                group: dir.path().join("cg/memory/g/a")
            }]
        );
        // A target without one of the files: the others are copied, the refusal noted.
        fs::remove_file(dir.path().join("cg/cpu/g/a/b/cpu.cfs_quota_us")).unwrap();
        let mut notes = Vec::new();
        apply_copied(&cg, &copied, &path("g/a/b"), false, &mut |n| notes.push(n)).unwrap();
        assert!(
            notes.iter().any(|n| matches!(n, Note::NotCopied { refused, .. }
                if refused == &[("cpu.cfs_quota_us".to_string(), "No such file or directory".to_string())])),
            "{notes:?}"
        );
        // Missing everywhere: cgset's exit 95.
        let e = apply_copied(&cg, &copied, &path("nope"), false, &mut |_| {}).unwrap_err();
        assert_eq!(e.exit_code(), 95);
        // Recursively: the whole subtree, parents first.
        let report = apply_copied(&cg, &copied, &path("g/a"), true, &mut |_| {}).unwrap();
        let shares: Vec<String> = written(&report, dir.path())
            .into_iter()
            .filter(|w| w.contains("cpu.shares"))
            .collect();
        assert_eq!(
            shares,
            ["cg/cpu/g/a/cpu.shares=300", "cg/cpu/g/a/b/cpu.shares=300"]
        );
    }
}
