//! The syntax tree of a cgrules.conf file.
//!
//! The tree says what the file says, checked for structure but not against the host: user
//! and group names are not looked up, controllers are not checked against the mounted ones.
//! Every item keeps its [`Span`] so that those later checks can point at it.

use crate::source::{Span, Spanned};
use serde::{Deserialize, Serialize};

/// One cgrules.conf file: its rules in file order (the first matching rule wins).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// The rules, each with the `%` lines that continue it.
    pub rules: Vec<Rule>,
}

/// A rule: which processes it matches, and where it puts them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// Whose processes: a user, a group's members, or anybody.
    pub subject: Spanned<Subject>,
    /// Which programs (`user:process`); `None` matches every program of the subject.
    pub process: Option<Spanned<ProcessPattern>>,
    /// Where matching processes go: first the rule's own line, then one target per `%`
    /// line after it. Never empty in a parsed tree.
    pub targets: Vec<Target>,
    /// From the rule's first line to its last `%` line.
    pub span: Span,
}

/// The first field of a rule, before any `:`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
pub enum Subject {
    /// `alice`: processes whose effective user is this one.
    User(String),
    /// `@staff` (the name without `@`): processes whose effective group is this one, or
    /// whose user is listed as a member of it.
    Group(String),
    /// `*`: every process.
    Any,
}

/// The process part of `user:process`.
///
/// A pattern is compared with the process's name and with the last component of it, so
/// `rsync` matches `/usr/bin/rsync` and `/usr/bin/rsync` matches only that path.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
pub enum ProcessPattern {
    /// `rsync`, `/usr/bin/rsync`: this name exactly.
    Exact(String),
    /// `java*` (stored without the `*`): every name that starts with this text; `*` alone
    /// (an empty prefix) matches every process.
    Prefix(String),
}

/// One line's worth of destination: a rule's own line or a `%` line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The hierarchies in which the process is moved.
    pub controllers: Spanned<Controllers>,
    /// The group it is moved to, with `%u`-style variables unexpanded.
    pub destination: Spanned<Destination>,
    /// The options field, in the order written.
    pub options: Vec<Spanned<RuleOption>>,
    /// The whole line, without its comment.
    pub span: Span,
}

/// The controllers field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "names", rename_all = "lowercase")]
pub enum Controllers {
    /// `*`: every mounted controller.
    All,
    /// `cpu,memory`: these controllers, in the order written, never empty.
    List(Vec<Spanned<String>>),
}

/// A destination exactly as written (quotes removed), e.g. `students/%u`.
///
/// The raw text is what the tree keeps and what two destinations are compared by, because
/// cgconfig.conf templates are looked up by the unexpanded string. [`Destination::parts`]
/// reads its variables and escapes the way libcgroup does, and [`Destination::expand`]
/// turns it into a group name for one process.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Destination(String);

/// An option of a rule line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleOption {
    /// `ignore`: matching processes are left where they are, and no later rule is tried.
    Ignore,
    /// `ignore_rt` (libcgroup 3.2): like `ignore`, but only for real-time processes
    /// (`SCHED_FIFO`, `SCHED_RR`); other processes are moved as usual.
    IgnoreRt,
}

/// A template variable of a destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variable {
    /// `%u`: the user's name, or the uid if the user has no name.
    UserName,
    /// `%U`: the uid.
    Uid,
    /// `%g`: the group's name, or the gid if the group has no name.
    GroupName,
    /// `%G`: the gid.
    Gid,
    /// `%p`: the process name, or the pid if the name is not known.
    ProcessName,
    /// `%P`: the pid.
    Pid,
}

/// A piece of a destination: text or a variable.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum DestinationPart {
    /// Literal text, escapes resolved (`\%u` gives `%u`).
    Text(String),
    /// A variable to substitute.
    Variable(Variable),
}

/// What a destination's variables stand for, for one process.
///
/// Names are optional because a process may run as a uid or gid with no entry in the user
/// or group database, or have no readable name; the number is used instead, as libcgroup
/// does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Expansion<'a> {
    /// The user's name for `%u`.
    pub user: Option<&'a str>,
    /// The uid for `%U` (and `%u` without a name).
    pub uid: u32,
    /// The group's name for `%g`.
    pub group: Option<&'a str>,
    /// The gid for `%G` (and `%g` without a name).
    pub gid: u32,
    /// The process name for `%p`, as matched against the rule (usually the last
    /// component of the executable's path).
    pub process: Option<&'a str>,
    /// The pid for `%P` (and `%p` without a name).
    pub pid: u32,
}

