//! Reading the configuration: the main file and the drop-ins, each loaded and checked
//! with the shared engine ([`cgtools::engine::desired::desired_state_in`]), merged into
//! one desired state.
//!
//! The whole set of files is one unit: a file's `default` section applies to the files
//! after it (libcgroup's process-wide default), a group may be named in several files
//! (later values win, as applying them in order would give), and one error anywhere
//! refuses the whole set, so that a half-edited configuration never removes or changes
//! anything.
//!
//! A load can reuse the previous one ([`Applied`]): the daemon remembers, per file, a
//! digest of its text and of each of its top-level sections, and per configured
//! directory a fingerprint of what the files ask of it. Then an unchanged file is not
//! parsed at all, and in a changed one only the `group` sections whose text changed are
//! parsed and checked, as long as the sections that change how a file's groups are read
//! (`default`, `namespace`, `mount`, `template`, `systemd`) and the defaults from the
//! files before it are the same. Only the groups whose fingerprint changed are planned.
//! So an edit costs in proportion to what it changed, not to the configuration. What is
//! not re-checked for the sections reused: the live tree (that a setting's file exists)
//! and user and group names (an account renamed since); a full load (start, SIGHUP)
//! checks everything and plans against the live tree again. A directory named by more
//! than one section (merging needs all of them) makes the next load a full one.

use crate::placement::{Mode, Placement};
use cgtools::backend::values::HostFacts;
use cgtools::engine::accounts::SystemAccounts;
use cgtools::engine::check::{read_source, FileError};
use cgtools::engine::config_files::conf_files_in;
use cgtools::engine::desired::{desired_state_in, DesiredCgroup};
use cgtools::{Cgroups, GroupPath, Permissions};
use grammar::cgconfig::{chunks, parse, parse_chunks};
use grammar::diagnostic::{io_reason, render_all};
use grammar::{Diagnostic, SourceFile};
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// The files to read.
#[derive(Clone, Debug)]
pub struct Sources {
    /// The main file (a missing one counts as empty).
    pub config: PathBuf,
    /// The drop-in directory (a missing one has no files).
    pub dropins: PathBuf,
}

/// A group directory: (hierarchy index, path).
pub type Key = (usize, GroupPath);

/// What the daemon remembers of a configuration it applied: enough to reload in
/// proportion to an edit, not the texts or syntax trees. Kept compact (digests, and the
/// directories' paths in one string per file): the daemon holds it while it idles.
#[derive(Clone, Debug, Default)]
pub struct Applied {
    /// The files read, in order.
    pub files: Vec<PathBuf>,
    /// Whether the main file was missing.
    pub main_missing: bool,
    /// Every configured directory (the digest of its hierarchy and path) -> the
    /// fingerprint of what the files ask of it ([`DesiredCgroup::fingerprint`]).
    groups: ByDigest<u64>,
    /// How many groups (distinct paths, whatever their hierarchies).
    group_count: usize,
    /// Per file, what a later load can reuse.
    memos: Vec<Rc<FileMemo>>,
    /// The host as the configuration was checked against it.
    host: Option<HostFacts>,
    /// Whether a later load may reuse sections (false when a directory is named by more
    /// than one section: merging them needs all of them).
    reusable: bool,
}

impl Applied {
    /// How many groups (distinct paths, whatever their hierarchies).
    pub fn groups(&self) -> usize {
        self.group_count
    }

    /// Every configured directory.
    pub fn configured(&self) -> Vec<Key> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for memo in &self.memos {
            for dir in &memo.dirs.entries {
                if !seen.insert((dir.hierarchy, memo.dirs.path(dir))) {
                    continue;
                }
                if let Ok(path) = relative_path(memo.dirs.path(dir)) {
                    out.push((dir.hierarchy, path));
                }
            }
        }
        out
    }

    /// Whether a directory configured here is not configured in `next`.
    pub fn dropped_in(&self, next: &Applied) -> bool {
        self.groups.keys().any(|key| !next.groups.contains_key(key))
    }
}

/// One file as it was loaded.
#[derive(Debug)]
struct FileMemo {
    path: PathBuf,
    /// Digest and length of the text.
    text: (u64, usize),
    /// The defaults in force before the file and after it.
    defaults_before: Permissions,
    defaults_after: Permissions,
    /// Digest of the defaults before it and of its sections other than `group`.
    context: u64,
    /// Digest of each `group` section's text -> the range of `dirs` it asks for; `None`
    /// when the file could not be cut into sections (then it is always read whole).
    sections: Option<ByDigest<(usize, usize)>>,
    /// The directories the file's groups ask for.
    dirs: Dirs,
}

/// Directories, their paths in one string.
#[derive(Debug, Default)]
struct Dirs {
    paths: String,
    entries: Vec<Dir>,
}

#[derive(Clone, Copy, Debug)]
struct Dir {
    hierarchy: usize,
    start: usize,
    len: usize,
    /// [`key_digest`] of the directory.
    key: u64,
    /// Digest of its path alone (groups are counted by path).
    path: u64,
}

impl Dirs {
    fn path(&self, dir: &Dir) -> &str {
        self.paths.get(dir.start..dir.start + dir.len).unwrap_or("")
    }

