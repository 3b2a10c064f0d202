//! Classification by cgrules.conf: which rule a process matches and where it goes.
//!
//! libcgroup's semantics (`docs/compat.md` for the differences): rules are tried in file
//! order and the first whose subject and process pattern match wins, together with the
//! `%` lines that continue it. A subject is a user (the process's effective uid), `@group`
//! (the effective gid, or the user listed as a member of the group) or `*`. A process
//! pattern is compared with the process name and the last component of it, a trailing `*`
//! making it a prefix. `ignore` leaves the process where it is; `ignore_rt` does so only
//! for real-time processes. Destinations expand `%u %U %g %G %p %P`; a destination with
//! variables names the template (in cgconfig.conf) that supplies the new group's settings.
//!
//! Users and groups named in the rules are resolved once, when the rules are compiled; a
//! rule naming one the host does not know is skipped with a warning, with its `%` lines.
//! The members of `@group`s are resolved then too, and the compiled rules are indexed
//! ([`super::index`]) so that classifying a process examines only the rules of its uid,
//! gid, user name and program and the `*` rules, not every rule.

use super::index::{Lookup, Query, RuleIndex, Subject as Resolved};
use crate::engine::accounts::{Accounts, Members};
use grammar::cgrules::{Controllers, Expansion, Rule, Rules, Subject};

/// A process to classify.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Process {
    /// Its id.
    pub pid: u32,
    /// Effective user id.
    pub uid: u32,
    /// Effective group id.
    pub gid: u32,
    /// The user's name, if the user database has one.
    pub user: Option<String>,
    /// The group's name, if the group database has one.
    pub group: Option<String>,
    /// Its name as rules match it: the command (`argv[0]`, or `comm`), possibly a path.
    pub name: String,
    /// Whether it runs under a real-time scheduling policy (for `ignore_rt`); `None` until
    /// a rule asks ([`Process::is_realtime`] reads it then): most rules do not, and the
    /// engine reads one `/proc` file less per process.
    pub realtime: Option<bool>,
}

/// Where a process goes in the hierarchies of one controller list.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Placement {
    /// The controllers (`None`: every mounted controller, the rule's `*`).
    pub controllers: Option<Vec<String>>,
    /// The group, variables expanded.
    pub group: String,
    /// The destination as written, when it had variables: the name of the template that
    /// supplies the group's settings if it does not exist.
    pub template: Option<String>,
}

/// The outcome of classifying one process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// No rule matches: the process stays where it is.
    NoRule,
    /// The matching rule says to leave it where it is (`ignore`, or `ignore_rt` for a
    /// real-time process); its line number.
    Ignore(usize),
    /// Move it: one placement per target of the matching rule.
    Move(Vec<Placement>),
}