/// A destination that does not give a usable group name for a process.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExpandError {
    /// A variable's value cannot be a single component of a group name (it is empty, `.`,
    /// `..`, or holds a `/` or a control character). Process names are chosen by whoever
    /// starts the process, so this is what stops a program named `..` from escaping its
    /// users' subtree.
    #[error("`%{}` stands for `{}` here, which cannot be used as part of a group name", .variable.letter(), .value.escape_debug())]
    Value {
        /// The variable.
        variable: Variable,
        /// What it stood for.
        value: String,
    },
    /// The expanded name is not a valid group name (a component grew too long).
    #[error("destination `{destination}` expands to an invalid name: {source}")]
    Name {
        /// The destination as written.
        destination: String,
        /// Why the expanded name is refused.
        source: crate::name::NameError,
    },
}

impl Rules {
    /// The rules, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Rule> {
        self.rules.iter()
    }
}

impl<'a> IntoIterator for &'a Rules {
    type Item = &'a Rule;
    type IntoIter = std::slice::Iter<'a, Rule>;
    fn into_iter(self) -> Self::IntoIter {
        self.rules.iter()
    }
}

impl Rule {
    /// True if the rule's first line has `ignore`: matching processes stay where they are
    /// and the rule's `%` lines are not applied.
    pub fn ignores(&self) -> bool {
        self.targets
            .first()
            .is_some_and(|t| t.has_option(RuleOption::Ignore))
    }

    /// True if the rule's first line has `ignore_rt`: real-time processes stay where they
    /// are, the others are moved.
    pub fn ignores_rt(&self) -> bool {
        self.targets
            .first()
            .is_some_and(|t| t.has_option(RuleOption::IgnoreRt))
    }
}

impl Target {
    /// True if the line has `option`.
    pub fn has_option(&self, option: RuleOption) -> bool {
        self.options.iter().any(|o| o.value == option)
    }
}

impl Subject {
    /// The subject as written in the first field (`alice`, `@staff`, `*`).
    pub fn to_field(&self) -> String {
        match self {
            Subject::User(name) => name.clone(),
            Subject::Group(name) => format!("@{name}"),
            Subject::Any => "*".to_string(),
        }
    }
}

impl ProcessPattern {
    /// The pattern as written after `:` (`java*`).
    pub fn to_field(&self) -> String {
        match self {
            ProcessPattern::Exact(name) => name.clone(),
            ProcessPattern::Prefix(prefix) => format!("{prefix}*"),
        }
    }

    /// True if `process` (a name or a full path) is matched: the pattern is compared with
    /// the whole of it and with its last `/`-separated component.
    pub fn matches(&self, process: &str) -> bool {
        let base = process.rsplit('/').next().unwrap_or(process);
        [process, base].iter().any(|name| match self {
            ProcessPattern::Exact(exact) => name == exact,
            ProcessPattern::Prefix(prefix) => name.starts_with(prefix.as_str()),
        })
    }
}

impl Controllers {
    /// The controller names of a list, or `None` for `*`.
    pub fn names(&self) -> Option<impl Iterator<Item = &str>> {
        match self {
            Controllers::All => None,
            Controllers::List(names) => Some(names.iter().map(|n| n.value.as_str())),
        }
    }

    /// True for `*` or a list that names `controller`.
    pub fn includes(&self, controller: &str) -> bool {
        match self {
            Controllers::All => true,
            Controllers::List(names) => names.iter().any(|n| n.value == controller),
        }
    }

    /// The field as written (`*`, `cpu,memory`).
    pub fn to_field(&self) -> String {
        match self {
            Controllers::All => "*".to_string(),
            Controllers::List(names) => names
                .iter()
                .map(|n| n.value.as_str())
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

impl RuleOption {
    /// The option as written.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleOption::Ignore => "ignore",
            RuleOption::IgnoreRt => "ignore_rt",
        }
    }

    /// The option written `text`, if there is one.
    pub fn from_name(text: &str) -> Option<Self> {
        match text {
            "ignore" => Some(RuleOption::Ignore),
            "ignore_rt" => Some(RuleOption::IgnoreRt),
            _ => None,
        }
    }

    /// Every option, in the order the printer writes them.
    pub const ALL: [RuleOption; 2] = [RuleOption::Ignore, RuleOption::IgnoreRt];
}

impl Variable {
    /// Every variable.
    pub const ALL: [Variable; 6] = [
        Variable::UserName,
        Variable::Uid,
        Variable::GroupName,
        Variable::Gid,
        Variable::ProcessName,
        Variable::Pid,
    ];

    /// The letter after `%`.
    pub fn letter(self) -> char {
        match self {
            Variable::UserName => 'u',
            Variable::Uid => 'U',
            Variable::GroupName => 'g',
            Variable::Gid => 'G',
            Variable::ProcessName => 'p',
            Variable::Pid => 'P',
        }
    }

