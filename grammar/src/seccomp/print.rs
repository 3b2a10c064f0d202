//! Writes a policy back as canonical text: the version, the policy line, then one line per
//! section, rule or number, with the current spellings (`allowlist`, `denylist`, lower-case
//! sections, `SCMP_CMP_*` names) and numbers in the base they were written in.
//! [`super::parse()`] reads the text back into an equal tree, and LXC reads it the same way.

use super::ast::{rule_action, Action, Body, Item, Kind, Policy, Rule};
use super::build::{MAX_CONDITIONS, MAX_ERRNO};
use super::REJECT_FORCE_UMOUNT;
use std::fmt::Write as _;

/// A tree that cannot be written as a policy LXC reads the same way.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    /// The policy as a whole.
    #[error("cannot write the policy: {0}")]
    Policy(&'static str),
    /// One rule.
    #[error("cannot write the rule for `{syscall}`: {reason}")]
    Rule {
        /// Its syscall.
        syscall: String,
        /// Why.
        reason: &'static str,
    },
}

/// The canonical text of `policy`.
pub fn print(policy: &Policy) -> Result<String, PrintError> {
    let mut out = String::new();
    let _ = writeln!(out, "{}", policy.version());
    let kind = policy.kind.value;
    let default = policy.default_action();
    match (&policy.body, &policy.default) {
        (Body::V1(_), _) if kind == Kind::Denylist => {
            return Err(PrintError::Policy("a version 1 policy is an allowlist"))
        }
        (Body::V1(_), Some(_)) => {
            return Err(PrintError::Policy(
                "a version 1 policy has no default action",
            ))
        }
        (_, Some(action)) => {
            check_action(action.value).map_err(PrintError::Policy)?;
            let _ = writeln!(out, "{} {}", kind.as_str(), action.value);
        }
        (_, None) => {
            let _ = writeln!(out, "{}", kind.as_str());
        }
    }
    match &policy.body {
        Body::V1(numbers) => {
            for n in numbers {
                if n.value > i32::MAX as u32 {
                    return Err(PrintError::Policy(
                        "a syscall number does not fit in an int",
                    ));
                }
                let _ = writeln!(out, "{}", n.value);
            }
        }
        Body::V2(items) => {
            for item in items {
                match item {
                    Item::Section(arch) => {
                        let _ = writeln!(out, "[{}]", arch.value.name());
                    }
                    Item::RejectForceUmount(_) => {
                        let _ = writeln!(out, "{REJECT_FORCE_UMOUNT}");
                    }
                    Item::Rule(rule) => {
                        check_rule(kind, default, rule).map_err(|reason| PrintError::Rule {
                            syscall: rule.syscall.value.clone(),
                            reason,
                        })?;
                        write_rule(&mut out, rule);
                    }
                }
            }
        }
    }
    Ok(out)
}

fn write_rule(out: &mut String, rule: &Rule) {
    out.push_str(&rule.syscall.value);
    if let Some(action) = &rule.action {
        let _ = write!(out, " {}", action.value);
    }
    for c in &rule.conditions {
        let _ = write!(
            out,
            " [{},{},{}",
            c.arg.value,
            c.value.value,
            c.op.value.name()
        );
        if let Some(mask) = &c.mask {
            let _ = write!(out, ",{}", mask.value);
        }
        out.push(']');
    }
    out.push('\n');
}

fn check_action(action: Action) -> Result<(), &'static str> {
    match action {
        Action::Errno(n) if n > MAX_ERRNO => Err("an errno above 4095"),
        _ => Ok(()),
    }
}

/// Why `rule` would not read back as itself, if it would not.
fn check_rule(kind: Kind, default: Action, rule: &Rule) -> Result<(), &'static str> {
    let name = rule.syscall.value.as_str();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err("a syscall name is letters, digits and `_`");
    }
    if name.bytes().all(|b| b.is_ascii_digit()) {
        return Err("a syscall name cannot be a number");
    }
    if name == REJECT_FORCE_UMOUNT {
        return Err("`reject_force_umount` is a rule of its own");
    }
    if let Some(action) = &rule.action {
        check_action(action.value)?;
    }
    if !rule.conditions.is_empty() && rule.action.is_none() {
        return Err("conditions need an action before them");
    }
    if rule.conditions.len() > MAX_CONDITIONS {
        return Err("more than six conditions");
    }
    for (i, c) in rule.conditions.iter().enumerate() {
        if c.arg.value > 5 {
            return Err("an argument index above 5");
        }
        if rule.conditions[..i]
            .iter()
            .any(|d| d.arg.value == c.arg.value)
        {
            return Err("two conditions on one argument");
        }
        match (&c.mask, c.op.value) {
            (None, super::CmpOp::MaskedEq) => return Err("SCMP_CMP_MASKED_EQ without a mask"),
            (Some(m), super::CmpOp::MaskedEq) if c.value.value.value & !m.value.value != 0 => {
                return Err("a masked value with bits outside its mask")
            }
            _ => {}
        }
    }
    if rule_action(kind, rule) == default {
        return Err("its action is the policy's default action");
    }
    Ok(())
}
