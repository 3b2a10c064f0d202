//! The table of sticky processes: the processes `cgexec --sticky`, `cgexec` and
//! `cgclassify --sticky` asked the rules engine to leave where they are, through the cgred
//! socket ([`super::cgred_server`], `docs/rules.md`, "Sticky processes and the cgred
//! socket").
//!
//! What the engine does with it:
//!
//! * before moving a process (exec, uid or gid event, rescan), it asks
//!   [`StickyTable::is_sticky`] and leaves a sticky process alone;
//! * for every `Fork` event of a new process it calls [`StickyTable::on_fork`]: a child of
//!   a process registered with [`UNCHANGE_CHILDREN`] is registered with that flag too, so
//!   the whole tree below it stays sticky; a child of a process registered without it is
//!   not;
//! * for every `Exit` event of a process (the thread group leader: `pid == tgid`) it calls
//!   [`StickyTable::on_exit`], so entries go with their processes and a recycled pid is
//!   not sticky;
//! * after an overrun (lost events, `docs/rules.md`, "Overrun recovery") it calls
//!   [`StickyTable::after_rescan`] with the processes the rescan found and their parents:
//!   entries of processes that exited unseen go, children forked unseen are added.
//!
//! [`StickyTable::on_event`] does the fork and exit parts from a connector event.
//!
//! Keys are process ids (thread group ids), as cgexec sends `getpid()`. libcgroup keeps
//! the same table as an array searched linearly per event; this one is a hash map, one
//! lookup per event.
//!
//! **Bound.** The table holds at most [`StickyTable::capacity`] entries
//! ([`DEFAULT_CAPACITY`] unless built with [`StickyTable::with_capacity`]). Past it a new
//! registration is refused ([`Full`]: the socket closes the connection without the
//! success reply, which cgexec and cgclassify report as an error, as when libcgroup's
//! daemon cannot allocate its entry) and a child of a sticky process is not made sticky
//! (the engine logs it). Entries already in the
//! table are never evicted: a process that was promised to be left alone stays so until
//! it exits or is cancelled. One entry costs about 16 bytes of hash map (a `u32` key, a
//! `bool`, the map's control bytes and spare room), so the default bound is about 1 MiB.

use std::collections::HashMap;
use std::fmt;

use super::connector::Event;

/// Flag: the process's children (and theirs) are sticky too (`cgexec --sticky`,
/// `cgclassify --sticky`; libcgroup's `CGROUP_DAEMON_UNCHANGE_CHILDREN`).
pub const UNCHANGE_CHILDREN: i32 = cgtools::rules::cgred::UNCHANGE_CHILDREN;

/// Flag value: forget the process (`cgclassify --cancel-sticky`; libcgroup's
/// `CGROUP_DAEMON_CANCEL_UNCHANGE_PROCESS`). As in libcgroup, a request cancels only when
/// its flags are exactly this value.
pub const CANCEL_UNCHANGE_PROCESS: i32 = cgtools::rules::cgred::CANCEL_UNCHANGE_PROCESS;

/// The flag bits a request may carry. libcgroup's tools send 0, 1 or 2.
pub const KNOWN_FLAGS: i32 = UNCHANGE_CHILDREN | CANCEL_UNCHANGE_PROCESS;

/// The default bound on the number of entries: the largest default `pid_max` (on
/// machines with more than 1024 CPUs it is higher, but a machine never has that many
/// processes sticky at once).
pub const DEFAULT_CAPACITY: usize = 65_536;

/// The table is full: the entry was not stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Full {
    /// The table's bound.
    pub capacity: usize,
}

impl fmt::Display for Full {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the table of sticky processes is full ({} entries)",
            self.capacity
        )
    }
}

impl std::error::Error for Full {}

/// What a request did to the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registered {
    /// The process is now sticky (`children`: its children will be too).
    Stored {
        /// Whether its children will be sticky.
        children: bool,
    },
    /// The process was forgotten (whether or not it was in the table).
    Cancelled,
}

