//! cgsnapshot: print the live cgroup tree as a cgconfig.conf that re-creates it.
//!
//! The output is laid out as libcgroup's cgsnapshot lays it out (`name="value";`, `admin`
//! before `task`, a blank line after every section), parses back with our parser (and,
//! apart from our extensions, libcgroup's) and re-applies to the same groups, values,
//! owners and modes; `docs/compat.md` lists what differs from libcgroup's output. A deny list keeps
//! settings out; the default file is `/etc/cgsnapshot_denylist.conf` (libcgroup 3.x's
//! name; 2.0.2's `/etc/cgsnapshot_blacklist.conf` is read when it is the one present).
//! Counters, actions and other files that cannot be written back are never captured,
//! with or without a list. A missing default file is not an error; a missing file named
//! with `-b` or `-w` is (status 1, libcgroup's `ERROR: Failed to open file FILE: REASON`).
//! An output file (`-f`) that cannot be written is status 96 (ECGOTHER), with libcgroup's
//! `cgsnapshot: Failed to open file FILE`; each failure is then told in our words.

use cgtools::backend::error::ecg;
use cgtools::engine::snapshot::{read_list, render, snapshot, SnapshotOptions};
use cgtools::tools::cli::cgsnapshot::command;
use cgtools::tools::cmdline::parse_args;
use cgtools::Cgroups;
use grammar::diagnostic::io_reason;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let matches = match parse_args(command(), std::env::args_os()) {
        Ok(matches) => matches,
        Err(code) => return code,
    };
    let deny = match list(
        matches.get_one::<PathBuf>("denylist"),
        &[
            "/etc/cgsnapshot_denylist.conf",
            "/etc/cgsnapshot_blacklist.conf",
        ],
    ) {
        Ok(Some(list)) => list,
        Ok(None) => Vec::new(),
        Err(code) => return code,
    };
    let allow = match list(
        matches.get_one::<PathBuf>("allowlist"),
        &[
            "/etc/cgsnapshot_allowlist.conf",
            "/etc/cgsnapshot_whitelist.conf",
        ],
    ) {
        Ok(list) => list,
        Err(code) => return code,
    };
    let options = SnapshotOptions {
        controllers: matches
            .get_many::<String>("controllers")
            .map(|c| c.cloned().collect()),
        deny,
        allow,
        strict: matches.get_flag("strict"),
        under: None,
    };
    let cgroups = match Cgroups::discover() {
        Ok(cgroups) => cgroups,
        Err(e) => {
            eprintln!("cgsnapshot: {e}");
            return ExitCode::from(e.exit_code());
        }
    };
    let snap = match snapshot(&cgroups, &options) {
        Ok(snap) => snap,
        Err(e) => {
            eprintln!("cgsnapshot: {e}");
            return ExitCode::from(e.exit_code());
        }
    };
    if !matches.get_flag("silent") {
        for warning in &snap.warnings {
            eprintln!("WARNING: {warning}");
        }
    }
    let text = match render(&snap) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("cgsnapshot: {e}");
            return ExitCode::FAILURE;
        }
    };
    match matches.get_one::<PathBuf>("file") {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("cgsnapshot: Failed to open file {}", path.display());
                eprintln!(
                    "cgsnapshot: cannot write {}: {}",
                    path.display(),
                    io_reason(&e)
                );
                return ExitCode::from((ecg::OTHER & 0xff) as u8);
            }
        }
        None => print!("{text}"),
    }
    ExitCode::SUCCESS
}

/// The list in the file named on the command line, else in the first default file that
/// exists; `Ok(None)` when there is none.
fn list(given: Option<&PathBuf>, defaults: &[&str]) -> Result<Option<Vec<String>>, ExitCode> {
    let path: &Path = match given {
        Some(path) => path,
        None => match defaults.iter().map(Path::new).find(|p| p.exists()) {
            Some(path) => path,
            None => return Ok(None),
        },
    };
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(read_list(&text))),
        Err(e) => {
            let reason = io_reason(&e);
            eprintln!("ERROR: Failed to open file {}: {reason}", path.display());
            eprintln!("cgsnapshot: cannot read {}: {reason}", path.display());
            Err(ExitCode::FAILURE)
        }
    }
}
