//! Noticing container directories and configs that change, with inotify: the container
//! directory for subdirectories that appear, go or are renamed (and, only while it does
//! not exist, its parent for its name), and each container directory for its `config`
//! (written, renamed into place, deleted). Files a config includes
//! (`/usr/share/lxc/config/common.conf`, ...) are not watched: a changed include takes
//! effect at the container's next start anyway, and SIGHUP lists the containers again.
//!
//! Events become [`crate::watch::Change`]s, debounced with the configuration's
//! (`daemon::Pending`).

use super::discovery::CONFIG;
use crate::watch::{Change, Event};
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify, WatchDescriptor};
use std::collections::HashMap;
use std::ffi::OsString;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};

fn dir_events() -> AddWatchFlags {
    AddWatchFlags::IN_CREATE
        | AddWatchFlags::IN_DELETE
        | AddWatchFlags::IN_MOVED_TO
        | AddWatchFlags::IN_MOVED_FROM
        | AddWatchFlags::IN_DELETE_SELF
        | AddWatchFlags::IN_MOVE_SELF
        | AddWatchFlags::IN_ONLYDIR
}

fn file_events() -> AddWatchFlags {
    AddWatchFlags::IN_CLOSE_WRITE
        | AddWatchFlags::IN_MOVED_TO
        | AddWatchFlags::IN_MOVED_FROM
        | AddWatchFlags::IN_CREATE
        | AddWatchFlags::IN_DELETE
        | AddWatchFlags::IN_MODIFY
        | AddWatchFlags::IN_ATTRIB
        | AddWatchFlags::IN_ONLYDIR
}

/// Watches the container directory and the containers' configs.
pub struct DirWatcher {
    inotify: Inotify,
    lxcpath: PathBuf,
    parent: PathBuf,
    name: OsString,
    parent_watch: Option<WatchDescriptor>,
    top: Option<WatchDescriptor>,
    containers: HashMap<WatchDescriptor, PathBuf>,
}

