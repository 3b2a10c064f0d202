//! Reading the configuration: the main file and the drop-ins, each loaded and checked
//! with the shared engine ([`cgtools::check::load_in`]), merged into one desired state.
//!
//! The whole set of files is one unit: a file's `default` section applies to the files
//! after it (libcgroup's process-wide default), a group may be named in several files
//! (later values win, as applying them in order would give), and one error anywhere
//! refuses the whole set, so that a half-edited configuration never removes or changes
//! anything.

use crate::placement::{Mode, Placement};
use cgtools::check::{load_in, FileError, SystemAccounts};
use cgtools::config_files::conf_files_in;
use cgtools::desired::DesiredCgroup;
use cgtools::values::HostFacts;
use cgtools::{Cgroups, GroupPath, Permissions, Version};
use grammar::diagnostic::{io_reason, render_all};
use grammar::Diagnostic;
use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};

/// The files to read.
#[derive(Clone, Debug)]
pub struct Sources {
    /// The main file (a missing one counts as empty).
    pub config: PathBuf,
    /// The drop-in directory (a missing one has no files).
    pub dropins: PathBuf,
}

/// What the files ask for, merged.
#[derive(Clone, Debug, Default)]
pub struct Desired {
    /// Group directories, parents first.
    pub cgroups: Vec<DesiredCgroup>,
    /// The files read, in order.
    pub files: Vec<PathBuf>,
    /// Whether the main file was missing.
    pub main_missing: bool,
}

impl Desired {
    /// How many groups (distinct paths, whatever their hierarchies).
    pub fn groups(&self) -> usize {
        self.cgroups
            .iter()
            .map(|c| &c.path)
            .collect::<HashSet<_>>()
            .len()
    }
}

/// Why the files cannot be used; nothing was changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// The errors as the tools print them (`file:line:col`, the line, a caret, a hint).
    pub report: String,
    /// One line per error: `file:line:col: error: message (hint: ...)`.
    pub lines: Vec<String>,
}

impl Refused {
    fn message(text: String) -> Refused {
        Refused {
            report: format!("{text}\n"),
            lines: vec![text],
        }
    }

    /// The first error, and how many more, on one line (for `STATUS=`).
    pub fn summary(&self) -> String {
        let first = self.lines.first().cloned().unwrap_or_default();
        match self.lines.len() {
            0 | 1 => first,
            n => format!("{first} (and {} more)", n - 1),
        }
    }
}

impl Sources {
    /// The files in reading order, and whether the main file is missing.
    pub fn files(&self) -> Result<(Vec<PathBuf>, bool), Refused> {
        let mut files = Vec::new();
        let main_missing = match std::fs::metadata(&self.config) {
            Ok(_) => {
                files.push(self.config.clone());
                false
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => true,
            Err(e) => {
                return Err(Refused::message(format!(
                    "cannot read {}: {}",
                    self.config.display(),
                    io_reason(&e)
                )))
            }
        };
        match conf_files_in(&self.dropins) {
            Ok(found) => files.extend(found),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Refused::message(format!(
                    "cannot read {}: {}",
                    self.dropins.display(),
                    io_reason(&e)
                )))
            }
        }
        Ok((files, main_missing))
    }
}

/// Loads and checks every file; merges them.
pub fn load(
    cg: &Cgroups,
    host: &HostFacts,
    placement: &Placement,
    sources: &Sources,
) -> Result<Desired, Refused> {
    let (files, main_missing) = sources.files()?;
    // Looked up afresh on every load: an account added since the last one must be found.
    let mut accounts = SystemAccounts::default();
    let mut defaults = Permissions::default();
    let mut refused = Refused {
        report: String::new(),
        lines: Vec::new(),
    };
    let mut merged: Vec<DesiredCgroup> = Vec::new();
    let mut slots: HashMap<(usize, GroupPath), usize> = HashMap::new();
    for file in &files {
        let loaded = match load_in(file, cg, host, &defaults, &mut accounts, &placement.roots) {
            Ok(loaded) => loaded,
            Err(FileError::Unreadable(reason)) => {
                refused.report.push_str(&reason);
                refused.report.push('\n');
                refused.lines.push(reason);
                continue;
            }
            Err(FileError::Invalid { report, .. }) => {
                refused.lines.extend(one_line_errors(&report));
                refused.report.push_str(&report);
                continue;
            }
        };
        let problems = placement_problems(cg, placement, &loaded.state.cgroups);
        if !problems.is_empty() {
            let report = render_all(&problems, &loaded.source);
            refused.lines.extend(one_line_errors(&report));
            refused.report.push_str(&report);
            continue;
        }
        defaults = loaded.state.defaults_after.clone();
        for cgroup in loaded.state.cgroups {
            let key = (cgroup.hierarchy, cgroup.path.clone());
            match slots.get(&key) {
                Some(&i) => merge(&mut merged[i], cgroup),
                None => {
                    slots.insert(key, merged.len());
                    merged.push(cgroup);
                }
            }
        }
    }
    if !refused.lines.is_empty() {
        return Err(refused);
    }
    // Parents first, otherwise file order (a stable sort), as the engine plans.
    merged.sort_by_key(|c| c.path.depth());
    Ok(Desired {
        cgroups: merged,
        files,
        main_missing,
    })
}

