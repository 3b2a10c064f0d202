//! The syntax tree of one LXC container config file.
//!
//! An LXC config is a list of `key = value` settings applied in order: a later line
//! overrides an earlier one for single-valued keys, appends for list keys, and an empty
//! value resets the key (see [`super::Loaded::values`]). The tree keeps every setting line in
//! file order, with keys already in their LXC 3.0+ spelling; comments and ignored lines are
//! not part of it.

use crate::source::{Span, Spanned};
use serde::{Deserialize, Serialize};

/// One config file: its settings in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Every `lxc.*` setting, in the order written. `lxc.include` lines are settings too:
    /// [`super::load()`] reads the files they name, [`super::parse()`] leaves them alone.
    pub entries: Vec<Entry>,
}

/// One `key = value` line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The key in its current (LXC 3.0+) name, e.g. `lxc.net.0.type`. Network indexes are
    /// written without leading zeros (`lxc.net.01.link` is `lxc.net.1.link`, as LXC reads it).
    pub key: Spanned<String>,
    /// The value, trimmed of blanks and with one pair of enclosing quotes removed. Empty
    /// means "reset": LXC clears the key (a list key loses every item so far).
    pub value: Spanned<String>,
    /// The pre-3.0 key this line was written with (`lxc.network.type`), if it was renamed.
    pub renamed_from: Option<Spanned<String>>,
    /// The line, from the key to the end of the value.
    pub span: Span,
}

impl Entry {
    /// A setting that was not read from any file (for generated configs and tests).
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Entry {
            key: Spanned::unplaced(key.into()),
            value: Spanned::unplaced(value.into()),
            renamed_from: None,
            span: Span::default(),
        }
    }

    /// True when the value is empty, i.e. the line resets the key.
    pub fn is_clear(&self) -> bool {
        self.value.value.is_empty()
    }
}
