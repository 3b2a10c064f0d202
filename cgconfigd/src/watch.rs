//! Noticing configuration changes with inotify.
//!
//! Editors and configuration management change files in different ways, and each must
//! lead to a reload:
//!
//! * written in place (`>`, `cp`): `IN_CLOSE_WRITE` on the file's name;
//! * a new version renamed over the old one (vim, `sed -i`, Ansible, Puppet):
//!   `IN_MOVED_TO`;
//! * deleted, later re-created: `IN_DELETE`, then `IN_CREATE`/`IN_CLOSE_WRITE`;
//! * the drop-in directory created after the start, removed, or renamed.
//!
//! So the *directories* are watched, not the files (a watch on a file would follow the
//! old inode after a rename): the main file's directory for its name, the drop-in
//! directory's parent for the directory's name, and the drop-in directory itself for
//! names the loader reads (`*.conf`, not hidden), so that editor swap files and backups
//! cause no reload. When the drop-in directory appears or goes, its watch is set up or
//! dropped. A symlinked main file is noticed when the link changes, not when its target
//! does (SIGHUP reloads in that case).
//!
//! The watcher says *that* a file changed and in which way ([`Event`]): its new content is
//! complete (closed after writing, renamed into place), it is being written (created or
//! modified, not closed yet), or it went away (deleted, renamed away: maybe about to be
//! re-created). The daemon waits until the files are complete and the events stop for a
//! moment (debouncing) and then reads them again.

use crate::config::is_dropin_name;
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify, WatchDescriptor};
use std::ffi::OsString;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};

/// What to watch a directory for.
fn entry_events() -> AddWatchFlags {
    AddWatchFlags::IN_CLOSE_WRITE
        | AddWatchFlags::IN_MOVED_TO
        | AddWatchFlags::IN_MOVED_FROM
        | AddWatchFlags::IN_CREATE
        | AddWatchFlags::IN_DELETE
        | AddWatchFlags::IN_ATTRIB
        | AddWatchFlags::IN_MODIFY
}

/// What an event says about a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Its new content is complete: closed after writing, renamed into place, its
    /// attributes changed; a directory appeared.
    Done,
    /// It is being written: created or modified, not closed yet (a reader would see half
    /// of it, or nothing after the truncation of a rewrite in place).
    Writing,
    /// It went away: deleted or renamed away, perhaps about to be re-created; or the
    /// events were lost (queue overflow) and anything may be under way.
    Gone,
}

impl Event {
    /// What an inotify mask says about the file it names.
    fn of(mask: AddWatchFlags) -> Event {
        if mask.intersects(AddWatchFlags::IN_DELETE | AddWatchFlags::IN_MOVED_FROM) {
            Event::Gone
        } else if mask.intersects(AddWatchFlags::IN_CREATE | AddWatchFlags::IN_MODIFY)
            && !mask.contains(AddWatchFlags::IN_ISDIR)
        {
            Event::Writing
        } else {
            Event::Done
        }
    }
}

/// A change to the configuration: the file or directory (in words), and what happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The path, or what happened when no one path says it.
    pub what: String,
    /// What the event says.
    pub event: Event,
}

/// Watches the configuration files.
pub struct Watcher {
    inotify: Inotify,
    config: PathBuf,
    config_parent: PathBuf,
    config_name: OsString,
    dropins: PathBuf,
    dropins_parent: PathBuf,
    dropins_name: OsString,
    config_watch: Option<WatchDescriptor>,
    dropins_parent_watch: Option<WatchDescriptor>,
    dropin_watch: Option<WatchDescriptor>,
}

