//! Turning a pest failure into words.
//!
//! pest reports the farthest position it reached and the rules it expected there; each
//! language maps its rules to phrases ("`;`", "a value") and adds context from the tree it
//! was building. This module holds what the languages share: where the error is and what
//! was found there.

use pest::error::{Error, ErrorVariant, InputLocation};
use pest::RuleType;

/// Byte offset of a pest error, relative to the text pest was given.
pub(crate) fn offset<R: RuleType>(err: &Error<R>) -> usize {
    match err.location {
        InputLocation::Pos(pos) => pos,
        InputLocation::Span((start, _)) => start,
    }
}

/// The rules pest expected at the error position.
pub(crate) fn expected<R: RuleType>(err: &Error<R>) -> Vec<R> {
    match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    }
}

/// What the text holds at `offset`, for "found ..." in messages: a quoted token, "end of
/// line" or "end of file".
pub(crate) fn found_at(text: &str, offset: usize) -> String {
    let rest = text.get(offset..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return "end of file".to_string();
    };
    if first == '\n' || first == '\r' {
        return "end of line".to_string();
    }
    let is_word = |c: char| c.is_alphanumeric() || "_-/.,%@\\".contains(c);
    let token: String = if is_word(first) {
        rest.chars().take_while(|&c| is_word(c)).take(40).collect()
    } else {
        first.to_string()
    };
    format!("`{}`", token.escape_debug())
}