impl Process {
    /// Reads a running process from `/proc/<pid>`: effective ids from `status`, the name
    /// rules match (the command's `argv[0]` from `cmdline`, else `status`'s `Name:`, which
    /// the kernel cuts at 15 characters); the scheduling policy is read when a rule asks.
    /// The user and group names come from `user_of` and `group_of` (the engine's cached
    /// [`crate::engine::accounts::SystemAccounts`], or a
    /// [`crate::engine::accounts::FileAccounts`] in a binary that must not use NSS).
    pub fn of_pid_named(
        pid: u32,
        mut user_of: impl FnMut(u32) -> Option<String>,
        mut group_of: impl FnMut(u32) -> Option<String>,
    ) -> std::io::Result<Process> {
        let proc_dir = std::path::PathBuf::from(format!("/proc/{pid}"));
        let status = read_proc(&proc_dir.join("status"))?;
        let status = String::from_utf8_lossy(&status);
        let field = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .map(str::trim)
                .unwrap_or_default()
                .to_string()
        };
        // `Uid:` and `Gid:` list real, effective, saved and filesystem ids.
        let effective = |key: &str| -> u32 {
            field(key)
                .split_whitespace()
                .nth(1)
                .and_then(|n| n.parse().ok())
                .unwrap_or(u32::MAX)
        };
        let (uid, gid) = (effective("Uid:"), effective("Gid:"));
        let cmdline = read_proc(&proc_dir.join("cmdline")).unwrap_or_default();
        let argv0 = cmdline.split(|&b| b == 0).next().unwrap_or_default();
        let name = if argv0.is_empty() {
            field("Name:")
        } else {
            String::from_utf8_lossy(argv0).into_owned()
        };
        Ok(Process {
            pid,
            uid,
            gid,
            user: user_of(uid),
            group: group_of(gid),
            name,
            realtime: None,
        })
    }

    /// Whether it runs under a real-time scheduling policy: [`Process::realtime`], else
    /// read from `/proc/PID/stat` (a process that is gone is not).
    pub fn is_realtime(&self) -> bool {
        self.realtime.unwrap_or_else(|| {
            // Field 41 of stat is the policy: SCHED_FIFO (1) and SCHED_RR (2) are
            // real-time. The command name in field 2 may hold spaces, so count from its
            // closing `)`.
            let path = std::path::PathBuf::from(format!("/proc/{}/stat", self.pid));
            let stat = read_proc(&path).unwrap_or_default();
            let stat = String::from_utf8_lossy(&stat);
            let policy = stat
                .rsplit_once(") ")
                .and_then(|(_, rest)| rest.split_whitespace().nth(38))
                .and_then(|p| p.parse::<u32>().ok())
                .unwrap_or(0);
            matches!(policy, 1 | 2)
        })
    }
}

