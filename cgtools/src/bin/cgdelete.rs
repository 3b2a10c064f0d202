//! cgdelete: remove control groups.
//!
//! `cgdelete [-r] [[-g] CTRLS:PATH ...]` removes each group from the hierarchy of every
//! controller named; when controllers live in separate hierarchies the group goes from
//! all of them (libcgroup removes it from the first only). As in libcgroup, the tasks
//! still in a group move to its parent (never killed) and the group is removed; with `-r`
//! the same happens to its child groups, bottom-up. Without `-r` a group with child groups
//! is refused before any task moves (libcgroup moves the tasks and then fails). On v2,
//! where a parent that enables controllers for its children cannot hold processes, the
//! tasks go to the nearest ancestor that can, and one note per group says where
//! (libcgroup fails there). A controller co-mounted with one named in an earlier group of
//! the same path is not removed twice.
//!
//! Groups named with `-g` come first, then the positional ones, as in libcgroup. Every
//! group is parsed before anything is removed (`cgdelete: error parsing cgroup 'X'`, exit
//! 129). A failure prints `cgdelete: cannot remove group '<name>': <libcgroup's message>`
//! with our reason and hint; the remaining groups are still processed and the first
//! failure decides the exit status (a missing group, a group with child groups: 96).

use std::path::PathBuf;
use std::process::ExitCode;

use cgtools::tools::cli::cgdelete::command;
use cgtools::tools::cmdline::{
    parse_args, parse_group_spec, print_error, usage_error, GroupSpec, EXIT_USAGE,
};
use cgtools::{Cgroups, GroupPath, Removal, RemoveReport};

const TOOL: &str = "cgdelete";

fn main() -> ExitCode {
    if std::env::args_os().len() < 2 {
        return usage_error(command(), "no control group given");
    }
    let matches = match parse_args(command(), std::env::args_os()) {
        Ok(matches) => matches,
        Err(code) => return code,
    };
    let mut specs = Vec::new();
    for text in ["group", "groups"]
        .into_iter()
        .flat_map(|id| matches.get_many::<String>(id).into_iter().flatten())
    {
        match parse_group_spec(text) {
            Ok(spec) => specs.push(spec),
            Err(reason) => {
                eprintln!("{TOOL}: error parsing cgroup '{text}'");
                eprintln!("{TOOL}: {reason}");
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
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
    let removal = if matches.get_flag("recursive") {
        Removal::Recursive
    } else {
        Removal::MoveTasks
    };
    let mut removed: Vec<(PathBuf, GroupPath, String)> = Vec::new();
    let mut status = None;
    for spec in &specs {
        match remove(&cg, spec, removal, &mut removed) {
            Ok(report) => print_climbed(&report),
            Err(e) => {
                print_error(TOOL, &format!("cannot remove group '{}'", spec.path), &e);
                status.get_or_insert(e.exit_code());
            }
        }
    }
    status.map_or(ExitCode::SUCCESS, ExitCode::from)
}

/// Removes one group from its hierarchies, skipping a hierarchy where an earlier group of
/// this command removed the same path through another controller (`cgdelete cpu:/x
/// cpuacct:/x` with cpu and cpuacct co-mounted), which is what libcgroup means to do. The
/// same controller named twice is tried twice, as in libcgroup. `removed` records
/// (mount point, path, controller) for every controller handled.
fn remove(
    cg: &Cgroups,
    spec: &GroupSpec,
    removal: Removal,
    removed: &mut Vec<(PathBuf, GroupPath, String)>,
) -> cgtools::Result<RemoveReport> {
    let path = spec.group_path()?;
    let named = spec.controllers.resolve(cg);
    let mount_of = |controller: &str| {
        cg.hierarchy_for(controller)
            .map(|h| h.mount_point().to_path_buf())
            .ok()
    };
    let done_by_another = |controller: &str| {
        let Some(mount) = mount_of(controller) else {
            return false;
        };
        let same = |(m, p, _): &&(PathBuf, GroupPath, String)| *m == mount && *p == path;
        let mut earlier = removed.iter().filter(same).peekable();
        earlier.peek().is_some() && earlier.all(|(_, _, c)| c != controller)
    };
    let controllers: Vec<&str> = named
        .iter()
        .copied()
        .filter(|c| !done_by_another(c))
        .collect();
    if controllers.is_empty() && !named.is_empty() {
        return Ok(RemoveReport::default());
    }
    let group = cg.group(&controllers, &path)?;
    let result = group.remove(removal);
    for controller in &controllers {
        if let Some(mount) = mount_of(controller) {
            removed.push((mount, path.clone(), controller.to_string()));
        }
    }
    result
}

/// One note per removed group whose tasks went further up than its parent (v2's
/// no-internal-process rule). Nothing is printed when they went to the parent, as
/// libcgroup prints nothing.
fn print_climbed(report: &RemoveReport) {
    for c in &report.climbed {
        eprintln!(
            "{TOOL}: note: moved {} task(s) of {} to {}, the nearest group above it that can \
             hold processes: its parent {} enables controllers for its child groups",
            c.tasks, c.group, c.to, c.parent
        );
    }
}
