//! Writes a tree back as canonical LXC config text: one `key = value` line per setting,
//! `key =` for a reset, nothing else. [`super::parse()`] reads the text back into an equal tree
//! (with pre-3.0 keys already under their current names), and LXC reads it the same way.

use super::ast::{Config, Entry};
use std::fmt::Write as _;

/// A setting that cannot be written as an LXC config line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    /// A key LXC would not read as the key it is.
    #[error("cannot write the key `{key}`: {reason}")]
    Key {
        /// The key.
        key: String,
        /// Why.
        reason: &'static str,
    },
    /// A value holding a line break or a NUL byte, which the language cannot express.
    #[error("cannot write the value of `{key}`: {reason}")]
    Value {
        /// The key whose value it is.
        key: String,
        /// Why.
        reason: &'static str,
    },
}

/// The canonical text of `config`.
pub fn print(config: &Config) -> Result<String, PrintError> {
    let mut out = String::new();
    for entry in &config.entries {
        line(&mut out, entry)?;
    }
    Ok(out)
}

fn line(out: &mut String, entry: &Entry) -> Result<(), PrintError> {
    let key = entry.key.value.as_str();
    let key_error = |reason| PrintError::Key {
        key: key.to_string(),
        reason,
    };
    if !key.starts_with("lxc.") {
        return Err(key_error("LXC ignores lines that do not start with `lxc.`"));
    }
    if key.contains(['=', '\n', '\0']) {
        return Err(key_error(
            "a key cannot hold `=`, a line break or a NUL byte",
        ));
    }
    if key.ends_with([' ', '\t']) {
        return Err(key_error("LXC trims blanks at the end of a key"));
    }
    let value = entry.value.value.as_str();
    if value.contains(['\n', '\0']) {
        return Err(PrintError::Value {
            key: key.to_string(),
            reason: "the value holds a line break or a NUL byte",
        });
    }
    if value.is_empty() {
        let _ = writeln!(out, "{key} =");
    } else if needs_quotes(value) {
        // LXC removes exactly one pair of enclosing quotes and never looks inside, so `"`
        // around anything gives back the value as it is.
        let _ = writeln!(out, "{key} = \"{value}\"");
    } else {
        let _ = writeln!(out, "{key} = {value}");
    }
    Ok(())
}

/// Whether `value` would read back differently unquoted: LXC trims blanks at both ends
/// and strips a pair of matching quotes; a final `\r` would be taken for a CRLF ending.
fn needs_quotes(value: &str) -> bool {
    let bytes = value.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    let blank = |b: u8| b == b' ' || b == b'\t';
    blank(first)
        || blank(last)
        || last == b'\r'
        || (bytes.len() > 1 && matches!(first, b'\'' | b'"') && last == first)
}
