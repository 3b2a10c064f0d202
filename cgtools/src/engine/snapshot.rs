//! cgsnapshot's model: the live tree as a cgconfig.conf syntax tree, printed by the
//! grammar's printer in libcgroup cgsnapshot's layout ([`render`]) so that the output
//! always parses back (names quoted where needed) and, applied again, recreates the same
//! groups, values, owners and modes.
//!
//! What is captured, per hierarchy (mount-table order) and group (pre-order, the root
//! excluded, children in name order): every `<controller>.*` file the owner may both read
//! and write, in name order, except what is not configuration ([`is_configuration`]:
//! counters, actions, aliases) and deny-listed names (and, with `strict`, names not
//! allow-listed); `devices.list` as `devices.deny = "a *:* rwm"` plus `devices.allow` with
//! the list, as libcgroup does; a `perm` block when owners or modes differ from what a
//! fresh group has, with the modes. The `mount` section has a line per controller of each
//! v1 hierarchy, in `/proc/cgroups` order, then its `name=` if it has one, as libcgroup
//! writes it. `docs/compat.md` lists how this differs from libcgroup's output and why.

use crate::backend::hierarchy::Version;
use crate::backend::permissions::{masked_mode, FileMeta};
use crate::backend::setting::is_configuration;
use crate::{Cgroups, GroupPath, Result};
use grammar::cgconfig::{
    self, AdminPerm, Config, Controller, Id, Mode, Mount, MountPoint, Perm, Section, Setting,
    TaskPerm,
};
use grammar::Spanned;

/// What to capture.
#[derive(Clone, Debug, Default)]
pub struct SnapshotOptions {
    /// Only hierarchies serving one of these controllers (`None`: all).
    pub controllers: Option<Vec<String>>,
    /// Setting names never captured.
    pub deny: Vec<String>,
    /// Setting names known to be wanted; with `strict`, the only ones captured.
    pub allow: Option<Vec<String>>,
    /// Capture only allow-listed names.
    pub strict: bool,
    /// Only this group and its descendants (the library's own use: tests, cgconfigd).
    pub under: Option<GroupPath>,
}

/// A snapshot and the remarks made while taking it.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The tree, ready for [`render`].
    pub config: Config,
    /// Names captured although neither deny- nor allow-listed (only when an allow list
    /// was given), and values that could not be captured.
    pub warnings: Vec<String>,
}

