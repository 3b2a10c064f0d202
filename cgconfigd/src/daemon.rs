//! The run modes and the event loop.
//!
//! Start: discover the hierarchies, lock the state directory and read the record, work
//! out where groups go (in delegated mode: move into the supervisor leaf first), start
//! watching the files (before reading them, so that no edit is missed), find the
//! containers and re-adopt those a previous daemon left running, load and apply. Then
//! listen on the control socket, `READY=1` (containers do not delay it), queue the boot
//! containers, and wait on one `poll` for signals (a `signalfd`: SIGHUP, SIGTERM,
//! SIGINT), inotify events, clients, container inits that exit and the containers'
//! timers ([`crate::containers`]). SIGTERM stops the containers (reverse order, a level
//! at a time) before the daemon exits. Events are debounced ([`Pending`]): a reload starts once
//! every changed file is complete and no event came for [`QUIET`] ([`QUIET_AFTER_GONE`]
//! when a file went away), or [`MAX_DELAY`] after the first event. Dropped groups that
//! could not be removed are tried again every [`RETRY_KEPT`].

use crate::config::{self, describe_files, Applied, Refused};
use crate::containers::launcher::{default_launcher, Launcher};
use crate::containers::watch::DirWatcher;
use crate::containers::{self, Containers, Ctx, Token};
use crate::log::Logger;
use crate::memory::Memory;
use crate::notify::Notifier;
use crate::options::{Options, RunMode};
use crate::placement::{Mode, Placement};
use crate::reconcile::{Outcome, Reconciler};
use crate::record::Record;
use crate::rules::cgred_server::{self, Server};
use crate::rules::connector::{self, Connector};
use crate::rules::engine::{self, Engine, RulesSources};
use crate::rules::sticky::StickyTable;
use crate::watch::{Change, Event, Watcher};
use cgtools::backend::values::HostFacts;
use cgtools::engine::accounts::SystemAccounts;
use cgtools::engine::check::{load_in, FileError};
use cgtools::{Cgroups, Permissions};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use std::os::fd::AsFd;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Quiet time after the last inotify event before a reload, once every changed file is
/// complete. A file renamed into place, or closed after writing, is complete; the wait is
/// for the other files of the same change (a tool writing several drop-ins makes its
/// events within a few milliseconds), so that they are one reload.
pub const QUIET: Duration = Duration::from_millis(10);
/// Quiet time when a file went away (deleted, renamed away): an editor or a tool that
/// deletes and re-creates a file must not have its groups removed in between.
pub const QUIET_AFTER_GONE: Duration = Duration::from_millis(100);
/// Longest wait after the first event, for files that keep changing or stay open.
pub const MAX_DELAY: Duration = Duration::from_secs(1);
/// How often dropped groups that were kept (still in use) are tried again.
pub const RETRY_KEPT: Duration = Duration::from_secs(30);

/// Runs what the options ask for, starting containers with this build's launcher.
pub fn run(options: &Options) -> ExitCode {
    run_with(options, default_launcher())
}

/// Runs what the options ask for, starting containers with `launcher` (tests give
/// theirs).
pub fn run_with(options: &Options, launcher: Box<dyn Launcher>) -> ExitCode {
    let log = options
        .logger
        .clone()
        .unwrap_or_else(|| Logger::new(options.log_level));
    match options.run {
        RunMode::Check => check(options),
        RunMode::DryRun => dry_run(options, &log),
        RunMode::Unload => unload(options, &log),
        RunMode::Once | RunMode::Daemon => serve(options, &log, launcher),
    }
}

