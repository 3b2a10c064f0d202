//! The cgroup backend: everything that knows where the host's cgroups are and how to
//! read and change them, one operation at a time.
//!
//! It owns discovery of the mounted hierarchies ([`discovery`], [`hierarchy`],
//! [`mounts`]), the handle the rest of the crate passes around ([`cgroups::Cgroups`]),
//! validated group names ([`group_path`]), the only module that makes system calls on
//! cgroup files (`fsio`, with the per-hierarchy cursor of `cursor` on top), groups and
//! their operations (create, set, get, list, attach, remove, owners and modes:
//! [`group`], [`create`], [`set`], [`remove`], [`permissions`], [`membership`]), setting
//! names, value formats and the v1 <-> v2 translation ([`setting`], [`values`],
//! [`translate`]), and the one error type every layer returns ([`error`]).
//!
//! It may depend on the `grammar` crate (for the syntax-tree types of `mount` sections and
//! the shared rule for group names) and on nothing else of this crate: not on the engine,
//! the rules or the tools, which are built on it (`cgtools/tests/layers.rs` checks). The
//! model and its guarantees are in `docs/backend.md`; the layers in
//! `docs/architecture.md`.

pub mod cgroups;
pub mod create;
pub(crate) mod cursor;
pub mod discovery;
pub mod error;
pub(crate) mod fsio;
pub mod group;
pub mod group_path;
pub mod hierarchy;
pub mod membership;
pub mod mounts;
pub mod permissions;
pub mod remove;
pub mod set;
pub mod setting;
pub mod translate;
pub mod values;
