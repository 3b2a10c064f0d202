//! Mount entries: one `lxc.mount.entry` value or one line of the `lxc.mount.fstab` file,
//! in fstab(5) format, with LXC's extra options (`src/lxc/conf.c`: `parse_mntopts`,
//! `parse_propagationopts`, `mount_entry_create_dir_file`, `cull_mntent_opt`).
//!
//! A line is `SOURCE TARGET TYPE OPTIONS [FREQ [PASSNO]]`, fields separated by blanks,
//! with getmntent's octal escapes (`\040` for a space). OPTIONS is a comma-separated list
//! of mount flags (`ro`, `nosuid`, `bind`, `rbind`, ...), propagation flags (`rshared`,
//! `slave`, ...), LXC's own options (`create=dir`, `create=file`, `optional`,
//! `relative`), and anything else, which is passed to the file system as its data
//! (`size=64m`, `mode=1777`). A relative TARGET is inside the container's root; an
//! absolute one must name a place inside the root filesystem's host path, or LXC ignores
//! the entry with a warning (so do we).

use serde::Serialize;

/// What a mount entry asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MountEntry {
    /// What to mount: a path for a bind mount, else the file system's source name.
    pub source: String,
    /// Where, relative to the container's root (no leading `/`).
    pub target: String,
    /// The file system type (`none` for a bind mount).
    pub fstype: String,
    /// Mount flags (`MS_*`), without `MS_REMOUNT`.
    pub flags: u64,
    /// Propagation flags to apply after mounting (`MS_SHARED`, `MS_SLAVE`, ... with
    /// `MS_REC`), or 0.
    pub propagation: u64,
    /// The options passed to the file system.
    pub data: String,
    /// `create=dir` / `create=file`: make the target first.
    pub create: Option<Create>,
    /// `optional`: a failure is not an error.
    pub optional: bool,
    /// `relative`: the source is inside the container's root.
    pub relative: bool,
    /// The text of the line or value, for messages.
    pub text: String,
}

/// What `create=` makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Create {
    /// `create=dir`: the target directory and its parents.
    Dir,
    /// `create=file`: the target's parents and an empty file.
    File,
}

/// `MS_*` values (include/uapi/linux/mount.h).
pub mod ms {
    #![allow(missing_docs)]
    pub const RDONLY: u64 = 1;
    pub const NOSUID: u64 = 2;
    pub const NODEV: u64 = 4;
    pub const NOEXEC: u64 = 8;
    pub const SYNCHRONOUS: u64 = 16;
    pub const REMOUNT: u64 = 32;
    pub const MANDLOCK: u64 = 64;
    pub const DIRSYNC: u64 = 128;
    pub const NOSYMFOLLOW: u64 = 256;
    pub const NOATIME: u64 = 1024;
    pub const NODIRATIME: u64 = 2048;
    pub const BIND: u64 = 4096;
    pub const MOVE: u64 = 8192;
    pub const REC: u64 = 16384;
    pub const SILENT: u64 = 32768;
    pub const UNBINDABLE: u64 = 1 << 17;
    pub const PRIVATE: u64 = 1 << 18;
    pub const SLAVE: u64 = 1 << 19;
    pub const SHARED: u64 = 1 << 20;
    pub const RELATIME: u64 = 1 << 21;
    pub const STRICTATIME: u64 = 1 << 24;
    pub const LAZYTIME: u64 = 1 << 25;
}

/// `MS_*` flags as text (`bind|rec|rdonly`), for logs and the recording fake.
pub fn flag_names(flags: u64) -> String {
    const NAMES: &[(u64, &str)] = &[
        (ms::RDONLY, "rdonly"),
        (ms::NOSUID, "nosuid"),
        (ms::NODEV, "nodev"),
        (ms::NOEXEC, "noexec"),
        (ms::SYNCHRONOUS, "sync"),
        (ms::REMOUNT, "remount"),
        (ms::MANDLOCK, "mand"),
        (ms::DIRSYNC, "dirsync"),
        (ms::NOSYMFOLLOW, "nosymfollow"),
        (ms::NOATIME, "noatime"),
        (ms::NODIRATIME, "nodiratime"),
        (ms::BIND, "bind"),
        (ms::MOVE, "move"),
        (ms::REC, "rec"),
        (ms::SILENT, "silent"),
        (ms::UNBINDABLE, "unbindable"),
        (ms::PRIVATE, "private"),
        (ms::SLAVE, "slave"),
        (ms::SHARED, "shared"),
        (ms::RELATIME, "relatime"),
        (ms::STRICTATIME, "strictatime"),
        (ms::LAZYTIME, "lazytime"),
    ];
    let names: Vec<&str> = NAMES
        .iter()
        .filter(|(f, _)| flags & f != 0)
        .map(|(_, n)| *n)
        .collect();
    if names.is_empty() {
        "0".to_string()
    } else {
        names.join("|")
    }
}

