//! cgconfig.conf: the groups, templates, defaults, mounts, namespaces and systemd scopes a
//! host should have.
//!
//! The language is libcgroup 3.x's (its `lex.l` and `parse.y`), described in `cgconfig.pest`.
//! Deliberate differences, all listed in `docs/compat.md`:
//!
//! * extensions: a `#` comment after a statement, CRLF line endings, numeric ids
//!   (`uid = 0;`), keywords as values, `perm` anywhere in a group, `perm` with only `task`
//!   or only `admin`;
//! * stricter: unknown keys in `perm` and `systemd` blocks, malformed modes, group names
//!   that would leave the hierarchy, setting names that are not plain file names;
//! * kept rejections: empty groups, a controller or key written twice in one block, `mount`
//!   and `namespace` in the same file.
//!
//! [`parse`] reports every error of a file it can find, not only the first: after a syntax
//! error it resumes at the next line that starts a section.
//!
//! ```
//! use grammar::{cgconfig, SourceFile};
//! let src = SourceFile::new("cgconfig.conf", "group foo { cpu { cpu.shares = 100; } }");
//! let config = cgconfig::parse(&src).unwrap();
//! let foo = config.groups().next().unwrap();
//! assert_eq!(foo.controller("cpu").unwrap().settings[0].value.value, "100");
//! ```

mod ast;
mod build;
mod fast;
mod print;
mod syntax;

pub use ast::*;
pub use build::parse_mode;
pub use print::{print, print_with, Layout, PrintError};

use crate::diagnostic::Diagnostic;
use crate::source::{SourceFile, Span};
use build::Builder;
use pest::Parser as _;

/// The pest parser generated from `cgconfig.pest` (private: the tree is the interface).
mod generated {
    #![allow(missing_docs)]
    #[derive(pest_derive::Parser)]
    #[grammar = "cgconfig.pest"]
    pub struct CgconfigParser;
}
use generated::{CgconfigParser, Rule};

/// Parses and checks one file. On failure, returns every error found, in file order.
///
/// `group` and `template` sections go through a hand-written reader where it recognises
/// them (`fast.rs`: about ten times fewer instructions than pest, the same tree and
/// diagnostics); the rest, and anything it does not recognise, through pest.
///
/// The file is parsed one section at a time: the sections are found by [`chunks`] and
/// each is handed to pest alone, so that pest's token queue (two tokens per matched rule,
/// built for the whole input before the first pair) holds one section, not the file (a
/// 5000-group file: 20 MiB). The result is the one a single parse of the whole file
/// gives; a file with a syntax error is parsed again as a whole to explain it.
pub fn parse(src: &SourceFile) -> Result<Config, Vec<Diagnostic>> {
    parse_with(src, Reading::Fast)
}

/// How sections are read: `Fast` lets the hand-written reader (`fast.rs`) take the
/// `group` and `template` sections it recognises; `Pest` sends everything through pest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reading {
    Fast,
    Pest,
}

/// [`parse`] through pest alone, without the hand-written reader: for the tests and
/// fuzzing that compare the two.
#[doc(hidden)]
pub fn parse_with_pest(src: &SourceFile) -> Result<Config, Vec<Diagnostic>> {
    parse_with(src, Reading::Pest)
}

/// How many of a file's sections the hand-written reader takes, of how many (for the
/// tests that make sure it does take the common ones).
#[doc(hidden)]
pub fn fast_coverage(text: &str) -> (usize, usize) {
    let Some(found) = chunks(text) else {
        return (0, 0);
    };
    let mut builder = Builder {
        base: 0,
        diagnostics: Vec::new(),
    };
    let fast = found
        .iter()
        .filter(|chunk| {
            let piece = &text[chunk.span.start..chunk.span.end];
            fast::section(piece, chunk.span.start, &mut builder).is_some()
        })
        .count();
    (fast, found.len())
}

fn parse_with(src: &SourceFile, reading: Reading) -> Result<Config, Vec<Diagnostic>> {
    let text = src.text();
    let mut builder = Builder {
        base: 0,
        diagnostics: Vec::new(),
    };
    let parsed = chunks(text).and_then(|found| {
        parse_exact(
            text,
            found.iter().map(|chunk| chunk.span),
            &mut builder,
            reading,
        )
    });
    let sections = match parsed {
        Some(sections) => sections,
        None => {
            // Start over: the sections built so far reported their problems already.
            builder.diagnostics.clear();
            let mut sections = Vec::new();
            recover(text, &mut builder, &mut sections);
            sections
        }
    };
    finish(builder, sections)
}

/// A top-level section of a file, found by [`chunks`] without parsing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// From the section's keyword to its closing `}`.
    pub span: Span,
    /// Whether it is a `group` section. The others (`default`, `namespace`, `mount`,
    /// `template`, `systemd`) change how the file's groups are read or are checked
    /// together.
    pub is_group: bool,
}

