//! `lscgroup`: list groups as `controllers:/path`, one line per group.
//!
//! Without a group spec every hierarchy is listed from its root; with
//! `controllers:path` specs, each hierarchy serving one of the controllers is listed from
//! that path. Within a hierarchy the walk is pre-order (the start group first), children
//! sorted by name. The prefix is the hierarchy's controllers joined with commas in
//! mount-table order (`cpu,cpuacct`), `name=X` for a named hierarchy, and for the cgroup v2
//! mount the controllers its root lists. As libcgroup prints it, a non-root start group
//! carries a trailing `/` (`cpu:/web/`) and the groups below it do not.
//!
//! Differences from libcgroup, on purpose: children are sorted (libcgroup: directory
//! order); a spec naming controllers on several hierarchies lists all of them (libcgroup
//! stops after the first); named hierarchies are listed (Debian builds libcgroup with
//! `name=systemd` hidden); `*:path` lists every hierarchy and `:path` the v2 mount; a spec
//! whose group does not exist gets a note on stderr (the exit status stays 0, as
//! libcgroup's).

use std::path::PathBuf;

use serde::Serialize;

use crate::backend::cgroups::Cgroups;
use crate::backend::error::{Error, ErrorKind, Op};
use crate::backend::group_path::GroupPath;
use crate::backend::hierarchy::{Hierarchy, Version};
use crate::tools::cmdline::{Controllers, GroupSpec};
use crate::tools::read::{json, ToolError};

/// One hierarchy walked from a start group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing<'a> {
    /// The hierarchy.
    pub hierarchy: &'a Hierarchy,
    /// Where the walk started.
    pub start: GroupPath,
    /// The start group and everything below it, pre-order.
    pub groups: Vec<GroupPath>,
}

/// What one spec (or the whole host) produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report<'a> {
    /// The listings, in mount-table order of their hierarchies.
    pub listings: Vec<Listing<'a>>,
    /// Failures to report on stderr; the first decides the exit status.
    pub errors: Vec<ToolError>,
    /// Remarks for stderr that do not change the exit status (a group that does not exist).
    pub notes: Vec<String>,
}

/// The hierarchies `lscgroup` lists without a spec: all of them, except a v2 mount that
/// serves no controller (libcgroup does not see it).
fn listed_by_default(cg: &Cgroups) -> Vec<&Hierarchy> {
    cg.hierarchies()
        .iter()
        .filter(|h| h.version() == Version::V1 || !h.controllers().is_empty())
        .collect()
}

/// Lists every hierarchy from its root.
pub fn list_all(cg: &Cgroups) -> Report<'_> {
    let mut report = Report::default();
    for h in listed_by_default(cg) {
        walk_into(cg, h, &GroupPath::root(), "/", &mut report);
    }
    report
}

/// Lists the hierarchies of `spec`'s controllers from its path.
pub fn list_spec<'a>(cg: &'a Cgroups, spec: &GroupSpec) -> Report<'a> {
    let mut report = Report::default();
    let path = match spec.group_path() {
        Ok(path) => path,
        Err(e) => {
            report.errors.push(ToolError::new(
                format!("cannot find group {}", spec_text(spec)),
                e.in_op(Op::List),
            ));
            return report;
        }
    };
    let hierarchies: Vec<&Hierarchy> = match &spec.controllers {
        Controllers::All => listed_by_default(cg),
        Controllers::Named(names) if names.is_empty() => match cg.layout().unified() {
            Some(h) => vec![h],
            None => {
                report
                    .errors
                    .push(unknown_controller(cg, "cgroup", &spec.path));
                return report;
            }
        },
        Controllers::Named(names) => {
            for name in names {
                if !cg.hierarchies().iter().any(|h| serves(h, name)) {
                    report.errors.push(unknown_controller(cg, name, &spec.path));
                }
            }
            cg.hierarchies()
                .iter()
                .filter(|h| names.iter().any(|n| serves(h, n)))
                .collect()
        }
    };
    for h in hierarchies {
        walk_into(cg, h, &path, &spec.path, &mut report);
    }
    // `*` asks for whichever hierarchies have the group: only its total absence is news.
    if spec.controllers == Controllers::All && !report.notes.is_empty() {
        report.notes.clear();
        if report.listings.is_empty() {
            report.notes.push(format!(
                "group {} does not exist in any hierarchy",
                spec_text(spec)
            ));
        }
    }
    report
}

