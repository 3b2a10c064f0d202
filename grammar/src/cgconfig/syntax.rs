//! Syntax errors of cgconfig.conf in words.
//!
//! pest says which rules it expected where it stopped. To say it the way a person would
//! ("expected `;` after the value of `cpu.shares`"), this module re-reads the tokens of the
//! section up to the error with a small lexer, to learn which block is open and which
//! statement was being written.

use super::ast::{KEYWORDS, SECTION_KEYWORDS};
use super::Rule;
use crate::diagnostic::Diagnostic;
use crate::parse_error::{expected, found_at, offset};
use crate::source::Span;
use crate::suggest::closest;

/// A token of cgconfig.conf, as far as error messages care.
#[derive(Clone, Debug, PartialEq)]
enum Token<'a> {
    Word(&'a str),
    Quoted(&'a str),
    /// A `"` with no closing quote before the end of the text.
    Unterminated,
    Open,
    Close,
    Eq,
    Semi,
    Other(char),
}

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_-/.,%@\\".contains(c)
}

/// Tokens of `text[start..end]` with their offsets, skipping blanks and comments.
fn tokens(text: &str, start: usize, end: usize) -> Vec<(usize, Token<'_>)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = start;
    while i < end {
        let c = bytes[i] as char;
        let at_line_start = i == 0 || bytes[i - 1] == b'\n';
        match c {
            ' ' | '\t' | '\r' | '\n' => i += 1,
            '#' => i = skip_line(text, i),
            '*' if at_line_start => i = skip_line(text, i),
            '"' => match text[i + 1..].find('"') {
                Some(len) => {
                    out.push((i, Token::Quoted(&text[i + 1..i + 1 + len])));
                    i += len + 2;
                }
                None => {
                    out.push((i, Token::Unterminated));
                    i = text.len();
                }
            },
            '{' => push(&mut out, &mut i, Token::Open),
            '}' => push(&mut out, &mut i, Token::Close),
            '=' => push(&mut out, &mut i, Token::Eq),
            ';' => push(&mut out, &mut i, Token::Semi),
            c if is_id_char(c) => {
                let len = text[i..]
                    .find(|c: char| !is_id_char(c))
                    .unwrap_or(text.len() - i);
                out.push((i, Token::Word(&text[i..i + len])));
                i += len;
            }
            _ => {
                let c = text[i..].chars().next().unwrap_or('?');
                out.push((i, Token::Other(c)));
                i += c.len_utf8();
            }
        }
    }
    out
}

fn push<'a>(out: &mut Vec<(usize, Token<'a>)>, i: &mut usize, token: Token<'a>) {
    out.push((*i, token));
    *i += 1;
}

fn skip_line(text: &str, i: usize) -> usize {
    text[i..].find('\n').map_or(text.len(), |n| i + n)
}

fn show(token: &Token<'_>) -> String {
    match token {
        Token::Word(w) => w.to_string(),
        Token::Quoted(q) => format!("\"{q}\""),
        Token::Unterminated => "\"".into(),
        Token::Open => "{".into(),
        Token::Close => "}".into(),
        Token::Eq => "=".into(),
        Token::Semi => ";".into(),
        Token::Other(c) => c.to_string(),
    }
}

fn word_text<'a>(token: &Token<'a>) -> Option<&'a str> {
    match token {
        Token::Word(w) | Token::Quoted(w) => Some(w),
        _ => None,
    }
}

/// What was open and being written when the error happened.
struct Context<'a> {
    /// Headers of the open blocks, outermost first (`["group", "web"]`, `["cpu"]`).
    blocks: Vec<Vec<Token<'a>>>,
    /// Tokens since the last `{`, `}` or `;`.
    tail: Vec<Token<'a>>,
    /// Offset of each token of `tail`.
    tail_at: Vec<usize>,
}