impl Watcher {
    /// Watches `config` and the drop-in directory `dropins`. Returns the watcher and a
    /// warning for each directory that cannot be watched (then only SIGHUP reloads it).
    pub fn new(config: &Path, dropins: &Path) -> Result<(Watcher, Vec<String>), String> {
        let inotify = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC)
            .map_err(|e| format!("cannot start inotify: {}", e.desc()))?;
        let (config_parent, config_name) = split(config);
        let (dropins_parent, dropins_name) = split(dropins);
        let mut watcher = Watcher {
            inotify,
            config: config.to_path_buf(),
            config_parent,
            config_name,
            dropins: dropins.to_path_buf(),
            dropins_parent,
            dropins_name,
            config_watch: None,
            dropins_parent_watch: None,
            dropin_watch: None,
        };
        let mut warnings = Vec::new();
        let mut watch = |dir: &Path| match watcher.inotify.add_watch(dir, entry_events()) {
            Ok(wd) => Some(wd),
            Err(e) => {
                warnings.push(format!(
                    "cannot watch {}: {}; changes there are applied on SIGHUP only",
                    dir.display(),
                    e.desc()
                ));
                None
            }
        };
        // One directory holding both gets one watch (inotify returns the same one).
        let config_watch = watch(&watcher.config_parent.clone());
        let dropins_parent_watch = if watcher.dropins_parent == watcher.config_parent {
            config_watch
        } else {
            watch(&watcher.dropins_parent.clone())
        };
        watcher.config_watch = config_watch;
        watcher.dropins_parent_watch = dropins_parent_watch;
        watcher.watch_dropins();
        Ok((watcher, warnings))
    }

    /// The descriptor to poll.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.inotify.as_fd()
    }

    /// (Re-)establishes the watch on the drop-in directory, if it exists.
    fn watch_dropins(&mut self) {
        if let Some(wd) = self.dropin_watch.take() {
            let _ = self.inotify.rm_watch(wd);
        }
        if self.dropins.is_dir() {
            let flags = entry_events()
                | AddWatchFlags::IN_DELETE_SELF
                | AddWatchFlags::IN_MOVE_SELF
                | AddWatchFlags::IN_ONLYDIR;
            self.dropin_watch = self.inotify.add_watch(&self.dropins, flags).ok();
        }
    }

    /// Reads the pending events; returns the changes that concern the configuration, in
    /// the order they happened (empty: nothing relevant).
    pub fn read(&mut self) -> Vec<Change> {
        let mut changes = Vec::new();
        let mut push = |what: String, event: Event| changes.push(Change { what, event });
        loop {
            let events = match self.inotify.read_events() {
                Ok(events) if !events.is_empty() => events,
                // EAGAIN: drained.
                _ => break,
            };
            for event in events {
                if event.mask.contains(AddWatchFlags::IN_Q_OVERFLOW) {
                    push(
                        "too many changes at once (inotify queue overflow)".into(),
                        Event::Gone,
                    );
                    continue;
                }
                let name = event.name.clone().unwrap_or_default();
                if Some(event.wd) == self.dropin_watch {
                    if event.mask.intersects(
                        AddWatchFlags::IN_DELETE_SELF
                            | AddWatchFlags::IN_MOVE_SELF
                            | AddWatchFlags::IN_IGNORED,
                    ) {
                        push(format!("{} went away", self.dropins.display()), Event::Gone);
                        self.watch_dropins();
                    } else if is_dropin_name(&name) {
                        push(
                            self.dropins.join(&name).display().to_string(),
                            Event::of(event.mask),
                        );
                    }
                    continue;
                }
                if Some(event.wd) == self.config_watch && name == self.config_name {
                    push(self.config.display().to_string(), Event::of(event.mask));
                }
                if Some(event.wd) == self.dropins_parent_watch && name == self.dropins_name {
                    // The directory itself appeared or went: its files are complete
                    // (or gone) as far as this event goes.
                    let event = match Event::of(event.mask) {
                        Event::Writing => Event::Done,
                        other => other,
                    };
                    push(self.dropins.display().to_string(), event);
                    self.watch_dropins();
                }
            }
        }
        changes
    }
}

