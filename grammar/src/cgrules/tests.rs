use super::*;
use crate::diagnostic::render_all;
use crate::source::{Span, Spanned};

fn parse_text(text: &str) -> Result<Rules, String> {
    let src = SourceFile::new("t.conf", text);
    parse(&src).map_err(|d| render_all(&d, &src))
}

fn rules(text: &str) -> Vec<Rule> {
    match parse_text(text) {
        Ok(rules) => rules.rules,
        Err(errors) => panic!("{text:?} was refused:\n{errors}"),
    }
}

/// The messages of every diagnostic, errors and warnings.
fn messages(text: &str) -> Vec<String> {
    analyze(&SourceFile::new("t.conf", text))
        .diagnostics
        .into_iter()
        .map(|d| d.message)
        .collect()
}

/// The single error of `text`, rendered.
fn error(text: &str) -> String {
    match parse_text(text) {
        Ok(rules) => panic!("{text:?} was accepted: {rules:?}"),
        Err(rendered) => rendered,
    }
}

fn slice(text: &str, span: Span) -> &str {
    &text[span.start..span.end]
}

fn who() -> Expansion<'static> {
    Expansion {
        user: Some("alice"),
        uid: 1000,
        group: Some("students"),
        gid: 100,
        process: Some("cat"),
        pid: 4242,
    }
}

fn expand(destination: &str, expansion: &Expansion<'_>) -> Result<String, ExpandError> {
    Destination::new(destination).expand(expansion)
}

// ---- subjects and processes ----------------------------------------------------------

#[test]
fn a_user_rule_has_its_three_fields() {
    let text = "alice  cpu  users/alice\n";
    let rule = &rules(text)[0];
    assert_eq!(rule.subject.value, Subject::User("alice".into()));
    assert_eq!(slice(text, rule.subject.span), "alice");
    assert_eq!(rule.process, None);
    assert_eq!(rule.targets.len(), 1);
    let target = &rule.targets[0];
    assert_eq!(target.destination.as_str(), "users/alice");
    assert_eq!(slice(text, target.destination.span), "users/alice");
    assert!(target.options.is_empty());
    assert_eq!(slice(text, rule.span), "alice  cpu  users/alice");
}

#[test]
fn group_and_any_subjects() {
    let all = rules("@staff cpu staff/\n* memory everybody/\n");
    assert_eq!(all[0].subject.value, Subject::Group("staff".into()));
    assert_eq!(all[1].subject.value, Subject::Any);
    assert_eq!(Subject::Group("staff".into()).to_field(), "@staff");
}

#[test]
fn process_names_paths_and_prefixes() {
    let text = "alice:rsync cpu a\nbob:/usr/bin/rsync cpu b\n*:java* memory jvm\ncarol:* cpu c\n";
    let all = rules(text);
    let process = |i: usize| all[i].process.as_ref().map(|p| p.value.clone());
    assert_eq!(process(0), Some(ProcessPattern::Exact("rsync".into())));
    assert_eq!(
        process(1),
        Some(ProcessPattern::Exact("/usr/bin/rsync".into()))
    );
    assert_eq!(process(2), Some(ProcessPattern::Prefix("java".into())));
    assert_eq!(process(3), Some(ProcessPattern::Prefix(String::new())));
    let span = all[1].process.as_ref().map(|p| p.span).unwrap();
    assert_eq!(slice(text, span), "/usr/bin/rsync");
    // Only the first `:` separates the user from the process.
    let odd = rules("dave:/opt/a:b cpu d\n");
    assert_eq!(
        odd[0].process.as_ref().map(|p| p.value.clone()),
        Some(ProcessPattern::Exact("/opt/a:b".into()))
    );
}

#[test]
fn process_patterns_match_the_name_or_its_last_component() {
    let rsync = ProcessPattern::Exact("rsync".into());
    assert!(rsync.matches("rsync"));
    assert!(rsync.matches("/usr/bin/rsync"));
    assert!(!rsync.matches("rsyncd"));
    let path = ProcessPattern::Exact("/usr/bin/rsync".into());
    assert!(path.matches("/usr/bin/rsync"));
    assert!(!path.matches("rsync"));
    let java = ProcessPattern::Prefix("java".into());
    assert!(java.matches("java"));
    assert!(java.matches("javac"));
    assert!(java.matches("/opt/jdk/bin/javaws"));
    assert!(!java.matches("jav"));
    assert!(ProcessPattern::Prefix(String::new()).matches("anything"));
    assert_eq!(java.to_field(), "java*");
}

