//! The compiled rules index: which rule of cgrules.conf is the first to match a process,
//! without trying every rule.
//!
//! [`RuleIndex::new`] is built once per (re)load from the rules in file order, their users
//! and groups already resolved ([`Subject`]); [`RuleIndex::lookup`] then answers with the
//! position of the first matching rule, exactly as a linear first-match scan would
//! (`docs/rules.md`, "The compiled index"). The rules are sorted into buckets by subject:
//! one per uid, one per gid, one per user name listed as a member of an `@group`, and one
//! for `*`. Inside a bucket, rules are found by process pattern: the first rule without a
//! pattern, the first rule per exact name (looked up by the process's full name and by
//! its last component) and the prefix patterns (`java*`) in rule order. A lookup visits
//! the buckets of the process's uid, gid and user name and `*`, and takes the smallest
//! rule position among the few candidates they give; rules of other users, groups and
//! programs are never examined ([`Lookup::examined`] counts the ones that are).
//!
//! `@group` members are resolved when the rules are compiled (`engine::accounts::Members`),
//! so a lookup asks no database. As in the linear matcher, an `@group` rule matches a
//! process whose effective gid is the group's or whose user name is listed as a member;
//! supplementary groups of the process are not consulted.

use grammar::cgrules::ProcessPattern;
use std::collections::HashMap;

/// Whose processes a rule matches, its user or group resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// `alice`: processes whose effective uid is this one.
    Uid(u32),
    /// `@staff`: processes whose effective gid is `gid`, or whose user name is one of
    /// `members` (the group's member list, resolved when the rules were compiled).
    Group {
        /// The group's id.
        gid: u32,
        /// The user names listed as members of the group.
        members: Vec<String>,
    },
    /// `*`: every process.
    Any,
}

/// What a lookup needs of a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Query<'a> {
    /// Effective user id.
    pub uid: u32,
    /// Effective group id.
    pub gid: u32,
    /// The user's name, if the user database has one (for `@group` member lists).
    pub user: Option<&'a str>,
    /// The name rules match: a command name or a path.
    pub name: &'a str,
}

/// The answer of [`RuleIndex::lookup`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lookup {
    /// The position (in the rules the index was built from) of the first rule that
    /// matches; `None` if no rule does.
    pub rule: Option<usize>,
    /// How many candidate rules the lookup examined: a bound on its work, independent of
    /// how many rules name other users, groups or programs.
    pub examined: usize,
}

/// The rules of one subject (a uid, a gid, a member's name, or `*`), by process pattern.
#[derive(Clone, Debug, Default)]
struct Bucket {
    /// The first rule without a pattern (or with `*`, which matches every name). Later
    /// rules of the bucket can never win against it, so they are not stored.
    unconditional: Option<usize>,
    /// Per exact pattern (`rsync`, `/usr/bin/rsync`), its first rule.
    exact: HashMap<String, usize>,
    /// The prefix patterns (`java*`, stored without `*`) with their rules, in rule order.
    prefixes: Vec<(String, usize)>,
}

impl Bucket {
    /// Adds rule `position`; rules come in increasing positions.
    fn add(&mut self, position: usize, pattern: Option<&ProcessPattern>) {
        if self.unconditional.is_some() {
            return;
        }
        match pattern {
            None => self.unconditional = Some(position),
            Some(ProcessPattern::Prefix(prefix)) if prefix.is_empty() => {
                self.unconditional = Some(position)
            }
            Some(ProcessPattern::Exact(name)) => {
                self.exact.entry(name.clone()).or_insert(position);
            }
            Some(ProcessPattern::Prefix(prefix)) => {
                if !self.prefixes.iter().any(|(p, _)| p == prefix) {
                    self.prefixes.push((prefix.clone(), position));
                }
            }
        }
    }