/// LXC's `mount_opt` table: an option, whether it clears the flag, the flag.
const FLAGS: &[(&str, bool, u64)] = &[
    ("async", true, ms::SYNCHRONOUS),
    ("atime", true, ms::NOATIME),
    ("bind", false, ms::BIND),
    ("defaults", false, 0),
    ("dev", true, ms::NODEV),
    ("diratime", true, ms::NODIRATIME),
    ("dirsync", false, ms::DIRSYNC),
    ("exec", true, ms::NOEXEC),
    ("lazytime", false, ms::LAZYTIME),
    ("mand", false, ms::MANDLOCK),
    ("noatime", false, ms::NOATIME),
    ("nodev", false, ms::NODEV),
    ("nodiratime", false, ms::NODIRATIME),
    ("noexec", false, ms::NOEXEC),
    ("nomand", true, ms::MANDLOCK),
    ("norelatime", true, ms::RELATIME),
    ("nostrictatime", true, ms::STRICTATIME),
    ("nosuid", false, ms::NOSUID),
    ("nosymfollow", false, ms::NOSYMFOLLOW),
    ("rbind", false, ms::BIND | ms::REC),
    ("relatime", false, ms::RELATIME),
    ("ro", false, ms::RDONLY),
    ("rw", true, ms::RDONLY),
    ("silent", false, ms::SILENT),
    ("loud", true, ms::SILENT),
    ("strictatime", false, ms::STRICTATIME),
    ("suid", true, ms::NOSUID),
    ("sync", false, ms::SYNCHRONOUS),
];

/// LXC's `propagation_opt` table.
const PROPAGATION: &[(&str, u64)] = &[
    ("private", ms::PRIVATE),
    ("shared", ms::SHARED),
    ("slave", ms::SLAVE),
    ("unbindable", ms::UNBINDABLE),
    ("rprivate", ms::PRIVATE | ms::REC),
    ("rshared", ms::SHARED | ms::REC),
    ("rslave", ms::SLAVE | ms::REC),
    ("runbindable", ms::UNBINDABLE | ms::REC),
];

/// Flags and data from an options list (`lxc.rootfs.options`, a mount entry's fourth
/// field), without LXC's own options.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// `MS_*` flags.
    pub flags: u64,
    /// Propagation flags.
    pub propagation: u64,
    /// File system data.
    pub data: Vec<String>,
    /// `create=`.
    pub create: Option<Create>,
    /// `optional`.
    pub optional: bool,
    /// `relative`.
    pub relative: bool,
}

/// Reads a comma-separated options list; an error names the option and why.
pub fn options(text: &str) -> Result<Options, String> {
    let mut o = Options::default();
    for opt in text.split(',').filter(|s| !s.is_empty()) {
        if let Some((_, clear, flag)) = FLAGS.iter().find(|(n, _, _)| *n == opt) {
            if *clear {
                o.flags &= !flag;
            } else {
                o.flags |= flag;
            }
        } else if let Some((_, flag)) = PROPAGATION.iter().find(|(n, _)| *n == opt) {
            o.propagation |= flag;
        } else if opt == "remount" {
            return Err(
                "the option `remount` is not supported in a container's mount entry".to_string(),
            );
        } else if opt == "optional" {
            o.optional = true;
        } else if opt == "relative" {
            o.relative = true;
        } else if let Some(what) = opt.strip_prefix("create=") {
            o.create = Some(match what {
                "dir" => Create::Dir,
                "file" => Create::File,
                _ => {
                    return Err(format!(
                        "`create={what}` is neither `create=dir` nor `create=file`"
                    ))
                }
            });
        } else if opt.starts_with("idmap=") {
            return Err(format!(
                "`{opt}`: idmapped mounts are not implemented (LXC skips such entries when it \
                 cannot make them)"
            ));
        } else {
            o.data.push(opt.to_string());
        }
    }
    Ok(o)
}

/// getmntent's escapes: `\040` space, `\011` tab, `\012` newline, `\134` backslash.
fn unescape(field: &str) -> String {
    field
        .replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
}

/// Where in a line the problem is: a byte range of the text given, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// Byte offsets into the line.
    pub range: (usize, usize),
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: Option<String>,
}

