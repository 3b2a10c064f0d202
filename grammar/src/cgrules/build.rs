//! From the fields of each line to the typed tree, with the structural checks that need
//! no host.
//!
//! The grammar only splits a line into fields; which field is what is decided here by
//! position, so each mistake (a missing destination, an unknown option, `cpu,,memory`)
//! gets its own sentence. Every check reports and carries on with the next line.

use super::ast::*;
use super::PestRule;
use crate::diagnostic::Diagnostic;
use crate::name::{check_group_name, NameError};
use crate::source::{Span, Spanned};
use crate::suggest::edit_distance;
use pest::iterators::Pair;

/// One blank-separated field of a line.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Field<'a> {
    /// The text, quotes removed (borrowed from the line: one allocation less per field,
    /// and cgexec splits every line of the rules on every run).
    text: &'a str,
    /// Offset of the text's first byte in the file (after the opening quote).
    start: usize,
    /// The whole field, quotes included.
    span: Span,
    /// Whether it was written in double quotes.
    quoted: bool,
}

impl<'a> Field<'a> {
    /// A field whose text starts at byte `start` of the file and which covers `span`
    /// (quotes included).
    pub(super) fn new(text: &'a str, start: usize, span: (usize, usize), quoted: bool) -> Self {
        Field {
            text,
            start,
            span: Span::new(span.0, span.1),
            quoted,
        }
    }

    /// The span of `text[from..to]` of this field.
    fn sub_span(&self, from: usize, to: usize) -> Span {
        Span::new(self.start + from, self.start + to)
    }

    fn text_span(&self) -> Span {
        self.sub_span(0, self.text.len())
    }

    /// The field as it appears in the file, for messages.
    fn shown(&self) -> String {
        if self.quoted {
            format!("\"{}\"", self.text)
        } else {
            self.text.to_string()
        }
    }
}

/// What the first field of a rule says: whose processes, and which programs.
type Key = (Spanned<Subject>, Option<Spanned<ProcessPattern>>);

/// The rule a `%` line would continue.
#[derive(Clone, Copy)]
enum Last {
    /// No rule yet: a `%` line here is an error.
    Nothing,
    /// A rule line that could not be read; its `%` lines are dropped without more errors.
    Broken,
    /// This rule of `rules`.
    Rule(usize),
}

/// Builds rules line by line and collects diagnostics.
pub(super) struct Builder {
    pub(super) rules: Vec<Rule>,
    pub(super) diagnostics: Vec<Diagnostic>,
    last: Last,
}

/// The four positions of a rule line.
const FIELD_HELP: &str =
    "a rule is `user[:process]  controllers  destination  [options]`, e.g. `alice  cpu,memory  users/alice`";

