//! What cgconfigd knows of each container, kept in the state directory so that a new
//! daemon (upgrade, crash, `kill -9`) re-adopts the containers the old one started.
//!
//! `STATE-DIR/containers/<name>.json`, one per container cgconfigd ever started this
//! boot, written (to a temporary file, fsynced, renamed into place) at every change of
//! state. It holds the init's pid *and its start time* (field 22 of `/proc/<pid>/stat`,
//! clock ticks after boot) and the boot's id: a pid is reused, the pair never is within a
//! boot. A new daemon opens a pidfd for the recorded pid first, then compares the start
//! time: a different one (the pid was recycled) or another boot means the container is
//! gone, and nothing of that process is touched.

use super::process::Exit;
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The states of `lxc-info`, and of cgconfigd's supervision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    /// Not running.
    Stopped,
    /// Its group is being made and its init launched.
    Starting,
    /// Its init runs.
    Running,
    /// Asked to stop: the halt signal was sent, the timeout runs.
    Stopping,
    /// A start failed half-way; what it made is being taken back.
    Aborting,
}

impl State {
    /// `RUNNING`, as `lxc-ls` and `lxc-info` print it.
    pub fn name(self) -> &'static str {
        match self {
            State::Stopped => "STOPPED",
            State::Starting => "STARTING",
            State::Running => "RUNNING",
            State::Stopping => "STOPPING",
            State::Aborting => "ABORTING",
        }
    }
}

/// One container's saved state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    /// Its name.
    pub name: String,
    /// Its state when saved.
    pub state: State,
    /// The init's pid, while it runs.
    pub pid: Option<u32>,
    /// The init's start time (`/proc/<pid>/stat` field 22).
    pub start_ticks: Option<u64>,
    /// When it started, in seconds since the epoch.
    pub started: Option<u64>,
    /// The boot it ran in.
    pub boot_id: String,
    /// Its group, from each hierarchy's root (`/lxc/web`).
    pub group: Option<String>,
    /// The mount points of the hierarchies its group is in.
    pub hierarchies: Vec<PathBuf>,
    /// Its `lxc.start.order` when it started (for the stop order).
    pub order: i32,
    /// How its init ended last.
    pub last_exit: Option<Exit>,
    /// Why it is in its state, in words.
    pub reason: Option<String>,
    /// Stopped on request, or its init ended by itself: autostart leaves it stopped when
    /// cgconfigd starts again in the same boot (a stop of cgconfigd itself does not hold
    /// a container).
    #[serde(default)]
    pub held: bool,
    /// `lxc.signal.halt` of the config it was started with, while it runs.
    #[serde(default)]
    pub halt: Option<i32>,
    /// Its network interfaces while it runs (veth host ends for `info`); absent in the
    /// files of cgconfigd versions before networking, and when it has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub network: Vec<container::network::Attached>,
}

/// The directory of the saved states in the state directory.
pub fn dir(state_dir: &Path) -> PathBuf {
    state_dir.join("containers")
}

/// Saves `saved` in `dir` (atomically, durably).
pub fn save(dir: &Path, saved: &Saved) -> io::Result<()> {
    let file = dir.join(format!("{}.json", saved.name));
    let text = serde_json::to_string(saved).map_err(io::Error::other)?;
    write_atomically(dir, &file, &text)
}

/// The directory of the kept hardware addresses in the state directory.
pub fn hwaddr_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("hwaddr")
}

/// The hardware addresses kept for `name`'s NICs whose `lxc.net.N.hwaddr` has `x` digits
/// (`STATE-DIR/hwaddr/<name>.json`, `{"0":"00:16:3e:4a:0b:9c"}`); none when there is no
/// such file or it cannot be read (the launch draws new ones).
pub fn hwaddrs(state_dir: &Path, name: &str) -> super::launcher::Remembered {
    fs::read_to_string(hwaddr_dir(state_dir).join(format!("{name}.json")))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// Keeps `hwaddrs` for `name`'s next start. Unlike the state file it is not forgotten when
/// the container stops or its directory goes away for a while.
pub fn keep_hwaddrs(
    state_dir: &Path,
    name: &str,
    hwaddrs: &super::launcher::Remembered,
) -> Result<(), String> {
    let dir = hwaddr_dir(state_dir);
    let file = dir.join(format!("{name}.json"));
    let text = serde_json::to_string(hwaddrs).map_err(|e| e.to_string())?;
    write_atomically(&dir, &file, &text).map_err(|e| {
        format!(
            "writing {}: {}",
            file.display(),
            grammar::diagnostic::io_reason(&e)
        )
    })
}

/// Writes `text` and a newline to `file` in `dir`: a temporary file, fsynced, renamed.
fn write_atomically(dir: &Path, file: &Path, text: &str) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    {
        let mut out = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .mode(0o600)
            .open(&tmp)?;
        out.write_all(text.as_bytes())?;
        out.write_all(b"\n")?;
        out.sync_all()?;
    }
    fs::rename(&tmp, file)?;
    File::open(dir)?.sync_all()
}