/// What a fork did to the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forked {
    /// The parent is not sticky with its children: nothing changed.
    NotSticky,
    /// The child is sticky, as its parent, with its own children.
    Inherited,
    /// The child should have been sticky but the table is full: it is not.
    Dropped(Full),
}

/// The sticky processes (see the module documentation).
#[derive(Clone, Debug)]
pub struct StickyTable {
    /// Process id to "its children are sticky too".
    entries: HashMap<u32, bool>,
    capacity: usize,
    dropped: u64,
}

impl Default for StickyTable {
    fn default() -> Self {
        StickyTable::new()
    }
}

impl StickyTable {
    /// An empty table bounded at [`DEFAULT_CAPACITY`].
    pub fn new() -> StickyTable {
        StickyTable::with_capacity(DEFAULT_CAPACITY)
    }

    /// An empty table of at most `capacity` entries.
    pub fn with_capacity(capacity: usize) -> StickyTable {
        StickyTable {
            entries: HashMap::new(),
            capacity,
            dropped: 0,
        }
    }

    /// The bound on the number of entries.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The number of sticky processes.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no process is sticky.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many children of sticky processes were not made sticky because the table was
    /// full, since the table was made.
    #[cfg(test)]
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Whether the engine must leave process `pid` where it is.
    pub fn is_sticky(&self, pid: u32) -> bool {
        self.entries.contains_key(&pid)
    }

    /// Whether `pid` is sticky with its children ([`UNCHANGE_CHILDREN`]).
    pub fn children_sticky(&self, pid: u32) -> bool {
        self.entries.get(&pid).copied().unwrap_or(false)
    }

    /// Applies a request of the cgred socket: `flags` exactly
    /// [`CANCEL_UNCHANGE_PROCESS`] forgets `pid`, anything else makes it sticky, with its
    /// children when the [`UNCHANGE_CHILDREN`] bit is set. A second request for a process
    /// replaces the first's flags (libcgroup keeps the first: see `docs/rules.md`).
    /// Checking the flags and the process is the socket's business.
    pub fn register(&mut self, pid: u32, flags: i32) -> Result<Registered, Full> {
        if flags == CANCEL_UNCHANGE_PROCESS {
            self.cancel(pid);
            return Ok(Registered::Cancelled);
        }
        let children = flags & UNCHANGE_CHILDREN != 0;
        self.insert(pid, children)?;
        Ok(Registered::Stored { children })
    }

    /// Makes `pid` sticky (`children`: with its children), replacing an earlier entry.
    pub fn insert(&mut self, pid: u32, children: bool) -> Result<(), Full> {
        if let Some(entry) = self.entries.get_mut(&pid) {
            *entry = children;
            return Ok(());
        }
        if self.entries.len() >= self.capacity {
            return Err(Full {
                capacity: self.capacity,
            });
        }
        self.entries.insert(pid, children);
        Ok(())
    }

    /// Forgets `pid`; whether it was sticky. Children it made sticky stay so (as in
    /// libcgroup: each has its own entry).
    pub fn cancel(&mut self, pid: u32) -> bool {
        self.entries.remove(&pid).is_some()
    }

    /// Process `parent` forked process `child`. Call it for new processes only (a `Fork`
    /// event with `child_pid == child_tgid`); a new thread (`child == parent`) changes
    /// nothing anyway.
    pub fn on_fork(&mut self, parent: u32, child: u32) -> Forked {
        if child == parent || !self.children_sticky(parent) {
            return Forked::NotSticky;
        }
        match self.insert(child, true) {
            Ok(()) => Forked::Inherited,
            Err(full) => {
                self.dropped += 1;
                Forked::Dropped(full)
            }
        }
    }

    /// Process `pid` exited: forget it. Call it for the exit of a thread group leader (an
    /// `Exit` event with `pid == tgid`); libcgroup does the same (by the exiting thread's
    /// id, so it too forgets a process whose leader exits before its other threads).
    pub fn on_exit(&mut self, pid: u32) {
        self.entries.remove(&pid);
    }