/// Takes a snapshot of the live tree.
pub fn snapshot(cgroups: &Cgroups, options: &SnapshotOptions) -> Result<Snapshot> {
    let mut sections = Vec::new();
    // (controller or `name=X`, mount point) of the v1 hierarchies.
    let mut points: Vec<(String, String)> = Vec::new();
    let mut warnings = Vec::new();
    let mut warned: Vec<String> = Vec::new();
    for hierarchy in cgroups.hierarchies() {
        if hierarchy.controllers().is_empty() {
            continue; // named hierarchies (name=systemd) hold no settings
        }
        if let Some(wanted) = &options.controllers {
            if !hierarchy.controllers().iter().any(|c| wanted.contains(c)) {
                continue;
            }
        }
        if hierarchy.version() == Version::V1 {
            let path = hierarchy.mount_point().display().to_string();
            for word in hierarchy
                .controllers()
                .iter()
                .cloned()
                .chain(hierarchy.name().map(|n| format!("name={n}")))
            {
                points.push((word, path.clone()));
            }
        }
        let top = options.under.clone().unwrap_or_else(GroupPath::root);
        let start = cgroups.cgroup(hierarchy, &top)?;
        if !start.exists() {
            continue;
        }
        for path in start.walk()?.into_iter().filter(|p| !p.is_root()) {
            let cgroup = cgroups.cgroup(hierarchy, &path)?;
            // Removed while we walk: not part of the snapshot.
            let (metas, ownership) = match cgroup.file_metas().and_then(|metas| {
                let ownership = cgroup.ownership()?;
                Ok((metas, ownership))
            }) {
                Ok(found) => found,
                Err(e) if gone(&e) => continue,
                Err(e) => return Err(e),
            };
            // A v2 group has the controllers its parent enables for it (its
            // `cgroup.controllers`), not every controller of the hierarchy; a group with none
            // is written with libcgroup's `cgroup` pseudo-controller, which places it in the
            // v2 mount.
            let names: Vec<String> = match hierarchy.version() {
                Version::V1 => hierarchy.controllers().to_vec(),
                Version::V2 => {
                    let enabled: Vec<String> = cgroup
                        .get("cgroup.controllers")
                        .unwrap_or_default()
                        .split_whitespace()
                        .map(str::to_string)
                        .collect();
                    if enabled.is_empty() {
                        vec!["cgroup".to_string()]
                    } else {
                        enabled
                    }
                }
            };
            let mut controllers = Vec::new();
            for controller in &names {
                let mut settings = Vec::new();
                for (name, meta) in &metas {
                    let Some(rest) = name.strip_prefix(controller.as_str()) else {
                        continue;
                    };
                    if !rest.starts_with('.') {
                        continue;
                    }
                    if name == "devices.list" {
                        if let Ok(list) = cgroup.get(name) {
                            settings.push(setting("devices.deny", "a *:* rwm"));
                            if !list.trim().is_empty() {
                                settings.push(setting("devices.allow", list.trim_end()));
                            }
                        }
                        continue;
                    }
                    if meta.mode & 0o600 != 0o600
                        || !is_configuration(name)
                        || options.deny.iter().any(|d| d == name)
                    {
                        continue;
                    }
                    let allowed = options.allow.as_ref().is_some_and(|a| a.contains(name));
                    if options.strict && !allowed {
                        continue;
                    }
                    if options.allow.is_some() && !allowed && !warned.contains(name) {
                        warnings.push(format!(
                            "variable {name} is neither deny-listed nor allow-listed"
                        ));
                        warned.push(name.clone());
                    }
                    match cgroup.get(name) {
                        Ok(value) if value.contains('"') => warnings.push(format!(
                            "{}:{path} {name}: the value contains `\"`, which cgconfig.conf cannot express; skipped",
                            hierarchy.label()
                        )),
                        Ok(value) => settings.push(setting(name, &value)),
                        // Readable by mode but refused by the kernel (e.g. no swap
                        // accounting): nothing to capture.
                        Err(_) => {}
                    }
                }
                controllers.push(Controller {
                    name: Spanned::unplaced(controller.clone()),
                    settings,
                    span: Default::default(),
                });
            }
            sections.push(Section::Group(cgconfig::Group {
                name: Spanned::unplaced(path.as_relative().to_string()),
                perm: perm_of(hierarchy.version(), &metas, ownership.dir),
                controllers,
                span: Default::default(),
            }));
        }
    }
    if !points.is_empty() {
        // libcgroup's order: the controllers as `/proc/cgroups` lists them, then the
        // names; a controller it does not list keeps its mount-table place after those.
        let known = cgroups.layout().known_controllers();
        points.sort_by_key(|(word, _)| {
            if word.starts_with("name=") {
                (2, 0)
            } else {
                match known.iter().position(|k| &k.name == word) {
                    Some(i) => (0, i),
                    None => (1, 0),
                }
            }
        });
        sections.insert(
            0,
            Section::Mount(Mount {
                points: points
                    .into_iter()
                    .map(|(word, path)| MountPoint {
                        controllers: Spanned::unplaced(word),
                        path: Spanned::unplaced(path),
                        span: Default::default(),
                    })
                    .collect(),
                span: Default::default(),
            }),
        );
    }
    Ok(Snapshot {
        config: Config { sections },
        warnings,
    })
}

/// Whether an error says the group is no longer there (removed after it was listed).
fn gone(e: &crate::Error) -> bool {
    matches!(e.kind(), crate::ErrorKind::GroupMissing { .. })
        || e.errno() == Some(nix::errno::Errno::ENOENT)
}

fn setting(name: &str, value: &str) -> Setting {
    Setting {
        name: Spanned::unplaced(name.to_string()),
        value: Spanned::unplaced(value.to_string()),
        span: Default::default(),
    }
}

/// The text cgsnapshot prints: libcgroup's header line, then the tree in libcgroup
/// cgsnapshot's layout ([`cgconfig::Layout::Cgsnapshot`]).
pub fn render(snapshot: &Snapshot) -> std::result::Result<String, cgconfig::PrintError> {
    let body = cgconfig::print_with(&snapshot.config, cgconfig::Layout::Cgsnapshot)?;
    Ok(format!(
        "# Configuration file generated by cgsnapshot\n{body}"
    ))
}

