//! cgget: print parameter(s) of given group(s).
//!
//! `cgget [-nvmc] [-r NAME]... [-g CONTROLLERS]... [-a] PATH...` or
//! `cgget [-nvmc] -g CONTROLLERS:PATH...`: per group a `PATH:` header, `name: value` lines
//! (further lines of a value indented by a TAB) and an empty line; `-n` drops headers,
//! `-v` names, `-m` prints the setup mode, `-c` each controller's cgroup version, `--json`
//! one JSON document. A `-r` name of the other cgroup version is read through the
//! translation layer, with a note on stderr. Exit status: libcgroup's (96 for what cannot
//! be read, 91 for a bad setting name, 129 for a usage error).

use std::process::ExitCode;

use cgtools::tools::cli::cgget::{command, requests, NO_SYSTEMD_BASE};
use cgtools::tools::cmdline::{error_text, parse_args, usage_error};
use cgtools::tools::read::cgget::{run, Invocation, ReadOptions, RequestError};
use cgtools::Cgroups;

const TOOL: &str = "cgget";

fn main() -> ExitCode {
    let matches = match parse_args(command(), std::env::args_os()) {
        Ok(matches) => matches,
        Err(code) => return code,
    };
    if matches.get_flag("ignore-systemd-base") {
        return usage_error(command(), NO_SYSTEMD_BASE);
    }
    // Usage errors first, so that they do not depend on the host's cgroups.
    match requests(&matches, Vec::new()) {
        Err(error) => return request_error(error),
        Ok(groups)
            if groups.is_empty() && !matches.get_flag("mode") && !matches.get_flag("versions") =>
        {
            return usage_error(
                command(),
                "Wrong input parameters: no group given; name the groups to read",
            )
        }
        Ok(_) => {}
    }
    let cg = match Cgroups::discover() {
        Ok(cg) => cg,
        Err(e) => {
            eprint!(
                "{}",
                error_text(TOOL, "libcgroup initialization failed", &e)
            );
            return ExitCode::from(e.exit_code());
        }
    };
    let all = cg
        .layout()
        .controllers_in_mount_order()
        .into_iter()
        .map(String::from)
        .collect();
    let requests = match requests(&matches, all) {
        Ok(requests) => requests,
        Err(error) => return request_error(error),
    };
    let invocation = Invocation {
        requests,
        headers: !matches.get_flag("no-headers"),
        names: !matches.get_flag("values-only"),
        mode: matches.get_flag("mode"),
        versions: matches.get_flag("versions"),
        json: matches.get_flag("json"),
        options: ReadOptions::default(),
        notes: true,
    };
    let printout = run(TOOL, &cg, &invocation);
    eprint!("{}", printout.stderr);
    print!("{}", printout.stdout);
    ExitCode::from(printout.status)
}

fn request_error(error: RequestError) -> ExitCode {
    match error {
        RequestError::Usage(message) => usage_error(command(), message),
        RequestError::Invalid(e) => {
            eprint!("{}", e.text(TOOL));
            ExitCode::from(e.exit_code())
        }
    }
}
