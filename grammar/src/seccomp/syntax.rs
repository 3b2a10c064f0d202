//! Syntax errors of seccomp policies in words.
//!
//! The grammar's tokens are loose, so pest fails in few ways, each found by looking at the
//! line around the position pest stopped at: a TAB or an indentation that makes LXC read
//! another syscall name, a character that cannot be part of a rule, a condition that is
//! not closed or has a part missing, text after the end of what a line can hold.

use super::PestRule as Rule;
use crate::diagnostic::Diagnostic;
use crate::parse_error::{found_at, offset};
use crate::source::Span;

const CONDITION_FORM: &str =
    "a condition is `[index,value,op]` or `[index,value,SCMP_CMP_MASKED_EQ,mask]`, e.g. `[1,0x9400,SCMP_CMP_EQ]`";

/// The diagnostic for a pest error of `rule` in `line`, which starts at byte `base`.
pub(super) fn syntax_error(
    which: Rule,
    line: &str,
    base: usize,
    err: &pest::error::Error<Rule>,
) -> Diagnostic {
    let at = offset(err).min(line.len());
    let next = line.get(at..).and_then(|rest| rest.chars().next());
    let here = Span::new(base + at, base + at + next.map_or(0, char::len_utf8));
    let found = found_at(line, at);
    match which {
        Rule::version_line => Diagnostic::error(
            here,
            if at == 0 || line[..at].trim().is_empty() {
                format!("expected the policy version `1` or `2`, found {found}")
            } else {
                format!("expected the end of the line after the version, found {found}")
            },
        )
        .with_hint("the first line holds only the version: `2` for a policy of syscall names, `1` for a list of numbers; the policy goes on the next line"),
        Rule::policy_line => policy_error(line, at, here, &found),
        Rule::v1_line => Diagnostic::error(
            here,
            format!("expected a syscall number, found {found}"),
        )
        .with_hint("a version 1 policy lists decimal syscall numbers, one per line, without comments"),
        _ => v2_error(line, at, here, &found),
    }
}

fn policy_error(line: &str, at: usize, here: Span, found: &str) -> Diagnostic {
    if line[..at].trim().is_empty() {
        return Diagnostic::error(here, format!("expected the policy `allowlist` or `denylist`, found {found}"))
            .with_hint("the second line is `allowlist` or `denylist`, optionally followed by the default action");
    }
    if next_is(line, at, '\t') || line[..at].ends_with('\t') {
        return Diagnostic::error(here, "a TAB separates the policy from its action")
            .with_hint("LXC looks for a space: with a TAB it ignores the action and keeps the default; use a space");
    }
    Diagnostic::error(here, format!("expected the end of the policy line, found {found}"))
        .with_hint("the policy line is `allowlist` or `denylist`, then optionally one action: `kill`, `trap`, `errno N`, `allow` or `notify`")
}

fn next_is(line: &str, at: usize, c: char) -> bool {
    line.get(at..).is_some_and(|rest| rest.starts_with(c))
}

