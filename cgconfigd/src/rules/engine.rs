//! The live rules engine: cgrules.conf applied to every process as it starts.
//!
//! [`Engine`] holds the compiled rules ([`Classifier`]) and moves processes:
//!
//! * [`Engine::reload`] reads the rules file and the rules directory; a file with errors
//!   changes nothing (the old rules stay) and the errors come back one line each,
//!   `file:line:col: error: ...`.
//! * [`Engine::handle`] classifies the processes of a batch of connector events (`Exec`,
//!   `Uid`, `Gid`): each process once per batch, from what `/proc` says when it is read,
//!   so a process that executed twice is classified by its last program. The batch's
//!   `Fork` and `Exit` events go to the [`StickyTable`] first, in order, so that a child
//!   of a sticky process is sticky before its own exec is looked at. An `Overrun` in the
//!   batch turns it into a rescan.
//! * [`Engine::rescan`] classifies every process of `/proc` (at start, after a reload,
//!   after an overrun), after telling the sticky table which processes exist and their
//!   parents ([`StickyTable::after_rescan`]).
//! * [`Engine::plan`] says, without moving anything, where each process would go.
//!
//! Never touched: kernel threads (no executable), the daemon itself, processes whose rule
//! says `ignore` (or `ignore_rt` for a real-time one), and sticky processes (the table the
//! cgred socket fills). A process that exits between its event and its move is not an
//! error.
//!
//! A destination with variables (`users/%u`) whose group does not exist is created from
//! its cgconfig.conf template ([`Engine::set_templates`]) with the template's settings,
//! owners and modes, by the same code as cgexec and cgclassify
//! (`cgtools::rules::classify::materialize`); when that fails nothing of it stays, and
//! when the move into the new group fails the directories made for it are removed again.

use super::connector::{self, Event};
use super::sticky::{Forked, StickyTable};
use cgtools::engine::accounts::{SystemAccounts, SystemMembers};
use cgtools::rules::classify::{materialize, Classifier, Decision, Placement, Process};
use cgtools::{Cgroups, GroupPath};
use nix::errno::Errno;
use std::collections::HashSet;
use std::io;
use std::path::PathBuf;

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

