//! A parsed policy resolved for one host, as LXC's `parse_config_v1` / `parse_config_v2`
//! build their libseccomp contexts, and the checks that need the host: which sections
//! apply, which syscall names exist, what the filter cannot do.
//!
//! * Version 1: the numbers are allowed for the native ABI; everything else, other ABIs
//!   included, is killed (LXC's context has only the native architecture).
//! * Version 2: the rules go to every ABI of the host (LXC merges the x86, x32 and x86_64
//!   contexts on an amd64 host, arm and arm64 on an arm64 host), each name resolved in
//!   each ABI's table. Sections only filter: on an amd64 host the rules of `[x86]`,
//!   `[x32]`, `[x86_64]` and `[all]` all apply to every ABI, those of `[arm]` or `[s390x]`
//!   are skipped; rules before any section apply. This is what LXC 5 and 6 do.
//! * A name that exists on no architecture (a typo) is skipped by LXC with a log line.
//!   We do the same when skipping leaves the calls under a default at least as strict
//!   as the rule (a warning), and refuse the policy when the rule was stricter than the
//!   default, since the filter would silently let the calls through.
//! * A name that exists elsewhere but not on this host (`socketcall` on arm64) is skipped
//!   for the ABIs that lack it, as LXC does.
//! * On 32-bit x86 the socket and IPC calls are also reached through `socketcall(2)` and
//!   `ipc(2)`: a rule on `socket` also matches `socketcall(SYS_SOCKET, ...)`, as
//!   libseccomp does it, and conditions on such calls are refused, as libseccomp refuses
//!   them (LXC then does not load the policy).
//! * Deliberate differences: x32 calls are killed (LXC resolves the rules for x32 too;
//!   nothing runs x32 code in a container we know of, and the generic tables have no x32
//!   numbering), and `notify` is refused: cgconfigd has no seccomp notification proxy.

use super::bpf::{self, ret, AbiRules, Cmp, Resolved};
use super::tables::{self, Abi};
use grammar::seccomp::{Action, Arch, Body, CmpOp, Item, Policy, Rule};
use grammar::source::Span;
use grammar::suggest::closest;
use grammar::Diagnostic;
use std::collections::BTreeMap;

/// The architectures whose policies we compile: the kernel's native ABI and its compat ABI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostArch {
    /// x86_64 kernels: x86_64 and 32-bit x86 processes.
    X86_64,
    /// arm64 kernels: aarch64 and 32-bit ARM processes.
    Aarch64,
}

impl HostArch {
    /// The architecture this program runs on, if we compile policies for it.
    pub fn native() -> Option<HostArch> {
        if cfg!(target_arch = "x86_64") {
            Some(HostArch::X86_64)
        } else if cfg!(target_arch = "aarch64") {
            Some(HostArch::Aarch64)
        } else {
            None
        }
    }

    /// The native ABI, then the compat one.
    pub fn abis(self) -> [Abi; 2] {
        match self {
            HostArch::X86_64 => [Abi::X86_64, Abi::I386],
            HostArch::Aarch64 => [Abi::Aarch64, Abi::Arm],
        }
    }

    /// Whether the rules of section `arch` apply on this host (LXC's `parse_config_v2`).
    pub fn applies(self, arch: Arch) -> bool {
        match self {
            HostArch::X86_64 => matches!(arch, Arch::All | Arch::X86 | Arch::X32 | Arch::X86_64),
            HostArch::Aarch64 => matches!(arch, Arch::All | Arch::Arm | Arch::Arm64),
        }
    }
}

/// The return value of an action, or `None` for `notify`.
fn encode(action: Action) -> Option<u32> {
    match action {
        // libseccomp's SCMP_ACT_KILL, which LXC uses, kills the thread.
        Action::Kill => Some(ret::KILL_THREAD),
        Action::Trap => Some(ret::TRAP),
        Action::Errno(n) => Some(ret::ERRNO | u32::from(n)),
        Action::Allow => Some(ret::ALLOW),
        Action::Notify => None,
    }
}

/// `EACCES`, what `reject_force_umount` returns.
const EACCES: u32 = 13;
/// `MNT_FORCE`, the flag `reject_force_umount` looks for in `umount2`'s second argument.
const MNT_FORCE: u64 = 1;