/// Forgets the saved state of `name`.
pub fn forget(dir: &Path, name: &str) -> io::Result<()> {
    match fs::remove_file(dir.join(format!("{name}.json"))) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Every saved state of `dir`, and a message for each file that cannot be used (it is
/// left alone).
pub fn load_all(dir: &Path) -> (Vec<Saved>, Vec<String>) {
    let mut saved = Vec::new();
    let mut problems = Vec::new();
    let Ok(listing) = fs::read_dir(dir) else {
        return (saved, problems);
    };
    for entry in listing.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".json") else {
            continue;
        };
        if stem.starts_with('.') {
            continue;
        }
        let parsed = fs::read_to_string(&path)
            .map_err(|e| grammar::diagnostic::io_reason(&e))
            .and_then(|text| serde_json::from_str::<Saved>(&text).map_err(|e| e.to_string()))
            .and_then(|s| {
                if s.name != stem {
                    Err(format!("it names container `{}`", s.name))
                } else {
                    super::discovery::check_name(&s.name).map(|()| s)
                }
            });
        match parsed {
            Ok(s) => saved.push(s),
            Err(reason) => problems.push(format!(
                "{}: not a container state cgconfigd can use: {reason}",
                path.display()
            )),
        }
    }
    saved.sort_by(|a, b| a.name.cmp(&b.name));
    (saved, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_states_round_trip_and_bad_files_are_reported() {
        let tmp = tempfile::tempdir().unwrap();
        let d = dir(tmp.path());
        let s = Saved {
            name: "web".into(),
            state: State::Running,
            pid: Some(4242),
            start_ticks: Some(987654),
            started: Some(1_700_000_000),
            boot_id: "b".into(),
            group: Some("/lxc/web".into()),
            hierarchies: vec!["/sys/fs/cgroup".into()],
            order: 10,
            last_exit: Some(Exit::Signal(9)),
            reason: None,
            held: false,
            halt: Some(10),
            network: Vec::new(),
        };
        save(&d, &s).unwrap();
        let text = fs::read_to_string(d.join("web.json")).unwrap();
        insta::assert_snapshot!(text.trim(), @r#"{"name":"web","state":"RUNNING","pid":4242,"start_ticks":987654,"started":1700000000,"boot_id":"b","group":"/lxc/web","hierarchies":["/sys/fs/cgroup"],"order":10,"last_exit":{"signal":9},"reason":null,"held":false,"halt":10}"#);
        fs::write(d.join("other.json"), text.replace("4242", "1")).unwrap();
        fs::write(d.join("torn.json"), "{\"name\":").unwrap();
        fs::write(d.join(".web.json.tmp"), "half").unwrap();
        let (all, problems) = load_all(&d);
        assert_eq!(all, [s]);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems
            .iter()
            .any(|p| p.contains("other.json") && p.contains("it names container `web`")));
        forget(&d, "web").unwrap();
        forget(&d, "web").unwrap();
        assert!(!d.join("web.json").exists());
    }

    /// The interfaces a running container has are saved with it (a re-adopted container
    /// keeps its veth host ends); a file written before networking still loads.
    #[test]
    fn network_round_trips_and_old_files_load_without_it() {
        let tmp = tempfile::tempdir().unwrap();
        let d = dir(tmp.path());
        let old = r#"{"name":"web","state":"RUNNING","pid":4242,"start_ticks":987654,"started":1700000000,"boot_id":"b","group":"/lxc/web","hierarchies":["/sys/fs/cgroup"],"order":10,"last_exit":null,"reason":null,"held":false,"halt":null}"#;
        fs::create_dir_all(&d).unwrap();
        fs::write(d.join("web.json"), old).unwrap();
        let (all, problems) = load_all(&d);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(all[0].network.is_empty());
        let mut s = all[0].clone();
        s.network = vec![container::network::Attached {
            name: "eth0".into(),
            kind: "veth".into(),
            host: Some("vethAB12cd".into()),
            link: Some("br0".into()),
            hwaddr: Some("00:16:3e:aa:bb:cc".into()),
            host_mtu: None,
        }];
        save(&d, &s).unwrap();
        let text = fs::read_to_string(d.join("web.json")).unwrap();
        assert!(text.contains(r#""network":[{"name":"eth0","kind":"veth","host":"vethAB12cd","link":"br0","hwaddr":"00:16:3e:aa:bb:cc"}]"#), "{text}");
        assert_eq!(load_all(&d).0, [s]);
    }

    /// Kept hardware addresses survive in their own file; a missing or torn one is none.
    #[test]
    fn kept_hwaddrs_round_trip() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(hwaddrs(tmp.path(), "web").is_empty());
        let kept = super::super::launcher::Remembered::from([(0, "00:16:3e:aa:bb:cc".into())]);
        keep_hwaddrs(tmp.path(), "web", &kept).unwrap();
        assert_eq!(hwaddrs(tmp.path(), "web"), kept);
        assert_eq!(
            fs::read_to_string(tmp.path().join("hwaddr/web.json")).unwrap(),
            "{\"0\":\"00:16:3e:aa:bb:cc\"}\n"
        );
        fs::write(tmp.path().join("hwaddr/web.json"), "{").unwrap();
        assert!(hwaddrs(tmp.path(), "web").is_empty());
    }
}
