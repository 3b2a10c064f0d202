//! Printing then parsing gives back the same policy: for generated valid policies (every
//! action, comparison, base and section), and for whatever arbitrary lines parse.

use grammar::seccomp::{
    self, Action, Arch, Body, CmpOp, Condition, Item, Kind, Number, Policy, Radix, Rule,
};
use grammar::{SourceFile, Spanned};
use proptest::prelude::*;

const NAMES: &[&str] = &[
    "read",
    "open",
    "kexec_load",
    "ioctl",
    "socket",
    "mount",
    "umount2",
    "clone3",
    "personality",
    "bpf",
    "x",
    "sys_123",
];

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        Just(Action::Kill),
        Just(Action::Trap),
        Just(Action::Allow),
        Just(Action::Notify),
        (0u16..=4095).prop_map(Action::Errno),
    ]
}

fn number() -> impl Strategy<Value = Number> {
    (
        any::<u64>(),
        prop_oneof![Just(Radix::Decimal), Just(Radix::Hex), Just(Radix::Octal)],
    )
        .prop_map(|(value, radix)| Number { value, radix })
}

fn condition(arg: u8) -> impl Strategy<Value = Condition> {
    (
        number(),
        proptest::sample::select(CmpOp::ALL.to_vec()),
        number(),
        any::<bool>(),
    )
        .prop_map(move |(value, (op, _, _), mask, with_mask)| {
            let (value, mask) = match op {
                // The value must fit in the mask.
                CmpOp::MaskedEq => (
                    Number {
                        value: value.value & mask.value,
                        radix: value.radix,
                    },
                    Some(mask),
                ),
                _ => (value, with_mask.then_some(mask)),
            };
            Condition {
                arg: Spanned::unplaced(arg),
                value: Spanned::unplaced(value),
                op: Spanned::unplaced(op),
                mask: mask.map(Spanned::unplaced),
                span: Default::default(),
            }
        })
}

fn rule() -> impl Strategy<Value = Rule> {
    let args = proptest::sample::subsequence(vec![0u8, 1, 2, 3, 4, 5], 0..=6)
        .prop_shuffle()
        .prop_flat_map(|args| args.into_iter().map(condition).collect::<Vec<_>>());
    (
        proptest::sample::select(NAMES),
        proptest::option::of(action()),
        args,
    )
        .prop_map(|(name, action, conditions)| {
            let mut rule = Rule::new(name, action);
            // Conditions need an action.
            if rule.action.is_some() {
                rule.conditions = conditions;
            }
            rule
        })
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        6 => rule().prop_map(Item::Rule),
        2 => proptest::sample::select(Arch::ALL.to_vec())
            .prop_map(|(arch, _)| Item::Section(Spanned::unplaced(arch))),
        1 => Just(Item::RejectForceUmount(Default::default())),
    ]
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![Just(Kind::Allowlist), Just(Kind::Denylist)]
}

fn policy() -> impl Strategy<Value = Policy> {
    let v1 = proptest::collection::vec(0u32..1000, 0..8).prop_map(|numbers| Policy {
        kind: Spanned::unplaced(Kind::Allowlist),
        default: None,
        body: Body::V1(numbers.into_iter().map(Spanned::unplaced).collect()),
    });
    let v2 = (
        kind(),
        proptest::option::of(action()),
        proptest::collection::vec(item(), 0..10),
    )
        .prop_map(|(kind, default, items)| {
            let mut policy = Policy {
                kind: Spanned::unplaced(kind),
                default: default.map(Spanned::unplaced),
                body: Body::V2(Vec::new()),
            };
            // A rule whose action is the default is refused (libseccomp does).
            let items = items
                .into_iter()
                .filter(|item| match item {
                    Item::Rule(r) => policy.rule_action(r) != policy.default_action(),
                    _ => true,
                })
                .collect();
            policy.body = Body::V2(items);
            policy
        });
    prop_oneof![1 => v1, 4 => v2]
}

fn reparse(text: &str) -> Result<seccomp::Parsed, TestCaseError> {
    seccomp::parse(&SourceFile::new("printed", text))
        .map_err(|d| TestCaseError::fail(format!("printed text does not parse: {text:?}\n{d:?}")))
}

/// A line as people write them (or mistype them).
fn line() -> impl Strategy<Value = String> {
    let rule = (
        proptest::sample::select(NAMES),
        prop_oneof![
            Just(""),
            Just(" kill"),
            Just(" errno 1"),
            Just(" allow"),
            Just(" trap")
        ],
        proptest::collection::vec(
            "\\[[0-6], ?(0x)?[0-9a-f]{1,3},(==|!=|<|&=|SCMP_CMP_MASKED_EQ)(,0x[f0]{1,4})?\\]",
            0..3,
        ),
        prop_oneof![Just(""), Just(" # c"), Just("  "), Just("\t")],
    )
        .prop_map(|(name, action, conds, tail)| {
            let conds: String = conds.iter().map(|c| format!(" {c}")).collect();
            format!("{name}{action}{conds}{tail}")
        });
    let body = prop_oneof![
        6 => rule,
        1 => proptest::sample::select(Arch::ALL.to_vec()).prop_map(|(_, n)| format!("[{n}]")),
        1 => "[ \t]*#[^\n\0]{0,10}",
        1 => "[a-z0-9 \t\\[\\],=]{0,12}",
    ];
    (body, prop_oneof![Just("\n"), Just("\r\n")]).prop_map(|(b, end)| format!("{b}{end}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printed_policies_read_back_equal(policy in policy()) {
        let text = seccomp::print(&policy).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let parsed = reparse(&text)?;
        prop_assert_eq!(&parsed.policy, &policy, "printed as {:?}", text);
    }

    #[test]
    fn whatever_parses_prints_and_reads_back_equal(
        header in prop_oneof![Just("2\ndenylist\n"), Just("2\nallowlist errno 1\n"), Just("2\r\ndenylist kill\r\n")],
        lines in proptest::collection::vec(line(), 0..10),
    ) {
        let text = format!("{header}{}", lines.concat());
        if let Ok(parsed) = seccomp::parse(&SourceFile::new("input", text.as_str())) {
            let printed = seccomp::print(&parsed.policy).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(reparse(&printed)?.policy, parsed.policy, "from {:?}", text);
        }
    }
}
