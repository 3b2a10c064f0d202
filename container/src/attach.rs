//! Running a command inside a running container (`cgconfigd attach NAME [-- CMD]`), as
//! `lxc-attach` does (`src/lxc/attach.c`): a process is cloned into the container's group
//! (`CLONE_INTO_CGROUP`, the parent writes the v1 hierarchies), joins the namespaces of
//! the container's init through its pidfd in one `setns`, becomes root of the container's
//! user namespace, forks (a pid namespace takes only new children), and the child takes
//! the container's limits — the capability bounding set of `lxc.cap.drop`/`keep`,
//! `lxc.no_new_privs`, the AppArmor profile, the seccomp filter — before it executes the
//! command. The intermediate process waits for it and exits with its status. The steps
//! are [`crate::plan::attach_plan`]; the parent's side is [`Launcher::spawn_attach`].
//!
//! What the caller decides ([`Options`]): the command, the whole environment (lxc-attach's
//! `--clear-env`/`--keep-env`, `container=lxc` added), the directory to start in, and a
//! terminal. As lxc-attach does when one of its standard descriptors is a terminal, the
//! caller gives a new pty's slave, which replaces the standard descriptors that were
//! terminals and becomes the command's controlling terminal: the caller's own terminal
//! never enters the container, where a process could push input into it (TIOCSTI) or keep
//! it open after the command ends. The caller relays between its terminal and the master.

use crate::isolation::Builtin;
use crate::launch::{LaunchError, Launcher};
use crate::plan::Planned;
use crate::spec::Spec;
use crate::sys::Sys;
use cgtools::{Cgroups, Group};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// How the command runs.
#[derive(Debug, Default)]
pub struct Options {
    /// The command and its arguments; empty: `/bin/sh`. A name without `/` is looked up
    /// in the environment's `PATH`.
    pub argv: Vec<String>,
    /// The environment (`NAME=VALUE`), on top of `container=lxc` and a default `PATH`.
    pub env: Vec<String>,
    /// The directory to start in if the container has it (else `/`), as lxc-attach
    /// starts in the caller's directory.
    pub cwd: Option<String>,
    /// The command's terminal.
    pub terminal: Option<Terminal>,
}

/// A terminal for the command: a pty's slave (the caller keeps the master).
#[derive(Debug)]
pub struct Terminal {
    /// The slave.
    pub slave: OwnedFd,
    /// Which of stdin, stdout and stderr it replaces (those of the caller that are
    /// terminals).
    pub which: [bool; 3],
}

/// An attached command that runs: the intermediate process (in the container's
/// namespaces, outside its pid namespace) waits for it and exits with its status.
pub struct Attached<'a> {
    pub(crate) sys: &'a dyn Sys,
    /// The intermediate process's pid.
    pub pid: i32,
    /// Its pidfd: readable once the command has ended (and the intermediate with it).
    pub pidfd: OwnedFd,
    pub(crate) report: OwnedFd,
    pub(crate) plan: Vec<Planned>,
}

impl std::fmt::Debug for Attached<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attached")
            .field("pid", &self.pid)
            .field("pidfd", &self.pidfd)
            .finish_non_exhaustive()
    }
}

impl Attached<'_> {
    /// Waits for the command: its exit status (128 + the signal that killed it), or why it
    /// could not be run ([`LaunchError::Command`] when its exec failed).
    pub fn wait(self) -> Result<i32, LaunchError> {
        let report = self.sys.read_report(self.report.as_fd(), -1);
        let status = self
            .sys
            .wait_status(self.pid)
            .map_err(|error| LaunchError::Parent {
                what: "waiting for the attached command".into(),
                error,
            })?;
        match report {
            Ok(None) => Ok(status),
            Ok(Some((index, errno))) => {
                let planned = self.plan.get(index as usize);
                let what = planned.map_or_else(|| format!("step {index}"), |p| p.what.clone());
                match planned.map(|p| &p.step) {
                    Some(crate::plan::Step::Exec { .. }) => {
                        Err(LaunchError::Command { what, errno })
                    }
                    _ => Err(LaunchError::Child { what, errno }),
                }
            }
            Err(error) => Err(LaunchError::Parent {
                what: "reading the attached process's report".into(),
                error,
            }),
        }
    }
}

/// Runs `command` (default `/bin/sh`) in the container whose init is `pidfd`, in `group`,
/// with the caller's stdio and the environment cleared but `container=lxc`, a default
/// PATH and `env`; returns the command's exit status.
pub fn attach(
    spec: &Spec,
    cgroups: &Cgroups,
    group: &Group<'_>,
    pidfd: BorrowedFd<'_>,
    command: &[String],
    env: &[String],
) -> Result<i32, LaunchError> {
    let options = Options {
        argv: command.to_vec(),
        env: env.to_vec(),
        ..Options::default()
    };
    spawn(spec, cgroups, group, pidfd, options)?.wait()
}

/// Starts the command of `options` in the container whose init is `pidfd`, in `group`,
/// and returns at once: [`Attached::wait`] waits for it (once its pidfd is readable, it
/// does not block).
pub fn spawn(
    spec: &Spec,
    cgroups: &Cgroups,
    group: &Group<'_>,
    pidfd: BorrowedFd<'_>,
    options: Options,
) -> Result<Attached<'static>, LaunchError> {
    static BUILTIN: Builtin = Builtin;
    Launcher::new(cgroups, &BUILTIN).spawn_attach(spec, group, pidfd, options)
}