    /// Adds a directory; `digests` are its key's and its path's, when known.
    fn push(&mut self, hierarchy: usize, path: &str, digests: Option<(u64, u64)>) {
        let (key, path_digest) =
            digests.unwrap_or_else(|| (key_digest(hierarchy, path), hash(path)));
        self.entries.push(Dir {
            hierarchy,
            start: self.paths.len(),
            len: path.len(),
            key,
            path: path_digest,
        });
        self.paths.push_str(path);
    }

    /// The index range of the entries pushed since `from`.
    fn since(&self, from: usize) -> (usize, usize) {
        (from, self.entries.len())
    }

    fn range(&self, (from, to): (usize, usize)) -> &[Dir] {
        self.entries.get(from..to).unwrap_or(&[])
    }
}

/// Maps keyed by digests: the digest is the hash (hashing it again with SipHash is what a
/// reload after a one-line edit spent most of its time on).
type ByDigest<V> = HashMap<u64, V, BuildHasherDefault<DigestHasher>>;
/// A set of digests.
type Digests = HashSet<u64, BuildHasherDefault<DigestHasher>>;

/// A hasher for keys that are digests already.
#[derive(Default)]
struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Not used for `u64` keys; something sensible for anything else.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A path as [`GroupPath::as_relative`] wrote it (empty for the root).
pub fn relative_path(text: &str) -> cgtools::Result<GroupPath> {
    if text.is_empty() {
        Ok(GroupPath::root())
    } else {
        GroupPath::new(text)
    }
}

/// The digest of a directory: its hierarchy and path.
fn key_digest(hierarchy: usize, path: &str) -> u64 {
    let mut h = DefaultHasher::new();
    (hierarchy, path).hash(&mut h);
    h.finish()
}

/// A load's result.
#[derive(Debug)]
pub struct Loaded {
    /// The groups to plan, parents first: all of them after a full load; after a load
    /// that reused the previous one, those whose fingerprint changed.
    pub to_plan: Vec<DesiredCgroup>,
    /// What to remember once it is applied.
    pub applied: Applied,
    /// Whether the previous load was reused.
    pub incremental: bool,
    /// `group` sections parsed and checked, and reused without parsing.
    pub sections_checked: usize,
    /// See `sections_checked`.
    pub sections_reused: usize,
}

/// Why the files cannot be used; nothing was changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// The errors as the tools print them (`file:line:col`, the line, a caret, a hint).
    pub report: String,
    /// One line per error: `file:line:col: error: message (hint: ...)`.
    pub lines: Vec<String>,
}

impl Refused {
    fn message(text: String) -> Refused {
        Refused {
            report: format!("{text}\n"),
            lines: vec![text],
        }
    }

    /// Adds a rendered report.
    fn add_report(&mut self, report: String) {
        self.lines.extend(one_line_errors(&report));
        self.report.push_str(&report);
    }

    /// Adds a problem of `src`.
    fn add(&mut self, diagnostics: &[Diagnostic], src: &SourceFile) {
        self.add_report(render_all(diagnostics, src));
    }

    /// The first error, and how many more, on one line (for `STATUS=`).
    pub fn summary(&self) -> String {
        let first = self.lines.first().cloned().unwrap_or_default();
        match self.lines.len() {
            0 | 1 => first,
            n => format!("{first} (and {} more)", n - 1),
        }
    }
}

impl Sources {
    /// The files in reading order, and whether the main file is missing.
    pub fn files(&self) -> Result<(Vec<PathBuf>, bool), Refused> {
        let mut files = Vec::new();
        let main_missing = match std::fs::metadata(&self.config) {
            Ok(_) => {
                files.push(self.config.clone());
                false
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => true,
            Err(e) => {
                return Err(Refused::message(format!(
                    "cannot read {}: {}",
                    self.config.display(),
                    io_reason(&e)
                )))
            }
        };
        match conf_files_in(&self.dropins) {
            Ok(found) => files.extend(found),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Refused::message(format!(
                    "cannot read {}: {}",
                    self.dropins.display(),
                    io_reason(&e)
                )))
            }
        }
        Ok((files, main_missing))
    }
}

/// Loads and checks every file; merges them. With `previous` (the configuration applied
/// last), reuses what did not change (see the module docs); without, a full load.
pub fn load(
    cg: &Cgroups,
    host: &HostFacts,
    placement: &Placement,
    sources: &Sources,
    previous: Option<&Applied>,
) -> Result<Loaded, Refused> {
    let (files, main_missing) = sources.files()?;
    let reusable = previous.filter(|p| p.reusable && p.host.as_ref() == Some(host));
    if let Some(previous) = reusable {
        let run = Run::new(cg, host, placement, Some(previous));
        if let Some(loaded) = run.load(&files, main_missing)? {
            return Ok(loaded);
        }
    }
    Run::new(cg, host, placement, None)
        .load(&files, main_missing)?
        .ok_or_else(|| Refused::message("internal error: a full load gave up".into()))
}

/// One load.
struct Run<'a> {
    cg: &'a Cgroups,
    host: &'a HostFacts,
    placement: &'a Placement,
    previous: Option<&'a Applied>,
    accounts: SystemAccounts,
    defaults: Permissions,
    refused: Refused,
    /// The directories checked in this load, in file order, merged.
    fresh: Vec<DesiredCgroup>,
    /// Where each of them is in `fresh`.
    slots: HashMap<Key, usize>,
    /// The digest of every directory asked for so far.
    claimed: Digests,
    /// The directories of sections reused, with their fingerprints.
    reused_groups: Vec<(u64, u64)>,
    memos: Vec<Rc<FileMemo>>,
    reusable: bool,
    checked: usize,
    reused: usize,
}

