//! The live rules engine: cgrules.conf applied to every process as it starts.
//!
//! [`Engine`] holds the compiled rules ([`Classifier`]) and moves processes:
//!
//! * [`Engine::reload`] reads the rules file and the rules directory; a file with errors
//!   changes nothing (the old rules stay) and the errors come back one line each,
//!   `file:line:col: error: ...`.
//! * [`Engine::handle`] classifies the processes of a batch of connector events (`Exec`,
//!   `Uid`, `Gid`): each process once per batch, from what `/proc` says when it is read,
//!   so a process that executed twice is classified by its last program. An `Overrun`
//!   in the batch turns it into a rescan.
//! * [`Engine::rescan`] classifies every process of `/proc` (at start, after a reload,
//!   after an overrun).
//! * [`Engine::plan`] says, without moving anything, where each process would go.
//!
//! Never touched: kernel threads (no executable), the daemon itself, processes whose rule
//! says `ignore` (or `ignore_rt` for a real-time one), and sticky processes
//! ([`Engine::set_sticky`], the seam for the cgred socket). A process that exits between
//! its event and its move is not an error.

use super::connector::{self, Event};
use cgtools::engine::accounts::SystemAccounts;
use cgtools::rules::classify::{Classifier, Decision, Placement, Process};
use cgtools::{Cgroups, GroupPath};
use grammar::cgrules::Rules;
use nix::errno::Errno;
use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

/// Where the rules are read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RulesSources {
    /// The main file (`/etc/cgrules.conf`); a missing one counts as empty.
    pub main: PathBuf,
    /// The directory (`/etc/cgrules.d`): its files that are not hidden, in name order,
    /// after the main file; a missing one counts as empty.
    pub dir: PathBuf,
}

/// Rules read and compiled.
pub struct Loaded {
    /// Ready to classify with.
    pub classifier: Classifier,
    /// How many rules (with their `%` lines).
    pub rules: usize,
    /// The files read, in order.
    pub files: Vec<PathBuf>,
    /// Warnings (rules skipped for an unknown user or group), one line each.
    pub warnings: Vec<String>,
}

/// The files of `sources` in reading order: the main file if it exists, then the
/// directory's files that are not hidden or backups, in name order.
pub fn files(sources: &RulesSources) -> Result<Vec<PathBuf>, String> {
    // The tools' lister (cgtools::rules::files), so that cgexec and the engine read the
    // same files; a missing main file is no rules here.
    cgtools::rules::files::list(&sources.main, &sources.dir).map(|listing| listing.files)
}

