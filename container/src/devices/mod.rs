//! The devices a container may use: `lxc.cgroup2.devices.allow` / `.deny` (and the cgroup
//! v1 keys `lxc.cgroup.devices.allow` / `.deny`) read as LXC reads them, and applied to the
//! container's cgroup as LXC applies them.
//!
//! * **Rules** ([`Rules::parse`], [`Rules::from_config`]): `a`, `TYPE MAJOR:MINOR ACCESS`
//!   or, for allow, `/dev/PATH ACCESS`, with LXC's syntax (`rule`); a refused value says
//!   which entry, which character and why.
//! * **cgroup v2** ([`Target::Unified`], or a [`Target::Group`] on a host without the v1
//!   devices controller): the kernel has no device controller there, so LXC emulates one
//!   with a `BPF_PROG_TYPE_CGROUP_DEVICE` program attached to the container's cgroup.
//!   `policy` is LXC's list (allow-list or deny-list mode set by the last `a`, which also
//!   empties the list; a later rule with the same device and access text replaces an
//!   earlier one), `program` the very instructions LXC generates for it, `bpf` the system
//!   calls. The program is attached with `BPF_F_ALLOW_MULTI`, as LXC does: a nested
//!   container may narrow its devices further, never widen them.
//! * **cgroup v1** ([`Target::Legacy`], or a [`Target::Group`] whose devices controller is
//!   on v1): every rule is written, in the order given, to the group's `devices.allow` or
//!   `devices.deny` through the cgtools backend (`legacy`), and the kernel's exception
//!   list decides (`Documentation/admin-guide/cgroup-v1/devices.rst`).
//!
//! Which keys apply where is LXC's choice, which the launcher makes: on a host whose
//! devices controller is on v1 (legacy and hybrid) LXC applies `lxc.cgroup.devices.*` to
//! the v1 files and ignores `lxc.cgroup2.*`; on a pure v2 host it builds the program from
//! `lxc.cgroup2.devices.*` and ignores `lxc.cgroup.*`.
//!
//! **Lifetime.** An attached program belongs to the cgroup, not to a process or a
//! descriptor: it stays in force after [`Applied`] is dropped and after cgconfigd exits or
//! restarts (re-adopting a running container needs nothing for its devices), and the
//! kernel frees it when the cgroup is removed at the container's stop. A start that finds
//! device programs attached to the container's own group (a group kept from an earlier
//! run) attaches the new program first and then detaches those, so that the group is never
//! without one and a changed config takes effect (with no program to attach, it only
//! detaches them); programs of the ancestors are never touched. [`Applied::detach`] takes
//! the program off again (a start that fails after the rules were applied, if it keeps
//! the group).

mod bpf;
mod error;
mod legacy;
mod policy;
mod program;
mod rule;
#[cfg(test)]
mod tests;

use std::fmt;
use std::fs::OpenOptions;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use cgtools::{Cgroup, Group, Version};
use grammar::lxc::{FileDiagnostic, Loaded};
use grammar::{Diagnostic, Span};
use nix::errno::Errno;
use nix::libc;

pub use error::DevicesError;
pub use rule::{Access, DeviceType, Kind, Pattern, Problem, Rule};

use policy::{Policy, Resolved};

/// The device rules of a container, in the order written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rules {
    entries: Vec<(Kind, Rule)>,
    warnings: Vec<Problem>,
}

/// Which LXC keys [`Rules::from_config`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    /// `lxc.cgroup2.devices.allow` / `.deny`: the BPF program on cgroup v2.
    Cgroup2,
    /// `lxc.cgroup.devices.allow` / `.deny`: the v1 controller's files.
    Cgroup1,
}

impl Keys {
    /// The allow and deny keys.
    pub fn names(self) -> [&'static str; 2] {
        match self {
            Keys::Cgroup2 => ["lxc.cgroup2.devices.allow", "lxc.cgroup2.devices.deny"],
            Keys::Cgroup1 => ["lxc.cgroup.devices.allow", "lxc.cgroup.devices.deny"],
        }
    }
}