impl DirWatcher {
    /// Watches `lxcpath` (or its parent, until it exists).
    pub fn new(lxcpath: &Path) -> Result<DirWatcher, String> {
        let inotify = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC)
            .map_err(|e| format!("cannot start inotify: {}", e.desc()))?;
        let parent = lxcpath
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("/"))
            .to_path_buf();
        let name = lxcpath
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        let mut w = DirWatcher {
            inotify,
            lxcpath: lxcpath.to_path_buf(),
            parent,
            name,
            parent_watch: None,
            top: None,
            containers: HashMap::new(),
        };
        w.rewatch();
        Ok(w)
    }

    /// The descriptor to poll.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.inotify.as_fd()
    }

    /// (Re-)establishes the watches on the container directory and each container; while
    /// the container directory does not exist, its parent is watched for its name instead
    /// (and only then: `/var/lib` is a busy directory).
    fn rewatch(&mut self) {
        for (wd, _) in self.containers.drain() {
            let _ = self.inotify.rm_watch(wd);
        }
        if let Some(wd) = self.top.take() {
            let _ = self.inotify.rm_watch(wd);
        }
        self.top = self.inotify.add_watch(&self.lxcpath, dir_events()).ok();
        match (self.top.is_some(), self.parent_watch.is_some()) {
            (true, true) => {
                if let Some(wd) = self.parent_watch.take() {
                    let _ = self.inotify.rm_watch(wd);
                }
            }
            (false, false) => {
                let flags = AddWatchFlags::IN_CREATE
                    | AddWatchFlags::IN_MOVED_TO
                    | AddWatchFlags::IN_ONLYDIR;
                self.parent_watch = self.inotify.add_watch(&self.parent, flags).ok();
                // Created between the two calls: watch it after all.
                if self.lxcpath.is_dir() {
                    return self.rewatch();
                }
                return;
            }
            (false, true) => return,
            (true, false) => {}
        }
        let Ok(listing) = std::fs::read_dir(&self.lxcpath) else {
            return;
        };
        for entry in listing.flatten() {
            let path = entry.path();
            if entry.file_name().as_encoded_bytes().starts_with(b".") || !path.is_dir() {
                continue;
            }
            if let Ok(wd) = self.inotify.add_watch(&path, file_events()) {
                self.containers.insert(wd, path);
            }
        }
    }

    /// The changes since the last call.
    pub fn read(&mut self) -> Vec<Change> {
        let mut changes = Vec::new();
        let mut rewatch = false;
        loop {
            let events = match self.inotify.read_events() {
                Ok(events) if !events.is_empty() => events,
                _ => break,
            };
            for event in events {
                let name = event.name.clone().unwrap_or_default();
                if event.mask.contains(AddWatchFlags::IN_Q_OVERFLOW) {
                    changes.push(Change {
                        what: "too many changes at once in the container directory".into(),
                        event: Event::Gone,
                    });
                    rewatch = true;
                    continue;
                }
                if Some(event.wd) == self.parent_watch {
                    if name == self.name && self.lxcpath.is_dir() {
                        changes.push(Change {
                            what: self.lxcpath.display().to_string(),
                            event: Event::Done,
                        });
                        rewatch = true;
                    }
                    continue;
                }
                if Some(event.wd) == self.top {
                    if event.mask.intersects(
                        AddWatchFlags::IN_DELETE_SELF
                            | AddWatchFlags::IN_MOVE_SELF
                            | AddWatchFlags::IN_IGNORED,
                    ) {
                        changes.push(Change {
                            what: format!("{} went away", self.lxcpath.display()),
                            event: Event::Gone,
                        });
                    } else if !name.as_encoded_bytes().starts_with(b".") {
                        let event = if event
                            .mask
                            .intersects(AddWatchFlags::IN_DELETE | AddWatchFlags::IN_MOVED_FROM)
                        {
                            Event::Gone
                        } else {
                            Event::Done
                        };
                        changes.push(Change {
                            what: self.lxcpath.join(&name).display().to_string(),
                            event,
                        });
                    }
                    rewatch = true;
                    continue;
                }
                if let Some(dir) = self.containers.get(&event.wd) {
                    if event.mask.contains(AddWatchFlags::IN_IGNORED) {
                        rewatch = true;
                        continue;
                    }
                    if name != CONFIG {
                        continue;
                    }
                    let kind = if event
                        .mask
                        .intersects(AddWatchFlags::IN_DELETE | AddWatchFlags::IN_MOVED_FROM)
                    {
                        Event::Gone
                    } else if event
                        .mask
                        .intersects(AddWatchFlags::IN_CREATE | AddWatchFlags::IN_MODIFY)
                    {
                        Event::Writing
                    } else {
                        Event::Done
                    };
                    changes.push(Change {
                        what: dir.join(CONFIG).display().to_string(),
                        event: kind,
                    });
                }
            }
        }
        if rewatch {
            self.rewatch();
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::time::{Duration, Instant};

    fn changes(w: &mut DirWatcher) -> Vec<String> {
        let start = Instant::now();
        let mut all = Vec::new();
        while start.elapsed() < Duration::from_millis(300) {
            all.extend(w.read().into_iter().map(|c| c.what));
            std::thread::sleep(Duration::from_millis(10));
        }
        all.sort();
        all.dedup();
        all
    }

    #[test]
    fn new_containers_and_config_edits_are_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let lxcpath = dir.path().join("lxc");
        let mut w = DirWatcher::new(&lxcpath).unwrap();
        fs::create_dir(&lxcpath).unwrap();
        assert_eq!(changes(&mut w), [lxcpath.display().to_string()]);
        let c1 = lxcpath.join("c1");
        fs::create_dir(&c1).unwrap();
        assert_eq!(changes(&mut w), [c1.display().to_string()]);
        let config = c1.join(CONFIG);
        fs::write(&config, "lxc.start.auto = 1\n").unwrap();
        assert_eq!(changes(&mut w), [config.display().to_string()]);
        fs::write(c1.join("notes.txt"), "x").unwrap();
        assert!(changes(&mut w).is_empty(), "only `config` counts");
        fs::write(lxcpath.join(".hidden"), "x").unwrap();
        assert!(changes(&mut w).is_empty(), "hidden entries do not count");
        fs::remove_dir_all(&c1).unwrap();
        assert!(!changes(&mut w).is_empty());
        // Files next to the container directory are none of its business.
        fs::write(dir.path().join("cgconfig.conf"), "").unwrap();
        assert!(changes(&mut w).is_empty());
        // Removed and created again: still watched.
        fs::remove_dir_all(&lxcpath).unwrap();
        assert!(!changes(&mut w).is_empty());
        fs::create_dir(&lxcpath).unwrap();
        assert_eq!(changes(&mut w), [lxcpath.display().to_string()]);
        fs::create_dir(lxcpath.join("c2")).unwrap();
        assert_eq!(changes(&mut w), [lxcpath.join("c2").display().to_string()]);
    }
}
