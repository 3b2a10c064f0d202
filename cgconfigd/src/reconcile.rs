//! Making the live tree match the configuration, recording ownership on the way.
//!
//! One reconcile:
//!
//! 1. check the record against the live tree ([`Record::check`]; the first time only);
//! 2. plan with the engine the groups it is given (reads only: an unchanged configuration
//!    plans nothing; after an edit the daemon gives only the groups the edit changed);
//! 3. record every directory the plan will create, save the record;
//! 4. apply with the engine's undo log, the record saved again before any directory the
//!    plan did not foresee ([`cgtools::engine::apply::Observer`]); on failure the engine
//!    takes back what this run did;
//! 5. settle the record (pending entries get their inode, or are dropped);
//! 6. remove the recorded directories the configuration no longer needs, deepest first,
//!    each only when it is empty (no task, no child group); others are kept and reported.
//!    Skipped when no configured directory left the configuration and none is kept: after
//!    a reconcile every recorded directory is configured (or an ancestor of one) or kept.

use crate::config::Key;
use crate::log::Logger;
use crate::record::{Record, Verdict};
use cgtools::backend::values::HostFacts;
use cgtools::engine::apply::{apply_observed, Observer};
use cgtools::engine::desired::{DesiredCgroup, DesiredState};
use cgtools::engine::plan::{plan, Plan};
use cgtools::{Cgroups, Error, ErrorKind, GroupPath, Op, Removal};
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// What a reconcile did.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Directories created.
    pub created: usize,
    /// Settings written.
    pub written: usize,
    /// Owner and mode changes.
    pub meta: usize,
    /// Groups removed, as `hierarchy:/path`.
    pub removed: Vec<String>,
    /// How long it took.
    pub took: Duration,
}

impl Outcome {
    /// Whether anything changed.
    pub fn changed(&self) -> bool {
        self.created + self.written + self.meta + self.removed.len() > 0
    }

    /// One line for the log.
    pub fn describe(&self) -> String {
        if !self.changed() {
            return format!("nothing to change ({} ms)", self.took.as_millis());
        }
        let mut parts = Vec::new();
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        if self.created > 0 {
            parts.push(format!(
                "{} created",
                plural(self.created, "directory", "directories")
            ));
        }
        if self.written > 0 {
            parts.push(format!(
                "{} written",
                plural(self.written, "setting", "settings")
            ));
        }
        if self.meta > 0 {
            parts.push(format!(
                "{} set",
                plural(self.meta, "owner or mode", "owners and modes")
            ));
        }
        if !self.removed.is_empty() {
            parts.push(format!(
                "{} removed",
                plural(self.removed.len(), "group", "groups")
            ));
        }
        format!("{} ({} ms)", parts.join(", "), self.took.as_millis())
    }
}

/// A dropped group that could not be removed, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kept {
    /// `hierarchy:/path`.
    pub group: String,
    /// Why it stays.
    pub reason: String,
}

/// The reconciler: the backend, the host, the record, and what it keeps no matter what.
pub struct Reconciler<'a> {
    cg: &'a Cgroups,
    record: Record,
    /// Never removed: the daemon's own leaves.
    keep_always: Vec<(usize, GroupPath)>,
    /// Dropped groups kept last time, so that each is reported once, not on every reload.
    kept: Vec<Kept>,
    kept_keys: HashSet<(usize, GroupPath)>,
    /// Whether the whole record was checked against the live tree (once, at the first
    /// reconcile; afterwards only the entries about to be removed are, one by one).
    checked: bool,
    /// The groups of the containers that run (`crate::containers`): recorded, not
    /// configured, and never removed while they run.
    in_use: Vec<Key>,
}

impl<'a> Reconciler<'a> {
    /// A reconciler writing through `cg` and recording in `record`.
    pub fn new(cg: &'a Cgroups, record: Record, keep_always: Vec<(usize, GroupPath)>) -> Self {
        Reconciler {
            cg,
            record,
            keep_always,
            kept: Vec::new(),
            kept_keys: HashSet::new(),
            checked: false,
            in_use: Vec::new(),
        }
    }

    /// The record, for the containers' groups (recorded before they are created, as
    /// every directory the daemon makes).
    pub fn record_mut(&mut self) -> &mut Record {
        &mut self.record
    }

    /// The groups of the running containers, which pruning leaves alone.
    pub fn set_in_use(&mut self, groups: Vec<Key>) {
        self.in_use = groups;
    }

    /// What pruning keeps besides the configured groups.
    fn always(&self) -> Vec<Key> {
        self.keep_always
            .iter()
            .chain(&self.in_use)
            .cloned()
            .collect()
    }

    /// The record.
    pub fn record(&self) -> &Record {
        &self.record
    }

    /// The dropped groups that could not be removed at the last attempt.
    pub fn kept(&self) -> &[Kept] {
        &self.kept
    }

