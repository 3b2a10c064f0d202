//! The printer and the parser agree: any valid tree prints as text that parses back into
//! the same tree (spans are not compared, by design), and any text at all is either
//! refused with diagnostics that render, or parsed into rules that survive a round trip.

use grammar::cgrules::{
    analyze, parse, print, Controllers, Destination, ProcessPattern, Rule, RuleOption, Rules,
    Subject, Target,
};
use grammar::diagnostic::render_all;
use grammar::{SourceFile, Span, Spanned};
use proptest::prelude::*;

/// Names as libcgroup 3.2 can write them: anything but `"`, control characters and the
/// `:` that ends a user name; a user name cannot start with `*`, `%` or `@`.
fn user_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_][a-z0-9_.-]{0,10}",
        "[A-Z][a-z]{1,6} [A-Z][a-z]{1,6}",
        "[^\"\\p{Cc}:*%@][^\"\\p{Cc}:]{0,12}",
    ]
}

fn group_name() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z_][a-z0-9_-]{0,10}", "[^\"\\p{Cc}:]{1,12}"]
}

fn subject() -> impl Strategy<Value = Subject> {
    prop_oneof![
        Just(Subject::Any),
        user_name().prop_map(Subject::User),
        group_name().prop_map(Subject::Group),
    ]
}

fn process() -> impl Strategy<Value = ProcessPattern> {
    prop_oneof![
        "[a-z][a-z0-9_.-]{0,10}".prop_map(ProcessPattern::Exact),
        "(/[a-z]{1,6}){1,3}".prop_map(ProcessPattern::Exact),
        "[^\"\\p{Cc}]{0,11}[^\"\\p{Cc}*]".prop_map(ProcessPattern::Exact),
        "[^\"\\p{Cc}]{0,10}".prop_map(ProcessPattern::Prefix),
    ]
}

fn controllers() -> impl Strategy<Value = Controllers> {
    prop_oneof![
        Just(Controllers::All),
        prop::collection::vec("[a-z][a-z0-9_]{0,7}|name=[a-z]{1,6}", 1..4).prop_map(|names| {
            Controllers::List(names.into_iter().map(Spanned::unplaced).collect())
        }),
    ]
}

/// One component of a destination: text (never `.` or `..`, which are refused), variables
/// and escapes, in any order.
fn component() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[\\p{L}0-9_-][\\p{L}0-9_. #-]{0,6}",
        prop::sample::select(vec!["%u", "%U", "%g", "%G", "%p", "%P", "\\%u", "\\\\"])
            .prop_map(str::to_string),
    ];
    prop::collection::vec(piece, 1..4).prop_map(|pieces| pieces.concat())
}

fn destination() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop::collection::vec(component(), 1..4),
        any::<bool>(),
    )
        .prop_map(|(leading, components, trailing)| {
            let mut text = components.join("/");
            if leading {
                text.insert(0, '/');
            }
            if trailing {
                text.push('/');
            }
            text
        })
}

fn target() -> impl Strategy<Value = Target> {
    let options = prop::sample::select(vec![
        vec![],
        vec![RuleOption::Ignore],
        vec![RuleOption::IgnoreRt],
        vec![RuleOption::Ignore, RuleOption::IgnoreRt],
    ]);
    (controllers(), destination(), options, any::<bool>()).prop_map(
        |(controllers, destination, options, nowhere)| {
            // `*` is the destination of `ignore` rules that have none.
            let destination = if nowhere && options.contains(&RuleOption::Ignore) {
                Destination::NOWHERE.to_string()
            } else {
                destination
            };
            Target {
                controllers: Spanned::unplaced(controllers),
                destination: Spanned::unplaced(Destination::new(destination)),
                options: options.into_iter().map(Spanned::unplaced).collect(),
                span: Span::default(),
            }
        },
    )
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        subject(),
        prop::option::of(process()),
        prop::collection::vec(target(), 1..4),
    )
        .prop_map(|(subject, process, mut targets)| {
            // Only the first line's `ignore` counts, so only then may `%` lines have `*`.
            let ignores = targets
                .first()
                .is_some_and(|t| t.has_option(RuleOption::Ignore));
            for target in targets.iter_mut().skip(1) {
                if target.destination.is_nowhere() && !ignores {
                    target.destination = Spanned::unplaced(Destination::new("elsewhere"));
                }
            }
            Rule {
                subject: Spanned::unplaced(subject),
                process: process.map(Spanned::unplaced),
                targets,
                span: Span::default(),
            }
        })
}

fn rules() -> impl Strategy<Value = Rules> {
    prop::collection::vec(rule(), 0..6).prop_map(|rules| Rules { rules })
}

/// Lines of words that are often, but not always, a valid rule.
fn rule_like_text() -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec![
        "alice",
        "*",
        "%",
        "@staff",
        "@",
        "bob:rsync",
        "*:java*",
        ":x",
        "cpu",
        "cpu,memory",
        "cpu,,io",
        "users/%u",
        "\"a b/%p\"",
        "\"x",
        "a\"b",
        "..",
        "a//b",
        "ignore",
        "ignore_rt",
        "ignore,ignore_rt",
        "#",
        "# note",
        "%x",
        "\\%u",
    ]);
    let blank = prop::sample::select(vec![" ", "\t", "  \t"]);
    let words = (prop::collection::vec(word, 0..6), blank.clone())
        .prop_map(|(words, blank)| words.join(blank));
    let rule = (
        prop::sample::select(vec![
            "alice",
            "*",
            "%",
            "@staff",
            "bob:rsync",
            "*:java*",
            "\"a b:c d\"",
        ]),
        prop::sample::select(vec!["cpu", "cpu,memory", "*"]),
        prop::sample::select(vec!["users/%u", "\"a b/%p\"", "*", "x/", "/abs", "\\%u"]),
        prop::sample::select(vec!["", "ignore", "ignore_rt", "# comment"]),
        blank,
    )
        .prop_map(|(key, controllers, destination, options, blank)| {
            [key, controllers, destination, options].join(blank)
        });
    let line = prop_oneof![words, rule];
    (
        prop::collection::vec(line, 0..8),
        prop::sample::select(vec!["\n", "\r\n"]),
    )
        .prop_map(|(lines, end)| lines.join(end))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printed_trees_parse_back_to_themselves(tree in rules()) {
        let text = print(&tree).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let src = SourceFile::new("printed.conf", text.clone());
        match parse(&src) {
            Ok(back) => prop_assert_eq!(back, tree, "printed as:\n{}", text),
            Err(diagnostics) => prop_assert!(
                false,
                "printed text is refused:\n{}\n{}",
                text,
                render_all(&diagnostics, &src)
            ),
        }
    }

    #[test]
    fn any_text_is_refused_cleanly_or_round_trips(text in prop_oneof![
        "([a-z*%@:,\"# \t/\\\\.]|\r\n|\n|\u{a0}|\u{1}|ignore|_rt|%u){0,40}",
        rule_like_text(),
    ]) {
        let src = SourceFile::new("any.conf", text);
        let analysis = analyze(&src);
        let rendered = render_all(&analysis.diagnostics, &src);
        prop_assert_eq!(analysis.diagnostics.is_empty(), rendered.is_empty());
        if let Ok(rules) = analysis.into_result() {
            let printed = print(&rules).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back = parse(&SourceFile::new("printed.conf", printed.clone()));
            prop_assert_eq!(back, Ok(rules), "printed as:\n{}", printed);
        }
    }
}
