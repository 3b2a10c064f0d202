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
mod print;
mod syntax;

pub use ast::*;
pub use build::parse_mode;
pub use print::{print, PrintError};

use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
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
pub fn parse(src: &SourceFile) -> Result<Config, Vec<Diagnostic>> {
    let text = src.text();
    let mut builder = Builder {
        base: 0,
        diagnostics: Vec::new(),
    };
    let mut sections = Vec::new();
    match CgconfigParser::parse(Rule::file, text) {
        Ok(pairs) => {
            for file in pairs {
                sections.extend(file.into_inner().filter_map(|p| builder.section(p)));
            }
        }
        Err(_) => recover(text, &mut builder, &mut sections),
    }
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
