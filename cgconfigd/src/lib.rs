//! cgconfigd: the service that applies `/etc/cgconfig.conf` and `/etc/cgconfig.d/*.conf`
//! at boot and keeps the cgroup tree matching them (`docs/cgconfigd.md`, `cgconfigd(8)`).
//!
//! The binary is thin; the pieces live here so that tests and the benchmark can use them:
//!
//! * [`options`]: the command line, parsed with the clap definition in
//!   `cgtools::tools::cli::cgconfigd` (shared with the man page);
//! * [`config`]: read and check every file with the shared engine, merge them;
//! * [`placement`]: root mode or delegated mode, the daemon's own leaf;
//! * [`record`]: the ownership record, written before the change it describes;
//! * [`reconcile`]: plan, record, apply with undo, settle, remove dropped groups;
//! * [`watch`]: inotify on the files and directories;
//! * [`notify`]: the service manager's readiness protocol;
//! * [`log`]: one line per event, journal priorities under systemd;
//! * [`memory`]: free memory given back after each reload;
//! * [`containers`]: the LXC containers: discovery, autostart, supervision, stop, the
//!   control socket and the client commands (`docs/containers.md`);
//! * [`daemon`]: the run modes and the event loop;
//! * [`rules`]: the daemon side of the rules engine (issue 16), run by the daemon with
//!   `--rules-engine` and, alone, by the `cgrulesengd` binary (`src/bin/cgrulesengd.rs`,
//!   [`options::Options::rules_only`]).

pub mod config;
pub mod containers;
pub mod daemon;
pub mod log;
pub mod memory;
pub mod notify;
pub mod options;
pub mod placement;
pub mod reconcile;
pub mod record;
pub mod rules;
pub mod watch;