/// `--check`: each file parsed and checked against the host, one line per good file,
/// the errors as the tools print them. Groups are placed as in root mode (below
/// `--base`), so that the check needs no service cgroup.
fn check(options: &Options) -> ExitCode {
    let (files, main_missing) = match options.sources.files() {
        Ok(found) => found,
        Err(refused) => {
            eprint!("cgconfigd: {}", refused.report);
            return ExitCode::FAILURE;
        }
    };
    if main_missing {
        println!(
            "{}: does not exist (cgconfigd reads it as empty)",
            options.sources.config.display()
        );
    }
    let cg = match Cgroups::discover() {
        Ok(cg) => cg,
        Err(e) => {
            eprintln!("cgconfigd: {e}");
            return ExitCode::FAILURE;
        }
    };
    let host = HostFacts::read(&cg);
    let placement = Placement::root(options.base.clone());
    let mut accounts = SystemAccounts::default();
    let mut defaults = Permissions::default();
    let mut failed = false;
    for file in files {
        match load_in(
            &file,
            &cg,
            &host,
            &defaults,
            &mut accounts,
            &placement.roots,
        ) {
            Ok(loaded) => {
                println!(
                    "{}: ok ({} groups, {} templates)",
                    file.display(),
                    loaded.config.groups().count(),
                    loaded.config.templates().count()
                );
                defaults = loaded.state.defaults_after;
            }
            Err(FileError::Unreadable {
                message: reason, ..
            }) => {
                eprintln!("cgconfigd: {reason}");
                failed = true;
            }
            Err(FileError::Invalid { report, .. }) => {
                eprint!("{report}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Where the groups go, for a run that does not move itself.
fn placement(options: &Options, cg: &Cgroups) -> Result<Placement, String> {
    match options.mode {
        Mode::Root => Ok(Placement::root(options.base.clone())),
        Mode::Delegated => {
            let own = cg
                .membership(std::process::id())
                .map_err(|e| e.to_string())?;
            Placement::delegated(cg, &own, &options.base, &options.supervisor)
        }
    }
}

/// `--dry-run`: the plan and the removals, one per line; nothing is written, not even
/// the state directory.
fn dry_run(options: &Options, log: &Logger) -> ExitCode {
    let cg = match Cgroups::discover() {
        Ok(cg) => cg,
        Err(e) => {
            log.error(&e.to_string());
            return ExitCode::FAILURE;
        }
    };
    let host = HostFacts::read(&cg);
    let result = placement(options, &cg).and_then(|placement| {
        let record = Record::read(&options.state_dir)?;
        let loaded =
            config::load(&cg, &host, &placement, &options.sources, None).map_err(|r| {
                eprint!("{}", r.report);
                format!("{}: nothing would be changed", r.summary())
            })?;
        let applied = loaded.applied;
        let reconciler = Reconciler::new(&cg, record, placement.supervisor.clone());
        let (plan, removals) = reconciler.preview(loaded.to_plan, &applied.configured(), &host)?;
        let (create, permissions, writes) = plan.counts();
        println!(
            "{}: {} groups; {create} to create, {permissions} owner and mode changes, {writes} settings to write, {} to remove",
            describe_files(&applied.files, &options.sources.config),
            applied.groups(),
            removals.len()
        );
        print!("{}", plan.describe());
        for group in removals {
            println!("remove {group} (if empty)");
        }
        if let Some(sources) = &options.rules {
            let loaded = engine::load(sources).map_err(|lines| {
                lines.iter().for_each(|l| eprintln!("{l}"));
                "the rules have errors: no process plan".to_string()
            })?;
            loaded.warnings.iter().for_each(|w| log.warning(w));
            let mut rules = Engine::new(&cg, rules_base(options, &placement));
            rules.install(loaded);
            let moves = rules.plan()?;
            let processes = moves.iter().filter(|m| m.starts_with("move ")).count();
            println!(
                "{}: {processes} process{} to move",
                rules.describe(),
                if processes == 1 { "" } else { "es" }
            );
            moves.iter().for_each(|m| println!("{m}"));
        }
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            log.error(&message);
            ExitCode::FAILURE
        }
    }
}

/// `--unload`: every empty group the record lists is removed.
fn unload(options: &Options, log: &Logger) -> ExitCode {
    let result = (|| -> Result<bool, String> {
        let cg = Cgroups::discover().map_err(|e| e.to_string())?;
        let (record, _lock) = Record::open(&options.state_dir)?;
        let keep = match options.mode {
            Mode::Delegated => placement(options, &cg)
                .map(|p| p.supervisor)
                .unwrap_or_default(),
            Mode::Root => Vec::new(),
        };
        let mut reconciler = Reconciler::new(&cg, record, keep);
        let removed = reconciler.remove_all(log)?;
        log.info(&format!(
            "unloaded: {} group{} removed, {} kept",
            removed.len(),
            if removed.len() == 1 { "" } else { "s" },
            reconciler.kept().len()
        ));
        Ok(reconciler.kept().is_empty())
    })();
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            log.error(&message);
            ExitCode::FAILURE
        }
    }
}

/// Why a load-and-apply changed nothing.
enum NotApplied {
    /// The files have errors (the first one, and how many more).
    Refused(String),
    /// The kernel refused a change; the engine undid the run.
    Failed(String),
}

impl NotApplied {
    fn message(&self) -> &str {
        match self {
            NotApplied::Refused(m) | NotApplied::Failed(m) => m,
        }
    }

    /// The part of `STATUS=` that says so.
    fn status(&self) -> String {
        match self {
            NotApplied::Refused(m) => format!("last change refused: {m}"),
            NotApplied::Failed(m) => format!("last apply failed: {m}"),
        }
    }
}

/// What the daemon knows between events.
struct Service<'a> {
    options: &'a Options,
    log: &'a Logger,
    notifier: Notifier,
    cg: &'a Cgroups,
    placement: Placement,
    reconciler: Reconciler<'a>,
    /// The last configuration that was applied.
    applied: Applied,
    /// Why the last reload changed nothing or failed, on one line (`last change
    /// refused: ...` or `last apply failed: ...`).
    last_error: Option<String>,
    memory: Memory,
    /// The containers (daemon mode, without `--no-containers`).
    containers: Option<Containers>,
    /// The rules engine (daemon mode, with `--rules-engine`).
    rules: Option<RulesEngine<'a>>,
}

/// The environment variable that sets the proc connector's receive buffer, in bytes
/// (tests shrink it to provoke overruns); unset: [`DEFAULT_RECV_BUFFER`].
pub const RECV_BUFFER_ENV: &str = "CGCONFIGD_RULES_RCVBUF";

/// The proc connector's receive buffer unless [`RECV_BUFFER_ENV`] says otherwise: 4 MiB,
/// room for about 5000 events (each datagram costs the buffer its skb's true size, about
/// 768 bytes), where the kernel's default (`net.core.rmem_default`, 208 KiB) overflows
/// during a build or a burst of short jobs and every overflow costs a rescan of `/proc`
/// (BENCHMARKS.md, rules engine). The kernel only charges what is queued: an idle daemon
/// holds none of it.
pub const DEFAULT_RECV_BUFFER: usize = 4 << 20;

/// How the status names templates that could not be read again.
const TEMPLATES_NOT_RELOADED: &str = "templates not reloaded";

/// What a reload concerns.
#[derive(Clone, Copy, Debug, Default)]
struct Changed {
    /// cgconfig.conf or its drop-ins.
    config: bool,
    /// The rules files.
    rules: bool,
    /// The container directory.
    containers: bool,
}

/// The rules engine of a running daemon.
struct RulesEngine<'a> {
    sources: RulesSources,
    /// cgconfig.conf and its drop-ins, for the templates.
    config: config::Sources,
    engine: Engine<'a>,
    connector: Connector,
    /// Why the last reload of the rules (or of the templates) changed nothing.
    last_error: Option<String>,
    /// Events read and not classified yet.
    events: Vec<connector::Event>,
    /// The processes the rules leave alone (`cgexec --sticky`, ...).
    sticky: StickyTable,
    /// The cgred socket that fills `sticky`, unless `--no-cgred-socket` or it could not
    /// be bound.
    cgred: Option<Server>,
    /// Why the cgred socket is not served although asked for, for `STATUS=`.
    cgred_error: Option<String>,
}

impl<'a> RulesEngine<'a> {
    /// Listens for process events and on the cgred socket, then loads the rules and the
    /// templates and classifies every process (in that order, so that a process started
    /// meanwhile is not missed). A cgred socket that cannot be bound (another daemon,
    /// libcgroup's cgrulesengd, serves it) is logged and the rules run without it.
    fn start(
        cg: &'a Cgroups,
        base: cgtools::GroupPath,
        sources: &RulesSources,
        options: &Options,
        log: &Logger,
    ) -> Result<RulesEngine<'a>, String> {
        let buffer = match std::env::var(RECV_BUFFER_ENV) {
            Ok(v) => Some(
                v.parse::<usize>()
                    .map_err(|_| format!("{RECV_BUFFER_ENV}={v}: not a number of bytes"))?,
            ),
            Err(_) => Some(DEFAULT_RECV_BUFFER),
        };
        let connector = Connector::open(buffer)
            .map_err(|e| format!("rules engine: {e}; processes cannot be classified"))?;
        let (cgred, cgred_error) = match &options.cgred {
            None => (None, None),
            Some(socket) => match Server::bind(socket) {
                Ok(server) => {
                    log.info(&format!("cgred socket: {}", server.path().display()));
                    (Some(server), None)
                }
                Err(e) => {
                    log.error(&format!(
                        "{e}; classifying without it: no process can be made sticky"
                    ));
                    (None, Some(format!("cgred socket not served: {e}")))
                }
            },
        };
        let loaded = engine::load(sources).map_err(|lines| {
            for line in &lines {
                log.error(line);
            }
            format!(
                "rules engine: the rules have errors: {}",
                lines.first().cloned().unwrap_or_default()
            )
        })?;
        loaded.warnings.iter().for_each(|w| log.warning(w));
        let mut engine = Engine::new(cg, base);
        engine.install(loaded);
        let mut rules = RulesEngine {
            sources: sources.clone(),
            config: options.sources.clone(),
            engine,
            connector,
            last_error: None,
            events: Vec::new(),
            sticky: StickyTable::new(),
            cgred,
            cgred_error,
        };
        if let Err(message) = rules.reload_templates(log) {
            rules.last_error = Some(message);
        }
        rules.rescan("start", log);
        Ok(rules)
    }

    /// The engine in words, for the log and `STATUS=`: the rules, the sticky processes,
    /// the cgred socket when it is not served.
    fn describe(&self) -> String {
        let mut text = format!(
            "{}; {} sticky process{}",
            self.engine.describe(),
            self.sticky.len(),
            if self.sticky.len() == 1 { "" } else { "es" }
        );
        match &self.cgred_error {
            Some(error) => text.push_str(&format!("; {error}")),
            None if self.cgred.is_none() => text.push_str(" (no cgred socket)"),
            None => {}
        }
        text
    }

    /// Reads the templates of cgconfig.conf and its drop-ins again. `Err`: a file cannot
    /// be read or parsed (logged); the templates read before stay.
    fn reload_templates(&mut self, log: &Logger) -> Result<(), String> {
        let files = self
            .config
            .files()
            .map(|(files, _)| files)
            .map_err(|refused| refused.summary());
        match files.and_then(|files| engine::read_templates(&files)) {
            Ok(templates) => {
                self.engine.set_templates(templates);
                Ok(())
            }
            Err(message) => {
                let message = format!(
                    "{TEMPLATES_NOT_RELOADED} ({} kept): {message}",
                    self.engine.templates()
                );
                log.error(&message);
                Err(message)
            }
        }
    }

    /// Classifies every process; logs how many.
    fn rescan(&mut self, why: &str, log: &Logger) {
        let started = Instant::now();
        let counts = self.engine.rescan(&mut self.sticky, log);
        log.info(&format!(
            "rules: {}; {why}: rescanned /proc, {} processes classified ({} looked at, {} failed) in {} ms",
            self.describe(),
            counts.classified,
            counts.seen,
            counts.failed,
            started.elapsed().as_millis()
        ));
    }

    /// Serves the cgred socket's connections: registrations and cancellations go to the
    /// sticky table, each logged. Whether a request was applied.
    fn serve_cgred(&mut self, log: &Logger) -> bool {
        let Some(server) = self.cgred.as_mut() else {
            return false;
        };
        let mut served = false;
        for outcome in server.service(&mut self.sticky) {
            match outcome {
                cgred_server::Outcome::Served { .. } => {
                    served = true;
                    log.info(&format!(
                        "cgred: {outcome}; {} sticky process{}",
                        self.sticky.len(),
                        if self.sticky.len() == 1 { "" } else { "es" }
                    ))
                }
                cgred_server::Outcome::Refused { .. } => log.warning(&format!("cgred: {outcome}")),
            }
        }
        served
    }

    /// After an edit of cgconfig.conf or its drop-ins: the templates again, not the rules.
    fn templates_changed(&mut self, log: &Logger) {
        match self.reload_templates(log) {
            Ok(()) => {
                if self
                    .last_error
                    .as_deref()
                    .is_some_and(|e| e.starts_with(TEMPLATES_NOT_RELOADED))
                {
                    self.last_error = None;
                }
            }
            Err(message) => self.last_error = Some(message),
        }
    }

    /// Reads the rules and the templates again; a file with errors keeps the old ones.
    /// Then a rescan.
    fn reload(&mut self, log: &Logger) {
        let templates = self.reload_templates(log);
        match engine::load(&self.sources) {
            Ok(loaded) => {
                loaded.warnings.iter().for_each(|w| log.warning(w));
                self.engine.install(loaded);
                self.last_error = templates.err();
            }
            Err(lines) => {
                for line in &lines {
                    log.error(line);
                }
                let first = lines.first().cloned().unwrap_or_default();
                let summary = match lines.len() {
                    0 | 1 => first,
                    n => format!("{first} (and {} more)", n - 1),
                };
                log.error("the rules have errors: the previous rules stay in force");
                self.last_error = Some(format!("last rules change refused: {summary}"));
            }
        }
        self.rescan("reload", log);
    }

    /// Reads the waiting events and classifies their processes; after lost events,
    /// rescans. Whether the number of sticky processes changed (exits, children of
    /// sticky processes), which `STATUS=` shows.
    fn ready(&mut self, log: &Logger) -> bool {
        let sticky = self.sticky.len();
        self.events.clear();
        if let Err(e) = self.connector.read(&mut self.events) {
            log.error(&format!("rules engine: {e}"));
            return false;
        }
        if let Some(counts) = self.engine.handle(&self.events, &mut self.sticky, log) {
            log.warning(&format!(
                "lost events: rescanned /proc, {} processes classified ({} looked at, {} failed)",
                counts.classified, counts.seen, counts.failed
            ));
        }
        self.sticky.len() != sticky
    }
}

