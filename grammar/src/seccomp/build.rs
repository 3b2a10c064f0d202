//! From lines to a [`Policy`]: which rule of the grammar a line is matched with depends on
//! where it is (version, policy line, body), and every word pest let through loosely is
//! checked here, the way LXC's `seccomp.c` reads it. Every check reports and carries on,
//! so a file with several mistakes shows them all.

use super::ast::{self, Action, Arch, Body, CmpOp, Condition, Item, Kind, Number, Policy, Radix};
use super::{syntax, PestRule, SeccompParser, REJECT_FORCE_UMOUNT};
use crate::diagnostic::Diagnostic;
use crate::source::{Span, Spanned};
use crate::suggest::closest;
use pest::iterators::Pair;
use pest::Parser as _;

/// The most conditions LXC reads on one rule (`struct seccomp_v2_rule`: six arguments);
/// it silently drops the others.
pub(crate) const MAX_CONDITIONS: usize = 6;

/// The largest errno the kernel returns as it is (`MAX_ERRNO`; libseccomp refuses more).
pub(crate) const MAX_ERRNO: u16 = 4095;

/// Where in the file the next line is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Stage {
    /// Before the version (blank lines are skipped, as `fscanf("%d")` does).
    #[default]
    Version,
    /// After the version `1` or `2`, before the policy line.
    Policy(u8),
    /// In the body of a version 1 or 2 policy.
    Body(u8),
    /// After a header LXC would refuse: the body cannot be read.
    Stopped,
}

/// Reads a policy line by line.
#[derive(Default)]
pub(super) struct Builder {
    stage: Stage,
    diagnostics: Vec<Diagnostic>,
    kind: Option<Spanned<Kind>>,
    default: Option<Spanned<Action>>,
    /// Where the policy line is, for messages about the whole policy.
    policy_span: Span,
    numbers: Vec<Spanned<u32>>,
    /// Lines of the body that are not blank, read or not.
    body_lines: usize,
    items: Vec<Item>,
}

fn span_of(pair: &Pair<'_, PestRule>, base: usize) -> Span {
    let s = pair.as_span();
    Span::new(base + s.start(), base + s.end())
}

impl Builder {
    /// One line of the file (without its line ending), starting at byte `base`.
    pub(super) fn line(&mut self, base: usize, line: &str) {
        if let Some(at) = line.find('\0') {
            self.diagnostics.push(
                Diagnostic::error(
                    Span::new(base + at, base + at + 1),
                    "the line holds a NUL byte",
                )
                .with_hint("LXC stops reading the line at a NUL byte; remove it"),
            );
            return;
        }
        let is_blank = line.chars().all(|c| c == ' ' || c == '\t');
        match self.stage {
            Stage::Version if is_blank => {}
            Stage::Version => self.version(base, line),
            Stage::Policy(_) if is_blank => {}
            Stage::Policy(version) => self.policy(base, line, version),
            Stage::Body(1) => self.v1_line(base, line),
            Stage::Body(_) => self.v2_line(base, line),
            Stage::Stopped => {}
        }
    }