    /// Lowers `best` to the first rule of this bucket that matches `full` (the name) or
    /// `base` (its last component), counting the rules examined.
    fn search(&self, full: &str, base: &str, best: &mut Option<usize>, examined: &mut usize) {
        let offer = |position: usize, best: &mut Option<usize>| {
            if best.is_none_or(|b| position < b) {
                *best = Some(position);
            }
        };
        if let Some(position) = self.unconditional {
            *examined += 1;
            offer(position, best);
        }
        let names: &[&str] = if full == base { &[full] } else { &[full, base] };
        for name in names {
            if let Some(&position) = self.exact.get(*name) {
                *examined += 1;
                offer(position, best);
            }
        }
        for (prefix, position) in &self.prefixes {
            if best.is_some_and(|b| *position >= b) {
                break;
            }
            *examined += 1;
            if full.starts_with(prefix.as_str()) || base.starts_with(prefix.as_str()) {
                offer(*position, best);
                break;
            }
        }
    }
}

/// The rules of a configuration sorted for lookups by uid, gid, member name and process
/// name. Built once per (re)load; immutable afterwards.
#[derive(Clone, Debug, Default)]
pub struct RuleIndex {
    by_uid: HashMap<u32, Bucket>,
    by_gid: HashMap<u32, Bucket>,
    by_member: HashMap<String, Bucket>,
    anyone: Bucket,
    len: usize,
}

