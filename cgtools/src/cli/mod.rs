//! The command lines of the tools, as clap definitions the binaries parse with and the
//! man pages and shell completions are generated from (so they cannot drift apart).
//!
//! Each tool has a module with `pub fn command() -> clap::Command`; [`all`] lists them.

pub mod cgconfigparser;
pub mod cgget;
pub mod cgxget;
pub mod lscgroup;
pub mod lssubsys;

/// Every tool's command definition, for generating man pages and completions.
pub fn all() -> Vec<clap::Command> {
    vec![
        cgconfigparser::command(),
        cgget::command(),
        cgxget::command(),
        lscgroup::command(),
        lssubsys::command(),
    ]
}
