//! cgclassify: move running processes into given control groups.
//!
//! `cgclassify -g memory,cpu:jobs/42 PID...` moves each process with all its threads into
//! each `-g` group, in the order the groups are given. Each group's `cgroup.procs` is opened
//! once per hierarchy and takes one write per process (the kernel moves a process's threads
//! with it). A process that cannot be moved is reported and the others are still moved.
//! With `--sticky` or `--cancel-sticky` every pid is first registered with a listening rules
//! daemon; when none listens, nothing is sent.
//!
//! Without `-g` each pid goes where the rules (cgrules.conf, cgrules.d) put it, by its
//! effective user and group and its name, as libcgroup's cgclassify does, but with the
//! rules read once for all pids ([`cgtools::tools::by_rules`], no NSS).
//!
//! Exit status: 0 when everything moved (or no pid was given), 1 when a pid could not be
//! moved or registered, 2 when an argument is not a process id ("Error: X is not valid
//! pid.", as libcgroup; it wins over 1), the backend's code when the cgroups cannot be read,
//! 129 for a usage error.

use std::ffi::OsStr;
use std::process::ExitCode;

use cgtools::rules::cgred::{self, Registration};
use cgtools::rules::classify::{Decision, Placement};
use cgtools::tools::by_rules::{self, ByRules, Failure, RuleFiles};
use cgtools::tools::cli::cgclassify::command;
use cgtools::tools::cmdline::{parse_args, print_error, GroupSpec};
use cgtools::Cgroups;

const TOOL: &str = "cgclassify";
const EXIT_FAILED: u8 = 1;
const EXIT_BAD_PID: u8 = 2;

fn main() -> ExitCode {
    let matches = match parse_args(command(), std::env::args_os()) {
        Ok(matches) => matches,
        Err(code) => return code,
    };
    let specs: Vec<&GroupSpec> = matches
        .get_many::<GroupSpec>("group")
        .map(Iterator::collect)
        .unwrap_or_default();

    let mut bad_pid = false;
    let mut pids = Vec::new();
    for arg in matches.get_raw("pid").into_iter().flatten() {
        match parse_pid(arg) {
            Some(pid) => pids.push(pid),
            None => {
                eprintln!(
                    "{TOOL}: Error: {} is not valid pid. A process id is a positive decimal number.",
                    arg.to_string_lossy()
                );
                bad_pid = true;
            }
        }
    }
    let status = |failed: bool| {
        ExitCode::from(match (bad_pid, failed) {
            (true, _) => EXIT_BAD_PID,
            (false, true) => EXIT_FAILED,
            (false, false) => 0,
        })
    };
    if pids.is_empty() {
        return status(false);
    }
    let cg = match Cgroups::discover() {
        Ok(cg) => cg,
        Err(e) => {
            print_error(TOOL, "libcgroup initialization failed", &e);
            return ExitCode::from(e.exit_code());
        }
    };

    let mut failed = vec![false; pids.len()];
    let flags = if matches.get_flag("sticky") {
        cgred::UNCHANGE_CHILDREN
    } else if matches.get_flag("cancel-sticky") {
        cgred::CANCEL_UNCHANGE_PROCESS
    } else {
        0
    };
    let mut registration_failed = false;
    if flags != 0 {
        let socket = cgred::socket_path();
        for &pid in &pids {
            match cgred::register(&socket, pid, flags) {
                Ok(Registration::Stored) => {}
                // Nobody listens: asking again for the next pid would not change that.
                Ok(Registration::NoDaemon) => break,
                Err(reason) => {
                    eprintln!("{TOOL}: registration of pid {pid} failed: {reason}");
                    registration_failed = true;
                }
            }
        }
    }

    if specs.is_empty() {
        return status(registration_failed || !by_rules(&cg, &pids));
    }
    for spec in specs {
        let pending: Vec<usize> = (0..pids.len()).filter(|&i| !failed[i]).collect();
        if pending.is_empty() {
            break;
        }
        let group = spec
            .group_path()
            .and_then(|path| cg.group(&spec.controllers.resolve(&cg), &path));
        let results = match group {
            Ok(group) => group.attach_each(&pending.iter().map(|&i| pids[i]).collect::<Vec<_>>()),
            Err(e) => vec![Err(e); pending.len()],
        };
        for (i, result) in pending.into_iter().zip(results) {
            if let Err(e) = result {
                print_error(
                    TOOL,
                    &format!("Error changing group of pid {}", pids[i]),
                    &e,
                );
                failed[i] = true;
            }
        }
    }
    status(registration_failed || failed.contains(&true))
}

