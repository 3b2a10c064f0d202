//! The daemon side of the rules engine (issue 16, `docs/rules.md`).
//!
//! When it is complete, cgconfigd (and `cgrulesengd`, a second binary of this crate) will
//! classify every process by cgrules.conf as it starts: a listener for the kernel's
//! process events, the compiled rules of `cgtools::rules` deciding where each process
//! goes, a rescan of `/proc` at start, after a reload and after lost events, the `cgred`
//! socket server and its table of sticky processes.
//!
//! What exists so far:
//!
//! * [`connector`]: the proc connector listener (exec, uid, gid, fork and exit events,
//!   overrun detection) and the `/proc` scan that recovers from an overrun.
//! * [`engine`]: the engine in cgconfigd's loop (`--rules-engine`): rules loaded and
//!   reloaded, events classified, processes moved, rescans.
//! * [`sticky`]: the table of processes the engine must leave where they are, and
//!   [`cgred_server`]: the libcgroup-compatible unix socket (`/run/cgred.socket`,
//!   `--cgred-socket`) through which cgexec and cgclassify fill it; both served in
//!   cgconfigd's loop beside the connector (`daemon.rs`, `RulesEngine`), the table passed
//!   to the engine's `handle`, `rescan` and `classify_pid`.

pub mod cgred_server;
pub mod connector;
pub mod engine;
pub mod sticky;
