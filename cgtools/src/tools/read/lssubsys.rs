//! `lssubsys`: list the controllers' hierarchies.
//!
//! Based on `/proc/cgroups`, as libcgroup's: one line per mounted v1 hierarchy, its
//! controllers joined with commas in `/proc/cgroups` order, hierarchies in the order they
//! first appear there; `-i` adds the hierarchy id, `-m` the first mount point instead,
//! `-M` one line per mount point. `-a` first prints, one per line, every controller with
//! hierarchy 0 (mounted nowhere, or served by the cgroup v2 mount), and lists every
//! hierarchy even when controllers are named. Named hierarchies never appear.
//!
//! libcgroup aborts every listing with exit 82 as soon as one controller is mounted
//! nowhere (its issue #537); here the mounted hierarchies are listed regardless.

use std::path::PathBuf;

use serde::Serialize;

use crate::backend::hierarchy::{ControllerInfo, Hierarchy, Version};
use crate::tools::read::json;

/// Which mount points to print.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MountPoints {
    /// None (`lssubsys`, `lssubsys -i`).
    #[default]
    None,
    /// The first (`-m`).
    First,
    /// All of them (`-M`).
    All,
}

/// The options of `lssubsys`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// `-a`: controllers mounted nowhere too, and every hierarchy.
    pub all: bool,
    /// `-i`: hierarchy ids.
    pub ids: bool,
    /// `-m` / `-M`.
    pub mount_points: MountPoints,
    /// The controllers named on the command line (empty: all).
    pub controllers: Vec<String>,
}

/// One hierarchy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Its controllers.
    pub controllers: Vec<String>,
    /// The v1 hierarchy id of `/proc/cgroups`; `null` for the v2 mount.
    pub id: Option<u32>,
    /// 1 or 2.
    pub version: u8,
    /// Where it is mounted, the first mount first; empty when it is mounted only outside
    /// this mount namespace.
    pub mount_points: Vec<PathBuf>,
}

/// What lssubsys found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// `-a`: the controllers of hierarchy 0, in `/proc/cgroups` order.
    pub flat: Vec<String>,
    /// The v1 hierarchies to print.
    pub v1: Vec<Row>,
    /// The cgroup v2 mount, when it serves controllers and is selected (JSON only: the
    /// text lists its controllers in `flat`, as libcgroup does).
    pub v2: Option<Row>,
    /// `-a`: controllers the kernel has that no hierarchy serves.
    pub unmounted: Vec<String>,
    /// Named controllers the kernel does not know.
    pub unknown: Vec<String>,
}

fn mounts_of(h: &Hierarchy) -> Vec<PathBuf> {
    std::iter::once(h.mount_point().to_path_buf())
        .chain(h.other_mounts().iter().cloned())
        .collect()
}

/// Builds the report from the mounted `hierarchies` and the kernel's controllers `known`
/// (`/proc/cgroups`; when it is unreadable, the mounted v1 hierarchies stand in).
pub fn report(hierarchies: &[Hierarchy], known: &[ControllerInfo], options: &Options) -> Report {
    let selected = |names: &[String]| {
        options.all
            || options.controllers.is_empty()
            || names.iter().any(|n| options.controllers.contains(n))
    };
    let mut report = Report::default();
    let served = |name: &str| hierarchies.iter().any(|h| h.has_controller(name));
    if known.is_empty() {
        // No /proc/cgroups: the mount table is all there is.
        for h in hierarchies {
            if h.controllers().is_empty() {
                continue;
            }
            match h.version() {
                Version::V1 if selected(h.controllers()) => report.v1.push(Row {
                    controllers: h.controllers().to_vec(),
                    id: h.id(),
                    version: 1,
                    mount_points: mounts_of(h),
                }),
                Version::V2 if options.all => report.flat.extend(h.controllers().to_vec()),
                _ => {}
            }
        }
    } else {
        let mut ids: Vec<u32> = Vec::new();
        for row in known {
            if row.hierarchy == 0 {
                if options.all {
                    report.flat.push(row.name.clone());
                    if !served(&row.name) {
                        report.unmounted.push(row.name.clone());
                    }
                }
            } else if selected(std::slice::from_ref(&row.name)) && !ids.contains(&row.hierarchy) {
                ids.push(row.hierarchy);
            }
        }
        for id in ids {
            let controllers: Vec<String> = known
                .iter()
                .filter(|k| k.hierarchy == id)
                .map(|k| k.name.clone())
                .collect();
            let mount = hierarchies.iter().find(|h| {
                h.version() == Version::V1
                    && controllers.first().is_some_and(|c| h.has_controller(c))
            });
            report.v1.push(Row {
                controllers,
                id: Some(id),
                version: 1,
                mount_points: mount.map(mounts_of).unwrap_or_default(),
            });
        }
        for name in &options.controllers {
            if !known.iter().any(|k| &k.name == name) {
                report.unknown.push(name.clone());
            }
        }
    }
    report.v2 = hierarchies
        .iter()
        .find(|h| h.version() == Version::V2 && !h.controllers().is_empty())
        .filter(|h| selected(h.controllers()))
        .map(|h| Row {
            controllers: h.controllers().to_vec(),
            id: None,
            version: 2,
            mount_points: mounts_of(h),
        });
    report
}