/// Without `-g`: moves each pid where the rules put it, the rules read once for all. Pids
/// going to the same group are moved with one open of its task file. Returns whether
/// every pid was placed (or left alone by the rules).
fn by_rules(cg: &Cgroups, pids: &[u32]) -> bool {
    let mut rules = match ByRules::load(cg, RuleFiles::system()) {
        Ok(rules) => rules,
        Err(report) => {
            eprintln!("{}", by_rules::PARSE_FAILED);
            for line in report.lines() {
                eprintln!("{TOOL}: {line}");
            }
            for pid in pids {
                eprintln!("Error: change of cgroup failed for pid {pid}: Cgroup parsing failed");
            }
            return false;
        }
    };
    if by_rules::warnings_wanted() {
        for warning in &rules.warnings {
            eprintln!("Warning: {warning}");
        }
    }
    if pids.len() > 1 {
        rules.expect_many();
    }
    let mut ok = true;
    // Each placement and the pids it takes, in the order first seen.
    let mut moves: Vec<(Placement, Vec<u32>)> = Vec::new();
    // Where each placement is in `moves` (a `%p` destination makes one per pid).
    let mut index: std::collections::HashMap<Placement, usize> = Default::default();
    for &pid in pids {
        let decision = rules
            .process(pid)
            .map_err(|e| format!("cannot read /proc/{pid}: {e}"))
            .and_then(|process| rules.decide(&process));
        match decision {
            Ok(Decision::Move(placements)) => {
                for placement in placements {
                    match index.get(&placement) {
                        Some(&i) => moves[i].1.push(pid),
                        None => {
                            index.insert(placement.clone(), moves.len());
                            moves.push((placement, vec![pid]));
                        }
                    }
                }
            }
            Ok(Decision::NoRule | Decision::Ignore(_)) => {}
            Err(message) => {
                eprintln!("{TOOL}: Error: change of cgroup failed for pid {pid}: {message}");
                ok = false;
            }
        }
    }
    let mut failed: std::collections::HashSet<u32> = Default::default();
    for (placement, list) in moves {
        let list: Vec<u32> = list.into_iter().filter(|p| !failed.contains(p)).collect();
        let results = match rules.group(&placement) {
            Ok(group) => group
                .attach_each(&list)
                .into_iter()
                .map(|r| r.map_err(Failure::Cgroup))
                .collect(),
            Err(failure) => list
                .iter()
                .map(|_| Err(failure.clone()))
                .collect::<Vec<_>>(),
        };
        for (pid, result) in list.into_iter().zip(results) {
            match result {
                Ok(()) => {}
                Err(Failure::Cgroup(e)) => {
                    print_error(TOOL, &format!("Error changing group of pid {pid}"), &e);
                    failed.insert(pid);
                }
                Err(Failure::Rule(message)) => {
                    eprintln!("{TOOL}: Error: change of cgroup failed for pid {pid}: {message}");
                    failed.insert(pid);
                }
            }
        }
    }
    ok && failed.is_empty()
}

/// A process id as given on the command line: decimal digits only, not 0 (writing 0 to a
/// task file would move cgclassify itself).
fn parse_pid(arg: &OsStr) -> Option<u32> {
    let text = arg.to_str()?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse()
        .ok()
        .filter(|&pid| pid > 0 && pid <= i32::MAX as u32)
}