/// A `perm` block when the group's owners or modes differ from a fresh group's (root,
/// directory 0755, files 0644), with the modes that re-create them under libcgroup's
/// owner-bit masking.
fn perm_of(version: Version, metas: &[(String, FileMeta)], dir: FileMeta) -> Option<Perm> {
    let task_files = version.task_files();
    let task = metas
        .iter()
        .find(|(name, _)| task_files.first() == Some(&name.as_str()))
        .map(|(_, m)| *m);
    // The mode asked of the ordinary (owner-writable) files: of the modes they have, the
    // one that, masked by each file's owner bits as an apply masks it, gives the most of
    // them the mode they have; a fresh group's 0644 on a tie. (A fresh devices group's
    // write-only `devices.allow` and `devices.deny` are 0644 masked, not a mode of their
    // own.)
    let files: Vec<u32> = metas
        .iter()
        .filter(|(name, meta)| !task_files.contains(&name.as_str()) && meta.mode & 0o200 != 0)
        .map(|(_, meta)| meta.mode)
        .collect();
    let explained = |wanted: u32| {
        files
            .iter()
            .filter(|&&mode| masked_mode(wanted, mode) == mode)
            .count()
    };
    let file_mode = files
        .iter()
        .copied()
        .max_by_key(|&mode| (explained(mode), mode == 0o644))
        .unwrap_or(0o644);
    let owner_of = |m: &FileMeta| (m.uid, m.gid);
    let fresh = owner_of(&dir) == (0, 0)
        && dir.mode == 0o755
        && file_mode == 0o644
        && task.is_none_or(|t| owner_of(&t) == (0, 0) && t.mode == 0o644);
    if fresh {
        return None;
    }
    let id = |n: u32, user: bool| {
        let name = if user {
            nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(n))
                .ok()
                .flatten()
                .map(|u| u.name)
        } else {
            nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(n))
                .ok()
                .flatten()
                .map(|g| g.name)
        };
        // A name when the system has one (portable across hosts), else the number.
        Spanned::unplaced(name.map_or(Id::Number(n), Id::Name))
    };
    let mode = |m: u32| Some(Spanned::unplaced(Mode(m)));
    Some(Perm {
        task: task.map(|t| TaskPerm {
            uid: Some(id(t.uid, true)),
            gid: Some(id(t.gid, false)),
            fperm: mode(t.mode),
            span: Default::default(),
        }),
        admin: Some(AdminPerm {
            uid: Some(id(dir.uid, true)),
            gid: Some(id(dir.gid, false)),
            fperm: mode(file_mode),
            dperm: mode(dir.mode),
            span: Default::default(),
        }),
        span: Default::default(),
    })
}

