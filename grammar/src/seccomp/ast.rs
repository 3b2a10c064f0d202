//! The syntax tree of an LXC seccomp policy file.
//!
//! A policy is a version, a kind (allowlist or denylist) with an optional default action,
//! and a body: for version 1 a list of syscall numbers to allow, for version 2 rules
//! grouped by architecture sections. Comments and blank lines are not part of the tree.
//! What a rule without an action does is LXC's default for the policy kind, see
//! [`Policy::rule_action`] and [`Policy::default_action`].

use crate::source::{Span, Spanned};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One policy file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// The kind of list, as written on the second line.
    pub kind: Spanned<Kind>,
    /// The action written after the kind (`denylist errno 1`): what happens to syscalls no
    /// rule matches. Only version 2 has one.
    pub default: Option<Spanned<Action>>,
    /// The rules: version 1 or version 2.
    pub body: Body,
}

/// The rules of a policy, by language version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Body {
    /// Version 1: the numbers of the syscalls to allow, in the host's native numbering.
    V1(Vec<Spanned<u32>>),
    /// Version 2: sections and rules, in file order.
    V2(Vec<Item>),
}

/// A line of a version 2 policy that is not a comment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Item {
    /// `[x86_64]`: the rules up to the next section are for that architecture.
    Section(Spanned<Arch>),
    /// `syscall [action] [conditions]`.
    Rule(Rule),
    /// `reject_force_umount`: LXC's built-in rule that makes `umount2(path, MNT_FORCE)` fail
    /// with `EACCES`.
    RejectForceUmount(Span),
}

/// The kind of a policy: what happens to syscalls that no rule names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Kind {
    /// `allowlist` (or the older `whitelist`): syscalls not listed are killed, listed ones
    /// allowed, unless actions say otherwise.
    Allowlist,
    /// `denylist` (or the older `blacklist`): syscalls not listed are allowed, listed ones
    /// killed, unless actions say otherwise.
    Denylist,
}

impl Kind {
    /// The word LXC documents today.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Allowlist => "allowlist",
            Kind::Denylist => "denylist",
        }
    }
}

/// What the kernel does with a syscall, as LXC spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    /// `kill`: the calling thread is killed (libseccomp's `SCMP_ACT_KILL`).
    Kill,
    /// `trap`: the thread gets `SIGSYS`.
    Trap,
    /// `errno N`: the syscall is not run and fails with error `N` (0 makes it "succeed").
    Errno(u16),
    /// `notify`: a supervisor decides (seccomp user notification).
    Notify,
    /// `allow`: the syscall runs.
    Allow,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Kill => f.write_str("kill"),
            Action::Trap => f.write_str("trap"),
            Action::Errno(n) => write!(f, "errno {n}"),
            Action::Notify => f.write_str("notify"),
            Action::Allow => f.write_str("allow"),
        }
    }
}

/// One `syscall [action] [conditions]` line of a version 2 policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// The syscall's name, resolved per architecture when the policy is compiled.
    pub syscall: Spanned<String>,
    /// The action; without one, the policy kind's default ([`Policy::rule_action`]).
    pub action: Option<Spanned<Action>>,
    /// Conditions on the arguments, all of which must hold for the rule to apply.
    pub conditions: Vec<Condition>,
    /// The rule, from the name to the end of its last part.
    pub span: Span,
}

impl Rule {
    /// A rule that was not read from any file (for generated policies and tests).
    pub fn new(syscall: impl Into<String>, action: Option<Action>) -> Self {
        Rule {
            syscall: Spanned::unplaced(syscall.into()),
            action: action.map(Spanned::unplaced),
            conditions: Vec::new(),
            span: Span::default(),
        }
    }
}

/// `[index,value,op]` or `[index,value,SCMP_CMP_MASKED_EQ,mask]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    /// Which argument, 0 to 5.
    pub arg: Spanned<u8>,
    /// The value it is compared with.
    pub value: Spanned<Number>,
    /// The comparison.
    pub op: Spanned<CmpOp>,
    /// The mask of `SCMP_CMP_MASKED_EQ` (`(arg & mask) == value`); LXC ignores it for the
    /// other comparisons.
    pub mask: Option<Spanned<Number>>,
    /// From `[` to `]`.
    pub span: Span,
}

/// A 64-bit number, with the base it was written in so that it prints back the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Number {
    /// The value.
    pub value: u64,
    /// How it was written: `255`, `0xff` or `0377`, as C's `strtoull(s, NULL, 0)` reads
    /// them.
    pub radix: Radix,
}

impl Number {
    /// A decimal number.
    pub fn decimal(value: u64) -> Self {
        Number {
            value,
            radix: Radix::Decimal,
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.radix {
            Radix::Decimal => write!(f, "{}", self.value),
            Radix::Hex => write!(f, "{:#x}", self.value),
            Radix::Octal if self.value == 0 => f.write_str("0"),
            Radix::Octal => write!(f, "0{:o}", self.value),
        }
    }
}

/// The base of a [`Number`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Radix {
    /// `255`
    Decimal,
    /// `0xff`
    Hex,
    /// `0377`
    Octal,
}

