//! Classifying by cgrules.conf, for cgexec and cgclassify without `-g`.
//!
//! The rules (`/etc/cgrules.conf`, then the files of `/etc/cgrules.d` that
//! [`crate::rules::files`] lists) are read and compiled once
//! per invocation, however many processes are classified (libcgroup's cgclassify re-reads
//! them for every pid). User and group names are resolved by
//! [`FileAccounts`]: `/etc/passwd` and `/etc/group` read directly, glibc's `getent` asked
//! only for a name or id the files lack, so that the static cgexec and cgclassify never
//! call NSS (`scripts/build-static.sh`, `docs/compat.md`). A destination with variables
//! whose group does not exist is created from its cgconfig.conf template
//! (`/etc/cgconfig.conf`, then `/etc/cgconfig.d/*.conf`), read only then.
//!
//! Debug builds take the directory that stands in for `/etc` (for these four paths only;
//! passwd and group stay in `/etc`) from `CGTOOLS_ETC`, for tests; release builds cannot: a
//! setuid-root cgexec must never classify by rules the caller wrote.

use std::path::{Path, PathBuf};

use crate::engine::accounts::FileAccounts;
use crate::rules::classify::{materialize, Classifier, Decision, Placement, Process};
use crate::{Cgroups, Error, Group};

/// The environment variable naming the stand-in for `/etc` (debug builds only).
pub const ETC_ENV: &str = "CGTOOLS_ETC";

/// libcgroup's line when the rules cannot be read or parsed.
pub const PARSE_FAILED: &str = "Error: failed to parse the configuration rules";

/// Where the rules and templates are read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleFiles {
    /// The directory holding `cgrules.conf`, `cgrules.d`, `cgconfig.conf`, `cgconfig.d`.
    pub etc: PathBuf,
}

impl RuleFiles {
    /// `/etc`, or in debug builds `$CGTOOLS_ETC` when set.
    pub fn system() -> RuleFiles {
        #[cfg(debug_assertions)]
        if let Some(etc) = std::env::var_os(ETC_ENV) {
            return RuleFiles { etc: etc.into() };
        }
        RuleFiles {
            etc: PathBuf::from("/etc"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.etc.join(name)
    }
}

/// Why a process was not placed.
#[derive(Clone, Debug)]
pub enum Failure {
    /// A rule's destination cannot be made for this process, or its template group cannot
    /// be created: the message (exit status: libcgroup's ECGFAIL, 93).
    Rule(String),
    /// The backend refused: the group is missing, a controller is not mounted...
    Cgroup(Error),
}

impl Failure {
    /// The exit status libcgroup's cgexec would give.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Rule(_) => (crate::backend::error::ecg::FAIL & 0xff) as u8,
            Failure::Cgroup(e) => e.exit_code(),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Rule(message) => f.write_str(message),
            Failure::Cgroup(e) => write!(f, "{}: {e}", e.libcgroup_message()),
        }
    }
}

/// The compiled rules of one invocation, and what placing processes by them needs.
pub struct ByRules<'a> {
    cgroups: &'a Cgroups,
    files: RuleFiles,
    classifier: Classifier,
    accounts: FileAccounts,
    templates: Option<Vec<grammar::cgconfig::Group>>,
    paths: Vec<PathBuf>,
    /// Each rule's file (its index in `paths`) and line, by the rule's position.
    lines: Vec<(usize, usize)>,
    /// The warnings of compiling (rules naming unknown users or groups), `file:line:`
    /// first.
    pub warnings: Vec<String>,
}