#[test]
fn a_star_inside_a_process_name_is_literal_and_warned_about() {
    let all = rules("alice:ja*va cpu a\n");
    assert_eq!(
        all[0].process.as_ref().map(|p| p.value.clone()),
        Some(ProcessPattern::Exact("ja*va".into()))
    );
    assert_eq!(
        messages("alice:ja*va cpu a\n"),
        ["this `*` is matched literally"]
    );
}

// ---- continuation lines --------------------------------------------------------------

#[test]
fn percent_lines_add_targets_to_the_rule_above() {
    let text = "peter cpu test1/\n# a comment\n\n  % memory test2/\n% blkio,io test3/\nbob cpu b\n";
    let all = rules(text);
    assert_eq!(all.len(), 2);
    let peter = &all[0];
    let destinations: Vec<&str> = peter
        .targets
        .iter()
        .map(|t| t.destination.as_str())
        .collect();
    assert_eq!(destinations, ["test1/", "test2/", "test3/"]);
    assert_eq!(peter.targets[2].controllers.value.to_field(), "blkio,io");
    assert!(slice(text, peter.span).starts_with("peter"));
    assert!(slice(text, peter.span).ends_with("% blkio,io test3/"));
    assert_eq!(slice(text, peter.targets[1].span), "% memory test2/");
}

#[test]
fn a_percent_line_without_a_rule_above_is_an_error() {
    let rendered = error("% cpu x\n");
    assert!(rendered.starts_with(
        "t.conf:1:1: error: `%` continues the rule above, but there is no rule above"
    ));
}

#[test]
fn percent_lines_after_a_broken_rule_are_not_reported_again() {
    let errors = messages("\"alice cpu x\n% memory y\n% blkio z\n");
    assert_eq!(errors, ["unterminated quote: this `\"` is never closed"]);
    // A rule line without a destination keeps its subject but takes no `%` lines.
    let analysis = analyze(&SourceFile::new("t", "alice cpu\n% memory y\n"));
    let messages: Vec<&str> = analysis
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        messages,
        ["expected a destination after the controllers `cpu`"]
    );
    assert!(analysis.rules.rules[0].targets.is_empty());
}

#[test]
fn percent_lines_after_an_ignore_rule_and_options_on_them_are_warned_about() {
    assert_eq!(
        messages("root * * ignore\n% cpu x\n"),
        ["this `%` line is never applied: the rule it continues has `ignore`"]
    );
    assert_eq!(
        messages("alice cpu a\n% memory b ignore_rt\n"),
        ["`ignore_rt` has no effect on a `%` line"]
    );
}

// ---- controllers and options ---------------------------------------------------------

#[test]
fn controllers_are_a_list_or_star() {
    let text = "alice cpu,cpuacct,name=systemd a\nbob * b\n";
    let all = rules(text);
    let Controllers::List(names) = &all[0].targets[0].controllers.value else {
        panic!("not a list");
    };
    let names: Vec<(&str, &str)> = names
        .iter()
        .map(|n| (n.value.as_str(), slice(text, n.span)))
        .collect();
    assert_eq!(
        names,
        [
            ("cpu", "cpu"),
            ("cpuacct", "cpuacct"),
            ("name=systemd", "name=systemd")
        ]
    );
    assert!(all[0].targets[0].controllers.value.includes("cpuacct"));
    assert!(!all[0].targets[0].controllers.value.includes("memory"));
    assert_eq!(all[1].targets[0].controllers.value, Controllers::All);
    assert!(all[1].targets[0].controllers.value.includes("memory"));
    assert!(all[1].targets[0].controllers.value.names().is_none());
}

#[test]
fn controller_list_mistakes() {
    assert!(error("a cpu,,memory x\n")
        .contains("1:6: error: empty name in the controller list `cpu,,memory`"));
    assert!(error("a ,cpu x\n").contains("1:3: error: empty name"));
    assert!(error("a cpu, x\n").contains("1:6: error: empty name"));
    assert!(
        error("a cpu,* x\n").contains("1:7: error: `*` cannot be combined with other controllers")
    );
    assert!(error("a \"cpu\" x\n").contains("error: the controller list cannot be quoted"));
    assert_eq!(
        messages("a cpu,cpu x\n"),
        ["controller `cpu` is listed twice"]
    );
}

