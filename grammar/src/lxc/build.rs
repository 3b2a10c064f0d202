//! From pest's lines to [`Entry`]s, reading each line as LXC's `parse_line` does, with the
//! checks that need nothing but the text. Every check reports and carries on, so a file
//! with several mistakes shows them all.

use super::ast::{Config, Entry};
use super::legacy::{Legacy, Renamer};
use super::{keys, Rule};
use crate::diagnostic::Diagnostic;
use crate::source::{Span, Spanned};
use pest::iterators::Pair;

/// LXC trims only spaces and TABs around keys and values (`lxc_char_left_gc`).
const BLANKS: [char; 2] = [' ', '\t'];

/// Builds the entries of one file.
pub(super) struct Builder<'r> {
    pub(super) renamer: &'r mut Renamer,
    pub(super) diagnostics: Vec<Diagnostic>,
    pub(super) entries: Vec<Entry>,
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

impl Builder<'_> {
    /// One `entry`, `other` or `comment` pair of the `file` rule.
    pub(super) fn line(&mut self, pair: Pair<'_, Rule>) {
        match pair.as_rule() {
            Rule::entry => self.entry(pair),
            Rule::other => self.other(pair),
            _ => {}
        }
    }

    /// A line that does not start with `lxc.`: LXC skips it without a word. We keep
    /// accepting it but warn, because it is usually a typo (`lcx.start.auto = 1`) that
    /// would silently leave the setting out.
    fn other(&mut self, pair: Pair<'_, Rule>) {
        let text = pair.as_str();
        let span = span_of(&pair);
        if self.nul_byte(text, span.start) {
            return;
        }
        // LXC's "empty line" test is C's isspace, which also covers \v and \f.
        if text.chars().all(|c| c.is_ascii_whitespace() || c == '\x0b') {
            return;
        }
        let trimmed = text.trim_end_matches(BLANKS);
        let d = Diagnostic::warning(
            Span::new(span.start, span.start + trimmed.len()),
            "line ignored: it does not start with `lxc.`",
        );
        let guess = text
            .split_once('=')
            .and_then(|(key, _)| martian_guess(key.trim_matches(BLANKS)));
        self.diagnostics.push(match guess {
            Some(key) => d.with_hint(format!(
                "did you mean `{key}`? LXC skips this line, so the setting is left out"
            )),
            None => d.with_hint(
                "LXC skips lines that do not start with `lxc.`; start it with `#` to make it \
                 a comment",
            ),
        });
    }

    /// Reports a NUL byte in `text` (at `start` in the file); true if there was one.
    fn nul_byte(&mut self, text: &str, start: usize) -> bool {
        let Some(at) = text.find('\0') else {
            return false;
        };
        self.diagnostics.push(
            Diagnostic::error(
                Span::new(start + at, start + at + 1),
                "the line holds a NUL byte",
            )
            .with_hint("LXC stops reading the file at a NUL byte; remove it"),
        );
        true
    }

    fn entry(&mut self, pair: Pair<'_, Rule>) {
        let line_span = span_of(&pair);
        if self.nul_byte(pair.as_str(), line_span.start) {
            return;
        }
        let mut inner = pair.into_inner();
        let Some(key_pair) = inner.next() else {
            return;
        };
        let key_text = key_pair.as_str().trim_end_matches(BLANKS);
        let key_start = key_pair.as_span().start();
        let key = Spanned::new(
            key_text.to_string(),
            Span::new(key_start, key_start + key_text.len()),
        );
        let (Some(eq), Some(value_pair)) = (inner.next(), inner.next()) else {
            self.diagnostics.push(
                Diagnostic::error(
                    Span::at(key.span.end),
                    format!("expected `=` after `{}`", key.value),
                )
                .with_hint(format!(
                    "a setting is written `key = value`; `{} =` with nothing after it resets the key",
                    key.value
                )),
            );
            return;
        };
        let value = unquote(
            value_pair.as_str(),
            value_pair.as_span().start(),
            span_of(&eq).end,
        );
        let span = Span::new(key.span.start, value.span.end.max(key.span.end));
        self.setting(key, value, span);
    }

    /// Renames a pre-3.0 key, checks the key and keeps the entry.
    fn setting(&mut self, key: Spanned<String>, mut value: Spanned<String>, span: Span) {
        let (name, renamed_from) = match self.renamer.rename(&key.value, key.span, &value.value) {
            Legacy::Current => (key.value.clone(), None),
            Legacy::Renamed {
                key: new,
                value: new_value,
                warning,
            } => {
                self.diagnostics.push(warning);
                if let Some(v) = new_value {
                    value.value = v;
                }
                (new, Some(key.clone()))
            }
            Legacy::Dropped(warning) => {
                self.diagnostics.push(warning);
                return;
            }
            Legacy::Error(error) => {
                self.diagnostics.push(error);
                return;
            }
        };
        match keys::check(&name, key.span, !value.value.is_empty()) {
            Ok(canonical) => self.entries.push(Entry {
                key: Spanned::new(canonical, key.span),
                value,
                renamed_from,
                span,
            }),
            Err(d) => self.diagnostics.push(d),
        }
    }

    pub(super) fn finish(mut self) -> (Config, Vec<Diagnostic>) {
        self.diagnostics.sort_by_key(|d| d.span.start);
        (
            Config {
                entries: self.entries,
            },
            self.diagnostics,
        )
    }
}

/// The value of a line: `raw` (at `start` in the file) trimmed of blanks, then without one
/// pair of enclosing `'` or `"`, exactly as LXC does (no escapes: `"a"b"` is `a"b`). An
/// empty value sits at `after_eq`.
pub(super) fn unquote(raw: &str, start: usize, after_eq: usize) -> Spanned<String> {
    let lead = raw.len() - raw.trim_start_matches(BLANKS).len();
    let trimmed = raw.trim_matches(BLANKS);
    if trimmed.is_empty() {
        return Spanned::new(String::new(), Span::at(after_eq));
    }
    let span = Span::new(start + lead, start + lead + trimmed.len());
    let bytes = trimmed.as_bytes();
    let quoted =
        bytes.len() > 1 && matches!(bytes[0], b'\'' | b'"') && bytes[bytes.len() - 1] == bytes[0];
    let value = if quoted {
        &trimmed[1..trimmed.len() - 1]
    } else {
        trimmed
    };
    Spanned::new(value.to_string(), span)
}

/// The key a martian line probably meant: `lcx.start.auto`, `LXC.start.auto` or
/// `start.auto` for `lxc.start.auto`.
fn martian_guess(key: &str) -> Option<String> {
    if key.is_empty() {
        return None;
    }
    let lower = key.to_lowercase();
    let mut candidates = vec![lower.clone(), format!("lxc.{lower}")];
    if let Some((_, rest)) = lower.split_once('.') {
        candidates.push(format!("lxc.{rest}"));
    }
    candidates
        .into_iter()
        .find(|c| c.starts_with("lxc.") && keys::check(c, Span::default(), true).is_ok())
        .or_else(|| keys::suggest(&lower))
}