/// Reads a deny or allow list: one setting name per line, `#` comments and blank lines
/// ignored.
pub fn read_list(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    fn meta(mode: u32) -> FileMeta {
        FileMeta {
            uid: 0,
            gid: 0,
            mode,
        }
    }

    /// The `perm` block `perm_of` gives a v1 group with these files and directory mode, as
    /// cgsnapshot prints it, or `None`.
    fn perm_text(files: &[(&str, u32)], dir_mode: u32) -> Option<String> {
        let metas: Vec<(String, FileMeta)> = files
            .iter()
            .map(|(name, mode)| (name.to_string(), meta(*mode)))
            .collect();
        let perm = perm_of(Version::V1, &metas, meta(dir_mode))?;
        let config = Config {
            sections: vec![Section::Group(cgconfig::Group {
                name: Spanned::unplaced("g".into()),
                perm: Some(perm),
                controllers: Vec::new(),
                span: Default::default(),
            })],
        };
        Some(cgconfig::print_with(&config, cgconfig::Layout::Cgsnapshot).unwrap())
    }

    /// A fresh v1 devices group as the kernel makes it.
    const DEVICES: &[(&str, u32)] = &[
        ("cgroup.clone_children", 0o644),
        ("cgroup.procs", 0o644),
        ("devices.allow", 0o200),
        ("devices.deny", 0o200),
        ("devices.list", 0o444),
        ("notify_on_release", 0o644),
        ("tasks", 0o644),
    ];

    #[test]
    fn a_fresh_group_has_no_perm_block_whatever_its_write_only_files() {
        // The write-only files are 0644 masked by their owner bits, not a mode of their
        // own: as many of them as of 0644 ones must not make a perm block.
        assert_eq!(perm_text(DEVICES, 0o755), None);
    }

    #[test]
    fn changed_modes_make_a_perm_block_that_re_creates_them() {
        let block = |admin: &str| {
            format!(
                "group g {{\n\tperm {{\n\t\tadmin {{\n\t\t\tuid = root;\n\t\t\tgid = root;\n{admin}\t\t}}\n\
                 \t\ttask {{\n\t\t\tuid = root;\n\t\t\tgid = root;\n\t\t\tfperm = 0644;\n\t\t}}\n\t}}\n}}\n\n"
            )
        };
        // The directory alone.
        assert_eq!(
            perm_text(DEVICES, 0o775).unwrap(),
            block("\t\t\tdperm = 0775;\n\t\t\tfperm = 0644;\n")
        );
        // `fperm = 0664` applied: 0664 where the owner may read and write, 0220 where it
        // may only write.
        let files: Vec<(&str, u32)> = DEVICES
            .iter()
            .map(|&(name, mode)| match mode {
                0o644 if name != "tasks" => (name, 0o664),
                0o200 => (name, 0o220),
                _ => (name, mode),
            })
            .collect();
        assert_eq!(
            perm_text(&files, 0o755).unwrap(),
            block("\t\t\tdperm = 0755;\n\t\t\tfperm = 0664;\n")
        );
    }

    /// A fake hybrid host mounted in another order than `/proc/cgroups` lists the
    /// controllers, with cpu and cpuacct co-mounted.
    fn host(dir: &std::path::Path) -> Cgroups {
        let mountinfo = "\
30 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
32 25 0:28 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset
33 25 0:29 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
";
        let proc_cgroups = "\
#subsys_name\thierarchy\tnum_cgroups\tenabled
cpuset\t3\t1\t1
cpu\t2\t1\t1
cpuacct\t2\t1\t1
memory\t1\t1\t1
";
        let root = dir.join("sys/fs/cgroup");
        let files: &[(&str, &[(&str, &str)])] = &[
            (
                "memory/a",
                &[
                    ("memory.limit_in_bytes", "1048576\n"),
                    ("memory.failcnt", "3\n"),
                    ("tasks", ""),
                ],
            ),
            (
                "memory/a/b c",
                &[("memory.limit_in_bytes", "524288\n"), ("tasks", "")],
            ),
            (
                "cpu,cpuacct/a",
                &[
                    ("cpu.shares", "512\n"),
                    ("cpu.cfs_quota_us", "-1\n"),
                    ("cpuacct.usage", "123\n"),
                    ("tasks", ""),
                ],
            ),
            ("cpuset", &[]),
            ("unified", &[]),
        ];
        for (group, settings) in files {
            let path = root.join(group);
            fs::create_dir_all(&path).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
            for (name, value) in *settings {
                fs::write(path.join(name), value).unwrap();
                fs::set_permissions(path.join(name), fs::Permissions::from_mode(0o644)).unwrap();
            }
        }
        Cgroups::from_sources(mountinfo, Some(proc_cgroups), dir).unwrap()
    }

    #[test]
    fn the_mount_section_has_a_line_per_controller_in_proc_cgroups_order() {
        let dir = tempfile::tempdir().unwrap();
        let cg = host(dir.path());
        let snap = snapshot(&cg, &SnapshotOptions::default()).unwrap();
        let text = render(&snap).unwrap();
        let mount = text.split("\n\n").next().unwrap();
        // libcgroup: one line per controller (co-mounted ones share the path), in
        // /proc/cgroups order; the v2 mount is not listed.
        assert_eq!(
            mount,
            "# Configuration file generated by cgsnapshot\nmount {\n\
             \tcpuset = /sys/fs/cgroup/cpuset;\n\
             \tcpu = /sys/fs/cgroup/cpu,cpuacct;\n\
             \tcpuacct = /sys/fs/cgroup/cpu,cpuacct;\n\
             \tmemory = /sys/fs/cgroup/memory;\n}"
        );
    }

    #[test]
    fn the_text_is_laid_out_as_libcgroups_cgsnapshot_lays_it_out() {
        if !nix::unistd::geteuid().is_root() {
            // The files belong to whoever runs the test, and any owner but root makes a
            // perm block: the text would depend on the user.
            eprintln!(
                "skipping the_text_is_laid_out_as_libcgroups_cgsnapshot_lays_it_out: not root"
            );
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let cg = host(dir.path());
        // Delegated to ids without names (printed as numbers, which both parsers read).
        let delegated = dir.path().join("sys/fs/cgroup/memory/a/b c");
        for path in [delegated.clone(), delegated.join("tasks")] {
            std::os::unix::fs::chown(path, Some(4_000_000), Some(4_000_000)).unwrap();
        }
        let snap = snapshot(&cg, &SnapshotOptions::default()).unwrap();
        insta::assert_snapshot!(render(&snap).unwrap());
    }

    #[test]
    fn lists_ignore_comments_and_blanks() {
        assert_eq!(
            read_list("# deny\ncpu.shares\n\n  memory.swappiness  # why\n"),
            ["cpu.shares", "memory.swappiness"]
        );
    }
}