impl Rules {
    /// Reads `entries` (allow or deny, and the value), in the order the config gives them.
    /// The first entry LXC would refuse is the error ([`DevicesError::Rule`], whose
    /// [`Problem`] gives the entry's index and the bytes of its value at fault); text LXC
    /// ignores is accepted with a warning ([`Rules::warnings`]). Device paths are read
    /// later, by [`Rules::apply`], as LXC reads them at start.
    pub fn parse(entries: &[(Kind, &str)]) -> Result<Rules, DevicesError> {
        let mut rules = Rules::default();
        for (index, (kind, value)) in entries.iter().enumerate() {
            let parsed = rule::parse(index, *kind, value).map_err(DevicesError::Rule)?;
            rules.entries.push((*kind, parsed.rule));
            rules.warnings.extend(parsed.warnings);
        }
        Ok(rules)
    }

    /// The rules of a loaded LXC config: the values in force of the two keys of `keys`, in
    /// config order (an empty value has already reset its key, see
    /// [`grammar::lxc::Loaded::live`]). Every refused value is reported, at its file, line
    /// and column, ready for [`Loaded::render`]; the warnings are also located, see
    /// [`Rules::from_config_with_warnings`].
    pub fn from_config(loaded: &Loaded, keys: Keys) -> Result<Rules, Vec<FileDiagnostic>> {
        Rules::from_config_with_warnings(loaded, keys).map(|(rules, _)| rules)
    }