impl RuleIndex {
    /// Indexes `rules`, each its subject and process pattern, in file order: a rule's
    /// position in this sequence is what [`RuleIndex::lookup`] returns.
    pub fn new<'a>(
        rules: impl IntoIterator<Item = (&'a Subject, Option<&'a ProcessPattern>)>,
    ) -> RuleIndex {
        let mut index = RuleIndex::default();
        for (position, (subject, pattern)) in rules.into_iter().enumerate() {
            index.len = position + 1;
            match subject {
                Subject::Uid(uid) => index.by_uid.entry(*uid).or_default().add(position, pattern),
                Subject::Group { gid, members } => {
                    index.by_gid.entry(*gid).or_default().add(position, pattern);
                    for member in members {
                        index
                            .by_member
                            .entry(member.clone())
                            .or_default()
                            .add(position, pattern);
                    }
                }
                Subject::Any => index.anyone.add(position, pattern),
            }
        }
        index
    }

    /// How many rules the index was built from.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if it was built from no rules.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first rule, in file order, whose subject and process pattern match `query`.
    pub fn lookup(&self, query: &Query<'_>) -> Lookup {
        let full = query.name;
        // The same last component as `ProcessPattern::matches` compares with.
        let base = full.rsplit('/').next().unwrap_or(full);
        let mut best = None;
        let mut examined = 0;
        let member = query.user.and_then(|user| self.by_member.get(user));
        let buckets = [
            self.by_uid.get(&query.uid),
            self.by_gid.get(&query.gid),
            member,
            Some(&self.anyone),
        ];
        for bucket in buckets.into_iter().flatten() {
            bucket.search(full, base, &mut best, &mut examined);
        }
        Lookup {
            rule: best,
            examined,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(name: &str) -> Option<ProcessPattern> {
        Some(ProcessPattern::Exact(name.to_string()))
    }

    fn prefix(name: &str) -> Option<ProcessPattern> {
        Some(ProcessPattern::Prefix(name.to_string()))
    }

    fn index(rules: &[(Subject, Option<ProcessPattern>)]) -> RuleIndex {
        RuleIndex::new(rules.iter().map(|(s, p)| (s, p.as_ref())))
    }

    fn query<'a>(uid: u32, gid: u32, user: &'a str, name: &'a str) -> Query<'a> {
        Query {
            uid,
            gid,
            user: Some(user),
            name,
        }
    }

    fn staff() -> Subject {
        Subject::Group {
            gid: 50,
            members: vec!["carol".into()],
        }
    }

    #[test]
    fn uid_gid_member_and_wildcard_rules() {
        let ix = index(&[
            (Subject::Uid(1000), None),
            (staff(), None),
            (Subject::Any, None),
        ]);
        assert_eq!(ix.len(), 3);
        assert_eq!(ix.lookup(&query(1000, 100, "alice", "vim")).rule, Some(0));
        // The group by gid, then by the member list.
        assert_eq!(ix.lookup(&query(1001, 50, "bob", "vim")).rule, Some(1));
        assert_eq!(ix.lookup(&query(1002, 100, "carol", "vim")).rule, Some(1));
        assert_eq!(ix.lookup(&query(1003, 100, "dave", "vim")).rule, Some(2));
        let nameless = Query {
            user: None,
            ..query(1002, 100, "", "vim")
        };
        assert_eq!(ix.lookup(&nameless).rule, Some(2));
    }

    #[test]
    fn process_names_by_name_path_and_prefix() {
        let ix = index(&[
            (Subject::Any, exact("/usr/bin/rsync")),
            (Subject::Any, exact("rsync")),
            (Subject::Any, prefix("java")),
            (Subject::Any, prefix("")),
        ]);
        let rule = |name| ix.lookup(&query(1, 1, "x", name)).rule;
        assert_eq!(rule("/usr/bin/rsync"), Some(0));
        assert_eq!(rule("/opt/bin/rsync"), Some(1));
        assert_eq!(rule("rsync"), Some(1));
        assert_eq!(rule("/opt/jdk/bin/java"), Some(2));
        assert_eq!(rule("javac"), Some(2));
        assert_eq!(rule("python3"), Some(3));
        // A path pattern matches the whole path only.
        let ix = index(&[(Subject::Any, exact("/usr/bin/rsync"))]);
        assert_eq!(ix.lookup(&query(1, 1, "x", "rsync")).rule, None);
    }

    #[test]
    fn an_earlier_wildcard_beats_a_later_specific_rule() {
        let ix = index(&[
            (Subject::Any, prefix("ja")),
            (Subject::Uid(1000), exact("java")),
            (Subject::Any, None),
            (Subject::Uid(1000), None),
        ]);
        assert_eq!(ix.lookup(&query(1000, 1, "alice", "java")).rule, Some(0));
        assert_eq!(ix.lookup(&query(1000, 1, "alice", "vim")).rule, Some(2));
        assert_eq!(ix.lookup(&query(7, 1, "x", "vim")).rule, Some(2));
    }

    #[test]
    fn no_rule_no_answer() {
        assert_eq!(
            RuleIndex::default().lookup(&query(0, 0, "root", "sh")).rule,
            None
        );
        assert!(RuleIndex::default().is_empty());
        let ix = index(&[(Subject::Uid(5), None), (staff(), exact("make"))]);
        assert_eq!(ix.lookup(&query(6, 50, "x", "cc")).rule, None);
    }

    #[test]
    fn a_lookup_examines_only_candidate_rules() {
        // 3000 rules: one per user, one per group, one per program; then a wildcard.
        let mut rules = Vec::new();
        for n in 0..1000u32 {
            rules.push((Subject::Uid(10_000 + n), None));
            rules.push((
                Subject::Group {
                    gid: 20_000 + n,
                    members: vec![format!("user{n}")],
                },
                None,
            ));
            rules.push((Subject::Any, exact(&format!("prog{n}"))));
        }
        rules.push((Subject::Any, None));
        let ix = index(&rules);
        let found = ix.lookup(&query(10_500, 20_700, "user900", "/bin/prog300"));
        // Candidates: its uid's rule (1500), its gid's (2101), its membership's (2701), the
        // program's (3 * 300 + 2) and the wildcard (3000); the program's comes first.
        assert_eq!(found.rule, Some(902));
        assert!(found.examined <= 5, "{found:?}");
        let none = ix.lookup(&query(1, 1, "nobody", "sh"));
        assert_eq!(none.rule, Some(3000));
        assert_eq!(none.examined, 1);
    }
}