/// Cuts `text` into its top-level sections by a lexical scan: blanks and comments
/// between sections as the grammar defines them (`#` to the end of the line, a line
/// starting with `*`), and each section from its first word to the `}` that closes its
/// first `{`, quoted words and comments skipped. Nothing is checked inside a section:
/// [`parse_chunks`] does that. `None` when the text is not sections separated by blanks
/// and comments (a syntax error, which [`parse`] explains).
///
/// For a well-formed file the chunks are exactly the sections a parse finds, so a caller
/// that keeps the result of parsing a chunk's text can reuse it wherever the same text
/// comes back (cgconfigd re-parses only the sections an edit changed).
pub fn chunks(text: &str) -> Option<Vec<Chunk>> {
    let bytes = text.as_bytes();
    let end_of_line = |i: usize| memchr_newline(bytes, i);
    let mut out = Vec::new();
    let mut i = 0;
    // `*` in the first column of the first line starts a comment too.
    if bytes.first() == Some(&b'*') {
        i = end_of_line(0);
    }
    loop {
        // Blanks and comments, as the grammar's WHITESPACE.
        loop {
            match bytes.get(i) {
                None => return Some(out),
                Some(b' ' | b'\t' | b'\r') => i += 1,
                Some(b'\n') => {
                    i += 1;
                    if bytes.get(i) == Some(&b'*') {
                        i = end_of_line(i);
                    }
                }
                Some(b'#') => i = end_of_line(i),
                Some(_) => break,
            }
        }
        let start = i;
        if !bytes[start].is_ascii_alphabetic() {
            return None;
        }
        let word_end = bytes[start..]
            .iter()
            .position(|&b| !is_id_byte(b))
            .map_or(bytes.len(), |n| start + n);
        let is_group = &text[start..word_end] == "group";
        let mut depth = 0usize;
        let mut j = word_end;
        let end = loop {
            match bytes.get(j)? {
                b'"' => {
                    let close = bytes[j + 1..].iter().position(|&b| b == b'"')?;
                    j += close + 2;
                }
                b'#' => j = end_of_line(j),
                b'\n' => {
                    j += 1;
                    if bytes.get(j) == Some(&b'*') {
                        j = end_of_line(j);
                    }
                }
                b'{' => {
                    depth += 1;
                    j += 1;
                }
                b'}' => {
                    depth = depth.checked_sub(1)?;
                    j += 1;
                    if depth == 0 {
                        break j;
                    }
                }
                _ => j += 1,
            }
        };
        out.push(Chunk {
            span: Span::new(start, end),
            is_group,
        });
        i = end;
    }
}

/// A character of an unquoted word (the grammar's `id_char`).
fn is_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b',' | b'-' | b'.' | b'/' | b'_' | b'%' | b'@' | b'\\')
}

/// The offset of the next `\n` at or after `from` (the end of the text if none).
fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |n| from + n)
}

/// Parses the sections of `src` at `spans` (chunks found by [`chunks`] in this text, any
/// of them, in file order) and checks them as [`parse`] checks a file made of them. On
/// a syntax error in one of them, returns every error of the whole file, as [`parse`]
/// reports them.
pub fn parse_chunks(
    src: &SourceFile,
    spans: impl IntoIterator<Item = Span>,
) -> Result<Config, Vec<Diagnostic>> {
    let mut builder = Builder {
        base: 0,
        diagnostics: Vec::new(),
    };
    match parse_exact(src.text(), spans, &mut builder, Reading::Fast) {
        Some(sections) => finish(builder, sections),
        None => Err(parse(src).err().unwrap_or_else(|| {
            vec![Diagnostic::error(
                Span::new(0, 0),
                "internal error: a chunk is not one section of this file",
            )]
        })),
    }
}

/// Each span parsed as exactly one section; `None` at the first that is not.
fn parse_exact(
    text: &str,
    spans: impl IntoIterator<Item = Span>,
    builder: &mut Builder,
    reading: Reading,
) -> Option<Vec<Section>> {
    let mut sections = Vec::new();
    for span in spans {
        let chunk = text.get(span.start..span.end)?;
        if reading == Reading::Fast {
            if let Some(section) = fast::section(chunk, span.start, builder) {
                sections.push(section);
                continue;
            }
        }
        let pairs = CgconfigParser::parse(Rule::exact_section, chunk).ok()?;
        builder.base = span.start;
        for exact in pairs {
            sections.extend(exact.into_inner().filter_map(|p| builder.section(p)));
        }
    }
    Some(sections)
}

/// The file-level checks, then the verdict.
fn finish(mut builder: Builder, sections: Vec<Section>) -> Result<Config, Vec<Diagnostic>> {
    let config = Config { sections };
    builder.file(&config);
    let mut diagnostics = builder.diagnostics;
    if diagnostics.iter().any(Diagnostic::is_error) {
        diagnostics.sort_by_key(|d| d.span.start);
        return Err(diagnostics);
    }
    Ok(config)
}

/// Parses a file that has syntax errors: every good section is kept (so its structural
/// errors are reported too), every bad one gives one syntax error, and parsing resumes at
/// the next line that starts a section.
fn recover(text: &str, builder: &mut Builder, sections: &mut Vec<Section>) {
    let mut pos = 0;
    while pos <= text.len() {
        let rest = &text[pos..];
        builder.base = pos;
        let mut consumed = 0;
        if let Ok(pairs) = CgconfigParser::parse(Rule::sections_prefix, rest) {
            for prefix in pairs {
                consumed = prefix.as_span().end();
                sections.extend(prefix.into_inner().filter_map(|p| builder.section(p)));
            }
        }
        let section_start = pos + consumed;
        let rest = &text[section_start..];
        if CgconfigParser::parse(Rule::only_trivia, rest).is_ok() {
            return;
        }
        let error_at = match CgconfigParser::parse(Rule::one_section, rest) {
            Err(err) => {
                let (diagnostic, resumable) = syntax::syntax_error(text, section_start, &err);
                let error_at = diagnostic.span.start;
                builder.diagnostics.push(diagnostic);
                if !resumable {
                    return;
                }
                error_at
            }
            // Cannot happen: `sections_prefix` would have taken this section. Stop rather
            // than loop.
            Ok(_) => return,
        };
        match syntax::resync_point(text, section_start, error_at) {
            Some(next) if next > pos => pos = next,
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests;
