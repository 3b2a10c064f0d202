//! `lxc.seccomp.profile`: an LXC seccomp policy compiled to a BPF filter for this host and
//! installed in the container's init, as LXC does with libseccomp, without a C library.
//!
//! ```text
//! Filter::from_file(path)   read (grammar::seccomp), resolve for the host (compile.rs),
//!                           generate the program (bpf.rs); errors are file:line:col
//! filter.install()          in the child, after no_new_privs or while it still has
//!                           CAP_SYS_ADMIN (install.rs)
//! ```
//!
//! What the filter decides for a call: the strongest action among the rules of its syscall
//! whose conditions hold (kill, then trap, then errno, then allow; the first written
//! among equals), else the policy's default; calls of an ABI the policy does not cover (x32,
//! and 32-bit calls under a version 1 policy) kill the thread, as libseccomp's default
//! does. [`Filter::decide`] answers the same question without the kernel.
//!
//! Where this differs from LXC is listed in `docs/compat.md` ("LXC seccomp policies"):
//! the grammar refuses what LXC would misread, the compiler refuses `notify`, an unknown
//! syscall in a rule stricter than the default, and anything that would not fit in one
//! kernel filter; x32 calls are killed; the filter is installed even when the daemon runs
//! under a seccomp filter of its own (LXC then silently skips the container's).

mod bpf;
mod compile;
mod install;
mod tables;

pub use bpf::{Insn, SeccompData};
pub use compile::HostArch;
pub use tables::Abi;

use grammar::diagnostic::render_all;
use grammar::seccomp;
use grammar::source::{ReadError, SourceFile};
use grammar::Diagnostic;
use std::path::Path;

/// A seccomp policy that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SeccompError {
    /// The policy file could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The policy has errors: each is rendered `file:line:col: error: ...` with the line,
    /// a caret and a hint.
    #[error("{}", render_all(.diagnostics, .file).trim_end())]
    Invalid {
        /// The policy's text.
        file: SourceFile,
        /// Its errors, and its warnings, in file order.
        diagnostics: Vec<Diagnostic>,
    },
    /// This host's architecture has no syscall tables here.
    #[error("{file}: seccomp policies are not supported on {arch}: cgconfigd knows the syscalls of x86_64 and aarch64 only")]
    UnsupportedArch {
        /// The policy file.
        file: String,
        /// The host architecture (`std::env::consts::ARCH`).
        arch: &'static str,
    },
}

/// A compiled policy, ready to install.
#[derive(Clone, Debug)]
pub struct Filter {
    program: Vec<Insn>,
    resolved: bpf::Resolved,
    file: SourceFile,
    warnings: Vec<Diagnostic>,
}

impl Filter {
    /// Reads the policy at `path` (`lxc.seccomp.profile`) and compiles it for this host.
    pub fn from_file(path: &Path) -> Result<Filter, SeccompError> {
        Filter::from_source(&SourceFile::read(path)?)
    }

    /// Compiles the policy `src` for this host.
    pub fn from_source(src: &SourceFile) -> Result<Filter, SeccompError> {
        let host = HostArch::native().ok_or_else(|| SeccompError::UnsupportedArch {
            file: src.name().to_string(),
            arch: std::env::consts::ARCH,
        })?;
        Filter::for_host(src, host)
    }

    /// Compiles the policy `src` for a host of architecture `host` (tests compile for both
    /// architectures on either).
    pub fn for_host(src: &SourceFile, host: HostArch) -> Result<Filter, SeccompError> {
        let invalid = |diagnostics| SeccompError::Invalid {
            file: src.clone(),
            diagnostics,
        };
        let parsed = seccomp::parse(src).map_err(invalid)?;
        let (resolved, mut diagnostics) = compile::resolve(&parsed.policy, host);
        diagnostics.extend(parsed.warnings);
        diagnostics.sort_by_key(|d| d.span.start);
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(invalid(diagnostics));
        }
        let program = resolved.program().map_err(|bpf::TooLong(len)| {
            invalid(vec![Diagnostic::error(
                parsed.policy.kind.span,
                format!(
                    "the policy compiles to {len} BPF instructions, more than the {} of one \
                     kernel filter",
                    bpf::MAX_INSNS
                ),
            )
            .with_hint("write fewer rules or conditions")])
        })?;
        Ok(Filter {
            program,
            resolved,
            file: src.clone(),
            warnings: diagnostics,
        })
    }

    /// Installs the filter on the calling thread; its children and every program it
    /// executes keep it. Call it in the container's init after `PR_SET_NO_NEW_PRIVS`, or
    /// while it still has `CAP_SYS_ADMIN` in its user namespace (the kernel's condition,
    /// `EACCES` otherwise), as LXC does; it does not set no_new_privs itself.
    pub fn install(&self) -> nix::Result<()> {
        install::install(&self.program)
    }

    /// What the filter returns for a call (`SECCOMP_RET_*` with its data), computed from
    /// the rules; the installed program returns the same ([`Filter::run`]).
    pub fn decide(&self, call: &SeccompData) -> u32 {
        self.resolved.decide(call)
    }

    /// What the BPF program returns for a call, run by an interpreter of the instructions
    /// the generator emits; `None` if the program misbehaves (a bug).
    pub fn run(&self, call: &SeccompData) -> Option<u32> {
        bpf::run(&self.program, call).ok()
    }

    /// The BPF program.
    pub fn program(&self) -> &[Insn] {
        &self.program
    }

    /// The warnings about the policy (skipped unknown syscalls, ignored parts), in file
    /// order.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// The warnings rendered as `file:line:col: warning: ...` blocks, for the log.
    pub fn render_warnings(&self) -> String {
        render_all(&self.warnings, &self.file)
    }
}

/// `SECCOMP_RET_*` values, to read [`Filter::decide`].
pub mod ret {
    pub use super::bpf::ret::{ALLOW, ERRNO, KILL_THREAD, TRAP};

    /// `SECCOMP_RET_ERRNO` with `errno`.
    pub fn errno(errno: u16) -> u32 {
        ERRNO | u32::from(errno)
    }
}

#[cfg(test)]
mod tests;