/// A later file's section for a group an earlier file named: what applying both in order
/// would leave.
fn merge(into: &mut DesiredCgroup, later: DesiredCgroup) {
    let p = &mut into.permissions;
    let q = later.permissions;
    p.admin.uid = q.admin.uid.or(p.admin.uid);
    p.admin.gid = q.admin.gid.or(p.admin.gid);
    p.task.uid = q.task.uid.or(p.task.uid);
    p.task.gid = q.task.gid.or(p.task.gid);
    p.dir_mode = q.dir_mode.or(p.dir_mode);
    p.file_mode = q.file_mode.or(p.file_mode);
    p.task_mode = q.task_mode.or(p.task_mode);
    for controller in later.controllers {
        if !into.controllers.contains(&controller) {
            into.controllers.push(controller);
        }
    }
    for setting in later.settings {
        into.settings.retain(|s| s.name != setting.name);
        into.settings.push(setting);
    }
}

/// Delegated mode's limits, as located errors: the supervisor leaf and systemd's
/// `.control` are not configurable, the service's own cgroup takes no settings (systemd
/// owns its attributes: use the unit's resource-control settings), and a v2 controller
/// the service's cgroup does not have would need a write above it.
fn placement_problems(
    cg: &Cgroups,
    placement: &Placement,
    cgroups: &[DesiredCgroup],
) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    if placement.mode != Mode::Delegated {
        return problems;
    }
    for c in cgroups {
        let label = cg.hierarchies()[c.hierarchy].label();
        if let Some((_, reserved)) = placement
            .reserved
            .iter()
            .find(|(h, r)| *h == c.hierarchy && c.path.is_within(r))
        {
            problems.push(
                Diagnostic::error(
                    c.span,
                    format!(
                        "`{}` is reserved in delegated mode ({label}:{reserved} is cgconfigd's own or systemd's)",
                        c.group
                    ),
                )
                .with_hint("give the group another name"),
            );
            continue;
        }
        if placement.unit.as_ref() == Some(&c.path)
            && (!c.settings.is_empty() || c.permissions != Permissions::default())
        {
            problems.push(
                Diagnostic::error(
                    c.span,
                    format!(
                        "`{}` is the service's own cgroup ({label}:{}), whose settings belong to systemd",
                        c.group, c.path
                    ),
                )
                .with_hint("set its limits in the unit (MemoryMax=, CPUWeight=, ...) or name a group below it"),
            );
            continue;
        }
        if cg.hierarchies()[c.hierarchy].version() == Version::V2 {
            let available = placement.controllers.get(&c.hierarchy);
            let missing: Vec<&str> = c
                .controllers
                .iter()
                .filter(|ctrl| !available.is_some_and(|a| a.contains(ctrl)))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                problems.push(
                    Diagnostic::error(
                        c.span,
                        format!(
                            "controller{} {} of `{}` not delegated to cgconfigd's service",
                            if missing.len() == 1 { "" } else { "s" },
                            missing
                                .iter()
                                .map(|m| format!("`{m}`"))
                                .collect::<Vec<_>>()
                                .join(", "),
                            c.group
                        ),
                    )
                    .with_hint(format!(
                        "its cgroup.controllers lists {}; delegate more with Delegate=yes (or Delegate={}) in the unit",
                        available
                            .filter(|a| !a.is_empty())
                            .map_or("none".to_string(), |a| a.join(" ")),
                        missing.join(" ")
                    )),
                );
            }
        }
    }
    // The desired state is in depth order; errors are read in file order.
    problems.sort_by_key(|d| d.span.start);
    problems
}

/// The headlines of a rendered report (`file:line:col: error: message`), each with its
/// hint, one line per error. The renderer puts headlines at the start of a line and
/// everything else (source line, caret, hint) indented.
pub fn one_line_errors(report: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in report.lines() {
        if line.is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            out.push(line.to_string());
        } else if let Some(hint) = line.trim_start().strip_prefix("= hint: ") {
            if let Some(last) = out.last_mut() {
                last.push_str(&format!(" (hint: {hint})"));
            }
        }
    }
    out
}

/// Whether `path` names a file the loader would read from the drop-in directory.
pub fn is_dropin_name(name: &std::ffi::OsStr) -> bool {
    let bytes = name.as_encoded_bytes();
    bytes.len() > ".conf".len() && bytes.ends_with(b".conf") && !bytes.starts_with(b".")
}