/// Reads a small `/proc` file with `read` calls alone: one that fills the buffer and one
/// that says it ended. procfs reports a size of 0, so `std::fs::read` reads in chunks that
/// start at 32 bytes, and `File::read_to_end` asks for the size and position first
/// (`statx`, `lseek`) before reading: 6 to 8 system calls instead of 4, for every process
/// the rules engine classifies (BENCHMARKS.md, rules engine).
pub fn read_proc(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut buffer = vec![0; 4096];
    let mut len = 0;
    loop {
        if len == buffer.len() {
            buffer.resize(len * 2, 0);
        }
        match file.read(&mut buffer[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buffer.truncate(len);
    Ok(buffer)
}

/// A rule with its users and groups resolved.
#[derive(Clone, Debug)]
struct Compiled {
    rule: Rule,
    subject: Resolved,
    line: usize,
}

/// The rules of a file, ready to classify with: resolved and indexed.
#[derive(Clone, Debug, Default)]
pub struct Classifier {
    rules: Vec<Compiled>,
    /// `None` until [`Classifier::build_index`] for a classifier that decides for one
    /// process (cgexec): a scan of the rules costs less than building the index.
    index: Option<RuleIndex>,
}

impl Classifier {
    /// Resolves the rules' users and groups (`accounts`) and the members of `@group`s
    /// (`members`), and indexes the rules. The rules are taken, not copied (cgexec
    /// compiles every rule on every run: a copy of 1000 rules cost it about 0.1 ms and as
    /// many page faults); `lines[i]` is the line of the `i`th rule, for messages. Returns
    /// the classifier and one warning per skipped rule.
    pub fn new(
        rules: Rules,
        accounts: &mut dyn Accounts,
        members: &mut dyn Members,
        lines: &[usize],
    ) -> (Classifier, Vec<String>) {
        let (mut classifier, warnings) = Classifier::unindexed(rules, accounts, members, lines);
        classifier.build_index();
        (classifier, warnings)
    }

    /// As [`Classifier::new`], without the index: each decision then tries the rules
    /// in file order, as [`Classifier::classify_linear`] does. For a single decision
    /// (cgexec) this is cheaper than building the index (about 0.1 ms for 1000 rules);
    /// [`Classifier::build_index`] adds it for many.
    pub fn unindexed(
        rules: Rules,
        accounts: &mut dyn Accounts,
        members: &mut dyn Members,
        lines: &[usize],
    ) -> (Classifier, Vec<String>) {
        let mut compiled = Vec::with_capacity(rules.rules.len());
        let mut warnings = Vec::new();
        for (i, rule) in rules.rules.into_iter().enumerate() {
            let line = lines.get(i).copied().unwrap_or(0);
            let subject = match &rule.subject.value {
                Subject::Any => Some(Resolved::Any),
                Subject::User(name) => match lookup(name, |n| accounts.uid(n)) {
                    Some(uid) => Some(Resolved::Uid(uid)),
                    None => {
                        warnings.push(format!(
                            "line {line}: unknown user `{name}`: the rule is skipped"
                        ));
                        None
                    }
                },
                Subject::Group(name) => match lookup(name, |n| accounts.gid(n)) {
                    Some(gid) => Some(Resolved::Group {
                        gid,
                        members: members.members(name),
                    }),
                    None => {
                        warnings.push(format!(
                            "line {line}: unknown group `{name}`: the rule is skipped"
                        ));
                        None
                    }
                },
            };
            if let Some(subject) = subject {
                compiled.push(Compiled {
                    rule,
                    subject,
                    line,
                });
            }
        }
        (
            Classifier {
                rules: compiled,
                index: None,
            },
            warnings,
        )
    }

    /// Indexes the rules (once), so that each later decision examines only the rules of
    /// the process's user, groups and name.
    pub fn build_index(&mut self) {
        if self.index.is_none() {
            self.index =
                Some(RuleIndex::new(self.rules.iter().map(|c| {
                    (&c.subject, c.rule.process.as_ref().map(|p| &p.value))
                })));
        }
    }

    /// Where `process` goes. A destination whose variables cannot make a group name for
    /// this process (a process named `..`) is an error naming the rule.
    ///
    /// The matching rule is found through the index ([`Classifier::lookup`]); the result
    /// is the same as [`Classifier::classify_linear`]'s.
    pub fn classify(&self, process: &Process) -> Result<Decision, String> {
        let found = self.lookup(process).rule.and_then(|i| self.rules.get(i));
        self.decide(found, process)
    }

    /// The index's answer for `process` (without an index, a scan's): the position of the
    /// first matching rule among the compiled ones (skipped rules not counted) and how
    /// many rules it examined.
    pub fn lookup(&self, process: &Process) -> Lookup {
        let Some(index) = &self.index else {
            // Unindexed: every rule up to the first match is examined.
            let rule = self.rules.iter().position(|c| matches(c, process));
            return Lookup {
                rule,
                examined: rule.map_or(self.rules.len(), |i| i + 1),
            };
        };
        index.lookup(&Query {
            uid: process.uid,
            gid: process.gid,
            user: process.user.as_deref(),
            name: &process.name,
        })
    }

    /// As [`Classifier::classify`], by trying every rule in file order as libcgroup
    /// does: the reference the index is tested against.
    pub fn classify_linear(&self, process: &Process) -> Result<Decision, String> {
        let found = self.rules.iter().find(|c| matches(c, process));
        self.decide(found, process)
    }

    /// The decision of rule `found` (if any rule matched) for `process`.
    fn decide(&self, found: Option<&Compiled>, process: &Process) -> Result<Decision, String> {
        let Some(found) = found else {
            return Ok(Decision::NoRule);
        };
        let rule = &found.rule;
        if rule.ignores() || (rule.ignores_rt() && process.is_realtime()) {
            return Ok(Decision::Ignore(found.line));
        }
        let expansion = Expansion {
            user: process.user.as_deref(),
            uid: process.uid,
            group: process.group.as_deref(),
            gid: process.gid,
            process: Some(process.name.rsplit('/').next().unwrap_or(&process.name))
                .filter(|n| !n.is_empty()),
            pid: process.pid,
        };
        let mut placements = Vec::new();
        for target in &rule.targets {
            let destination = &target.destination.value;
            let group = destination
                .expand(&expansion)
                .map_err(|e| format!("rule on line {}: {e}", found.line))?;
            placements.push(Placement {
                controllers: match &target.controllers.value {
                    Controllers::All => None,
                    Controllers::List(names) => {
                        Some(names.iter().map(|n| n.value.clone()).collect())
                    }
                },
                group,
                template: destination
                    .has_variables()
                    .then(|| destination.as_str().to_string()),
            });
        }
        Ok(Decision::Move(placements))
    }
}

fn lookup(name: &str, find: impl FnOnce(&str) -> Result<Option<u32>, String>) -> Option<u32> {
    find(name).ok().flatten()
}

fn matches(compiled: &Compiled, process: &Process) -> bool {
    let subject = match &compiled.subject {
        Resolved::Any => true,
        Resolved::Uid(uid) => *uid == process.uid,
        Resolved::Group { gid, members } => {
            *gid == process.gid
                || process
                    .user
                    .as_ref()
                    .is_some_and(|u| members.iter().any(|m| m == u))
        }
    };
    subject
        && compiled
            .rule
            .process
            .as_ref()
            .is_none_or(|pattern| pattern.value.matches(&process.name))
}

/// Creates the group a placement names if it does not exist yet, as libcgroup does for
/// rule destinations: with the settings and owners of the template whose name is the
/// destination as written (cgconfig.conf's `template`; no `default` owners apply), in the
/// rule's controllers; intermediate levels are created without settings. Goes through the
/// apply engine, so a failure takes back what it created. Returns the directories created.
pub fn materialize(
    cgroups: &crate::Cgroups,
    placement: &Placement,
    templates: &[grammar::cgconfig::Group],
    host: &crate::backend::values::HostFacts,
    accounts: &mut dyn Accounts,
) -> Result<usize, String> {
    use grammar::cgconfig::{Config, Controller, Group, Section};
    use grammar::Spanned;
    let template = placement
        .template
        .as_deref()
        .and_then(|name| templates.iter().find(|t| t.name.value == name));
    let mut group = match template {
        Some(t) => t.clone(),
        None => Group {
            name: Spanned::unplaced(String::new()),
            perm: None,
            controllers: Vec::new(),
            span: Default::default(),
        },
    };
    group.name = Spanned::unplaced(placement.group.clone());
    let wanted: Vec<String> = match &placement.controllers {
        Some(list) => list.clone(),
        None => cgroups
            .layout()
            .mounted_controllers()
            .map(str::to_string)
            .collect(),
    };
    // The rule decides the hierarchies; the template only supplies settings for them.
    group.controllers.retain(|c| wanted.contains(&c.name.value));
    for controller in &wanted {
        if group.controller(controller).is_none() {
            group.controllers.push(Controller {
                name: Spanned::unplaced(controller.clone()),
                settings: Vec::new(),
                span: Default::default(),
            });
        }
    }
    let config = Config {
        sections: vec![Section::Group(group)],
    };
    let state = crate::engine::desired::desired_state(
        &config,
        cgroups,
        host,
        &crate::Permissions::default(),
        accounts,
    )
    .map_err(|rejected| {
        rejected
            .diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let plan = crate::engine::plan::plan(cgroups, &state, host).map_err(|e| e.to_string())?;
    let applied = crate::engine::apply::apply(cgroups, &plan)
        .map_err(|failure| format!("{} (while {}; undone)", failure.error, failure.step))?;
    Ok(applied.created)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::accounts::FileAccounts;
    use grammar::{cgrules, SourceFile};

    struct Host;
    impl Accounts for Host {
        fn uid(&mut self, name: &str) -> Result<Option<u32>, String> {
            Ok(match name {
                "root" => Some(0),
                "alice" => Some(1000),
                "bob" => Some(1001),
                _ => None,
            })
        }
        fn gid(&mut self, name: &str) -> Result<Option<u32>, String> {
            Ok(match name {
                "students" => Some(2000),
                _ => None,
            })
        }
    }

    /// The group file of the tests: bob and dave are listed in students, alice in staff.
    const GROUPS: &str = "students:x:2000:bob,dave\nstaff:x:50:alice\n";

    fn classifier(text: &str) -> (Classifier, Vec<String>) {
        let src = SourceFile::new("cgrules.conf", text);
        let rules = cgrules::parse(&src).unwrap();
        let mut members = FileAccounts::parse("", GROUPS);
        let lines: Vec<usize> = rules
            .iter()
            .map(|r| src.line_col(r.span.start).line)
            .collect();
        Classifier::new(rules, &mut Host, &mut members, &lines)
    }

    fn process(uid: u32, gid: u32, user: &str, name: &str) -> Process {
        Process {
            pid: 4242,
            uid,
            gid,
            user: Some(user.to_string()),
            group: None,
            name: name.to_string(),
            realtime: Some(false),
        }
    }

    const RULES: &str = "\
root              *            *                 ignore
@students         cpu,memory   students/%u
%                 blkio        students/io
alice:/usr/bin/rsync  cpu      batch/
*:java*           memory       jvm/%p
ghost             cpu          never/
*                 cpu          default/
";

    #[test]
    fn an_unindexed_classifier_decides_as_the_indexed_one() {
        let src = SourceFile::new("t.conf", "*:sshd  cpu  a/\n*  memory  b/\n");
        let rules = grammar::cgrules::parse(&src).unwrap();
        let (mut c, _) =
            Classifier::unindexed(rules, &mut Host, &mut FileAccounts::default(), &[1, 2]);
        assert!(c.index.is_none());
        let sshd = process(1000, 100, "alice", "/usr/sbin/sshd");
        let vim = process(1000, 100, "alice", "vim");
        let before = (c.classify(&sshd), c.classify(&vim), c.lookup(&vim));
        c.build_index();
        assert!(c.index.is_some());
        assert_eq!(before.0, c.classify(&sshd));
        assert_eq!(before.1, c.classify(&vim));
        assert_eq!(before.2.rule, Some(1));
        assert_eq!(
            before.2.examined, 2,
            "a scan examines every rule up to the match"
        );
        assert_eq!(c.lookup(&vim).rule, Some(1));
    }

    #[test]
    fn the_first_matching_rule_wins_with_its_continuations() {
        let (c, warnings) = classifier(RULES);
        assert_eq!(
            warnings,
            ["line 6: unknown user `ghost`: the rule is skipped"]
        );
        assert_eq!(
            c.classify(&process(0, 0, "root", "bash")),
            Ok(Decision::Ignore(1))
        );
        let Ok(Decision::Move(places)) = c.classify(&process(1001, 2000, "bob", "vim")) else {
            panic!("bob is a student")
        };
        assert_eq!(places.len(), 2);
        assert_eq!(places[0].group, "students/bob");
        assert_eq!(places[0].template.as_deref(), Some("students/%u"));
        assert_eq!(
            places[0].controllers,
            Some(vec!["cpu".into(), "memory".into()])
        );
        assert_eq!(places[1].group, "students/io");
        assert_eq!(places[1].template, None);
    }

    #[test]
    fn process_patterns_match_names_paths_and_prefixes() {
        let (c, _) = classifier(RULES);
        let group_of = |p: Process| match c.classify(&p) {
            Ok(Decision::Move(places)) => places[0].group.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            group_of(process(1000, 100, "alice", "/usr/bin/rsync")),
            "batch/"
        );
        assert_eq!(group_of(process(1000, 100, "alice", "rsync")), "default/");
        assert_eq!(
            group_of(process(1002, 100, "carol", "java-17")),
            "jvm/java-17"
        );
        assert_eq!(
            group_of(process(1002, 100, "carol", "/opt/jdk/bin/java")),
            "jvm/java"
        );
        assert_eq!(group_of(process(1002, 100, "carol", "python3")), "default/");
    }

    #[test]
    fn ignore_rt_spares_only_real_time_processes() {
        let (c, _) = classifier("*:daemon  cpu  rt/  ignore_rt\n");
        let mut p = process(5, 5, "x", "daemon");
        assert!(matches!(c.classify(&p), Ok(Decision::Move(_))));
        p.realtime = Some(true);
        assert_eq!(c.classify(&p), Ok(Decision::Ignore(1)));
        assert_eq!(
            c.classify(&process(5, 5, "x", "other")),
            Ok(Decision::NoRule)
        );
    }

    #[test]
    fn a_process_name_cannot_leave_the_subtree() {
        let (c, _) = classifier("*  cpu  users/%p\n");
        let err = c.classify(&process(5, 5, "x", "..")).unwrap_err();
        assert!(err.starts_with("rule on line 1: "), "{err}");
    }

    #[test]
    fn proc_files_and_longer_ones_are_read_whole() {
        let status = read_proc(std::path::Path::new("/proc/self/status")).unwrap();
        let text = String::from_utf8(status).unwrap();
        assert!(
            text.starts_with("Name:\t") && text.contains("\nUid:\t"),
            "{text}"
        );
        let dir = tempfile::tempdir().unwrap();
        let long: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(dir.path().join("long"), &long).unwrap();
        assert_eq!(read_proc(&dir.path().join("long")).unwrap(), long);
        let gone = read_proc(&dir.path().join("missing")).unwrap_err();
        assert_eq!(gone.kind(), std::io::ErrorKind::NotFound);
    }

    #[test]
    fn this_process_reads_as_itself() {
        let accounts = std::cell::RefCell::new(crate::engine::accounts::SystemAccounts::default());
        let me = Process::of_pid_named(
            std::process::id(),
            |uid| accounts.borrow_mut().user_name(uid),
            |gid| accounts.borrow_mut().group_name(gid),
        )
        .unwrap();
        assert_eq!(me.uid, nix::unistd::geteuid().as_raw());
        assert_eq!(me.gid, nix::unistd::getegid().as_raw());
        assert!(!me.name.is_empty());
        assert_eq!(me.realtime, None, "read only when a rule asks");
        assert!(!me.is_realtime());
    }

    #[test]
    fn group_members_are_matched_by_user_name() {
        let (c, _) = classifier("@students  cpu  s/%u\n%  memory  m/\n*  cpu  other/\n");
        // dave is listed in students though his gid is not students'.
        let Ok(Decision::Move(places)) = c.classify(&process(1003, 100, "dave", "vim")) else {
            panic!("dave is a listed student")
        };
        assert_eq!(places.len(), 2);
        assert_eq!(places[0].group, "s/dave");
        assert_eq!(places[1].group, "m/");
        let Ok(Decision::Move(places)) = c.classify(&process(1004, 100, "erin", "vim")) else {
            panic!("erin falls through to *")
        };
        assert_eq!(places[0].group, "other/");
    }

    #[test]
    fn a_lookup_examines_the_candidates_not_every_rule() {
        let mut text = String::new();
        for n in 0..500 {
            text.push_str(&format!("*:prog{n}  cpu  p{n}/\n"));
        }
        text.push_str("alice  cpu  a/\n*  cpu  rest/\n");
        let (c, _) = classifier(&text);
        let alice = process(1000, 100, "alice", "/usr/bin/prog250");
        let found = c.lookup(&alice);
        assert_eq!(found.rule, Some(250));
        assert!(found.examined <= 3, "{found:?}");
        let found = c.lookup(&process(1000, 100, "alice", "vim"));
        assert_eq!(found.rule, Some(500));
        assert!(found.examined <= 2, "{found:?}");
        assert_eq!(c.classify(&alice), c.classify_linear(&alice));
    }

    mod differential {
        use super::*;
        use proptest::prelude::*;

        const SUBJECTS: &[&str] = &[
            "root",
            "alice",
            "bob",
            "carol",
            "ghost",
            "@students",
            "@staff",
            "@wheel",
            "*",
            "%",
        ];
        const PATTERNS: &[&str] = &[
            "",
            "rsync",
            "/usr/bin/rsync",
            "java*",
            "ja*",
            "*",
            "vim",
            "/opt/jdk/bin/java",
            "sh",
            "/opt/*",
        ];
        const OPTIONS: &[&str] = &["", "", "", "ignore", "ignore_rt"];
        const UIDS: &[u32] = &[0, 1000, 1001, 1002, 1003, 5];
        const GIDS: &[u32] = &[0, 2000, 50, 100];
        const USERS: &[Option<&str>] = &[
            Some("root"),
            Some("alice"),
            Some("bob"),
            Some("carol"),
            Some("dave"),
            Some("erin"),
            None,
        ];
        const NAMES: &[&str] = &[
            "rsync",
            "/usr/bin/rsync",
            "/opt/rsync",
            "java",
            "javac",
            "/opt/jdk/bin/java",
            "vim",
            "sh",
            "/bin/sh",
            "a/",
            "",
        ];

        /// One line: subject, pattern, destination variables, options (indices).
        fn line() -> impl Strategy<Value = (usize, usize, bool, usize)> {
            (
                0..SUBJECTS.len(),
                0..PATTERNS.len(),
                any::<bool>(),
                0..OPTIONS.len(),
            )
        }

        fn text(lines: &[(usize, usize, bool, usize)]) -> String {
            let mut out = String::new();
            for (n, &(subject, pattern, variables, option)) in lines.iter().enumerate() {
                let mut subject = SUBJECTS[subject];
                if n == 0 && subject == "%" {
                    subject = "*";
                }
                let key = match (subject, PATTERNS[pattern]) {
                    ("%", _) | (_, "") => subject.to_string(),
                    (s, p) => format!("{s}:{p}"),
                };
                let destination = if variables {
                    format!("d{n}/%u")
                } else {
                    format!("d{n}")
                };
                let option = if subject == "%" { "" } else { OPTIONS[option] };
                out.push_str(&format!("{key}  cpu  {destination}  {option}\n"));
            }
            out
        }

        fn a_process() -> impl Strategy<Value = Process> {
            (
                0..UIDS.len(),
                0..GIDS.len(),
                0..USERS.len(),
                0..NAMES.len(),
                any::<bool>(),
            )
                .prop_map(|(uid, gid, user, name, realtime)| Process {
                    pid: 7,
                    uid: UIDS[uid],
                    gid: GIDS[gid],
                    user: USERS[user].map(str::to_string),
                    group: None,
                    name: NAMES[name].to_string(),
                    realtime: Some(realtime),
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1024))]

            #[test]
            fn the_index_decides_as_the_linear_scan(
                lines in prop::collection::vec(line(), 1..40),
                processes in prop::collection::vec(a_process(), 1..20),
            ) {
                let text = text(&lines);
                let (c, _) = classifier(&text);
                // The same rules without the index (cgexec's way) decide the same.
                let unindexed = Classifier {
                    index: None,
                    ..c.clone()
                };
                for p in &processes {
                    prop_assert_eq!(c.classify(p), c.classify_linear(p), "{:?} in\n{}", p, text);
                    let linear = c.rules.iter().position(|r| matches(r, p));
                    prop_assert_eq!(c.lookup(p).rule, linear);
                    prop_assert_eq!(unindexed.lookup(p).rule, linear);
                    prop_assert_eq!(unindexed.classify(p), c.classify(p));
                }
            }
        }
    }
}
