//! The containers cgconfigd starts, supervises and stops (`docs/containers.md`).
//!
//! * [`discovery`]: the container directory and each container's config;
//! * [`order`]: boot order (`lxc.start.order`, names, boot groups) and stop levels;
//! * [`group`]: each container's group: where, create (recorded), kill, remove, usage;
//! * [`launcher`]: the contract with the launch core, and a test launcher;
//! * [`process`]: pidfds, start times, signals, reaping;
//! * [`state`]: what is kept in the state directory for re-adoption;
//! * [`control`]: the control socket and its requests;
//! * [`client`]: the client commands (`cgconfigd ls`, ...), formatted as LXC's tools;
//! * [`attach`]: `cgconfigd attach`, which runs in the client;
//! * [`console`]: each running container's console in the daemon, `cgconfigd console`;
//! * [`terminal`]: the client's relay between its terminal and a pty (attach, console);
//! * [`watch`]: inotify on the container directory;
//! * this module: [`Containers`], the supervisor the daemon's event loop drives.
//!
//! The supervisor is driven by one single-threaded `poll` ([`Containers::pollables`],
//! [`Containers::ready`], [`Containers::deadline`], [`Containers::tick`]): nothing in it
//! sleeps for longer than it takes the kernel to empty a killed group, so a signal, an
//! edit or a client is never kept waiting behind a start delay or a stop timeout.
//!
//! Per container: STOPPED -> STARTING -> RUNNING -> STOPPING -> STOPPED, or STARTING ->
//! ABORTING -> STOPPED when a launch fails. The init's exit, whatever its cause, ends in
//! STOPPED with its exit status and the reason logged; everything left in the group is
//! killed and the group removed. With `--restart-containers on-failure|always` a
//! container that stopped by itself is started again after [`RESTART_DELAY`], at most
//! [`RESTART_BURST`] times in [`RESTART_WINDOW`].

pub mod attach;
pub mod client;
pub mod console;
pub mod control;
pub mod discovery;
pub mod group;
pub mod launcher;
pub mod order;
pub mod process;
pub mod state;
pub mod terminal;
pub mod watch;

use crate::config::Key;
use crate::log::Logger;
use crate::placement::Placement as Where;
use crate::record::Record;
use cgtools::{Cgroups, GroupPath};
use container::net::{Address, NetlinkRoute};
use control::{Conn, Incoming, Request, Response, Row, Server};
use discovery::{Broken, Found};
use launcher::Launcher;
use order::BootGroup;
use process::Exit;
use state::{Saved, State};
use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::net::IpAddr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// Wait before starting again a container that stopped by itself (`--restart-containers`).
pub const RESTART_DELAY: Duration = Duration::from_secs(1);
/// At most this many automatic restarts ...
pub const RESTART_BURST: usize = 5;
/// ... within this window; then the container stays stopped.
pub const RESTART_WINDOW: Duration = Duration::from_secs(60);

/// When a container that stopped by itself is started again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    /// Never (LXC's behaviour): it stays STOPPED.
    No,
    /// When its init exited with a status other than 0, or was killed by a signal.
    OnFailure,
    /// Whenever its init exited (not when it was stopped on request).
    Always,
}

impl Restart {
    /// From `--restart-containers`.
    pub fn parse(text: &str) -> Restart {
        match text {
            "on-failure" => Restart::OnFailure,
            "always" => Restart::Always,
            _ => Restart::No,
        }
    }
}

/// How the containers are run.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The container directory.
    pub lxcpath: PathBuf,
    /// The group, below the base, that holds the containers' groups.
    pub containers_group: GroupPath,
    /// Which containers start at boot.
    pub boot_groups: Vec<BootGroup>,
    /// How long a container has to stop after its halt signal.
    pub stop_timeout: Duration,
    /// On SIGTERM, leave the containers running.
    pub keep_running: bool,
    /// Restart policy.
    pub restart: Restart,
    /// The daemon's state directory.
    pub state_dir: PathBuf,
}

/// What the supervisor needs of the daemon for an operation.
pub struct Ctx<'a> {
    /// The host's hierarchies.
    pub cg: &'a Cgroups,
    /// Where groups go.
    pub roots: &'a Where,
    /// The ownership record.
    pub record: &'a mut Record,
    /// The groups of cgconfig.conf (never removed by a container's stop).
    pub configured: &'a dyn Fn() -> Vec<Key>,
    /// The log.
    pub log: &'a Logger,
}

/// Why a container is being stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Why {
    /// A client asked (`stop`).
    Request,
    /// A client asked for a restart.
    Restart,
    /// cgconfigd is stopping.
    Shutdown,
}

#[derive(Debug)]
struct Stopping {
    why: Why,
    /// When the group is killed, if the init has not exited by then.
    deadline: Instant,
    killed: bool,
}

#[derive(Debug)]
struct Running {
    /// `lxc.signal.halt` of the config it was started with.
    halt: Option<i32>,
    pid: u32,
    pidfd: OwnedFd,
    start_ticks: u64,
    started: u64,
    /// The console's pty master, for `cgconfigd console` (none with `lxc.console.path =
    /// none`, or when re-adopted: the previous daemon had it).
    console: Option<console::Console>,
    /// The ttys' ptys (`lxc.tty.max`), tty 1 first, for `cgconfigd console -t N` (none
    /// when re-adopted, as the console).
    ttys: Vec<console::Console>,
    /// Re-adopted from a previous daemon.
    adopted: bool,
    /// Its network interfaces, as the launch set them up (saved in its state file).
    network: Vec<container::network::Attached>,
    /// Its network namespace (`/proc/PID/ns/net`), held while it runs when it has `phys`
    /// devices: the namespace outlives the init, so that they can be moved back to the
    /// host when it ends (`container::network::restore_phys`).
    netns: Option<OwnedFd>,
}

/// The network namespace of `pid` when `network` has `phys` devices to move back at stop.
fn phys_netns(
    pid: u32,
    network: &[container::network::Attached],
    name: &str,
    log: &Logger,
) -> Option<OwnedFd> {
    if !network.iter().any(|a| a.kind == "phys") {
        return None;
    }
    match container::net::open_netns(pid as i32) {
        Ok(fd) => Some(fd),
        Err(e) => {
            log.error(&format!(
                "container {name}: its phys devices cannot be moved back to the host at stop: {e}"
            ));
            None
        }
    }
}

/// One container.
#[derive(Debug)]
struct Entry {
    /// As last discovered; `None` when its directory went away while it ran.
    found: Option<Found>,
    state: State,
    run: Option<Running>,
    /// Its group and the hierarchies it is in, while it exists.
    group: Option<(GroupPath, Vec<usize>)>,
    order: i32,
    stopping: Option<Stopping>,
    last_exit: Option<Exit>,
    reason: Option<String>,
    restarts: Vec<Instant>,
    restart_at: Option<Instant>,
    /// Whether it was a boot container at the last discovery (a container that becomes
    /// one is started).
    boots: bool,
    /// The errors last logged for it, so that a broken config is logged once per change.
    logged: Vec<String>,
    /// Stopped on request or by itself: not started by autostart (see [`Saved::held`]).
    held: bool,
}

