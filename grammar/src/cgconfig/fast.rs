//! A hand-written reader for the sections nearly every file is made of, `group` and
//! `template`, beside the pest grammar (`cgconfig.pest`), which stays the definition of the
//! language.
//!
//! pest spends about 400 instructions per byte on a cgconfig.conf (its token queue, rule
//! calls, implicit whitespace between every two tokens): for a 5000-group file that is
//! most of the user time of an apply. This reader does the same tokenising in one pass and
//! hands its pieces to the same checks (`Builder::group_from`), so the tree and the
//! diagnostics are those of the pest path by construction. It only has to agree with the
//! grammar on what is *syntax*, and where it is not sure it does not guess: on anything it
//! does not recognise (a stray character, a keyword where a name goes, a missing `;`) it
//! declines, and the section goes through pest, which also explains the error. So it may
//! decline valid text, never accept text the grammar refuses or read it differently;
//! `tests/cgconfig_fast.rs` checks that on every fixture and on generated and mutated
//! sections, and `fuzz/fuzz_targets/cgconfig.rs` on whatever the fuzzer finds.

use super::ast::{Section, Setting};
use super::build::{Builder, Item, PermBlock};
use crate::source::{Span, Spanned};

/// Reads `text`, exactly one section found by `chunks` starting at offset `base` of its
/// file, if it is a `group` or `template` this reader understands; `None` sends it to pest.
pub(super) fn section(text: &str, base: usize, builder: &mut Builder) -> Option<Section> {
    let mut r = Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        base,
    };
    let (keyword, _) = r.bare()?;
    let kind = match keyword {
        "group" => "group",
        "template" => "template",
        _ => return None,
    };
    r.blanks();
    let name = match r.peek()? {
        b'"' => r.quoted()?,
        _ => {
            let (word, span) = r.bare()?;
            // `group default { }` names a group `default`; other keywords are no names.
            if is_keyword(word) && !(kind == "group" && word == "default") {
                return None;
            }
            Spanned::new(word.to_string(), span)
        }
    };
    r.blanks();
    r.expect(b'{')?;
    let mut items = Vec::new();
    loop {
        r.blanks();
        match r.peek()? {
            b'}' => break,
            b'"' => {
                let start = r.pos;
                let name = r.quoted()?;
                items.push(r.controller(name, start)?);
            }
            _ => {
                let start = r.pos;
                let (word, span) = r.bare()?;
                if word == "perm" {
                    items.push(r.perm(start)?);
                } else if is_keyword(word) {
                    return None;
                } else {
                    items.push(r.controller(Spanned::new(word.to_string(), span), start)?);
                }
            }
        }
    }
    r.expect(b'}')?;
    if r.pos != r.bytes.len() {
        return None;
    }
    let span = r.span(0, r.pos);
    let group = builder.group_from(name, items, span, kind);
    Some(match kind {
        "group" => Section::Group(group),
        _ => Section::Template(group),
    })
}

/// The grammar's `keyword` rule.
fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "group"
            | "template"
            | "default"
            | "mount"
            | "namespace"
            | "systemd"
            | "perm"
            | "task"
            | "admin"
    )
}

/// The grammar's `id_char`: the characters of an unquoted word.
fn is_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b',' | b'-' | b'.' | b'/' | b'_' | b'%' | b'@' | b'\\')
}

struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    base: usize,
}

impl<'t> Reader<'t> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.base + start, self.base + end)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    /// The grammar's WHITESPACE, as often as it matches: blanks, line breaks, a `#`
    /// comment to the end of its line, a `*` comment at the start of a line.
    fn blanks(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\n' => {
                    self.pos += 1;
                    if self.peek() == Some(b'*') {
                        self.skip_to_line_end();
                    }
                }
                b'#' => self.skip_to_line_end(),
                _ => return,
            }
        }
    }

    fn skip_to_line_end(&mut self) {
        self.pos = self.bytes[self.pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.bytes.len(), |n| self.pos + n);
    }

    /// An unquoted word (`bare`): one or more id characters.
    fn bare(&mut self) -> Option<(&'t str, Span)> {
        let start = self.pos;
        let len = self.bytes[start..]
            .iter()
            .position(|&b| !is_id_byte(b))
            .unwrap_or(self.bytes.len() - start);
        if len == 0 {
            return None;
        }
        self.pos += len;
        Some((&self.text[start..self.pos], self.span(start, self.pos)))
    }

    /// A quoted word: anything up to the next `"`, the quotes dropped, the span keeping
    /// them (as the pest path's).
    fn quoted(&mut self) -> Option<Spanned<String>> {
        let start = self.pos;
        self.expect(b'"')?;
        let len = self.bytes[self.pos..].iter().position(|&b| b == b'"')?;
        let inner = &self.text[self.pos..self.pos + len];
        self.pos += len + 1;
        Some(Spanned::new(inner.to_string(), self.span(start, self.pos)))
    }

    /// A value: quoted or unquoted, keywords included.
    fn value(&mut self) -> Option<Spanned<String>> {
        match self.peek()? {
            b'"' => self.quoted(),
            _ => {
                let (word, span) = self.bare()?;
                Some(Spanned::new(word.to_string(), span))
            }
        }
    }

    /// `{ setting* }` after a block's name or keyword, up to and including the `}`.
    fn settings(&mut self) -> Option<Vec<Setting>> {
        self.blanks();
        self.expect(b'{')?;
        let mut settings = Vec::new();
        loop {
            self.blanks();
            if self.peek()? == b'}' {
                self.pos += 1;
                return Some(settings);
            }
            let start = self.pos;
            let name = self.value()?;
            self.blanks();
            self.expect(b'=')?;
            self.blanks();
            let value = self.value()?;
            self.blanks();
            self.expect(b';')?;
            settings.push(Setting {
                name,
                value,
                span: self.span(start, self.pos),
            });
        }
    }

    /// A controller block whose name (starting at `start`) was read.
    fn controller(&mut self, name: Spanned<String>, start: usize) -> Option<Item> {
        let settings = self.settings()?;
        Some(Item::Controller {
            name,
            settings,
            span: self.span(start, self.pos),
        })
    }

    /// A `perm` block whose keyword (starting at `start`) was read.
    fn perm(&mut self, start: usize) -> Option<Item> {
        self.blanks();
        self.expect(b'{')?;
        let mut blocks = Vec::new();
        loop {
            self.blanks();
            if self.peek()? == b'}' {
                self.pos += 1;
                break;
            }
            let block_start = self.pos;
            let (word, _) = self.bare()?;
            let is_task = match word {
                "task" => true,
                "admin" => false,
                _ => return None,
            };
            let settings = self.settings()?;
            let span = self.span(block_start, self.pos);
            blocks.push(if is_task {
                PermBlock::Task { settings, span }
            } else {
                PermBlock::Admin { settings, span }
            });
        }
        Some(Item::Perm {
            blocks,
            span: self.span(start, self.pos),
        })
    }
}
