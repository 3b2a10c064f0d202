//! Classification by cgrules.conf: which group a process belongs in, and the client side
//! of the rules daemon's socket.
//!
//! It owns matching processes against compiled rules and creating a destination group
//! from its cgconfig.conf template ([`classify`]), and the `cgred` protocol by which
//! cgexec and cgclassify ask the daemon to leave a process where they put it
//! ([`cgred`]). Which rules files exist and in which order they are read is one lister
//! ([`files`]) for both. The compiled rule index ([`index`]) of the live rules engine is here too; the
//! daemon side (process-event listener, socket server, sticky table, rescans) lives in
//! the cgconfigd crate, which also builds `cgrulesengd` (`docs/architecture.md`).
//!
//! It may depend on the engine ([`crate::engine`], to create a group from a template),
//! the backend ([`crate::backend`]) and the `grammar` crate, and not on the tools
//! (`cgtools/tests/layers.rs` checks).

pub mod cgred;
pub mod classify;
pub mod files;
pub mod index;
