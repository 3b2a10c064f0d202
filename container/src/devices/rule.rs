//! One device rule, read as LXC 5.0 reads the value of `lxc.cgroup2.devices.allow` /
//! `.deny` (`device_cgroup_rule_parse` and `device_cgroup_rule_parse_devpath` in
//! `src/lxc/cgroups/cgfsng.c`), which copies the kernel's own parser of the v1
//! `devices.allow` / `devices.deny` files (`devcgroup_update_access` in
//! `security/device_cgroup.c`):
//!
//! ```text
//! a                       every device, every access (sets the default, see `policy`)
//! TYPE MAJOR:MINOR ACCESS TYPE is a (both), b (block) or c (character); MAJOR and MINOR
//!                         a number or `*`; ACCESS up to three of r (read), w (write),
//!                         m (mknod), in any order
//! /dev/PATH ACCESS        devices.allow only: the node's type and numbers, read when the
//!                         rules are applied, as LXC does at start
//! ```
//!
//! Exactly one blank (any C `isspace`) separates the fields, as in LXC and the kernel;
//! the access letters past the third are ignored by both (we accept them with a warning).
//! LXC reads the numbers with `strtol(.., 0)`, so `010` is octal 8 on cgroup v2 while the
//! kernel's v1 file reads decimal 10: a number with a leading zero is refused unless both
//! readings agree (`07`), so that a rule means the same on every host (docs/compat.md).

use std::ops::Range;
use std::path::PathBuf;

/// Whether a rule allows or denies: `devices.allow` or `devices.deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `lxc.cgroup2.devices.allow` / `lxc.cgroup.devices.allow`.
    Allow,
    /// `lxc.cgroup2.devices.deny` / `lxc.cgroup.devices.deny`.
    Deny,
}

impl Kind {
    /// The v1 controller file the rule is written to: `devices.allow` or `devices.deny`.
    pub fn file(self) -> &'static str {
        match self {
            Kind::Allow => "devices.allow",
            Kind::Deny => "devices.deny",
        }
    }

    /// `allow` or `deny`.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Allow => "allow",
            Kind::Deny => "deny",
        }
    }
}

/// The device types a rule names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeviceType {
    /// `a`: block and character devices.
    Any,
    /// `b`.
    Block,
    /// `c`.
    Char,
}

impl DeviceType {
    /// The rule's letter.
    pub fn letter(self) -> char {
        match self {
            DeviceType::Any => 'a',
            DeviceType::Block => 'b',
            DeviceType::Char => 'c',
        }
    }
}

/// Access bits, as the kernel numbers them in `struct bpf_cgroup_dev_ctx`
/// (`BPF_DEVCG_ACC_*`, `include/uapi/linux/bpf.h`).
pub(crate) const ACC_MKNOD: u8 = 1;
pub(crate) const ACC_READ: u8 = 2;
pub(crate) const ACC_WRITE: u8 = 4;
pub(crate) const ACC_ALL: u8 = ACC_MKNOD | ACC_READ | ACC_WRITE;

/// The access part of a rule, kept as written: LXC merges two rules only when their access
/// strings are equal (`rw` and `wr` are two rules), so the text is part of a rule's
/// identity. At most three letters, each `r`, `w` or `m`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Access(String);

impl Access {
    /// The letters as written (at most three).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The access bits (`BPF_DEVCG_ACC_*`).
    pub(crate) fn bits(&self) -> u8 {
        self.0.bytes().fold(0, |acc, b| {
            acc | match b {
                b'r' => ACC_READ,
                b'w' => ACC_WRITE,
                b'm' => ACC_MKNOD,
                _ => 0,
            }
        })
    }
}

/// Devices by type and numbers, and the access a rule grants or takes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pattern {
    /// Block, character or both.
    pub ty: DeviceType,
    /// The major number; `None` for `*`.
    pub major: Option<u32>,
    /// The minor number; `None` for `*`.
    pub minor: Option<u32>,
    /// The access.
    pub access: Access,
}

impl std::fmt::Display for Pattern {
    /// `c 1:3 rwm`: the form LXC and the kernel read.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let number = |n: Option<u32>| n.map_or_else(|| "*".to_string(), |n| n.to_string());
        write!(
            f,
            "{} {}:{} {}",
            self.ty.letter(),
            number(self.major),
            number(self.minor),
            self.access.as_str()
        )
    }
}

/// What one rule names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// `a`: every device; `allow a` makes the default "allow", `deny a` "deny".
    Everything,
    /// `TYPE MAJOR:MINOR ACCESS`.
    Devices(Pattern),
    /// `/dev/PATH ACCESS` (in `devices.allow` only): the node's type and numbers.
    Node {
        /// The device node, read on the host when the rules are applied.
        path: PathBuf,
        /// The access.
        access: Access,
    },
}

