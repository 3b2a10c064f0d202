//! lssubsys: list the controllers' hierarchies.
//!
//! `lssubsys [-a] [-i] [-m|-M] [CONTROLLER]...`: one line per mounted v1 hierarchy (its
//! controllers joined with commas), with `-i` its id, with `-m`/`-M` its mount point(s);
//! `-a` first lists the controllers of hierarchy 0. Works when some controller is
//! mounted nowhere (libcgroup's issue #537 makes its lssubsys exit 82 there). `--json`
//! prints one JSON document. Exit status 0; 129 for a usage error.

use std::process::ExitCode;

use cgtools::backend::discovery::{parse_proc_cgroups, PROC_CGROUPS};
use cgtools::tools::cli::lssubsys::{command, options};
use cgtools::tools::cmdline::{error_text, parse_args};
use cgtools::tools::read::lssubsys::{format_text, json_document, report};
use cgtools::{ErrorKind, Layout};

const TOOL: &str = "lssubsys";

fn main() -> ExitCode {
    let matches = match parse_args(command(), std::env::args_os()) {
        Ok(matches) => matches,
        Err(code) => return code,
    };
    let options = options(&matches);
    // With nothing mounted the kernel's controllers are still worth listing (-a).
    let (hierarchies, known) = match Layout::discover() {
        Ok(layout) => (
            layout.hierarchies().to_vec(),
            layout.known_controllers().to_vec(),
        ),
        Err(e) if matches!(e.kind(), ErrorKind::NoHierarchy) => {
            let text = std::fs::read_to_string(PROC_CGROUPS).unwrap_or_default();
            (Vec::new(), parse_proc_cgroups(&text))
        }
        Err(e) => {
            eprint!("{}", error_text(TOOL, "cannot read controller data", &e));
            return ExitCode::from(e.exit_code());
        }
    };
    let report = report(&hierarchies, &known, &options);
    if matches.get_flag("json") {
        print!("{}", json_document(&report));
    } else {
        print!("{}", format_text(&report, &options));
    }
    for name in &report.unknown {
        let names: Vec<&str> = known.iter().map(|k| k.name.as_str()).collect();
        eprintln!(
            "{TOOL}: warning: the kernel has no controller '{name}' (it has: {})",
            names.join(" ")
        );
    }
    ExitCode::SUCCESS
}
