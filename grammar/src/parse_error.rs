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

/// The candidate closest to `word` by edit distance, if it is close enough to be a typo
/// (at most a third of the word's length, and at least one edit).
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|&(d, _)| d > 0 && d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_only_near_misses() {
        let keywords = ["group", "template", "mount"];
        assert_eq!(closest("groups", &keywords), Some("group"));
        assert_eq!(closest("tempalte", &keywords), Some("template"));
        assert_eq!(closest("group", &keywords), None);
        assert_eq!(closest("cpu", &keywords), None);
    }
}
