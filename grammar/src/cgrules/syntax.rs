//! Syntax errors of cgrules.conf in words.
//!
//! The grammar only splits a line into fields, so pest can fail in few ways: a quote that
//! is never closed, a quote in the middle of a word, text glued to a closing quote, or a
//! character that has no business in a text file. Each gets its own sentence, found by
//! looking at the line around the position pest stopped at.

use super::PestRule as Rule;
use crate::diagnostic::Diagnostic;
use crate::parse_error::{expected, found_at, offset};
use crate::source::Span;

/// The diagnostic for a pest error in `line`, which starts at byte `base` of the file.
pub(super) fn syntax_error(line: &str, base: usize, err: &pest::error::Error<Rule>) -> Diagnostic {
    let at = offset(err).min(line.len());
    let quotes = Quotes::scan(line, at);
    let next = line.get(at..).and_then(|rest| rest.chars().next());
    let here = Span::new(base + at, base + at + next.map_or(0, char::len_utf8));

    if let (Some(close), Some(c)) = (quotes.closed_at, next) {
        if close + 1 == at {
            let (open, _) = quotes.last_pair.unwrap_or((at, at));
            let field = line.get(open..at).unwrap_or("");
            return Diagnostic::error(
                here,
                format!(
                    "expected a space or tab after the quoted field `{field}`, found {}",
                    found_at(line, at)
                ),
            )
            .with_hint(if c == '"' {
                "fields are separated by blanks; a quoted field cannot contain `\"`".to_string()
            } else {
                format!(
                    "put the quotes around the whole field: `{}`",
                    suggest_quoted(line, word_start(line, open))
                )
            });
        }
    }
    let start = word_start(line, at);
    if next == Some('"') && start < at {
        let word = line.get(start..at).unwrap_or("");
        return Diagnostic::error(
            here,
            format!("unexpected `\"` after `{word}`: a quote can only open a field"),
        )
        .with_hint(format!(
            "put the quotes around the whole field: `{}`",
            suggest_quoted(line, start)
        ));
    }
    if let Some(open) = unclosed_quote(line) {
        return Diagnostic::error(
            Span::new(base + open, base + open + 1),
            "unterminated quote: this `\"` is never closed",
        )
        .with_hint("add the closing `\"` on the same line; a quoted field cannot span lines or contain `\"`");
    }
    match next {
        Some('\r') => Diagnostic::error(
            here,
            "unexpected carriage return (`\\r`) in the middle of a line",
        )
        .with_hint("CRLF line endings are accepted, but a lone `\\r` is not; remove it"),
        Some(c) if c.is_control() => Diagnostic::error(
            here,
            format!("unexpected control character {}", code_point(c)),
        )
        .with_hint("cgrules.conf is plain text; remove the character"),
        Some(c) if c.is_whitespace() => Diagnostic::error(
            here,
            format!(
                "unexpected {} ({}) between fields",
                space_name(c),
                code_point(c)
            ),
        )
        .with_hint(
            "fields are separated by plain spaces and tabs; inside quotes any space is allowed",
        ),
        _ => {
            let rules: Vec<String> = expected(err).iter().map(|r| format!("{r:?}")).collect();
            Diagnostic::error(
                here,
                format!(
                    "syntax error: expected {}, found {}",
                    rules.join(" or "),
                    found_at(line, at)
                ),
            )
        }
    }
}

/// Where the quotes of a line are, up to a position.
struct Quotes {
    /// The opening quote of a field still open at the position.
    open: Option<usize>,
    /// The closing quote of the last field closed before the position.
    closed_at: Option<usize>,
    /// The opening and closing quote of that field.
    last_pair: Option<(usize, usize)>,
}

impl Quotes {
    fn scan(line: &str, upto: usize) -> Self {
        let mut quotes = Quotes {
            open: None,
            closed_at: None,
            last_pair: None,
        };
        for (i, c) in line.char_indices() {
            if i >= upto && quotes.open.is_none() {
                break;
            }
            match (c, quotes.open) {
                ('"', Some(open)) => {
                    quotes.open = None;
                    if i < upto {
                        quotes.closed_at = Some(i);
                        quotes.last_pair = Some((open, i));
                    }
                }
                ('"', None) => quotes.open = Some(i),
                ('#', None) => break,
                _ => {}
            }
        }
        quotes
    }
}

/// The opening quote of a quoted field that is never closed on the line.
fn unclosed_quote(line: &str) -> Option<usize> {
    let mut open = None;
    for (i, c) in line.char_indices() {
        match (c, open) {
            ('"', Some(_)) => open = None,
            ('"', None) => open = Some(i),
            ('#', None) => break,
            _ => {}
        }
    }
    open
}

/// The start of the blank-separated word that contains byte `at`.
fn word_start(line: &str, at: usize) -> usize {
    line.get(..at)
        .and_then(|before| before.rfind([' ', '\t']))
        .map_or(0, |i| i + 1)
}

/// The field starting at `start` as it was probably meant: its text up to the next blank
/// outside quotes, with its quotes moved to the ends.
fn suggest_quoted(line: &str, start: usize) -> String {
    let mut text = String::new();
    let mut quoted = false;
    for c in line.get(start..).unwrap_or("").chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' | '\t' | '#' if !quoted => break,
            c => text.push(c),
        }
    }
    format!("\"{text}\"")
}

/// `U+00A0`, as character tables write it.
fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

fn space_name(c: char) -> &'static str {
    match c {
        '\u{a0}' => "no-break space",
        '\u{2009}' => "thin space",
        '\u{3000}' => "ideographic space",
        _ => "Unicode space",
    }
}
