//! LXC seccomp policy files (`lxc.seccomp.profile`), read as LXC 5 and 6 read them
//! (`src/lxc/seccomp.c`: `parse_config`, `parse_config_v1`, `parse_config_v2`), with
//! located errors where LXC would load something other than what the file seems to say.
//!
//! The language, described in `seccomp.pest`:
//!
//! ```text
//! 2                           the version, 1 or 2
//! denylist                    allowlist or denylist (whitelist, blacklist), then an
//!                             optional default action (version 2)
//! reject_force_umount         LXC's rule against `umount2(.., MNT_FORCE)`
//! [all]                       an architecture section (version 2)
//! kexec_load errno 1          syscall [action] [conditions]
//! ioctl errno 1 [1,0x9400,SCMP_CMP_MASKED_EQ,0xff00]
//! # a comment
//! ```
//!
//! A version 1 body is one syscall number per line, all allowed, everything else killed.
//! In version 2, a denylist allows what no rule matches and kills what a rule without an
//! action names; an allowlist kills what no rule matches and allows what a rule without
//! an action names; an action on the policy line replaces the first default, an action on
//! a rule the second ([`Policy::default_action`], [`Policy::rule_action`]). Actions are
//! `kill`, `trap`, `errno N`, `allow` and `notify`. A condition `[index,value,op]` or
//! `[index,value,SCMP_CMP_MASKED_EQ,mask]` compares argument `index` (0 to 5) with `value`
//! (`(arg & mask) == value` for the masked form); the comparisons are libseccomp's names
//! `SCMP_CMP_NE`, `_LT`, `_LE`, `_EQ`, `_GE`, `_GT`, `_MASKED_EQ` or the symbols `!=`, `<`,
//! `<=`, `==`, `>=`, `>`, `&=`.
//!
//! Which sections apply on which host, and which syscall names exist there, is for the
//! compiler (the container crate): this module needs nothing but the text.
//!
//! Deliberate differences from LXC, all listed in `docs/compat.md` (LXC reads the file
//! with `sscanf` and `strtok` and silently misreads many mistakes; we accept what LXC
//! accepts only where we read it the same way):
//!
//! * refused, because LXC would silently skip or widen a rule: a TAB right after the
//!   syscall name, an indented rule, a syscall number in version 2, more than six
//!   conditions, `SCMP_CMP_MASKED_EQ` without a mask or with a value outside its mask;
//! * refused, where LXC reads a word other than it is written: an action LXC recognises
//!   by its first letters (`killall` is `kill` to LXC), text after the action or between
//!   conditions, a version 1 number that is not plain decimal, a version 1 policy with a
//!   default action, a policy word other than the four (`denylisted`), the version and
//!   the policy on one line, a condition without its closing `]`;
//! * refused as LXC (or libseccomp under it) refuses them: an unknown section, `debug`,
//!   conditions without an action, a comment after conditions, two conditions on one
//!   argument, a rule whose action is the policy's default, `errno` above 4095;
//! * accepted although LXC refuses them: CRLF line endings, blanks at the end of a line,
//!   blank lines in a version 1 body, indented comments with `[`;
//! * warnings: `whitelist` in a version 1 policy (LXC 5 and later refuse it), the action
//!   or conditions of `reject_force_umount` (LXC ignores them), a mask on a comparison
//!   other than `SCMP_CMP_MASKED_EQ` (ignored), an allowlist that allows nothing.
//!
//! ```
//! use grammar::seccomp::{self, Action, Body, Item};
//! use grammar::SourceFile;
//! let src = SourceFile::new("common.seccomp", "2\ndenylist\n[all]\nkexec_load errno 1\n");
//! let parsed = seccomp::parse(&src).unwrap();
//! let Body::V2(items) = &parsed.policy.body else { unreachable!() };
//! let Item::Rule(rule) = &items[1] else { unreachable!() };
//! assert_eq!(parsed.policy.rule_action(rule), Action::Errno(1));
//! assert_eq!(parsed.policy.default_action(), Action::Allow);
//! ```

mod ast;
mod build;
mod print;
mod syntax;

pub use ast::{Action, Arch, Body, CmpOp, Condition, Item, Kind, Number, Policy, Radix, Rule};
pub use print::{print, PrintError};

use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use build::Builder;

/// The pest parser generated from `seccomp.pest` (private: the tree is the interface).
mod generated {
    #![allow(missing_docs)]
    #[derive(pest_derive::Parser)]
    #[grammar = "seccomp.pest"]
    pub struct SeccompParser;
}
use generated::{Rule as PestRule, SeccompParser};

/// The syscall name LXC treats as its built-in force-umount rule.
pub const REJECT_FORCE_UMOUNT: &str = "reject_force_umount";

/// A policy that was read, and what deserves a warning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// The policy.
    pub policy: Policy,
    /// Lines LXC reads differently from how they look, harmlessly; in file order.
    pub warnings: Vec<Diagnostic>,
}

/// Reads one policy file. On failure, returns every error and warning, in file order.
pub fn parse(src: &SourceFile) -> Result<Parsed, Vec<Diagnostic>> {
    let mut builder = Builder::default();
    for (base, line) in lines(src.text()) {
        builder.line(base, line);
    }
    let (policy, mut diagnostics) = builder.finish(src.text().len());
    diagnostics.sort_by_key(|d| d.span.start);
    match policy {
        Some(policy) if !diagnostics.iter().any(Diagnostic::is_error) => Ok(Parsed {
            policy,
            warnings: diagnostics,
        }),
        _ => Err(diagnostics),
    }
}

/// Each line of `text` with its offset, without its line ending (`\n` or `\r\n`). A text
/// that ends with a line ending has no empty last line.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    let body = text.strip_suffix('\n').unwrap_or(text);
    body.split('\n')
        .filter(move |_| !text.is_empty())
        .map(move |line| {
            let start = offset;
            offset += line.len() + 1;
            (start, line.strip_suffix('\r').unwrap_or(line))
        })
}

#[cfg(test)]
mod tests;