#[test]
fn options_ignore_and_ignore_rt() {
    let text = "root * * ignore\nrt:chrony cpu rt/ ignore_rt\nx cpu x ignore,ignore_rt\n";
    let analysis = analyze(&SourceFile::new("t", text));
    let all = &analysis.rules.rules;
    assert!(all[0].ignores() && !all[0].ignores_rt());
    assert!(all[1].ignores_rt() && !all[1].ignores());
    let options: Vec<RuleOption> = all[2].targets[0].options.iter().map(|o| o.value).collect();
    assert_eq!(options, [RuleOption::Ignore, RuleOption::IgnoreRt]);
    assert_eq!(slice(text, all[2].targets[0].options[1].span), "ignore_rt");
    let warnings: Vec<&str> = analysis
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(warnings, ["`ignore_rt` has no effect next to `ignore`"]);
}

#[test]
fn option_mistakes() {
    let rendered = error("a cpu x ignroe\n");
    assert!(rendered.contains("1:9: error: unknown option `ignroe`"));
    assert!(rendered.contains("did you mean `ignore`?"));
    assert!(error("a cpu x ignore_RT\n").contains("did you mean `ignore_rt`?"));
    assert!(error("a cpu x ignore,\n").contains("error: empty option in `ignore,`"));
    assert!(error("a cpu x \"ignore\"\n").contains("error: the options cannot be quoted"));
    assert_eq!(
        messages("a cpu x ignore,ignore\n"),
        ["option `ignore` is given twice"]
    );
}

// ---- fields, quotes, comments, line endings ------------------------------------------

#[test]
fn missing_and_extra_fields() {
    assert!(error("alice\n").contains("1:6: error: expected a controller list after `alice`"));
    assert!(error("alice cpu\n")
        .contains("1:10: error: expected a destination after the controllers `cpu`"));
    assert!(error("a cpu x ignore more\n")
        .contains("1:16: error: unexpected `more` after the options `ignore`"));
    let spaced = error("alice cpu my web group\n");
    assert!(spaced.contains("1:14: error: unexpected `web group` after the destination `my`"));
    assert!(spaced.contains("quoted: `\"my web group\"`"));
}

#[test]
fn quoted_fields_may_hold_blanks_colons_and_hashes() {
    let text = "\"Sandy Koufax:/bin/fast ball\"\tmemory\t\"Brooklyn/Dodgers #1\" # comment\n";
    let rule = &rules(text)[0];
    assert_eq!(rule.subject.value, Subject::User("Sandy Koufax".into()));
    assert_eq!(slice(text, rule.subject.span), "Sandy Koufax");
    let process = rule.process.as_ref().unwrap();
    assert_eq!(
        process.value,
        ProcessPattern::Exact("/bin/fast ball".into())
    );
    assert_eq!(slice(text, process.span), "/bin/fast ball");
    assert_eq!(rule.targets[0].destination.as_str(), "Brooklyn/Dodgers #1");
    assert_eq!(
        slice(text, rule.targets[0].destination.span),
        "\"Brooklyn/Dodgers #1\""
    );
}

#[test]
fn comments_start_anywhere_outside_quotes() {
    let all = rules("# header\n  alice cpu users/alice# glued\nbob cpu b   # spaced\n#\n");
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].targets[0].destination.as_str(), "users/alice");
    // libcgroup cuts the line at the first `#`, so this rule has only two fields.
    assert!(error("alice#x cpu y\n").contains("expected a controller list after `alice`"));
}

#[test]
fn leading_blanks_blank_lines_and_crlf() {
    let text = "\r\n\t  alice\tcpu\tusers/alice\r\n%\tmemory\tusers/alice\r\n";
    let all = rules(text);
    assert_eq!(all[0].targets.len(), 2);
    assert_eq!(all[0].targets[1].destination.as_str(), "users/alice");
    // Positions in a CRLF file are right too.
    let rendered = error("alice cpu a\r\nbob\r\n");
    assert!(rendered.starts_with("t.conf:2:4: error: expected a controller list after `bob`"));
}