impl<'a> ByRules<'a> {
    /// Reads and compiles the rules. The error is the rendered parse errors
    /// (`file:line:col`), or why a file cannot be read (a missing cgrules.conf too, as in
    /// libcgroup).
    pub fn load(cgroups: &'a Cgroups, files: RuleFiles) -> Result<ByRules<'a>, String> {
        ByRules::load_with(cgroups, files, FileAccounts::system())
    }

    /// [`ByRules::load`] with the users and groups of `accounts`.
    pub fn load_with(
        cgroups: &'a Cgroups,
        files: RuleFiles,
        mut accounts: FileAccounts,
    ) -> Result<ByRules<'a>, String> {
        let crate::rules::files::RulesRead {
            rules,
            files: paths,
            lines,
            ..
        } = read_rules(&files)?;
        // The rules of every file are one list: the classifier's messages name a rule by
        // its position in it, which `locate` turns into its file and line (`lines`).
        let at: Vec<usize> = (0..lines.len()).collect();
        let (classifier, warnings) =
            Classifier::unindexed(rules, &mut accounts.clone(), &mut accounts, &at);
        let warnings = warnings
            .into_iter()
            .map(|w| locate(&w, &paths, &lines))
            .collect();
        Ok(ByRules {
            cgroups,
            files,
            classifier,
            accounts,
            templates: None,
            warnings,
            paths,
            lines,
        })
    }

    /// Prepares for many decisions (cgclassify with several pids): indexes the rules, which
    /// one decision (cgexec) does not need.
    pub fn expect_many(&mut self) {
        self.classifier.build_index();
    }

    /// A running process as the rules see it, names from the files.
    pub fn process(&mut self, pid: u32) -> std::io::Result<Process> {
        let accounts = std::cell::RefCell::new(&mut self.accounts);
        Process::of_pid_named(
            pid,
            |uid| accounts.borrow_mut().user_name(uid),
            |gid| accounts.borrow_mut().group_name(gid),
        )
    }

    /// A process about to run `name` with real ids `uid` and `gid` (cgexec): the given ids
    /// and name, `pid`'s scheduling policy (read if an `ignore_rt` rule matches).
    pub fn command(&mut self, pid: u32, uid: u32, gid: u32, name: &str) -> Process {
        Process {
            pid,
            uid,
            gid,
            user: self.accounts.user_name(uid),
            group: self.accounts.group_name(gid),
            name: name.to_string(),
            realtime: None,
        }
    }

    /// Where `process` goes, with the rule's location in messages.
    pub fn decide(&self, process: &Process) -> Result<Decision, String> {
        self.classifier.classify(process).map_err(|e| {
            // "rule on line N: ..." -> "FILE:LINE: ..."
            e.strip_prefix("rule on ")
                .map_or(e.clone(), |rest| locate(rest, &self.paths, &self.lines))
        })
    }

    /// The group a placement names, created first from its template when its
    /// destination has variables and it does not exist yet (as libcgroup does).
    pub fn group(&mut self, placement: &Placement) -> Result<Group<'a>, Failure> {
        let cgroups = self.cgroups;
        let controllers: Vec<&str> = match &placement.controllers {
            Some(list) => list.iter().map(String::as_str).collect(),
            None => cgroups.layout().mounted_controllers().collect(),
        };
        let path = crate::GroupPath::new(&placement.group).map_err(Failure::Cgroup)?;
        let group = cgroups
            .group(&controllers, &path)
            .map_err(Failure::Cgroup)?;
        if placement.template.is_some() && !group.exists() {
            let templates = self.templates();
            let host = crate::backend::values::HostFacts::read(cgroups);
            materialize(cgroups, placement, &templates, &host, &mut self.accounts).map_err(
                |e| {
                    Failure::Rule(format!(
                        "cannot create `{}` from template `{}`: {e}",
                        placement.group,
                        placement.template.as_deref().unwrap_or_default()
                    ))
                },
            )?;
        }
        Ok(group)
    }

    /// The templates of cgconfig.conf and cgconfig.d, read on first use. A file that
    /// cannot be read or parsed contributes none.
    fn templates(&mut self) -> Vec<grammar::cgconfig::Group> {
        if let Some(templates) = &self.templates {
            return templates.clone();
        }
        // The files cgconfigparser and cgconfigd read (`*.conf` of the directory, no
        // hidden ones, sorted).
        let mut files = vec![self.files.path("cgconfig.conf")];
        files.extend(
            crate::engine::config_files::conf_files_in(&self.files.path("cgconfig.d"))
                .unwrap_or_default(),
        );
        let templates: Vec<_> = files
            .iter()
            .filter_map(|file| crate::engine::config_files::templates_in(file).ok())
            .flatten()
            .collect();
        self.templates = Some(templates.clone());
        templates
    }
}

