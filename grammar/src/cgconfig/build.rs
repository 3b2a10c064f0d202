//! From pest's pairs to the typed tree, with the structural checks that need no host.
//!
//! The grammar accepts a little more than is meaningful (any number of `perm` blocks, any
//! key in `task`), so that each mistake gets its own precise message here, and so that one
//! mistake does not hide the next: every check reports and carries on.

use super::ast::*;
use super::Rule;
use crate::diagnostic::Diagnostic;
use crate::name::group_components;
use crate::source::{Span, Spanned};
use pest::iterators::Pair;

/// One item of a `group` or `template` section as a parser found it, before the checks.
pub(super) enum Item {
    /// `perm { ... }`: its `task` and `admin` blocks in order.
    Perm { blocks: Vec<PermBlock>, span: Span },
    /// `NAME { settings }`.
    Controller {
        name: Spanned<String>,
        settings: Vec<Setting>,
        span: Span,
    },
}

/// A `task` or `admin` block of a `perm` block, its settings as written.
pub(super) enum PermBlock {
    Task { settings: Vec<Setting>, span: Span },
    Admin { settings: Vec<Setting>, span: Span },
}

/// Builds sections and collects diagnostics; `base` is the offset of the text pest saw
/// within the file (non-zero while recovering from a syntax error).
pub(super) struct Builder {
    pub(super) base: usize,
    pub(super) diagnostics: Vec<Diagnostic>,
}

