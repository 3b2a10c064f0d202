//! The read side of the tools: what `cgget`/`cgxget`, `lscgroup` and `lssubsys` print,
//! computed from the backend and formatted as libcgroup's tools format it (or as one JSON
//! document with `--json`).
//!
//! Each module gathers everything first and formats afterwards, so a failure prints no
//! partial output (libcgroup's cgget does the same) and the text and JSON forms come from
//! the same data. Errors are [`ToolError`]s: libcgroup's wording, which scripts match,
//! plus the backend [`Error`] that says what failed where and why, and
//! decides the exit status.

pub mod cgget;
pub mod lscgroup;
pub mod lssubsys;

use crate::backend::error::Error;

/// A failure of a read tool: the phrase libcgroup prints for it and the backend's reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolError {
    /// libcgroup's wording, e.g. `cannot find controller 'cpu' in group 'web'`.
    pub context: String,
    /// What failed, where and why; decides the exit status. (Boxed: results carrying
    /// it stay small.)
    pub error: Box<Error>,
}

impl ToolError {
    /// A failure described by libcgroup's `context` phrase.
    pub fn new(context: impl Into<String>, error: Error) -> ToolError {
        ToolError {
            context: context.into(),
            error: Box::new(error),
        }
    }

    /// The text to print on stderr, each line starting with the tool's name.
    pub fn text(&self, tool: &str) -> String {
        crate::tools::cmdline::error_text(tool, &self.context, &self.error)
    }

    /// The exit status (libcgroup's code & 0xff, from the backend's map).
    pub fn exit_code(&self) -> u8 {
        self.error.exit_code()
    }
}

/// Serialises a report as one JSON document, pretty-printed and newline-terminated.
pub(crate) fn json<T: serde::Serialize>(value: &T) -> String {
    // Serialising plain structs of strings and numbers cannot fail; an empty object keeps
    // the output a valid document if it ever did.
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}
