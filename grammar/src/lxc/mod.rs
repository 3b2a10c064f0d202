//! LXC container configs (`/var/lib/lxc/<name>/config` and the files they include), read
//! exactly as LXC 6 reads them (`src/lxc/confile.c`), with clearer errors.
//!
//! The language, described in `lxc.pest`: one `key = value` per line; blank lines and
//! lines whose first non-blank character is `#` are skipped; there are no comments after a
//! value, no line continuations and no escapes; the line is split at its first `=`, key
//! and value are trimmed of blanks and one pair of quotes around the value is removed; an
//! empty value resets the key. LXC applies the lines in order, so the meaning of a key is
//! its last value, or for list keys every value since the last empty one
//! ([`Loaded::value`], [`Loaded::values`]).
//!
//! * [`parse()`] reads one file; [`load()`] also reads the files `lxc.include` names.
//! * Keys are checked against the table of LXC's `confile.c`: an unknown `lxc.*`
//!   key is an error, as in LXC, with the key that was probably meant.
//! * Pre-3.0 keys (`lxc.network.type`, `lxc.id_map`, ...) are read under their current
//!   names with a warning, as LXC's `lxc-update-config` would rename them.
//! * [`Loaded::autostart`] and its parts read the keys that decide whether and when a
//!   container starts at boot, with LXC's rules for their values.
//! * [`print()`] writes a tree back as canonical text.
//!
//! Deliberate differences from LXC, all listed in `docs/compat.md`: lines that do not start
//! with `lxc.` are still ignored but draw a warning; CRLF line endings are accepted (LXC
//! keeps the `\r` in the value); a NUL byte is an error (LXC silently stops reading);
//! pre-3.0 keys are accepted with a warning (LXC 3.0+ refuses them); the files of an
//! included directory are read in sorted order (LXC: directory order); include cycles and
//! nesting deeper than [`MAX_INCLUDE_DEPTH`] are errors (LXC recurses until it fails);
//! `lxc.cgroup.*` (cgroup v1) keys are accepted as LXC 6 does, although LXC 7 refuses them.
//!
//! ```
//! use grammar::{lxc, SourceFile};
//! let src = SourceFile::new("config", "lxc.network.type = veth\nlxc.start.auto = 1\n");
//! let parsed = lxc::parse(&src).unwrap();
//! assert_eq!(parsed.config.entries[0].key.value, "lxc.net.0.type");
//! assert_eq!(parsed.warnings.len(), 1); // the pre-3.0 name
//! ```

mod ast;
mod build;
mod keys;
mod legacy;
mod load;
mod print;
mod values;

pub use ast::{Config, Entry};
pub use load::{
    load, FileDiagnostic, FileId, LoadError, Loaded, LoadedEntry, Loader, Sources,
    MAX_INCLUDE_DEPTH,
};
pub use print::{print, PrintError};
pub use values::Autostart;

use crate::diagnostic::Diagnostic;
use crate::parse_error;
use crate::source::{SourceFile, Span};
use build::Builder;
use legacy::Renamer;
use pest::Parser as _;

/// The pest parser generated from `lxc.pest` (private: the tree is the interface).
mod generated {
    #![allow(missing_docs)]
    #[derive(pest_derive::Parser)]
    #[grammar = "lxc.pest"]
    pub struct LxcParser;
}
use generated::{LxcParser, Rule};

/// A file that was read: its settings and what deserves a warning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// The settings.
    pub config: Config,
    /// Lines LXC ignores, pre-3.0 keys, ... in file order.
    pub warnings: Vec<Diagnostic>,
}

/// Reads one file, leaving `lxc.include` lines unresolved (see [`load()`] for those). On
/// failure, returns every error and warning, in file order.
pub fn parse(src: &SourceFile) -> Result<Parsed, Vec<Diagnostic>> {
    let (raw, mut diagnostics) = lex(src);
    let backend = build::rootfs_backend(&raw);
    let mut renamer = Renamer::default();
    let entries = raw
        .into_iter()
        .filter_map(|e| build::settle(e, &mut renamer, backend.as_deref(), &mut diagnostics))
        .collect();
    diagnostics.sort_by_key(|d| d.span.start);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    Ok(Parsed {
        config: Config { entries },
        warnings: diagnostics,
    })
}

/// Cuts a file into its settings as written (keys neither renamed nor checked, see
/// [`build::settle`]), with the problems of the lines themselves.
fn lex(src: &SourceFile) -> (Vec<Entry>, Vec<Diagnostic>) {
    let text = src.text();
    let mut builder = Builder::default();
    match LxcParser::parse(Rule::file, text) {
        Ok(pairs) => {
            for line in pairs.flat_map(|file| file.into_inner()) {
                builder.line(line);
            }
            builder.finish()
        }
        // The grammar accepts every text; should that ever change, say where it stopped
        // rather than fail without a word.
        Err(err) => {
            let at = parse_error::offset(&err);
            let d = Diagnostic::error(
                Span::at(at),
                format!(
                    "cannot read this line (found {})",
                    parse_error::found_at(text, at)
                ),
            );
            (Vec::new(), vec![d])
        }
    }
}

#[cfg(test)]
mod tests;