#[test]
fn quote_mistakes_are_explained() {
    assert!(error("\"alice cpu x\n").contains("1:1: error: unterminated quote"));
    let inside = error("*:\"Web Content\" cpu x\n");
    assert!(
        inside.contains("1:3: error: unexpected `\"` after `*:`: a quote can only open a field")
    );
    assert!(inside.contains("`\"*:Web Content\"`"));
    assert!(error("\"alice\"x cpu y\n").contains(
        "1:8: error: expected a space or tab after the quoted field `\"alice\"`, found `x`"
    ));
    assert!(error("a cpu x\u{1}\n").contains("unexpected control character U+0001"));
    assert!(error("a\u{a0}cpu x\n").contains("unexpected no-break space (U+00A0) between fields"));
    assert!(error("a cpu x\ry\n").contains("unexpected carriage return"));
}

#[test]
fn every_bad_line_is_reported() {
    let errors = messages("%\talpha\tx\nalice cpu\n\"bob\n@ cpu x\ncarol cpu ../x\n");
    assert_eq!(errors.len(), 5, "{errors:?}");
}

#[test]
fn subject_mistakes() {
    assert!(error(":java cpu x\n").contains("1:1: error: expected a user name before `:`"));
    assert!(error("\"\" cpu x\n").contains("error: the user name is empty"));
    assert!(error("alice: cpu x\n").contains("1:7: error: expected a process name after `:`"));
    assert!(error("@ cpu x\n").contains("1:1: error: expected a group name after `@`"));
    assert!(error("*foo cpu x\n").contains("error: `*foo` is not a user name"));
    assert!(error("%foo cpu x\n").contains("error: `%foo` is not a user name"));
    assert!(
        error("a cpu x\n%:rsync cpu y\n").contains("2:2: error: a `%` line cannot name a process")
    );
}

// ---- destinations --------------------------------------------------------------------

#[test]
fn destination_parts_follow_libcgroup() {
    use DestinationPart::{Text, Variable as Var};
    let parts = Destination::new("students/%u/%p-%P").parts();
    assert_eq!(
        parts,
        [
            Text("students/".into()),
            Var(Variable::UserName),
            Text("/".into()),
            Var(Variable::ProcessName),
            Text("-".into()),
            Var(Variable::Pid),
        ]
    );
    // `\` escapes the next character; unknown `%x` and `%%` are kept with the next
    // character, which is not read again; a final `%` is kept, a final `\` dropped.
    assert_eq!(Destination::new("a\\%u").parts(), [Text("a%u".into())]);
    assert_eq!(Destination::new("a\\\\b").parts(), [Text("a\\b".into())]);
    assert_eq!(Destination::new("%x/%%u").parts(), [Text("%x/%%u".into())]);
    assert_eq!(Destination::new("a%").parts(), [Text("a%".into())]);
    assert_eq!(Destination::new("a\\").parts(), [Text("a".into())]);
    assert!(Destination::new("%G").has_variables());
    assert!(!Destination::new("a\\%u").has_variables());
    assert!(!Destination::new("plain/").has_variables());
}

#[test]
fn expansion_substitutes_names_and_numbers() {
    assert_eq!(expand("students/%u", &who()).unwrap(), "students/alice");
    assert_eq!(
        expand("%g/%G/%U/%p/%P", &who()).unwrap(),
        "students/100/1000/cat/4242"
    );
    assert_eq!(expand("students/\\%u", &who()).unwrap(), "students/%u");
    assert_eq!(expand("a/%x", &who()).unwrap(), "a/%x");
    assert_eq!(expand("%%u", &who()).unwrap(), "%%u");
    assert_eq!(expand("plain/", &who()).unwrap(), "plain/");
}

#[test]
fn unknown_names_fall_back_to_numbers() {
    let nameless = Expansion {
        user: None,
        group: None,
        process: None,
        ..who()
    };
    assert_eq!(expand("students/%u", &nameless).unwrap(), "students/1000");
    assert_eq!(expand("%g/%p", &nameless).unwrap(), "100/4242");
}