    /// [`Rules::from_config`], with the warnings about the values located too.
    pub fn from_config_with_warnings(
        loaded: &Loaded,
        keys: Keys,
    ) -> Result<(Rules, Vec<FileDiagnostic>), Vec<FileDiagnostic>> {
        let [allow, deny] = keys.names();
        let entries: Vec<_> = loaded
            .live()
            .into_iter()
            .filter_map(|e| {
                let key = e.entry.key.value.as_str();
                let kind = if key == allow {
                    Kind::Allow
                } else if key == deny {
                    Kind::Deny
                } else {
                    return None;
                };
                Some((kind, e))
            })
            .collect();
        let locate = |p: &Problem, error: bool| {
            let e = entries[p.index].1;
            let start = e.entry.value.span.start;
            let span = Span::new(start + p.span.start, start + p.span.end);
            let key = &e.entry.key.value;
            let message = format!("`{key}`: {}", p.message);
            let mut d = if error {
                Diagnostic::error(span, message)
            } else {
                Diagnostic::warning(span, message)
            };
            d.hint.clone_from(&p.hint);
            FileDiagnostic {
                file: e.file,
                diagnostic: d,
            }
        };
        let mut rules = Rules::default();
        let mut errors = Vec::new();
        for (index, (kind, e)) in entries.iter().enumerate() {
            match rule::parse(index, *kind, &e.entry.value.value) {
                Ok(parsed) => {
                    rules.entries.push((*kind, parsed.rule));
                    rules.warnings.extend(parsed.warnings);
                }
                Err(p) => errors.push(locate(&p, true)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let warnings = rules.warnings.iter().map(|p| locate(p, false)).collect();
        Ok((rules, warnings))
    }

    /// No rule at all: applying them changes nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The rules, in order.
    pub fn entries(&self) -> &[(Kind, Rule)] {
        &self.entries
    }

    /// Text of the entries that LXC ignores (access letters past the third, words after
    /// a device path's access), by entry.
    pub fn warnings(&self) -> &[Problem] {
        &self.warnings
    }

    /// Applies the rules to the container's cgroup (module docs): on v2 the device program
    /// is loaded and attached, replacing the device programs attached to this group
    /// before; on v1 each rule is written to `devices.allow` or `devices.deny`. With no
    /// rules nothing is restricted, as in LXC; on v2 neither when they allow every device.
    /// Call it at every start, after the group exists and before the container's first
    /// process runs, even with no rules: on v2 it also takes off the device programs an
    /// earlier start left on the group.
    pub fn apply(&self, target: &Target<'_>) -> Result<Applied, DevicesError> {
        match target {
            Target::Unified { dir, path } => self.apply_unified(*dir, path),
            Target::Legacy(cgroup) => legacy::apply(self, cgroup),
            Target::Group(group) => {
                let cgroups = group.cgroups();
                let devices_v1 = cgroups.iter().find(|c| {
                    c.hierarchy().version() == Version::V1
                        && c.hierarchy().has_controller("devices")
                });
                if let Some(cgroup) = devices_v1 {
                    return legacy::apply(self, cgroup);
                }
                let Some(cgroup) = cgroups
                    .iter()
                    .find(|c| c.hierarchy().version() == Version::V2)
                else {
                    return Err(DevicesError::NoHierarchy {
                        group: group.path().to_string(),
                    });
                };
                let path = cgroup.dir_path();
                let dir = open_cgroup_dir(&path)?;
                self.apply_unified(dir.as_fd(), &path)
            }
        }
    }

    /// The list LXC builds from the rules, device paths read.
    fn policy(&self) -> Result<Policy, DevicesError> {
        let mut resolved = Vec::with_capacity(self.entries.len());
        for (kind, rule) in &self.entries {
            resolved.push((*kind, resolve(rule)?));
        }
        Ok(Policy::build(resolved))
    }

    fn apply_unified(&self, dir: BorrowedFd<'_>, path: &Path) -> Result<Applied, DevicesError> {
        let fail = |op: &'static str, errno: Errno, log: Option<String>| DevicesError::Bpf {
            op,
            path: path.to_path_buf(),
            errno,
            log,
        };
        // Device paths first: a missing node fails before anything changes.
        let policy = self.policy()?;
        if self.is_empty() || policy.allows_everything() {
            // No program, and none left from an earlier start. A kernel that cannot list
            // them has none: nothing to do, as LXC does nothing.
            let before = bpf::attached(dir).unwrap_or_default();
            for old in &before {
                bpf::detach_id(dir, *old)
                    .map_err(|e| fail("detach an earlier device program from", e, None))?;
            }
            return Ok(Applied {
                replaced: before.len(),
                ..Applied::nothing()
            });
        }
        let insns = program::generate(&policy);
        let prog = bpf::load(&insns)
            .map_err(|(errno, log)| fail("load the device program for", errno, log))?;
        let before = bpf::attached(dir)
            .map_err(|e| fail("list the device programs attached to", e, None))?;
        bpf::attach(dir, prog.as_fd())
            .map_err(|e| fail("attach the device program to", e, None))?;
        let cgroup = dir
            .try_clone_to_owned()
            .map_err(|e| fail("keep a descriptor of", io_errno(&e), None))?;
        let id = bpf::prog_id(prog.as_fd()).ok();
        let attached = Attached {
            prog,
            cgroup,
            path: path.to_path_buf(),
            id,
            instructions: insns.len(),
        };
        for old in &before {
            if Some(*old) == id {
                continue;
            }
            if let Err(errno) = bpf::detach_id(attached.cgroup.as_fd(), *old) {
                // A failed start: take the new program off again (best effort; were it to
                // stay, access would only be narrower, as every attached program must
                // allow it).
                let _ = attached.detach();
                return Err(fail("detach an earlier device program from", errno, None));
            }
        }
        Ok(Applied {
            how: How::Program(attached),
            replaced: before.len(),
            lines: 0,
            warnings: Vec::new(),
        })
    }
}

/// Where the rules go.
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    /// The container's group: the v1 hierarchy of its `devices` controller when it has
    /// one (the files), else its directory in the v2 hierarchy (the program).
    Group(&'a Group<'a>),
    /// A cgroup v2 directory, opened by the caller (the descriptor clone3 takes for
    /// `CLONE_INTO_CGROUP` will do; an `O_PATH` one will not, see [`open_cgroup_dir`]),
    /// and its path for messages: the program.
    Unified {
        /// The open directory.
        dir: BorrowedFd<'a>,
        /// Its path.
        path: &'a Path,
    },
    /// A group in the v1 hierarchy of the `devices` controller: the files.
    Legacy(&'a Cgroup<'a>),
}

/// Opens a cgroup v2 directory as bpf(2) and clone3 take it: read-only, close-on-exec.
pub fn open_cgroup_dir(path: &Path) -> Result<OwnedFd, DevicesError> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC | libc::O_NOFOLLOW)
        .open(path)
        .map(OwnedFd::from)
        .map_err(|e| DevicesError::Open {
            path: path.to_path_buf(),
            errno: io_errno(&e),
        })
}

fn io_errno(e: &std::io::Error) -> Errno {
    Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))
}

