//! Writes a tree back as cgconfig.conf text that `parse` reads back into an equal tree.
//!
//! [`print`] writes the canonical form: one statement per line, TAB indentation, `perm`
//! first in each group (`task` before `admin`), `name = value;` with words quoted only when
//! they must be (empty, keywords, characters outside libcgroup's unquoted set), a blank
//! line between sections. [`print_with`] and [`Layout::Cgsnapshot`] write libcgroup
//! cgsnapshot's layout instead. Apart from our extensions (numeric ids, `perm` with one
//! block), libcgroup reads both.

use super::ast::*;
use std::fmt::Write as _;

/// A tree that cannot be written as cgconfig.conf text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    /// The language has no escapes, so a word cannot contain `"`.
    #[error("{what} `{text}` contains `\"`, which cgconfig.conf cannot express")]
    Quote {
        /// What the word is ("group name", "value of cpu.shares").
        what: String,
        /// The word.
        text: String,
    },
}

/// How [`print_with`] lays the text out. Both read back into the same tree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// [`print`]'s.
    #[default]
    Canonical,
    /// libcgroup cgsnapshot's, so that snapshots taken by either tool compare line by line:
    /// a group's settings written `name="value";` (the value always quoted, no spaces),
    /// `admin` before `task` in `perm`, and a blank line after every section, the last
    /// one included. Everything else (`perm` keys `name = value;`, the `mount` section,
    /// names quoted only when they must be) is as in the canonical form, which is also
    /// what libcgroup writes there.
    Cgsnapshot,
}

/// The canonical text of `config`.
pub fn print(config: &Config) -> Result<String, PrintError> {
    print_with(config, Layout::Canonical)
}

/// The text of `config` in the given layout.
pub fn print_with(config: &Config, layout: Layout) -> Result<String, PrintError> {
    let mut out = String::new();
    for (i, section) in config.sections.iter().enumerate() {
        if i > 0 && layout == Layout::Canonical {
            out.push('\n');
        }
        match section {
            Section::Group(g) => group(&mut out, "group", g, layout)?,
            Section::Template(t) => group(&mut out, "template", t, layout)?,
            Section::Default(d) => {
                out.push_str("default {\n");
                perm(&mut out, &d.perm, layout)?;
                out.push_str("}\n");
            }
            Section::Mount(m) => {
                out.push_str("mount {\n");
                for p in &m.points {
                    setting(&mut out, 1, &p.controllers.value, &p.path.value)?;
                }
                out.push_str("}\n");
            }
            Section::Namespace(n) => {
                out.push_str("namespace {\n");
                for e in &n.entries {
                    setting(&mut out, 1, &e.controller.value, &e.path.value)?;
                }
                out.push_str("}\n");
            }
            Section::Systemd(s) => systemd(&mut out, s)?,
        }
        if layout == Layout::Cgsnapshot {
            out.push('\n');
        }
    }
    Ok(out)
}

fn group(out: &mut String, keyword: &str, g: &Group, layout: Layout) -> Result<(), PrintError> {
    // `group default` is a group named "default"; `template default` is not allowed
    // unquoted, so only the group keyword may print it bare.
    let name = if keyword == "group" && g.name.value == "default" {
        "default".to_string()
    } else {
        name_word(&g.name.value, "group name")?
    };
    let _ = writeln!(out, "{keyword} {name} {{");
    if let Some(p) = &g.perm {
        perm(out, p, layout)?;
    }
    for c in &g.controllers {
        let _ = writeln!(out, "\t{} {{", name_word(&c.name.value, "controller name")?);
        for s in &c.settings {
            match layout {
                Layout::Canonical => setting(out, 2, &s.name.value, &s.value.value)?,
                Layout::Cgsnapshot => quoted_setting(out, &s.name.value, &s.value.value)?,
            }
        }
        out.push_str("\t}\n");
    }
    out.push_str("}\n");
    Ok(())
}