    /// Parses `line` with `rule`, reporting a syntax error.
    fn parse<'l>(
        &mut self,
        which: PestRule,
        base: usize,
        line: &'l str,
    ) -> Option<Pair<'l, PestRule>> {
        match SeccompParser::parse(which, line) {
            Ok(mut pairs) => pairs.next(),
            Err(err) => {
                self.diagnostics
                    .push(syntax::syntax_error(which, line, base, &err));
                None
            }
        }
    }

    fn version(&mut self, base: usize, line: &str) {
        self.stage = Stage::Stopped;
        let Some(pair) = self.parse(PestRule::version_line, base, line) else {
            return;
        };
        let Some(version) = pair.into_inner().next() else {
            return;
        };
        let span = span_of(&version, base);
        match version.as_str().parse::<u32>() {
            Ok(v @ (1 | 2)) => self.stage = Stage::Policy(v as u8),
            _ => self.diagnostics.push(
                Diagnostic::error(
                    span,
                    format!(
                        "unsupported policy version `{}`: LXC reads versions 1 and 2",
                        version.as_str()
                    ),
                )
                .with_hint("the first line is `2` for a policy of syscall names, `1` for a list of numbers"),
            ),
        }
    }

    fn policy(&mut self, base: usize, line: &str, version: u8) {
        self.stage = Stage::Stopped;
        let Some(pair) = self.parse(PestRule::policy_line, base, line) else {
            return;
        };
        self.policy_span = span_of(&pair, base);
        let mut inner = pair.into_inner();
        let Some(word) = inner.next() else {
            return;
        };
        let span = span_of(&word, base);
        let Some(kind) = policy_kind(word.as_str()) else {
            self.diagnostics.push(unknown_policy(word.as_str(), span));
            return;
        };
        let action = inner
            .find(|p| p.as_rule() == PestRule::action)
            .and_then(|a| self.action(a, base));
        if version == 1 {
            if kind == Kind::Denylist {
                self.diagnostics.push(
                    Diagnostic::error(span, "a version 1 policy can only be an allowlist")
                        .with_hint("write `2` on the first line for a denylist of syscall names"),
                );
                return;
            }
            if let Some(action) = &action {
                self.diagnostics.push(
                    Diagnostic::error(action.span, "a version 1 policy has no default action")
                        .with_hint(
                            "LXC ignores it and kills every syscall not listed; write `2` on \
                             the first line to choose the default action",
                        ),
                );
                return;
            }
            if word.as_str() == "whitelist" {
                self.diagnostics.push(
                    Diagnostic::warning(
                        span,
                        "LXC 5 and later refuse `whitelist` in a version 1 policy",
                    )
                    .with_hint("write `allowlist` (LXC 4 and older only know `whitelist`)"),
                );
            }
        }
        self.kind = Some(Spanned::new(kind, span));
        self.default = action;
        self.stage = Stage::Body(version);
    }

    /// An `action` pair, checked; `None` (with an error) if it is not one LXC reads as
    /// written.
    fn action(&mut self, pair: Pair<'_, PestRule>, base: usize) -> Option<Spanned<Action>> {
        let span = span_of(&pair, base);
        let mut inner = pair.into_inner();
        let word = inner.next()?;
        let value = inner.next();
        let word_span = span_of(&word, base);
        let name = word.as_str();
        let takes_value = name == "errno";
        let simple = match name {
            "kill" => Some(Action::Kill),
            "trap" => Some(Action::Trap),
            "allow" => Some(Action::Allow),
            "notify" => Some(Action::Notify),
            "errno" => None,
            _ => {
                self.diagnostics.push(unknown_action(name, word_span));
                return None;
            }
        };
        match (simple, value) {
            (Some(action), None) => Some(Spanned::new(action, span)),
            (Some(_), Some(value)) => {
                self.diagnostics.push(
                    Diagnostic::error(span_of(&value, base), format!("`{name}` takes no number"))
                        .with_hint("only `errno` is followed by a number: `errno 1`"),
                );
                None
            }
            (None, None) => {
                debug_assert!(takes_value);
                self.diagnostics.push(
                    Diagnostic::error(Span::at(word_span.end), "`errno` needs a number")
                        .with_hint("write the error to return, e.g. `errno 1` for EPERM (0 makes the call succeed without running it)"),
                );
                None
            }
            (None, Some(value)) => {
                let value_span = span_of(&value, base);
                match decimal(value.as_str()) {
                    Some(n) if n <= u64::from(MAX_ERRNO) => {
                        Some(Spanned::new(Action::Errno(n as u16), span))
                    }
                    Some(_) => {
                        self.diagnostics.push(
                            Diagnostic::error(
                                value_span,
                                format!("`errno {}` is out of range", value.as_str()),
                            )
                            .with_hint(format!(
                                "errors go from 0 to {MAX_ERRNO}: libseccomp refuses more, \
                                 and the kernel would return a different error"
                            )),
                        );
                        None
                    }
                    None => {
                        self.diagnostics.push(
                            Diagnostic::error(
                                value_span,
                                format!("`{}` is not an errno number", value.as_str()),
                            )
                            .with_hint(
                                "write the error as a decimal number, e.g. `errno 1` for EPERM",
                            ),
                        );
                        None
                    }
                }
            }
        }
    }

    fn v1_line(&mut self, base: usize, line: &str) {
        if !line.trim_matches([' ', '\t']).is_empty() {
            self.body_lines += 1;
        }
        let Some(pair) = self.parse(PestRule::v1_line, base, line) else {
            return;
        };
        let Some(number) = pair
            .into_inner()
            .find(|p| p.as_rule() == PestRule::v1_number)
        else {
            return;
        };
        let span = span_of(&number, base);
        match decimal(number.as_str()).and_then(|n| u32::try_from(n).ok()) {
            Some(n) if n <= i32::MAX as u32 => self.numbers.push(Spanned::new(n, span)),
            _ => self.diagnostics.push(
                Diagnostic::error(
                    span,
                    format!("`{}` is not a syscall number", number.as_str()),
                )
                .with_hint(
                    "a version 1 policy lists decimal syscall numbers of the host, one per \
                     line (LXC's sscanf reads `0x10` as 0 and stops at the first other \
                     character)",
                ),
            ),
        }
    }

    fn v2_line(&mut self, base: usize, line: &str) {
        let Some(pair) = self.parse(PestRule::v2_line, base, line) else {
            return;
        };
        let Some(item) = pair.into_inner().next() else {
            return;
        };
        match item.as_rule() {
            PestRule::section => self.section(item, base),
            PestRule::rule => self.rule(item, base),
            _ => {}
        }
    }

    fn section(&mut self, pair: Pair<'_, PestRule>, base: usize) {
        let span = span_of(&pair, base);
        let name = pair.into_inner().next().map_or("", |p| p.as_str());
        match Arch::from_name(name) {
            Some(arch) => self.items.push(Item::Section(Spanned::new(arch, span))),
            None => self.diagnostics.push(unknown_section(name, span)),
        }
    }

    fn rule(&mut self, pair: Pair<'_, PestRule>, base: usize) {
        let span = span_of(&pair, base);
        let mut syscall = None;
        let mut action = None;
        let mut action_seen = false;
        let mut conditions = Vec::new();
        let mut condition_pairs = Vec::new();
        let mut comment = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                PestRule::syscall => {
                    syscall = Some(Spanned::new(
                        part.as_str().to_string(),
                        span_of(&part, base),
                    ));
                }
                PestRule::action => {
                    action_seen = true;
                    action = self.action(part, base);
                }
                PestRule::condition => condition_pairs.push(part),
                PestRule::comment => comment = Some(span_of(&part, base)),
                _ => {}
            }
        }
        let Some(syscall) = syscall else {
            return;
        };
        // The span of the rule without a trailing comment.
        let end = condition_pairs
            .last()
            .map(|c| span_of(c, base).end)
            .or(action.as_ref().map(|a: &Spanned<Action>| a.span.end))
            .unwrap_or(syscall.span.end);
        let rule_span = Span::new(span.start, end.max(syscall.span.end));

        if syscall.value == REJECT_FORCE_UMOUNT {
            if action_seen || !condition_pairs.is_empty() {
                self.diagnostics.push(
                    Diagnostic::warning(
                        Span::new(syscall.span.end + 1, rule_span.end),
                        "LXC ignores the action and conditions of `reject_force_umount`",
                    )
                    .with_hint(
                        "the rule always makes `umount2(path, MNT_FORCE)` fail with EACCES; \
                         remove what follows the name",
                    ),
                );
            }
            self.items.push(Item::RejectForceUmount(syscall.span));
            return;
        }
        if syscall.value.bytes().all(|b| b.is_ascii_digit()) {
            self.diagnostics.push(
                Diagnostic::error(
                    syscall.span,
                    format!("`{}` is a syscall number, but version 2 names syscalls", syscall.value),
                )
                .with_hint("LXC looks the word up as a name, finds none and skips the rule; write the syscall's name"),
            );
            return;
        }
        if !condition_pairs.is_empty() && !action_seen {
            let kind = self.kind.as_ref().map_or(Kind::Denylist, |k| k.value);
            // What a rule of this kind does without an action (`Policy::rule_action`).
            let default = match kind {
                Kind::Denylist => Action::Kill,
                Kind::Allowlist => Action::Allow,
            };
            let first = span_of(&condition_pairs[0], base);
            self.diagnostics.push(
                Diagnostic::error(first, "conditions need an action before them").with_hint(
                    format!(
                        "LXC refuses a rule like this; write the action, e.g. `{} {default} {}` \
                         ({default} is what a rule of this {} does without one)",
                        syscall.value,
                        conditions_text(&condition_pairs),
                        kind.as_str(),
                    ),
                ),
            );
            return;
        }
        if let (Some(comment), false) = (comment, condition_pairs.is_empty()) {
            self.diagnostics.push(
                Diagnostic::error(comment, "LXC refuses a comment after conditions")
                    .with_hint("put the comment on a line of its own, starting with `#`"),
            );
            return;
        }
        if action_seen && action.is_none() {
            return; // the action's error is reported
        }
        let mut ok = true;
        for part in condition_pairs {
            match self.condition(part, base) {
                Some(c) => conditions.push(c),
                None => ok = false,
            }
        }
        if !ok {
            return;
        }
        if conditions.len() > MAX_CONDITIONS {
            let extra = Span::new(conditions[MAX_CONDITIONS].span.start, rule_span.end);
            self.diagnostics.push(
                Diagnostic::error(extra, format!("more than {MAX_CONDITIONS} conditions"))
                    .with_hint("LXC reads the first six and silently drops the others, so the rule would match more calls than written"),
            );
            return;
        }
        for (i, c) in conditions.iter().enumerate() {
            if let Some(first) = conditions[..i].iter().find(|d| d.arg.value == c.arg.value) {
                self.diagnostics.push(
                    Diagnostic::error(
                        c.arg.span,
                        format!("a second condition on argument {}", c.arg.value),
                    )
                    .with_hint("libseccomp refuses two conditions on one argument, so LXC does not load the policy; write two rules")
                    .with_related(first.span, "the first one"),
                );
                return;
            }
        }
        let rule = ast::Rule {
            syscall,
            action,
            conditions,
            span: rule_span,
        };
        if let Some(kind) = &self.kind {
            let policy_default = match (&self.default, kind.value) {
                (Some(a), _) => a.value,
                (None, Kind::Denylist) => Action::Allow,
                (None, Kind::Allowlist) => Action::Kill,
            };
            let own = ast::rule_action(kind.value, &rule);
            if own == policy_default {
                let at = rule.action.as_ref().map_or(rule.syscall.span, |a| a.span);
                self.diagnostics.push(
                    Diagnostic::error(
                        at,
                        format!("this rule's action `{own}` is the policy's default action"),
                    )
                    .with_hint(format!(
                        "libseccomp refuses such a rule, so LXC does not load the policy; \
                         remove the rule or give it another action (the policy line `{}` \
                         makes `{policy_default}` the default)",
                        self.policy_text(),
                    ))
                    .with_related(self.policy_span, "the policy line"),
                );
                return;
            }
        }
        self.items.push(Item::Rule(rule));
    }

    /// The policy line as the tree has it, for hints.
    fn policy_text(&self) -> String {
        let kind = self.kind.as_ref().map_or("", |k| k.value.as_str());
        match &self.default {
            Some(a) => format!("{kind} {}", a.value),
            None => kind.to_string(),
        }
    }

    fn condition(&mut self, pair: Pair<'_, PestRule>, base: usize) -> Option<Condition> {
        let span = span_of(&pair, base);
        let mut index = None;
        let mut value = None;
        let mut op = None;
        let mut mask = None;
        let mut ok = true;
        for part in pair.into_inner() {
            let part_span = span_of(&part, base);
            let text = part.as_str();
            match part.as_rule() {
                PestRule::arg_index => match c_number(text) {
                    Ok(n) if n.value <= 5 => {
                        index = Some(Spanned::new(n.value as u8, part_span));
                    }
                    Ok(_) | Err(NumberError::Negative) => {
                        ok = false;
                        self.diagnostics.push(
                            Diagnostic::error(
                                part_span,
                                format!("argument `{text}` does not exist"),
                            )
                            .with_hint("syscalls have six arguments, numbered 0 to 5"),
                        );
                    }
                    Err(e) => {
                        ok = false;
                        self.diagnostics
                            .push(bad_number(text, part_span, e, "argument index"));
                    }
                },
                PestRule::arg_value | PestRule::arg_mask => {
                    let what = if part.as_rule() == PestRule::arg_value {
                        "value"
                    } else {
                        "mask"
                    };
                    match c_number(text) {
                        Ok(n) => {
                            let n = Spanned::new(n, part_span);
                            if part.as_rule() == PestRule::arg_value {
                                value = Some(n);
                            } else {
                                mask = Some(n);
                            }
                        }
                        Err(e) => {
                            ok = false;
                            self.diagnostics.push(bad_number(text, part_span, e, what));
                        }
                    }
                }
                PestRule::cmp_op => match CmpOp::from_spelling(text) {
                    Some(o) => op = Some(Spanned::new(o, part_span)),
                    None => {
                        ok = false;
                        self.diagnostics.push(unknown_op(text, part_span));
                    }
                },
                _ => {}
            }
        }
        let (Some(arg), Some(value), Some(op), true) = (index, value, op, ok) else {
            return None;
        };
        match (op.value, &mask) {
            (CmpOp::MaskedEq, None) => {
                self.diagnostics.push(
                    Diagnostic::error(op.span, "`SCMP_CMP_MASKED_EQ` needs a mask").with_hint(
                        format!(
                            "write `[{},{},{},MASK]` to compare `arg & MASK` with the value; \
                             without one LXC masks with 0, so the condition holds for every \
                             call or for none",
                            arg.value,
                            value.value,
                            CmpOp::MaskedEq.name()
                        ),
                    ),
                );
                return None;
            }
            (CmpOp::MaskedEq, Some(m)) if value.value.value & !m.value.value != 0 => {
                self.diagnostics.push(
                    Diagnostic::error(
                        value.span,
                        format!(
                            "the value {} has bits outside the mask {}: the condition never holds",
                            value.value, m.value
                        ),
                    )
                    .with_hint(
                        "`arg & mask` can only have the mask's bits; fix the value or the mask",
                    ),
                );
                return None;
            }
            (CmpOp::MaskedEq, Some(_)) | (_, None) => {}
            (op_value, Some(m)) => self.diagnostics.push(
                Diagnostic::warning(
                    m.span,
                    format!("LXC ignores the mask of `{}`", op_value.name()),
                )
                .with_hint("only `SCMP_CMP_MASKED_EQ` uses a mask; remove it"),
            ),
        }
        Some(Condition {
            arg,
            value,
            op,
            mask,
            span,
        })
    }

    /// The policy and every diagnostic; no policy when the header is missing or wrong.
    pub(super) fn finish(mut self, end: usize) -> (Option<Policy>, Vec<Diagnostic>) {
        match self.stage {
            Stage::Version => self.diagnostics.push(
                Diagnostic::error(Span::at(end), "the policy is empty")
                    .with_hint("the first line is the version `2`, the second the policy, e.g. `denylist`"),
            ),
            Stage::Policy(_) => self.diagnostics.push(
                Diagnostic::error(Span::at(end), "expected the policy line after the version")
                    .with_hint("the second line is `allowlist` or `denylist`, optionally followed by the default action"),
            ),
            Stage::Body(_) | Stage::Stopped => {}
        }
        let (Stage::Body(version), Some(kind)) = (self.stage, self.kind.clone()) else {
            return (None, self.diagnostics);
        };
        let body = if version == 1 {
            if self.body_lines == 0 {
                self.diagnostics.push(
                    Diagnostic::warning(kind.span, "this allowlist allows no syscall")
                        .with_hint("every process of the container is killed at its first syscall; list the syscall numbers to allow, one per line"),
                );
            }
            Body::V1(self.numbers)
        } else {
            Body::V2(self.items)
        };
        let policy = Policy {
            kind,
            default: self.default,
            body,
        };
        (Some(policy), self.diagnostics)
    }
}

