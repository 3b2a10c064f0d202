//! cgconfigparser: set up cgroups as cgconfig.conf files describe.
//!
//! Files are processed in command-line order, `-L` directories expanding to their `*.conf`
//! files in sorted order. Each file is a unit, as in libcgroup: it is parsed, checked
//! against the host (controllers mounted, settings present, values well-formed, owners
//! known) and planned before its first write; then applied with an undo log, so a failure
//! takes back exactly what this file's run did (libcgroup deletes every group of the file,
//! pre-existing ones included). Later files are still processed after a failure; the
//! first failure decides the exit status.
//!
//! Modes: apply (default), `--check` (parse and check, touch nothing), `--dry-run` (print
//! the plan, `--json` for scripts), `--unload` (remove the groups the files describe).
//!
//! Exit status, as libcgroup's: 0 success; 104 a file has configuration errors; 84 a
//! controller is not mounted; 95 a setting does not exist; 96 a kernel error or unreadable
//! file; 1 a `-L` directory cannot be opened; 129 a usage error.
//!
//! Every file refused, whatever the reason, is reported first in libcgroup's words, which
//! scripts match: `cgconfigparser; error loading FILE: MESSAGE`, MESSAGE being what
//! libcgroup's `cgroup_strerror` says for the exit status (`Invalid argument`,
//! `Cgroup, requested group parameter does not exist`, `Failed to parse config file`, ...),
//! preceded by its library's `Error: failed to parse file FILE` for a file that does not
//! parse and `Error: failed to open file FILE` for one that cannot be read. Then come ours:
//! every error located in the file, or the operation, path and kernel reason of a failed
//! write, and what was undone.

use cgtools::backend::mounts::{self, MountRequest, MountedHere, Status};
use cgtools::backend::values::HostFacts;
use cgtools::engine::accounts::{Accounts, SystemAccounts};
use cgtools::engine::apply::apply;
use cgtools::engine::check::{check_config, read_config, FileError};
use cgtools::engine::config_files::conf_files_in;
use cgtools::engine::desired::DesiredState;
use cgtools::engine::desired::Roots;
use cgtools::engine::plan::plan;
use cgtools::tools::cli::cgconfigparser::command;
use cgtools::tools::cmdline::{
    parse_args, print_error, resolve_owner, usage_error, OwnerSpec, EXIT_USAGE,
};
use cgtools::{Cgroups, Owner, Permissions, Removal};
use grammar::diagnostic::io_reason;
use grammar::SourceFile;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const TOOL: &str = "cgconfigparser";
/// libcgroup's ECGCONFIGPARSEFAIL (50024) as an exit status.
const EXIT_CONFIG: u8 = 104;

/// What the run does with each file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Apply,
    Check,
    DryRun { json: bool },
    Unload { recursive: bool },
}

/// One input in command-line order.
enum Input {
    File(PathBuf),
    Directory(PathBuf),
}

/// What every file's processing shares: the host (discovered once), the accounts cache,
/// and the defaults, which a file's `default` section replaces for the files after it.
struct Run {
    mode: Mode,
    cgroups: Cgroups,
    host: HostFacts,
    accounts: SystemAccounts,
    defaults: Permissions,
    json: Vec<serde_json::Value>,
}