    /// The variable written `%letter`, if there is one.
    pub fn from_letter(letter: char) -> Option<Self> {
        Variable::ALL.into_iter().find(|v| v.letter() == letter)
    }

    /// What the variable stands for, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Variable::UserName => "the user name",
            Variable::Uid => "the uid",
            Variable::GroupName => "the group name",
            Variable::Gid => "the gid",
            Variable::ProcessName => "the process name",
            Variable::Pid => "the pid",
        }
    }

    /// Its value for one process (names fall back to numbers, as in libcgroup).
    pub fn value(self, expansion: &Expansion<'_>) -> String {
        match self {
            Variable::UserName => expansion
                .user
                .map_or_else(|| expansion.uid.to_string(), str::to_string),
            Variable::Uid => expansion.uid.to_string(),
            Variable::GroupName => expansion
                .group
                .map_or_else(|| expansion.gid.to_string(), str::to_string),
            Variable::Gid => expansion.gid.to_string(),
            Variable::ProcessName => expansion
                .process
                .map_or_else(|| expansion.pid.to_string(), str::to_string),
            Variable::Pid => expansion.pid.to_string(),
        }
    }
}

/// How a `%` or `\` sequence of a destination is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Oddity {
    /// `%x` with an unknown letter: kept as the two characters.
    UnknownVariable(char),
    /// A `%` at the very end: kept.
    TrailingPercent,
    /// A `\` at the very end: dropped.
    TrailingBackslash,
}

impl Destination {
    /// The destination of `ignore` rules that have none: `root * * ignore`.
    pub const NOWHERE: &'static str = "*";

    /// A destination written `raw` (without quotes).
    pub fn new(raw: impl Into<String>) -> Self {
        Destination(raw.into())
    }

    /// The text as written; this is also the name of the cgconfig.conf template that
    /// applies to groups created from it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for `*`, which means "no group": only meaningful with `ignore`.
    pub fn is_nowhere(&self) -> bool {
        self.0 == Self::NOWHERE
    }

    /// The text and variables, read as libcgroup reads them: `%u %U %g %G %p %P` are
    /// variables; `\` makes the next character literal (`\%u` is the text `%u`, a final
    /// `\` is dropped); `%` followed by any other character is kept with that character
    /// (`%%u` is the text `%%u`), and a final `%` is kept.
    pub fn parts(&self) -> Vec<DestinationPart> {
        self.scan(|_, _| {})
    }

    /// True if the destination has at least one variable, that is, if it names a
    /// different group for different processes and is created on demand from a template.
    pub fn has_variables(&self) -> bool {
        self.parts()
            .iter()
            .any(|p| matches!(p, DestinationPart::Variable(_)))
    }

    /// The group name for one process.
    ///
    /// Every variable's value must be usable as (part of) one path component, and the
    /// result must be a valid group name; see [`ExpandError`].
    pub fn expand(&self, expansion: &Expansion<'_>) -> Result<String, ExpandError> {
        let mut out = String::with_capacity(self.0.len());
        for part in self.parts() {
            match part {
                DestinationPart::Text(text) => out.push_str(&text),
                DestinationPart::Variable(variable) => {
                    let value = variable.value(expansion);
                    let unsafe_value = value.is_empty()
                        || value == "."
                        || value == ".."
                        || value.contains('/')
                        || value.chars().any(char::is_control);
                    if unsafe_value {
                        return Err(ExpandError::Value { variable, value });
                    }
                    out.push_str(&value);
                }
            }
        }
        match crate::name::group_components(&out) {
            Ok(_) => Ok(out),
            Err(source) => Err(ExpandError::Name {
                destination: self.0.clone(),
                source,
            }),
        }
    }

    /// [`Destination::parts`], also telling `oddity` about each unusual sequence and the
    /// byte offset where it starts.
    pub(crate) fn scan(&self, mut oddity: impl FnMut(usize, Oddity)) -> Vec<DestinationPart> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = self.0.char_indices();
        while let Some((at, c)) = chars.next() {
            match c {
                '%' => match chars.next() {
                    Some((_, letter)) => match Variable::from_letter(letter) {
                        Some(variable) => {
                            if !text.is_empty() {
                                parts.push(DestinationPart::Text(std::mem::take(&mut text)));
                            }
                            parts.push(DestinationPart::Variable(variable));
                        }
                        None => {
                            oddity(at, Oddity::UnknownVariable(letter));
                            text.push('%');
                            text.push(letter);
                        }
                    },
                    None => {
                        oddity(at, Oddity::TrailingPercent);
                        text.push('%');
                    }
                },
                '\\' => match chars.next() {
                    Some((_, escaped)) => text.push(escaped),
                    None => oddity(at, Oddity::TrailingBackslash),
                },
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            parts.push(DestinationPart::Text(text));
        }
        parts
    }
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