/// A load that reuses the previous one gives up: it needs a full load.
struct GiveUp;

impl<'a> Run<'a> {
    fn new(
        cg: &'a Cgroups,
        host: &'a HostFacts,
        placement: &'a Placement,
        previous: Option<&'a Applied>,
    ) -> Self {
        Run {
            cg,
            host,
            placement,
            previous,
            // Looked up afresh on every load: an account added since the last one must be
            // found.
            accounts: SystemAccounts::default(),
            defaults: Permissions::default(),
            refused: Refused {
                report: String::new(),
                lines: Vec::new(),
            },
            fresh: Vec::new(),
            slots: HashMap::new(),
            claimed: Digests::with_capacity_and_hasher(
                previous.map_or(0, |p| p.groups.len()),
                BuildHasherDefault::default(),
            ),
            reused_groups: Vec::with_capacity(previous.map_or(0, |p| p.groups.len())),
            memos: Vec::new(),
            reusable: true,
            checked: 0,
            reused: 0,
        }
    }

    /// `Ok(None)`: a load reusing the previous one met a directory named by more than one
    /// section, and gave up.
    fn load(mut self, files: &[PathBuf], main_missing: bool) -> Result<Option<Loaded>, Refused> {
        for file in files {
            if self.file(file).is_err() {
                return Ok(None);
            }
        }
        if !self.refused.lines.is_empty() {
            return Err(self.refused);
        }
        let mut groups = ByDigest::with_capacity_and_hasher(
            self.reused_groups.len() + self.fresh.len(),
            BuildHasherDefault::default(),
        );
        groups.extend(self.reused_groups);
        let mut to_plan = Vec::new();
        for cgroup in self.fresh {
            let fingerprint = cgroup.fingerprint();
            let key = key_digest(cgroup.hierarchy, cgroup.path.as_relative());
            let unchanged = self
                .previous
                .is_some_and(|p| p.groups.get(&key) == Some(&fingerprint));
            groups.insert(key, fingerprint);
            if !unchanged {
                to_plan.push(cgroup);
            }
        }
        // Parents first, otherwise file order (a stable sort), as the engine plans.
        to_plan.sort_by_key(|c| c.path.depth());
        let group_count = self
            .memos
            .iter()
            .flat_map(|m| m.dirs.entries.iter().map(|d| d.path))
            .collect::<Digests>()
            .len();
        Ok(Some(Loaded {
            to_plan,
            applied: Applied {
                files: files.to_vec(),
                main_missing,
                groups,
                group_count,
                memos: self.memos,
                host: Some(self.host.clone()),
                reusable: self.reusable,
            },
            incremental: self.previous.is_some(),
            sections_checked: self.checked,
            sections_reused: self.reused,
        }))
    }

