//! lscgroup: list cgroups as `controllers:/path`, one per line.
//!
//! `lscgroup [[-g] CONTROLLERS:PATH]...`: without a spec every hierarchy from its root,
//! with specs each hierarchy of the named controllers from PATH; pre-order, children
//! sorted. `--json` prints one JSON document. Exit status: 0, also when a group does not
//! exist (a note on stderr); 93 when a controller is mounted nowhere; 129 for a usage
//! error. The remaining specs are still listed after a failure.

use std::process::ExitCode;

use cgtools::tools::cli::cgget::NO_SYSTEMD_BASE;
use cgtools::tools::cli::lscgroup::{command, specs};
use cgtools::tools::cmdline::{error_text, parse_args, usage_error};
use cgtools::tools::read::lscgroup::{format_text, json_document, list_all, list_spec, Report};
use cgtools::Cgroups;

const TOOL: &str = "lscgroup";

fn main() -> ExitCode {
    let matches = match parse_args(command(), std::env::args_os()) {
        Ok(matches) => matches,
        Err(code) => return code,
    };
    if matches.get_flag("ignore-systemd-base") {
        return usage_error(command(), NO_SYSTEMD_BASE);
    }
    let cg = match Cgroups::discover() {
        Ok(cg) => cg,
        Err(e) => {
            eprint!("{}", error_text(TOOL, "cgroups can't be listed", &e));
            return ExitCode::from(e.exit_code());
        }
    };
    let specs = specs(&matches);
    let mut report = Report::default();
    if specs.is_empty() {
        report = list_all(&cg);
    } else {
        for spec in &specs {
            let one = list_spec(&cg, spec);
            report.listings.extend(one.listings);
            report.errors.extend(one.errors);
            report.notes.extend(one.notes);
        }
    }
    if matches.get_flag("json") {
        print!("{}", json_document(&report.listings));
    } else {
        print!("{}", format_text(&report.listings));
    }
    for note in &report.notes {
        eprintln!("{TOOL}: note: {note}");
    }
    for error in &report.errors {
        eprint!("{}", error.text(TOOL));
    }
    match report.errors.first() {
        Some(error) => ExitCode::from(error.exit_code()),
        None => ExitCode::SUCCESS,
    }
}
