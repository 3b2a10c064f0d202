//! cgxget: print parameter(s) of given group(s) in a chosen cgroup version's vocabulary.
//!
//! cgget's options plus `-1`/`--v1` or `-2`/`--v2` (names are given and printed in that
//! version's vocabulary, converted to and from what the host runs) and
//! `-i`/`--ignore-unmappable` (leave out settings with no counterpart instead of failing
//! with exit 111). Without `-1`/`-2` it behaves like cgget.

use std::process::ExitCode;

use cgtools::tools::cli::cgget::{requests, NO_SYSTEMD_BASE};
use cgtools::tools::cli::cgxget::command;
use cgtools::tools::cmdline::{error_text, parse_args, usage_error};
use cgtools::tools::read::cgget::{run, Invocation, ReadOptions, RequestError};
use cgtools::{Cgroups, Version};

const TOOL: &str = "cgxget";

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
        Ok(groups) if groups.is_empty() => {
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
    let vocabulary = if matches.get_flag("v1") {
        Some(Version::V1)
    } else if matches.get_flag("v2") {
        Some(Version::V2)
    } else {
        None
    };
    let invocation = Invocation {
        requests,
        headers: !matches.get_flag("no-headers"),
        names: !matches.get_flag("values-only"),
        mode: false,
        versions: false,
        json: matches.get_flag("json"),
        options: ReadOptions {
            vocabulary,
            ignore_unmappable: matches.get_flag("ignore-unmappable"),
        },
        notes: false,
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
