//! What the command-line tools share: their argument definitions and the code between
//! those arguments and the layers below.
//!
//! It owns the clap definitions every binary parses with and the man pages and
//! completions are generated from ([`cli`]), the option parsers and error printing all
//! tools have in common ([`cmdline`]), and the read side of cgget, lscgroup and lssubsys,
//! gathered first and formatted as text or JSON ([`read`]). The binaries themselves are
//! thin `main`s in `cgtools/src/bin/`; cgconfigd's command line is in [`cli`] too, so
//! that `cargo xtask generate` sees every tool.
//!
//! It may depend on every other layer of this crate ([`crate::rules`], [`crate::engine`],
//! [`crate::backend`]) and on `grammar`; nothing in the crate depends on it
//! (`cgtools/tests/layers.rs` checks). `docs/architecture.md` says where a new tool goes.

pub mod by_rules;
pub mod cli;
pub mod cmdline;
pub mod read;