/// A comparison of an argument with a value, libseccomp's `SCMP_CMP_*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CmpOp {
    /// `SCMP_CMP_NE` or `!=`
    Ne,
    /// `SCMP_CMP_LT` or `<`
    Lt,
    /// `SCMP_CMP_LE` or `<=`
    Le,
    /// `SCMP_CMP_EQ` or `==`
    Eq,
    /// `SCMP_CMP_GE` or `>=`
    Ge,
    /// `SCMP_CMP_GT` or `>`
    Gt,
    /// `SCMP_CMP_MASKED_EQ` or `&=`: `(arg & mask) == value`.
    MaskedEq,
}

impl CmpOp {
    /// Every comparison with its two spellings, as LXC's `parse_v2_rule_op` knows them.
    pub const ALL: [(CmpOp, &'static str, &'static str); 7] = [
        (CmpOp::Ne, "SCMP_CMP_NE", "!="),
        (CmpOp::Lt, "SCMP_CMP_LT", "<"),
        (CmpOp::Le, "SCMP_CMP_LE", "<="),
        (CmpOp::Eq, "SCMP_CMP_EQ", "=="),
        (CmpOp::Ge, "SCMP_CMP_GE", ">="),
        (CmpOp::Gt, "SCMP_CMP_GT", ">"),
        (CmpOp::MaskedEq, "SCMP_CMP_MASKED_EQ", "&="),
    ];

    /// The comparison spelled `text`, either way.
    pub fn from_spelling(text: &str) -> Option<CmpOp> {
        CmpOp::ALL
            .iter()
            .find(|(_, name, symbol)| *name == text || *symbol == text)
            .map(|(op, _, _)| *op)
    }

    /// The `SCMP_CMP_*` name, which the printer writes.
    pub fn name(self) -> &'static str {
        CmpOp::ALL
            .iter()
            .find(|(op, _, _)| *op == self)
            .map_or("", |(_, name, _)| name)
    }
}

/// An architecture section, as LXC names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Arch {
    /// `[all]`: every architecture.
    All,
    /// `[x86]`: 32-bit x86 (i386).
    X86,
    /// `[x32]`: the x32 ABI of x86_64.
    X32,
    /// `[x86_64]`
    X86_64,
    /// `[arm]`: 32-bit ARM.
    Arm,
    /// `[arm64]`: aarch64.
    Arm64,
    /// `[ppc64le]`
    Ppc64le,
    /// `[ppc64]`
    Ppc64,
    /// `[ppc]`
    Ppc,
    /// `[mips64]`
    Mips64,
    /// `[mips64n32]`
    Mips64n32,
    /// `[mips]`
    Mips,
    /// `[mipsel64]`
    Mipsel64,
    /// `[mipsel64n32]`
    Mipsel64n32,
    /// `[mipsel]`
    Mipsel,
    /// `[s390x]`
    S390x,
    /// `[s390]`
    S390,
}

impl Arch {
    /// Every section LXC knows, by its lower-case name (LXC also accepts the name in upper
    /// case, and nothing else).
    pub const ALL: [(Arch, &'static str); 17] = [
        (Arch::All, "all"),
        (Arch::X86, "x86"),
        (Arch::X32, "x32"),
        (Arch::X86_64, "x86_64"),
        (Arch::Arm, "arm"),
        (Arch::Arm64, "arm64"),
        (Arch::Ppc64le, "ppc64le"),
        (Arch::Ppc64, "ppc64"),
        (Arch::Ppc, "ppc"),
        (Arch::Mips64, "mips64"),
        (Arch::Mips64n32, "mips64n32"),
        (Arch::Mips, "mips"),
        (Arch::Mipsel64, "mipsel64"),
        (Arch::Mipsel64n32, "mipsel64n32"),
        (Arch::Mipsel, "mipsel"),
        (Arch::S390x, "s390x"),
        (Arch::S390, "s390"),
    ];

    /// The section named `name` (`x86_64` or `X86_64`), as LXC matches it.
    pub fn from_name(name: &str) -> Option<Arch> {
        Arch::ALL
            .iter()
            .find(|(_, lower)| *lower == name || lower.to_ascii_uppercase() == name)
            .map(|(arch, _)| *arch)
    }

    /// The lower-case name, which the printer writes.
    pub fn name(self) -> &'static str {
        Arch::ALL
            .iter()
            .find(|(arch, _)| *arch == self)
            .map_or("", |(_, name)| name)
    }
}

impl Policy {
    /// The version of the language the policy is written in.
    pub fn version(&self) -> u8 {
        match self.body {
            Body::V1(_) => 1,
            Body::V2(_) => 2,
        }
    }

    /// What happens to a syscall no rule matches: the action on the policy line, else
    /// `allow` for a denylist and `kill` for an allowlist (LXC's `parse_config_v2`).
    pub fn default_action(&self) -> Action {
        match (&self.default, self.kind.value) {
            (Some(action), _) => action.value,
            (None, Kind::Denylist) => Action::Allow,
            (None, Kind::Allowlist) => Action::Kill,
        }
    }

    /// What `rule` does when it applies: its own action, else `kill` in a denylist and
    /// `allow` in an allowlist (whatever the policy line's action is).
    pub fn rule_action(&self, rule: &Rule) -> Action {
        rule_action(self.kind.value, rule)
    }
}

/// [`Policy::rule_action`] for a policy of `kind`.
pub(crate) fn rule_action(kind: Kind, rule: &Rule) -> Action {
    match (&rule.action, kind) {
        (Some(action), _) => action.value,
        (None, Kind::Denylist) => Action::Kill,
        (None, Kind::Allowlist) => Action::Allow,
    }
}