    /// The memo of `file` in the previous load.
    fn memo(&self, file: &Path) -> Option<&'a Rc<FileMemo>> {
        self.previous?.memos.iter().find(|m| m.path == file)
    }

    /// Records that a section reused from the previous load asks for `dirs`.
    fn claim_reused(&mut self, dirs: &[Dir]) -> Result<(), GiveUp> {
        for dir in dirs {
            let fingerprint = self
                .previous
                .and_then(|p| p.groups.get(&dir.key))
                .copied()
                .ok_or(GiveUp)?;
            if !self.claimed.insert(dir.key) {
                return Err(GiveUp);
            }
            self.reused_groups.push((dir.key, fingerprint));
        }
        Ok(())
    }

    /// Records a directory checked in this load, merging it into one named before.
    fn claim_fresh(&mut self, cgroup: DesiredCgroup) -> Result<(), GiveUp> {
        let digest = key_digest(cgroup.hierarchy, cgroup.path.as_relative());
        let digest_taken = !self.claimed.insert(digest);
        let key = (cgroup.hierarchy, cgroup.path.clone());
        match self.slots.get(&key) {
            Some(&i) => {
                self.merged()?;
                merge(&mut self.fresh[i], cgroup);
            }
            None => {
                if digest_taken {
                    // A reused section named it, or (2^-64) another directory has its
                    // digest: the next load must not rely on digests.
                    self.merged()?;
                }
                self.slots.insert(key, self.fresh.len());
                self.fresh.push(cgroup);
            }
        }
        Ok(())
    }

    /// Loads one file; problems go to `self.refused`.
    fn file(&mut self, file: &Path) -> Result<(), GiveUp> {
        let src = match read_source(file) {
            Ok(src) => src,
            Err(FileError::Unreadable {
                message: reason, ..
            }) => {
                self.refused.add_report(format!("{reason}\n"));
                return Ok(());
            }
            Err(FileError::Invalid { report, .. }) => {
                self.refused.add_report(report);
                return Ok(());
            }
        };
        let text = src.text();
        let digest = (hash(text), text.len());
        let old = self.memo(file);
        if let Some(old) = old.filter(|m| {
            m.text == digest && m.defaults_before == self.defaults && m.sections.is_some()
        }) {
            // Unchanged, and so is everything it depends on.
            self.reused += old.sections.as_ref().map_or(0, |s| s.len());
            self.claim_reused(&old.dirs.entries)?;
            self.defaults = old.defaults_after.clone();
            self.memos.push(Rc::clone(old));
            return Ok(());
        }
        // The sections to parse: all but the `group` sections reused.
        let found = chunks(text);
        let mut context = DefaultHasher::new();
        hash_permissions(&self.defaults, &mut context);
        // (start, digest) of the group sections parsed, in file order.
        let mut fresh_sections: Vec<(usize, u64)> = Vec::new();
        // (digest, range in the old memo) of those reused.
        let mut reused: Vec<(u64, (usize, usize))> = Vec::new();
        let old_dirs = old.map(|m| &m.dirs);
        let config = match &found {
            Some(found) => {
                for chunk in found.iter().filter(|c| !c.is_group) {
                    src.slice(chunk.span).hash(&mut context);
                }
                let context = context.finish();
                let old_sections = old
                    .filter(|m| m.context == context)
                    .and_then(|m| m.sections.as_ref());
                let mut spans = Vec::new();
                for chunk in found {
                    if !chunk.is_group {
                        spans.push(chunk.span);
                        continue;
                    }
                    let h = hash(src.slice(chunk.span));
                    match old_sections.and_then(|s| s.get(&h)) {
                        Some(range) => reused.push((h, *range)),
                        None => {
                            spans.push(chunk.span);
                            fresh_sections.push((chunk.span.start, h));
                        }
                    }
                }
                parse_chunks(&src, spans)
            }
            None => parse(&src),
        };
        let context = context.finish();
        let config = match config {
            Ok(config) => config,
            Err(diagnostics) => {
                self.refused.add(&diagnostics, &src);
                return Ok(());
            }
        };
        let state = desired_state_in(
            &config,
            self.cg,
            self.host,
            &self.defaults,
            &mut self.accounts,
            &self.placement.roots,
        );
        let sections_checked = config.groups().count();
        drop(config);
        let state = match state {
            Ok(state) => state,
            Err(rejected) => {
                self.refused.add(&rejected.diagnostics, &src);
                return Ok(());
            }
        };
        let problems = placement_problems(self.cg, self.placement, &state.cgroups);
        if !problems.is_empty() {
            self.refused.add(&problems, &src);
            return Ok(());
        }
        self.checked += sections_checked;
        self.reused += reused.len();
        // The memo: the reused sections' directories copied, then each parsed section's.
        let mut dirs = Dirs::default();
        let mut sections = found.as_ref().map(|_| {
            ByDigest::with_capacity_and_hasher(
                reused.len() + fresh_sections.len(),
                BuildHasherDefault::default(),
            )
        });
        for (h, range) in &reused {
            let Some(old_dirs) = old_dirs else {
                continue;
            };
            let entries = old_dirs.range(*range);
            self.claim_reused(entries)?;
            let from = dirs.entries.len();
            for dir in entries {
                dirs.push(dir.hierarchy, old_dirs.path(dir), Some((dir.key, dir.path)));
            }
            if let Some(sections) = sections.as_mut() {
                sections.insert(*h, dirs.since(from));
            }
        }
        // Each directory checked, by the section that names it (the last one starting
        // before its name).
        let mut by_section: Vec<Vec<usize>> = vec![Vec::new(); fresh_sections.len()];
        let mut unplaced = Vec::new();
        for (i, cgroup) in state.cgroups.iter().enumerate() {
            let at = fresh_sections.partition_point(|(start, _)| *start <= cgroup.span.start);
            match at.checked_sub(1) {
                Some(section) => by_section[section].push(i),
                None => unplaced.push(i),
            }
        }
        for (section, members) in by_section.iter().enumerate() {
            let from = dirs.entries.len();
            for &i in members {
                let c = &state.cgroups[i];
                let path = c.path.as_relative();
                dirs.push(c.hierarchy, path, None);
            }
            if let Some(sections) = sections.as_mut() {
                sections.insert(fresh_sections[section].1, dirs.since(from));
            }
        }
        for &i in &unplaced {
            let c = &state.cgroups[i];
            let path = c.path.as_relative();
            dirs.push(c.hierarchy, path, None);
        }
        if !unplaced.is_empty() && found.is_some() {
            // Cannot happen (every group is in a section); reading the file whole next
            // time is always right.
            sections = None;
        }
        for cgroup in state.cgroups {
            if !cgroup.also_named_at.is_empty() {
                self.merged()?;
            }
            self.claim_fresh(cgroup)?;
        }
        // Kept while the daemon idles: no spare capacity.
        dirs.paths.shrink_to_fit();
        dirs.entries.shrink_to_fit();
        self.memos.push(Rc::new(FileMemo {
            path: file.to_path_buf(),
            text: digest,
            defaults_before: std::mem::replace(&mut self.defaults, state.defaults_after.clone()),
            defaults_after: state.defaults_after,
            context,
            sections,
            dirs,
        }));
        Ok(())
    }

    /// A directory is named by more than one section: a load reusing the previous one
    /// gives up, a full load merges them and makes the next load a full one too.
    fn merged(&mut self) -> Result<(), GiveUp> {
        if self.previous.is_some() {
            return Err(GiveUp);
        }
        self.reusable = false;
        Ok(())
    }
}

