//! The command lines of the tools, as clap definitions the binaries parse with and the
//! man pages and shell completions are generated from (so they cannot drift apart).
//!
//! Each tool has a module with `pub fn command() -> clap::Command`; [`all`] lists them.

pub mod cgclassify;
pub mod cgconfigd;
pub mod cgconfigparser;
pub mod cgcreate;
pub mod cgdelete;
pub mod cgexec;
pub mod cgget;
pub mod cgrulesengd;
pub mod cgset;
pub mod cgsnapshot;
pub mod cgxget;
pub mod cgxset;
pub mod lscgroup;
pub mod lssubsys;

/// Every tool's command definition, for generating man pages and completions.
pub fn all() -> Vec<clap::Command> {
    vec![
        cgclassify::command(),
        cgconfigd::command(),
        cgconfigparser::command(),
        cgcreate::command(),
        cgdelete::command(),
        cgexec::command(),
        cgget::command(),
        cgrulesengd::command(),
        cgset::command(),
        cgsnapshot::command(),
        cgxget::command(),
        cgxset::command(),
        lscgroup::command(),
        lssubsys::command(),
    ]
}

/// The manual section of a tool's page: 8 (system administration) for the daemons, 1 for
/// the commands.
pub fn man_section(name: &str) -> &'static str {
    match name {
        "cgconfigd" => cgconfigd::MAN_SECTION,
        "cgrulesengd" => cgrulesengd::MAN_SECTION,
        // An administrator's command in /usr/sbin, section 8 as Debian's cgroup-tools
        // has it (lintian: manual-page-for-system-command).
        "cgconfigparser" => "8",
        _ => "1",
    }
}

/// Sections of a tool's manual page beyond those generated from its options, as
/// (heading, plain-text paragraphs).
pub fn man_extra(name: &str) -> &'static [(&'static str, &'static [&'static str])] {
    match name {
        "cgconfigd" => cgconfigd::MAN_EXTRA,
        "cgrulesengd" => cgrulesengd::MAN_EXTRA,
        _ => &[],
    }
}
