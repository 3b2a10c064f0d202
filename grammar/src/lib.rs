//! The configuration languages cgtools reads, as pest grammars and typed syntax trees.
//!
//! * [`cgconfig`]: `/etc/cgconfig.conf` and `/etc/cgconfig.d/*.conf`, the groups to create
//!   (libcgroup 3.x syntax plus documented extensions, see `docs/compat.md`).
//! * [`cgrules`]: `/etc/cgrules.conf`, which process goes to which group.
//! * [`lxc`]: LXC container configs, for autostart containers.
//! * [`seccomp`]: LXC seccomp policies (`lxc.seccomp.profile`), which the container
//!   launcher compiles to a BPF filter.
//!
//! Each language has a `parse` function from a [`SourceFile`] to a tree that keeps the
//! [`Span`] of every item, a printer that writes the tree back as canonical text, and
//! checks that need nothing but the text. All problems are [`Diagnostic`]s, rendered as
//! `file:line:col: message` with the source line and a caret. Nothing here touches the
//! system beyond reading the files it is asked to read.

pub mod cgconfig;
pub mod cgrules;
pub mod diagnostic;
pub mod lxc;
pub mod name;
mod parse_error;
pub mod seccomp;
pub mod source;
pub mod suggest;

pub use diagnostic::{Diagnostic, Severity};
pub use source::{SourceFile, Span, Spanned};
