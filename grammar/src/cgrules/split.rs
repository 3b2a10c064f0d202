//! The hand-written twin of `cgrules.pest`'s `line`: splits a line into its fields without
//! building pest's pairs.
//!
//! Why: cgexec and cgclassify parse the whole rules file on every run, and for a file of
//! 1000 rules pest's generic machinery (a parser state per line, a queue of tokens, the
//! Unicode tables behind `WHITE_SPACE`) was most of the run (BENCHMARKS.md, "cgexec by
//! rules"). The language is small enough to read by hand: blank-separated bare or quoted
//! fields and an optional comment.
//!
//! [`split_into`] accepts exactly the lines the grammar accepts and gives the same fields;
//! for any other line it returns false and the caller asks pest again, so that every
//! syntax error keeps pest's position and the sentences of `syntax.rs`. The differential
//! test in `tests.rs` holds the two together over generated lines.

use super::build::Field;

/// `blank` of the grammar: space or TAB, as libcgroup's `isblank()`.
fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// `bare_char`: anything but blanks, quotes, `#`, control characters (pest's `CONTROL`,
/// general category Cc, which is `char::is_control`) and Unicode spaces (`WHITE_SPACE`,
/// the White_Space property, which is `char::is_whitespace`).
fn is_bare(c: char) -> bool {
    !(is_blank(c) || c == '"' || c == '#' || c.is_control() || c.is_whitespace())
}

/// `quoted_text`'s characters: TAB, or anything but `"` and control characters.
fn is_quoted(c: char) -> bool {
    c == '\t' || !(c == '"' || c.is_control())
}

/// The fields of `line` (which starts at byte `base` of the file), as the grammar's `line`
/// rule would give them; `None` if the grammar refuses the line.
#[cfg(test)]
pub(super) fn split(line: &str, base: usize) -> Option<Vec<Field<'_>>> {
    let mut fields = Vec::new();
    split_into(line, base, &mut fields).then_some(fields)
}

/// The fields of `line` (which starts at byte `base` of the file) into `fields` (cleared
/// first; one buffer for every line of a file saves an allocation per line), as the
/// grammar's `line` rule would give them; false if the grammar refuses the line.
pub(super) fn split_into<'a>(line: &'a str, base: usize, fields: &mut Vec<Field<'a>>) -> bool {
    fields.clear();
    let mut rest = line.char_indices().peekable();
    loop {
        // blank*: before the first field, or the blank+ between fields.
        while rest.next_if(|&(_, c)| is_blank(c)).is_some() {}
        let Some(&(start, first)) = rest.peek() else {
            return true;
        };
        if first == '#' {
            // The comment runs to the end of the line: ANY*.
            return true;
        }
        let end = if first == '"' {
            rest.next();
            loop {
                match rest.next() {
                    Some((at, '"')) => break at + 1,
                    Some((_, c)) if is_quoted(c) => {}
                    // A control character inside, or no closing quote on the line.
                    _ => return false,
                }
            }
        } else {
            while rest.next_if(|&(_, c)| is_bare(c)).is_some() {}
            match rest.peek() {
                Some(&(at, _)) if at == start => return false,
                Some(&(at, _)) => at,
                None => line.len(),
            }
        };
        // After a field: a blank, a comment or the end of the line, nothing else.
        if rest.peek().is_some_and(|&(_, c)| !is_blank(c) && c != '#') {
            return false;
        }
        // Both ends are character boundaries found above, and a quote is one byte.
        let span = (base + start, base + end);
        fields.push(if first == '"' {
            let text = line.get(start + 1..end - 1).unwrap_or_default();
            Field::new(text, span.0 + 1, span, true)
        } else {
            Field::new(
                line.get(start..end).unwrap_or_default(),
                span.0,
                span,
                false,
            )
        });
    }
}
