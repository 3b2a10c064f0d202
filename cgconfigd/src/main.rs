//! cgconfigd: the service that applies `/etc/cgconfig.conf` and `/etc/cgconfig.d/*.conf`
//! at boot and keeps the cgroup tree matching them.
//!
//! This build implements `--check`: parse every configuration file the service would read
//! and check it against the host, printing each error as `file:line:col` with the source
//! line and a caret, and exit 0 when all files are usable, 1 otherwise. Applying and
//! watching the files are built on the apply engine (issues 6 and 7).

use cgtools::check::{load, FileError, SystemAccounts};
use cgtools::config_files::conf_files_in;
use cgtools::values::HostFacts;
use cgtools::{Cgroups, Permissions};
use clap::Parser;
use grammar::diagnostic::io_reason;
use std::path::PathBuf;
use std::process::ExitCode;

/// Apply cgconfig.conf at boot and keep it applied.
#[derive(Debug, Parser)]
#[command(name = "cgconfigd", version)]
struct Options {
    /// The main configuration file.
    #[arg(
        short = 'c',
        long = "config",
        value_name = "FILE",
        default_value = "/etc/cgconfig.conf"
    )]
    config: PathBuf,
    /// The drop-in directory; its `*.conf` files are read in name order after FILE.
    #[arg(
        short = 'd',
        long = "config-dir",
        value_name = "DIR",
        default_value = "/etc/cgconfig.d"
    )]
    config_dir: PathBuf,
    /// Parse and check the configuration, change nothing, exit.
    #[arg(long)]
    check: bool,
}

fn main() -> ExitCode {
    let options = Options::parse();
    if !options.check {
        eprintln!("cgconfigd: this build can only check the configuration: run it with --check");
        return ExitCode::FAILURE;
    }
    let mut files = vec![options.config.clone()];
    match conf_files_in(&options.config_dir) {
        Ok(found) => files.extend(found),
        // A missing drop-in directory is normal: most hosts have none.
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => {
            eprintln!(
                "cgconfigd: cannot read {}: {}",
                options.config_dir.display(),
                io_reason(&err)
            );
            return ExitCode::FAILURE;
        }
    }
    let cgroups = match Cgroups::discover() {
        Ok(cgroups) => cgroups,
        Err(e) => {
            eprintln!("cgconfigd: {e}");
            return ExitCode::FAILURE;
        }
    };
    let host = HostFacts::read(&cgroups);
    let mut accounts = SystemAccounts::default();
    let mut defaults = Permissions::default();
    let mut failed = false;
    for file in files {
        match load(&file, &cgroups, &host, &defaults, &mut accounts) {
            Ok(loaded) => {
                println!(
                    "{}: ok ({} groups, {} templates)",
                    file.display(),
                    loaded.config.groups().count(),
                    loaded.config.templates().count()
                );
                defaults = loaded.state.defaults_after;
            }
            Err(FileError::Unreadable(reason)) => {
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