    /// Makes the live tree match `to_plan` (groups, parents first), and removes the
    /// recorded directories that are not `configured` (nor an ancestor of one) when
    /// `dropped` says some may have left the configuration (`configured` is called only
    /// then). On `Err` nothing of this run stays changed (the engine undid it) except
    /// removals already made, and the message says what failed.
    pub fn reconcile(
        &mut self,
        to_plan: Vec<DesiredCgroup>,
        configured: impl FnOnce() -> Vec<Key>,
        dropped: bool,
        host: &HostFacts,
        log: &Logger,
    ) -> Result<Outcome, String> {
        let start = Instant::now();
        let prune = dropped || !self.checked || !self.kept.is_empty();
        if !self.checked {
            self.check_record(log)?;
        }
        let state = DesiredState {
            cgroups: to_plan,
            ..DesiredState::default()
        };
        let planned = plan(self.cg, &state, host).map_err(|e| with_hint("cannot plan", &e))?;
        drop(state);
        log.debug(&format!(
            "planned {} steps in {} ms",
            planned.steps.len(),
            start.elapsed().as_millis()
        ));
        let mut outcome = Outcome::default();
        if !planned.is_empty() {
            let intents = planned.new_directories(self.cg);
            if self.record.add_pending(self.cg, &intents) {
                self.save()?;
            }
            let mut observer = RecordFirst {
                cg: self.cg,
                record: &mut self.record,
            };
            let result = apply_observed(self.cg, &planned, &mut observer);
            // Settle pending entries whatever happened: created ones get their inode,
            // undone or never created ones are dropped.
            self.record.settle(self.cg);
            self.save()?;
            match result {
                Ok(applied) => {
                    for (h, path) in &applied.created_dirs {
                        log.debug(&format!(
                            "created {}:{path}",
                            self.cg.hierarchies()[*h].label()
                        ));
                    }
                    outcome.created = applied.created;
                    outcome.written = applied.written;
                    outcome.meta = applied.meta;
                }
                Err(failure) => {
                    let mut message = format!("{} (while {})", failure.error, failure.step);
                    if let Some(hint) = failure.error.hint() {
                        message.push_str(&format!("; hint: {hint}"));
                    }
                    let undone = failure.undone.len();
                    message.push_str(&format!(
                        "; took back the {undone} change{} it had made",
                        if undone == 1 { "" } else { "s" }
                    ));
                    if !failure.not_undone.is_empty() {
                        message.push_str(&format!(
                            "; could not take back: {}",
                            failure.not_undone.join("; ")
                        ));
                    }
                    return Err(message);
                }
            }
        }
        drop(planned);
        if prune {
            let keep = keep_set(&configured(), &self.always());
            outcome.removed = self.prune(&keep, "no longer in the configuration", log)?;
        }
        outcome.took = start.elapsed();
        Ok(outcome)
    }

    /// Tries again to remove the dropped groups kept last time (their tasks may have
    /// left). Returns the groups removed.
    pub fn retry_kept(&mut self, configured: &[Key], log: &Logger) -> Result<Vec<String>, String> {
        if self.kept.is_empty() {
            return Ok(Vec::new());
        }
        let keep = keep_set(configured, &self.always());
        self.prune(&keep, "no longer in the configuration", log)
    }

    /// Removes every empty group the record lists except the daemon's own leaves
    /// (`--unload`, `--remove-on-stop`). Returns the groups removed.
    pub fn remove_all(&mut self, log: &Logger) -> Result<Vec<String>, String> {
        self.check_record(log)?;
        let keep = keep_set(&[], &self.always());
        self.prune(&keep, "removing every group cgconfigd created", log)
    }

    /// What a reconcile would do, without doing it: the plan and the groups it would
    /// try to remove (`--dry-run`).
    pub fn preview(
        &self,
        to_plan: Vec<DesiredCgroup>,
        configured: &[Key],
        host: &HostFacts,
    ) -> Result<(Plan, Vec<String>), String> {
        let state = DesiredState {
            cgroups: to_plan,
            ..DesiredState::default()
        };
        let planned = plan(self.cg, &state, host).map_err(|e| with_hint("cannot plan", &e))?;
        let keep = keep_set(configured, &self.always());
        let removals = self
            .record
            .owned(self.cg)
            .into_iter()
            .filter(|key| !keep.contains(key))
            .filter(|(h, path)| {
                self.cg
                    .cgroup(&self.cg.hierarchies()[*h], path)
                    .is_ok_and(|c| c.exists())
            })
            .map(|(h, path)| format!("{}:{path}", self.cg.hierarchies()[h].label()))
            .collect();
        Ok((planned, removals))
    }

    fn check_record(&mut self, log: &Logger) -> Result<(), String> {
        self.checked = true;
        let checked = self.record.check(self.cg);
        if !checked.adopted.is_empty() {
            log.notice(&format!(
                "{} created by an apply that was interrupted: recorded as cgconfigd's",
                some(&checked.adopted, "directory", "directories")
            ));
        }
        if !checked.never_created.is_empty() {
            log.debug(&format!(
                "{} announced by an interrupted apply and never created: forgotten",
                some(&checked.never_created, "directory", "directories")
            ));
        }
        for group in &checked.gone {
            log.info(&format!(
                "{group}, created by cgconfigd, was removed by someone else: forgotten"
            ));
        }
        for group in &checked.replaced {
            log.notice(&format!(
                "{group} was removed and re-created by someone else: no longer cgconfigd's"
            ));
        }
        self.save()
    }

