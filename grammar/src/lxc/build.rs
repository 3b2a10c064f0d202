//! From pest's lines to [`Entry`]s, reading each line as LXC's `parse_line` does, with the
//! checks that need nothing but the text. Every check reports and carries on, so a file
//! with several mistakes shows them all.

use super::ast::Entry;
use super::legacy::{Legacy, Renamer};
use super::{keys, Rule};
use crate::diagnostic::Diagnostic;
use crate::source::{Span, Spanned};
use pest::iterators::Pair;

/// LXC trims only spaces and TABs around keys and values (`lxc_char_left_gc`).
const BLANKS: [char; 2] = [' ', '\t'];

/// Cuts one file into settings as written.
#[derive(Default)]
pub(super) struct Builder {
    diagnostics: Vec<Diagnostic>,
    entries: Vec<Entry>,
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

impl Builder {
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
            self.diagnostics.push(missing_eq(&key));
            return;
        };
        let value = unquote(
            value_pair.as_str(),
            value_pair.as_span().start(),
            span_of(&eq).end,
        );
        // The key is renamed and checked later, by [`settle`], in the order LXC reads the
        // lines: the numbering of pre-3.0 networks runs on into included files.
        self.entries.push(Entry {
            span: Span::new(key.span.start, value.span.end.max(key.span.end)),
            key,
            value,
            renamed_from: None,
        });
    }

    /// The settings as written and the diagnostics of the lines, in file order.
    pub(super) fn finish(self) -> (Vec<Entry>, Vec<Diagnostic>) {
        (self.entries, self.diagnostics)
    }
}

/// The value of the last `lxc.rootfs.backend` of a file, with which its pre-3.0
/// `lxc.rootfs` lines are read.
pub(super) fn rootfs_backend(raw: &[Entry]) -> Option<String> {
    raw.iter()
        .rev()
        .find(|e| e.key.value == "lxc.rootfs.backend")
        .map(|e| e.value.value.clone())
}

/// A setting as written (`raw`) as LXC reads it today: a pre-3.0 key renamed, the key
/// checked and in canonical form. `None` when the line is dropped or wrong, with the reason
/// in `diagnostics`.
pub(super) fn settle(
    mut raw: Entry,
    renamer: &mut Renamer,
    backend: Option<&str>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Entry> {
    let written = raw.key.clone();
    let name = match renamer.rename(&written.value, written.span, &raw.value.value, backend) {
        Legacy::Current => written.value.clone(),
        Legacy::Renamed {
            key,
            value,
            warning,
        } => {
            diagnostics.push(warning);
            if let Some(v) = value {
                raw.value.value = v;
            }
            raw.renamed_from = Some(written.clone());
            key
        }
        Legacy::Dropped(d) | Legacy::Error(d) => {
            diagnostics.push(d);
            return None;
        }
    };
    match keys::check(&name, written.span, !raw.value.value.is_empty()) {
        Ok(canonical) => {
            raw.key.value = canonical;
            Some(raw)
        }
        Err(d) => {
            diagnostics.push(d);
            None
        }
    }
}

/// The error for a setting line without `=`. A blank inside what was read as the key
/// most likely separates key and value (`lxc.uts.name web1`), so the `=` is wanted there.
fn missing_eq(key: &Spanned<String>) -> Diagnostic {
    match key.value.split_once(BLANKS) {
        Some((name, rest)) => {
            let value = rest.trim_start_matches(BLANKS);
            Diagnostic::error(
                Span::at(key.span.start + name.len()),
                format!("expected `=` after `{name}`"),
            )
            .with_hint(format!(
                "a setting is written `key = value`: `{name} = {value}`"
            ))
        }
        None => Diagnostic::error(
            Span::at(key.span.end),
            format!("expected `=` after `{}`", key.value),
        )
        .with_hint(format!(
            "a setting is written `key = value`; `{} =` with nothing after it resets the key",
            key.value
        )),
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