/// The conditions as written, for a hint.
fn conditions_text(conditions: &[Pair<'_, PestRule>]) -> String {
    conditions
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The kind named by a policy word, exactly (LXC compares only the first letters).
fn policy_kind(word: &str) -> Option<Kind> {
    match word {
        "allowlist" | "whitelist" => Some(Kind::Allowlist),
        "denylist" | "blacklist" => Some(Kind::Denylist),
        _ => None,
    }
}

const POLICY_WORDS: [&str; 4] = ["allowlist", "denylist", "whitelist", "blacklist"];
const ACTION_WORDS: [&str; 5] = ["kill", "trap", "errno", "allow", "notify"];

fn unknown_policy(word: &str, span: Span) -> Diagnostic {
    let d = Diagnostic::error(span, format!("unknown policy `{word}`"));
    if let Some(prefix) = POLICY_WORDS.iter().find(|w| word.starts_with(*w)) {
        return d.with_hint(format!(
            "LXC only compares the first letters and reads this as `{prefix}`; write `{prefix}`"
        ));
    }
    match closest(word, POLICY_WORDS.into_iter()) {
        Some(w) => d.with_hint(format!("did you mean `{w}`?")),
        None => d.with_hint("the second line is `allowlist` or `denylist`, optionally followed by the default action"),
    }
}

fn unknown_action(word: &str, span: Span) -> Diagnostic {
    if word == "debug" {
        return Diagnostic::error(span, "LXC refuses `debug`: it is not implemented")
            .with_hint("remove it");
    }
    let d = Diagnostic::error(span, format!("unknown action `{word}`"));
    if let Some(prefix) = ACTION_WORDS.iter().find(|w| word.starts_with(*w)) {
        return d.with_hint(format!(
            "LXC only compares the first letters and reads this as `{prefix}`; write `{prefix}`"
        ));
    }
    match closest(word, ACTION_WORDS.into_iter()) {
        Some(w) => d.with_hint(format!("did you mean `{w}`?")),
        None => d.with_hint("the actions are `kill`, `trap`, `errno N`, `allow` and `notify`"),
    }
}

fn unknown_section(name: &str, span: Span) -> Diagnostic {
    let d = Diagnostic::error(span, format!("unknown architecture section `[{name}]`"));
    let lower = name.to_ascii_lowercase();
    let alias = match lower.as_str() {
        "amd64" | "x86-64" | "x64" => Some("x86_64"),
        "i386" | "i486" | "i586" | "i686" | "ia32" => Some("x86"),
        "aarch64" => Some("arm64"),
        "armhf" | "armel" | "armv7" | "armv7l" | "aarch32" => Some("arm"),
        "powerpc" => Some("ppc"),
        "powerpc64" => Some("ppc64"),
        "powerpc64le" | "ppc64el" => Some("ppc64le"),
        _ => None,
    };
    let guess = alias.or_else(|| {
        Arch::from_name(&lower)
            .map(Arch::name)
            .or_else(|| closest(&lower, Arch::ALL.iter().map(|(_, n)| *n)))
    });
    match guess {
        Some(g) => d.with_hint(format!(
            "did you mean `[{g}]`? LXC knows the names of libseccomp, in lower or upper case"
        )),
        None => d.with_hint(
            "LXC knows [all], [x86], [x32], [x86_64], [arm], [arm64], [ppc], [ppc64], \
             [ppc64le], [mips], [mips64], [mips64n32], [mipsel], [mipsel64], [mipsel64n32], \
             [s390] and [s390x]",
        ),
    }
}

fn unknown_op(text: &str, span: Span) -> Diagnostic {
    let d = Diagnostic::error(span, format!("unknown comparison `{text}`"));
    let names = CmpOp::ALL.iter().map(|(_, name, _)| *name);
    match closest(&text.to_ascii_uppercase(), names) {
        Some(name) => d.with_hint(format!("did you mean `{name}`?")),
        None => d.with_hint(
            "the comparisons are SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, \
             SCMP_CMP_GE, SCMP_CMP_GT and SCMP_CMP_MASKED_EQ, or !=, <, <=, ==, >=, >, &=",
        ),
    }
}

fn bad_number(text: &str, span: Span, e: NumberError, what: &str) -> Diagnostic {
    let reason = match e {
        NumberError::Negative => "cannot be negative",
        NumberError::TooLarge => "does not fit in 64 bits",
        NumberError::Malformed => "is not a number",
    };
    Diagnostic::error(span, format!("the {what} `{text}` {reason}"))
        .with_hint("write a decimal number, a hexadecimal one starting with `0x`, or an octal one starting with `0`")
}

/// Why a word is not a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NumberError {
    Negative,
    TooLarge,
    Malformed,
}

/// A number as C's `strtoull(text, NULL, 0)` reads a whole word: `0x` hexadecimal, a
/// leading `0` octal, else decimal; no sign.
pub(crate) fn c_number(text: &str) -> Result<Number, NumberError> {
    if text.starts_with('-') {
        return Err(NumberError::Negative);
    }
    let (digits, radix) =
        if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            (hex, Radix::Hex)
        } else if text.len() > 1 && text.starts_with('0') {
            (&text[1..], Radix::Octal)
        } else {
            (text, Radix::Decimal)
        };
    let base = match radix {
        Radix::Hex => 16,
        Radix::Octal => 8,
        Radix::Decimal => 10,
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(base)) {
        return Err(NumberError::Malformed);
    }
    u64::from_str_radix(digits, base)
        .map(|value| Number { value, radix })
        .map_err(|_| NumberError::TooLarge)
}

/// A plain decimal number (what `sscanf("%d")` reads; leading zeros are decimal).
fn decimal(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}
