//! cgtools: the cgroup backend shared by the command-line tools and cgconfigd.
//!
//! Data flows one way: configuration text is parsed by the `grammar` crate, checked
//! against the host ([`check`]), then planned and applied through the backend.
//!
//! Start with [`Cgroups::discover`], which reads the mount table once and returns the
//! handle everything else hangs off: [`Cgroups::group`] names a group across the
//! hierarchies of a controller list, [`Group`] and [`Cgroup`] create, set, get, list,
//! attach, remove and change permissions. [`translate`] converts settings between cgroup
//! v1 and v2 vocabulary. Every failure is an [`Error`] that names the file, the operation
//! and the kernel's reason, and maps to libcgroup's exit codes. `docs/backend.md` explains
//! the model.

pub mod apply;
pub mod cgred;
pub mod cgroups;
pub mod check;
pub mod cli;
pub mod cmdline;
pub mod config_files;
pub mod create;
mod cursor;
pub mod desired;
pub mod discovery;
pub mod error;
mod fsio;
pub mod group;
pub mod group_path;
pub mod hierarchy;
pub mod membership;
pub mod mounts;
pub mod permissions;
pub mod plan;
pub mod read;
pub mod remove;
pub mod rules;
pub mod set;
pub mod setting;
pub mod snapshot;
pub mod translate;
pub mod values;

pub use cgroups::Cgroups;
pub use create::{CreateReport, Enabled};
pub use discovery::Layout;
pub use error::{Error, ErrorKind, Op, Result};
pub use group::{Cgroup, Group};
pub use group_path::GroupPath;
pub use hierarchy::{ControllerInfo, Hierarchy, Mode, Version};
pub use permissions::{FileMeta, MetaChange, Owner, Ownership, Permissions};
pub use remove::{Climbed, Moved, Removal, RemoveReport};
pub use setting::Setting;
