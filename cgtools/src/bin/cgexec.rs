//! cgexec: run a command in given control groups.
//!
//! `cgexec -g memory,cpu:jobs/42 COMMAND [ARGS]...` moves itself (every thread: one write
//! of its pid to `cgroup.procs` per hierarchy) into each `-g` group, then execs COMMAND in
//! place: same process, no fork, no wait. libcgroup's order is kept: register with the rules
//! daemon (as the caller may still be privileged for its socket), drop to the real user and
//! group ids, move, exec. The mount table is read once.
//!
//! Without `-g` the rules (cgrules.conf, cgrules.d) decide, for the real user and group and
//! the command's name, as libcgroup's cgexec does; names are resolved without NSS
//! ([`cgtools::tools::by_rules`]), so the static build stays free of it.
//!
//! Exit status, as libcgroup's: the command's own; the backend's code when a move fails (82
//! for a missing group, 84 for an unknown controller); without `-g`, 99 when the rules
//! cannot be read or parsed and 93 when a template's group cannot be created; 1 when a listening daemon answers wrongly; 255 when the
//! command cannot be executed or the ids cannot be dropped; 129 for a usage error.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::ExitCode;

use cgtools::backend::error::ecg;
use cgtools::rules::cgred;
use cgtools::rules::classify::Decision;
use cgtools::tools::by_rules::{self, ByRules, RuleFiles};
use cgtools::tools::cli::cgexec::command;
use cgtools::tools::cmdline::{parse_args, print_error, GroupSpec};
use cgtools::{Cgroups, Error, ErrorKind, Group};
use nix::errno::Errno;
use nix::unistd::{getgid, getpid, getuid, setresgid, setresuid};

const TOOL: &str = "cgexec";
/// libcgroup's wording for a failed move, which scripts may match.
const CHANGE_FAILED: &str = "cgroup change of group failed";
/// libcgroup returns -1 for these.
const EXIT_MINUS_ONE: u8 = 255;

fn main() -> ExitCode {
    let matches = match parse_args(command(), std::env::args_os()) {
        Ok(matches) => matches,
        Err(code) => return code,
    };
    let specs: Vec<&GroupSpec> = matches
        .get_many::<GroupSpec>("group")
        .map(Iterator::collect)
        .unwrap_or_default();
    let argv: Vec<&OsString> = matches
        .get_many::<OsString>("command")
        .map(Iterator::collect)
        .unwrap_or_default();
    let Some((program, args)) = argv.split_first() else {
        let _ = command().print_help();
        return ExitCode::from(cgtools::tools::cmdline::EXIT_USAGE);
    };
    let cg = match Cgroups::discover() {
        Ok(cg) => cg,
        Err(e) => {
            print_error(TOOL, "libcgroup initialization failed", &e);
            return ExitCode::from(e.exit_code());
        }
    };
    // Resolving touches nothing, so a misspelt controller fails before the daemon hears of us.
    let groups = match specs
        .iter()
        .map(|spec| resolve(&cg, spec))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(groups) => groups,
        Err(e) => return change_failed(&e, None),
    };

    let flags = if matches.get_flag("sticky") {
        cgred::UNCHANGE_CHILDREN
    } else {
        0
    };
    let pid = getpid().as_raw().unsigned_abs();
    if let Err(reason) = cgred::register(&cgred::socket_path(), pid, flags) {
        eprintln!("{TOOL}: registration of process failed: {reason}");
        return ExitCode::from(1);
    }

    // The group first: once the user id is dropped the group id can no longer change freely.
    let (uid, gid) = (getuid(), getgid());
    if let Err(errno) = setresgid(gid, gid, gid) {
        eprintln!(
            "{TOOL}: cannot drop to the real group id {gid}: {}",
            errno.desc()
        );
        return ExitCode::from(EXIT_MINUS_ONE);
    }
    if let Err(errno) = setresuid(uid, uid, uid) {
        eprintln!(
            "{TOOL}: cannot drop to the real user id {uid}: {}",
            errno.desc()
        );
        return ExitCode::from(EXIT_MINUS_ONE);
    }

    for (group, spec) in groups.iter().zip(&specs) {
        if let Err(e) = group.attach(pid) {
            return change_failed(&e, Some(spec));
        }
    }
    if specs.is_empty() {
        if let Err(code) = classify(&cg, pid, uid.as_raw(), gid.as_raw(), program) {
            return code;
        }
    }

    let error = std::process::Command::new(program).args(args).exec();
    let errno = error.raw_os_error().map_or(Errno::EIO, Errno::from_raw);
    // libcgroup's exact line (it lacks the newline), then which command and why.
    eprintln!("exec failed:{}", errno.desc());
    let name = Path::new(program);
    let why = match errno {
        Errno::ENOENT if !program.as_encoded_bytes().contains(&b'/') => ": no such command in PATH",
        Errno::ENOENT => ": no such file",
        Errno::EACCES => ": not executable (check its mode, and noexec on its filesystem)",
        Errno::ENOEXEC => ": unknown executable format",
        _ => "",
    };
    eprintln!("{TOOL}: cannot execute `{}`{why}", name.display());
    ExitCode::from(EXIT_MINUS_ONE)
}

