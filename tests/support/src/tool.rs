//! The workspace's binaries, run as a user runs them.
//!
//! They are the ones `cargo build --workspace --bins` (or `cargo test --workspace`) puts in
//! the target directory the test executable runs from: `target/<profile>/deps/<test>`
//! finds `target/<profile>/<tool>`. The VM lane packs them at the same paths.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The path of a binary built by this workspace (`cgcreate`, `cgconfigd`, ...).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test runs from target/<profile>/deps");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is not built: build the tools first (`cargo build --workspace --bins`, which \
         scripts/test.sh and the VM lane do)",
        path.display()
    );
    path
}

/// What a run printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit status (`None` if killed by a signal).
    pub code: Option<i32>,
}

impl Outcome {
    /// Runs `command` to its end, capturing its output.
    pub fn of(command: &mut Command) -> Outcome {
        let output = command
            .output()
            .unwrap_or_else(|e| panic!("running {command:?}: {e}"));
        Outcome {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            code: output.status.code(),
        }
    }

    /// stdout, stderr and the exit status in one text, for snapshots.
    pub fn transcript(&self) -> String {
        let mut out = String::new();
        if !self.stdout.is_empty() {
            out.push_str("--- stdout\n");
            out.push_str(&self.stdout);
        }
        if !self.stderr.is_empty() {
            out.push_str("--- stderr\n");
            out.push_str(&self.stderr);
        }
        out.push_str(&format!("--- exit {:?}\n", self.code));
        out
    }
}

/// Runs the workspace's `name` with `args` in `/`, stdin closed.
pub fn run(name: &str, args: &[&str]) -> Outcome {
    run_in(Path::new("/"), name, args)
}

/// [`run`] in the directory `dir`.
pub fn run_in(dir: &Path, name: &str, args: &[&str]) -> Outcome {
    Outcome::of(
        Command::new(bin(name))
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null()),
    )
}

/// The repository's root directory (for `etc/`, `scripts/`, fixtures).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tests/support is two levels below the repository's root")
        .to_path_buf()
}

/// iproute2's `ip`, by its path. In the VM lane a bare `ip` run by busybox (its `sh`, its
/// `nsenter`) is busybox's own applet, which has no `-d` and makes no veth pairs.
pub fn iproute2() -> &'static str {
    ["/usr/bin/ip", "/bin/ip", "/usr/sbin/ip", "/sbin/ip"]
        .into_iter()
        .find(|p| {
            std::fs::canonicalize(p).is_ok_and(|real| !real.to_string_lossy().ends_with("busybox"))
        })
        .expect("iproute2's ip is not installed")
}
