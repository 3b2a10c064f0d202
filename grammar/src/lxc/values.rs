//! What a loaded config says: the settings still in force, and the typed values of the
//! keys that decide how a container is started at boot.
//!
//! LXC applies the lines in order: a later value replaces an earlier one, list keys
//! (`lxc.group`, `lxc.idmap`, `lxc.cap.drop`, `lxc.mount.entry`, `lxc.cgroup2.*`,
//! `lxc.include`, ...) collect their values, and an empty value resets the key: a list loses
//! everything collected so far. Some keys reset whole families: `lxc.net =` removes every
//! network, `lxc.net.0 =` network 0, `lxc.cgroup2 =` every `lxc.cgroup2.*` setting,
//! `lxc.hook =` every hook, likewise `lxc.cgroup`, `lxc.prlimit`, `lxc.sysctl`, `lxc.proc`.
//!
//! Values are checked as LXC checks them when it loads the config (it refuses the whole
//! config for one bad line, even one a later line overrides), with its number syntax: C's
//! `strtoul`/`strtol` with base 0, so `0x10` is 16 and `010` is 8.

use super::keys::clearing_parents;
use super::load::{FileDiagnostic, Loaded, LoadedEntry};
use crate::diagnostic::Diagnostic;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// How and when a container is started at boot (`lxc.start.*`, `lxc.group`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Autostart {
    /// `lxc.start.auto = 1`: start the container at boot.
    pub auto: bool,
    /// `lxc.start.delay`: seconds to wait after starting it before the next container.
    pub delay: u32,
    /// `lxc.start.order`: lower numbers start first (and stop last).
    pub order: i32,
    /// `lxc.group`: the groups the container belongs to (`onboot` is started first).
    pub groups: Vec<String>,
}

impl Loaded {
    /// Every setting still in force, in order: set with a value and not reset by a later
    /// empty value of the same key or of a family that contains it.
    pub fn live(&self) -> Vec<&LoadedEntry> {
        let mut reset: HashSet<&str> = HashSet::new();
        let mut live = Vec::new();
        for e in self.entries.iter().rev() {
            let key = e.entry.key.value.as_str();
            if e.entry.is_clear() {
                reset.insert(key);
                continue;
            }
            let cleared = reset.contains(key)
                || clearing_parents(key)
                    .iter()
                    .any(|p| reset.contains(p.as_str()));
            if !cleared {
                live.push(e);
            }
        }
        live.reverse();
        live
    }

    /// The values of `key` in force, in order: every item of a list key, every assignment
    /// of a single-valued one (whose meaning is the last, see [`Loaded::value`]).
    pub fn values(&self, key: &str) -> Vec<&LoadedEntry> {
        self.live()
            .into_iter()
            .filter(|e| e.entry.key.value == key)
            .collect()
    }

    /// The value of `key` in force: its last value, unless an empty one reset it since.
    pub fn value(&self, key: &str) -> Option<&LoadedEntry> {
        self.values(key).pop()
    }

    /// The settings in force whose key starts with `prefix` (`lxc.cgroup2.`, `lxc.net.0.`).
    pub fn values_under(&self, prefix: &str) -> Vec<&LoadedEntry> {
        self.live()
            .into_iter()
            .filter(|e| e.entry.key.value.starts_with(prefix))
            .collect()
    }

    /// `lxc.start.auto`: 0 (the default) or 1.
    pub fn start_auto(&self) -> Result<bool, Vec<FileDiagnostic>> {
        self.checked("lxc.start.auto", |v| match c_number(v, false) {
            Ok(n @ 0..=1) => Ok(n == 1),
            _ => Err(
                Fault::new(format!("`lxc.start.auto` must be 0 or 1, not `{v}`")).hint(
                    "1 starts the container at boot, 0 (the default) does not; LXC refuses to \
                 load the config with any other value",
                ),
            ),
        })
        .map(|v| v.unwrap_or(false))
    }

    /// `lxc.start.delay`: seconds, 0 by default.
    pub fn start_delay(&self) -> Result<u32, Vec<FileDiagnostic>> {
        self.checked("lxc.start.delay", |v| match c_number(v, false) {
            Ok(n) => u32::try_from(n).map_err(|_| {
                Fault::new(format!(
                    "`lxc.start.delay` is too large: {v} seconds is more than {}",
                    u32::MAX
                ))
                .hint("it is how many seconds to wait after starting this container")
            }),
            Err(NumError::Negative) => Err(Fault::new(format!(
                "`lxc.start.delay` cannot be negative, but is `{v}`"
            ))
            .hint("it is how many seconds to wait after starting this container")),
            Err(_) => Err(Fault::new(format!(
                "`lxc.start.delay` must be a whole number of seconds, not `{v}`"
            ))
            .hint("e.g. `lxc.start.delay = 5`; LXC refuses to load the config otherwise")),
        })
        .map(|v| v.unwrap_or(0))
    }

    /// `lxc.start.order`: 0 by default, may be negative.
    pub fn start_order(&self) -> Result<i32, Vec<FileDiagnostic>> {
        self.checked("lxc.start.order", |v| match c_number(v, true) {
            Ok(n) => i32::try_from(n).map_err(|_| {
                Fault::new(format!(
                    "`lxc.start.order` is out of range: {v} is not between {} and {}",
                    i32::MIN,
                    i32::MAX
                ))
                .hint(
                    "lower numbers start first; steps of 10 leave room for containers added later",
                )
            }),
            Err(_) => Err(Fault::new(format!(
                "`lxc.start.order` must be a whole number, not `{v}`"
            ))
            .hint("lower numbers start first; negative numbers are allowed")),
        })
        .map(|v| v.unwrap_or(0))
    }

