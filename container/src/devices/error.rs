//! Why device rules could not be read or applied.

use std::path::PathBuf;

use nix::errno::Errno;

use super::rule::Problem;

/// A device rule that does not parse, a device path that is not a device, or a kernel
/// refusal while applying the rules. Every variant names what failed and where; see
/// [`DevicesError::hint`] for what to do.
#[derive(Debug, thiserror::Error)]
pub enum DevicesError {
    /// An entry given to [`super::Rules::parse`] is not a rule LXC accepts.
    #[error("{0}")]
    Rule(Problem),
    /// A `/dev/PATH ACCESS` rule whose path is not a block or character device here.
    #[error("device rule `allow {rule}`: {}: {reason}", path.display())]
    Node {
        /// The rule as written.
        rule: String,
        /// The path.
        path: PathBuf,
        /// Why: the stat error, or what the path is instead.
        reason: String,
    },
    /// Opening the cgroup v2 directory the program is attached to.
    #[error("cannot open the cgroup {}: {errno}", path.display())]
    Open {
        /// The directory.
        path: PathBuf,
        /// The kernel's reason.
        errno: Errno,
    },
    /// A bpf(2) call failed: loading the program, attaching it, listing or detaching the
    /// programs already attached.
    #[error("cannot {op} the cgroup {}: {errno}{}", path.display(),
        log.as_deref().map(|l| format!("\nthe verifier said:\n{l}")).unwrap_or_default())]
    Bpf {
        /// What was being done, as a verb phrase ("attach the device program to").
        op: &'static str,
        /// The cgroup directory.
        path: PathBuf,
        /// The kernel's reason.
        errno: Errno,
        /// The verifier's log, when it refused the program.
        log: Option<String>,
    },
    /// Writing a rule to a cgroup v1 `devices.allow` / `devices.deny` file.
    #[error("device rule `{rule}`: {source}")]
    Write {
        /// The rule, as `allow c 1:3 rwm`.
        rule: String,
        /// The backend's error, which names the file and the kernel's reason.
        source: Box<cgtools::Error>,
    },
    /// The group has no directory where device rules can be applied.
    #[error("the group {group} has no devices controller (cgroup v1) and no cgroup v2 directory")]
    NoHierarchy {
        /// The group.
        group: String,
    },
}

impl DevicesError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            DevicesError::Rule(p) => p.hint.clone(),
            DevicesError::Node { .. } => Some(
                "the path must name a block or character device node on the host, as LXC \
                 reads it when the container starts"
                    .into(),
            ),
            DevicesError::Open { .. } => {
                Some("the container's cgroup must exist before its device rules are applied".into())
            }
            DevicesError::Bpf { errno, .. } => Some(
                match errno {
                    Errno::EPERM | Errno::EACCES => {
                        "loading and attaching a device program needs CAP_SYS_ADMIN (or \
                         CAP_BPF) in the initial user namespace: cgconfigd runs as root"
                    }
                    Errno::EINVAL => {
                        "the kernel must support cgroup device programs \
                         (CONFIG_CGROUP_BPF), and the directory must be in the cgroup v2 \
                         hierarchy"
                    }
                    _ => "see the kernel's reason above",
                }
                .into(),
            ),
            DevicesError::Write { source, .. } => source.hint().map(str::to_string),
            DevicesError::NoHierarchy { .. } => Some(
                "create the container's group with the `devices` controller on a cgroup v1 \
                 host, or in the cgroup v2 hierarchy"
                    .into(),
            ),
        }
    }
}