/// Something to say about one entry given to [`super::Rules::parse`]: why it is refused,
/// or a warning. `span` is a byte range of the entry's value, so a caller that knows where
/// the value was written can point at the exact character ([`super::Rules::from_config`]
/// does).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The entry's position in the list given to [`super::Rules::parse`].
    pub index: usize,
    /// Allow or deny.
    pub kind: Kind,
    /// The entry's value.
    pub value: String,
    /// The offending bytes of `value` (empty: "expected ... here").
    pub span: Range<usize>,
    /// What is wrong, one sentence without a final period.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "device rule `{} {}`: {}",
            self.kind.word(),
            self.value,
            self.message
        )
    }
}

/// C's `isspace` in the "C" locale, which LXC and the kernel test between the fields.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// A parsed entry: the rule, and warnings about text LXC ignores.
pub(crate) struct Parsed {
    pub rule: Rule,
    pub warnings: Vec<Problem>,
}

/// Reads one value the way LXC does (module docs).
pub(crate) fn parse(index: usize, kind: Kind, value: &str) -> Result<Parsed, Problem> {
    Reader {
        index,
        kind,
        value,
        pos: 0,
        warnings: Vec::new(),
    }
    .rule()
}

struct Reader<'v> {
    index: usize,
    kind: Kind,
    value: &'v str,
    pos: usize,
    warnings: Vec<Problem>,
}

const EXAMPLE: &str = "e.g. `c 1:3 rwm` (/dev/null: character device 1:3, read, write and mknod), \
                       `b *:* m` (mknod of any block device), or `a` alone (every device)";