/// A rule with its device path read (LXC's `device_cgroup_rule_parse_devpath`: `stat`,
/// then the node's type and numbers).
fn resolve(rule: &Rule) -> Result<Resolved, DevicesError> {
    Ok(match rule {
        Rule::Everything => Resolved::Everything,
        Rule::Devices(p) => Resolved::Devices(p.clone()),
        Rule::Node { path, access } => {
            let fail = |reason: String| DevicesError::Node {
                rule: format!("{} {}", path.display(), access.as_str()),
                path: path.clone(),
                reason,
            };
            let meta = std::fs::metadata(path).map_err(|e| fail(io_errno(&e).desc().into()))?;
            let ty = if meta.file_type().is_char_device() {
                DeviceType::Char
            } else if meta.file_type().is_block_device() {
                DeviceType::Block
            } else {
                return Err(fail("not a block or character device".into()));
            };
            let rdev = meta.rdev();
            let number = |n: u64| {
                u32::try_from(n)
                    .ok()
                    .filter(|n| *n <= i32::MAX as u32)
                    .ok_or_else(|| fail(format!("device number {n} is out of range")))
            };
            Resolved::Devices(Pattern {
                ty,
                major: Some(number(nix::sys::stat::major(rdev))?),
                minor: Some(number(nix::sys::stat::minor(rdev))?),
                access: access.clone(),
            })
        }
    })
}

/// What [`Rules::apply`] did; keep it for the container's life to be able to take the
/// program off ([`Applied::detach`]). Dropping it changes nothing: the kernel keeps an
/// attached program until the cgroup is removed.
#[derive(Debug)]
pub struct Applied {
    how: How,
    /// Device programs of an earlier start that the new one replaced.
    replaced: usize,
    /// Lines written to the v1 files.
    lines: usize,
    warnings: Vec<String>,
}

#[derive(Debug)]
enum How {
    Nothing,
    Program(Attached),
    Files(PathBuf),
}

#[derive(Debug)]
struct Attached {
    prog: OwnedFd,
    cgroup: OwnedFd,
    path: PathBuf,
    id: Option<u32>,
    instructions: usize,
}

impl Attached {
    fn detach(&self) -> Result<(), DevicesError> {
        bpf::detach(self.cgroup.as_fd(), self.prog.as_fd()).map_err(|errno| DevicesError::Bpf {
            op: "detach the device program from",
            path: self.path.clone(),
            errno,
            log: None,
        })
    }
}

impl Applied {
    fn nothing() -> Applied {
        Applied {
            how: How::Nothing,
            replaced: 0,
            lines: 0,
            warnings: Vec::new(),
        }
    }

    /// Whether anything restricts the container's devices now.
    pub fn restricts(&self) -> bool {
        !matches!(self.how, How::Nothing)
    }

    /// The kernel's id of the attached program (`bpftool prog show id N`), on cgroup v2.
    pub fn program_id(&self) -> Option<u32> {
        match &self.how {
            How::Program(a) => a.id,
            _ => None,
        }
    }

    /// What went differently than asked without weakening the rules: on v1, allow rules
    /// the kernel refused with EPERM because the parent group does not allow the device
    /// (LXC warns and goes on too; the device stays denied).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Takes the program off the cgroup (cgroup v2). On v1, and when nothing was attached,
    /// there is nothing to undo: the group's removal takes its rules with it.
    pub fn detach(self) -> Result<(), DevicesError> {
        match &self.how {
            How::Program(a) => a.detach(),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Applied {
    /// One line for the log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.how {
            How::Nothing if self.replaced > 0 => write!(
                f,
                "no device restriction (removed {} device program(s) of an earlier start)",
                self.replaced
            ),
            How::Nothing => write!(f, "no device restriction"),
            How::Program(a) => {
                write!(
                    f,
                    "device program of {} instructions attached to {}",
                    a.instructions,
                    a.path.display()
                )?;
                if let Some(id) = a.id {
                    write!(f, " (id {id})")?;
                }
                if self.replaced > 0 {
                    write!(f, ", replacing {} from an earlier start", self.replaced)?;
                }
                Ok(())
            }
            How::Files(dir) => write!(
                f,
                "{} device rules written to {}",
                self.lines,
                dir.display()
            ),
        }
    }
}