/// The rules of `cgrules.conf` and of the files of `cgrules.d`
/// ([`crate::rules::files::read`], as the engine reads them). A missing `cgrules.conf` is
/// an error, as in libcgroup; a missing directory is not. Errors are rendered
/// `file:line:col`.
fn read_rules(files: &RuleFiles) -> Result<crate::rules::files::RulesRead, String> {
    let read = crate::rules::files::read(&files.path("cgrules.conf"), &files.path("cgrules.d"))
        .map_err(|errors| {
            errors
                .iter()
                .map(|e| format!("{}\n", e.trim_end()))
                .collect::<String>()
        })?;
    match &read.main_missing {
        Some(missing) => Err(format!("{missing}\n")),
        None => Ok(read),
    }
}

/// A message `line N: ...` of the classifier, N the rule's position in `lines` (its file's
/// index in `paths`, and its line), as `file:line: ...`.
fn locate(warning: &str, paths: &[PathBuf], lines: &[(usize, usize)]) -> String {
    let Some(rest) = warning.strip_prefix("line ") else {
        return warning.to_string();
    };
    let Some((number, message)) = rest.split_once(": ") else {
        return warning.to_string();
    };
    let Some(&(file, line)) = number.parse::<usize>().ok().and_then(|i| lines.get(i)) else {
        return warning.to_string();
    };
    let path = paths
        .get(file)
        .map_or(Path::new("cgrules.conf"), PathBuf::as_path);
    format!("{}:{line}: {message}", path.display())
}