impl Reader<'_> {
    fn problem(&self, span: Range<usize>, message: impl Into<String>) -> Problem {
        Problem {
            index: self.index,
            kind: self.kind,
            value: self.value.to_string(),
            span,
            message: message.into(),
            hint: None,
        }
    }

    fn fail(&self, span: Range<usize>, message: impl Into<String>, hint: &str) -> Problem {
        let mut p = self.problem(span, message);
        p.hint = Some(hint.to_string());
        p
    }

    fn peek(&self) -> Option<u8> {
        self.value.as_bytes().get(self.pos).copied()
    }

    /// The character at the cursor, for messages.
    fn here(&self) -> (Range<usize>, String) {
        match self.value[self.pos..].chars().next() {
            Some(c) => (
                self.pos..self.pos + c.len_utf8(),
                format!("`{}`", c.escape_debug()),
            ),
            None => (self.pos..self.pos, "the end of the rule".to_string()),
        }
    }

    fn rule(mut self) -> Result<Parsed, Problem> {
        if self.value.is_empty() {
            return Err(self.fail(0..0, "the rule is empty", EXAMPLE));
        }
        if self.value.starts_with('/') {
            return match self.kind {
                Kind::Allow => self.node(),
                Kind::Deny => Err(self.fail(
                    0..self.value.len(),
                    "a device path is accepted in `devices.allow` only",
                    "LXC reads a `devices.deny` value as `TYPE MAJOR:MINOR ACCESS`: write the \
                     node's type and numbers (`ls -l` shows them), e.g. `c 1:1 rwm` for /dev/mem",
                )),
            };
        }
        if self.value == "a" {
            return Ok(self.done(Rule::Everything));
        }
        let ty = match self.peek() {
            Some(b'a') => DeviceType::Any,
            Some(b'b') => DeviceType::Block,
            Some(b'c') => DeviceType::Char,
            _ => {
                let (span, found) = self.here();
                return Err(self.fail(
                    span,
                    format!(
                        "a device rule starts with `a` (all devices), `b` (block) or `c` \
                         (character), not {found}"
                    ),
                    EXAMPLE,
                ));
            }
        };
        self.pos += 1;
        self.blank(format!("after the device type `{}`", ty.letter()))?;
        let major = self.number("major")?;
        if self.peek() != Some(b':') {
            let (span, found) = self.here();
            return Err(self.fail(
                span,
                format!("expected `:` between the major and the minor number, found {found}"),
                EXAMPLE,
            ));
        }
        self.pos += 1;
        let minor = self.number("minor")?;
        if !self.peek().is_some_and(is_c_space) {
            let (span, found) = self.here();
            let message = if self.pos == self.value.len() {
                "the access is missing after the minor number".to_string()
            } else {
                format!("expected one blank after the minor number, found {found}")
            };
            return Err(self.fail(
                span,
                message,
                "write the access after one blank: `r` (read), `w` (write) and/or `m` (mknod), \
                 e.g. `c 1:3 rwm`; LXC refuses a rule without it",
            ));
        }
        self.pos += 1;
        let access = self.access(self.value.len())?;
        Ok(self.done(Rule::Devices(Pattern {
            ty,
            major,
            minor,
            access,
        })))
    }

    fn done(self, rule: Rule) -> Parsed {
        Parsed {
            rule,
            warnings: self.warnings,
        }
    }

    fn blank(&mut self, where_: String) -> Result<(), Problem> {
        if self.peek().is_some_and(is_c_space) {
            self.pos += 1;
            return Ok(());
        }
        let (span, found) = self.here();
        Err(self.fail(
            span,
            format!("expected one blank {where_}, found {found}"),
            EXAMPLE,
        ))
    }

    /// `*` or a number as LXC reads it (`lxc_safe_int`, base 0, at most `INT_MAX`).
    fn number(&mut self, which: &str) -> Result<Option<u32>, Problem> {
        match self.peek() {
            Some(b'*') => {
                self.pos += 1;
                return Ok(None);
            }
            Some(b) if b.is_ascii_digit() => {}
            _ => {
                let (span, found) = self.here();
                return Err(self.fail(
                    span,
                    format!("expected the {which} number or `*`, found {found}"),
                    EXAMPLE,
                ));
            }
        }
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits = &self.value[start..self.pos];
        let span = start..self.pos;
        let out_of_range = || {
            self.fail(
                span.clone(),
                format!("the {which} number {digits} is out of range"),
                "device numbers are at most 2147483647 (LXC reads them as a C int)",
            )
        };
        let decimal: u64 = digits
            .bytes()
            .try_fold(0u64, |n, d| {
                n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
            })
            .ok_or_else(out_of_range)?;
        if digits.len() > 1 && digits.starts_with('0') {
            if digits.bytes().any(|d| d > b'7') {
                return Err(self.fail(
                    span,
                    format!("the {which} number `{digits}` is not a number LXC can read"),
                    "a leading 0 makes LXC read the number as octal, where 8 and 9 are not \
                     digits: write it without the leading zeros",
                ));
            }
            // An octal reading is never larger than the decimal one, which fitted.
            if u64::from_str_radix(digits, 8).ok() != Some(decimal) {
                return Err(self.fail(
                    span,
                    format!("the {which} number `{digits}` has a leading zero"),
                    "LXC reads it as octal on cgroup v2 and the kernel as decimal on cgroup \
                     v1, so the rule would name different devices: write it without the \
                     leading zeros",
                ));
            }
        }
        if decimal > i32::MAX as u64 {
            return Err(out_of_range());
        }
        Ok(Some(decimal as u32))
    }

    /// LXC's `device_cgroup_parse_access` on `value[pos..end]`: up to three letters, each
    /// `r`, `w` or `m`; the end or a newline stops it; what follows the third is ignored.
    fn access(&mut self, end: usize) -> Result<Access, Problem> {
        let mut text = String::new();
        let bytes = &self.value.as_bytes()[..end];
        let mut i = self.pos;
        while text.len() < 3 {
            match bytes.get(i) {
                Some(b @ (b'r' | b'w' | b'm')) => text.push(char::from(*b)),
                None | Some(b'\n') => break,
                Some(_) => {
                    self.pos = i;
                    let (span, found) = self.here();
                    return Err(self.fail(
                        span,
                        format!("{found} is not an access"),
                        "the access is up to three of `r` (read), `w` (write) and `m` (mknod), \
                         after one blank, e.g. `rwm`",
                    ));
                }
            }
            i += 1;
        }
        if text.len() == 3 && i < end && bytes.get(i) != Some(&b'\n') {
            let mut note = self.problem(
                i..end,
                format!(
                    "`{}` after the access `{text}` is ignored",
                    self.value[i..end].escape_debug()
                ),
            );
            note.hint = Some(
                "LXC and the kernel read at most three access letters; remove the rest".into(),
            );
            self.warnings.push(note);
        }
        self.pos = end;
        Ok(Access(text))
    }

    /// `/dev/PATH ACCESS`, split as LXC splits it: at the first space (not any blank), then
    /// spaces, then the access up to the next space; text after that is ignored.
    fn node(mut self) -> Result<Parsed, Problem> {
        let hint = "write the node and its access after one space, e.g. `/dev/fuse rwm`";
        let Some(space) = self.value.find(' ') else {
            let end = self.value.len();
            return Err(self.fail(
                end..end,
                "the access is missing after the device path",
                hint,
            ));
        };
        let path = PathBuf::from(&self.value[..space]);
        let mut start = space;
        while self.value.as_bytes().get(start) == Some(&b' ') {
            start += 1;
        }
        if start == self.value.len() {
            return Err(self.fail(
                start..start,
                "the access is missing after the device path",
                hint,
            ));
        }
        let end = self.value[start..]
            .find(' ')
            .map_or(self.value.len(), |i| start + i);
        self.pos = start;
        let access = self.access(end)?;
        let rest = self.value[end..].trim_start_matches(' ');
        if !rest.is_empty() {
            let from = self.value.len() - rest.len();
            let mut note = self.problem(
                from..self.value.len(),
                format!("`{}` after the access is ignored", rest.escape_debug()),
            );
            note.hint = Some("LXC reads a device path and its access, nothing more".into());
            self.warnings.push(note);
        }
        Ok(self.done(Rule::Node { path, access }))
    }
}