impl Builder {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(s.start() + self.base, s.end() + self.base)
    }

    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// A word (quoted or not) with its quotes removed.
    fn word(&self, pair: Pair<'_, Rule>) -> Spanned<String> {
        let span = self.span(&pair);
        let value = match pair.as_rule() {
            Rule::quoted => pair
                .into_inner()
                .find(|p| p.as_rule() == Rule::text)
                .map_or(String::new(), |p| p.as_str().to_string()),
            _ => pair.as_str().to_string(),
        };
        Spanned::new(value, span)
    }

    /// Builds one section pair (`group`, `template`, ...).
    pub(super) fn section(&mut self, pair: Pair<'_, Rule>) -> Option<Section> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::group => Some(Section::Group(self.group(pair, span, "group"))),
            Rule::template => Some(Section::Template(self.group(pair, span, "template"))),
            Rule::default => self.default(pair, span).map(Section::Default),
            Rule::mount => Some(Section::Mount(self.mount(pair, span))),
            Rule::namespace => Some(Section::Namespace(self.namespace(pair, span))),
            Rule::systemd => Some(Section::Systemd(self.systemd(pair, span))),
            _ => None,
        }
    }

    fn group(&mut self, pair: Pair<'_, Rule>, span: Span, kind: &str) -> Group {
        let mut inner = pair.into_inner();
        inner.next(); // keyword
        let name = inner
            .next()
            .map(|p| self.word(p))
            .unwrap_or_else(|| Spanned::new(String::new(), span));
        let mut items = Vec::new();
        for item in inner {
            let item_span = self.span(&item);
            match item.as_rule() {
                Rule::perm => items.push(Item::Perm {
                    blocks: self.perm_blocks(item),
                    span: item_span,
                }),
                Rule::controller => {
                    let mut parts = item.into_inner();
                    let name = parts
                        .next()
                        .map(|p| self.word(p))
                        .unwrap_or_else(|| Spanned::new(String::new(), item_span));
                    items.push(Item::Controller {
                        name,
                        settings: self.raw_settings(parts),
                        span: item_span,
                    });
                }
                _ => {} // punctuation
            }
        }
        self.group_from(name, items, span, kind)
    }

    /// A `group` or `template` section from its parts (as pest or the fast parser found
    /// them), with every check.
    pub(super) fn group_from(
        &mut self,
        name: Spanned<String>,
        items: Vec<Item>,
        span: Span,
        kind: &str,
    ) -> Group {
        if let Err(err) = group_components(&name.value) {
            let message = match kind {
                "group" => err.to_string(),
                _ => format!("invalid {kind} name: {err}"),
            };
            let mut d = Diagnostic::error(name.span, message);
            if let Some(hint) = err.hint() {
                d = d.with_hint(hint);
            }
            self.error(d);
        }
        let mut group = Group {
            name,
            perm: None,
            controllers: Vec::new(),
            span,
        };
        for item in items {
            match item {
                Item::Perm { blocks, span } => {
                    let perm = self.perm_from(blocks, span);
                    match &group.perm {
                        Some(first) => {
                            let first_span = first.span;
                            self.error(
                                Diagnostic::error(
                                    span,
                                    format!(
                                        "{kind} `{}` has a second `perm` block",
                                        group.name.value
                                    ),
                                )
                                .with_hint("merge the two blocks into one")
                                .with_related(first_span, "the first `perm` block is here"),
                            )
                        }
                        None => group.perm = Some(perm),
                    }
                }
                Item::Controller {
                    name,
                    settings,
                    span,
                } => {
                    let controller = self.controller_from(name, settings, span);
                    if let Some(first) = group.controller(&controller.name.value) {
                        let first_span = first.name.span;
                        self.error(
                            Diagnostic::error(
                                controller.name.span,
                                format!(
                                    "controller `{}` appears twice in {kind} `{}`",
                                    controller.name.value, group.name.value
                                ),
                            )
                            .with_hint("merge the settings into one block")
                            .with_related(first_span, "the first block is here"),
                        );
                    } else {
                        group.controllers.push(controller);
                    }
                }
            }
        }
        if group.perm.is_none() && group.controllers.is_empty() {
            self.error(
                Diagnostic::error(
                    group.name.span,
                    format!("{kind} `{}` is empty", group.name.value),
                )
                .with_hint(
                    "name the controllers the group is created in, e.g. `cpu { }`; an empty \
                     group would not say in which hierarchy it lives",
                ),
            );
        }
        group
    }

    fn controller_from(
        &mut self,
        name: Spanned<String>,
        settings: Vec<Setting>,
        span: Span,
    ) -> Controller {
        if name.value.is_empty() || name.value.chars().any(|c| c.is_control() || c == '/') {
            self.error(Diagnostic::error(
                name.span,
                format!("`{}` is not a controller name", name.value.escape_debug()),
            ));
        }
        let settings = self.unique_settings(settings, &format!("controller `{}`", name.value));
        for setting in &settings {
            check_file_name(self, &setting.name);
        }
        Controller {
            name,
            settings,
            span,
        }
    }

    /// The `setting` pairs of a block; a key written twice is an error (`what` names the
    /// block in the message).
    fn settings<'i>(
        &mut self,
        pairs: impl Iterator<Item = Pair<'i, Rule>>,
        what: &str,
    ) -> Vec<Setting> {
        let raw = self.raw_settings(pairs);
        self.unique_settings(raw, what)
    }

    /// The `setting` pairs of a block as written, without checks.
    fn raw_settings<'i>(&mut self, pairs: impl Iterator<Item = Pair<'i, Rule>>) -> Vec<Setting> {
        let mut settings = Vec::new();
        for pair in pairs.filter(|p| p.as_rule() == Rule::setting) {
            let span = self.span(&pair);
            let mut words = pair
                .into_inner()
                .filter(|p| matches!(p.as_rule(), Rule::bare | Rule::quoted));
            let (Some(name), Some(value)) = (words.next(), words.next()) else {
                continue;
            };
            settings.push(Setting {
                name: self.word(name),
                value: self.word(value),
                span,
            });
        }
        settings
    }

    /// The settings of a block with each key once: a key written twice is an error
    /// (`what` names the block in the message) and its second line is dropped.
    fn unique_settings(&mut self, raw: Vec<Setting>, what: &str) -> Vec<Setting> {
        let mut settings: Vec<Setting> = Vec::with_capacity(raw.len());
        for setting in raw {
            if let Some(first) = settings.iter().find(|s| s.name.value == setting.name.value) {
                let first_span = first.name.span;
                self.error(
                    Diagnostic::error(
                        setting.name.span,
                        format!("`{}` is set twice in {what}", setting.name.value),
                    )
                    .with_hint("keep one of the two lines")
                    .with_related(first_span, "the first setting is here"),
                );
                continue;
            }
            settings.push(setting);
        }
        settings
    }

    /// The `task` and `admin` blocks of a `perm` pair, as written.
    fn perm_blocks(&mut self, pair: Pair<'_, Rule>) -> Vec<PermBlock> {
        let mut blocks = Vec::new();
        for block in pair.into_inner() {
            let span = self.span(&block);
            match block.as_rule() {
                Rule::task => blocks.push(PermBlock::Task {
                    settings: self.raw_settings(block.into_inner()),
                    span,
                }),
                Rule::admin => blocks.push(PermBlock::Admin {
                    settings: self.raw_settings(block.into_inner()),
                    span,
                }),
                _ => {}
            }
        }
        blocks
    }

    fn perm(&mut self, pair: Pair<'_, Rule>) -> Perm {
        let span = self.span(&pair);
        let blocks = self.perm_blocks(pair);
        self.perm_from(blocks, span)
    }

    /// A `perm` block from its parts, with every check.
    fn perm_from(&mut self, blocks: Vec<PermBlock>, span: Span) -> Perm {
        let mut perm = Perm {
            span,
            ..Perm::default()
        };
        for block in blocks {
            match block {
                PermBlock::Task { settings, span } => {
                    let task = self.task(settings, span);
                    match &perm.task {
                        Some(first) => {
                            let first_span = first.span;
                            self.duplicate_block("task", span, first_span)
                        }
                        None => perm.task = Some(task),
                    }
                }
                PermBlock::Admin { settings, span } => {
                    let admin = self.admin(settings, span);
                    match &perm.admin {
                        Some(first) => {
                            let first_span = first.span;
                            self.duplicate_block("admin", span, first_span)
                        }
                        None => perm.admin = Some(admin),
                    }
                }
            }
        }
        if perm.task.is_none() && perm.admin.is_none() {
            self.error(
                Diagnostic::error(perm.span, "empty `perm` block").with_hint(
                    "give `task { uid = ...; }` and/or `admin { uid = ...; }`, or remove it",
                ),
            );
        }
        perm
    }

    fn duplicate_block(&mut self, block: &str, span: Span, first: Span) {
        self.error(
            Diagnostic::error(span, format!("`perm` has a second `{block}` block"))
                .with_hint("merge the two blocks into one")
                .with_related(first, format!("the first `{block}` block is here")),
        );
    }

    fn task(&mut self, raw: Vec<Setting>, span: Span) -> TaskPerm {
        let mut task = TaskPerm {
            span,
            ..TaskPerm::default()
        };
        for setting in self.unique_settings(raw, "`task`") {
            match setting.name.value.as_str() {
                "uid" => task.uid = self.id(&setting, "user"),
                "gid" => task.gid = self.id(&setting, "group"),
                "fperm" => task.fperm = self.mode(&setting),
                other => self.unknown_perm_key(&setting, other, "task", "`uid`, `gid` or `fperm`"),
            }
        }
        task
    }

    fn admin(&mut self, raw: Vec<Setting>, span: Span) -> AdminPerm {
        let mut admin = AdminPerm {
            span,
            ..AdminPerm::default()
        };
        for setting in self.unique_settings(raw, "`admin`") {
            match setting.name.value.as_str() {
                "uid" => admin.uid = self.id(&setting, "user"),
                "gid" => admin.gid = self.id(&setting, "group"),
                "fperm" => admin.fperm = self.mode(&setting),
                "dperm" => admin.dperm = self.mode(&setting),
                other => self.unknown_perm_key(
                    &setting,
                    other,
                    "admin",
                    "`uid`, `gid`, `fperm` or `dperm`",
                ),
            }
        }
        admin
    }

    fn unknown_perm_key(&mut self, setting: &Setting, key: &str, block: &str, valid: &str) {
        // libcgroup ignores unknown keys silently, which hides typos such as `fperms` and
        // cgsnapshot's own `tuid`; we say so.
        let hint = match (block, key) {
            ("task", "dperm") => "`dperm` is the directory mode; it belongs in `admin`".to_string(),
            (_, "tuid" | "tgid") => format!("write `{}` inside `task`", &key[1..]),
            _ => format!("`{block}` takes {valid}"),
        };
        self.error(
            Diagnostic::error(
                setting.name.span,
                format!("unknown key `{key}` in `{block}`"),
            )
            .with_hint(hint),
        );
    }

    fn id(&mut self, setting: &Setting, kind: &str) -> Option<Spanned<Id>> {
        let value = &setting.value;
        let text = value.value.as_str();
        if text.is_empty() {
            self.error(Diagnostic::error(
                value.span,
                format!("empty {kind} for `{}`", setting.name.value),
            ));
            return None;
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            // (uid_t)-1 means "unchanged" to chown(2), so it cannot name an owner.
            return match text.parse::<u32>() {
                Ok(n) if n != u32::MAX => Some(Spanned::new(Id::Number(n), value.span)),
                _ => {
                    self.error(Diagnostic::error(
                        value.span,
                        format!("{kind} id `{text}` is out of range"),
                    ));
                    None
                }
            };
        }
        if text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == ':')
        {
            self.error(Diagnostic::error(
                value.span,
                format!("`{}` is not a {kind} name", text.escape_debug()),
            ));
            return None;
        }
        Some(Spanned::new(Id::Name(text.to_string()), value.span))
    }

    fn mode(&mut self, setting: &Setting) -> Option<Spanned<Mode>> {
        let value = &setting.value;
        match parse_mode(&value.value) {
            Some(mode) => Some(Spanned::new(mode, value.span)),
            None => {
                self.error(
                    Diagnostic::error(
                        value.span,
                        format!(
                            "`{}` is not an octal mode for `{}`",
                            value.value.escape_debug(),
                            setting.name.value
                        ),
                    )
                    .with_hint("write the permission bits in octal, e.g. `660` or `0775`"),
                );
                None
            }
        }
    }

    fn default(&mut self, pair: Pair<'_, Rule>, span: Span) -> Option<DefaultSection> {
        let mut perm: Option<Perm> = None;
        let mut has_items = false;
        for item in pair.into_inner() {
            match item.as_rule() {
                Rule::perm => {
                    has_items = true;
                    let item_span = self.span(&item);
                    let p = self.perm(item);
                    match &perm {
                        Some(first) => {
                            let first_span = first.span;
                            self.error(
                                Diagnostic::error(item_span, "`default` has a second `perm` block")
                                    .with_hint("merge the two blocks into one")
                                    .with_related(first_span, "the first `perm` block is here"),
                            );
                        }
                        None => perm = Some(p),
                    }
                }
                Rule::controller => {
                    has_items = true;
                    let item_span = self.span(&item);
                    self.error(
                        Diagnostic::error(
                            item_span,
                            "a `default` section holds only a `perm` block",
                        )
                        .with_hint("controller settings belong in a `group` section"),
                    );
                }
                _ => {}
            }
        }
        match perm {
            Some(perm) => Some(DefaultSection { perm, span }),
            None => {
                if !has_items {
                    self.error(
                        Diagnostic::error(span, "empty `default` section")
                            .with_hint("write `default { perm { ... } }` or remove it"),
                    );
                }
                None
            }
        }
    }

    fn mount(&mut self, pair: Pair<'_, Rule>, span: Span) -> Mount {
        let settings = self.settings(pair.into_inner(), "`mount`");
        let mut points = Vec::new();
        for s in settings {
            if s.name.value.is_empty() {
                self.error(Diagnostic::error(
                    s.name.span,
                    "empty controller list in `mount`",
                ));
            }
            if !s.value.value.starts_with('/') {
                self.error(
                    Diagnostic::error(
                        s.value.span,
                        format!(
                            "mount point `{}` for `{}` is not an absolute path",
                            s.value.value.escape_debug(),
                            s.name.value
                        ),
                    )
                    .with_hint("write the full path, e.g. `/sys/fs/cgroup/cpu`"),
                );
            }
            points.push(MountPoint {
                controllers: s.name,
                path: s.value,
                span: s.span,
            });
        }
        Mount { points, span }
    }

    fn namespace(&mut self, pair: Pair<'_, Rule>, span: Span) -> Namespace {
        let settings = self.settings(pair.into_inner(), "`namespace`");
        let mut entries = Vec::new();
        for s in settings {
            if let Err(err) = group_components(&s.value.value) {
                let mut d = Diagnostic::error(
                    s.value.span,
                    format!("invalid namespace path for `{}`: {err}", s.name.value),
                );
                if let Some(hint) = err.hint() {
                    d = d.with_hint(hint);
                }
                self.error(d);
            }
            entries.push(NamespaceEntry {
                controller: s.name,
                path: s.value,
                span: s.span,
            });
        }
        Namespace { entries, span }
    }

    fn systemd(&mut self, pair: Pair<'_, Rule>, span: Span) -> Systemd {
        let mut systemd = Systemd {
            span,
            ..Systemd::default()
        };
        for s in self.settings(pair.into_inner(), "`systemd`") {
            let value = &s.value;
            match s.name.value.as_str() {
                "slice" => systemd.slice = self.unit_name(value, ".slice"),
                "scope" => systemd.scope = self.unit_name(value, ".scope"),
                "setdefault" => match value.value.as_str() {
                    "yes" => systemd.setdefault = Some(Spanned::new(true, value.span)),
                    "no" => systemd.setdefault = Some(Spanned::new(false, value.span)),
                    other => self.error(Diagnostic::error(
                        value.span,
                        format!(
                            "`setdefault` is `yes` or `no`, not `{}`",
                            other.escape_debug()
                        ),
                    )),
                },
                "pid" => match value.value.parse::<u32>() {
                    Ok(pid) if pid > 1 => systemd.pid = Some(Spanned::new(pid, value.span)),
                    _ => self.error(
                        Diagnostic::error(
                            value.span,
                            format!(
                                "`{}` is not a process id for `pid`",
                                value.value.escape_debug()
                            ),
                        )
                        .with_hint("give the pid of a running process other than init (> 1)"),
                    ),
                },
                other => self.error(
                    Diagnostic::error(s.name.span, format!("unknown key `{other}` in `systemd`"))
                        .with_hint("`systemd` takes `slice`, `scope`, `setdefault` and `pid`"),
                ),
            }
        }
        systemd
    }

    fn unit_name(&mut self, value: &Spanned<String>, suffix: &str) -> Option<Spanned<String>> {
        let text = &value.value;
        let stem = text.strip_suffix(suffix).unwrap_or("");
        if stem.is_empty() || text.contains('/') || text.chars().any(char::is_control) {
            self.error(Diagnostic::error(
                value.span,
                format!(
                    "`{}` is not a systemd unit name ending in `{suffix}`",
                    text.escape_debug()
                ),
            ));
            return None;
        }
        Some(value.clone())
    }

    /// Checks that concern the whole file.
    pub(super) fn file(&mut self, config: &Config) {
        // libcgroup: ECGMOUNTNAMESPACE. A `namespace` prefixes paths inside hierarchies that a
        // `mount` in the same file would create, which is ambiguous; we keep the rejection.
        let mut mount = None;
        let mut namespace = None;
        for section in &config.sections {
            match section {
                Section::Mount(m) => mount = mount.or(Some(m.span)),
                Section::Namespace(n) => namespace = namespace.or(Some(n.span)),
                _ => {}
            }
        }
        if let (Some(m), Some(n)) = (mount, namespace) {
            let (second, first, first_kind) = if m.start > n.start {
                (m, n, "namespace")
            } else {
                (n, m, "mount")
            };
            self.error(
                Diagnostic::error(
                    Span::new(second.start, second.start),
                    "a file cannot have both `mount` and `namespace` sections",
                )
                .with_hint("move one of them into a file of its own")
                .with_related(
                    Span::new(first.start, first.start),
                    format!("the `{first_kind}` section is here"),
                ),
            );
        }
    }
}