impl<'a> Context<'a> {
    fn new(toks: &[(usize, Token<'a>)]) -> Self {
        let mut blocks = Vec::new();
        let mut tail = Vec::new();
        let mut tail_at = Vec::new();
        for (at, token) in toks {
            match token {
                Token::Open => {
                    blocks.push(std::mem::take(&mut tail));
                    tail_at.clear();
                }
                Token::Close => {
                    blocks.pop();
                    tail.clear();
                    tail_at.clear();
                }
                Token::Semi => {
                    tail.clear();
                    tail_at.clear();
                }
                t => {
                    tail.push(t.clone());
                    tail_at.push(*at);
                }
            }
        }
        Context {
            blocks,
            tail,
            tail_at,
        }
    }

    /// The innermost block, described: "group `web`", "controller `cpu`", "`perm`".
    fn block(&self) -> Option<String> {
        let header = self.blocks.last()?;
        let words: Vec<String> = header.iter().map(show).collect();
        Some(match words.as_slice() {
            [kw, name] if kw == "group" || kw == "template" => format!("{kw} `{name}`"),
            [kw] if KEYWORDS.contains(&kw.as_str()) => format!("`{kw}`"),
            [name] => format!("controller `{name}`"),
            other => format!("`{}`", other.join(" ")),
        })
    }

    fn block_keyword(&self) -> Option<String> {
        let first = self.blocks.last()?.first()?;
        match first {
            Token::Word(w) if KEYWORDS.contains(w) => Some(w.to_string()),
            _ => Some("controller".into()),
        }
    }

    /// The key of the statement being written (`cpu.shares` in `cpu.shares = 1`).
    fn key(&self) -> Option<&'a str> {
        self.tail.first().and_then(word_text)
    }
}

/// The diagnostic for a pest error met while parsing the text from `base` on, and whether
/// parsing can resume after it (not after an unterminated string, which swallowed the rest).
pub(super) fn syntax_error(
    text: &str,
    base: usize,
    err: &pest::error::Error<Rule>,
) -> (Diagnostic, bool) {
    let at = base + offset(err);
    let rules = expected(err);
    let toks = tokens(text, base, at);

    // An unterminated string swallows the rest of the file; point at its opening quote.
    let after = tokens(text, at, text.len());
    if let Some((quote_at, _)) = toks
        .iter()
        .chain(after.first())
        .find(|(_, t)| *t == Token::Unterminated)
    {
        let d = Diagnostic::error(
            Span::new(*quote_at, quote_at + 1),
            "unterminated string: this `\"` is never closed",
        )
        .with_hint("add the closing `\"`; quoted words cannot contain `\"`");
        return (d, false);
    }
    (words(text, at, &rules, &toks), true)
}

/// The message for an error at `at`, given the expected rules and the tokens before it.
fn words(text: &str, at: usize, rules: &[Rule], toks: &[(usize, Token<'_>)]) -> Diagnostic {
    let ctx = Context::new(toks);
    let found = found_at(text, at);
    let next_char = text[at.min(text.len())..].chars().next();
    let here = Span::new(at, at + next_char.map_or(0, char::len_utf8));
    let has = |r: Rule| rules.contains(&r);

    let stray =
        next_char.filter(|&c| !c.is_whitespace() && !is_id_char(c) && !"{}=;\"#".contains(c));
    let key = ctx.key().unwrap_or("?");

    if has(Rule::semi) {
        let value_text = value_suggestion(text, at, &ctx);
        return match stray {
            Some(c) => Diagnostic::error(
                here,
                format!("unexpected `{c}` in the value of `{key}`"),
            )
            .with_hint(format!(
                "values with characters other than letters, digits and `_-/.,%@\\` must be quoted: `{key} = \"{value_text}\";`"
            )),
            None => Diagnostic::error(
                here,
                format!("expected `;` after the value of `{key}`, found {found}"),
            )
            .with_hint(if ctx.tail.len() > 3 || matches!(next_char, Some(c) if is_id_char(c)) {
                format!("values with spaces must be quoted: `{key} = \"{value_text}\";`")
            } else {
                "every `name = value` ends with `;`".to_string()
            }),
        };
    }
    if has(Rule::eq) {
        return match stray {
            Some(c) => Diagnostic::error(here, format!("unexpected `{c}` after `{key}`"))
                .with_hint(
                    "settings are written `name = value;`; quote names with other characters",
                ),
            None => Diagnostic::error(here, format!("expected `=` after `{key}`, found {found}"))
                .with_hint("settings are written `name = value;`"),
        };
    }
    if has(Rule::bare) && ctx.tail.last() == Some(&Token::Eq) {
        let d = Diagnostic::error(
            here,
            format!("expected a value after `{key} =`, found {found}"),
        );
        return match (next_char, stray) {
            (Some(';'), _) => d.with_hint("write `\"\"` for an empty value"),
            (_, Some(c)) => d.with_hint(format!("values that start with `{c}` must be quoted")),
            _ => d,
        };
    }
    if has(Rule::open) {
        let what: Vec<String> = ctx.tail.iter().map(show).collect();
        let d = Diagnostic::error(
            here,
            format!("expected `{{` after `{}`, found {found}", what.join(" ")),
        );
        let same_line = !text[ctx.tail_at.last().copied().unwrap_or(at).min(at)..at].contains('\n');
        return match ctx.tail.first() {
            Some(Token::Word("group" | "template"))
                if same_line && matches!(next_char, Some(c) if is_id_char(c) || c == '"') =>
            {
                d.with_hint("names with spaces must be quoted: `group \"my group\" {`")
            }
            _ => d,
        };
    }
    // A name was expected after `group` or `template`.
    if (has(Rule::bare) || has(Rule::quoted))
        && matches!(ctx.tail.as_slice(), [Token::Word("group" | "template")])
    {
        let kw = show(&ctx.tail[0]);
        let d = Diagnostic::error(
            here,
            format!("expected a {kw} name after `{kw}`, found {found}"),
        );
        return match reserved_word_at(text, at) {
            Some(word) => d.with_hint(format!(
                "`{word}` is a keyword; quote it to use it as a name: `\"{word}\"`"
            )),
            None => d,
        };
    }
    if has(Rule::close) {
        let block = ctx.block().unwrap_or_else(|| "the block".into());
        let items = match ctx.block_keyword().as_deref() {
            Some("group" | "template" | "default") => {
                "a controller block such as `cpu { ... }`, `perm { ... }`"
            }
            Some("perm") => "`task { ... }`, `admin { ... }`",
            _ => "`name = value;`",
        };
        if let Some(word) = reserved_word_at(text, at).filter(|w| SECTION_KEYWORDS.contains(w)) {
            return Diagnostic::error(
                here,
                format!("expected `}}` to close {block} before `{word}`"),
            )
            .with_hint("a `}` is missing above this line");
        }
        let d = Diagnostic::error(
            here,
            format!("expected {items} or `}}` in {block}, found {found}"),
        );
        if next_char == Some(';') && toks.last().is_some_and(|(_, t)| *t == Token::Close) {
            return d.with_hint("no `;` follows a `}`");
        }
        return match (reserved_word_at(text, at), stray) {
            (Some(word), _) => d.with_hint(format!(
                "`{word}` is a keyword; quote it to use it as a name: `\"{word}\"`"
            )),
            (None, Some(c)) => d.with_hint(format!("names with `{c}` must be quoted")),
            _ => d,
        };
    }
    let top_level = [Rule::group, Rule::kw_group, Rule::one_section, Rule::EOI];
    if top_level.iter().any(|&r| has(r)) {
        let d = Diagnostic::error(
            here,
            format!(
                "expected a section (`group`, `template`, `default`, `mount`, `namespace` or `systemd`), found {found}"
            ),
        );
        let word = &found.trim_matches('`');
        return match next_char {
            Some('}') => d.with_hint("this `}` has no matching `{`"),
            Some('*') => d.with_hint("only a `*` in the first column starts a comment"),
            _ => match closest(word, SECTION_KEYWORDS.into_iter()) {
                Some(keyword) => d.with_hint(format!("did you mean `{keyword}`?")),
                None => d,
            },
        };
    }
    let names: Vec<String> = rules.iter().map(|r| format!("{r:?}")).collect();
    Diagnostic::error(
        here,
        format!(
            "syntax error: expected {}, found {found}",
            names.join(" or ")
        ),
    )
}

/// The keyword at `at`, if the text there is one.
fn reserved_word_at(text: &str, at: usize) -> Option<&'static str> {
    let rest = &text[at.min(text.len())..];
    let len = rest.find(|c: char| !is_id_char(c)).unwrap_or(rest.len());
    KEYWORDS.into_iter().find(|k| *k == &rest[..len])
}

/// The value as the user probably meant it: from the value's first token to the end of
/// the statement (the next `;`, `}` or line end).
fn value_suggestion(text: &str, at: usize, ctx: &Context<'_>) -> String {
    let at = at.min(text.len());
    let start = ctx.tail_at.get(2).copied().unwrap_or(at).min(at);
    let end = text[at..]
        .find([';', '}', '\n', '\r'])
        .map_or(text.len(), |n| at + n);
    text[start..end].trim_end().replace('"', "")
}

/// Where to resume after a syntax error at `error_at` in a section that started at
/// `section_start`: the start of the first line at or after the error whose first token is
/// a section keyword.
pub(super) fn resync_point(text: &str, section_start: usize, error_at: usize) -> Option<usize> {
    let mut line_start = text[..error_at.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    loop {
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |i| line_start + i);
        let first = text[line_start..line_end]
            .find(|c: char| c != ' ' && c != '\t')
            .map(|i| line_start + i);
        if let Some(first) = first {
            if first >= error_at && first > section_start {
                if let Some(word) = reserved_word_at(text, first) {
                    if SECTION_KEYWORDS.contains(&word) {
                        return Some(line_start);
                    }
                }
            }
        }
        if line_end >= text.len() {
            return None;
        }
        line_start = line_end + 1;
    }
}