    /// `lxc.group`: each line may name several groups separated by blanks; an empty value
    /// removes the container from every group so far.
    pub fn groups(&self) -> Vec<String> {
        self.values("lxc.group")
            .into_iter()
            .flat_map(|e| e.entry.value.value.split([' ', '\t']))
            .filter(|g| !g.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Everything about starting at boot, with every problem of the four keys at once.
    pub fn autostart(&self) -> Result<Autostart, Vec<FileDiagnostic>> {
        let (auto, delay, order) = (self.start_auto(), self.start_delay(), self.start_order());
        match (auto, delay, order) {
            (Ok(auto), Ok(delay), Ok(order)) => Ok(Autostart {
                auto,
                delay,
                order,
                groups: self.groups(),
            }),
            (auto, delay, order) => {
                let mut errors: Vec<FileDiagnostic> = [auto.err(), delay.err(), order.err()]
                    .into_iter()
                    .flatten()
                    .flatten()
                    .collect();
                errors.sort_by_key(|d| (d.file, d.diagnostic.span.start));
                Err(errors)
            }
        }
    }

    /// Checks every non-empty value of `key` (LXC refuses the config for any bad one) and
    /// returns the value in force, if any.
    fn checked<T>(
        &self,
        key: &str,
        check: impl Fn(&str) -> Result<T, Fault>,
    ) -> Result<Option<T>, Vec<FileDiagnostic>> {
        let errors: Vec<FileDiagnostic> = self
            .entries
            .iter()
            .filter(|e| e.entry.key.value == key && !e.entry.is_clear())
            .filter_map(|e| {
                check(&e.entry.value.value)
                    .err()
                    .map(|fault| FileDiagnostic {
                        file: e.file,
                        diagnostic: fault.at(e),
                    })
            })
            .collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(self
            .value(key)
            .and_then(|e| check(&e.entry.value.value).ok()))
    }
}

/// A bad value, before it is placed.
struct Fault {
    message: String,
    hint: Option<&'static str>,
}

impl Fault {
    fn new(message: String) -> Self {
        Fault {
            message,
            hint: None,
        }
    }

    fn hint(mut self, hint: &'static str) -> Self {
        self.hint = Some(hint);
        self
    }

    fn at(self, e: &LoadedEntry) -> Diagnostic {
        let d = Diagnostic::error(e.entry.value.span, self.message);
        match self.hint {
            Some(h) => d.with_hint(h),
            None => d,
        }
    }
}

/// Why a value is not a number to LXC.
#[derive(Debug, PartialEq, Eq)]
enum NumError {
    /// Not a number (or something after it).
    Invalid,
    /// A minus sign where only unsigned numbers are allowed.
    Negative,
    /// Too large for any C long.
    Range,
}

/// `text` read as LXC's `lxc_safe_uint` (`signed` false) or `lxc_safe_int` does: leading
/// white space, an optional sign, then C's base-0 digits (`0x` hex, leading `0` octal),
/// and nothing after them.
fn c_number(text: &str, signed: bool) -> Result<i128, NumError> {
    let s = text.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (negative, s) = match s.as_bytes().first() {
        Some(b'-') if !signed => return Err(NumError::Negative),
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let bytes = s.as_bytes();
    let is_hex = bytes.len() > 2
        && bytes[0] == b'0'
        && matches!(bytes[1], b'x' | b'X')
        && bytes[2].is_ascii_hexdigit();
    let (radix, digits) = if is_hex {
        (16, &s[2..])
    } else if bytes.first() == Some(&b'0') {
        (8, s)
    } else {
        (10, s)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(NumError::Invalid);
    }
    let mut n: i128 = 0;
    for c in digits.chars() {
        let d = i128::from(c.to_digit(radix).ok_or(NumError::Invalid)?);
        n = n
            .checked_mul(i128::from(radix))
            .and_then(|n| n.checked_add(d))
            .filter(|n| *n <= i128::from(u64::MAX))
            .ok_or(NumError::Range)?;
    }
    Ok(if negative { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_c_base_zero() {
        assert_eq!(c_number("1", false), Ok(1));
        assert_eq!(c_number("+1", false), Ok(1));
        assert_eq!(c_number("0x10", false), Ok(16));
        assert_eq!(c_number("010", false), Ok(8));
        assert_eq!(c_number("0", false), Ok(0));
        assert_eq!(c_number("-5", true), Ok(-5));
        assert_eq!(c_number("-5", false), Err(NumError::Negative));
        assert_eq!(c_number("08", false), Err(NumError::Invalid));
        assert_eq!(c_number("0x", false), Err(NumError::Invalid));
        assert_eq!(c_number("1 ", false), Err(NumError::Invalid));
        assert_eq!(c_number("yes", false), Err(NumError::Invalid));
        assert_eq!(c_number("", false), Err(NumError::Invalid));
        assert_eq!(
            c_number("99999999999999999999999", false),
            Err(NumError::Range)
        );
    }
}
