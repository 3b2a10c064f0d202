//! cgcreate: create control groups.
//!
//! `cgcreate [-a USER:GROUP] [-t USER:GROUP] [-d MODE] [-f MODE] [-s MODE] -g CTRLS:PATH...`
//! creates each group in the hierarchy of each controller (`*`: every mounted one; none:
//! a cgroup v2 group without controllers), with missing parents; on cgroup v2 the
//! controllers are enabled in the parents' `cgroup.subtree_control` (the backend's rules,
//! `docs/backend.md`). Owners and modes given are applied with libcgroup's owner-bit
//! masking; a group that already exists keeps everything else (libcgroup re-owns it to
//! the caller). If applying owners or modes fails, what this call created is removed again.
//!
//! Groups are created in order and the first failure stops the command, as libcgroup's
//! does: `cgcreate: can't create cgroup <name>: <libcgroup's message>`, then our reason
//! and hint, exit status libcgroup's code & 0xff. An unknown user or group is an error
//! before anything is touched (exit 129; libcgroup prints a message and exits 0). The
//! systemd options `-c`, `-S`, `-p` are checked as libcgroup 3.x checks them, then
//! refused: cgtools does not create systemd scopes (exit 129, as a libcgroup built
//! without systemd support refuses them).

use std::process::ExitCode;

use cgtools::engine::accounts::FileAccounts;
use cgtools::tools::cli::cgcreate::command;
use cgtools::tools::cmdline::{
    parse_args, print_error, resolve_owner, usage_error, GroupSpec, OwnerSpec, EXIT_USAGE,
};
use cgtools::{Cgroups, Owner, Permissions};

const TOOL: &str = "cgcreate";

fn main() -> ExitCode {
    if std::env::args_os().len() < 2 {
        return usage_error(command(), "no control group given: use -g CONTROLLERS:PATH");
    }
    let matches = match parse_args(command(), std::env::args_os()) {
        Ok(matches) => matches,
        Err(code) => return code,
    };
    if let Err(code) = refuse_systemd_scopes(&matches) {
        return code;
    }
    let permissions = match permissions(&matches) {
        Ok(permissions) => permissions,
        Err(message) => {
            eprintln!("{TOOL}: {message}");
            eprintln!("{TOOL}: hint: -a and -t take user:group names from the user and group databases, or numeric ids");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let specs: Vec<GroupSpec> = matches
        .get_many::<GroupSpec>("group")
        .map(|specs| specs.cloned().collect())
        .unwrap_or_default();
    if specs.is_empty() {
        // libcgroup does nothing and succeeds; a script may pass an empty list.
        return ExitCode::SUCCESS;
    }
    let cg = match Cgroups::discover() {
        Ok(cg) => cg,
        Err(e) => {
            print_error(TOOL, "libcgroup initialization failed", &e);
            return ExitCode::from(e.exit_code());
        }
    };
    for spec in &specs {
        if let Err(e) = create(&cg, spec, &permissions) {
            print_error(TOOL, &format!("can't create cgroup {}", spec.path), &e);
            return ExitCode::from(e.exit_code());
        }
    }
    ExitCode::SUCCESS
}

/// Creates one group and applies the owners and modes asked for.
fn create(cg: &Cgroups, spec: &GroupSpec, permissions: &Permissions) -> cgtools::Result<()> {
    let path = spec.group_path()?;
    let group = cg.group(&spec.controllers.resolve(cg), &path)?;
    let report = group.create()?;
    for enabled in report.enabled.iter().filter(|e| e.root) {
        eprintln!(
            "{TOOL}: note: enabled {} in the hierarchy root's {}",
            enabled.controllers.join(", "),
            enabled.dir.join("cgroup.subtree_control").display()
        );
    }
    if *permissions != Permissions::default() {
        if let Err(e) = group.set_permissions(permissions) {
            group.undo_create(&report);
            return Err(e);
        }
    }
    Ok(())
}

/// The owners and modes of `-a -t -d -f -s`; an unknown user or group is an error.
///
/// Names are read from `/etc/passwd` and `/etc/group`, and asked of glibc's `getent` when
/// the files lack them, never through NSS: cgcreate is linked statically
/// (`scripts/build-static.sh`). The files are read only when `-a` or `-t` is given.
fn permissions(matches: &clap::ArgMatches) -> Result<Permissions, String> {
    let mut accounts: Option<FileAccounts> = None;
    let mut owner = |id: &str| -> Result<Owner, String> {
        match matches.get_one::<OwnerSpec>(id) {
            Some(spec) => resolve_owner(spec, accounts.get_or_insert_with(FileAccounts::system)),
            None => Ok(Owner::default()),
        }
    };
    Ok(Permissions {
        admin: owner("admin")?,
        task: owner("task")?,
        dir_mode: matches.get_one::<u32>("dperm").copied(),
        file_mode: matches.get_one::<u32>("fperm").copied(),
        task_mode: matches.get_one::<u32>("tperm").copied(),
    })
}

/// libcgroup 3.x's checks of `-b -c -S -p`, with its messages; then `-c` is refused.
fn refuse_systemd_scopes(matches: &clap::ArgMatches) -> Result<(), ExitCode> {
    let scope = matches.get_flag("scope");
    let fail = |message: &str| {
        eprintln!("{TOOL}: {message}");
        Err(ExitCode::from(EXIT_USAGE))
    };
    if let Some(pid) = matches.get_one::<String>("pid") {
        if !pid.parse::<i32>().is_ok_and(|p| p > 1) {
            return fail(&format!("Invalid pid {pid}"));
        }
    }
    if matches.get_flag("ignore-systemd-default") && scope {
        return fail("\"-b\" and \"-c\" are mutually exclusive");
    }
    if matches.get_flag("setdefault") && !scope {
        return fail("\"-S\" requires \"-c\" to be provided");
    }
    if matches.contains_id("pid") && !scope {
        return fail("\"-p\" requires \"-c\" to be provided");
    }
    if scope {
        eprintln!("{TOOL}: -c/--scope: creating systemd scopes is not supported by cgtools");
        eprintln!(
            "{TOOL}: hint: create the scope with systemd-run --scope -p Delegate=yes \
             --slice=<slice> --unit=<scope> <command>, then cgcreate groups below it"
        );
        return Err(ExitCode::from(EXIT_USAGE));
    }
    Ok(())
}
