//! What a list of rules means on cgroup v2, where the kernel has no device controller and
//! LXC emulates one with a BPF program. This is LXC 5.0's list (`bpf_list_add_device`
//! and `bpf_device_add` in `src/lxc/cgroups/cgroup2_devices.c`, the version Debian 12
//! ships), not the kernel's v1 exception list:
//!
//! * The list starts in allow-list mode ("deny everything not allowed") with no rules.
//! * `a` sets the mode (`allow a`: deny-list, `deny a`: allow-list) and empties the list.
//! * Any other rule looks for a rule already in the list with the same type, major,
//!   minor and access *text* that the program would contain in the current mode; if one
//!   is there it takes the new rule's allow/deny, else the rule is appended.
//! * The program holds only the rules of the other polarity than the mode (allow rules in
//!   allow-list mode, deny rules in deny-list mode), checked in list order, the first
//!   match deciding; no match gives the mode's default.
//!
//! So in allow-list mode a deny rule only takes back an allow rule written with the very
//! same text (`deny c 1:3 rwm` after `allow c 1:3 rwm`), and `deny c 1:3 w` after
//! `allow c 1:3 rwm` leaves writing allowed; a request matches a rule when its access bits
//! are all in the rule's (opening read-write needs both `r` and `w` in one rule).
//!
//! One difference, a security fix listed in docs/compat.md: LXC attaches no program when
//! its list ends up empty, so `deny a` alone (or `deny a` after every other rule) leaves
//! every device open; we deny every device then, which is what the rule says.

#[cfg(test)]
use super::rule::DeviceType;
use super::rule::{Kind, Pattern};

/// One rule of the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Item {
    /// Allow (the program returns 1 on a match) or deny (0).
    pub allow: bool,
    /// What it matches.
    pub pattern: Pattern,
}

/// A rule with its device path, if any, already read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// `a`.
    Everything,
    /// Anything else.
    Devices(Pattern),
}

/// A device access the kernel asks the program about (tests).
#[cfg(test)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Request {
    /// Block or character (never [`DeviceType::Any`]).
    pub ty: DeviceType,
    /// Major number.
    pub major: u32,
    /// Minor number.
    pub minor: u32,
    /// `BPF_DEVCG_ACC_*` bits (several at once for an open read-write).
    pub access: u8,
}

/// The list after every rule: its mode and its rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Policy {
    /// Deny-list mode (`allow a` was the last `a`): what no rule denies is allowed.
    pub default_allow: bool,
    /// The list, in order.
    pub items: Vec<Item>,
}

impl Policy {
    /// The list after `rules`, in order.
    pub fn build(rules: impl IntoIterator<Item = (Kind, Resolved)>) -> Policy {
        let mut policy = Policy {
            default_allow: false,
            items: Vec::new(),
        };
        for (kind, rule) in rules {
            let allow = kind == Kind::Allow;
            match rule {
                Resolved::Everything => {
                    policy.default_allow = allow;
                    policy.items.clear();
                }
                Resolved::Devices(pattern) => {
                    let default_allow = policy.default_allow;
                    match policy
                        .items
                        .iter_mut()
                        .find(|i| i.pattern == pattern && i.allow != default_allow)
                    {
                        Some(same) => same.allow = allow,
                        None => policy.items.push(Item { allow, pattern }),
                    }
                }
            }
        }
        policy
    }

    /// The rules the program checks: those of the other polarity than the mode.
    pub fn checked(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.allow != self.default_allow)
    }

    /// Whether no program is needed: every device is allowed (deny-list mode without a
    /// deny rule). LXC attaches a program that allows everything here, or none when the
    /// list is empty; either way nothing is restricted.
    pub fn allows_everything(&self) -> bool {
        self.default_allow && self.checked().next().is_none()
    }

    /// The decision for `request`, straight from the list (the program must agree).
    #[cfg(test)]
    pub fn allows(&self, request: Request) -> bool {
        self.checked()
            .find(|i| matches(&i.pattern, request))
            .map_or(self.default_allow, |i| i.allow)
    }
}

/// Whether `pattern` covers `request`: same type (or `a`), same numbers (or `*`), and
/// every access bit asked for is in the rule's access.
#[cfg(test)]
pub(crate) fn matches(pattern: &Pattern, request: Request) -> bool {
    let bits = pattern.access.bits();
    (pattern.ty == DeviceType::Any || pattern.ty == request.ty)
        && pattern.major.is_none_or(|m| m == request.major)
        && pattern.minor.is_none_or(|m| m == request.minor)
        && request.access & !bits == 0
}