#[test]
fn expansion_refuses_values_that_are_not_one_component() {
    for process in ["..", ".", "a/b", "", "a\nb"] {
        let evil = Expansion {
            process: Some(process),
            ..who()
        };
        assert_eq!(
            expand("users/%p", &evil),
            Err(ExpandError::Value {
                variable: Variable::ProcessName,
                value: process.to_string(),
            }),
            "{process:?}"
        );
    }
    let long = "x".repeat(250);
    let err = expand(
        "users/%u-%u",
        &Expansion {
            user: Some(&long),
            ..who()
        },
    );
    assert!(matches!(err, Err(ExpandError::Name { .. })), "{err:?}");
    let message = expand(
        "u/%p",
        &Expansion {
            process: Some(".."),
            ..who()
        },
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        message,
        "`%p` stands for `..` here, which cannot be used as part of a group name"
    );
}

#[test]
fn destinations_are_checked_with_variables_standing_for_a_name() {
    assert!(error("a cpu students/%u/../root\n")
        .contains("it contains `..`, which would leave the hierarchy"));
    assert!(error("a cpu a//b\n").contains("it has an empty component (`//`)"));
    assert!(error("a cpu \\.\\.\n").contains("it contains `..`"));
    assert!(error("a cpu \"\"\n").contains("error: the destination is empty"));
    assert!(error("a cpu \"a\tb\"\n").contains("control character"));
    rules("a cpu %u\nb cpu /abs/%g/\nc cpu .\nd cpu /\ne cpu ..%u\n");
}

#[test]
fn destination_oddities_are_warnings() {
    assert_eq!(
        messages("a cpu users/%n\n"),
        ["unknown variable `%n` is kept as written"]
    );
    assert_eq!(
        messages("a cpu 100%\n"),
        ["a `%` at the end of the destination is kept as written"]
    );
    assert_eq!(
        messages("a cpu users\\\n"),
        ["a `\\` at the end of the destination escapes nothing and is dropped"]
    );
}

#[test]
fn star_destination_means_nowhere_and_needs_ignore() {
    let all = rules("root * * ignore\n");
    assert!(all[0].targets[0].destination.is_nowhere());
    assert!(error("* cpu *\n")
        .contains("error: destination `*` is only allowed with the `ignore` option"));
    assert!(error("rt cpu * ignore_rt\n").contains("only allowed with the `ignore` option"));
    // Only the first line's options count, so a `%` line's `*` needs the rule's `ignore`.
    assert!(error("alice cpu a\n% cpu * ignore\n").contains(
        "2:7: error: destination `*` on a `%` line needs a rule with the `ignore` option"
    ));
    assert_eq!(
        messages("root * * ignore\n% cpu *\n"),
        ["this `%` line is never applied: the rule it continues has `ignore`"]
    );
    // An unknown option after `*` is reported as such, not as a destination with spaces.
    assert!(error("root * * ignored,x\n").contains("unknown option `x`"));
}

// ---- rule order ----------------------------------------------------------------------

#[test]
fn rules_hidden_by_an_earlier_rule_are_warned_about() {
    let hidden = |key: &str| vec![format!("the rule for `{key}` is never used")];
    assert_eq!(
        messages("alice cpu a\nalice:rsync cpu b\n"),
        hidden("alice:rsync")
    );
    assert_eq!(messages("* cpu a\n@staff cpu b\n"), hidden("@staff"));
    assert_eq!(
        messages("*:java* cpu a\nbob:/usr/bin/javac cpu b\n"),
        hidden("bob:/usr/bin/javac")
    );
    assert_eq!(
        messages("*:rsync cpu a\nbob:/usr/bin/rsync cpu b\n"),
        hidden("bob:/usr/bin/rsync")
    );
    // Not hidden: a process rule before a general one, a group before a user, a
    // path before a name.
    assert!(messages("alice:rsync cpu a\nalice cpu b\n").is_empty());
    assert!(messages("@staff cpu a\nalice cpu b\n").is_empty());
    assert!(messages("*:/usr/bin/rsync cpu a\nbob:rsync cpu b\n").is_empty());
}

// ---- API -----------------------------------------------------------------------------

#[test]
fn analyze_keeps_warnings_that_parse_drops() {
    let src = SourceFile::new("t", "a cpu users/%n\n");
    let analysis = analyze(&src);
    assert!(!analysis.has_errors());
    assert_eq!(analysis.diagnostics.len(), 1);
    assert_eq!(parse(&src).unwrap(), analysis.rules);
    let bad = analyze(&SourceFile::new("t", "a cpu ../x\nb cpu y\n"));
    assert!(bad.has_errors());
    // What could be read is still there.
    assert_eq!(bad.rules.rules.len(), 2);
    assert!(bad.into_result().is_err());
}

