//! Placeholder while the lxc grammar is written.
