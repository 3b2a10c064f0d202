//! cgtools: the cgroup backend shared by the command-line tools and cgconfigd.
//!
//! Data flows one way: configuration text is parsed by the `grammar` crate, checked here
//! against the host ([`check`]), and later planned and applied by the backend.

pub mod check;
pub mod cmdline;
pub mod config_files;