impl Service<'_> {
    /// Runs `f` on the containers with what it needs of the daemon; afterwards the
    /// reconciler knows the groups of the running containers.
    fn with_containers<R>(
        &mut self,
        f: impl FnOnce(&mut Containers, &mut Ctx<'_>) -> R,
    ) -> Option<R> {
        let Service {
            cg,
            placement,
            reconciler,
            applied,
            containers,
            log,
            ..
        } = self;
        let containers = containers.as_mut()?;
        let configured = || applied.configured();
        let result = {
            let mut ctx = Ctx {
                cg,
                roots: placement,
                record: reconciler.record_mut(),
                configured: &configured,
                log,
            };
            f(containers, &mut ctx)
        };
        reconciler.set_in_use(containers.in_use());
        Some(result)
    }

    fn status(&self) -> String {
        let record = self.reconciler.record();
        let mut status = if self.options.rules_only {
            format!(
                "rules engine only; templates from {}",
                describe_files(&self.applied.files, &self.options.sources.config)
            )
        } else {
            format!(
                "{} group{} applied from {}; {} directories created by cgconfigd",
                self.applied.groups(),
                if self.applied.groups() == 1 { "" } else { "s" },
                describe_files(&self.applied.files, &self.options.sources.config),
                record.len()
            )
        };
        let kept = self.reconciler.kept();
        if !kept.is_empty() {
            let names: Vec<&str> = kept.iter().take(3).map(|k| k.group.as_str()).collect();
            status.push_str(&format!(
                "; {} dropped group{} kept while in use: {}{}",
                kept.len(),
                if kept.len() == 1 { "" } else { "s" },
                names.join(", "),
                if kept.len() > 3 { ", ..." } else { "" }
            ));
        }
        if let Some(containers) = &self.containers {
            status.push_str(&format!("; {}", containers.status()));
        }
        if let Some(rules) = &self.rules {
            status.push_str(&format!("; {}", rules.describe()));
            if let Some(error) = &rules.last_error {
                status.push_str(&format!("; {error}"));
            }
        }
        if let Some(error) = &self.last_error {
            status.push_str(&format!("; {error}"));
        }
        status
    }

    fn notify(&self, result: std::io::Result<()>) {
        if let Err(e) = result {
            self.log.warning(&format!(
                "cannot notify the service manager: {}",
                grammar::diagnostic::io_reason(&e)
            ));
        }
    }

    /// Loads the files and applies them. `Err` when nothing was applied. A full load
    /// reads and checks every file and plans every group against the live tree (start,
    /// SIGHUP: it repairs changes made by hand); otherwise only what changed since the
    /// last apply is read, checked and planned ([`config`]).
    fn apply(&mut self, full: bool) -> Result<Outcome, NotApplied> {
        let started = Instant::now();
        let host = HostFacts::read(self.cg);
        let previous = (!full).then_some(&self.applied);
        let loaded = match config::load(
            self.cg,
            &host,
            &self.placement,
            &self.options.sources,
            previous,
        ) {
            Ok(loaded) => {
                let plural = |n: usize, one: &str, many: &str| {
                    format!("{n} {}", if n == 1 { one } else { many })
                };
                self.log.debug(&format!(
                    "read and checked {} in {} ms: {} checked, {} unchanged{}; {} to plan",
                    describe_files(&loaded.applied.files, &self.options.sources.config),
                    started.elapsed().as_millis(),
                    plural(loaded.sections_checked, "group section", "group sections"),
                    loaded.sections_reused,
                    if loaded.incremental {
                        ""
                    } else {
                        " (full load)"
                    },
                    plural(loaded.to_plan.len(), "group", "groups"),
                ));
                loaded
            }
            Err(Refused { lines, .. }) => {
                for line in &lines {
                    self.log.error(line);
                }
                let summary = Refused {
                    report: String::new(),
                    lines,
                }
                .summary();
                return Err(NotApplied::Refused(summary));
            }
        };
        let applied = loaded.applied;
        if applied.main_missing {
            self.log.info(&format!(
                "{} does not exist: read as empty",
                self.options.sources.config.display()
            ));
        }
        if self.options.rules_only {
            // cgrulesengd: the files are read for their templates (and refused as a whole
            // when one has an error, as libcgroup's daemon refuses to start); their groups
            // are cgconfigd's or cgconfigparser's to apply.
            self.log.info(&format!(
                "read the templates of {}: their groups are not applied (rules engine only)",
                describe_files(&applied.files, &self.options.sources.config)
            ));
            self.applied = applied;
            return Ok(Outcome::default());
        }
        // Directories configured before and not now are removed; when nothing left, the
        // reconciler need not look at its record.
        let dropped = full || !loaded.incremental || self.applied.dropped_in(&applied);
        let result = self.reconciler.reconcile(
            loaded.to_plan,
            || applied.configured(),
            dropped,
            &host,
            self.log,
        );
        match result {
            Ok(outcome) => {
                self.log.info(&format!(
                    "applied {} ({} group{}): {}",
                    describe_files(&applied.files, &self.options.sources.config),
                    applied.groups(),
                    if applied.groups() == 1 { "" } else { "s" },
                    outcome.describe()
                ));
                self.applied = applied;
                Ok(outcome)
            }
            Err(message) => {
                self.log.error(&format!("cannot apply: {message}"));
                Err(NotApplied::Failed(message))
            }
        }
    }

    /// Applies the files again (`full`: every file, SIGHUP) when cgconfig.conf or its
    /// drop-ins changed, reads the rules again when they changed, and lists the containers
    /// again when a container's directory or config changed: a change of one costs no
    /// reading of the others.
    fn reload(&mut self, why: &str, full: bool, changed: Changed) {
        if changed.containers {
            let log = self.log;
            self.with_containers(|c, _| c.rediscover(log));
        }
        if !changed.config && !changed.rules {
            self.notify(self.notifier.status(&self.status()));
            return;
        }
        self.log.info(&format!("reloading: {why}"));
        self.notify(self.notifier.reloading(&format!("reloading: {why}")));
        // Only what changed is read again: an edit of cgrules.conf applies no group, and
        // an edit of cgconfig.conf reloads the rules engine's templates, not its rules
        // (no rescan of /proc). A signal (`full`) does both.
        if changed.config {
            self.last_error = self.apply(full).err().map(|e| e.status());
        }
        if let Some(rules) = self.rules.as_mut() {
            if changed.rules {
                rules.reload(self.log);
            } else {
                rules.templates_changed(self.log);
            }
        }
        self.give_back_memory();
        self.notify(self.notifier.ready(&self.status()));
    }

    /// After an apply: free memory back to the system if the apply grew the process
    /// ([`crate::memory`]).
    fn give_back_memory(&mut self) {
        let started = Instant::now();
        if self.memory.after_reload() {
            self.log.debug(&format!(
                "free memory given back in {:.1} ms",
                started.elapsed().as_secs_f64() * 1000.0
            ));
        }
    }
}