/// Without `-g`: moves this process where the rules put a process of the real user and
/// group running `program` (as libcgroup: the name as given, `argv[0]`), creating a
/// template's group first. No matching rule, or an `ignore` rule, leaves it where it is.
fn classify(
    cg: &Cgroups,
    pid: u32,
    uid: u32,
    gid: u32,
    program: &OsString,
) -> Result<(), ExitCode> {
    let mut rules = match ByRules::load(cg, RuleFiles::system()) {
        Ok(rules) => rules,
        Err(report) => {
            eprintln!("{}", by_rules::PARSE_FAILED);
            for line in report.lines() {
                eprintln!("{TOOL}: {line}");
            }
            eprintln!("{CHANGE_FAILED}");
            return Err(ExitCode::from((ecg::PARSE_FAIL & 0xff) as u8));
        }
    };
    if by_rules::warnings_wanted() {
        for warning in &rules.warnings {
            eprintln!("Warning: {warning}");
        }
    }
    let process = rules.command(pid, uid, gid, &program.to_string_lossy());
    let placements = match rules.decide(&process) {
        Ok(Decision::Move(placements)) => placements,
        Ok(Decision::NoRule | Decision::Ignore(_)) => return Ok(()),
        Err(message) => {
            eprintln!("{TOOL}: {CHANGE_FAILED}: {message}");
            return Err(ExitCode::from((ecg::FAIL & 0xff) as u8));
        }
    };
    for placement in &placements {
        let moved = rules
            .group(placement)
            .and_then(|group| group.attach(pid).map_err(by_rules::Failure::Cgroup));
        if let Err(failure) = moved {
            match &failure {
                by_rules::Failure::Cgroup(e) => print_error(TOOL, CHANGE_FAILED, e),
                by_rules::Failure::Rule(message) => {
                    eprintln!("{TOOL}: {CHANGE_FAILED}: {message}")
                }
            }
            return Err(ExitCode::from(failure.exit_code()));
        }
    }
    Ok(())
}

/// The group a `-g` option names, across the hierarchies of its controllers.
fn resolve<'a>(cg: &'a Cgroups, spec: &GroupSpec) -> Result<Group<'a>, Error> {
    let path = spec.group_path()?;
    cg.group(&spec.controllers.resolve(cg), &path)
}

/// Reports a failed move in libcgroup's words plus ours; exits with the backend's code.
fn change_failed(error: &Error, spec: Option<&GroupSpec>) -> ExitCode {
    print_error(TOOL, CHANGE_FAILED, error);
    if let (ErrorKind::GroupMissing { .. }, None, Some(spec)) = (error.kind(), error.hint(), spec) {
        let controllers = match &spec.controllers {
            cgtools::tools::cmdline::Controllers::All => "*".to_string(),
            cgtools::tools::cmdline::Controllers::Named(names) => names.join(","),
        };
        eprintln!(
            "{TOOL}: hint: create it first: cgcreate -g {controllers}:{}",
            spec.path
        );
    }
    ExitCode::from(error.exit_code())
}
