//! cgset: set the parameters of control groups.
//!
//! `cgset [-R] -r NAME=VALUE... GROUP...` or `cgset [-R] --copy-from SOURCE GROUP...`:
//! see [`cgtools::tools::cli::cgset::run`] for the checks and messages and
//! [`cgtools::backend::set`] for what is written where, in which order, and how names of
//! the other cgroup version are translated.

use std::process::ExitCode;

fn main() -> ExitCode {
    cgtools::tools::cli::cgset::run(
        cgtools::tools::cli::cgset::command(),
        std::env::args_os().collect(),
    )
}
