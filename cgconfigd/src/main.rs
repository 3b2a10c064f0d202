//! cgconfigd: applies `/etc/cgconfig.conf` and `/etc/cgconfig.d/*.conf` at boot and keeps
//! the cgroup tree matching them. See `cgconfigd(8)` and `docs/cgconfigd.md`; the work is
//! done in the `cgconfigd` library.

use cgconfigd::options::Options;
use cgtools::tools::cli::cgconfigd::command;
use cgtools::tools::cmdline::parse_args;
use std::process::ExitCode;

fn main() -> ExitCode {
    let matches = match parse_args(command(), std::env::args_os()) {
        Ok(matches) => matches,
        Err(code) => return code,
    };
    cgconfigd::daemon::run(&Options::from_matches(&matches))
}