/// Reads, parses and compiles the rules. `Err`: one line per error, with its location
/// (`file:line:col: error: message (hint: ...)`).
pub fn load(sources: &RulesSources) -> Result<Loaded, Vec<String>> {
    // The tools' reader (cgtools::rules::files), so that cgexec and the engine read the
    // same files; a missing main file is no rules here.
    let read = cgtools::rules::files::read(&sources.main, &sources.dir).map_err(|errors| {
        errors
            .iter()
            .flat_map(|e| crate::config::one_line_errors(e))
            .collect::<Vec<_>>()
    })?;
    let (all, lines) = (read.rules, read.lines);
    let rules = all.rules.len();
    let lines: Vec<usize> = lines.iter().map(|&(_, line)| line).collect();
    let (classifier, warnings) = Classifier::new(
        all,
        &mut SystemAccounts::default(),
        &mut SystemMembers,
        &lines,
    );
    Ok(Loaded {
        classifier,
        rules,
        files: read.files,
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
    /// The `template` sections of cgconfig.conf and cgconfig.d.
    templates: Vec<grammar::cgconfig::Group>,
    /// User and group names and ids, each looked up once per rules load rather than once
    /// per process (through NSS, which may be sssd or LDAP); a name that changes meanwhile
    /// is seen at the next reload, as the rules' own names are.
    accounts: std::cell::RefCell<SystemAccounts>,
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
            templates: Vec::new(),
            accounts: Default::default(),
        }
    }

    /// Reads process `pid` from `/proc`, its user and group names from the cache.
    fn process(&self, pid: u32) -> io::Result<Process> {
        let accounts = &self.accounts;
        Process::of_pid_named(
            pid,
            |uid| accounts.borrow_mut().user_name(uid),
            |gid| accounts.borrow_mut().group_name(gid),
        )
    }

    /// The `template` sections a destination with variables is created from
    /// ([`read_templates`]).
    pub fn set_templates(&mut self, templates: Vec<grammar::cgconfig::Group>) {
        self.templates = templates;
    }

    /// How many templates the engine knows.
    pub fn templates(&self) -> usize {
        self.templates.len()
    }

    /// Takes rules that were loaded ([`load`]).
    pub fn install(&mut self, loaded: Loaded) {
        self.classifier = loaded.classifier;
        self.files = loaded.files;
        self.rules = loaded.rules;
        *self.accounts.borrow_mut() = SystemAccounts::default();
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
    fn excluded(&self, pid: u32, sticky: &StickyTable) -> bool {
        pid == self.own_pid || sticky.is_sticky(pid)
    }

    /// Classifies process `tgid` and moves it, unless `sticky` holds it. Errors name the
    /// pid, the group and the kernel's reason.
    pub fn classify_pid(&self, tgid: u32, sticky: &StickyTable) -> Result<Outcome, String> {
        if self.excluded(tgid, sticky) {
            return Ok(Outcome::Skipped);
        }
        let process = match self.process(tgid) {
            Ok(p) => p,
            Err(e) if gone(&e) => return Ok(Outcome::Gone),
            Err(e) => return Err(format!("cannot read /proc/{tgid}/status: {}", reason(&e))),
        };
        match self
            .classifier
            .classify(&process)
            .map_err(|e| format!("pid {tgid} ({}): {e}", process.name))?
        {
            Decision::NoRule => Ok(Outcome::NoRule),
            Decision::Ignore(_) => Ok(Outcome::Ignored),
            // Looked at only for a move: most processes match no rule, and this costs a
            // system call per process.
            Decision::Move(_) if is_kernel_thread(tgid) => Ok(Outcome::Skipped),
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

    /// Moves `pid` into `placement`'s group, creating it first from its template if it
    /// is a template's and does not exist. `None`: the process is gone.
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
                    let made = self.create_from_template(pid, placement, &controllers, &path)?;
                    result = group.attach(pid);
                    if let Err(e) = &result {
                        if e.errno() != Some(Errno::ESRCH) {
                            // The group was made for this process only: nothing half-made
                            // stays behind a failed move.
                            self.remove_made(&controllers, &made);
                        }
                    }
                }
            }
        }
        match result {
            Ok(()) => Ok(Some(name)),
            Err(e) if e.errno() == Some(Errno::ESRCH) => Ok(None),
            Err(e) => Err(format!("cannot move pid {pid} to {name}: {e}")),
        }
    }

    /// Creates a template destination's group (below the base) with its template's
    /// settings and owners; a failure takes back what it created. Returns the levels of
    /// `path` that did not exist before, deepest first.
    fn create_from_template(
        &self,
        pid: u32,
        placement: &Placement,
        controllers: &[&str],
        path: &GroupPath,
    ) -> Result<Vec<GroupPath>, String> {
        let mut made = Vec::new();
        let mut level = Some(path.clone());
        while let Some(p) = level.filter(|p| !p.is_root() && !self.exists(controllers, p)) {
            level = p.parent();
            made.push(p);
        }
        let based = Placement {
            group: path.as_relative().to_string(),
            ..placement.clone()
        };
        let host = cgtools::backend::values::HostFacts::read(self.cg);
        materialize(
            self.cg,
            &based,
            &self.templates,
            &host,
            &mut *self.accounts.borrow_mut(),
        )
        .map_err(|e| {
            format!(
                "cannot create {}:{} from template `{}` for pid {pid}: {e}",
                controllers.join(","),
                path.as_relative(),
                placement.template.as_deref().unwrap_or_default()
            )
        })?;
        Ok(made)
    }

    /// Removes the (empty) groups `made`, deepest first; what cannot be removed stays
    /// (it is in use by then: someone else's).
    fn remove_made(&self, controllers: &[&str], made: &[GroupPath]) {
        for path in made {
            if let Ok(group) = self.cg.group(controllers, path) {
                let _ = group.remove(cgtools::backend::remove::Removal::EmptyOnly);
            }
        }
    }

    /// Classifies the processes of a batch of events, each once (its last state), after
    /// giving the batch's forks and exits to `sticky` in order. With an `Overrun` in the
    /// batch, rescans `/proc` instead and returns its counts.
    pub fn handle(
        &self,
        events: &[Event],
        sticky: &mut StickyTable,
        log: &crate::log::Logger,
    ) -> Option<Counts> {
        for event in events {
            if let Forked::Dropped(full) = sticky.on_event(event) {
                if let Event::Fork {
                    parent_tgid,
                    child_tgid,
                    ..
                } = event
                {
                    log.warning(&format!(
                        "pid {child_tgid}, child of sticky pid {parent_tgid}, is not sticky: {full}"
                    ));
                }
            }
        }
        if events.contains(&Event::Overrun) {
            return Some(self.rescan(sticky, log));
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
            match self.classify_pid(tgid, sticky) {
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
    /// processes left out); failures are logged and counted. First `sticky` forgets the
    /// processes that are gone and adopts the unseen children of sticky ones (their exit
    /// or fork events may have been lost).
    pub fn rescan(&self, sticky: &mut StickyTable, log: &crate::log::Logger) -> Counts {
        let mut counts = Counts::default();
        let processes = match connector::scan() {
            Ok(p) => p,
            Err(message) => {
                log.error(&format!("cannot rescan: {message}"));
                return counts;
            }
        };
        let family: Vec<(u32, u32)> = processes.iter().map(|p| (p.tgid, p.ppid)).collect();
        let dropped = sticky.after_rescan(&family);
        if dropped > 0 {
            log.warning(&format!(
                "{dropped} children of sticky processes are not sticky: the table of sticky processes is full ({} entries)",
                sticky.capacity()
            ));
        }
        for process in processes {
            // Kernel threads have no executable (nor have zombies).
            if process.exe.is_none() {
                continue;
            }
            counts.seen += 1;
            match self.classify_pid(process.tgid, sticky) {
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
            if scanned.exe.is_none() || tgid == self.own_pid {
                continue;
            }
            let Ok(process) = self.process(tgid) else {
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

/// The `template` sections of `files` (cgconfig.conf and the drop-ins, in reading order).
/// `Err`: why a file cannot be read or parsed (the caller keeps the templates it had).
pub fn read_templates(files: &[PathBuf]) -> Result<Vec<grammar::cgconfig::Group>, String> {
    let mut templates = Vec::new();
    for file in files {
        templates.extend(cgtools::engine::config_files::templates_in(file)?);
    }
    Ok(templates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

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
    fn templates_are_read_in_order_and_a_bad_file_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("cgconfig.conf");
        let b = tmp.path().join("b.conf");
        std::fs::write(
            &a,
            "group g { cpu { } }\ntemplate users/%u { cpu { cpu.shares = 512; } }\n",
        )
        .unwrap();
        std::fs::write(&b, "template jobs/%p { memory { } }\n").unwrap();
        let templates = read_templates(&[a.clone(), b.clone()]).unwrap();
        let names: Vec<&str> = templates.iter().map(|t| t.name.value.as_str()).collect();
        assert_eq!(names, ["users/%u", "jobs/%p"]);

        std::fs::write(&b, "template jobs/%p {\n").unwrap();
        let err = read_templates(&[a.clone(), b.clone()]).unwrap_err();
        assert!(err.contains(&*b.to_string_lossy()), "{err}");
        let err = read_templates(&[tmp.path().join("missing.conf")]).unwrap_err();
        assert!(err.contains("missing.conf"), "{err}");
    }

    /// A fake cgroup v2 mount in a temporary directory with the group `a` (its
    /// `cgroup.procs` a plain file: a move writes the pid into it).
    fn fake_mount(tmp: &Path) -> Cgroups {
        let mount = tmp.join("sys/fs/cgroup");
        std::fs::create_dir_all(mount.join("a")).unwrap();
        std::fs::write(mount.join("cgroup.controllers"), "cpu memory\n").unwrap();
        std::fs::write(mount.join("cgroup.subtree_control"), "").unwrap();
        std::fs::write(mount.join("a/cgroup.procs"), "").unwrap();
        let mountinfo = "26 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
        Cgroups::from_sources(mountinfo, None, tmp).unwrap()
    }

    #[test]
    fn a_child_forked_by_a_sticky_process_in_the_same_batch_is_not_moved() {
        let tmp = tempfile::tempdir().unwrap();
        let cg = fake_mount(tmp.path());
        let s = sources(tmp.path());
        std::fs::write(&s.main, "*  cgroup  a\n").unwrap();
        let mut engine = Engine::new(&cg, GroupPath::root());
        engine.install(load(&s).unwrap());
        let log = crate::log::Logger::new(crate::log::Level::Error);
        let procs = tmp.path().join("sys/fs/cgroup/a/cgroup.procs");
        // A real process for the rule to match (the engine never moves itself).
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id();
        let parent = 999_999; // sticky with its children, registered earlier
        let mut table = StickyTable::new();
        table.insert(parent, true).unwrap();
        let batch = [
            Event::Fork {
                parent_tgid: parent,
                child_pid: pid,
                child_tgid: pid,
            },
            Event::Exec { pid, tgid: pid },
        ];
        assert_eq!(engine.handle(&batch, &mut table, &log), None);
        assert!(table.is_sticky(pid));
        assert_eq!(std::fs::read_to_string(&procs).unwrap(), "");
        assert_eq!(engine.classify_pid(pid, &table), Ok(Outcome::Skipped));

        // Its exit forgets it: the same pid's next exec is classified.
        let exit = Event::Exit {
            pid,
            tgid: pid,
            code: 0,
        };
        engine.handle(&[exit, Event::Exec { pid, tgid: pid }], &mut table, &log);
        assert!(!table.is_sticky(pid));
        assert_eq!(
            std::fs::read_to_string(&procs).unwrap().trim(),
            pid.to_string()
        );
        let _ = child.kill();
        let _ = child.wait();
    }
}