/// Resolves `policy` for `host`: the rules per ABI, and the problems found (errors make the
/// policy unusable; warnings are kept).
pub fn resolve(policy: &Policy, host: HostArch) -> (Resolved, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let default_span = policy.default.as_ref().map_or(policy.kind.span, |d| d.span);
    let default = encode(policy.default_action()).unwrap_or_else(|| {
        diagnostics.push(notify_refused(default_span));
        ret::KILL_THREAD
    });
    let mut resolved = Resolved {
        abis: Vec::new(),
        bad_arch: ret::KILL_THREAD,
    };
    match &policy.body {
        Body::V1(numbers) => {
            let mut abi = AbiRules {
                abi: host.abis()[0],
                default,
                syscalls: BTreeMap::new(),
            };
            for n in numbers {
                abi.syscalls.entry(n.value).or_default().push(bpf::Rule {
                    cmps: Vec::new(),
                    action: ret::ALLOW,
                });
            }
            resolved.abis.push(abi);
        }
        Body::V2(items) => {
            let mut abis: Vec<AbiRules> = host
                .abis()
                .iter()
                .map(|&abi| AbiRules {
                    abi,
                    default,
                    syscalls: BTreeMap::new(),
                })
                .collect();
            let mut applies = true;
            for item in items {
                match item {
                    Item::Section(arch) => applies = host.applies(arch.value),
                    _ if !applies => {}
                    Item::RejectForceUmount(_) => {
                        for abi in &mut abis {
                            if let Some(nr) = abi.abi.lookup("umount2") {
                                abi.syscalls.entry(nr).or_default().push(bpf::Rule {
                                    cmps: vec![Cmp {
                                        arg: 1,
                                        op: CmpOp::MaskedEq,
                                        value: MNT_FORCE,
                                        mask: MNT_FORCE,
                                    }],
                                    action: ret::ERRNO | EACCES,
                                });
                            }
                        }
                    }
                    Item::Rule(rule) => {
                        add_rule(policy, rule, host, default, &mut abis, &mut diagnostics);
                    }
                }
            }
            resolved.abis = abis;
        }
    }
    (resolved, diagnostics)
}

fn add_rule(
    policy: &Policy,
    rule: &Rule,
    host: HostArch,
    default: u32,
    abis: &mut [AbiRules],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let action_span = rule.action.as_ref().map_or(rule.syscall.span, |a| a.span);
    let Some(action) = encode(policy.rule_action(rule)) else {
        diagnostics.push(notify_refused(action_span));
        return;
    };
    let name = rule.syscall.value.as_str();
    let cmps: Vec<Cmp> = rule
        .conditions
        .iter()
        .map(|c| Cmp {
            arg: c.arg.value,
            op: c.op.value,
            value: c.value.value.value,
            mask: match (c.op.value, &c.mask) {
                (CmpOp::MaskedEq, Some(m)) => m.value.value,
                _ => u64::MAX,
            },
        })
        .collect();
    let mut added = false;
    for abi in abis.iter_mut() {
        let direct = abi.abi.lookup(name);
        let multiplexed = abi.abi.multiplexed(name);
        if multiplexed.is_some() && !cmps.is_empty() {
            let conditions = Span::new(
                rule.conditions
                    .first()
                    .map_or(rule.span.start, |c| c.span.start),
                rule.span.end,
            );
            diagnostics.push(
                Diagnostic::error(
                    conditions,
                    format!("conditions on `{name}` cannot be enforced on this host"),
                )
                .with_hint(format!(
                    "32-bit x86 programs also reach `{name}` through `{}`, whose arguments a \
                     filter cannot see; libseccomp refuses such a rule, so LXC does not load \
                     the policy either. Remove the conditions to filter every call",
                    if multiplexed.is_some_and(|m| m.mask == u64::MAX) {
                        "socketcall(2)"
                    } else {
                        "ipc(2)"
                    }
                )),
            );
            return;
        }
        if let Some(nr) = direct {
            abi.syscalls.entry(nr).or_default().push(bpf::Rule {
                cmps: cmps.clone(),
                action,
            });
            added = true;
        }
        if let Some(m) = multiplexed {
            abi.syscalls.entry(m.syscall).or_default().push(bpf::Rule {
                cmps: vec![Cmp {
                    arg: 0,
                    op: CmpOp::MaskedEq,
                    value: u64::from(m.call),
                    mask: m.mask,
                }],
                action,
            });
            added = true;
        }
    }
    if added || tables::known_anywhere(name) {
        return;
    }
    let names: Vec<&str> = host.abis().iter().flat_map(|abi| abi.names()).collect();
    let guess = closest(name, names.iter().copied())
        .map(|g| format!("did you mean `{g}`? "))
        .unwrap_or_default();
    if bpf::precedence(action) < bpf::precedence(default) {
        diagnostics.push(
            Diagnostic::error(rule.syscall.span, format!("unknown syscall `{name}`")).with_hint(
                format!(
                    "{guess}LXC skips a rule whose syscall it does not know, so the calls this \
                     rule should stop would get the default action `{}`",
                    policy.default_action()
                ),
            ),
        );
    } else {
        diagnostics.push(
            Diagnostic::warning(
                rule.syscall.span,
                format!("unknown syscall `{name}`: rule skipped"),
            )
            .with_hint(format!(
                "{guess}LXC skips it too; the calls keep the default action `{}`",
                policy.default_action()
            )),
        );
    }
}

fn notify_refused(span: Span) -> Diagnostic {
    Diagnostic::error(span, "`notify` is not supported").with_hint(
        "seccomp notifications need a supervisor (LXC's lxc.seccomp.notify.proxy), which \
             cgconfigd does not have; use `errno N` to make the call fail instead",
    )
}