/// A path's directory and file name (`.` and the path itself when it has none).
fn split(path: &Path) -> (PathBuf, OsString) {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| path.as_os_str().to_os_string(), |n| n.to_os_string());
    (parent, name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::time::{Duration, Instant};

    /// The changes of the next 300 ms, in order.
    fn events(w: &mut Watcher) -> Vec<Change> {
        let start = Instant::now();
        let mut all = Vec::new();
        while start.elapsed() < Duration::from_millis(300) {
            all.extend(w.read());
            std::thread::sleep(Duration::from_millis(10));
        }
        all
    }

    /// The paths that changed in the next 300 ms.
    fn changes(w: &mut Watcher) -> Vec<String> {
        let mut all: Vec<String> = events(w).into_iter().map(|c| c.what).collect();
        all.sort();
        all.dedup();
        all
    }

    #[test]
    fn events_say_whether_the_file_is_complete() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("cgconfig.conf");
        let (mut w, _) = Watcher::new(&config, &dir.path().join("d")).unwrap();
        let kinds = |w: &mut Watcher| -> Vec<Event> {
            let mut kinds: Vec<Event> = events(w).into_iter().map(|c| c.event).collect();
            kinds.dedup();
            kinds
        };
        // Created, written, and still open: being written until closed.
        let mut file = fs::File::create(&config).unwrap();
        file.write_all(b"# half").unwrap();
        assert_eq!(kinds(&mut w), [Event::Writing]);
        drop(file);
        assert_eq!(kinds(&mut w), [Event::Done]);
        // Rewritten in place: truncated and written, then closed.
        fs::write(&config, "# again\n").unwrap();
        assert_eq!(kinds(&mut w), [Event::Writing, Event::Done]);
        // Renamed into place: complete at once.
        let tmp = dir.path().join(".tmp");
        fs::write(&tmp, "# renamed\n").unwrap();
        fs::rename(&tmp, &config).unwrap();
        assert_eq!(kinds(&mut w), [Event::Done]);
        // Deleted, or renamed away.
        fs::rename(&config, &tmp).unwrap();
        assert_eq!(kinds(&mut w), [Event::Gone]);
        fs::rename(&tmp, &config).unwrap();
        assert_eq!(kinds(&mut w), [Event::Done]);
        fs::remove_file(&config).unwrap();
        assert_eq!(kinds(&mut w), [Event::Gone]);
    }

    #[test]
    fn every_way_of_changing_the_files_is_noticed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("cgconfig.conf");
        let dropins = dir.path().join("cgconfig.d");
        fs::write(&config, "").unwrap();
        let (mut w, warnings) = Watcher::new(&config, &dropins).unwrap();
        assert!(warnings.is_empty());
        let show = |p: &Path| p.display().to_string();

        fs::write(&config, "# in place\n").unwrap();
        assert_eq!(changes(&mut w), [show(&config)]);

        let tmp = dir.path().join(".cgconfig.conf.tmp");
        fs::write(&tmp, "# renamed\n").unwrap();
        assert!(changes(&mut w).is_empty(), "a temp file is not the config");
        fs::rename(&tmp, &config).unwrap();
        assert_eq!(changes(&mut w), [show(&config)]);

        fs::remove_file(&config).unwrap();
        assert_eq!(changes(&mut w), [show(&config)]);

        // The drop-in directory created after the start, then a file in it.
        fs::create_dir(&dropins).unwrap();
        assert_eq!(changes(&mut w), [show(&dropins)]);
        let web = dropins.join("10-web.conf");
        fs::write(&web, "").unwrap();
        assert_eq!(changes(&mut w), [show(&web)]);
        fs::write(dropins.join(".10-web.conf.swp"), "").unwrap();
        fs::write(dropins.join("10-web.conf~"), "").unwrap();
        assert!(changes(&mut w).is_empty(), "editor files are not drop-ins");
        fs::remove_file(&web).unwrap();
        assert_eq!(changes(&mut w), [show(&web)]);

        // Removed, and created again: still watched.
        fs::remove_dir_all(&dropins).unwrap();
        assert!(!changes(&mut w).is_empty());
        fs::create_dir(&dropins).unwrap();
        assert!(!changes(&mut w).is_empty());
        fs::write(&web, "").unwrap();
        assert_eq!(changes(&mut w), [show(&web)]);

        fs::write(dir.path().join("unrelated"), "").unwrap();
        assert!(changes(&mut w).is_empty());
    }

    #[test]
    fn separate_parents() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let config = a.path().join("main.conf");
        let dropins = b.path().join("d");
        fs::create_dir(&dropins).unwrap();
        let (mut w, _) = Watcher::new(&config, &dropins).unwrap();
        fs::write(b.path().join("main.conf"), "").unwrap();
        assert!(changes(&mut w).is_empty(), "same name, other directory");
        fs::write(&config, "").unwrap();
        assert_eq!(changes(&mut w), [config.display().to_string()]);
        fs::write(dropins.join("x.conf"), "").unwrap();
        assert_eq!(
            changes(&mut w),
            [dropins.join("x.conf").display().to_string()]
        );
    }
}