fn main() -> ExitCode {
    let matches = match parse_args(command(), std::env::args_os()) {
        Ok(matches) => matches,
        Err(code) => return code,
    };
    let inputs = inputs_in_order(&matches);
    if inputs.is_empty() {
        return usage_error(
            command(),
            "no configuration file given: name files with -l FILE or directories with -L DIR",
        );
    }
    let mode = if matches.get_flag("check") {
        Mode::Check
    } else if matches.get_flag("dry-run") {
        Mode::DryRun {
            json: matches.get_flag("json"),
        }
    } else if matches.get_flag("unload") {
        Mode::Unload {
            recursive: matches.get_flag("recursive"),
        }
    } else {
        Mode::Apply
    };
    let mut accounts = SystemAccounts::default();
    let defaults = match default_permissions(&matches, &mut accounts) {
        Ok(defaults) => defaults,
        Err(code) => return ExitCode::from(code),
    };
    let cgroups = match Cgroups::discover() {
        Ok(cgroups) => cgroups,
        Err(e) => {
            print_error(TOOL, "libcgroup initialization failed", &e);
            return ExitCode::from(e.exit_code());
        }
    };
    let mut run = Run {
        mode,
        host: HostFacts::read(&cgroups),
        cgroups,
        accounts,
        defaults,
        json: Vec::new(),
    };
    let mut status: Option<u8> = None;
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
            if let Err(code) = run.file(&file) {
                status.get_or_insert(code);
            }
        }
    }
    if let Mode::DryRun { json: true } = mode {
        println!("{}", serde_json::Value::Array(run.json));
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

/// The owners and modes given by `-a -t -d -f -s`. An unknown user or group is a usage
/// error, reported in libcgroup's words (`can't find uid of user X.`); libcgroup stops
/// there too.
fn default_permissions(
    matches: &clap::ArgMatches,
    accounts: &mut dyn Accounts,
) -> Result<Permissions, u8> {
    let mut owner = |option: &str| -> Result<Owner, u8> {
        let Some(spec) = matches.get_one::<OwnerSpec>(option) else {
            return Ok(Owner::default());
        };
        resolve_owner(spec, accounts).map_err(|message| {
            eprintln!("{TOOL}: {message}");
            eprintln!(
                "{TOOL}: hint: --{option} takes user:group names from the user and group \
                 databases, or numeric ids"
            );
            EXIT_USAGE
        })
    };
    Ok(Permissions {
        admin: owner("admin")?,
        task: owner("task")?,
        dir_mode: matches.get_one::<u32>("dperm").copied(),
        file_mode: matches.get_one::<u32>("fperm").copied(),
        task_mode: matches.get_one::<u32>("tperm").copied(),
    })
}

impl Run {
    /// Processes one file; the exit status on failure.
    fn file(&mut self, path: &Path) -> Result<(), u8> {
        let refused = |error: FileError| -> u8 {
            let name = path.display().to_string();
            // libcgroup's library logs these two before the tool's line.
            match &error {
                FileError::Unreadable { .. } => eprintln!("Error: failed to open file {name}"),
                FileError::Invalid { exit_code, .. } if *exit_code == EXIT_CONFIG => {
                    eprintln!("Error: failed to parse file {name}");
                }
                FileError::Invalid { .. } => {}
            }
            error_loading(&name, &error.libcgroup_message());
            let code = error.exit_code();
            match error {
                FileError::Unreadable { message, .. } => eprintln!("{TOOL}: {message}"),
                FileError::Invalid { report, count, .. } => {
                    eprint!("{report}");
                    let plural = if count == 1 { "" } else { "s" };
                    eprintln!("{TOOL}: {name}: {count} error{plural}; nothing was changed");
                }
            }
            code
        };
        let (source, config) = read_config(path).map_err(refused)?;
        // Hierarchies the file's `mount` sections ask for come first: its groups are
        // checked against the host as it will be.
        let mounted = self.mount_missing(&source, &config)?;
        let loaded = match check_config(
            source,
            config,
            &self.cgroups,
            &self.host,
            &self.defaults,
            &mut self.accounts,
            &Roots::default(),
        ) {
            Ok(loaded) => loaded,
            Err(error) => {
                let code = refused(error);
                self.unmount(&mounted);
                return Err(code);
            }
        };
        let cgtools::engine::check::Loaded {
            source: src,
            config,
            state,
        } = loaded;
        let (groups, templates) = (config.groups().count(), config.templates().count());
        // The syntax tree has served (a third of the memory of a 5000-group file); the
        // desired state keeps what the plan and messages need.
        drop(config);
        match self.mode {
            Mode::Check => {
                println!(
                    "{}: ok ({groups} groups, {templates} templates)",
                    src.name()
                );
            }
            Mode::DryRun { json } => self.dry_run(&src, &state, json)?,
            Mode::Apply => {
                if let Err(code) = self.apply(&src, &state) {
                    // The file is a unit: what it mounted goes with what it created.
                    self.unmount(&mounted);
                    return Err(code);
                }
            }
            Mode::Unload { recursive } => self.unload(&state, recursive)?,
        }
        // A `default` section counts for the files after this one (libcgroup's process-
        // global default), once this file has gone through.
        self.defaults = state.defaults_after;
        Ok(())
    }

    /// Mounts the hierarchies the file asks for that are not mounted yet (only when
    /// applying; the other modes say what they would mount), then discovers the host
    /// again: the mount table changed under us, through our own doing.
    fn mount_missing(
        &mut self,
        source: &SourceFile,
        config: &grammar::cgconfig::Config,
    ) -> Result<Vec<MountedHere>, u8> {
        let missing: Vec<MountRequest> = mounts::requests(config)
            .into_iter()
            .filter(|r| mounts::status(r, self.cgroups.layout()) == Status::Missing)
            .collect();
        if missing.is_empty() {
            return Ok(Vec::new());
        }
        if self.mode != Mode::Apply {
            for request in &missing {
                eprintln!(
                    "cgconfigparser: {}: would mount {} at {} (its groups are checked once it is mounted)",
                    source.name(),
                    request.data(),
                    request.path.display()
                );
            }
            return Ok(Vec::new());
        }
        let mut mounted = Vec::new();
        for request in &missing {
            match mounts::mount_hierarchy(request) {
                Ok(here) => mounted.push(here),
                Err(e) => {
                    let code = fail(source.name(), &e);
                    self.unmount(&mounted);
                    return Err(code);
                }
            }
        }
        if let Err(e) = self.rediscover() {
            let code = fail(source.name(), &e);
            self.unmount(&mounted);
            return Err(code);
        }
        Ok(mounted)
    }

    /// Unmounts what this file mounted, last first, reporting what cannot be undone.
    fn unmount(&mut self, mounted: &[MountedHere]) {
        if mounted.is_empty() {
            return;
        }
        // The handle holds the hierarchies' roots open, which keeps a mount busy: start
        // from a fresh one, which opens nothing until used.
        let _ = self.rediscover();
        for here in mounted.iter().rev() {
            match mounts::unmount_hierarchy(here) {
                Ok(()) => eprintln!("cgconfigparser: unmounted {}", here.path.display()),
                Err(e) => eprintln!(
                    "cgconfigparser: could not unmount {}: {e}",
                    here.path.display()
                ),
            }
        }
        let _ = self.rediscover();
    }

    fn rediscover(&mut self) -> Result<(), cgtools::Error> {
        let cgroups = Cgroups::discover()?;
        self.host = HostFacts::read(&cgroups);
        self.cgroups = cgroups;
        Ok(())
    }

    fn dry_run(&mut self, src: &SourceFile, state: &DesiredState, json: bool) -> Result<(), u8> {
        let plan = plan(&self.cgroups, state, &self.host).map_err(|e| fail(src.name(), &e))?;
        if json {
            self.json
                .push(serde_json::json!({ "file": src.name(), "steps": plan.steps }));
            return Ok(());
        }
        let (create, permissions, writes) = plan.counts();
        if plan.is_empty() {
            println!("{}: nothing to change", src.name());
        } else {
            println!(
                "{}: {create} groups to create, {permissions} owner and mode changes, {writes} settings to write",
                src.name()
            );
            print!("{}", plan.describe());
        }
        Ok(())
    }

    fn apply(&mut self, src: &SourceFile, state: &DesiredState) -> Result<(), u8> {
        let plan = plan(&self.cgroups, state, &self.host).map_err(|e| fail(src.name(), &e))?;
        apply(&self.cgroups, &plan).map(|_| ()).map_err(|failure| {
            error_loading(src.name(), &failure.error.libcgroup_message());
            eprintln!("{TOOL}: {} (while {})", failure.error, failure.step);
            if let Some(hint) = failure.error.hint() {
                eprintln!("{TOOL}: hint: {hint}");
            }
            if failure.undone.is_empty() && failure.not_undone.is_empty() {
                eprintln!("cgconfigparser: {}: nothing had been changed", src.name());
            } else {
                eprintln!(
                    "cgconfigparser: {}: undid this file's {} change(s), nothing else was touched:",
                    src.name(),
                    failure.undone.len() + failure.not_undone.len()
                );
                for line in &failure.undone {
                    eprintln!("  {line}");
                }
                for line in &failure.not_undone {
                    eprintln!("  {line}");
                }
            }
            failure.error.exit_code()
        })
    }

    /// Removes the file's groups, deepest first. Parents the file does not name are left;
    /// a group with tasks is refused unless `recursive`, which moves them to its parent.
    fn unload(&mut self, state: &DesiredState, recursive: bool) -> Result<(), u8> {
        let mut status = None;
        for desired in state.cgroups.iter().rev() {
            let hierarchy = &self.cgroups.hierarchies()[desired.hierarchy];
            let group = format!("{}:{}", hierarchy.label(), desired.path);
            let result = self.cgroups.cgroup(hierarchy, &desired.path).and_then(|c| {
                if c.exists() {
                    c.remove(if recursive {
                        Removal::Recursive
                    } else {
                        Removal::EmptyOnly
                    })
                    .map(Some)
                } else {
                    Ok(None)
                }
            });
            if let Err(e) = result {
                eprintln!("cgconfigparser: cannot remove group {group}: {e}");
                if let Some(hint) = e.hint() {
                    eprintln!("cgconfigparser: hint: {hint}");
                }
                status.get_or_insert(e.exit_code());
            }
        }
        status.map_or(Ok(()), Err)
    }
}

/// Prints a backend failure that happened before any write (mounting, planning): libcgroup's
/// line, then ours.
fn fail(file: &str, e: &cgtools::Error) -> u8 {
    error_loading(file, &e.libcgroup_message());
    eprintln!("{TOOL}: {e}");
    if let Some(hint) = e.hint() {
        eprintln!("{TOOL}: hint: {hint}");
    }
    e.exit_code()
}

/// libcgroup's line for a file it could not load, word for word (with its `;`).
fn error_loading(file: &str, message: &str) {
    eprintln!("{TOOL}; error loading {file}: {message}");
}
