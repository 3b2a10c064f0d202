//! Writes a tree back as canonical cgrules.conf text.
//!
//! One line per target, fields in columns aligned with spaces, `%` lines for a rule's
//! extra targets, options joined with `,`. Fields are quoted only when they must be
//! (blanks, `#`, other spaces, or empty), which is libcgroup 3.2 syntax; a file without
//! such names is also read by 2.0.2.

use super::ast::*;

/// A tree that cannot be written as cgrules.conf text that reads back as the same tree.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    /// A name or field the language cannot express, or that would read back as something
    /// else (a user named `*`, a process name ending in `*`, a controller with a comma).
    #[error("{what} `{}` cannot be written in cgrules.conf: {reason}", .text.escape_debug())]
    Unrepresentable {
        /// What the text is ("user name", "controller name", ...).
        what: &'static str,
        /// The text.
        text: String,
        /// Why it cannot be written.
        reason: &'static str,
    },
    /// A rule with no target has no line to be written on.
    #[error("the rule for `{subject}` has no controllers and destination to write")]
    NoTarget {
        /// The rule's first field.
        subject: String,
    },
}

/// The canonical text of `rules`.
pub fn print(rules: &Rules) -> Result<String, PrintError> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    for rule in &rules.rules {
        let mut key = subject_field(&rule.subject.value)?;
        if let Some(process) = &rule.process {
            key.push(':');
            key.push_str(&process_field(&process.value)?);
        }
        if rule.targets.is_empty() {
            return Err(PrintError::NoTarget { subject: key });
        }
        let key = quote_if_needed(key, "user:process field")?;
        for (i, target) in rule.targets.iter().enumerate() {
            let first = if i == 0 { key.clone() } else { "%".to_string() };
            rows.push(target_row(first, target)?);
        }
    }
    Ok(render(&rows))
}

fn target_row(key: String, target: &Target) -> Result<Vec<String>, PrintError> {
    let mut row = vec![key, controllers_field(&target.controllers.value)?];
    row.push(quote_if_needed(
        target.destination.value.as_str().to_string(),
        "destination",
    )?);
    if !target.options.is_empty() {
        let names: Vec<&str> = target.options.iter().map(|o| o.value.as_str()).collect();
        row.push(names.join(","));
    }
    Ok(row)
}

/// The rows as lines, each column padded to its widest field plus two spaces (the last
/// field of a line is not padded).
fn render(rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        // Last fields count too, so that the options of a few rules line up after the
        // destinations of all of them.
        for (i, field) in row.iter().enumerate() {
            let len = field.chars().count();
            match widths.get_mut(i) {
                Some(width) => *width = (*width).max(len),
                None => widths.push(len),
            }
        }
    }
    let mut out = String::new();
    for row in rows {
        for (i, field) in row.iter().enumerate() {
            out.push_str(field);
            if i + 1 < row.len() {
                let width = widths.get(i).copied().unwrap_or(0);
                let pad = width.saturating_sub(field.chars().count()) + 2;
                out.push_str(&" ".repeat(pad));
            }
        }
        out.push('\n');
    }
    out
}

fn unrepresentable(what: &'static str, text: &str, reason: &'static str) -> PrintError {
    PrintError::Unrepresentable {
        what,
        text: text.to_string(),
        reason,
    }
}

fn subject_field(subject: &Subject) -> Result<String, PrintError> {
    match subject {
        Subject::Any => Ok("*".to_string()),
        Subject::User(name) => {
            let what = "user name";
            if name.is_empty() {
                return Err(unrepresentable(what, name, "it is empty"));
            }
            if name.starts_with(['*', '%', '@']) {
                return Err(unrepresentable(
                    what,
                    name,
                    "a first field starting with `*`, `%` or `@` means any user, a continuation or a group",
                ));
            }
            name_chars(what, name)?;
            Ok(name.clone())
        }
        Subject::Group(name) => {
            let what = "group name";
            if name.is_empty() {
                return Err(unrepresentable(what, name, "it is empty"));
            }
            name_chars(what, name)?;
            Ok(format!("@{name}"))
        }
    }
}

/// User and group names end at the first `:`, which starts the process name.
fn name_chars(what: &'static str, name: &str) -> Result<(), PrintError> {
    if name.contains(':') {
        return Err(unrepresentable(
            what,
            name,
            "`:` separates the user from the process",
        ));
    }
    Ok(())
}

fn process_field(process: &ProcessPattern) -> Result<String, PrintError> {
    if let ProcessPattern::Exact(name) = process {
        if name.is_empty() {
            return Err(unrepresentable("process name", name, "it is empty"));
        }
        if name.ends_with('*') {
            return Err(unrepresentable(
                "process name",
                name,
                "a final `*` would make it a prefix pattern",
            ));
        }
    }
    Ok(process.to_field())
}

fn controllers_field(controllers: &Controllers) -> Result<String, PrintError> {
    if let Controllers::List(names) = controllers {
        if names.is_empty() {
            return Err(unrepresentable(
                "controller list",
                "",
                "a list names at least one controller",
            ));
        }
        for name in names {
            let name = name.value.as_str();
            let reason = if name.is_empty() {
                Some("it is empty")
            } else if name == "*" {
                Some("`*` means every controller")
            } else if name.contains(',') {
                Some("`,` separates controllers")
            } else if needs_quotes(name) || name.contains('"') {
                Some("controllers cannot be quoted, so they cannot contain blanks, `#` or `\"`")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(unrepresentable("controller name", name, reason));
            }
        }
    }
    Ok(controllers.to_field())
}

/// True if `text` must be quoted to be read back as one field.
fn needs_quotes(text: &str) -> bool {
    text.is_empty()
        || text
            .chars()
            .any(|c| c == '#' || c.is_whitespace() || c.is_control())
}

/// `text` as one field, quoted if it must be.
fn quote_if_needed(text: String, what: &'static str) -> Result<String, PrintError> {
    if text.contains('"') {
        return Err(unrepresentable(
            what,
            &text,
            "the language has no escape for `\"`",
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\t') {
        return Err(unrepresentable(
            what,
            &text,
            "control characters other than TAB cannot be written",
        ));
    }
    Ok(if needs_quotes(&text) {
        format!("\"{text}\"")
    } else {
        text
    })
}