#[test]
fn trees_survive_json() {
    let rules =
        parse_text("root * * ignore\n\"*:Web Content\" cpu,memory \"app/%u x\"\n% io b\n").unwrap();
    let json = serde_json::to_string(&rules).unwrap();
    let back: Rules = serde_json::from_str(&json).unwrap();
    assert_eq!(back, rules);
    assert!(
        json.contains(r#""subject":{"value":{"kind":"any"}"#),
        "{json}"
    );
    assert!(
        json.contains(r#""destination":{"value":"app/%u x""#),
        "{json}"
    );
    assert!(json.contains(r#""options":[{"value":"ignore""#), "{json}");
}

// ---- printer -------------------------------------------------------------------------

#[test]
fn printer_aligns_columns_and_quotes_only_when_needed() {
    let text = "\"alice\" cpu \"users/alice\"\n\"*:Web Content\"\tcpu,memory\t\"app/%u x\"\n% io b\nroot * * ignore\n";
    let printed = print(&parse_text(text).unwrap()).unwrap();
    assert_eq!(
        printed,
        "alice            cpu         users/alice\n\
         \"*:Web Content\"  cpu,memory  \"app/%u x\"\n\
         %                io          b\n\
         root             *           *            ignore\n"
    );
    assert_eq!(parse_text(&printed).unwrap(), parse_text(text).unwrap());
    assert_eq!(print(&Rules::default()).unwrap(), "");
}

fn one_rule(subject: Subject, process: Option<ProcessPattern>, target: Target) -> Rules {
    Rules {
        rules: vec![Rule {
            subject: Spanned::unplaced(subject),
            process: process.map(Spanned::unplaced),
            targets: vec![target],
            span: Span::default(),
        }],
    }
}

fn target(controllers: Controllers, destination: &str) -> Target {
    Target {
        controllers: Spanned::unplaced(controllers),
        destination: Spanned::unplaced(Destination::new(destination)),
        options: Vec::new(),
        span: Span::default(),
    }
}

fn list(names: &[&str]) -> Controllers {
    Controllers::List(
        names
            .iter()
            .map(|n| Spanned::unplaced(n.to_string()))
            .collect(),
    )
}

#[test]
fn printer_refuses_what_would_read_back_differently() {
    let cpu = || target(list(&["cpu"]), "x");
    let user = |name: &str| print(&one_rule(Subject::User(name.into()), None, cpu()));
    for name in ["*", "%", "@x", "", "a:b", "a\"b"] {
        assert!(user(name).is_err(), "user {name:?} printed");
    }
    assert!(print(&one_rule(Subject::Group(String::new()), None, cpu())).is_err());
    let process = print(&one_rule(
        Subject::Any,
        Some(ProcessPattern::Exact("java*".into())),
        cpu(),
    ));
    assert_eq!(
        process.unwrap_err().to_string(),
        "process name `java*` cannot be written in cgrules.conf: a final `*` would make it a prefix pattern"
    );
    for names in [&[][..], &[""], &["*"], &["a,b"], &["a b"]] {
        let rules = one_rule(Subject::Any, None, target(list(names), "x"));
        assert!(print(&rules).is_err(), "{names:?} printed");
    }
    let quote = one_rule(Subject::Any, None, target(Controllers::All, "a\"b"));
    assert!(print(&quote).is_err());
    let mut empty = one_rule(Subject::Any, None, cpu());
    empty.rules[0].targets.clear();
    assert_eq!(
        print(&empty).unwrap_err(),
        PrintError::NoTarget {
            subject: "*".into()
        }
    );
    // Names with blanks are quoted.
    let spaced = one_rule(
        Subject::User("Sandy Koufax".into()),
        Some(ProcessPattern::Prefix("fast ball".into())),
        cpu(),
    );
    assert_eq!(
        print(&spaced).unwrap(),
        "\"Sandy Koufax:fast ball*\"  cpu  x\n"
    );
}

// ---- the hand-written splitter against pest -------------------------------------------

/// The fields pest's `line` rule gives for one line, `None` if it refuses the line.
fn pest_fields(line: &str, base: usize) -> Option<Vec<build::Field<'_>>> {
    CgrulesParser::parse(PestRule::line, line)
        .ok()
        .and_then(|mut pairs| pairs.next())
        .map(|pair| build::Builder::fields(pair, base))
}

#[test]
fn the_splitter_agrees_with_pest_on_hand_picked_lines() {
    for line in [
        "",
        "   \t ",
        "# comment",
        "alice cpu x",
        "  alice\tcpu   x  # c",
        "alice#x",
        "\"a b\"  cpu  \"x y\"",
        "\"a#b\" cpu x",
        "\"\" cpu x",
        "\"a\"\"b\"",
        "\"a\"b",
        "a\"b\"",
        "\"unclosed",
        "\"with\ttab\" x",
        "\"with\u{1}ctl\" x",
        "a\u{a0}b",
        "a \u{a0} b",
        "a\rb",
        "\r",
        "é ü 日本",
        "\u{feff}x",
        "\"\u{a0}\"",
        "a\u{2028}",
        "\u{85}",
        "%",
        "% cpu x",
        "\"",
        "\"\"",
        "\"\"#",
        "\"\"\t#",
    ] {
        assert_eq!(split::split(line, 7), pest_fields(line, 7), "{line:?}");
    }
}

/// Lines built from the pieces the grammar cares about: blanks, quotes, `#`, control
/// characters, Unicode spaces, and words.
fn line_piece() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        4 => Just(" ".to_string()),
        2 => Just("\t".to_string()),
        3 => Just("\"".to_string()),
        1 => Just("#".to_string()),
        1 => Just("\r".to_string()),
        1 => Just("\u{1}".to_string()),
        1 => Just("\u{a0}".to_string()),
        1 => Just("\u{3000}".to_string()),
        1 => Just("\u{85}".to_string()),
        1 => Just("é".to_string()),
        1 => Just("%".to_string()),
        6 => "[a-z@*%:,/._-]{1,6}",
        3 => prop::sample::select(vec![
            "alice", "@staff", "*", "%", "alice:sshd", "cpu", "memory,cpu", "*:x*", "users/%u",
            "ignore", "ignore_rt", "ignore,ignore_rt", "cpu,,memory", "x/../y", "%u/%p",
        ])
        .prop_map(str::to_string),
        1 => any::<char>().prop_map(|c| c.to_string()),
    ]
}

fn generated_file() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let line = prop::collection::vec(line_piece(), 0..10).prop_map(|pieces| pieces.concat());
    (
        prop::collection::vec(line, 0..12),
        prop::bool::ANY,
        prop::bool::ANY,
    )
        .prop_map(|(lines, crlf, final_newline)| {
            let mut text = lines.join(if crlf { "\r\n" } else { "\n" });
            if final_newline {
                text.push('\n');
            }
            text
        })
}