/// The report as libcgroup's lssubsys prints it.
pub fn format_text(report: &Report, options: &Options) -> String {
    let mut out = String::new();
    for name in &report.flat {
        out.push_str(name);
        out.push('\n');
    }
    for row in &report.v1 {
        let names = row.controllers.join(",");
        match options.mount_points {
            MountPoints::None if options.ids => {
                out.push_str(&format!("{names} {}\n", row.id.unwrap_or(0)));
            }
            MountPoints::None => out.push_str(&format!("{names}\n")),
            MountPoints::First => {
                if let Some(mount) = row.mount_points.first() {
                    out.push_str(&format!("{names} {}\n", mount.display()));
                }
            }
            MountPoints::All => {
                for mount in &row.mount_points {
                    out.push_str(&format!("{names} {}\n", mount.display()));
                }
            }
        }
    }
    out
}

/// `--json`: the schema documented in lssubsys's `--help`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Document {
    /// The selected hierarchies serving controllers: v1 ones, then the v2 mount.
    pub hierarchies: Vec<Row>,
    /// With `-a`: controllers the kernel has that no hierarchy serves.
    pub unmounted: Vec<String>,
}

/// The JSON document for `report`.
pub fn json_document(report: &Report) -> String {
    let mut hierarchies = report.v1.clone();
    hierarchies.extend(report.v2.clone());
    json(&Document {
        hierarchies,
        unmounted: report.unmounted.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::discovery::{parse_proc_cgroups, Layout};

    /// This very host: separate v1 mounts, name=systemd, hugetlb on the v2 mount, and
    /// net_cls, perf_event, net_prio mounted nowhere.
    const MOUNTINFO: &str = "\
32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
50 31 0:32 / /mnt/memory rw - cgroup cgroup rw,memory
";
    const PROC_CGROUPS: &str = "\
#subsys_name\thierarchy\tnum_cgroups\tenabled
cpuset\t3\t1\t1
cpu\t1\t1\t1
cpuacct\t2\t1\t1
blkio\t7\t1\t1
memory\t4\t51\t1
devices\t5\t1\t1
freezer\t6\t1\t1
net_cls\t0\t1\t1
perf_event\t0\t1\t1
net_prio\t0\t1\t1
hugetlb\t0\t1\t1
pids\t8\t1\t1
";

    fn layout() -> (tempfile::TempDir, Layout) {
        let dir = tempfile::tempdir().unwrap();
        let unified = dir.path().join("sys/fs/cgroup/unified");
        std::fs::create_dir_all(&unified).unwrap();
        std::fs::write(unified.join("cgroup.controllers"), "hugetlb\n").unwrap();
        let layout = Layout::from_sources(MOUNTINFO, Some(PROC_CGROUPS), dir.path()).unwrap();
        (dir, layout)
    }

    fn text(options: Options) -> String {
        let (_d, layout) = layout();
        let r = report(layout.hierarchies(), layout.known_controllers(), &options);
        format_text(&r, &options)
    }

    #[test]
    fn unmounted_controllers_do_not_stop_the_listing() {
        assert_eq!(
            text(Options::default()),
            "cpuset\ncpu\ncpuacct\nblkio\nmemory\ndevices\nfreezer\npids\n"
        );
        let all_m = Options {
            all: true,
            mount_points: MountPoints::First,
            ..Options::default()
        };
        assert_eq!(
            text(all_m),
            "net_cls\nperf_event\nnet_prio\nhugetlb\ncpuset /sys/fs/cgroup/cpuset\n\
             cpu /sys/fs/cgroup/cpu\ncpuacct /sys/fs/cgroup/cpuacct\nblkio /sys/fs/cgroup/blkio\n\
             memory /sys/fs/cgroup/memory\ndevices /sys/fs/cgroup/devices\n\
             freezer /sys/fs/cgroup/freezer\npids /sys/fs/cgroup/pids\n"
        );
    }

    #[test]
    fn ids_mount_points_and_named_controllers() {
        let named = |names: &[&str]| names.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            text(Options {
                ids: true,
                controllers: named(&["memory", "cpu"]),
                ..Options::default()
            }),
            "cpu 1\nmemory 4\n"
        );
        assert_eq!(
            text(Options {
                mount_points: MountPoints::All,
                controllers: named(&["memory"]),
                ..Options::default()
            }),
            "memory /sys/fs/cgroup/memory\nmemory /mnt/memory\n"
        );
        // A controller on the v2 mount has hierarchy 0: only -a shows it (as libcgroup).
        assert_eq!(
            text(Options {
                mount_points: MountPoints::First,
                controllers: named(&["hugetlb"]),
                ..Options::default()
            }),
            ""
        );
        let (_d, layout) = layout();
        let options = Options {
            controllers: named(&["nosuch", "net_cls"]),
            ..Options::default()
        };
        let r = report(layout.hierarchies(), layout.known_controllers(), &options);
        assert_eq!(r.unknown, ["nosuch"]);
        assert_eq!(format_text(&r, &options), "");
    }

    #[test]
    fn co_mounted_controllers_share_a_line() {
        let dir = tempfile::tempdir().unwrap();
        let mountinfo =
            "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n";
        let known = parse_proc_cgroups(
            "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t2\t1\t1\ncpuacct\t2\t1\t1\n",
        );
        let layout = Layout::from_sources(mountinfo, None, dir.path()).unwrap();
        let options = Options {
            ids: true,
            ..Options::default()
        };
        let r = report(layout.hierarchies(), &known, &options);
        assert_eq!(format_text(&r, &options), "cpu,cpuacct 2\n");
        // Without /proc/cgroups the mount table stands in.
        let r = report(layout.hierarchies(), &[], &Options::default());
        assert_eq!(format_text(&r, &Options::default()), "cpu,cpuacct\n");
        // Without any mount, -a still lists the kernel's controllers.
        let all = Options {
            all: true,
            ..Options::default()
        };
        let known = parse_proc_cgroups("#h\ncpu\t0\t1\t1\nmemory\t0\t1\t1\n");
        assert_eq!(
            format_text(&report(&[], &known, &all), &all),
            "cpu\nmemory\n"
        );
    }

    #[test]
    fn json_separates_the_v2_mount_from_controllers_mounted_nowhere() {
        let (_d, layout) = layout();
        let options = Options {
            all: true,
            controllers: vec!["memory".into()],
            ..Options::default()
        };
        let mut r = report(layout.hierarchies(), layout.known_controllers(), &options);
        r.v1.retain(|row| row.controllers == ["memory"]);
        insta::assert_snapshot!(json_document(&r), @r#"
        {
          "hierarchies": [
            {
              "controllers": [
                "memory"
              ],
              "id": 4,
              "version": 1,
              "mount_points": [
                "/sys/fs/cgroup/memory",
                "/mnt/memory"
              ]
            },
            {
              "controllers": [
                "hugetlb"
              ],
              "id": null,
              "version": 2,
              "mount_points": [
                "/sys/fs/cgroup/unified"
              ]
            }
          ],
          "unmounted": [
            "net_cls",
            "perf_event",
            "net_prio"
          ]
        }
        "#);
    }
}