/// Whether `h` is the hierarchy `controller` is listed under: the one serving it, or the
/// named hierarchy `name=X`.
fn serves(h: &Hierarchy, controller: &str) -> bool {
    h.has_controller(controller)
}

fn spec_text(spec: &GroupSpec) -> String {
    let controllers = match &spec.controllers {
        Controllers::All => "*".to_string(),
        Controllers::Named(names) => names.join(","),
    };
    format!("{controllers}:{}", spec.path)
}

fn unknown_controller(cg: &Cgroups, controller: &str, path: &str) -> ToolError {
    let error = match cg.hierarchy_for(controller) {
        Err(e) => e,
        // Served, yet no hierarchy matched (cannot happen with one layout): say so plainly.
        Ok(_) => Error::new(
            ErrorKind::ControllerNotMounted {
                controller: controller.to_string(),
            },
            Op::List,
        ),
    };
    ToolError::new(
        format!("cannot find group {controller}..:{path}"),
        error.in_op(Op::List),
    )
}

fn walk_into<'a>(
    cg: &'a Cgroups,
    hierarchy: &'a Hierarchy,
    start: &GroupPath,
    given: &str,
    report: &mut Report<'a>,
) {
    let result = cg.cgroup(hierarchy, start).and_then(|cgroup| cgroup.walk());
    match result {
        Ok(groups) => report.listings.push(Listing {
            hierarchy,
            start: start.clone(),
            groups,
        }),
        Err(e) if matches!(e.kind(), ErrorKind::GroupMissing { .. }) => report.notes.push(format!(
            "group {}:{given} does not exist ({})",
            hierarchy.label(),
            hierarchy.fs_path().join(start.as_relative()).display()
        )),
        Err(e) => report.errors.push(ToolError::new(
            format!("cannot list group {}:{given}", hierarchy.label()),
            e,
        )),
    }
}

/// The listings as libcgroup prints them: `controllers:/path` per group.
pub fn format_text(listings: &[Listing<'_>]) -> String {
    let mut out = String::new();
    for listing in listings {
        let label = listing.hierarchy.label();
        for group in &listing.groups {
            out.push_str(&label);
            out.push(':');
            out.push_str(&group.to_string());
            if group == &listing.start && !group.is_root() {
                out.push('/');
            }
            out.push('\n');
        }
    }
    out
}

/// One group in the JSON document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JsonGroup {
    /// The hierarchy's controllers (`name=X` for a named hierarchy, `cgroup` for a v2
    /// mount serving none), as the text output joins them.
    pub controllers: Vec<String>,
    /// The group's path from the hierarchy root: `/`, `/a/b` (no trailing `/`).
    pub path: String,
    /// 1 or 2.
    pub version: u8,
    /// Where the hierarchy is mounted.
    pub mount_point: PathBuf,
}

/// `--json`: the schema documented in lscgroup's `--help`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Document {
    /// Every group listed, in output order.
    pub cgroups: Vec<JsonGroup>,
}

