//! cgrules.conf: which processes go to which group.
//!
//! One rule per line, `user[:process]  controllers  destination  [options]`, with `%`
//! lines adding destinations to the rule above, as libcgroup 3.2 reads it (double-quoted
//! user:process and destination fields, options `ignore` and `ignore_rt`), described in
//! `cgrules.pest`. Deliberate differences, all listed in `docs/compat.md`:
//!
//! * extensions: CRLF line endings; `#` inside a quoted field is text;
//! * stricter, as errors: `*foo`, `%foo`, `%:process`, `@` alone, an empty user or process
//!   name, an empty item in a list (`cpu,,memory`, `ignore,`), `*` inside a controller
//!   list, quoted controllers or options, fields after the options, control characters
//!   and non-ASCII spaces outside quotes, a destination that is not a safe group name
//!   (`..`, `//`, empty), a destination `*` (nowhere) on a rule without `ignore`;
//! * stricter, as warnings: unknown `%x` variables, a final `%` or `\`, a `*` inside a
//!   process name, repeated controllers or options, `ignore` with `ignore_rt`, options on
//!   a `%` line, `%` lines of an `ignore` rule, rules hidden by an earlier rule;
//! * safer expansion: a variable whose value is not one path component (a process named
//!   `..`) is refused instead of substituted.
//!
//! [`parse`] reads the whole file and reports every error, one line not hiding the next;
//! [`analyze`] also returns the warnings of a file that has no error.
//!
//! ```
//! use grammar::cgrules::{self, Expansion, Subject};
//! use grammar::SourceFile;
//!
//! let src = SourceFile::new("cgrules.conf", "@students  cpu,memory  students/%u\n");
//! let rules = cgrules::parse(&src).unwrap();
//! let rule = &rules.rules[0];
//! assert_eq!(rule.subject.value, Subject::Group("students".into()));
//! let who = Expansion { user: Some("alice"), uid: 1000, ..Expansion::default() };
//! assert_eq!(rule.targets[0].destination.expand(&who).unwrap(), "students/alice");
//! ```

mod ast;
mod build;
mod print;
mod split;
mod syntax;

pub use ast::*;
pub use print::{print, PrintError};

use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use build::Builder;
use pest::Parser as _;

/// The pest parser generated from `cgrules.pest` (private: the tree is the interface).
mod generated {
    #![allow(missing_docs)]
    #[derive(pest_derive::Parser)]
    #[grammar = "cgrules.pest"]
    pub struct CgrulesParser;
}
use generated::{CgrulesParser, Rule as PestRule};

/// Everything [`analyze`] found in a file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Analysis {
    /// The rules that could be read. When there are errors this is partial: lines that
    /// could not be read are missing, and a rule may lack its targets.
    pub rules: Rules,
    /// Errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// True if any diagnostic is an error, that is, if the file must not be used.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The rules if there is no error (warnings are dropped), else every diagnostic.
    pub fn into_result(self) -> Result<Rules, Vec<Diagnostic>> {
        if self.has_errors() {
            Err(self.diagnostics)
        } else {
            Ok(self.rules)
        }
    }
}

/// Parses and checks one file. On failure, returns every error (and warning) found, in
/// file order; on success the warnings are dropped, see [`analyze`] to keep them.
///
/// This is the tools' path (cgexec and cgclassify parse the rules on every run): lines are
/// split by hand, and the check for rules hidden by earlier ones, whose findings are only
/// warnings, runs only when there are errors to report them with.
pub fn parse(src: &SourceFile) -> Result<Rules, Vec<Diagnostic>> {
    read(src, Lexer::Split, false).into_result()
}

/// Parses and checks one file, returning what could be read and every diagnostic.
pub fn analyze(src: &SourceFile) -> Analysis {
    read(src, Lexer::Split, true)
}

/// How lines are split into fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lexer {
    /// By hand ([`split::split_into`]); a line it refuses goes to pest for the error.
    Split,
    /// By pest alone (what the hand-written splitter is tested against).
    #[cfg_attr(not(test), allow(dead_code))]
    Pest,
}

/// [`analyze`] with the lexer given; the warnings of hidden rules are looked for when
/// `shadows`, or when the file has errors (which are reported with every warning).
fn read(src: &SourceFile, lexer: Lexer, shadows: bool) -> Analysis {
    // One rule per line at most.
    let mut builder = Builder::new(src.text().bytes().filter(|&b| b == b'\n').count() + 1);
    let mut fields = Vec::new();
    for (base, line) in lines(src.text()) {
        if lexer == Lexer::Split && split::split_into(line, base, &mut fields) {
            builder.line(&fields);
            continue;
        }
        match CgrulesParser::parse(PestRule::line, line) {
            Ok(mut pairs) => {
                if let Some(pair) = pairs.next() {
                    builder.line(&Builder::fields(pair, base));
                }
            }
            Err(err) => {
                builder
                    .diagnostics
                    .push(syntax::syntax_error(line, base, &err));
                builder.broken_line(line);
            }
        }
    }
    if shadows || builder.diagnostics.iter().any(Diagnostic::is_error) {
        builder.shadowed_rules();
    }
    let mut diagnostics = builder.diagnostics;
    diagnostics.sort_by_key(|d| d.span.start);
    Analysis {
        rules: Rules {
            rules: builder.rules,
        },
        diagnostics,
    }
}

/// Each line of `text` with its offset, without its line ending (`\n` or `\r\n`).
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split('\n').map(move |line| {
        let start = offset;
        offset += line.len() + 1;
        (start, line.strip_suffix('\r').unwrap_or(line))
    })
}

#[cfg(test)]
mod tests;