/// A setting name is joined to the group's directory, so it must be one plain file name.
fn check_file_name(builder: &mut Builder, name: &Spanned<String>) {
    let text = &name.value;
    if text.is_empty()
        || text == "."
        || text == ".."
        || text.contains('/')
        || text.chars().any(char::is_control)
    {
        builder.error(
            Diagnostic::error(
                name.span,
                format!("`{}` is not a setting name", text.escape_debug()),
            )
            .with_hint("a setting is a file in the group's directory, such as `cpu.shares`"),
        );
    }
}

/// Parses permission bits written in octal; `None` if the text is not octal or exceeds
/// `07777`.
pub fn parse_mode(text: &str) -> Option<Mode> {
    if text.is_empty() || !text.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    let bits = u32::from_str_radix(text.trim_start_matches('0'), 8).unwrap_or(0);
    (text.trim_start_matches('0').len() <= 4 && bits <= MAX_MODE).then_some(Mode(bits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_are_octal_up_to_07777() {
        assert_eq!(parse_mode("644"), Some(Mode(0o644)));
        assert_eq!(parse_mode("0775"), Some(Mode(0o775)));
        assert_eq!(parse_mode("000644"), Some(Mode(0o644)));
        assert_eq!(parse_mode("7777"), Some(Mode(0o7777)));
        assert_eq!(parse_mode("0"), Some(Mode(0)));
        for bad in [
            "",
            "9z",
            "8",
            "17777",
            "0x1ff",
            "-644",
            " 644",
            "77777777777777777777",
        ] {
            assert_eq!(parse_mode(bad), None, "{bad:?}");
        }
    }
}
