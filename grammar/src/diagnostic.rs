//! Errors and warnings about configuration text, and how they are shown.
//!
//! Every message has the same shape, whichever language or check produced it:
//!
//! ```text
//! cgconfig.conf:3:27: error: expected `;` after the value of `cpu.shares`, found `}`
//!     3 |     cpu { cpu.shares = 100 }
//!       |                            ^
//!       = hint: every `name = value` ends with `;`
//! ```
//!
//! The location comes first so editors and `grep` can jump to it; the source line and a
//! caret show the exact column; the hint says what to do. Checks that need the host (an
//! unknown user, a missing controller) live in other crates and use the same type, with
//! the spans the syntax tree kept.

use crate::source::{SourceFile, Span};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file cannot be used.
    Error,
    /// The file is used, but something in it deserves attention (an obsolete key).
    Warning,
}

/// A secondary location that explains the main one ("first defined here").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Related {
    /// Where.
    pub span: Span,
    /// What is there.
    pub message: String,
}

/// One problem found in a source file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The offending text (may be empty: "expected `;` here").
    pub span: Span,
    /// What is wrong, in one sentence without a final period.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
    /// Other places that explain this one.
    pub related: Vec<Related>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            span,
            message: message.into(),
            hint: None,
            related: Vec::new(),
        }
    }

    /// A warning at `span`.
    pub fn warning(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(span, message)
        }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a related location.
    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The diagnostic as text: location, message, the source line with a caret, the hint.
    pub fn render(&self, src: &SourceFile) -> String {
        let mut out = String::new();
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write_located(&mut out, src, self.span, label, &self.message);
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "      = hint: {hint}");
        }
        for related in &self.related {
            write_located(&mut out, src, related.span, "note", &related.message);
        }
        out
    }
}

/// Renders every diagnostic of one file, in order.
pub fn render_all(diagnostics: &[Diagnostic], src: &SourceFile) -> String {
    diagnostics.iter().map(|d| d.render(src)).collect()
}

/// `file:line:col: label: message`, then the line and a caret under the span.
fn write_located(out: &mut String, src: &SourceFile, span: Span, label: &str, message: &str) {
    let start = src.line_col(span.start);
    let _ = writeln!(
        out,
        "{}:{}:{}: {label}: {message}",
        src.name(),
        start.line,
        start.col
    );
    let line = src.line_text(start.line);
    let (shown, caret_at) = expand_tabs(line, start.col - 1);
    // Underline the span up to the end of its first line, at least one caret.
    let end = src.line_col(span.end.max(span.start));
    let end_col = if end.line == start.line {
        end.col - 1
    } else {
        line.chars().count()
    };
    let (_, caret_end) = expand_tabs(line, end_col.max(start.col - 1));
    let width = caret_end.saturating_sub(caret_at).max(1);
    let _ = writeln!(out, "{:>5} | {shown}", start.line);
    let _ = writeln!(out, "      | {}{}", " ".repeat(caret_at), "^".repeat(width));
}

/// The line with TABs shown as four spaces, and the display column of character `col`.
fn expand_tabs(line: &str, col: usize) -> (String, usize) {
    let mut shown = String::with_capacity(line.len());
    let mut display_col = None;
    for (i, c) in line.chars().enumerate() {
        if i == col {
            display_col = Some(shown.chars().count());
        }
        match c {
            '\t' => shown.push_str("    "),
            c if c.is_control() => shown.push('?'),
            c => shown.push(c),
        }
    }
    let width = shown.chars().count();
    (shown, display_col.unwrap_or(width + col.saturating_sub(line.chars().count())))
}

/// The reason of an I/O error as a user reads it: `No such file or directory`, without
/// Rust's ` (os error 2)` suffix.
pub fn io_reason(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.rfind(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_line_caret_and_hint() {
        let src = SourceFile::new("a.conf", "group x {\n\tcpu { cpu.shares = 1 }\n}\n");
        let at = src.text().find('}').unwrap();
        let d = Diagnostic::error(Span::at(at), "expected `;`")
            .with_hint("end it")
            .with_related(Span::new(0, 5), "in this group");
        insta::assert_snapshot!(d.render(&src), @r"
        a.conf:2:23: error: expected `;`
            2 |     cpu { cpu.shares = 1 }
              |                          ^
              = hint: end it
        a.conf:1:1: note: in this group
            1 | group x {
              | ^^^^^
        ");
    }

    #[test]
    fn caret_after_the_last_character_and_at_end_of_file() {
        let src = SourceFile::new("b", "abc");
        let d = Diagnostic::error(Span::at(3), "expected more");
        assert!(d.render(&src).ends_with("    1 | abc\n      |    ^\n"));
    }

    #[test]
    fn io_reason_drops_the_os_error_number() {
        let err = std::io::Error::from_raw_os_error(2);
        assert_eq!(io_reason(&err), "No such file or directory");
    }
}
