//! cgconfigparser: set up cgroups as a cgconfig.conf file describes.
//!
//! `cgconfigparser --check -l FILE [-l FILE...] [-L DIR...]` parses and checks the files
//! against the host (users and groups exist) and touches nothing: every error is printed as
//! `file:line:col`, the source line and a caret. Files are processed in command-line order,
//! `-L` directories expanding to their `*.conf` files in sorted order; each file is checked
//! on its own, and line numbers restart in every file.
//!
//! Exit status, as libcgroup's: 0 when every file is good, 104 (ECGCONFIGPARSEFAIL) when a
//! file has errors, 96 (ECGOTHER) when a file cannot be read, 1 when a `-L` directory
//! cannot be opened, 129 for a usage error. The first failure decides the status; the
//! remaining files are still checked.

use cgtools::check::{check_file, Accounts, FileError, SystemAccounts};
use cgtools::cli::cgconfigparser::command;
use cgtools::cmdline::{parse_args, EXIT_USAGE};
use cgtools::config_files::conf_files_in;
use grammar::diagnostic::io_reason;
use std::path::PathBuf;
use std::process::ExitCode;

/// libcgroup's ECGCONFIGPARSEFAIL (50024) as an exit status.
const EXIT_PARSE_FAILED: u8 = 104;
/// libcgroup's ECGOTHER (50016) as an exit status.
const EXIT_OTHER: u8 = 96;

/// One input in command-line order.
enum Input {
    File(PathBuf),
    Directory(PathBuf),
}

fn main() -> ExitCode {
    let matches = match parse_args(command(), std::env::args_os()) {
        Ok(matches) => matches,
        Err(code) => return code,
    };
    let inputs = inputs_in_order(&matches);
    if inputs.is_empty() {
        let _ = command().print_help();
        return ExitCode::from(EXIT_USAGE);
    }
    if !matches.get_flag("check") {
        eprintln!(
            "cgconfigparser: this build can only check configurations: run it with --check \
             (applying them arrives with the apply engine)"
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let mut accounts = SystemAccounts::default();
    let mut status: Option<u8> = check_default_owners(&matches, &mut accounts).err();
    for input in inputs {
        let files = match input {
            Input::File(path) => vec![path],
            Input::Directory(dir) => match conf_files_in(&dir) {
                Ok(files) => files,
                Err(err) => {
                    eprintln!(
                        "cgconfigparser: cannot open {}: {}",
                        dir.display(),
                        io_reason(&err)
                    );
                    status.get_or_insert(1);
                    continue;
                }
            },
        };
        for file in files {
            if let Err(code) = check_one(&file, &mut accounts) {
                status.get_or_insert(code);
            }
        }
    }
    status.map_or(ExitCode::SUCCESS, ExitCode::from)
}

/// `-l` and `-L` values interleaved in the order they were given.
fn inputs_in_order(matches: &clap::ArgMatches) -> Vec<Input> {
    let mut inputs: Vec<(usize, Input)> = Vec::new();
    for (id, make) in [
        ("load", Input::File as fn(PathBuf) -> Input),
        ("load-directory", Input::Directory),
    ] {
        if let (Some(values), Some(indices)) =
            (matches.get_many::<PathBuf>(id), matches.indices_of(id))
        {
            inputs.extend(indices.zip(values.cloned().map(make)));
        }
    }
    inputs.sort_by_key(|(index, _)| *index);
    inputs.into_iter().map(|(_, input)| input).collect()
}

/// The owners named by `-a` and `-t` must exist.
fn check_default_owners(matches: &clap::ArgMatches, accounts: &mut dyn Accounts) -> Result<(), u8> {
    let mut result = Ok(());
    for option in ["admin", "task"] {
        let Some(owner) = matches.get_one::<cgtools::cmdline::OwnerSpec>(option) else {
            continue;
        };
        let numeric = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if let Some(user) = owner.user.as_deref().filter(|u| !numeric(u)) {
            if !matches!(accounts.uid(user), Ok(Some(_))) {
                eprintln!("cgconfigparser: unknown user `{user}` in --{option}");
                result = Err(EXIT_USAGE);
            }
        }
        if let Some(group) = owner.group.as_deref().filter(|g| !numeric(g)) {
            if !matches!(accounts.gid(group), Ok(Some(_))) {
                eprintln!("cgconfigparser: unknown group `{group}` in --{option}");
                result = Err(EXIT_USAGE);
            }
        }
    }
    result
}

/// Parses and checks one file, printing its errors; the exit status on failure.
fn check_one(path: &std::path::Path, accounts: &mut dyn Accounts) -> Result<(), u8> {
    match check_file(path, accounts) {
        Ok(config) => {
            println!(
                "{}: ok ({} groups, {} templates)",
                path.display(),
                config.groups().count(),
                config.templates().count()
            );
            Ok(())
        }
        Err(FileError::Unreadable(reason)) => {
            eprintln!("cgconfigparser: {reason}");
            Err(EXIT_OTHER)
        }
        Err(FileError::Invalid { report, count }) => {
            eprint!("{report}");
            let plural = if count == 1 { "" } else { "s" };
            eprintln!(
                "cgconfigparser: {}: {count} error{plural}; nothing was changed",
                path.display()
            );
            Err(EXIT_PARSE_FAILED)
        }
    }
}
