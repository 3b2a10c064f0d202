//! cgxset: set the parameters of control groups, with the names and values written in the
//! vocabulary of the cgroup version given by `-1`/`--v1` or `-2`/`--v2` and converted to
//! what the host runs; `-i` leaves out parameters that have no counterpart. Without `-1`
//! or `-2` it is cgset. See [`cgtools::tools::cli::cgset::run`] and
//! [`cgtools::backend::set`].

use std::process::ExitCode;

fn main() -> ExitCode {
    cgtools::tools::cli::cgset::run(
        cgtools::tools::cli::cgxset::command(),
        std::env::args_os().collect(),
    )
}
