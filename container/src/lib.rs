//! cgtools-container: starts, enters and stops containers configured the LXC way
//! (`/var/lib/lxc/<name>/config`), each in a cgroup made by the same backend as the tools.
//!
//! The launch is one concern per module, in the order a start runs them (see
//! `docs/containers.md` once written, and `docs/architecture.md`):
//!
//! * `spec`: an LXC config (loaded by `grammar::lxc`) becomes a checked launch spec; every
//!   key that narrows what a container may do is honoured or refused with its location.
//! * `launch`: clone3 with the namespaces and `CLONE_INTO_CGROUP`, id maps written by the
//!   parent, a sync pipe that holds the child until its cgroup and limits are in place.
//! * `rootfs`: `lxc.mount.auto`, entries and fstab, autodev, pivot_root.
//! * `caps`, `seccomp`, `devices`: the isolation LXC applies (bounding set and the rest,
//!   LXC's seccomp policy compiled to BPF, the cgroup device program or v1 device files).
//! * `console`, `attach`: a pty for `cgconfigd console`, setns for `cgconfigd attach`.
//! * `net`: rtnetlink for container networking (veth, bridge, macvlan, VLAN, addresses,
//!   routes, counters), a socket per network namespace.
//! * `sys`: the syscall seam; a recording fake lets unit tests check the order of a launch
//!   without a kernel.
//!
//! cgconfigd discovers the container directories, creates the groups, calls the launcher,
//! supervises what it started and serves the client commands.

pub mod attach;
pub mod caps;
pub mod child;
pub mod console;
pub mod devices;
pub mod isolation;
pub mod launch;
pub mod net;
pub mod network;
pub mod plan;
pub mod rootfs;
pub mod seccomp;
pub mod spec;
pub mod sys;

pub use launch::{start, LaunchError, Launcher, Started};
pub use spec::{check, Context, Spec};