    /// The fork and exit parts of a connector event: [`on_fork`](Self::on_fork) for a new
    /// process, [`on_exit`](Self::on_exit) for a leader's exit; other events change
    /// nothing ([`Forked::NotSticky`]).
    pub fn on_event(&mut self, event: &Event) -> Forked {
        match *event {
            Event::Fork {
                parent_tgid,
                child_pid,
                child_tgid,
            } if child_pid == child_tgid => self.on_fork(parent_tgid, child_tgid),
            Event::Exit { pid, tgid, .. } if pid == tgid => {
                self.on_exit(tgid);
                Forked::NotSticky
            }
            _ => Forked::NotSticky,
        }
    }

    /// After a rescan of `/proc` that followed lost events: `processes` are the processes
    /// that exist, each with its parent's id. Entries of processes not among them go (their
    /// exit was lost), and every descendant of a process sticky with its children becomes
    /// sticky (its fork was lost). Returns the children that could not be added because
    /// the table is full (counted in [`dropped`](Self::dropped) too).
    pub fn after_rescan(&mut self, processes: &[(u32, u32)]) -> u64 {
        let alive: std::collections::HashSet<u32> = processes.iter().map(|&(p, _)| p).collect();
        self.entries.retain(|pid, _| alive.contains(pid));
        let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
        for &(pid, ppid) in processes {
            if pid != ppid {
                children.entry(ppid).or_default().push(pid);
            }
        }
        let mut todo: Vec<u32> = self
            .entries
            .iter()
            .filter(|&(_, &with_children)| with_children)
            .map(|(&pid, _)| pid)
            .collect();
        let mut dropped = 0;
        while let Some(parent) = todo.pop() {
            for &child in children.get(&parent).map(Vec::as_slice).unwrap_or(&[]) {
                if self.children_sticky(child) {
                    continue;
                }
                match self.insert(child, true) {
                    Ok(()) => todo.push(child),
                    Err(_) => dropped += 1,
                }
            }
        }
        self.dropped += dropped;
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_inherit_only_with_unchange_children() {
        let mut table = StickyTable::new();
        assert_eq!(
            table.register(100, 0),
            Ok(Registered::Stored { children: false })
        );
        assert_eq!(
            table.register(200, UNCHANGE_CHILDREN),
            Ok(Registered::Stored { children: true })
        );
        assert!(table.is_sticky(100) && table.is_sticky(200));

        assert_eq!(table.on_fork(100, 101), Forked::NotSticky);
        assert!(!table.is_sticky(101));

        assert_eq!(table.on_fork(200, 201), Forked::Inherited);
        assert_eq!(table.on_fork(201, 202), Forked::Inherited);
        assert!(table.is_sticky(201) && table.is_sticky(202));
        assert!(table.children_sticky(202));

        // A process nobody registered forks: nothing.
        assert_eq!(table.on_fork(300, 301), Forked::NotSticky);
        assert!(!table.is_sticky(300) && !table.is_sticky(301));
        assert_eq!(table.len(), 4);
    }

    #[test]
    fn new_threads_and_thread_exits_change_nothing() {
        let mut table = StickyTable::new();
        table.register(10, UNCHANGE_CHILDREN).unwrap();
        let thread = Event::Fork {
            parent_tgid: 10,
            child_pid: 11,
            child_tgid: 10,
        };
        assert_eq!(table.on_event(&thread), Forked::NotSticky);
        assert!(!table.is_sticky(11));
        let thread_exit = Event::Exit {
            pid: 11,
            tgid: 10,
            code: 0,
        };
        table.on_event(&thread_exit);
        assert!(table.is_sticky(10));

        let fork = Event::Fork {
            parent_tgid: 10,
            child_pid: 12,
            child_tgid: 12,
        };
        assert_eq!(table.on_event(&fork), Forked::Inherited);
        let exit = Event::Exit {
            pid: 10,
            tgid: 10,
            code: 0,
        };
        table.on_event(&exit);
        assert!(!table.is_sticky(10));
        assert!(table.is_sticky(12), "the child outlives its parent, sticky");
        assert_eq!(table.on_event(&Event::Overrun), Forked::NotSticky);
    }

    #[test]
    fn cancel_forgets_the_process_only() {
        let mut table = StickyTable::new();
        table.register(20, UNCHANGE_CHILDREN).unwrap();
        table.on_fork(20, 21);
        assert_eq!(
            table.register(20, CANCEL_UNCHANGE_PROCESS),
            Ok(Registered::Cancelled)
        );
        assert!(!table.is_sticky(20));
        assert!(table.is_sticky(21), "a child made sticky keeps its entry");
        // Later children of the cancelled process are not sticky.
        assert_eq!(table.on_fork(20, 22), Forked::NotSticky);
        // Cancelling what is not there is not an error (libcgroup answers success).
        assert_eq!(
            table.register(99, CANCEL_UNCHANGE_PROCESS),
            Ok(Registered::Cancelled)
        );
        // Cancel only on exactly 2: 3 stores with children, as in libcgroup.
        assert_eq!(
            table.register(30, UNCHANGE_CHILDREN | CANCEL_UNCHANGE_PROCESS),
            Ok(Registered::Stored { children: true })
        );
    }

    #[test]
    fn a_second_request_replaces_the_flags() {
        let mut table = StickyTable::new();
        table.register(40, 0).unwrap();
        table.register(40, UNCHANGE_CHILDREN).unwrap();
        assert_eq!(table.on_fork(40, 41), Forked::Inherited);
        table.register(40, 0).unwrap();
        assert_eq!(table.on_fork(40, 42), Forked::NotSticky);
        assert_eq!(table.len(), 2);
    }

    #[test]
    fn exit_removes_the_entry() {
        let mut table = StickyTable::new();
        table.register(50, 0).unwrap();
        table.on_exit(50);
        assert!(!table.is_sticky(50));
        assert!(table.is_empty());
        table.on_exit(50); // twice, or never registered: nothing
    }

    #[test]
    fn the_bound_refuses_new_entries_and_keeps_old_ones() {
        let mut table = StickyTable::with_capacity(3);
        table.register(1, UNCHANGE_CHILDREN).unwrap();
        table.register(2, 0).unwrap();
        table.register(3, 0).unwrap();
        assert_eq!(table.register(4, 0), Err(Full { capacity: 3 }));
        assert!(!table.is_sticky(4));
        // Updating or cancelling an entry still works when full.
        assert_eq!(
            table.register(2, UNCHANGE_CHILDREN),
            Ok(Registered::Stored { children: true })
        );
        assert_eq!(table.on_fork(1, 5), Forked::Dropped(Full { capacity: 3 }));
        assert!(!table.is_sticky(5));
        assert_eq!(table.dropped(), 1);
        assert!(table.is_sticky(1) && table.is_sticky(2) && table.is_sticky(3));
        table.on_exit(3);
        assert_eq!(table.on_fork(1, 5), Forked::Inherited);
        assert_eq!(table.len(), 3);
        assert!(Full { capacity: 3 }
            .to_string()
            .contains("full (3 entries)"));
    }

    #[test]
    fn a_rescan_drops_the_dead_and_adopts_unseen_descendants() {
        let mut table = StickyTable::new();
        table.register(1000, UNCHANGE_CHILDREN).unwrap();
        table.register(2000, 0).unwrap();
        table.register(3000, UNCHANGE_CHILDREN).unwrap(); // exited unseen
        let processes = [
            (1, 0),
            (1000, 1),
            (1001, 1000), // forked unseen
            (1002, 1001), // and its child
            (2000, 1),
            (2001, 2000), // parent not sticky with children
            (5, 1),
        ];
        assert_eq!(table.after_rescan(&processes), 0);
        assert!(!table.is_sticky(3000));
        assert!(table.is_sticky(1001) && table.is_sticky(1002));
        assert!(table.children_sticky(1002));
        assert!(table.is_sticky(2000) && !table.is_sticky(2001));
        assert!(!table.is_sticky(1) && !table.is_sticky(5));

        let mut small = StickyTable::with_capacity(2);
        small.register(1000, UNCHANGE_CHILDREN).unwrap();
        assert_eq!(small.after_rescan(&processes), 1);
        assert_eq!(small.len(), 2);
        assert_eq!(small.dropped(), 1);
    }
}
