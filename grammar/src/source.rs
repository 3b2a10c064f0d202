//! Source text and positions in it.
//!
//! Every syntax tree keeps the byte range ([`Span`]) each item came from, so that checks made
//! long after parsing (an unknown user in a `perm` block, a setting the host lacks) can point
//! at the exact place in the file. Line and column numbers are computed on demand from a
//! [`SourceFile`], which also knows the file's display name.

use serde::{Deserialize, Serialize};
use std::hash::{Hash, Hasher};
use std::path::Path;

/// A byte range `start..end` in one source file.
///
/// Spans are metadata, not content: two spans always compare equal and hash alike, so two
/// syntax trees are equal when they say the same thing, wherever it was written (the same
/// convention as `syn`). This is what makes `parse(print(tree)) == tree` a meaningful test.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// An empty span at `offset`, used for "expected something here" errors.
    pub fn at(offset: usize) -> Self {
        Span {
            start: offset,
            end: offset,
        }
    }

    /// This span moved `by` bytes to the right (for text parsed out of a larger file).
    pub fn shifted(self, by: usize) -> Self {
        Span {
            start: self.start + by,
            end: self.end + by,
        }
    }
}

impl PartialEq for Span {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl Eq for Span {}

impl Hash for Span {
    fn hash<H: Hasher>(&self, _state: &mut H) {}
}

/// A value (a syntax tree, a list of diagnostics) compared including where every part of
/// it was written, for the tests and fuzz targets that check two readers against each
/// other: `assert_eq!(WithPositions(&a), WithPositions(&b))`.
///
/// [`Span`] equality ignores positions, so `a == b` says nothing about them. This compares
/// the values and then their `Debug` forms, which show every span's `start` and `end`:
/// every type of the syntax trees and of [`crate::Diagnostic`] derives `Debug`, so no field
/// is left out.
#[doc(hidden)]
#[derive(Debug)]
pub struct WithPositions<'a, T>(pub &'a T);

impl<T: PartialEq + std::fmt::Debug> PartialEq for WithPositions<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0 && format!("{:?}", self.0) == format!("{:?}", other.0)
    }
}

/// A value together with the place it was written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps `value` written at `span`.
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }

    /// Wraps a value that was not read from any file (generated trees, defaults).
    pub fn unplaced(value: T) -> Self {
        Spanned {
            value,
            span: Span::default(),
        }
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// A 1-based line and column. Columns count characters, a TAB counting as one, as compilers do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    /// Line number, from 1.
    pub line: usize,
    /// Column number in characters, from 1.
    pub col: usize,
}

/// The text of one configuration file and its name as shown in messages.
///
/// Line numbers restart for every file (libcgroup keeps counting across `-l a -l b`; we
/// do not).
#[derive(Clone, Debug)]
pub struct SourceFile {
    name: String,
    text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// A source named `name` (usually the path as the user wrote it) holding `text`.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        SourceFile {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// Reads `path`. The file must be UTF-8; a file that is not is reported as an error
    /// naming the first offending line, since cgroup names and values are text.
    pub fn read(path: &Path) -> Result<Self, ReadError> {
        let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_bytes(path.display().to_string(), bytes)
    }

    /// Builds a source from raw bytes, rejecting text that is not UTF-8.
    pub fn from_bytes(name: String, bytes: Vec<u8>) -> Result<Self, ReadError> {
        match String::from_utf8(bytes) {
            Ok(text) => Ok(SourceFile::new(name, text)),
            Err(err) => {
                let valid = err.utf8_error().valid_up_to();
                let line = 1 + err.as_bytes()[..valid]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
                Err(ReadError::NotUtf8 { path: name, line })
            }
        }
    }

    /// The name shown in messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text covered by `span` (empty if the span does not fit this file).
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    /// Line and column of byte `offset` (clamped to the end of the text).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line_index = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let line_start = self.line_starts[line_index];
        // A span may point into the middle of a multi-byte character only if it was built
        // wrongly; count what is there rather than fail.
        let col = self
            .text
            .get(line_start..offset)
            .map_or(offset - line_start, |s| s.chars().count());
        LineCol {
            line: line_index + 1,
            col: col + 1,
        }
    }

    /// The text of 1-based line `line`, without its line ending (`\n` or `\r\n`).
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&next| next - 1);
        let text = self.text.get(start..end).unwrap_or("");
        text.strip_suffix('\r').unwrap_or(text)
    }

    /// Number of lines (a final line without a newline counts).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// A configuration file that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The operating system refused the read.
    #[error("cannot read {path}: {}", crate::diagnostic::io_reason(.source))]
    Io {
        /// The file.
        path: String,
        /// The reason.
        source: std::io::Error,
    },
    /// The file holds bytes that are not UTF-8.
    #[error("{path}:{line}: the file is not valid UTF-8 text")]
    NotUtf8 {
        /// The file.
        path: String,
        /// The first line with an invalid byte.
        line: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let src = SourceFile::new("f", "ab\r\n\tcé x\nlast");
        assert_eq!(src.line_col(0), LineCol { line: 1, col: 1 });
        assert_eq!(src.line_col(4), LineCol { line: 2, col: 1 });
        // "\tcé " is 5 bytes but 4 characters.
        let x = src.text().find('x').unwrap();
        assert_eq!(src.line_col(x), LineCol { line: 2, col: 5 });
        assert_eq!(src.line_text(1), "ab");
        assert_eq!(src.line_text(2), "\tcé x");
        assert_eq!(src.line_text(3), "last");
        assert_eq!(src.line_text(4), "");
        assert_eq!(src.line_col(10_000), LineCol { line: 3, col: 5 });
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let err = SourceFile::from_bytes("f.conf".into(), b"ok\nbad \xff\n".to_vec()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "f.conf:2: the file is not valid UTF-8 text"
        );
    }

    #[test]
    fn spans_do_not_take_part_in_equality() {
        assert_eq!(
            Spanned::new("x", Span::new(1, 2)),
            Spanned::new("x", Span::new(5, 9))
        );
        assert_ne!(Spanned::unplaced("x"), Spanned::unplaced("y"));
    }
}