fn v2_error(line: &str, at: usize, here: Span, found: &str) -> Diagnostic {
    let base = here.start - at;
    let trimmed = line.trim_start_matches([' ', '\t']);
    let indent = line.len() - trimmed.len();
    let indent_span = Span::new(base, base + indent);
    // A rule indented with blanks: LXC cuts the name at the first space and gets "".
    if indent > 0 && !trimmed.starts_with(['#', '[']) {
        return Diagnostic::error(indent_span, "a rule cannot start with a blank")
            .with_hint("LXC reads the syscall name up to the first space, so it finds an empty name here and skips the rule; remove the blanks");
    }
    if indent > 0 {
        return Diagnostic::error(indent_span, "a section cannot start with a blank").with_hint(
            "LXC compares the whole line with `[x86_64]`, `[all]`, ...; remove the blanks",
        );
    }
    if line.starts_with('[') {
        return match line.find(']') {
            None => Diagnostic::error(
                Span::at(base + line.trim_end_matches([' ', '\t']).len()),
                "expected `]` to close the section",
            )
            .with_hint(
                "a section is one architecture name in brackets, alone on its line: `[x86_64]`",
            ),
            Some(close) => {
                let rest = &line[close + 1..];
                let after = close + 1 + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
                let what = found_at(line, after);
                let here = Span::new(
                    base + after,
                    base + line.trim_end_matches([' ', '\t']).len(),
                );
                if line[1..close].contains([' ', '\t']) {
                    Diagnostic::error(Span::new(base, base + close + 1), "blanks in a section name")
                        .with_hint("LXC compares the whole line with `[x86_64]`, `[all]`, ...; remove the blanks")
                } else {
                    Diagnostic::error(
                        here,
                        format!("expected the end of the line after the section, found {what}"),
                    )
                    .with_hint("a section is alone on its line: put what follows on the next line")
                }
            }
        };
    }
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(line.len());
    if name_end == 0 {
        return Diagnostic::error(
            here,
            format!("expected a syscall name, an `[architecture]` section or a `#` comment, found {found}"),
        )
        .with_hint("a rule is `syscall [action] [conditions]`, e.g. `kexec_load errno 1`");
    }
    let name = &line[..name_end];
    let after_name = Span::new(base + name_end, base + name_end + 1);
    if next_is(line, name_end, '\t') {
        let glued: String = line[name_end..].chars().take_while(|c| *c != ' ').collect();
        return Diagnostic::error(after_name, "a TAB after the syscall name").with_hint(format!(
            "LXC separates the parts of a rule with spaces only: it would read `{name}{}` \
                 as the syscall name, find no such syscall and skip the rule; use a space",
            glued.escape_debug()
        ));
    }
    if !next_is(line, name_end, ' ') {
        return Diagnostic::error(
            after_name,
            format!(
                "unexpected {} after the syscall name `{name}`",
                describe(line, name_end)
            ),
        )
        .with_hint(
            "syscall names are letters, digits and `_`, followed by a space; one syscall per line",
        );
    }
    // The conditions, in order: the first one that is not well formed.
    let mut from = name_end;
    while let Some(open) = line[from..].find('[').map(|i| from + i) {
        if let Err((pos, message)) = check_condition(line, open) {
            let next = line[pos..].chars().next();
            let span = Span::new(base + pos, base + pos + next.map_or(0, char::len_utf8));
            return Diagnostic::error(span, message).with_hint(CONDITION_FORM);
        }
        from = open + 1;
    }
    if line[..at].ends_with('\t') || next_is(line, at, '\t') {
        return Diagnostic::error(here, "a TAB between the parts of a rule")
            .with_hint("LXC separates the parts of a rule with spaces only; use a space");
    }
    Diagnostic::error(here, format!("unexpected {found}"))
        .with_hint("a rule is `syscall [action] [conditions]`, e.g. `kexec_load errno 1` or `ioctl errno 1 [1,0x5401,SCMP_CMP_EQ]`; LXC ignores text after the action, so it is refused")
}

/// Checks the condition that opens at `open` the way the grammar reads it: the position
/// and words of the first mistake, if any.
fn check_condition(line: &str, open: usize) -> Result<(), (usize, String)> {
    let bytes = line.as_bytes();
    let mut i = open + 1;
    let skip_blanks = |i: &mut usize| {
        while matches!(bytes.get(*i), Some(b' ' | b'\t')) {
            *i += 1;
        }
    };
    let token = |i: &mut usize, allowed: &dyn Fn(u8) -> bool| {
        let start = *i;
        while bytes.get(*i).is_some_and(|b| allowed(*b)) {
            *i += 1;
        }
        *i > start
    };
    let number = |b: u8| b.is_ascii_alphanumeric() || b == b'-';
    let op = |b: u8| !matches!(b, b',' | b']' | b' ' | b'\t');
    let parts: [(&str, bool); 4] = [
        ("the argument index (0 to 5)", true),
        ("the value", true),
        ("the comparison", false),
        ("the mask", true),
    ];
    for (n, (what, numeric)) in parts.iter().enumerate() {
        if *numeric {
            skip_blanks(&mut i);
        }
        let ok = if *numeric {
            token(&mut i, &number)
        } else {
            token(&mut i, &op)
        };
        if !ok {
            return Err((
                i,
                format!(
                    "expected {what} in the condition, found {}",
                    describe(line, i)
                ),
            ));
        }
        match bytes.get(i) {
            Some(b']') if n >= 2 => return Ok(()),
            Some(b',') if n < 3 => i += 1,
            None => return Err((i, "the condition is not closed: expected `]`".to_string())),
            Some(b' ' | b'\t') => {
                return Err((i, format!("unexpected blank after {what} in the condition")))
            }
            Some(_) => {
                let expected = if n >= 2 { "`,` or `]`" } else { "`,`" };
                return Err((
                    i,
                    format!(
                        "expected {expected} after {what}, found {}",
                        describe(line, i)
                    ),
                ));
            }
        }
    }
    Err((i, "expected `]` after the mask".to_string()))
}

/// What is at `at`: a quoted character, or "the end of the line".
fn describe(line: &str, at: usize) -> String {
    match line[at..].chars().next() {
        None => "the end of the line".to_string(),
        Some(c) => format!("`{}`", c.escape_debug()),
    }
}