impl Builder {
    /// A builder for a file of about `lines` lines (the rules are reserved at once: a
    /// growing list of 1000 rules is copied ten times).
    pub(super) fn new(lines: usize) -> Self {
        Builder {
            rules: Vec::with_capacity(lines),
            diagnostics: Vec::new(),
            last: Last::Nothing,
        }
    }

    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// The fields of a parsed `line` pair; `base` is the line's offset in the file.
    pub(super) fn fields(pair: Pair<'_, PestRule>, base: usize) -> Vec<Field<'_>> {
        pair.into_inner()
            .filter_map(|p| {
                let s = p.as_span();
                let span = Span::new(base + s.start(), base + s.end());
                match p.as_rule() {
                    PestRule::bare => Some(Field {
                        text: p.as_str(),
                        start: span.start,
                        span,
                        quoted: false,
                    }),
                    PestRule::quoted => Some(Field {
                        text: p.into_inner().next().map_or("", |t| t.as_str()),
                        start: span.start + 1,
                        span,
                        quoted: true,
                    }),
                    _ => None,
                }
            })
            .collect()
    }

    /// A line that did not parse. A `%` line leaves the rule above open for the next `%`
    /// line; anything else was meant as a rule, whose `%` lines are then dropped quietly.
    pub(super) fn broken_line(&mut self, line: &str) {
        if !line.trim_start_matches([' ', '\t']).starts_with('%') {
            self.last = Last::Broken;
        }
    }

    /// Builds one line's fields (a blank or comment line has none).
    pub(super) fn line(&mut self, fields: &[Field]) {
        let Some(key) = fields.first() else {
            return;
        };
        if key.text == "%" || key.text.starts_with("%:") {
            self.continuation(fields);
            return;
        }
        let subject = self.subject(key);
        let target = self.target(fields, None);
        let Some((subject, process)) = subject else {
            self.last = Last::Broken;
            return;
        };
        let span = Span::new(
            key.span.start,
            fields.last().map_or(key.span.end, |f| f.span.end),
        );
        let complete = target.is_some();
        self.rules.push(Rule {
            subject,
            process,
            targets: target.into_iter().collect(),
            span,
        });
        // A `%` line must not become the first target of a rule whose own line is broken.
        self.last = if complete {
            Last::Rule(self.rules.len() - 1)
        } else {
            Last::Broken
        };
    }

    /// A `%` line: another target for the rule above.
    fn continuation(&mut self, fields: &[Field]) {
        let Some(key) = fields.first() else {
            return;
        };
        if key.text.len() > 1 {
            self.error(
                Diagnostic::error(
                    key.sub_span(1, key.text.len()),
                    "a `%` line cannot name a process",
                )
                .with_hint(
                    "`%` continues the rule above and matches the same processes; write `%` alone",
                ),
            );
        }
        let continued_ignores = match self.last {
            Last::Rule(index) => self.rules.get(index).is_some_and(Rule::ignores),
            Last::Nothing | Last::Broken => false,
        };
        let target = self.target(fields, Some(continued_ignores));
        match self.last {
            Last::Nothing => self.error(
                Diagnostic::error(
                    key.sub_span(0, 1),
                    "`%` continues the rule above, but there is no rule above",
                )
                .with_hint(
                    "a `%` line adds controllers and a destination to the rule on the lines \
                     before it; write a rule such as `alice  cpu  users/alice` first",
                ),
            ),
            Last::Broken => {}
            Last::Rule(index) => {
                let Some(target) = target else { return };
                let Some(rule) = self.rules.get_mut(index) else {
                    return;
                };
                rule.span.end = target.span.end;
                let rule_ignores = rule
                    .targets
                    .first()
                    .and_then(|t| t.options.iter().find(|o| o.value == RuleOption::Ignore))
                    .map(|o| o.span);
                let options: Vec<Spanned<RuleOption>> = target.options.clone();
                rule.targets.push(target);
                if let Some(ignore_span) = rule_ignores {
                    self.error(
                        Diagnostic::warning(
                            key.sub_span(0, 1),
                            "this `%` line is never applied: the rule it continues has `ignore`",
                        )
                        .with_hint("an `ignore` rule leaves matching processes where they are")
                        .with_related(ignore_span, "the rule's `ignore` is here"),
                    );
                }
                for option in options {
                    self.error(
                        Diagnostic::warning(
                            option.span,
                            format!("`{}` has no effect on a `%` line", option.value.as_str()),
                        )
                        .with_hint(
                            "options apply to the whole rule; put it on the rule's first line",
                        ),
                    );
                }
            }
        }
    }

    /// The subject and process of a rule's first field.
    fn subject(&mut self, key: &Field) -> Option<Key> {
        let (user, process) = match key.text.split_once(':') {
            Some((user, process)) => (user, Some(process)),
            None => (key.text, None),
        };
        let user_span = key.sub_span(0, user.len());
        let mut ok = true;
        let subject = if user.is_empty() {
            let message = if process.is_some() {
                "expected a user name before `:`"
            } else {
                "the user name is empty"
            };
            self.error(Diagnostic::error(user_span, message).with_hint(
                "write a user name, `@group` for a group's members, or `*` for anybody",
            ));
            ok = false;
            Subject::Any
        } else if user == "*" {
            Subject::Any
        } else if let Some(group) = user.strip_prefix('@') {
            if group.is_empty() {
                self.error(
                    Diagnostic::error(user_span, "expected a group name after `@`")
                        .with_hint("write `@staff` to match the members of the group staff"),
                );
                ok = false;
            }
            Subject::Group(group.to_string())
        } else if user.starts_with('*') || user.starts_with('%') {
            // libcgroup only looks at the first character, so `*foo` silently matches
            // everybody and `%foo` continues the rule above; both are surely typos.
            let first = &user[..1]; // `*` or `%`: one byte
            let meaning = if first == "*" {
                "matches any user"
            } else {
                "continues the rule above"
            };
            self.error(
                Diagnostic::error(user_span, format!("`{user}` is not a user name"))
                    .with_hint(format!("`{first}` {meaning} and must stand alone")),
            );
            ok = false;
            Subject::Any
        } else {
            Subject::User(user.to_string())
        };
        let process = match process {
            None => None,
            Some(text) => {
                let from = user.len() + 1;
                let span = key.sub_span(from, from + text.len());
                if text.is_empty() {
                    self.error(
                        Diagnostic::error(Span::at(span.start), "expected a process name after `:`")
                            .with_hint("write `user:name` or `user:/full/path`, or remove the `:` to match every process"),
                    );
                    ok = false;
                    None
                } else {
                    Some(Spanned::new(self.process(text, span), span))
                }
            }
        };
        ok.then(|| (Spanned::new(subject, user_span), process))
    }

    fn process(&mut self, text: &str, span: Span) -> ProcessPattern {
        let (pattern, body) = match text.strip_suffix('*') {
            Some(prefix) => (ProcessPattern::Prefix(prefix.to_string()), prefix),
            None => (ProcessPattern::Exact(text.to_string()), text),
        };
        if let Some(at) = body.find('*') {
            self.error(
                Diagnostic::warning(
                    Span::new(span.start + at, span.start + at + 1),
                    "this `*` is matched literally",
                )
                .with_hint("only a `*` at the end of a process name is a wildcard (`java*`)"),
            );
        }
        pattern
    }

    /// Controllers, destination and options of a line (fields 1, 2 and 3). For a `%` line,
    /// `continued_ignores` tells whether the rule it continues has `ignore`.
    fn target(&mut self, fields: &[Field], continued_ignores: Option<bool>) -> Option<Target> {
        let key = fields.first()?;
        let Some(controllers_field) = fields.get(1) else {
            self.error(
                Diagnostic::error(
                    Span::at(key.span.end),
                    format!("expected a controller list after `{}`", key.shown()),
                )
                .with_hint(FIELD_HELP),
            );
            return None;
        };
        let controllers = self.controllers(controllers_field);
        let Some(destination_field) = fields.get(2) else {
            self.error(
                Diagnostic::error(
                    Span::at(controllers_field.span.end),
                    format!(
                        "expected a destination after the controllers `{}`",
                        controllers_field.shown()
                    ),
                )
                .with_hint(FIELD_HELP),
            );
            return None;
        };
        let options = match fields.get(3) {
            Some(_) if self.spaced_destination(&fields[2..]) => Vec::new(),
            Some(options_field) => {
                let options = self.options(options_field);
                if let (Some(first), Some(last)) = (fields.get(4), fields.last()) {
                    let extra: Vec<String> = fields[4..].iter().map(Field::shown).collect();
                    self.error(
                        Diagnostic::error(
                            Span::new(first.span.start, last.span.end),
                            format!(
                                "unexpected `{}` after the options `{}`",
                                extra.join(" "),
                                options_field.shown()
                            ),
                        )
                        .with_hint(format!("{FIELD_HELP}; a comment starts with `#`")),
                    );
                }
                options
            }
            None => Vec::new(),
        };
        // Only the first line's options count, so a `%` line's `*` needs the rule's `ignore`.
        let ignores = continued_ignores
            .unwrap_or_else(|| options.iter().any(|o| o.value == RuleOption::Ignore));
        let destination = self.destination(destination_field, ignores, continued_ignores.is_some());
        let end = fields
            .last()
            .map_or(destination_field.span.end, |f| f.span.end);
        Some(Target {
            controllers: Spanned::new(controllers?, controllers_field.span),
            destination: Spanned::new(destination, destination_field.span),
            options,
            span: Span::new(key.span.start, end),
        })
    }

    /// Reports `my web group` written without quotes as one error, and returns true, when
    /// the words after the destination cannot be options: a destination with spaces is
    /// then far more likely than an unknown option and extra fields.
    fn spaced_destination(&mut self, fields: &[Field]) -> bool {
        let (Some(destination), Some(next), Some(last)) =
            (fields.first(), fields.get(1), fields.last())
        else {
            return false;
        };
        let looks_like_options = destination.text == Destination::NOWHERE
            || next.quoted
            || next.text.contains(',')
            || RuleOption::ALL
                .iter()
                .any(|o| edit_distance(o.as_str(), next.text) <= 3);
        if looks_like_options || destination.quoted {
            return false;
        }
        let words: Vec<&str> = fields.iter().map(|f| f.text).collect();
        self.error(
            Diagnostic::error(
                Span::new(next.span.start, last.span.end),
                format!(
                    "unexpected `{}` after the destination `{}`",
                    fields[1..].iter().map(Field::shown).collect::<Vec<_>>().join(" "),
                    destination.text
                ),
            )
            .with_hint(format!(
                "a destination with spaces must be quoted: `\"{}\"`; options are `ignore` and `ignore_rt`",
                words.join(" ")
            )),
        );
        true
    }

    fn controllers(&mut self, field: &Field) -> Option<Controllers> {
        if field.quoted {
            self.error(
                Diagnostic::error(field.span, "the controller list cannot be quoted")
                    .with_hint("remove the quotes: controller names never contain spaces"),
            );
            return None;
        }
        if field.text == "*" {
            return Some(Controllers::All);
        }
        let mut names: Vec<Spanned<String>> = Vec::new();
        let mut ok = true;
        for (from, to) in list_items(field.text) {
            let item = &field.text[from..to];
            let span = field.sub_span(from, to);
            if item.is_empty() {
                self.error(
                    Diagnostic::error(
                        empty_item_span(field, from, to),
                        format!("empty name in the controller list `{}`", field.text),
                    )
                    .with_hint("remove the extra `,`: names are separated by single commas, without spaces"),
                );
                ok = false;
            } else if item == "*" {
                self.error(
                    Diagnostic::error(span, "`*` cannot be combined with other controllers")
                        .with_hint(
                            "write `*` alone for every mounted controller, or list the controllers",
                        ),
                );
                ok = false;
            } else {
                if let Some(first) = names.iter().find(|n| n.value == item) {
                    let first_span = first.span;
                    self.error(
                        Diagnostic::warning(span, format!("controller `{item}` is listed twice"))
                            .with_hint("remove one of them")
                            .with_related(first_span, "it is first listed here"),
                    );
                }
                // Kept, so that the tree says what the file says.
                names.push(Spanned::new(item.to_string(), span));
            }
        }
        ok.then_some(Controllers::List(names))
    }

    fn destination(&mut self, field: &Field, ignores: bool, continuation: bool) -> Destination {
        let destination = Destination::new(field.text.to_string());
        if destination.is_nowhere() {
            if !ignores {
                let (message, hint) = if continuation {
                    (
                        "destination `*` on a `%` line needs a rule with the `ignore` option",
                        "`*` means \"leave the process where it is\"; options of a `%` line have \
                         no effect, so the rule's first line must have `ignore`",
                    )
                } else {
                    (
                        "destination `*` is only allowed with the `ignore` option",
                        "`*` means \"leave the process where it is\", which is what `ignore` \
                         does; write the group to move the processes to, or add `ignore`",
                    )
                };
                self.error(Diagnostic::error(field.span, message).with_hint(hint));
            }
            return destination;
        }
        // Check the name with every variable standing for a harmless value: what is wrong
        // then is wrong for every process. Without `%` or `\` the name is its own probe
        // and has no oddities (most destinations: skipping the scan saves cgexec three
        // allocations per rule).
        let probe: std::borrow::Cow<'_, str> = if field.text.contains(['%', '\\']) {
            let mut oddities = Vec::new();
            let parts = destination.scan(|at, oddity| oddities.push((at, oddity)));
            for (at, oddity) in oddities {
                self.oddity(field, at, oddity);
            }
            parts
                .iter()
                .map(|part| match part {
                    DestinationPart::Text(text) => text.as_str(),
                    DestinationPart::Variable(_) => "x",
                })
                .collect::<String>()
                .into()
        } else {
            field.text.into()
        };
        if let Err(err) = check_group_name(&probe) {
            let mut d = if field.text.is_empty() {
                Diagnostic::error(field.span, "the destination is empty")
            } else {
                Diagnostic::error(
                    field.text_span(),
                    format!(
                        "invalid destination `{}`: {}",
                        field.text.escape_debug(),
                        name_reason(&err)
                    ),
                )
            };
            if let Some(hint) = err.hint() {
                d = d.with_hint(hint);
            }
            self.error(d);
        }
        destination
    }

