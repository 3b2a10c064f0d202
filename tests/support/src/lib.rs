//! What every real-kernel test suite of the workspace shares (`cgtools/tests/kernel_*.rs`,
//! `cgconfigd/tests/kernel_daemon.rs`, `tests/tests/kernel_*.rs`), so that each rule below
//! is written once:
//!
//! * [`Host`]: the host's cgroup layout read from the raw kernel files
//!   (`/proc/self/mountinfo`, `/proc/cgroups`, the v2 root's `cgroup.controllers`): its
//!   [`Mode`], where each controller is mounted, what the v2 root offers and enables. It
//!   does not use cgtools, so what a test expects of the host never comes from the code
//!   under test; a suite that tests the library compares the library's discovery with it
//!   ([`Host::assert_discovered`]), and a library error is a failure, never a skip.
//! * [`Skip`] and the [`skip!`], [`skip_v1_only!`] and [`need!`] macros: a test that cannot
//!   run here says why on stdout (libtest hides what passing tests print through
//!   `println!`) and in the skip log named by `CGTOOLS_SKIP_LOG`, so that skips are counted
//!   (`scripts/test.sh` prints them after `cargo test`, the VM lane in its result line). In
//!   the pure cgroup v2 VM lane (`CGTOOLS_TEST_LANE=vm`) a skip is a failure, unless the
//!   test says it needs cgroup v1 ([`skip_v1_only!`]), which that VM does not have.
//! * [`TestGroups`]: a unique top-level group name in every hierarchy, removed with
//!   everything under it on drop (tasks moved to the hierarchy's root first), with plain
//!   `std::fs` calls so that a bug of the tools cannot stop the cleanup; a test touches no
//!   other group.
//! * [`Spawned`]: processes a test spawned, killed and reaped on drop; the only processes a
//!   test may move or kill.
//! * [`bin`], [`run`], [`Outcome`]: the workspace's binaries, run as a user runs them.
//! * [`Daemon`]: a cgconfigd started by a test, its notify messages and log collected.
//! * [`busybox_rootfs`]: a container's root filesystem made of busybox-static.
//! * [`rules`]: what the rules engine's suites share (programs with names of their own,
//!   processes reaped on drop, waiting for a process to reach its group).

// Test support: a fixture that cannot be set up, or a skip that cannot be counted, must
// stop the test loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod daemon;
mod groups;
mod host;
mod process;
mod rootfs;
pub mod rules;
mod skip;
mod tool;

pub use daemon::{status_of, Daemon, DaemonCommand};
pub use groups::{dirs_below, TestGroups};
pub use host::{Controller, Host, Mode, Mount, V2_CONTROLLERS};
pub use process::{threads_of, Spawned};
pub use rootfs::busybox_rootfs;
pub use skip::{in_vm, Skip, LANE_ENV, LOG_ENV};
pub use tool::{bin, iproute2, repo_root, run, run_in, Outcome};