impl Entry {
    fn new(found: Option<Found>) -> Entry {
        Entry {
            found,
            state: State::Stopped,
            run: None,
            group: None,
            order: 0,
            stopping: None,
            last_exit: None,
            reason: None,
            restarts: Vec::new(),
            restart_at: None,
            boots: false,
            logged: Vec::new(),
            held: false,
        }
    }

    fn active(&self) -> bool {
        self.state != State::Stopped
    }
}

/// A client waiting for a stop (or a restart) to finish.
#[derive(Debug)]
struct Waiter {
    name: String,
    conn: Conn,
    restart: bool,
}

/// What to poll for the supervisor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// The control socket has connections to accept.
    Listener,
    /// A connection has bytes.
    Conn(u64),
    /// A container's init ended.
    Exited(String),
    /// A container's console (0) or tty (1..) has output and no client.
    Console(String, u32),
    /// The client of a container's console (0) or tty (1..) wrote or went away.
    ConsoleClient(String, u32),
}

/// The supervisor.
pub struct Containers {
    settings: Settings,
    launcher: Box<dyn Launcher>,
    entries: BTreeMap<String, Entry>,
    /// Containers still to start at boot (or newly autostart), with the delay after each.
    queue: VecDeque<(String, u32)>,
    next_start: Instant,
    server: Option<Server>,
    waiters: Vec<Waiter>,
    /// While cgconfigd stops: the levels still to stop.
    shutdown: Option<VecDeque<Vec<String>>>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Containers {
    /// Finds the containers of `settings.lxcpath` (nothing is started yet).
    pub fn new(settings: Settings, launcher: Box<dyn Launcher>, log: &Logger) -> Containers {
        let mut containers = Containers {
            settings,
            launcher,
            entries: BTreeMap::new(),
            queue: VecDeque::new(),
            next_start: Instant::now(),
            server: None,
            waiters: Vec::new(),
            shutdown: None,
        };
        containers.merge(
            discovery::discover(&containers.settings.lxcpath),
            log,
            false,
        );
        containers
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Listens on the control socket.
    pub fn listen(&mut self) -> Result<&Path, String> {
        let server = Server::bind(&self.settings.state_dir)?;
        Ok(self.server.insert(server).path())
    }

    fn state_dir(&self) -> PathBuf {
        state::dir(&self.settings.state_dir)
    }

    /// Takes a new discovery into account (see [`Containers::rediscover`]); with
    /// `autostart`, containers that became boot containers are queued.
    fn merge(
        &mut self,
        found: Result<BTreeMap<String, Found>, String>,
        log: &Logger,
        autostart: bool,
    ) {
        let found = match found {
            Ok(found) => found,
            Err(message) => {
                log.error(&format!("{message}; the containers known stay as they are"));
                return;
            }
        };
        let boot_groups = self.settings.boot_groups.clone();
        let mut newly: Vec<(String, grammar::lxc::Autostart)> = Vec::new();
        for (name, f) in &found {
            let entry = self
                .entries
                .entry(name.clone())
                .or_insert_with(|| Entry::new(None));
            let boots = f
                .autostart()
                .is_some_and(|a| order::starts_at_boot(a, &boot_groups));
            if autostart && boots && !entry.boots && !entry.active() {
                if let Some(a) = f.autostart() {
                    newly.push((name.clone(), a.clone()));
                }
            }
            entry.boots = boots;
            match f {
                Found::Broken(Broken { errors, .. }) => {
                    if entry.logged != *errors {
                        for line in errors {
                            log.error(&format!("container {name}: {line}"));
                        }
                        log.error(&format!(
                            "container {name} is refused: its config has {} error{}",
                            errors.len(),
                            if errors.len() == 1 { "" } else { "s" }
                        ));
                        entry.logged = errors.clone();
                    }
                }
                Found::Good(g) => {
                    if entry.logged != g.warnings {
                        for line in &g.warnings {
                            log.warning(&format!("container {name}: {line}"));
                        }
                        entry.logged = g.warnings.clone();
                    }
                }
            }
            entry.found = Some(f.clone());
        }
        // Gone from disk: forgotten when stopped, kept while running.
        let gone: Vec<String> = self
            .entries
            .keys()
            .filter(|n| !found.contains_key(*n))
            .cloned()
            .collect();
        let dir = self.state_dir();
        for name in gone {
            let Some(entry) = self.entries.get_mut(&name) else {
                continue;
            };
            if entry.active() {
                if entry.found.take().is_some() {
                    log.notice(&format!(
                        "container {name}: its directory went away; it keeps running until it stops"
                    ));
                }
            } else {
                self.entries.remove(&name);
                let _ = state::forget(&dir, &name);
                self.queue.retain(|(n, _)| *n != name);
            }
        }
        if !newly.is_empty() {
            let order = order::boot_order(newly.iter().map(|(n, a)| (n.as_str(), a)), &boot_groups);
            for (name, delay) in order {
                if !self.queue.iter().any(|(n, _)| *n == name) {
                    log.info(&format!(
                        "container {name} is new to autostart: starting it"
                    ));
                    self.queue.push_back((name, delay));
                }
            }
        }
    }

    /// Lists the containers again (after an edit or SIGHUP): new boot containers are
    /// queued to start, changed configs take effect at the next start, broken ones are
    /// logged once, directories that went away are forgotten once stopped.
    pub fn rediscover(&mut self, log: &Logger) {
        if self.shutdown.is_some() {
            return;
        }
        let found = discovery::discover(&self.settings.lxcpath);
        self.merge(found, log, true);
    }

    /// Re-adopts the containers a previous daemon started, from the state directory:
    /// those whose init still runs (same pid and start time, this boot) are RUNNING
    /// again; for the others, what is left in their group is killed and the group
    /// removed.
    pub fn adopt(&mut self, ctx: &mut Ctx<'_>) {
        let dir = self.state_dir();
        let (saved, problems) = state::load_all(&dir);
        for p in problems {
            ctx.log.warning(&p);
        }
        let boot = process::boot_id();
        for s in saved {
            let hierarchies: Vec<usize> = s
                .hierarchies
                .iter()
                .filter_map(|m| {
                    ctx.cg
                        .hierarchies()
                        .iter()
                        .position(|h| h.mount_point() == m.as_path())
                })
                .collect();
            let group = s
                .group
                .as_deref()
                .and_then(|g| GroupPath::new(g).ok())
                .filter(|_| s.boot_id == boot);
            let entry = self
                .entries
                .entry(s.name.clone())
                .or_insert_with(|| Entry::new(None));
            entry.last_exit = s.last_exit;
            entry.reason = s.reason.clone();
            entry.order = s.order;
            entry.held = s.held && s.boot_id == boot;
            if s.state == State::Stopped || s.boot_id != boot {
                if entry.found.is_none() {
                    self.entries.remove(&s.name);
                    let _ = state::forget(&dir, &s.name);
                }
                continue;
            }
            let alive = s.pid.zip(s.start_ticks).and_then(|(pid, ticks)| {
                let fd = process::pidfd_open(pid).ok()?;
                (process::start_ticks(pid) == Some(ticks) && !process::ended(fd.as_fd()))
                    .then_some((pid, ticks, fd))
            });
            match (alive, group) {
                (Some((pid, start_ticks, pidfd)), Some(path)) => {
                    ctx.log.info(&format!(
                        "container {}: re-adopted (pid {pid}, group {path}), left running by the previous cgconfigd",
                        s.name
                    ));
                    entry.state = State::Running;
                    entry.run = Some(Running {
                        halt: s.halt,
                        pid,
                        pidfd,
                        start_ticks,
                        started: s.started.unwrap_or(0),
                        console: None,
                        ttys: Vec::new(),
                        adopted: true,
                        netns: phys_netns(pid, &s.network, &s.name, ctx.log),
                        network: s.network.clone(),
                    });
                    entry.group = Some((path, hierarchies));
                }
                (_, group) => {
                    let pid = s.pid.map_or_else(String::new, |p| format!(" (pid {p})"));
                    ctx.log.notice(&format!(
                        "container {}: its init{pid} ended while cgconfigd was not running",
                        s.name
                    ));
                    entry.state = State::Stopped;
                    entry.last_exit = Some(Exit::Unknown);
                    entry.reason =
                        Some("its init ended while cgconfigd was not running".to_string());
                    if let Some(path) = group {
                        entry.group = Some((path, hierarchies));
                        self.clean_up(&s.name, ctx);
                    }
                    self.save(&s.name, ctx.cg, ctx.log);
                    if self.entries.get(&s.name).is_some_and(|e| e.found.is_none()) {
                        self.entries.remove(&s.name);
                        let _ = state::forget(&dir, &s.name);
                    }
                }
            }
        }
    }

    /// Queues the boot containers that do not run yet, in boot order.
    pub fn begin_autostart(&mut self, log: &Logger) {
        let boot_groups = self.settings.boot_groups.clone();
        let candidates: Vec<(String, grammar::lxc::Autostart)> = self
            .entries
            .iter()
            .filter(|(_, e)| !e.active() && !e.held)
            .filter_map(|(n, e)| {
                e.found
                    .as_ref()
                    .and_then(Found::autostart)
                    .map(|a| (n.clone(), a.clone()))
            })
            .collect();
        let order = order::boot_order(
            candidates.iter().map(|(n, a)| (n.as_str(), a)),
            &boot_groups,
        );
        if !order.is_empty() {
            let names: Vec<&str> = order.iter().map(|(n, _)| n.as_str()).collect();
            log.info(&format!("autostart: {}", names.join(", ")));
        }
        self.queue.extend(order);
        self.next_start = Instant::now();
    }

    /// How many containers run (RUNNING or STOPPING), and how many are known.
    pub fn counts(&self) -> (usize, usize) {
        let running = self
            .entries
            .values()
            .filter(|e| matches!(e.state, State::Running | State::Stopping))
            .count();
        (running, self.entries.len())
    }

    /// The part of `STATUS=` about containers.
    pub fn status(&self) -> String {
        let (running, known) = self.counts();
        let broken = self
            .entries
            .values()
            .filter(|e| matches!(e.found, Some(Found::Broken(_))))
            .count();
        let mut s = format!(
            "{running} of {known} container{} running",
            if known == 1 { "" } else { "s" }
        );
        if broken > 0 {
            s.push_str(&format!(", {broken} refused"));
        }
        if !self.queue.is_empty() {
            s.push_str(&format!(", {} waiting to start", self.queue.len()));
        }
        s
    }

    /// The groups of the containers that run, in every hierarchy: the reconciler must
    /// not remove them.
    pub fn in_use(&self) -> Vec<Key> {
        self.entries
            .values()
            .filter(|e| e.active())
            .filter_map(|e| e.group.as_ref())
            .flat_map(|(path, hs)| hs.iter().map(move |h| (*h, path.clone())))
            .collect()
    }

    /// What to poll.
    pub fn pollables(&self) -> Vec<(Token, BorrowedFd<'_>)> {
        let mut out = Vec::new();
        if let Some(server) = &self.server {
            out.push((Token::Listener, server.listener()));
            for (id, fd) in server.conns() {
                out.push((Token::Conn(id), fd));
            }
        }
        let now = Instant::now();
        for (name, e) in &self.entries {
            if let Some(run) = &e.run {
                out.push((Token::Exited(name.clone()), run.pidfd.as_fd()));
                for (n, c) in run.terminals() {
                    match c.watch(now) {
                        Some(console::Watch::Master(fd)) => {
                            out.push((Token::Console(name.clone(), n), fd));
                        }
                        Some(console::Watch::Client(fd)) => {
                            out.push((Token::ConsoleClient(name.clone(), n), fd));
                        }
                        None => {}
                    }
                }
            }
        }
        out
    }

    /// The next time [`Containers::tick`] has something to do.
    pub fn deadline(&self) -> Option<Instant> {
        let mut at: Vec<Instant> = Vec::new();
        if !self.queue.is_empty() && self.shutdown.is_none() {
            at.push(self.next_start);
        }
        for e in self.entries.values() {
            if let Some(s) = &e.stopping {
                if !s.killed {
                    at.push(s.deadline);
                }
            }
            if let Some(r) = e.restart_at {
                at.push(r);
            }
            if let Some(run) = &e.run {
                at.extend(run.terminals().filter_map(|(_, c)| c.deadline()));
            }
        }
        if let Some(s) = &self.server {
            at.extend(s.deadline());
        }
        at.into_iter().min()
    }

    /// Whether cgconfigd may exit: it is stopping and every container is down.
    pub fn shutdown_done(&self) -> bool {
        self.shutdown
            .as_ref()
            .is_some_and(|levels| levels.is_empty())
            && (self.settings.keep_running || !self.entries.values().any(Entry::active))
    }

    /// Whether a stop of every container is under way.
    pub fn shutting_down(&self) -> bool {
        self.shutdown.is_some()
    }

    /// SIGTERM: stops every container, in reverse order, a level at a time (unless
    /// `--keep-containers`, then nothing is stopped).
    pub fn begin_shutdown(&mut self, ctx: &mut Ctx<'_>) {
        self.queue.clear();
        let running: Vec<(String, i32)> = self
            .entries
            .iter()
            .filter(|(_, e)| e.active())
            .map(|(n, e)| (n.clone(), e.order))
            .collect();
        if self.settings.keep_running {
            if !running.is_empty() {
                ctx.log.info(&format!(
                    "stopping: {} container{} keep running (--keep-containers); the next cgconfigd re-adopts them",
                    running.len(),
                    if running.len() == 1 { "" } else { "s" }
                ));
            }
            self.shutdown = Some(VecDeque::new());
            for e in self.entries.values_mut() {
                // Nothing more to wait for: forget their processes without touching them.
                e.stopping = None;
            }
            return;
        }
        let levels: VecDeque<Vec<String>> = order::stop_levels(&running).into();
        if !levels.is_empty() {
            ctx.log.info(&format!(
                "stopping {} container{} in {} level{}",
                running.len(),
                if running.len() == 1 { "" } else { "s" },
                levels.len(),
                if levels.len() == 1 { "" } else { "s" }
            ));
        }
        self.shutdown = Some(levels);
        self.advance_shutdown(ctx);
    }

    /// The longest a stop of every container can take from now: each level's timeout,
    /// plus the time to empty a killed group (for `EXTEND_TIMEOUT_USEC`).
    pub fn shutdown_budget(&self) -> Duration {
        let levels = self.shutdown.as_ref().map_or(0, VecDeque::len) + 1;
        (self.settings.stop_timeout + group::EMPTY_WAIT) * levels as u32
    }

    fn advance_shutdown(&mut self, ctx: &mut Ctx<'_>) {
        loop {
            let Some(levels) = &mut self.shutdown else {
                return;
            };
            // Wait while a container of the level being stopped still runs.
            if self
                .entries
                .values()
                .any(|e| e.stopping.as_ref().is_some_and(|s| s.why == Why::Shutdown))
            {
                return;
            }
            let Some(level) = levels.pop_front() else {
                return;
            };
            for name in level {
                if self.entries.get(&name).is_some_and(Entry::active) {
                    if let Err(e) = self.stop(&name, false, None, Why::Shutdown, ctx) {
                        ctx.log.error(&format!("container {name}: {e}"));
                    }
                }
            }
        }
    }

    /// Starts container `name` now: its config read again, its group made, the
    /// launcher called. `Err` says why it did not start (it is STOPPED then).
    pub fn start(&mut self, name: &str, ctx: &mut Ctx<'_>) -> Result<(), String> {
        if self.shutdown.is_some() {
            return Err("cgconfigd is stopping".into());
        }
        let Some(entry) = self.entries.get_mut(name) else {
            return Err(format!("{name} does not exist"));
        };
        if entry.active() {
            return Err(format!(
                "{name} is already {}",
                entry.state.name().to_lowercase()
            ));
        }
        entry.restart_at = None;
        let Some(found) = &entry.found else {
            return Err(format!("{name} does not exist"));
        };
        let dir = match found {
            Found::Good(g) => g.dir.dir.clone(),
            Found::Broken(b) => b.dir.clone(),
        };
        // The config as it is now: a change takes effect at the next start.
        let fresh = discovery::load(name, &dir);
        entry.found = Some(fresh.clone());
        let good = match fresh {
            Found::Good(g) => g,
            Found::Broken(b) => {
                entry.logged = b.errors.clone();
                for line in &b.errors {
                    ctx.log.error(&format!("container {name}: {line}"));
                }
                return Err(format!("cannot start {name}: {}", b.summary()));
            }
        };
        let relative = group::relative_path(&good.dir, &self.settings.containers_group)
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        let targets = group::targets(ctx.cg, ctx.roots, &relative)
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        let full = targets[0].1.clone();
        let hs: Vec<usize> = targets.iter().map(|(h, _, _)| *h).collect();
        if let Some((other, _)) = self.entries.iter().find(|(n, e)| {
            n.as_str() != name && e.active() && e.group.as_ref().is_some_and(|(g, _)| *g == full)
        }) {
            return Err(format!(
                "cannot start {name}: its group {full} is {other}'s (give it its own with lxc.cgroup.dir)"
            ));
        }
        let busy = group::tasks(&group::existing(ctx.cg, &full, &hs));
        if !busy.is_empty() {
            return Err(format!(
                "cannot start {name}: its group {full} already holds {} process{} (pid {})",
                busy.len(),
                if busy.len() == 1 { "" } else { "es" },
                busy[0]
            ));
        }
        let Some(entry) = self.entries.get_mut(name) else {
            return Err(format!("{name} does not exist"));
        };
        entry.state = State::Starting;
        entry.held = false;
        entry.order = good.autostart.order;
        entry.reason = None;
        let placement = match group::create(ctx.cg, ctx.roots, ctx.record, &relative) {
            Ok(p) => p,
            Err(e) => {
                entry.state = State::Stopped;
                entry.reason = Some(e.clone());
                self.save(name, ctx.cg, ctx.log);
                return Err(format!("cannot start {name}: {e}"));
            }
        };
        entry.group = Some((placement.path.clone(), placement.hierarchies.clone()));
        self.save(name, ctx.cg, ctx.log);
        let hwaddrs = state::hwaddrs(&self.settings.state_dir, name);
        let launched = self.launcher.start(&good.dir, &placement, &hwaddrs);
        let Some(entry) = self.entries.get_mut(name) else {
            return Err(format!("{name} does not exist"));
        };
        match launched {
            Ok(started) => {
                let ticks = process::start_ticks(started.pid).unwrap_or(0);
                ctx.log.info(&format!(
                    "container {name}: started (pid {}, group {})",
                    started.pid, placement.path
                ));
                for note in &started.notes {
                    ctx.log.info(&format!("container {name}: {note}"));
                }
                if !started.hwaddrs.is_empty() && started.hwaddrs != hwaddrs {
                    if let Err(e) =
                        state::keep_hwaddrs(&self.settings.state_dir, name, &started.hwaddrs)
                    {
                        ctx.log.warning(&format!(
                            "container {name}: its drawn hardware addresses are not kept for the next start: {e}"
                        ));
                    }
                }
                entry.state = State::Running;
                entry.run = Some(Running {
                    halt: configured_halt(&good.dir.config),
                    pid: started.pid,
                    pidfd: started.pidfd,
                    start_ticks: ticks,
                    started: now_secs(),
                    console: started.console.map(console::Console::new),
                    ttys: started
                        .ttys
                        .into_iter()
                        .map(console::Console::tty)
                        .collect(),
                    adopted: false,
                    netns: phys_netns(started.pid, &started.network, name, ctx.log),
                    network: started.network,
                });
                self.save(name, ctx.cg, ctx.log);
                Ok(())
            }
            Err(failure) => {
                entry.state = State::Aborting;
                let message = failure.to_string();
                drop(placement);
                self.clean_up(name, ctx);
                let entry = self.entries.get_mut(name);
                if let Some(entry) = entry {
                    entry.state = State::Stopped;
                    entry.reason = Some(format!("start failed: {message}"));
                }
                self.save(name, ctx.cg, ctx.log);
                Err(format!("cannot start {name}: {message}"))
            }
        }
    }

    /// Asks container `name` to stop: SIGKILL of its group at once with `kill`, else its
    /// halt signal and SIGKILL of the group after `timeout` (default `--stop-timeout`).
    fn stop(
        &mut self,
        name: &str,
        kill: bool,
        timeout: Option<Duration>,
        why: Why,
        ctx: &mut Ctx<'_>,
    ) -> Result<(), String> {
        let timeout = timeout.unwrap_or(self.settings.stop_timeout);
        let Some(entry) = self.entries.get_mut(name) else {
            return Err(format!("{name} does not exist"));
        };
        let Some(run) = &entry.run else {
            return Err(format!("{name} is not running"));
        };
        if let Some(s) = &mut entry.stopping {
            // Already stopping: a kill or a shorter timeout takes over.
            s.why = if why == Why::Shutdown { why } else { s.why };
            if kill {
                s.deadline = Instant::now();
            } else {
                s.deadline = s.deadline.min(Instant::now() + timeout);
            }
            return Ok(());
        }
        entry.state = State::Stopping;
        let signal = halt_signal(run.halt, run.pid);
        let deadline = if kill {
            Instant::now()
        } else {
            match process::send(run.pidfd.as_fd(), signal) {
                Ok(()) => ctx.log.info(&format!(
                    "container {name}: sent {} to its init (pid {}), SIGKILL to its group in {} s",
                    process::signal_name(signal),
                    run.pid,
                    timeout.as_secs()
                )),
                Err(e) => ctx.log.warning(&format!(
                    "container {name}: cannot send {} to its init: {e}",
                    process::signal_name(signal)
                )),
            }
            Instant::now() + timeout
        };
        entry.stopping = Some(Stopping {
            why,
            deadline,
            killed: false,
        });
        self.save(name, ctx.cg, ctx.log);
        if kill {
            self.kill(name, ctx);
        }
        Ok(())
    }

    /// SIGKILL to everything in the group of `name` (its stop timed out, or `-k`), then
    /// reaps its init.
    fn kill(&mut self, name: &str, ctx: &mut Ctx<'_>) {
        let Some(entry) = self.entries.get_mut(name) else {
            return;
        };
        if let Some(s) = &mut entry.stopping {
            s.killed = true;
        }
        if let Some((path, hs)) = &entry.group {
            let p = group::existing(ctx.cg, path, hs);
            match group::kill_all(&p) {
                Ok(how) => ctx.log.info(&format!(
                    "container {name}: killed every process of its group {path} ({})",
                    match how {
                        group::Killed::CgroupKill => "cgroup.kill",
                        group::Killed::Frozen => "frozen, SIGKILL, thawed",
                        group::Killed::Rounds => "SIGKILL to each",
                    }
                )),
                Err(e) => ctx.log.error(&format!("container {name}: {e}")),
            }
        } else if let Some(run) = &entry.run {
            let _ = process::send(run.pidfd.as_fd(), 9);
        }
        // The init is dead (its group is empty): reap it now.
        self.exited(name, ctx);
    }

    /// Kills the group of the containers whose stop timed out, starts the next queued
    /// container when its time came, restarts those due, and times out slow clients.
    pub fn tick(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        if let Some(server) = &mut self.server {
            server.expire(now);
        }
        let due: Vec<String> = self
            .entries
            .iter()
            .filter(|(_, e)| {
                e.stopping
                    .as_ref()
                    .is_some_and(|s| !s.killed && s.deadline <= now)
            })
            .map(|(n, _)| n.clone())
            .collect();
        for name in due {
            self.kill(&name, ctx);
        }
        let restart: Vec<String> = self
            .entries
            .iter()
            .filter(|(_, e)| e.restart_at.is_some_and(|t| t <= now))
            .map(|(n, _)| n.clone())
            .collect();
        for name in restart {
            if let Some(e) = self.entries.get_mut(&name) {
                e.restart_at = None;
            }
            if let Err(e) = self.start(&name, ctx) {
                ctx.log.error(&e);
            }
        }
        if self.shutdown.is_none() && now >= self.next_start {
            while let Some((name, delay)) = self.queue.pop_front() {
                if self.entries.get(&name).is_none_or(Entry::active) {
                    continue;
                }
                match self.start(&name, ctx) {
                    Ok(()) => {
                        self.next_start = Instant::now() + Duration::from_secs(u64::from(delay));
                        if delay > 0 && !self.queue.is_empty() {
                            ctx.log.info(&format!(
                                "autostart: waiting {delay} s after {name} (lxc.start.delay)"
                            ));
                            break;
                        }
                    }
                    Err(e) => ctx.log.error(&format!("autostart: {e}")),
                }
            }
        }
        self.advance_shutdown(ctx);
    }

    /// Handles what `token` says is ready.
    pub fn ready(&mut self, token: &Token, ctx: &mut Ctx<'_>) {
        match token {
            Token::Listener => {
                if let Some(server) = &mut self.server {
                    for line in server.accept() {
                        ctx.log.warning(&line);
                    }
                }
            }
            Token::Conn(id) => {
                let Some(server) = &mut self.server else {
                    return;
                };
                if let Incoming::Done(conn, request) = server.read(*id) {
                    match request {
                        Ok(request) => self.serve(request, conn, ctx),
                        Err(reason) => {
                            ctx.log.notice(&format!(
                                "refused a request on the control socket: {reason}"
                            ));
                            conn.reply(&Response::error(reason));
                        }
                    }
                }
            }
            Token::Exited(name) => self.exited(name, ctx),
            Token::Console(name, n) => {
                if let Some(c) = self.console_of(name, *n) {
                    c.drain(Instant::now());
                }
            }
            Token::ConsoleClient(name, n) => {
                if self
                    .console_of(name, *n)
                    .is_some_and(console::Console::client_event)
                {
                    ctx.log.info(&format!(
                        "container {name}: {} client disconnected",
                        console::tty_name(*n)
                    ));
                }
            }
        }
    }

    /// The console (`n` = 0) or tty `n` of a running container.
    fn console_of(&mut self, name: &str, n: u32) -> Option<&mut console::Console> {
        self.entries
            .get_mut(name)
            .and_then(|e| e.run.as_mut())
            .and_then(|r| r.terminal(n))
    }

    /// The init of `name` may have ended: reap it; if it did, the container is STOPPED.
    fn exited(&mut self, name: &str, ctx: &mut Ctx<'_>) {
        let Some(entry) = self.entries.get_mut(name) else {
            return;
        };
        let Some(run) = &entry.run else {
            return;
        };
        let exit = match process::reap(run.pidfd.as_fd()) {
            Ok(Some(exit)) => exit,
            Ok(None) => return,
            Err(e) => {
                ctx.log
                    .error(&format!("container {name}: cannot reap its init: {e}"));
                Exit::Unknown
            }
        };
        let pid = run.pid;
        if let Some(run) = entry.run.take() {
            if let Some(netns) = &run.netns {
                if let Err(errors) = container::network::restore_phys(netns.as_fd(), &run.network) {
                    for e in errors {
                        ctx.log.error(&format!("container {name}: {e}"));
                    }
                }
            }
        }
        entry.last_exit = Some(exit);
        let stopping = entry.stopping.take();
        let reason = match &stopping {
            Some(s) if s.why == Why::Shutdown => "stopped: cgconfigd is stopping".to_string(),
            Some(s) if s.killed => "stopped on request (killed)".to_string(),
            Some(_) => "stopped on request".to_string(),
            None => format!("its init exited by itself ({})", exit.describe()),
        };
        match &stopping {
            Some(_) => ctx.log.info(&format!(
                "container {name}: {reason}; its init (pid {pid}) ended: {}",
                exit.describe()
            )),
            None if exit.success() => ctx.log.notice(&format!(
                "container {name}: its init (pid {pid}) exited: {}",
                exit.describe()
            )),
            None => ctx.log.warning(&format!(
                "container {name}: its init (pid {pid}) ended: {}",
                exit.describe()
            )),
        }
        entry.reason = Some(reason);
        entry.held = stopping.as_ref().is_none_or(|s| s.why != Why::Shutdown);
        self.clean_up(name, ctx);
        if let Some(entry) = self.entries.get_mut(name) {
            entry.state = State::Stopped;
            entry.group = None;
        }
        self.save(name, ctx.cg, ctx.log);
        // Clients waiting for this stop.
        let (mine, others): (Vec<Waiter>, Vec<Waiter>) = std::mem::take(&mut self.waiters)
            .into_iter()
            .partition(|w| w.name == name);
        self.waiters = others;
        for w in mine {
            if w.restart {
                match self.start(name, ctx) {
                    Ok(()) => w.conn.reply(&Response::ok()),
                    Err(e) => w.conn.reply(&Response::error(e)),
                }
            } else {
                w.conn.reply(&Response::ok());
            }
        }
        if stopping.is_none() && self.shutdown.is_none() {
            self.maybe_restart(name, exit, ctx.log);
        }
        if self.entries.get(name).is_some_and(|e| e.found.is_none()) {
            self.entries.remove(name);
            let _ = state::forget(&self.state_dir(), name);
        }
        self.advance_shutdown(ctx);
    }

    fn maybe_restart(&mut self, name: &str, exit: Exit, log: &Logger) {
        let policy = self.settings.restart;
        let Some(entry) = self.entries.get_mut(name) else {
            return;
        };
        let wanted = match policy {
            Restart::No => false,
            Restart::Always => true,
            Restart::OnFailure => !exit.success(),
        };
        if !wanted {
            return;
        }
        let now = Instant::now();
        entry
            .restarts
            .retain(|t| now.duration_since(*t) < RESTART_WINDOW);
        if entry.restarts.len() >= RESTART_BURST {
            log.error(&format!(
                "container {name}: stopped {RESTART_BURST} times within {} s: not restarted again",
                RESTART_WINDOW.as_secs()
            ));
            entry.reason = Some(format!(
                "stopped {RESTART_BURST} times within {} s; not restarted",
                RESTART_WINDOW.as_secs()
            ));
            return;
        }
        entry.restarts.push(now);
        entry.restart_at = Some(now + RESTART_DELAY);
        log.info(&format!(
            "container {name}: restarting in {} s (--restart-containers)",
            RESTART_DELAY.as_secs()
        ));
    }

    /// Kills what is left in the container's group and removes the group.
    fn clean_up(&mut self, name: &str, ctx: &mut Ctx<'_>) {
        let in_use: Vec<Key> = self
            .entries
            .iter()
            .filter(|(n, e)| n.as_str() != name && e.active())
            .filter_map(|(_, e)| e.group.as_ref())
            .flat_map(|(path, hs)| hs.iter().map(move |h| (*h, path.clone())))
            .collect();
        let Some(entry) = self.entries.get_mut(name) else {
            return;
        };
        let Some((path, hs)) = entry.group.take() else {
            return;
        };
        let p = group::existing(ctx.cg, &path, &hs);
        let left = group::tasks(&p);
        if !left.is_empty() {
            // Only in a group cgconfigd made for the container is everything the
            // container's.
            let ours = p
                .hierarchies
                .iter()
                .all(|&h| ctx.record.verify(ctx.cg, h, &path) == crate::record::Verdict::Ours);
            if ours {
                match group::kill_all(&p) {
                    Ok(_) => ctx.log.info(&format!(
                        "container {name}: killed the {} process{} left in its group {path}",
                        left.len(),
                        if left.len() == 1 { "" } else { "es" }
                    )),
                    Err(e) => ctx.log.error(&format!("container {name}: {e}")),
                }
            } else {
                ctx.log.warning(&format!(
                    "container {name}: {} process{} left in {path}, a group cgconfigd did not create: left alone",
                    left.len(),
                    if left.len() == 1 { "" } else { "es" }
                ));
            }
        }
        let configured = (ctx.configured)();
        let removed = group::remove(&p, ctx.roots, ctx.record, &configured, &in_use, ctx.log);
        for g in removed {
            ctx.log.debug(&format!("container {name}: removed {g}"));
        }
    }

    /// Saves the state of `name` (its hierarchies by mount point: indexes may change).
    fn save(&self, name: &str, cg: &Cgroups, log: &Logger) {
        let Some(e) = self.entries.get(name) else {
            return;
        };
        let saved = Saved {
            name: name.to_string(),
            state: e.state,
            pid: e.run.as_ref().map(|r| r.pid),
            start_ticks: e.run.as_ref().map(|r| r.start_ticks),
            started: e.run.as_ref().map(|r| r.started),
            boot_id: process::boot_id(),
            group: e.group.as_ref().map(|(p, _)| p.to_string()),
            hierarchies: e
                .group
                .as_ref()
                .map(|(_, hs)| {
                    hs.iter()
                        .filter_map(|h| cg.hierarchies().get(*h))
                        .map(|h| h.mount_point().to_path_buf())
                        .collect()
                })
                .unwrap_or_default(),
            order: e.order,
            last_exit: e.last_exit,
            reason: e.reason.clone(),
            held: e.held,
            halt: e.run.as_ref().and_then(|r| r.halt),
            network: e
                .run
                .as_ref()
                .map(|r| r.network.clone())
                .unwrap_or_default(),
        };
        let dir = self.state_dir();
        if let Err(err) = state::save(&dir, &saved) {
            log.error(&format!(
                "container {name}: cannot save its state in {}: {}",
                dir.display(),
                grammar::diagnostic::io_reason(&err)
            ));
        }
    }

    /// One row per container (`ls`), or the one named (`info`, with its usage).
    fn row(&self, name: &str, e: &Entry, cg: &Cgroups, shown: Shown) -> Row {
        let Shown { usage, addresses } = shown;
        let mut row = Row {
            name: name.to_string(),
            state: e.state.name().to_string(),
            pid: e.run.as_ref().map(|r| r.pid),
            cgroup: e
                .group
                .as_ref()
                .filter(|_| e.active())
                .map(|(p, _)| p.to_string()),
            started: e.run.as_ref().map(|r| r.started),
            last_exit: e.last_exit,
            reason: e.reason.clone(),
            ..Row::default()
        };
        match &e.found {
            Some(Found::Good(g)) => {
                row.autostart = Some(g.autostart.auto);
                row.order = Some(g.autostart.order);
                row.delay = Some(g.autostart.delay);
                row.groups = g.autostart.groups.clone();
                row.unprivileged = Some(!g.dir.config.values("lxc.idmap").is_empty());
            }
            Some(Found::Broken(b)) => {
                if !e.active() {
                    row.state = "BROKEN".into();
                }
                row.errors = b.errors.clone();
            }
            None => {}
        }
        if usage && e.run.is_some() {
            if let Some((path, hs)) = &e.group {
                row.usage = Some(group::usage(&group::existing(cg, path, hs)));
            }
        }
        if let Some(run) = e
            .run
            .as_ref()
            .filter(|r| addresses && !r.network.is_empty())
        {
            // One socket in its namespace; nothing for a container without interfaces.
            if let Ok(addresses) = i32::try_from(run.pid)
                .map_err(io::Error::other)
                .and_then(NetlinkRoute::in_netns_of)
                .and_then(|inside| inside.all_addresses())
            {
                (row.ipv4, row.ipv6) = shown_addresses(&addresses);
            }
            if usage {
                row.links = traffic(&run.network);
            }
        }
        row
    }

    /// Answers a client's request (now, or once the stop it asked for is done).
    fn serve(&mut self, request: Request, conn: Conn, ctx: &mut Ctx<'_>) {
        if self.shutdown.is_some() && !matches!(request, Request::Ls { .. } | Request::Info { .. })
        {
            conn.reply(&Response::error("cgconfigd is stopping"));
            return;
        }
        let unknown = |name: &str| Response::error(format!("{name} doesn't exist"));
        match request {
            Request::Ls { addresses } => {
                let mut response = Response::ok();
                response.lxcpath = Some(self.settings.lxcpath.display().to_string());
                let shown = Shown {
                    usage: false,
                    addresses,
                };
                response.containers = self
                    .entries
                    .iter()
                    .map(|(n, e)| self.row(n, e, ctx.cg, shown))
                    .collect();
                conn.reply(&response);
            }
            Request::Info { name } => match self.entries.get(&name) {
                Some(e) => {
                    let mut response = Response::ok();
                    response.containers = vec![self.row(
                        &name,
                        e,
                        ctx.cg,
                        Shown {
                            usage: true,
                            addresses: true,
                        },
                    )];
                    conn.reply(&response);
                }
                None => conn.reply(&unknown(&name)),
            },
            Request::Start { name } => {
                if !self.entries.contains_key(&name) {
                    return conn.reply(&unknown(&name));
                }
                ctx.log.info(&format!("container {name}: start requested"));
                let result = self.start(&name, ctx);
                conn.reply(&match result {
                    Ok(()) => Response::ok(),
                    Err(e) => Response::error(e),
                });
            }
            Request::Stop {
                name,
                kill,
                timeout,
            } => {
                if !self.entries.contains_key(&name) {
                    return conn.reply(&unknown(&name));
                }
                ctx.log.info(&format!("container {name}: stop requested"));
                let timeout = timeout.map(|t| Duration::from_secs(u64::from(t)));
                match self.stop(&name, kill, timeout, Why::Request, ctx) {
                    Ok(()) if self.entries.get(&name).is_some_and(Entry::active) => {
                        self.waiters.push(Waiter {
                            name,
                            conn,
                            restart: false,
                        });
                    }
                    Ok(()) => conn.reply(&Response::ok()),
                    Err(e) => conn.reply(&Response::error(e)),
                }
            }
            Request::Restart { name } => {
                if !self.entries.contains_key(&name) {
                    return conn.reply(&unknown(&name));
                }
                ctx.log
                    .info(&format!("container {name}: restart requested"));
                if !self.entries.get(&name).is_some_and(Entry::active) {
                    let result = self.start(&name, ctx);
                    return conn.reply(&match result {
                        Ok(()) => Response::ok(),
                        Err(e) => Response::error(e),
                    });
                }
                match self.stop(&name, false, None, Why::Restart, ctx) {
                    Ok(()) => self.waiters.push(Waiter {
                        name,
                        conn,
                        restart: true,
                    }),
                    Err(e) => conn.reply(&Response::error(e)),
                }
            }
            Request::Attach { name, command } => {
                let answer = self.locate(&name, ctx.cg);
                match &answer {
                    Ok(_) => ctx.log.info(&format!(
                        "container {name}: attach: {}",
                        if command.is_empty() {
                            "its shell".to_string()
                        } else {
                            command.join(" ").escape_debug().to_string()
                        }
                    )),
                    Err(e) => ctx
                        .log
                        .info(&format!("container {name}: attach refused: {e}")),
                }
                conn.reply(&match answer {
                    Ok(location) => Response {
                        attach: Some(location),
                        ..Response::ok()
                    },
                    Err(e) => Response::error(e),
                });
            }
            Request::Console { name, tty } => self.connect_console(&name, tty, conn, ctx.log),
        }
    }

    /// Where container `name` runs, for `attach`.
    fn locate(&self, name: &str, cg: &Cgroups) -> Result<control::Location, String> {
        let Some(entry) = self.entries.get(name) else {
            return Err(format!("{name} doesn't exist"));
        };
        let (Some(run), Some((path, hs)), State::Running) = (&entry.run, &entry.group, entry.state)
        else {
            return Err(format!(
                "{name} is not running ({})",
                entry.state.name().to_lowercase()
            ));
        };
        let dir = match &entry.found {
            Some(Found::Good(g)) => g.dir.dir.clone(),
            Some(Found::Broken(b)) => b.dir.clone(),
            None => {
                return Err(format!(
                    "{name}'s directory went away while it runs: its config cannot be read"
                ))
            }
        };
        Ok(control::Location {
            pid: run.pid,
            start_ticks: run.start_ticks,
            dir,
            group: path.to_string(),
            hierarchies: hs
                .iter()
                .filter_map(|h| cg.hierarchies().get(*h))
                .map(|h| h.mount_point().to_path_buf())
                .collect(),
        })
    }

    /// Hands the console (`tty` 0) or tty `tty` of `name` over to the client of `conn`
    /// (one client at a time for each).
    fn connect_console(&mut self, name: &str, tty: u32, conn: Conn, log: &Logger) {
        let Some(entry) = self.entries.get_mut(name) else {
            return conn.reply(&Response::error(format!("{name} doesn't exist")));
        };
        let state = entry.state;
        let Some(run) = entry.run.as_mut().filter(|_| state == State::Running) else {
            return conn.reply(&Response::error(format!(
                "{name} is not running ({})",
                state.name().to_lowercase()
            )));
        };
        let what = console::tty_name(tty);
        // What its config says now (the one it started with is not kept).
        let config = match &entry.found {
            Some(Found::Good(g)) => Some(&g.dir.config),
            _ => None,
        };
        let configured = |key: &str| {
            config
                .and_then(|c| c.value(key))
                .map(|e| e.entry.value.value.trim().to_string())
        };
        // How many ttys it has: those the daemon has, or for a container started by
        // another cgconfigd, what its config says now.
        let max = if run.adopted {
            configured("lxc.tty.max")
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(0)
        } else {
            u32::try_from(run.ttys.len()).unwrap_or(u32::MAX)
        };
        let adopted = run.adopted;
        let refusal = match run.terminal(tty) {
            None if tty == 0
                && adopted
                && configured("lxc.console.path").as_deref() != Some("none") =>
            {
                format!(
                    "{name} has no console here: its console's pty stayed with the cgconfigd \
                     that started it (a restarted cgconfigd does not get it back); restart \
                     {name} to get one"
                )
            }
            None if tty == 0 => format!("{name} has no console (lxc.console.path = none)"),
            None if max == 0 => format!(
                "{name} has no tty {tty}: it has no ttys (lxc.tty.max = 0), only its console \
                 (-t 0)"
            ),
            None if tty > max => format!(
                "{name} has no tty {tty}: its ttys are 1 to {max} (lxc.tty.max = {max}), and \
                 0 is its console"
            ),
            None => format!(
                "{name} has no tty {tty} here: its ttys' ptys stayed with the cgconfigd that \
                 started it (a restarted cgconfigd does not get them back); restart {name} to \
                 get them"
            ),
            Some(c) if c.busy() => format!(
                "{} is in use by another cgconfigd console (one client at a time, as \
                 lxc-console)",
                console::of(tty, name)
            ),
            Some(c) => {
                match c.hand_over(conn) {
                    Ok(()) => log.info(&format!("container {name}: {what} client connected")),
                    Err(e) => log.notice(&format!("container {name}: {what}: {e}")),
                }
                return;
            }
        };
        log.info(&format!("container {name}: {what} refused: {refusal}"));
        conn.reply(&Response::error(refusal));
    }
}

impl Running {
    /// The console (0) and the ttys (1..) the daemon has.
    fn terminals(&self) -> impl Iterator<Item = (u32, &console::Console)> {
        self.console
            .iter()
            .map(|c| (0, c))
            .chain((1u32..).zip(self.ttys.iter()))
    }

    /// The console (`n` = 0) or tty `n`, if the daemon has it.
    fn terminal(&mut self, n: u32) -> Option<&mut console::Console> {
        match n {
            0 => self.console.as_mut(),
            n => self.ttys.get_mut(usize::try_from(n - 1).ok()?),
        }
    }
}

/// `lxc.signal.halt` of a config, if it has a valid one.
/// The addresses `ls -f` and `info` show, IPv4 and IPv6, in the kernel's order: not
/// `lo`'s, not IPv6 link-local ones (LXC's `get_ips` with scope 0).
fn shown_addresses(addresses: &[Address]) -> (Vec<String>, Vec<String>) {
    let mut v4 = Vec::new();
    let mut v6 = Vec::new();
    for a in addresses.iter().filter(|a| a.ifname != "lo") {
        match a.addr {
            IpAddr::V4(addr) => v4.push(addr.to_string()),
            IpAddr::V6(addr) if addr.segments()[0] & 0xffc0 != 0xfe80 => v6.push(addr.to_string()),
            IpAddr::V6(_) => {}
        }
    }
    (v4, v6)
}

/// The host's side of each interface and its counters, as `lxc-info` reads them (a
/// veth's host end, else the link it is on; read in cgconfigd's network namespace): an
/// interface whose host link is gone is left out.
fn traffic(network: &[container::network::Attached]) -> Vec<control::LinkTraffic> {
    let Ok(host) = NetlinkRoute::current() else {
        return Vec::new();
    };
    network
        .iter()
        .filter_map(|a| {
            let link = a.host.as_ref().or(a.link.as_ref())?;
            let info = host.link_info(link).ok()??;
            let stats = host.stats(info.index).ok()?;
            Some(control::LinkTraffic {
                name: a.name.clone(),
                link: link.clone(),
                tx_bytes: stats.rx_bytes,
                rx_bytes: stats.tx_bytes,
            })
        })
        .collect()
}

/// What a row of `ls`/`info` carries beyond the config and the state.
#[derive(Clone, Copy)]
struct Shown {
    /// The group's usage and the interfaces' traffic (`info`).
    usage: bool,
    /// The addresses, read from the container's network namespace (`ls -f`, `info`).
    addresses: bool,
}

fn configured_halt(config: &grammar::lxc::Loaded) -> Option<i32> {
    config
        .value("lxc.signal.halt")
        .and_then(|e| container::spec::parse_signal(e.entry.value.value.trim()))
        .filter(|&signo| signo > 0)
}

/// The signal that asks a container to halt, as LXC chooses it: `lxc.signal.halt` of the
/// config it was started with, else `SIGRTMIN+3` when the init blocks it (systemd), else
/// `SIGPWR`.
fn halt_signal(configured: Option<i32>, pid: u32) -> i32 {
    configured.unwrap_or_else(|| {
        if process::blocks(pid, process::SYSTEMD_HALT) {
            process::SYSTEMD_HALT
        } else {
            30
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(ifname: &str, addr: &str) -> Address {
        Address {
            index: 1,
            ifname: ifname.into(),
            addr: addr.parse().unwrap(),
            prefix: 24,
            broadcast: None,
        }
    }

    /// `lo`'s addresses and IPv6 link-local ones are not shown; the rest in the kernel's
    /// order, by family.
    #[test]
    fn shown_addresses_leave_out_lo_and_link_local() {
        let all = [
            address("lo", "127.0.0.1"),
            address("eth0", "10.0.3.2"),
            address("eth1", "192.168.1.5"),
            address("lo", "::1"),
            address("eth0", "fe80::216:3eff:fe00:1"),
            address("eth0", "fd00::2"),
            address("eth1", "febf::1"),
        ];
        let (v4, v6) = shown_addresses(&all);
        assert_eq!(v4, ["10.0.3.2", "192.168.1.5"]);
        assert_eq!(v6, ["fd00::2"]);
    }
}