fn perm(out: &mut String, p: &Perm, layout: Layout) -> Result<(), PrintError> {
    out.push_str("\tperm {\n");
    match layout {
        Layout::Canonical => {
            task_block(out, p.task.as_ref())?;
            admin_block(out, p.admin.as_ref())?;
        }
        Layout::Cgsnapshot => {
            admin_block(out, p.admin.as_ref())?;
            task_block(out, p.task.as_ref())?;
        }
    }
    out.push_str("\t}\n");
    Ok(())
}

fn task_block(out: &mut String, t: Option<&TaskPerm>) -> Result<(), PrintError> {
    if let Some(t) = t {
        out.push_str("\t\ttask {\n");
        id_line(out, "uid", t.uid.as_ref())?;
        id_line(out, "gid", t.gid.as_ref())?;
        mode_line(out, "fperm", t.fperm.as_ref());
        out.push_str("\t\t}\n");
    }
    Ok(())
}

fn admin_block(out: &mut String, a: Option<&AdminPerm>) -> Result<(), PrintError> {
    if let Some(a) = a {
        out.push_str("\t\tadmin {\n");
        id_line(out, "uid", a.uid.as_ref())?;
        id_line(out, "gid", a.gid.as_ref())?;
        mode_line(out, "dperm", a.dperm.as_ref());
        mode_line(out, "fperm", a.fperm.as_ref());
        out.push_str("\t\t}\n");
    }
    Ok(())
}

fn id_line(
    out: &mut String,
    key: &str,
    id: Option<&crate::source::Spanned<Id>>,
) -> Result<(), PrintError> {
    match id.map(|i| &i.value) {
        Some(Id::Number(n)) => {
            let _ = writeln!(out, "\t\t\t{key} = {n};");
        }
        Some(Id::Name(name)) => {
            let _ = writeln!(out, "\t\t\t{key} = {};", value_word(name, key)?);
        }
        None => {}
    }
    Ok(())
}

fn mode_line(out: &mut String, key: &str, mode: Option<&crate::source::Spanned<Mode>>) {
    if let Some(mode) = mode {
        let _ = writeln!(out, "\t\t\t{key} = {:04o};", mode.value.0);
    }
}

fn systemd(out: &mut String, s: &Systemd) -> Result<(), PrintError> {
    out.push_str("systemd {\n");
    if let Some(slice) = &s.slice {
        setting(out, 1, "slice", &slice.value)?;
    }
    if let Some(scope) = &s.scope {
        setting(out, 1, "scope", &scope.value)?;
    }
    if let Some(d) = &s.setdefault {
        setting(out, 1, "setdefault", if d.value { "yes" } else { "no" })?;
    }
    if let Some(pid) = &s.pid {
        setting(out, 1, "pid", &pid.value.to_string())?;
    }
    out.push_str("}\n");
    Ok(())
}

fn setting(out: &mut String, depth: usize, name: &str, value: &str) -> Result<(), PrintError> {
    let name_text = name_word(name, "setting name")?;
    let value_text = value_word(value, &format!("value of `{name}`"))?;
    let _ = writeln!(out, "{}{name_text} = {value_text};", "\t".repeat(depth));
    Ok(())
}

/// A group's setting as cgsnapshot writes it: `name="value";`, the value always quoted.
fn quoted_setting(out: &mut String, name: &str, value: &str) -> Result<(), PrintError> {
    let name_text = name_word(name, "setting name")?;
    if value.contains('"') {
        return Err(PrintError::Quote {
            what: format!("value of `{name}`"),
            text: value.to_string(),
        });
    }
    let _ = writeln!(out, "\t\t{name_text}=\"{value}\";");
    Ok(())
}

fn is_bare(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/.,%@\\".contains(c))
}

/// A name: quoted when empty, a keyword, or outside the unquoted character set.
fn name_word(text: &str, what: &str) -> Result<String, PrintError> {
    if text.contains('"') {
        return Err(PrintError::Quote {
            what: what.to_string(),
            text: text.to_string(),
        });
    }
    Ok(if is_bare(text) && !KEYWORDS.contains(&text) {
        text.to_string()
    } else {
        format!("\"{text}\"")
    })
}

/// A value: as a name, so that libcgroup (which reserves keywords everywhere) reads it too.
fn value_word(text: &str, what: &str) -> Result<String, PrintError> {
    name_word(text, what)
}