/// Where the rules' destinations go: below `--base` in root mode, below the base in the
/// service's cgroup in delegated mode.
fn rules_base(options: &Options, placement: &Placement) -> cgtools::GroupPath {
    match &placement.unit {
        Some(unit) => unit.join(&options.base),
        None => options.base.clone(),
    }
}

/// The containers' settings from the options.
fn container_settings(options: &Options, log: &Logger) -> Option<containers::Settings> {
    let c = options.containers.as_ref()?;
    let (lxcpath, warning) = containers::discovery::lxcpath(
        c.lxcpath.as_deref(),
        std::path::Path::new(containers::discovery::LXC_CONF),
    );
    if let Some(w) = warning {
        log.warning(&w);
    }
    Some(containers::Settings {
        lxcpath,
        containers_group: c.group.clone(),
        boot_groups: containers::order::parse_boot_groups(&c.boot_groups),
        stop_timeout: Duration::from_secs(u64::from(c.stop_timeout)),
        keep_running: c.keep_running,
        restart: containers::Restart::parse(&c.restart),
        state_dir: options.state_dir.clone(),
    })
}

/// The daemon, and `--once`.
fn serve(options: &Options, log: &Logger, launcher: Box<dyn Launcher>) -> ExitCode {
    let daemon = options.run == RunMode::Daemon;
    let notifier = if daemon {
        Notifier::from_env().unwrap_or_else(|e| {
            log.warning(&format!("not notifying the service manager: {e}"));
            Notifier::none()
        })
    } else {
        Notifier::none()
    };
    let fail = |message: &str| {
        log.error(message);
        let _ = notifier.status(&format!("failed: {}", crate::log::one_line(message)));
        ExitCode::FAILURE
    };
    // Blocked before anything else, so that a SIGTERM during the first apply waits for
    // it to finish instead of killing the daemon half-way (which would be safe, but
    // slower to recover from).
    let signals = if daemon {
        let mut set = SigSet::empty();
        for s in [Signal::SIGHUP, Signal::SIGTERM, Signal::SIGINT] {
            set.add(s);
        }
        if options.rules.is_some() {
            // libcgroup's cgrulesengd reloads its rules on SIGUSR2 and its templates on
            // SIGUSR1; here both are the reload SIGHUP starts (templates and rules).
            set.add(Signal::SIGUSR1);
            set.add(Signal::SIGUSR2);
        }
        let blocked = set.thread_block().and_then(|()| {
            SignalFd::with_flags(&set, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)
        });
        match blocked {
            Ok(fd) => Some(fd),
            Err(e) => return fail(&format!("cannot set up signal handling: {}", e.desc())),
        }
    } else {
        None
    };
    let cg = match Cgroups::discover() {
        Ok(cg) => cg,
        Err(e) => return fail(&e.to_string()),
    };
    // The rules engine alone (cgrulesengd) records nothing, so it needs no state directory
    // and runs beside a cgconfigd that holds one.
    let (record, _lock) = if options.rules_only {
        (Record::in_memory(), None)
    } else {
        match Record::open(&options.state_dir) {
            Ok((record, lock)) => (record, Some(lock)),
            Err(message) => return fail(&message),
        }
    };
    let mut placement = match placement(options, &cg) {
        Ok(p) => p,
        Err(message) => return fail(&message),
    };
    log.info(&placement.describe(&cg));
    match placement.enter_supervisor(&cg, std::process::id()) {
        Ok(moves) => moves.iter().for_each(|m| log.info(m)),
        Err(message) => return fail(&message),
    }
    let mut watcher = None;
    if daemon {
        match Watcher::new(&options.sources.config, &options.sources.dropins) {
            Ok((w, warnings)) => {
                warnings.iter().for_each(|w| log.warning(w));
                watcher = Some(w);
            }
            Err(message) => log.warning(&format!("{message}; files are reloaded on SIGHUP only")),
        }
    }
    let reconciler = Reconciler::new(&cg, record, placement.supervisor.clone());
    let settings = if daemon {
        container_settings(options, log)
    } else {
        None
    };
    let mut dir_watcher = None;
    let containers = settings.map(|settings| {
        log.info(&format!(
            "containers: looking in {}",
            settings.lxcpath.display()
        ));
        match DirWatcher::new(&settings.lxcpath) {
            Ok(w) => dir_watcher = Some(w),
            Err(message) => log.warning(&format!(
                "{message}; container changes are noticed on SIGHUP only"
            )),
        }
        Containers::new(settings, launcher, log)
    });
    let mut service = Service {
        options,
        log,
        notifier,
        cg: &cg,
        placement,
        reconciler,
        applied: Applied::default(),
        last_error: None,
        memory: Memory::default(),
        containers,
        rules: None,
    };
    // Before the first apply, so that its pruning leaves their groups alone.
    service.with_containers(|c, ctx| c.adopt(ctx));
    let first = service.apply(true);
    service.give_back_memory();
    if let Err(why) = first {
        let _ = service
            .notifier
            .status(&format!("failed: {}", crate::log::one_line(why.message())));
        log.error("nothing was applied; exiting");
        return ExitCode::FAILURE;
    }
    if !daemon {
        // Dropped groups kept because they are in use were reported; the configuration
        // itself is applied.
        return ExitCode::SUCCESS;
    }
    let mut rules_watcher = None;
    if let Some(sources) = &options.rules {
        // Watched before they are read, as the configuration is.
        match Watcher::new(&sources.main, &sources.dir) {
            Ok((w, warnings)) => {
                warnings.iter().for_each(|w| log.warning(w));
                rules_watcher = Some(w);
            }
            Err(message) => log.warning(&format!("{message}; rules are reloaded on SIGHUP only")),
        }
        match RulesEngine::start(
            &cg,
            rules_base(options, &service.placement),
            sources,
            options,
            log,
        ) {
            Ok(rules) => service.rules = Some(rules),
            Err(message) => {
                log.error(&message);
                let _ = service
                    .notifier
                    .status(&format!("failed: {}", crate::log::one_line(&message)));
                return ExitCode::FAILURE;
            }
        }
    }
    let listening = service.with_containers(|c, _| c.listen().map(|p| p.to_path_buf()));
    match listening {
        Some(Ok(path)) => log.info(&format!("control socket: {}", path.display())),
        Some(Err(message)) => log.error(&format!(
            "{message}; the client commands (cgconfigd ls, ...) cannot reach this daemon"
        )),
        None => {}
    }
    service.notify(service.notifier.ready(&service.status()));
    log.info(&format!("ready: {}", service.status()));
    service.with_containers(|c, ctx| c.begin_autostart(ctx.log));
    let Some(signals) = signals else {
        return ExitCode::FAILURE;
    };
    event_loop(
        &mut service,
        &signals,
        [watcher.as_mut(), rules_watcher.as_mut()],
        dir_watcher.as_mut(),
    )
}