/// The JSON document for `listings`.
pub fn json_document(listings: &[Listing<'_>]) -> String {
    let mut cgroups = Vec::new();
    for listing in listings {
        let controllers: Vec<String> = listing
            .hierarchy
            .label()
            .split(',')
            .map(str::to_string)
            .collect();
        for group in &listing.groups {
            cgroups.push(JsonGroup {
                controllers: controllers.clone(),
                path: group.to_string(),
                version: listing.hierarchy.version().number(),
                mount_point: listing.hierarchy.mount_point().to_path_buf(),
            });
        }
    }
    json(&Document { cgroups })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::cmdline::parse_group_spec;
    use std::fs;

    /// A fake host: v1 cpu,cpuacct co-mounted, memory, name=systemd, and a v2 mount
    /// serving hugetlb; groups `web/b`, `web/a/x` in cpu, `web` in memory.
    fn host() -> (tempfile::TempDir, Cgroups) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sys/fs/cgroup");
        for d in [
            "cpu,cpuacct/web/b",
            "cpu,cpuacct/web/a/x",
            "memory/web",
            "systemd/init.scope",
            "unified/u",
        ] {
            fs::create_dir_all(root.join(d)).unwrap();
        }
        fs::write(root.join("unified/cgroup.controllers"), "hugetlb\n").unwrap();
        let mountinfo = "\
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
";
        let cg = Cgroups::from_sources(mountinfo, None, dir.path()).unwrap();
        (dir, cg)
    }

    #[test]
    fn whole_host_pre_order_sorted() {
        let (_d, cg) = host();
        let report = list_all(&cg);
        assert!(report.errors.is_empty() && report.notes.is_empty());
        assert_eq!(
            format_text(&report.listings),
            "cpu,cpuacct:/\ncpu,cpuacct:/web\ncpu,cpuacct:/web/a\ncpu,cpuacct:/web/a/x\n\
             cpu,cpuacct:/web/b\nmemory:/\nmemory:/web\nname=systemd:/\n\
             name=systemd:/init.scope\nhugetlb:/\nhugetlb:/u\n"
        );
    }

    #[test]
    fn a_spec_starts_at_its_path_with_a_trailing_slash() {
        let (_d, cg) = host();
        let report = list_spec(&cg, &parse_group_spec("cpuacct,memory:web/").unwrap());
        assert_eq!(
            format_text(&report.listings),
            "cpu,cpuacct:/web/\ncpu,cpuacct:/web/a\ncpu,cpuacct:/web/a/x\ncpu,cpuacct:/web/b\n\
             memory:/web/\n"
        );
        let report = list_spec(&cg, &parse_group_spec("cpu:/").unwrap());
        assert!(format_text(&report.listings).starts_with("cpu,cpuacct:/\ncpu,cpuacct:/web\n"));
        let report = list_spec(&cg, &parse_group_spec(":/").unwrap());
        assert_eq!(format_text(&report.listings), "hugetlb:/\nhugetlb:/u\n");
        let report = list_spec(&cg, &parse_group_spec("name=systemd:/").unwrap());
        assert_eq!(
            format_text(&report.listings),
            "name=systemd:/\nname=systemd:/init.scope\n"
        );
    }

    #[test]
    fn unknown_controllers_fail_and_missing_groups_are_noted() {
        let (_d, cg) = host();
        let report = list_spec(&cg, &parse_group_spec("foo,memory:/web").unwrap());
        assert_eq!(format_text(&report.listings), "memory:/web/\n");
        assert_eq!(report.errors.len(), 1);
        assert_eq!(report.errors[0].context, "cannot find group foo..:/web");
        assert_eq!(report.errors[0].exit_code(), 93);
        let report = list_spec(&cg, &parse_group_spec("memory:/nope").unwrap());
        assert!(report.listings.is_empty() && report.errors.is_empty());
        assert!(report.notes[0].starts_with("group memory:/nope does not exist"));
        let report = list_spec(&cg, &parse_group_spec("*:/web/a").unwrap());
        assert_eq!(
            format_text(&report.listings),
            "cpu,cpuacct:/web/a/\ncpu,cpuacct:/web/a/x\n"
        );
        assert!(report.notes.is_empty());
        let report = list_spec(&cg, &parse_group_spec("*:/nope").unwrap());
        assert_eq!(
            report.notes,
            ["group *:/nope does not exist in any hierarchy"]
        );
        let report = list_spec(&cg, &parse_group_spec("memory:a/../b").unwrap());
        assert_eq!(report.errors[0].exit_code(), 91);
    }

    #[test]
    fn json_lists_every_group_with_its_hierarchy() {
        let (_d, cg) = host();
        let report = list_spec(&cg, &parse_group_spec("memory:/").unwrap());
        insta::assert_snapshot!(json_document(&report.listings), @r#"
        {
          "cgroups": [
            {
              "controllers": [
                "memory"
              ],
              "path": "/",
              "version": 1,
              "mount_point": "/sys/fs/cgroup/memory"
            },
            {
              "controllers": [
                "memory"
              ],
              "path": "/web",
              "version": 1,
              "mount_point": "/sys/fs/cgroup/memory"
            }
          ]
        }
        "#);
    }
}