/// The file names as one phrase for the log (`a.conf + 2 drop-ins`).
pub fn describe_files(files: &[PathBuf], main: &Path) -> String {
    let dropins = files.iter().filter(|f| f.as_path() != main).count();
    let main_read = files.iter().any(|f| f.as_path() == main);
    match (main_read, dropins) {
        (true, 0) => main.display().to_string(),
        (true, n) => format!(
            "{} + {n} drop-in{}",
            main.display(),
            if n == 1 { "" } else { "s" }
        ),
        (false, 0) => "no files".to_string(),
        (false, n) => format!("{n} drop-in{}", if n == 1 { "" } else { "s" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use grammar::SourceFile;

    #[test]
    fn one_line_per_error_with_its_hint() {
        let src = SourceFile::new("a.conf", "group x {\n\tcpu { cpu.shares = 1:2; }\n}\n");
        let errors = grammar::cgconfig::parse(&src).unwrap_err();
        let report = render_all(&errors, &src);
        let lines = one_line_errors(&report);
        assert_eq!(lines.len(), errors.len());
        assert!(
            lines[0].starts_with("a.conf:2:22: error: unexpected `:`"),
            "{lines:?}"
        );
        assert!(lines[0].contains("(hint: "), "{lines:?}");
        let refused = Refused {
            report,
            lines: vec!["a".into(), "b".into(), "c".into()],
        };
        assert_eq!(refused.summary(), "a (and 2 more)");
    }

    #[test]
    fn delegated_mode_refuses_what_it_must_not_write_at_its_place() {
        use crate::placement::Placement;
        use std::fs;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sys/fs/cgroup");
        let unit = root.join("system.slice/x.service");
        fs::create_dir_all(&unit).unwrap();
        fs::write(root.join("cgroup.controllers"), "memory pids").unwrap();
        fs::write(unit.join("cgroup.controllers"), "pids").unwrap();
        for file in ["pids.max", "cgroup.max.depth"] {
            fs::write(unit.join(file), "max").unwrap();
        }
        let cg = Cgroups::from_sources(
            "30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
            None,
            dir.path(),
        )
        .unwrap();
        let own = cg.membership_from("0::/system.slice/x.service\n");
        let placement = Placement::delegated(&cg, &own, &GroupPath::root(), "supervisor").unwrap();
        let config = dir.path().join("c.conf");
        fs::write(
            &config,
            "group supervisor { pids { pids.max = 5; } }\n\
             group . { pids { pids.max = 5; } }\n\
             group a { memory { } }\n\
             group b { pids { pids.max = 5; } }\n",
        )
        .unwrap();
        let sources = Sources {
            config: config.clone(),
            dropins: dir.path().join("none"),
        };
        let refused = load(&cg, &HostFacts::example(), &placement, &sources).unwrap_err();
        let at = |line: usize, col: usize| format!("{}:{line}:{col}: error: ", config.display());
        assert_eq!(refused.lines.len(), 3, "{:?}", refused.lines);
        assert!(
            refused.lines[0].starts_with(&format!(
                "{}`supervisor` is reserved in delegated mode",
                at(1, 7)
            )),
            "{:?}",
            refused.lines
        );
        assert!(
            refused.lines[1].starts_with(&format!("{}`.` is the service's own cgroup", at(2, 7))),
            "{:?}",
            refused.lines
        );
        assert!(
            refused.lines[2].starts_with(&format!(
                "{}controller `memory` of `a` not delegated to cgconfigd's service (hint: its cgroup.controllers lists pids",
                at(3, 7)
            )),
            "{:?}",
            refused.lines
        );
        // Without them, the file loads, rooted below the service's cgroup.
        fs::write(&config, "group b { pids { pids.max = 5; } }\n").unwrap();
        let desired = load(&cg, &HostFacts::example(), &placement, &sources).unwrap();
        assert_eq!(
            desired.cgroups[0].path.to_string(),
            "/system.slice/x.service/b"
        );
        assert_eq!(desired.groups(), 1);
    }

    #[test]
    fn dropin_names_follow_the_loader() {
        for (name, ok) in [
            ("10-web.conf", true),
            (".10-web.conf.swp", false),
            ("10-web.conf~", false),
            (".conf", false),
            (".hidden.conf", false),
        ] {
            assert_eq!(is_dropin_name(std::ffi::OsStr::new(name)), ok, "{name}");
        }
    }

    #[test]
    fn files_described() {
        let main = Path::new("/etc/cgconfig.conf");
        let d = PathBuf::from("/etc/cgconfig.d/a.conf");
        assert_eq!(
            describe_files(&[main.to_path_buf(), d.clone()], main),
            "/etc/cgconfig.conf + 1 drop-in"
        );
        assert_eq!(describe_files(&[d], main), "1 drop-in");
        assert_eq!(describe_files(&[], main), "no files");
    }
}
