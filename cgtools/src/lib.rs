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

pub mod backend;
pub mod engine;
pub mod rules;
pub mod tools;

pub use backend::cgroups::Cgroups;
pub use backend::create::{CreateReport, Enabled};
pub use backend::discovery::Layout;
pub use backend::error::{Error, ErrorKind, Op, Result};
pub use backend::group::{Cgroup, Group};
pub use backend::group_path::GroupPath;
pub use backend::hierarchy::{ControllerInfo, Hierarchy, Mode, Version};
pub use backend::permissions::{FileMeta, MetaChange, Owner, Ownership, Permissions};
pub use backend::remove::{Climbed, Moved, Removal, RemoveReport};
pub use backend::setting::Setting;