/// Well-formed rule files: the tools' usual input, which must take the fast path all the
/// way and still give what pest gives.
fn valid_file() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let user = prop::sample::select(vec!["alice", "@staff", "*", "bob:sshd", "\"a b:c d\"", "%"]);
    let ctrl = prop::sample::select(vec!["cpu", "memory,cpu", "*", "\"cpu\""]);
    let dest = prop::sample::select(vec!["users/%u", "x/", "\"a b/\"", "*"]);
    let opt = prop::sample::select(vec!["", " ignore", " ignore_rt", " # note"]);
    let rule = (user, ctrl, dest, opt).prop_map(|(u, c, d, o)| format!("{u}\t{c}  {d}{o}"));
    prop::collection::vec(rule, 0..20).prop_map(|rules| rules.join("\n") + "\n")
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    #[test]
    fn the_splitter_accepts_and_refuses_what_pest_does(text in generated_file()) {
        for (base, line) in lines(&text) {
            proptest::prop_assert_eq!(split::split(line, base), pest_fields(line, base), "{:?}", line);
        }
        let src = SourceFile::new("t.conf", text.as_str());
        proptest::prop_assert_eq!(read(&src, Lexer::Split, true), read(&src, Lexer::Pest, true));
    }

    #[test]
    fn both_lexers_read_valid_files_alike(text in valid_file()) {
        let src = SourceFile::new("t.conf", text.as_str());
        let pest = read(&src, Lexer::Pest, true);
        proptest::prop_assert_eq!(&read(&src, Lexer::Split, true), &pest);
        // parse() skips only the warnings of hidden rules.
        proptest::prop_assert_eq!(parse(&src), pest.into_result());
    }
}