/// A digest of a text.
fn hash(text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

fn hash_permissions(p: &Permissions, h: &mut DefaultHasher) {
    (
        p.admin.uid,
        p.admin.gid,
        p.task.uid,
        p.task.gid,
        p.dir_mode,
        p.file_mode,
        p.task_mode,
    )
        .hash(h);
}

/// A later file's section for a group an earlier file named: what applying both in order
/// would leave.
fn merge(into: &mut DesiredCgroup, later: DesiredCgroup) {
    let p = &mut into.permissions;
    let q = later.permissions;
    p.admin.uid = q.admin.uid.or(p.admin.uid);
    p.admin.gid = q.admin.gid.or(p.admin.gid);
    p.task.uid = q.task.uid.or(p.task.uid);
    p.task.gid = q.task.gid.or(p.task.gid);
    p.dir_mode = q.dir_mode.or(p.dir_mode);
    p.file_mode = q.file_mode.or(p.file_mode);
    p.task_mode = q.task_mode.or(p.task_mode);
    for controller in later.controllers {
        if !into.controllers.contains(&controller) {
            into.controllers.push(controller);
        }
    }
    for setting in later.settings {
        into.settings.retain(|s| s.name != setting.name);
        into.settings.push(setting);
    }
}

/// Delegated mode's limits, as located errors: the supervisor leaf and systemd's
/// `.control` are not configurable, and the service's own cgroup takes no settings
/// (systemd owns its attributes: use the unit's resource-control settings). A v2
/// controller the service's cgroup does not have (it would need a write above it) is
/// refused while the file is checked, at its block ([`Placement::delegated`] offers the
/// engine only the delegated ones), before its settings are looked for.
fn placement_problems(
    cg: &Cgroups,
    placement: &Placement,
    cgroups: &[DesiredCgroup],
) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    if placement.mode != Mode::Delegated {
        return problems;
    }
    for c in cgroups {
        let label = cg.hierarchies()[c.hierarchy].label();
        if let Some((_, reserved)) = placement
            .reserved
            .iter()
            .find(|(h, r)| *h == c.hierarchy && c.path.is_within(r))
        {
            problems.push(
                Diagnostic::error(
                    c.span,
                    format!(
                        "`{}` is reserved in delegated mode ({label}:{reserved} is cgconfigd's own or systemd's)",
                        c.group
                    ),
                )
                .with_hint("give the group another name"),
            );
            continue;
        }
        if placement.unit.as_ref() == Some(&c.path)
            && (!c.settings.is_empty() || c.permissions != Permissions::default())
        {
            problems.push(
                Diagnostic::error(
                    c.span,
                    format!(
                        "`{}` is the service's own cgroup ({label}:{}), whose settings belong to systemd",
                        c.group, c.path
                    ),
                )
                .with_hint("set its limits in the unit (MemoryMax=, CPUWeight=, ...) or name a group below it"),
            );
        }
    }
    // The desired state is in depth order; errors are read in file order.
    problems.sort_by_key(|d| d.span.start);
    problems
}

/// The headlines of a rendered report (`file:line:col: error: message`), each with its
/// hint and notes, one line per error. The renderer puts headlines at the start of a line
/// and everything else (source line, caret, hint) indented; a note (`file:line:col: note:
/// the first block is here`) is a headline of its own, folded into the error it explains
/// so that it is neither logged as an error nor counted as one.
pub fn one_line_errors(report: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in report.lines() {
        if line.is_empty() {
            continue;
        }
        let note = crate::log::diagnostic_header(line)
            .filter(|(_, label, _)| label.starts_with("note: "))
            .map(|(at, _, message)| format!(" (note at {at}: {message})"));
        if let (Some(note), Some(last)) = (&note, out.last_mut()) {
            last.push_str(note);
        } else if !line.starts_with(' ') {
            out.push(line.to_string());
        } else if let Some(hint) = line.trim_start().strip_prefix("= hint: ") {
            if let Some(last) = out.last_mut() {
                last.push_str(&format!(" (hint: {hint})"));
            }
        }
    }
    out
}

/// Whether `path` names a file the loader would read from the drop-in directory.
pub fn is_dropin_name(name: &std::ffi::OsStr) -> bool {
    let bytes = name.as_encoded_bytes();
    bytes.len() > ".conf".len() && bytes.ends_with(b".conf") && !bytes.starts_with(b".")
}

