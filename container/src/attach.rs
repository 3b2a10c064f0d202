//! Running a command inside a running container (`cgconfigd attach NAME [-- CMD]`), as
//! `lxc-attach --clear-env` does (`src/lxc/attach.c`): a process is cloned into the
//! container's group (`CLONE_INTO_CGROUP`, the parent writes the v1 hierarchies), joins
//! every namespace of the container's init through its pidfd in one `setns`, becomes root
//! of the container's user namespace, forks (a pid namespace takes only new children),
//! and the child takes the container's limits — the capability bounding set of
//! `lxc.cap.drop`/`keep`, `lxc.no_new_privs`, the seccomp filter, the AppArmor profile —
//! before it executes the command with the environment cleared but `container=lxc` and a
//! default PATH. The intermediate process waits for it and exits with its status. The
//! steps are [`crate::plan::attach_plan`]; the parent's side is [`Launcher::attach`].

use crate::isolation::Builtin;
use crate::launch::{LaunchError, Launcher};
use crate::spec::Spec;
use cgtools::{Cgroups, Group};
use std::os::fd::BorrowedFd;

/// Runs `command` (default `/bin/sh`) in the container whose init is `pidfd`, in `group`,
/// with the caller's stdio; returns the command's exit status.
pub fn attach(
    spec: &Spec,
    cgroups: &Cgroups,
    group: &Group<'_>,
    pidfd: BorrowedFd<'_>,
    command: &[String],
    env: &[String],
) -> Result<i32, LaunchError> {
    Launcher::new(cgroups, &Builtin).attach(spec, group, pidfd, command, env)
}
