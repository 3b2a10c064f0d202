//! cgtools: the cgroup backend, the apply engine and the classification rules shared by
//! the command-line tools (`src/bin/`) and cgconfigd.
//!
//! The crate is four layers, each a folder, each depending only on the ones below it
//! (`docs/architecture.md` draws them, with the data flows and where to add a tool, a
//! setting translation or a configuration key; `cgtools/tests/layers.rs` enforces the
//! direction):
//!
//! * [`tools`]: the tools' command lines and output ([`tools::cli`], [`tools::read`]);
//! * [`rules`]: classification by cgrules.conf and the rules daemon's socket;
//! * [`engine`]: configuration text, checked against the host, to a desired state, a
//!   plan, and an apply with exact undo (`docs/apply.md`);
//! * [`backend`]: discovery, groups and every operation on them, setting names, values
//!   and the v1 <-> v2 translation, errors (`docs/backend.md`).
//!
//! Start with [`Cgroups::discover`], which reads the mount table once and returns the
//! handle everything else hangs off: [`Cgroups::group`] names a group across the
//! hierarchies of a controller list, [`Group`] and [`Cgroup`] create, set, get, list,
//! attach, remove and change permissions. Every failure is an [`Error`] that names the
//! file, the operation and the kernel's reason, and maps to libcgroup's exit codes. The
//! re-exports below are those entry points and the types their signatures use.

pub mod backend;
pub mod engine;
pub mod rules;
pub mod tools;

pub use backend::cgroups::Cgroups;
pub use backend::discovery::Layout;
pub use backend::error::{Error, ErrorKind, Op, Result};
pub use backend::group::{Cgroup, Group};
pub use backend::group_path::GroupPath;
pub use backend::hierarchy::{Hierarchy, Mode, Version};
pub use backend::permissions::{Owner, Permissions};
pub use backend::remove::{Climbed, Moved, Removal, RemoveReport};
pub use backend::setting::Setting;