/// The file names as one phrase for the log (`a.conf + 2 drop-ins`).
pub fn describe_files(files: &[PathBuf], main: &Path) -> String {
    let dropins = files.iter().filter(|f| f.as_path() != main).count();
    let main_read = files.iter().any(|f| f.as_path() == main);
    match (main_read, dropins) {
        (true, 0) => main.display().to_string(),
        (true, n) => format!(
            "{} + {n} drop-in{}",
            main.display(),
            if n == 1 { "" } else { "s" }
        ),
        (false, 0) => "no files".to_string(),
        (false, n) => format!("{n} drop-in{}", if n == 1 { "" } else { "s" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use grammar::SourceFile;

    #[test]
    fn one_line_per_error_with_its_hint() {
        let src = SourceFile::new("a.conf", "group x {\n\tcpu { cpu.shares = 1:2; }\n}\n");
        let errors = grammar::cgconfig::parse(&src).unwrap_err();
        let report = render_all(&errors, &src);
        let lines = one_line_errors(&report);
        assert_eq!(lines.len(), errors.len());
        assert!(
            lines[0].starts_with("a.conf:2:22: error: unexpected `:`"),
            "{lines:?}"
        );
        assert!(lines[0].contains("(hint: "), "{lines:?}");
        let refused = Refused {
            report,
            lines: vec!["a".into(), "b".into(), "c".into()],
        };
        assert_eq!(refused.summary(), "a (and 2 more)");
    }

    #[test]
    fn notes_are_folded_into_the_error_they_explain() {
        let src = SourceFile::new("c.conf", "group c { cpu { } cpu { } }\n");
        let errors = grammar::cgconfig::parse(&src).unwrap_err();
        assert_eq!(
            one_line_errors(&render_all(&errors, &src)),
            [
                "c.conf:1:19: error: controller `cpu` appears twice in group `c` \
                 (hint: merge the settings into one block) \
                 (note at c.conf:1:11: the first block is here)"
            ]
        );
    }

    #[test]
    fn delegated_mode_refuses_what_it_must_not_write_at_its_place() {
        use crate::placement::Placement;
        use std::fs;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sys/fs/cgroup");
        let unit = root.join("system.slice/x.service");
        fs::create_dir_all(&unit).unwrap();
        fs::write(root.join("cgroup.controllers"), "memory pids").unwrap();
        fs::write(unit.join("cgroup.controllers"), "pids").unwrap();
        for file in ["pids.max", "cgroup.max.depth"] {
            fs::write(unit.join(file), "max").unwrap();
        }
        let cg = Cgroups::from_sources(
            "30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
            None,
            dir.path(),
        )
        .unwrap();
        let own = cg.membership_from("0::/system.slice/x.service\n");
        let placement = Placement::delegated(&cg, &own, &GroupPath::root(), "supervisor").unwrap();
        let config = dir.path().join("c.conf");
        fs::write(
            &config,
            "group supervisor { pids { pids.max = 5; } }\n\
             group . { pids { pids.max = 5; } }\n\
             group b { pids { pids.max = 5; } }\n",
        )
        .unwrap();
        let sources = Sources {
            config: config.clone(),
            dropins: dir.path().join("none"),
        };
        let refused = load(&cg, &HostFacts::example(), &placement, &sources, None).unwrap_err();
        let at = |line: usize, col: usize| format!("{}:{line}:{col}: error: ", config.display());
        assert_eq!(refused.lines.len(), 2, "{:?}", refused.lines);
        assert!(
            refused.lines[0].starts_with(&format!(
                "{}`supervisor` is reserved in delegated mode",
                at(1, 7)
            )),
            "{:?}",
            refused.lines
        );
        assert!(
            refused.lines[1].starts_with(&format!("{}`.` is the service's own cgroup", at(2, 7))),
            "{:?}",
            refused.lines
        );
        // A controller its cgroup does not have is refused at its block, with the list.
        fs::write(
            &config,
            "group b { pids { pids.max = 5; } }\ngroup a { memory { } }\n",
        )
        .unwrap();
        let refused = load(&cg, &HostFacts::example(), &placement, &sources, None).unwrap_err();
        assert_eq!(refused.lines.len(), 1, "{:?}", refused.lines);
        assert!(
            refused.lines[0].starts_with(&format!(
                "{}controller `memory` is not delegated to cgconfigd: {}/cgroup.controllers lists only pids (hint: under systemd, delegate it with Delegate=yes",
                at(2, 11),
                unit.display()
            )),
            "{:?}",
            refused.lines
        );
        // Without them, the file loads, rooted below the service's cgroup.
        fs::write(&config, "group b { pids { pids.max = 5; } }\n").unwrap();
        let desired = load(&cg, &HostFacts::example(), &placement, &sources, None).unwrap();
        assert_eq!(
            desired.to_plan[0].path.to_string(),
            "/system.slice/x.service/b"
        );
        assert_eq!(desired.applied.groups(), 1);
    }

    /// The host (pure v2, no systemd): cgconfigd runs in `svc/inner`, whose parent
    /// enabled nothing for it. Its settings are not "missing files": the controllers are
    /// not delegated, and that is what each block says, with the list and a hint.
    #[test]
    fn controllers_not_delegated_are_the_cause_not_missing_files() {
        use crate::placement::Placement;
        use std::fs;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sys/fs/cgroup");
        let inner = root.join("svc/inner");
        fs::create_dir_all(&inner).unwrap();
        fs::write(root.join("cgroup.controllers"), "cpuset cpu io memory pids").unwrap();
        fs::write(root.join("svc/cgroup.controllers"), "").unwrap();
        fs::write(root.join("svc/cgroup.subtree_control"), "").unwrap();
        // What the kernel gives a group without controllers: core files and PSI.
        for file in [
            "cgroup.controllers",
            "cgroup.procs",
            "cgroup.subtree_control",
            "cgroup.max.descendants",
            "cpu.pressure",
            "cpu.stat",
            "io.pressure",
            "memory.pressure",
        ] {
            fs::write(inner.join(file), "").unwrap();
        }
        let cg = Cgroups::from_sources(
            "30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
            None,
            dir.path(),
        )
        .unwrap();
        let own = cg.membership_from("0::/svc/inner\n");
        let placement = Placement::delegated(&cg, &own, &GroupPath::root(), "supervisor").unwrap();
        let config = dir.path().join("cgconfig.conf");
        fs::write(
            &config,
            "group web {\n\tcpuset { cpuset.cpus = 0; }\n\tmemory { memory.max = 100M; }\n\tcgroup { cgroup.max.descendants = 5; }\n}\n",
        )
        .unwrap();
        let sources = Sources {
            config: config.clone(),
            dropins: dir.path().join("none"),
        };
        let refused = load(&cg, &HostFacts::example(), &placement, &sources, None).unwrap_err();
        let report = refused.report.replace(dir.path().to_str().unwrap(), "$TMP");
        insta::assert_snapshot!(report);
        assert_eq!(refused.lines.len(), 2, "{:?}", refused.lines);

        // Once its parent enables them (what Delegate= does), the same file loads.
        fs::write(inner.join("cgroup.controllers"), "cpuset memory").unwrap();
        let own = cg.membership_from("0::/svc/inner\n");
        let placement = Placement::delegated(&cg, &own, &GroupPath::root(), "supervisor").unwrap();
        for file in ["cpuset.cpus", "memory.max"] {
            fs::write(inner.join(file), "").unwrap();
        }
        let loaded = load(&cg, &HostFacts::example(), &placement, &sources, None).unwrap();
        assert_eq!(loaded.to_plan[0].path.to_string(), "/svc/inner/web");
        assert_eq!(loaded.to_plan[0].controllers, ["cpuset", "memory"]);
    }

    /// A fake v2 host with an existing group whose files new groups will have.
    fn v2_host() -> (tempfile::TempDir, Cgroups) {
        use std::fs;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sys/fs/cgroup");
        let existing = root.join("existing");
        fs::create_dir_all(&existing).unwrap();
        fs::write(root.join("cgroup.controllers"), "pids").unwrap();
        for file in ["pids.max", "cgroup.max.descendants", "cgroup.procs"] {
            fs::write(existing.join(file), "max").unwrap();
        }
        let cg = Cgroups::from_sources(
            "30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
            None,
            dir.path(),
        )
        .unwrap();
        (dir, cg)
    }

    /// `n` groups; every third has its own task owner, and `g{edit}` gets `value`.
    fn groups_text(n: usize, edit: usize, value: u32) -> String {
        let mut text = String::from("default { perm { task { uid = 1000; } } }\n");
        for i in 0..n {
            let v = if i == edit { value } else { 5 };
            text.push_str(&format!("group g{i} {{\n"));
            if i % 3 == 0 {
                text.push_str("\tperm { task { uid = 2000; } }\n");
            }
            text.push_str(&format!("\tpids {{ pids.max = {v}; }}\n}}\n"));
        }
        text
    }

    fn planned(loaded: &Loaded) -> Vec<String> {
        loaded.to_plan.iter().map(|c| c.path.to_string()).collect()
    }

    #[test]
    fn a_reload_checks_and_plans_only_what_the_edit_changed() {
        use std::fs;
        let (dir, cg) = v2_host();
        let host = HostFacts::example();
        let placement = Placement::root(GroupPath::root());
        let config = dir.path().join("c.conf");
        let sources = Sources {
            config: config.clone(),
            dropins: dir.path().join("d"),
        };
        let load_now =
            |previous: Option<&Applied>| load(&cg, &host, &placement, &sources, previous);
        fs::write(&config, groups_text(30, 0, 5)).unwrap();
        let first = load_now(None).unwrap();
        assert!(!first.incremental);
        assert_eq!(first.to_plan.len(), 30);
        assert_eq!(first.sections_checked, 30);
        let mut applied = first.applied;
        assert_eq!(applied.groups(), 30);

        // Nothing changed: nothing parsed, nothing planned.
        let same = load_now(Some(&applied)).unwrap();
        assert!(same.incremental);
        assert_eq!((same.sections_checked, same.sections_reused), (0, 30));
        assert!(same.to_plan.is_empty());

        // One line: that group only.
        fs::write(&config, groups_text(30, 7, 9)).unwrap();
        let one = load_now(Some(&applied)).unwrap();
        assert_eq!((one.sections_checked, one.sections_reused), (1, 29));
        assert_eq!(planned(&one), ["/g7"]);
        assert_eq!(one.to_plan[0].settings[0].value, "9");
        assert!(!applied.dropped_in(&one.applied));
        applied = one.applied;

        // A comment in a group: read again, nothing to plan.
        fs::write(
            &config,
            groups_text(30, 7, 9).replace("group g8 {", "group g8 { # why"),
        )
        .unwrap();
        let comment = load_now(Some(&applied)).unwrap();
        assert_eq!(comment.sections_checked, 1);
        assert!(comment.to_plan.is_empty());
        applied = comment.applied;

        // The default changes: every group is checked again, and the groups whose owner
        // comes from it are planned; those with their own are not.
        fs::write(
            &config,
            groups_text(30, 7, 9).replace("uid = 1000", "uid = 1001"),
        )
        .unwrap();
        let defaults = load_now(Some(&applied)).unwrap();
        assert_eq!(defaults.sections_checked, 30);
        assert_eq!(defaults.to_plan.len(), 20);
        assert!(defaults
            .to_plan
            .iter()
            .all(|c| c.permissions.task.uid == Some(1001)));
        applied = defaults.applied;

        // A bad edit (a good change in g1, an error in g2) is refused as a whole, and
        // the next good edit is compared with what was applied before it.
        let text = groups_text(30, 7, 9).replace("uid = 1000", "uid = 1001");
        let bad = text
            .replace(
                "group g1 {\n\tpids { pids.max = 5;",
                "group g1 {\n\tpids { pids.max = 6;",
            )
            .replace(
                "group g2 {\n\tpids { pids.max = 5;",
                "group g2 {\n\tpids { pids.max = 1:2;",
            );
        fs::write(&config, &bad).unwrap();
        let refused = load_now(Some(&applied)).unwrap_err();
        assert_eq!(refused.lines.len(), 1, "{:?}", refused.lines);
        assert!(refused.lines[0].contains("c.conf:"), "{:?}", refused.lines);
        let unknown = text.replace(
            "group g2 {\n\tpids { pids.max = 5;",
            "group g2 {\n\tpids { pids.maks = 5;",
        );
        fs::write(&config, &unknown).unwrap();
        let refused = load_now(Some(&applied)).unwrap_err();
        assert!(
            refused.lines[0].contains("pids.maks"),
            "{:?}",
            refused.lines
        );
        fs::write(
            &config,
            text.replace(
                "group g1 {\n\tpids { pids.max = 5;",
                "group g1 {\n\tpids { pids.max = 6;",
            ),
        )
        .unwrap();
        let good = load_now(Some(&applied)).unwrap();
        assert_eq!(planned(&good), ["/g1"]);
        applied = good.applied;

        // A group dropped: nothing to plan, but the reconciler is told.
        let dropped_text = fs::read_to_string(&config)
            .unwrap()
            .replace("group g29 {\n\tpids { pids.max = 5; }\n}\n", "");
        fs::write(&config, dropped_text).unwrap();
        let dropped = load_now(Some(&applied)).unwrap();
        assert!(dropped.to_plan.is_empty());
        assert!(applied.dropped_in(&dropped.applied));
        assert_eq!(dropped.applied.groups(), 29);
        assert!(!dropped
            .applied
            .configured()
            .iter()
            .any(|(_, p)| p.as_relative() == "g29"));
    }

    #[test]
    fn defaults_and_groups_across_files_are_followed() {
        use std::fs;
        let (dir, cg) = v2_host();
        let host = HostFacts::example();
        let placement = Placement::root(GroupPath::root());
        let config = dir.path().join("c.conf");
        let dropins = dir.path().join("d");
        fs::create_dir(&dropins).unwrap();
        let sources = Sources {
            config: config.clone(),
            dropins: dropins.clone(),
        };
        let load_now =
            |previous: Option<&Applied>| load(&cg, &host, &placement, &sources, previous);
        fs::write(
            &config,
            "default { perm { task { uid = 1000; } } }\ngroup a { pids { } }\n",
        )
        .unwrap();
        fs::write(
            dropins.join("10-b.conf"),
            "group b { pids { pids.max = 3; } }\n",
        )
        .unwrap();
        let applied = load_now(None).unwrap().applied;
        // The main file's default changes the drop-in's groups too, whose text did not
        // change.
        fs::write(
            &config,
            "default { perm { task { uid = 1001; } } }\ngroup a { pids { } }\n",
        )
        .unwrap();
        let next = load_now(Some(&applied)).unwrap();
        assert_eq!(planned(&next), ["/a", "/b"]);
        let applied = next.applied;
        // A drop-in naming a group of the main file: merged as applying both in order,
        // with a full load, and the next load is a full one too.
        fs::write(
            dropins.join("20-a.conf"),
            "group a { pids { pids.max = 4; } }\n",
        )
        .unwrap();
        let merged = load_now(Some(&applied)).unwrap();
        assert!(!merged.incremental);
        let a = merged
            .to_plan
            .iter()
            .find(|c| c.path.as_relative() == "a")
            .unwrap();
        assert_eq!(a.settings[0].value, "4");
        assert_eq!(a.permissions.task.uid, Some(1001));
        assert!(!load_now(Some(&merged.applied)).unwrap().incremental);
        // Gone again: incremental again after one full load.
        fs::remove_file(dropins.join("20-a.conf")).unwrap();
        let full = load_now(Some(&merged.applied)).unwrap();
        assert!(!full.incremental);
        assert!(load_now(Some(&full.applied)).unwrap().incremental);
    }

    #[test]
    fn dropin_names_follow_the_loader() {
        for (name, ok) in [
            ("10-web.conf", true),
            (".10-web.conf.swp", false),
            ("10-web.conf~", false),
            (".conf", false),
            (".hidden.conf", false),
        ] {
            assert_eq!(is_dropin_name(std::ffi::OsStr::new(name)), ok, "{name}");
        }
    }

    #[test]
    fn files_described() {
        let main = Path::new("/etc/cgconfig.conf");
        let d = PathBuf::from("/etc/cgconfig.d/a.conf");
        assert_eq!(
            describe_files(&[main.to_path_buf(), d.clone()], main),
            "/etc/cgconfig.conf + 1 drop-in"
        );
        assert_eq!(describe_files(&[d], main), "1 drop-in");
        assert_eq!(describe_files(&[], main), "no files");
    }
}