/// Changes seen and not reloaded yet.
#[derive(Debug)]
pub struct Pending {
    first: Instant,
    last: Instant,
    /// Each file's last event.
    files: std::collections::BTreeMap<String, Event>,
}

impl Pending {
    /// Changes that start at `now`.
    pub fn new(now: Instant) -> Pending {
        Pending {
            first: now,
            last: now,
            files: std::collections::BTreeMap::new(),
        }
    }

    /// Adds changes seen at `now`.
    pub fn add(&mut self, now: Instant, changes: Vec<Change>) {
        self.last = now;
        for change in changes {
            self.files.insert(change.what, change.event);
        }
    }

    /// When the reload is due: [`QUIET`] after the last event once every file is
    /// complete, [`QUIET_AFTER_GONE`] if one went away, never while one is being written;
    /// [`MAX_DELAY`] after the first event at the latest.
    pub fn due(&self) -> Instant {
        let latest = self.first + MAX_DELAY;
        let events = || self.files.values();
        let quiet = if events().any(|e| *e == Event::Writing) {
            return latest;
        } else if events().any(|e| *e == Event::Gone) {
            QUIET_AFTER_GONE
        } else {
            QUIET
        };
        (self.last + quiet).min(latest)
    }

    /// What changed, in words.
    pub fn describe(&self) -> String {
        let names: Vec<&str> = self.files.keys().map(String::as_str).collect();
        format!("{} changed", names.join(", "))
    }
}

