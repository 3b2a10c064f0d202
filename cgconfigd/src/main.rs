//! cgconfigd: applies `/etc/cgconfig.conf` and `/etc/cgconfig.d/*.conf` at boot and keeps
//! the cgroup tree matching them, and starts, supervises and stops the LXC containers of
//! `/var/lib/lxc`; with a command (`ls`, `info`, `start`, `stop`, ...) it is the client of
//! a running daemon. See `cgconfigd(8)`, `docs/cgconfigd.md` and `docs/containers.md`;
//! the work is done in the `cgconfigd` library.

use cgconfigd::options::Options;
use cgtools::tools::cli::cgconfigd::{command, daemon_options_with_command};
use cgtools::tools::cmdline::parse_args;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let matches = match parse_args(command(), std::env::args_os()) {
        Ok(matches) => matches,
        Err(code) => return code,
    };
    if let Some((name, sub)) = matches.subcommand() {
        let misplaced = daemon_options_with_command(&matches);
        if !misplaced.is_empty() {
            eprintln!(
                "cgconfigd: {} cannot be used with the command `{name}` (options of the daemon)\n{}",
                misplaced.join(", "),
                cgtools::tools::cmdline::wrong_input_line("cgconfigd")
            );
            return ExitCode::from(cgtools::tools::cmdline::EXIT_USAGE);
        }
        let state_dir = sub
            .get_one::<PathBuf>("state-dir")
            .cloned()
            .unwrap_or_default();
        return cgconfigd::containers::client::run(name, sub, &state_dir);
    }
    cgconfigd::daemon::run(&Options::from_matches(&matches))
}