    fn save(&mut self) -> Result<(), String> {
        self.record.save().map_err(|e| {
            format!(
                "cannot save the ownership record {}: {}",
                self.record
                    .file()
                    .map_or_else(String::new, |f| f.display().to_string()),
                grammar::diagnostic::io_reason(&e)
            )
        })
    }

    /// Removes the recorded directories not in `keep`, deepest first, each only when it
    /// is empty.
    fn prune(
        &mut self,
        keep: &HashSet<(usize, GroupPath)>,
        why: &str,
        log: &Logger,
    ) -> Result<Vec<String>, String> {
        let mut removed = Vec::new();
        let mut kept = Vec::new();
        let mut kept_keys = HashSet::new();
        for (h, path) in self.record.owned(self.cg) {
            if keep.contains(&(h, path.clone())) {
                continue;
            }
            let hierarchy = &self.cg.hierarchies()[h];
            let group = format!("{}:{path}", hierarchy.label());
            match self.record.verify(self.cg, h, &path) {
                Verdict::Ours => {}
                Verdict::Gone | Verdict::NotRecorded => {
                    log.info(&format!(
                        "{group}, created by cgconfigd, was removed by someone else: forgotten"
                    ));
                    self.record.forget(self.cg, h, &path);
                    continue;
                }
                Verdict::Replaced => {
                    log.notice(&format!(
                        "{group} was removed and re-created by someone else: no longer cgconfigd's, left alone"
                    ));
                    self.record.forget(self.cg, h, &path);
                    continue;
                }
            }
            let result = self
                .cg
                .cgroup(hierarchy, &path)
                .and_then(|c| c.remove(Removal::EmptyOnly));
            match result {
                Ok(_) => {
                    // Saved at the end: a crash before that leaves an entry for a
                    // directory that is gone, which the next check forgets.
                    self.record.forget(self.cg, h, &path);
                    log.notice(&format!("removed {group}: {why}"));
                    removed.push(group);
                }
                Err(e) if matches!(e.kind(), ErrorKind::GroupMissing { .. }) => {
                    self.record.forget(self.cg, h, &path);
                }
                Err(e) => {
                    let reason = match e.kind() {
                        ErrorKind::NotEmpty { tasks, .. } if *tasks > 0 => format!(
                            "it still has {tasks} task{}",
                            if *tasks == 1 { "" } else { "s" }
                        ),
                        ErrorKind::NotEmpty { children, .. } => format!(
                            "it still has {children} child group{}",
                            if *children == 1 { "" } else { "s" }
                        ),
                        _ => e.to_string(),
                    };
                    if !self.kept_keys.contains(&(h, path.clone())) {
                        log.notice(&format!(
                            "kept {group} ({why}): {reason}; it is removed once empty"
                        ));
                    }
                    kept_keys.insert((h, path.clone()));
                    kept.push(Kept { group, reason });
                }
            }
        }
        self.kept = kept;
        self.kept_keys = kept_keys;
        self.save()?;
        Ok(removed)
    }
}

/// Every configured directory and its ancestors, and the daemon's own leaves: what
/// pruning leaves alone.
fn keep_set(configured: &[Key], keep_always: &[Key]) -> HashSet<Key> {
    let mut keep = HashSet::new();
    let all = configured.iter().chain(keep_always).map(|(h, p)| (*h, p));
    for (h, path) in all {
        if !keep.insert((h, path.clone())) {
            continue;
        }
        for ancestor in path.ancestors() {
            keep.insert((h, ancestor));
        }
    }
    keep
}

/// Saves the record before a directory the plan did not foresee is created.
struct RecordFirst<'r, 'c> {
    cg: &'c Cgroups,
    record: &'r mut Record,
}

impl Observer for RecordFirst<'_, '_> {
    fn before_create(&mut self, hierarchy: usize, dirs: &[GroupPath]) -> Result<(), Error> {
        let list: Vec<(usize, GroupPath)> = dirs.iter().map(|d| (hierarchy, d.clone())).collect();
        if self.record.add_pending(self.cg, &list) {
            self.record.save().map_err(|e| {
                Error::os(
                    Op::Create,
                    self.record.file().unwrap_or(std::path::Path::new("record")),
                    nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(0)),
                )
                .with_hint("cgconfigd records a group before creating it; make its state directory writable")
            })?;
        }
        Ok(())
    }
}

/// `3 directories (a, b, c)`, the list cut after five.
fn some(items: &[String], one: &str, many: &str) -> String {
    let shown: Vec<&str> = items.iter().take(5).map(String::as_str).collect();
    format!(
        "{} {} ({}{})",
        items.len(),
        if items.len() == 1 { one } else { many },
        shown.join(", "),
        if items.len() > 5 { ", ..." } else { "" }
    )
}

fn with_hint(what: &str, e: &Error) -> String {
    match e.hint() {
        Some(hint) => format!("{what}: {e}; hint: {hint}"),
        None => format!("{what}: {e}"),
    }
}
