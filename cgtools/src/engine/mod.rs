//! The apply engine: from a cgconfig.conf syntax tree to a live tree that matches it, or
//! to the system as it was.
//!
//! It owns the list of files a run reads ([`config_files`]), loading and checking a file
//! against the host with every problem located in the text ([`check`], with user and
//! group names looked up through [`accounts`]), the desired state that file asks for
//! ([`desired`]), the plan that would make the live tree equal to it ([`plan`]), applying
//! a plan with an exact undo log ([`apply`]) and the reverse direction, the live tree as
//! a configuration ([`snapshot`]). cgconfigparser, cgconfigd and the rules' templates all
//! go through it.
//!
//! It may depend on the backend ([`crate::backend`]) and on the `grammar` crate, and on
//! nothing else of this crate: not on the rules or the tools (`cgtools/tests/layers.rs`
//! checks). `docs/apply.md` explains the stages; `docs/architecture.md` the layers.

pub mod accounts;
pub mod apply;
pub mod check;
pub mod config_files;
pub mod desired;
pub mod plan;
pub mod snapshot;