/// What a descriptor polled in the event loop is.
enum Polled {
    Signals,
    Files(usize),
    ContainerDirs,
    Rules,
    Cgred,
    Containers(Token),
}

fn event_loop(
    service: &mut Service<'_>,
    signals: &SignalFd,
    mut watchers: [Option<&mut Watcher>; 2],
    mut dir_watcher: Option<&mut DirWatcher>,
) -> ExitCode {
    let mut pending: Option<Pending> = None;
    // What the pending changes concern.
    let mut changed = Changed::default();
    let mut retry_at: Option<Instant> = None;
    let mut stopping = false;
    // The containers' part of the last STATUS= sent: sent again when a container starts
    // or stops.
    let mut containers_status = service.containers.as_ref().map(Containers::status);
    loop {
        if stopping
            && service
                .containers
                .as_ref()
                .is_none_or(Containers::shutdown_done)
        {
            return stop(service);
        }
        let now = Instant::now();
        let mut deadline = pending.as_ref().map(Pending::due);
        if service.reconciler.kept().is_empty() {
            retry_at = None;
        } else {
            let at = *retry_at.get_or_insert(now + RETRY_KEPT);
            deadline = Some(deadline.map_or(at, |d| d.min(at)));
        }
        if let Some(at) = service.containers.as_ref().and_then(Containers::deadline) {
            deadline = Some(deadline.map_or(at, |d| d.min(at)));
        }
        // A cgred client that has not sent its request in time is closed then.
        let cgred_at = service
            .rules
            .as_ref()
            .and_then(|r| r.cgred.as_ref())
            .and_then(Server::deadline);
        if let Some(at) = cgred_at {
            deadline = Some(deadline.map_or(at, |d| d.min(at)));
        }
        let timeout = match deadline {
            None => PollTimeout::NONE,
            Some(at) => {
                let wait = at.saturating_duration_since(now);
                let ms = wait.as_micros().div_ceil(1000);
                PollTimeout::try_from(ms).unwrap_or(PollTimeout::MAX)
            }
        };
        let mut what = vec![Polled::Signals];
        let mut fds = vec![PollFd::new(signals.as_fd(), PollFlags::POLLIN)];
        for (i, w) in watchers.iter().enumerate() {
            if let Some(w) = w.as_deref() {
                what.push(Polled::Files(i));
                fds.push(PollFd::new(w.fd(), PollFlags::POLLIN));
            }
        }
        if let Some(rules) = &service.rules {
            what.push(Polled::Rules);
            fds.push(PollFd::new(rules.connector.as_fd(), PollFlags::POLLIN));
            if let Some(server) = &rules.cgred {
                for fd in server.pollables() {
                    what.push(Polled::Cgred);
                    fds.push(PollFd::new(fd, PollFlags::POLLIN));
                }
            }
        }
        if let Some(w) = dir_watcher.as_deref() {
            what.push(Polled::ContainerDirs);
            fds.push(PollFd::new(w.fd(), PollFlags::POLLIN));
        }
        if let Some(c) = &service.containers {
            for (token, fd) in c.pollables() {
                what.push(Polled::Containers(token));
                fds.push(PollFd::new(fd, PollFlags::POLLIN));
            }
        }
        match poll(&mut fds, timeout) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => {
                service
                    .log
                    .error(&format!("cannot wait for events: {}", e.desc()));
                return ExitCode::FAILURE;
            }
        }
        let ready: Vec<bool> = fds
            .iter()
            .map(|fd| {
                fd.revents().is_some_and(|r| {
                    r.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR)
                })
            })
            .collect();
        drop(fds);
        let mut signal_ready = false;
        let mut inotify_ready = [false; 2];
        let mut rules_ready = false;
        let mut cgred_ready = cgred_at.is_some_and(|at| Instant::now() >= at);
        let mut dirs_ready = false;
        let mut tokens = Vec::new();
        for (polled, ready) in what.into_iter().zip(ready) {
            if !ready {
                continue;
            }
            match polled {
                Polled::Signals => signal_ready = true,
                Polled::Files(i) => inotify_ready[i] = true,
                Polled::Rules => rules_ready = true,
                Polled::Cgred => cgred_ready = true,
                Polled::ContainerDirs => dirs_ready = true,
                Polled::Containers(token) => tokens.push(token),
            }
        }

        let mut reload_now = None;
        if signal_ready {
            while let Ok(Some(info)) = signals.read_signal() {
                match Signal::try_from(info.ssi_signo as i32) {
                    Ok(s @ (Signal::SIGHUP | Signal::SIGUSR1 | Signal::SIGUSR2)) if !stopping => {
                        reload_now = Some(s.as_str())
                    }
                    Ok(Signal::SIGTERM) | Ok(Signal::SIGINT) if !stopping => {
                        stopping = true;
                        let _ = service.notifier.stopping("stopping");
                        let budget = service.with_containers(|c, ctx| {
                            c.begin_shutdown(ctx);
                            c.shutdown_budget()
                        });
                        if let Some(budget) = budget {
                            let _ = service
                                .notifier
                                .extend_timeout(budget, &format!("stopping: {}", service.status()));
                        }
                    }
                    Ok(Signal::SIGTERM) | Ok(Signal::SIGINT) => service
                        .log
                        .info("stopping already: waiting for the containers to stop"),
                    _ => {}
                }
            }
        }
        for token in tokens {
            service.with_containers(|c, ctx| c.ready(&token, ctx));
        }
        let mut changes = Vec::new();
        // The socket before the events: a process registered now is sticky before its
        // exec (which cgexec does only after the answer) is classified.
        if cgred_ready {
            let served = service
                .rules
                .as_mut()
                .is_some_and(|rules| rules.serve_cgred(service.log));
            if served {
                service.notify(service.notifier.status(&service.status()));
            }
        }
        if rules_ready && !stopping {
            let sticky_changed = service
                .rules
                .as_mut()
                .is_some_and(|rules| rules.ready(service.log));
            if sticky_changed {
                service.notify(service.notifier.status(&service.status()));
            }
        }
        // watchers[0] follows cgconfig.conf and its drop-ins, watchers[1] the rules.
        for (i, (ready, w)) in inotify_ready
            .into_iter()
            .zip(watchers.iter_mut())
            .enumerate()
        {
            if let (true, Some(w)) = (ready, w.as_deref_mut()) {
                let read = w.read();
                if i == 0 {
                    changed.config |= !read.is_empty();
                } else {
                    changed.rules |= !read.is_empty();
                }
                changes.extend(read);
            }
        }
        if dirs_ready {
            if let Some(w) = dir_watcher.as_deref_mut() {
                let read = w.read();
                changed.containers |= !read.is_empty();
                changes.extend(read);
            }
        }
        if !changes.is_empty() && !stopping {
            changes.dedup();
            for change in &changes {
                let how = match change.event {
                    Event::Done => "",
                    Event::Writing => " (being written)",
                    Event::Gone => " (gone)",
                };
                service.log.debug(&format!("changed: {}{how}", change.what));
            }
            let now = Instant::now();
            pending
                .get_or_insert_with(|| Pending::new(now))
                .add(now, changes);
        }
        let now = Instant::now();
        service.with_containers(|c, ctx| c.tick(now, ctx));
        let now_status = service.containers.as_ref().map(Containers::status);
        if now_status != containers_status {
            containers_status = now_status;
            service.notify(service.notifier.status(&service.status()));
        }
        let due = pending.as_ref().is_some_and(|p| now >= p.due());
        if stopping {
            pending = None;
        } else if reload_now.is_some() || due {
            let why = match (reload_now, pending.take()) {
                (Some(signal), _) => signal.to_string(),
                (None, Some(p)) => p.describe(),
                (None, None) => "changed".to_string(),
            };
            let full = reload_now.is_some();
            let changed_now = Changed {
                config: full || changed.config,
                rules: full || changed.rules,
                containers: full || changed.containers,
            };
            service.reload(&why, full, changed_now);
            changed = Changed::default();
            retry_at = None;
        } else if retry_at.is_some_and(|at| now >= at) {
            retry_at = None;
            match service
                .reconciler
                .retry_kept(&service.applied.configured(), service.log)
            {
                Ok(removed) if !removed.is_empty() => {
                    service.notify(service.notifier.status(&service.status()));
                }
                Ok(_) => {}
                Err(message) => service.log.error(&message),
            }
        }
    }
}