    fn oddity(&mut self, field: &Field, at: usize, oddity: Oddity) {
        let d = match oddity {
            Oddity::UnknownVariable(letter) => {
                let len = 1 + letter.len_utf8();
                let hint = if letter == '%' {
                    "`%%` is not an escape; write `\\%` for a literal `%`".to_string()
                } else {
                    format!(
                        "the variables are {}; write `\\%` for a literal `%`",
                        Variable::ALL
                            .iter()
                            .map(|v| format!("`%{}` ({})", v.letter(), v.describe()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                Diagnostic::warning(
                    field.sub_span(at, at + len),
                    format!("unknown variable `%{letter}` is kept as written"),
                )
                .with_hint(hint)
            }
            Oddity::TrailingPercent => Diagnostic::warning(
                field.sub_span(at, at + 1),
                "a `%` at the end of the destination is kept as written",
            )
            .with_hint("write `\\%` for a literal `%`"),
            Oddity::TrailingBackslash => Diagnostic::warning(
                field.sub_span(at, at + 1),
                "a `\\` at the end of the destination escapes nothing and is dropped",
            )
            .with_hint("remove it"),
        };
        self.error(d);
    }

    fn options(&mut self, field: &Field) -> Vec<Spanned<RuleOption>> {
        if field.quoted {
            self.error(
                Diagnostic::error(field.span, "the options cannot be quoted")
                    .with_hint("remove the quotes; options are `ignore` and `ignore_rt`"),
            );
            return Vec::new();
        }
        let mut options: Vec<Spanned<RuleOption>> = Vec::new();
        for (from, to) in list_items(field.text) {
            let item = &field.text[from..to];
            let span = field.sub_span(from, to);
            if item.is_empty() {
                self.error(
                    Diagnostic::error(
                        empty_item_span(field, from, to),
                        format!("empty option in `{}`", field.text),
                    )
                    .with_hint("remove the extra `,`: options are separated by single commas"),
                );
                continue;
            }
            let Some(option) = RuleOption::from_name(item) else {
                let hint = match RuleOption::ALL
                    .iter()
                    .min_by_key(|o| edit_distance(o.as_str(), item))
                    .filter(|o| edit_distance(o.as_str(), item) <= 3)
                {
                    Some(close) => format!(
                        "did you mean `{}`? The options are `ignore` and `ignore_rt`",
                        close.as_str()
                    ),
                    None => "the options are `ignore` and `ignore_rt`".to_string(),
                };
                self.error(
                    Diagnostic::error(span, format!("unknown option `{item}`")).with_hint(hint),
                );
                continue;
            };
            if let Some(first) = options.iter().find(|o| o.value == option) {
                let first_span = first.span;
                self.error(
                    Diagnostic::warning(span, format!("option `{item}` is given twice"))
                        .with_hint("remove one of them")
                        .with_related(first_span, "it is first given here"),
                );
            }
            options.push(Spanned::new(option, span));
        }
        let ignore = options.iter().find(|o| o.value == RuleOption::Ignore);
        let ignore_rt = options.iter().find(|o| o.value == RuleOption::IgnoreRt);
        if let (Some(ignore), Some(ignore_rt)) = (ignore, ignore_rt) {
            let (ignore_span, ignore_rt_span) = (ignore.span, ignore_rt.span);
            self.error(
                Diagnostic::warning(ignore_rt_span, "`ignore_rt` has no effect next to `ignore`")
                    .with_hint("`ignore` already leaves every matching process alone, real-time or not; keep one of the two")
                    .with_related(ignore_span, "`ignore` is here"),
            );
        }
        options
    }

    /// Warns about rules that can never match because an earlier rule of the file matches
    /// every process they match (the first matching rule wins).
    pub(super) fn shadowed_rules(&mut self) {
        let mut warnings = Vec::new();
        // The earlier rules by subject, so that each rule is compared with the few that
        // can cover it, not with every earlier one (a file of 1000 rules took 14 ms, most
        // of a cgexec run). The first covering rule is the one of least index, as a scan
        // in file order would find; `covers` stays the definition.
        let mut seen: std::collections::HashMap<&Subject, Earlier<'_>> =
            std::collections::HashMap::new();
        for (later_index, later) in self.rules.iter().enumerate() {
            let mut subjects = vec![&Subject::Any];
            if later.subject.value != Subject::Any {
                subjects.push(&later.subject.value);
            }
            let earlier = subjects
                .into_iter()
                .filter_map(|subject| seen.get(subject))
                .filter_map(|bucket| bucket.first_covering(later))
                .min()
                .and_then(|index| self.rules.get(index))
                .filter(|earlier| covers(earlier, later));
            seen.entry(&later.subject.value)
                .or_default()
                .add(later_index, later);
            if let Some(earlier) = earlier {
                warnings.push(
                    Diagnostic::warning(
                        later.subject.span,
                        format!("the rule for `{}` is never used", rule_key(later)),
                    )
                    .with_hint(
                        "an earlier rule matches every process this one matches, and the \
                             first matching rule wins; move this rule above it or remove it",
                    )
                    .with_related(earlier.subject.span, "the earlier rule is here"),
                );
            }
        }
        self.diagnostics.extend(warnings);
    }
}

/// The first field of a rule as written, unquoted (`alice:rsync`).
fn rule_key(rule: &Rule) -> String {
    let mut key = rule.subject.value.to_field();
    if let Some(process) = &rule.process {
        key.push(':');
        key.push_str(&process.value.to_field());
    }
    key
}

/// The earlier rules of one subject, by process pattern: the first without one, the first
/// of each exact name, every prefix.
#[derive(Default)]
struct Earlier<'a> {
    any: Option<usize>,
    exact: std::collections::HashMap<&'a str, usize>,
    prefixes: Vec<(usize, &'a str)>,
}

impl<'a> Earlier<'a> {
    fn add(&mut self, index: usize, rule: &'a Rule) {
        match rule.process.as_ref().map(|p| &p.value) {
            None => {
                self.any.get_or_insert(index);
            }
            Some(ProcessPattern::Exact(name)) => {
                self.exact.entry(name.as_str()).or_insert(index);
            }
            Some(ProcessPattern::Prefix(prefix)) => self.prefixes.push((index, prefix.as_str())),
        }
    }

    /// The least index of these rules that [`covers`] `later` (given the subject matches).
    fn first_covering(&self, later: &Rule) -> Option<usize> {
        let mut found = self.any;
        let mut take = |index: Option<usize>| {
            if let Some(index) = index {
                found = Some(found.map_or(index, |f: usize| f.min(index)));
            }
        };
        match later.process.as_ref().map(|p| &p.value) {
            None => {}
            Some(ProcessPattern::Exact(name)) => {
                take(self.exact.get(name.as_str()).copied());
                take(self.exact.get(basename(name)).copied());
                for &(index, prefix) in &self.prefixes {
                    if name.starts_with(prefix) || basename(name).starts_with(prefix) {
                        take(Some(index));
                        break;
                    }
                }
            }
            Some(ProcessPattern::Prefix(name)) => {
                for &(index, prefix) in &self.prefixes {
                    if name.starts_with(prefix) {
                        take(Some(index));
                        break;
                    }
                }
            }
        }
        found
    }
}

/// True if every process `later` matches is matched by `earlier` too.
fn covers(earlier: &Rule, later: &Rule) -> bool {
    let subject =
        earlier.subject.value == Subject::Any || earlier.subject.value == later.subject.value;
    let process = match (&earlier.process, &later.process) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(e), Some(l)) => match (&e.value, &l.value) {
            (a, b) if a == b => true,
            (ProcessPattern::Exact(e), ProcessPattern::Exact(l)) => basename(l) == e,
            (ProcessPattern::Prefix(e), ProcessPattern::Prefix(l)) => l.starts_with(e.as_str()),
            (ProcessPattern::Prefix(e), ProcessPattern::Exact(l)) => {
                l.starts_with(e.as_str()) || basename(l).starts_with(e.as_str())
            }
            (ProcessPattern::Exact(_), ProcessPattern::Prefix(_)) => false,
        },
    };
    subject && process
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The `(start, end)` byte ranges of the comma-separated items of `text`.
fn list_items(text: &str) -> Vec<(usize, usize)> {
    let mut items = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == ',' {
            items.push((start, i));
            start = i + 1;
        }
    }
    items.push((start, text.len()));
    items
}

/// Where to point for an empty list item: the commas around it.
fn empty_item_span(field: &Field, from: usize, to: usize) -> Span {
    let lo = if from > 0 { from - 1 } else { from };
    let hi = if to < field.text.len() { to + 1 } else { to };
    field.sub_span(lo, hi)
}

/// Why a destination is refused, in words that do not repeat the name.
fn name_reason(err: &NameError) -> String {
    match err {
        NameError::Empty => "it is empty".to_string(),
        NameError::EmptyComponent(_) => "it has an empty component (`//`)".to_string(),
        NameError::DotDot(_) => "it contains `..`, which would leave the hierarchy".to_string(),
        NameError::Dot(_) => "it contains a `.` component".to_string(),
        NameError::Control { found, .. } => {
            format!(
                "it contains the control character {}",
                found.escape_unicode()
            )
        }
        NameError::TooLong { len, .. } => format!(
            "a component is {len} bytes long; the kernel allows at most {}",
            crate::name::MAX_COMPONENT_BYTES
        ),
    }
}