/// Reads one fstab-format line. `rootfs` is the host path of the container's root
/// filesystem and `alt_rootfs` the `<lxcpath>/<name>/rootfs` LXC also accepts as a prefix
/// of an absolute target. `Ok(None)`: an absolute target outside both, which LXC ignores.
pub fn entry(line: &str, rootfs: &str, alt_rootfs: &str) -> Result<Option<MountEntry>, LineError> {
    let fields: Vec<(usize, &str)> = line
        .split([' ', '\t'])
        .scan(0usize, |pos, f| {
            let at = *pos;
            *pos += f.len() + 1;
            Some((at, f))
        })
        .filter(|(_, f)| !f.is_empty())
        .collect();
    let whole = (0, line.len());
    if fields.len() < 4 {
        return Err(LineError {
            range: whole,
            message: format!(
                "a mount entry has at least 4 fields (source, target, type, options), this one \
                 has {}",
                fields.len()
            ),
            hint: Some(
                "e.g. `/srv/data srv/data none bind,create=dir 0 0`; write `defaults` when \
                 there are no options"
                    .to_string(),
            ),
        });
    }
    if fields.len() > 6 {
        let (at, f) = fields[6];
        return Err(LineError {
            range: (at, at + f.len()),
            message: "a mount entry has at most 6 fields".to_string(),
            hint: Some("write a space in a path as `\\040`".to_string()),
        });
    }
    let (opt_at, opt_text) = fields[3];
    let o = options(opt_text).map_err(|message| LineError {
        range: (opt_at, opt_at + opt_text.len()),
        message,
        hint: None,
    })?;
    let source = unescape(fields[0].1);
    let (target_at, target_text) = fields[1];
    let written = unescape(target_text);
    let target = if let Some(rel) = written.strip_prefix('/') {
        let inside = [rootfs, alt_rootfs]
            .into_iter()
            .filter(|p| !p.is_empty())
            .find_map(|p| {
                let p = p.trim_end_matches('/');
                written
                    .strip_prefix(p)
                    .filter(|rest| rest.is_empty() || rest.starts_with('/'))
            });
        match inside {
            Some(rest) => rest.trim_start_matches('/').to_string(),
            None => {
                let _ = rel;
                return Ok(None);
            }
        }
    } else {
        written.clone()
    };
    if target.split('/').any(|c| c == "..") {
        return Err(LineError {
            range: (target_at, target_at + target_text.len()),
            message: format!("the target `{written}` leaves the container's root with `..`"),
            hint: Some("a target is a path inside the container".to_string()),
        });
    }
    if o.relative && source.split('/').any(|c| c == "..") {
        return Err(LineError {
            range: (fields[0].0, fields[0].0 + fields[0].1.len()),
            message: format!(
                "the relative source `{source}` leaves the container's root with `..`"
            ),
            hint: None,
        });
    }
    Ok(Some(MountEntry {
        source,
        target: target.trim_end_matches('/').to_string(),
        fstype: unescape(fields[2].1),
        flags: o.flags,
        propagation: o.propagation,
        data: o.data.join(","),
        create: o.create,
        optional: o.optional,
        relative: o.relative,
        text: line.trim().to_string(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "/var/lib/lxc/c1/rootfs";

    #[test]
    fn a_bind_entry_as_lxc_create_writes_it() {
        let e = entry(
            "/sys/fs/fuse/connections sys/fs/fuse/connections none bind,optional 0 0",
            ROOT,
            ROOT,
        )
        .unwrap()
        .unwrap();
        assert_eq!(e.source, "/sys/fs/fuse/connections");
        assert_eq!(e.target, "sys/fs/fuse/connections");
        assert_eq!(e.flags, ms::BIND);
        assert!(e.optional);
        assert_eq!(e.data, "");
    }

    #[test]
    fn data_options_go_to_the_file_system() {
        let e = entry(
            "shm dev/shm tmpfs defaults,create=dir,size=64m,mode=1777 0 0",
            ROOT,
            ROOT,
        )
        .unwrap()
        .unwrap();
        assert_eq!(e.fstype, "tmpfs");
        assert_eq!(e.create, Some(Create::Dir));
        assert_eq!(e.data, "size=64m,mode=1777");
        assert_eq!(e.flags, 0);
    }

    #[test]
    fn flags_set_and_clear_in_order() {
        let o = options("ro,nosuid,rw,rbind,rslave").unwrap();
        assert_eq!(o.flags, ms::NOSUID | ms::BIND | ms::REC);
        assert_eq!(o.propagation, ms::SLAVE | ms::REC);
    }

    #[test]
    fn absolute_targets_inside_the_rootfs_become_relative() {
        let e = entry("/srv /var/lib/lxc/c1/rootfs/srv none bind 0 0", ROOT, ROOT)
            .unwrap()
            .unwrap();
        assert_eq!(e.target, "srv");
        assert_eq!(entry("/srv /srv none bind 0 0", ROOT, ROOT), Ok(None));
        // A path that only starts like the rootfs is not inside it.
        assert_eq!(
            entry("/srv /var/lib/lxc/c1/rootfs2/srv none bind 0 0", ROOT, ROOT),
            Ok(None)
        );
    }

    #[test]
    fn escapes_and_errors() {
        let e = entry("/my\\040dir mnt/a\\040b none bind 0 0", ROOT, ROOT)
            .unwrap()
            .unwrap();
        assert_eq!(e.source, "/my dir");
        assert_eq!(e.target, "mnt/a b");
        assert!(entry("/a b none", ROOT, ROOT).is_err());
        assert!(entry("/a ../etc none bind 0 0", ROOT, ROOT).is_err());
        assert!(entry("/a b none bind,create=pipe 0 0", ROOT, ROOT).is_err());
        let err = entry("/a b none bind,idmap=container 0 0", ROOT, ROOT).unwrap_err();
        assert_eq!(err.range, (10, 30));
    }
}