/// SIGTERM or SIGINT, once the containers are stopped (or left running with
/// `--keep-containers`): remove empty groups with `--remove-on-stop`, exit 0.
fn stop(service: &mut Service<'_>) -> ExitCode {
    // The cgred socket's file goes (if it is still ours: the server checks its inode).
    if let Some(rules) = service.rules.as_mut() {
        rules.cgred = None;
    }
    if service.options.remove_on_stop {
        match service.reconciler.remove_all(service.log) {
            Ok(removed) => service.log.info(&format!(
                "stopping: {} group{} removed, {} kept",
                removed.len(),
                if removed.len() == 1 { "" } else { "s" },
                service.reconciler.kept().len()
            )),
            Err(message) => service.log.error(&message),
        }
    } else {
        service.log.info("stopping: the groups stay");
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(what: &str, event: Event) -> Vec<Change> {
        vec![Change {
            what: what.into(),
            event,
        }]
    }

    #[test]
    fn a_reload_waits_for_complete_files_and_longer_after_a_removal() {
        let t0 = Instant::now();
        let ms = |n: u64| t0 + Duration::from_millis(n);
        // Renamed into place: QUIET after the event.
        let mut p = Pending::new(t0);
        p.add(t0, change("/etc/cgconfig.conf", Event::Done));
        assert_eq!(p.due(), t0 + QUIET);
        // Another file of the same change moves the deadline.
        p.add(ms(4), change("/etc/cgconfig.d/a.conf", Event::Done));
        assert_eq!(p.due(), ms(4) + QUIET);
        // One being written: not before it is closed (or MAX_DELAY).
        p.add(ms(6), change("/etc/cgconfig.d/b.conf", Event::Writing));
        assert_eq!(p.due(), t0 + MAX_DELAY);
        p.add(ms(9), change("/etc/cgconfig.d/b.conf", Event::Done));
        assert_eq!(p.due(), ms(9) + QUIET);
        // Deleted: longer, so that a re-creation comes first...
        p.add(ms(12), change("/etc/cgconfig.conf", Event::Gone));
        assert_eq!(p.due(), ms(12) + QUIET_AFTER_GONE);
        // ... and once re-created, the short wait again.
        p.add(ms(14), change("/etc/cgconfig.conf", Event::Done));
        assert_eq!(p.due(), ms(14) + QUIET);
        // Events that never stop: MAX_DELAY after the first.
        p.add(ms(995), change("/etc/cgconfig.conf", Event::Done));
        assert_eq!(p.due(), t0 + MAX_DELAY);
        assert_eq!(
            p.describe(),
            "/etc/cgconfig.conf, /etc/cgconfig.d/a.conf, /etc/cgconfig.d/b.conf changed"
        );
    }
}
