//! Support for the end-to-end tests in `tests/tests/`: find the built binaries, run them,
//! capture what a user would see.
//!
//! The binaries are those `cargo test --workspace` builds into the same target directory
//! as the test executable; run the tests through cargo so that they exist and are fresh.

// Test support: a failure to find or run a binary is a test failure, so it panics.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The path of a binary built by this workspace (`cgconfigparser`, `cgconfigd`, ...).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    // target/<profile>/deps/<test> -> target/<profile>/<name>
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test runs from target/<profile>/deps");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is not built: run the tests with `cargo test --workspace`",
        path.display()
    );
    path
}

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct Outcome {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit status (`None` if killed by a signal).
    pub code: Option<i32>,
}

impl Outcome {
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

/// Runs `name` with `args` in `dir`.
pub fn run_in(dir: &Path, name: &str, args: &[&str]) -> Outcome {
    let output = Command::new(bin(name))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    Outcome {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code(),
    }
}

/// The repository's root directory (for the example configs in `etc/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the repository")
        .to_path_buf()
}