/// Whether libcgroup would print warnings: `CGROUP_LOGLEVEL` is WARNING, INFO or DEBUG.
pub fn warnings_wanted() -> bool {
    std::env::var("CGROUP_LOGLEVEL").is_ok_and(|level| {
        matches!(
            level.as_str(),
            "WARNING" | "INFO" | "DEBUG" | "2" | "3" | "4"
        )
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn warnings_name_the_file_and_line() {
        let paths = [
            PathBuf::from("/etc/cgrules.conf"),
            PathBuf::from("/etc/cgrules.d/b"),
        ];
        // Rules 0 and 1 from the main file (lines 3 and 5), rule 2 from the drop-in.
        let lines = [(0, 3), (0, 5), (1, 7)];
        assert_eq!(
            locate("line 2: unknown user `x`", &paths, &lines),
            "/etc/cgrules.d/b:7: unknown user `x`"
        );
        assert_eq!(
            locate("line 0: unknown group `g`", &paths, &lines),
            "/etc/cgrules.conf:3: unknown group `g`"
        );
        assert_eq!(locate("odd", &paths, &lines), "odd");
    }

    /// A fake cgroup v2 hierarchy under a temporary directory, and a stand-in for /etc.
    fn fixture(rules: &[(&str, &str)]) -> (tempfile::TempDir, Cgroups, RuleFiles) {
        let dir = tempfile::tempdir().unwrap();
        let mount = dir.path().join("sys/fs/cgroup");
        std::fs::create_dir_all(mount.join("jobs")).unwrap();
        std::fs::write(mount.join("cgroup.controllers"), "cpu memory\n").unwrap();
        std::fs::write(mount.join("cgroup.subtree_control"), "cpu memory\n").unwrap();
        let etc = dir.path().join("etc");
        std::fs::create_dir_all(etc.join("cgrules.d")).unwrap();
        for (name, text) in rules {
            std::fs::write(etc.join(name), text).unwrap();
        }
        let mountinfo = "26 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
        let cg = Cgroups::from_sources(mountinfo, None, dir.path()).unwrap();
        (dir, cg, RuleFiles { etc })
    }

    fn accounts() -> FileAccounts {
        FileAccounts::parse(
            "alice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/:/bin/sh\n",
            "alice:x:1000:\nbob:x:1001:\nstaff:x:50:bob\n",
        )
    }

    #[test]
    fn the_decision_path_follows_the_rules_of_every_file() {
        let (_dir, cg, files) = fixture(&[
            (
                "cgrules.conf",
                "alice:rsync  cpu  jobs/sync\n%  memory  jobs/mem\nghost  cpu  x/\n",
            ),
            (
                "cgrules.d/10-staff",
                "\n@staff  cpu,memory  users/%u\n*  cpu  jobs/\n",
            ),
        ]);
        let mut rules = ByRules::load_with(&cg, files, accounts()).unwrap();
        assert_eq!(rules.warnings.len(), 1, "{:?}", rules.warnings);
        assert!(
            rules.warnings[0]
                .ends_with("cgrules.conf:3: unknown user `ghost`: the rule is skipped"),
            "{:?}",
            rules.warnings
        );
        // alice running rsync: the rule and its `%` line.
        let alice = rules.command(std::process::id(), 1000, 1000, "/usr/bin/rsync");
        assert_eq!(alice.user.as_deref(), Some("alice"));
        let Ok(Decision::Move(places)) = rules.decide(&alice) else {
            panic!("alice's rsync moves")
        };
        let groups: Vec<&str> = places.iter().map(|p| p.group.as_str()).collect();
        assert_eq!(groups, ["jobs/sync", "jobs/mem"]);
        // bob is listed in staff: the template destination, expanded with his name.
        let bob = rules.command(std::process::id(), 1001, 1001, "vim");
        let Ok(Decision::Move(places)) = rules.decide(&bob) else {
            panic!("bob is staff")
        };
        assert_eq!(places[0].group, "users/bob");
        assert_eq!(places[0].template.as_deref(), Some("users/%u"));
        // Anyone else: the `*` rule; an existing group without variables is not created.
        let other = rules.command(std::process::id(), 4242, 4242, "vim");
        assert_eq!(other.user, None);
        let Ok(Decision::Move(places)) = rules.decide(&other) else {
            panic!("the * rule")
        };
        assert_eq!(places[0].group, "jobs/");
        assert!(rules.group(&places[0]).is_ok_and(|g| g.exists()));
    }

    #[test]
    fn a_missing_or_bad_rules_file_fails_with_its_location() {
        let (_dir, cg, files) = fixture(&[]);
        let err = ByRules::load_with(&cg, files, accounts()).err().unwrap();
        assert!(err.contains("cgrules.conf"), "{err}");
        let (_dir, cg, files) = fixture(&[
            ("cgrules.conf", "*  cpu  a/\n"),
            ("cgrules.d/b", "alice cpu\n"),
        ]);
        let err = ByRules::load_with(&cg, files, accounts()).err().unwrap();
        assert!(err.contains("cgrules.d/b:1:"), "{err}");
    }

    #[test]
    fn templates_come_from_the_files_cgconfigparser_reads_and_a_bad_one_gives_none() {
        let template = |name: &str| format!("template {name} {{ cpu {{ }} }}\n");
        let (dir, cg, files) = fixture(&[("cgrules.conf", "*  cpu  a/\n")]);
        let etc = dir.path().join("etc");
        std::fs::create_dir_all(etc.join("cgconfig.d/dir.conf")).unwrap();
        for (name, text) in [
            ("cgconfig.conf", template("main/%u")),
            ("cgconfig.d/20-b.conf", template("b/%u")),
            ("cgconfig.d/10-a.conf", template("a/%u")),
            ("cgconfig.d/.hidden.conf", template("hidden/%u")),
            ("cgconfig.d/30-c.conf.bak", template("backup/%u")),
            ("cgconfig.d/40-bad.conf", "template x/%u {\n".to_string()),
        ] {
            std::fs::write(etc.join(name), text).unwrap();
        }
        let mut rules = ByRules::load_with(&cg, files, accounts()).unwrap();
        let names: Vec<String> = rules
            .templates()
            .iter()
            .map(|t| t.name.value.clone())
            .collect();
        assert_eq!(names, ["main/%u", "a/%u", "b/%u"]);
    }
}