/// Reads, parses and compiles the rules. `Err`: one line per error, with its location
/// (`file:line:col: error: message (hint: ...)`).
pub fn load(sources: &RulesSources) -> Result<Loaded, Vec<String>> {
    let files = files(sources).map_err(|e| vec![e])?;
    let mut all = Rules::default();
    // Each rule's line in its file, in order, for the classifier's messages.
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for file in &files {
        let src = match grammar::SourceFile::read(file) {
            Ok(src) => src,
            Err(e) => {
                errors.push(e.to_string());
                continue;
            }
        };
        match grammar::cgrules::parse(&src) {
            Ok(rules) => {
                for rule in rules.rules {
                    lines.push((file.clone(), src.line_col(rule.span.start).line));
                    all.rules.push(rule);
                }
            }
            Err(diagnostics) => errors.extend(crate::config::one_line_errors(
                &grammar::diagnostic::render_all(&diagnostics, &src),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // `Classifier::new` asks for each rule's line once, in file order.
    let next = std::cell::Cell::new(0usize);
    let (classifier, warnings) = Classifier::new(&all, &mut SystemAccounts::default(), |_| {
        let i = next.get();
        next.set(i + 1);
        lines.get(i).map_or(0, |(_, line)| *line)
    });
    Ok(Loaded {
        classifier,
        rules: all.rules.len(),
        files,
        warnings,
    })
}

/// What happened to one process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It exited before it could be read or moved.
    Gone,
    /// Not for the rules: a kernel thread, the daemon, a sticky process.
    Skipped,
    /// No rule matches it.
    NoRule,
    /// Its rule says to leave it (`ignore`, `ignore_rt`).
    Ignored,
    /// Moved (or already there): the groups, `controllers:path`.
    Moved(Vec<String>),
}

/// Counts of a rescan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Processes looked at.
    pub seen: usize,
    /// Processes a rule placed.
    pub classified: usize,
    /// Processes that could not be moved (logged).
    pub failed: usize,
}

/// The rules engine (see the module documentation).
pub struct Engine<'a> {
    cg: &'a Cgroups,
    /// Rules' destinations are below this path (the daemon's `--base`).
    base: GroupPath,
    classifier: Classifier,
    files: Vec<PathBuf>,
    rules: usize,
    own_pid: u32,
    sticky: Box<dyn Fn(u32) -> bool>,
}

impl<'a> Engine<'a> {
    /// An engine with no rules yet, placing groups below `base`.
    pub fn new(cg: &'a Cgroups, base: GroupPath) -> Engine<'a> {
        Engine {
            cg,
            base,
            classifier: Classifier::default(),
            files: Vec::new(),
            rules: 0,
            own_pid: std::process::id(),
            sticky: Box::new(|_| false),
        }
    }

    /// The seam for sticky processes (`cgexec --sticky`, the cgred socket): a process for
    /// which `is_sticky` says true is never moved.
    pub fn set_sticky(&mut self, is_sticky: Box<dyn Fn(u32) -> bool>) {
        self.sticky = is_sticky;
    }

    /// Takes rules that were loaded ([`load`]).
    pub fn install(&mut self, loaded: Loaded) {
        self.classifier = loaded.classifier;
        self.files = loaded.files;
        self.rules = loaded.rules;
    }

    /// The rules in words: `N rules from FILE (+ M more files)`.
    pub fn describe(&self) -> String {
        let files = match self.files.as_slice() {
            [] => "no rules file".to_string(),
            [one] => one.display().to_string(),
            [first, more @ ..] => format!("{} + {} more", first.display(), more.len()),
        };
        format!(
            "{} rule{} from {files}",
            self.rules,
            if self.rules == 1 { "" } else { "s" }
        )
    }

    /// Whether the rules may move `pid` at all.
    fn excluded(&self, pid: u32) -> bool {
        pid == self.own_pid || (self.sticky)(pid)
    }

    /// Classifies process `tgid` and moves it. Errors name the pid, the group and the
    /// kernel's reason.
    pub fn classify_pid(&self, tgid: u32) -> Result<Outcome, String> {
        if self.excluded(tgid) {
            return Ok(Outcome::Skipped);
        }
        let process = match Process::of_pid(tgid) {
            Ok(p) => p,
            Err(e) if gone(&e) => return Ok(Outcome::Gone),
            Err(e) => return Err(format!("cannot read /proc/{tgid}/status: {}", reason(&e))),
        };
        if is_kernel_thread(tgid) {
            return Ok(Outcome::Skipped);
        }
        match self
            .classifier
            .classify(&process)
            .map_err(|e| format!("pid {tgid} ({}): {e}", process.name))?
        {
            Decision::NoRule => Ok(Outcome::NoRule),
            Decision::Ignore(_) => Ok(Outcome::Ignored),
            Decision::Move(placements) => {
                let mut moved = Vec::new();
                for placement in &placements {
                    match self.place(tgid, placement)? {
                        Some(group) => moved.push(group),
                        None => return Ok(Outcome::Gone),
                    }
                }
                Ok(Outcome::Moved(moved))
            }
        }
    }

    /// The controllers of a placement as the backend takes them.
    fn controllers<'p>(&'p self, placement: &'p Placement) -> Vec<&'p str> {
        match &placement.controllers {
            None => self.cg.layout().mounted_controllers().collect(),
            Some(list) => list.iter().map(String::as_str).collect(),
        }
    }

    /// The group of a placement, below the base.
    fn path_of(&self, placement: &Placement) -> Result<GroupPath, String> {
        GroupPath::new(&placement.group)
            .map(|p| self.base.join(&p))
            .map_err(|e| format!("destination `{}`: {e}", placement.group))
    }

    /// Moves `pid` into `placement`'s group, creating it first if it is a template's
    /// and does not exist. `None`: the process is gone.
    fn place(&self, pid: u32, placement: &Placement) -> Result<Option<String>, String> {
        let controllers = self.controllers(placement);
        let path = self.path_of(placement)?;
        let name = format!("{}:{}", controllers.join(","), path.as_relative());
        let group = self
            .cg
            .group(&controllers, &path)
            .map_err(|e| format!("cannot move pid {pid} to {name}: {e}"))?;
        let mut result = group.attach(pid);
        if placement.template.is_some() {
            if let Err(e) = &result {
                if e.errno() == Some(Errno::ENOENT) {
                    group.create().map_err(|e| {
                        format!("cannot create {name} (template of pid {pid}): {e}")
                    })?;
                    result = group.attach(pid);
                }
            }
        }
        match result {
            Ok(()) => Ok(Some(name)),
            Err(e) if e.errno() == Some(Errno::ESRCH) => Ok(None),
            Err(e) => Err(format!("cannot move pid {pid} to {name}: {e}")),
        }
    }

    /// Classifies the processes of a batch of events, each once (its last state). With
    /// an `Overrun` in the batch, rescans `/proc` instead and returns its counts.
    pub fn handle(&self, events: &[Event], log: &crate::log::Logger) -> Option<Counts> {
        if events.contains(&Event::Overrun) {
            return Some(self.rescan(log));
        }
        let mut seen = HashSet::new();
        let mut order = Vec::new();
        // The last event of each process decides its place in the order, so that a
        // process that execs twice is classified after both.
        for event in events.iter().rev() {
            let tgid = match *event {
                Event::Exec { tgid, .. } | Event::Uid { tgid, .. } | Event::Gid { tgid, .. } => {
                    tgid
                }
                _ => continue,
            };
            if seen.insert(tgid) {
                order.push(tgid);
            }
        }
        for tgid in order.into_iter().rev() {
            match self.classify_pid(tgid) {
                Ok(Outcome::Moved(groups)) => {
                    log.debug(&format!("pid {tgid}: moved to {}", groups.join(" ")))
                }
                Ok(_) => {}
                Err(message) => log.warning(&message),
            }
        }
        None
    }

    /// Classifies every process of `/proc` (kernel threads, the daemon and sticky
    /// processes left out); failures are logged and counted.
    pub fn rescan(&self, log: &crate::log::Logger) -> Counts {
        let mut counts = Counts::default();
        let processes = match connector::scan() {
            Ok(p) => p,
            Err(message) => {
                log.error(&format!("cannot rescan: {message}"));
                return counts;
            }
        };
        for process in processes {
            // Kernel threads have no executable (nor have zombies).
            if process.exe.is_none() {
                continue;
            }
            counts.seen += 1;
            match self.classify_pid(process.tgid) {
                Ok(Outcome::Moved(_)) => counts.classified += 1,
                Ok(_) => {}
                Err(message) => {
                    counts.failed += 1;
                    log.warning(&message);
                }
            }
        }
        counts
    }

    /// Where the rules would put each running process that is not there yet, one line
    /// each: `move PID (NAME) to CONTROLLERS:GROUP` (`create` first for a template's group
    /// that does not exist). Nothing is changed.
    pub fn plan(&self) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for scanned in connector::scan()? {
            let tgid = scanned.tgid;
            if scanned.exe.is_none() || self.excluded(tgid) {
                continue;
            }
            let Ok(process) = Process::of_pid(tgid) else {
                continue;
            };
            let Ok(Decision::Move(placements)) = self.classifier.classify(&process) else {
                continue;
            };
            let Ok(now) = self.cg.membership(tgid) else {
                continue;
            };
            for placement in &placements {
                let controllers = self.controllers(placement);
                let path = self.path_of(placement)?;
                let there = controllers.iter().all(|c| {
                    self.hierarchy_index(c)
                        .is_some_and(|i| now.iter().any(|(h, p)| *h == i && *p == path))
                });
                if there {
                    continue;
                }
                let name = format!("{}:{}", controllers.join(","), path.as_relative());
                if placement.template.is_some() && !self.exists(&controllers, &path) {
                    out.push(format!("create {name} (template {})", placement.group));
                }
                out.push(format!("move {tgid} ({}) to {name}", process.name));
            }
        }
        Ok(out)
    }

    /// The index of the hierarchy serving `controller` (`cgroup`: the v2 mount).
    fn hierarchy_index(&self, controller: &str) -> Option<usize> {
        let hierarchies = self.cg.hierarchies();
        let found = if controller == "cgroup" {
            self.cg.layout().unified()?
        } else {
            self.cg.hierarchy_for(controller).ok()?
        };
        hierarchies.iter().position(|h| std::ptr::eq(h, found))
    }

    /// Whether the group exists in the hierarchy of each controller.
    fn exists(&self, controllers: &[&str], path: &GroupPath) -> bool {
        controllers.iter().all(|c| {
            self.hierarchy_index(c).is_some_and(|i| {
                self.cg.hierarchies()[i]
                    .mount_point()
                    .join(path.as_relative())
                    .is_dir()
            })
        })
    }
}

/// Whether `pid` is a kernel thread: it has no executable (`/proc/PID/exe` cannot be
/// read, as for a zombie).
fn is_kernel_thread(pid: u32) -> bool {
    std::fs::read_link(format!("/proc/{pid}/exe")).is_err()
}

/// Whether a read of `/proc/PID/...` failed because the process is gone.
fn gone(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(Errno::ESRCH as i32)
}

fn reason(e: &io::Error) -> String {
    grammar::diagnostic::io_reason(e)
}

/// Whether a path is one the rules are read from (for the watcher's events).
pub fn is_rules_file(sources: &RulesSources, path: &Path) -> bool {
    path == sources.main || path.parent() == Some(sources.dir.as_path())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(dir: &Path) -> RulesSources {
        RulesSources {
            main: dir.join("cgrules.conf"),
            dir: dir.join("cgrules.d"),
        }
    }

    #[test]
    fn missing_files_are_no_rules() {
        let tmp = tempfile::tempdir().unwrap();
        let loaded = load(&sources(tmp.path())).unwrap();
        assert_eq!(loaded.rules, 0);
        assert!(loaded.files.is_empty());
    }

    #[test]
    fn files_in_order_hidden_ones_skipped() {
        let tmp = tempfile::tempdir().unwrap();
        let s = sources(tmp.path());
        std::fs::write(&s.main, "*:a  cpu  x\n").unwrap();
        std::fs::create_dir(&s.dir).unwrap();
        std::fs::write(s.dir.join("b"), "*:b  cpu  y\n%  memory  y\n").unwrap();
        std::fs::write(s.dir.join("a.conf"), "*:c  cpu  z\n").unwrap();
        std::fs::write(s.dir.join(".swp"), "garbage garbage\n").unwrap();
        let loaded = load(&s).unwrap();
        assert_eq!(
            loaded.files,
            [s.main.clone(), s.dir.join("a.conf"), s.dir.join("b")]
        );
        assert_eq!(loaded.rules, 3);
    }

    #[test]
    fn errors_have_file_line_and_column() {
        let tmp = tempfile::tempdir().unwrap();
        let s = sources(tmp.path());
        std::fs::write(&s.main, "# fine\n*:a  cpu  x\n*:b\n").unwrap();
        let errors = load(&s).err().unwrap();
        assert_eq!(errors.len(), 1, "{errors:?}");
        let at = format!("{}:3:", s.main.display());
        assert!(errors[0].starts_with(&at), "{errors:?}");
        assert!(
            crate::log::diagnostic_header(&errors[0]).is_some(),
            "{errors:?}"
        );
    }

    #[test]
    fn rules_files_are_recognised() {
        let s = sources(Path::new("/etc"));
        assert!(is_rules_file(&s, Path::new("/etc/cgrules.conf")));
        assert!(is_rules_file(&s, Path::new("/etc/cgrules.d/x")));
        assert!(!is_rules_file(&s, Path::new("/etc/cgconfig.conf")));
    }
}
