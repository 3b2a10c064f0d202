//! Pre-3.0 keys (`lxc.network.type`, `lxc.id_map`, `lxc.rootfs`...) read as their current
//! names.
//!
//! LXC 3.0 removed the old names, so a config still using them no longer loads; the
//! mapping is the one of LXC's converter, `src/lxc/cmd/lxc-update-config.in`. Each renamed
//! line gets a warning naming both keys. Where the converter is wrong, we follow what the
//! old LXC meant (listed in docs/compat.md):
//!
//! * `lxc.network.N.ipv4` becomes `lxc.net.N.ipv4.address` (the script forgets `.address`
//!   for indexed keys), and likewise `ipv6`;
//! * `lxc.limit.<resource>` becomes `lxc.prlimit.<resource>` (the script only renames a
//!   bare `lxc.limit`);
//! * `lxc.rootfs` is prefixed with the `lxc.rootfs.backend` type only when a backend is
//!   set (the script writes `dir:` in front of every path, even `overlayfs:/a:/b`);
//! * an empty `lxc.network.type` clears all networks (as LXC 2 did) instead of numbering a
//!   new one;
//! * unindexed `lxc.network.*` keys are numbered across included files in reading order,
//!   as LXC 2 did, not per file.

use crate::diagnostic::Diagnostic;
use crate::source::Span;

/// Old key, new key: plain renames.
const RENAMES: &[(&str, &str)] = &[
    ("lxc.id_map", "lxc.idmap"),
    ("lxc.pts", "lxc.pty.max"),
    ("lxc.tty", "lxc.tty.max"),
    ("lxc.devttydir", "lxc.tty.dir"),
    ("lxc.aa_profile", "lxc.apparmor.profile"),
    ("lxc.aa_allow_incomplete", "lxc.apparmor.allow_incomplete"),
    ("lxc.se_context", "lxc.selinux.context"),
    ("lxc.mount", "lxc.mount.fstab"),
    ("lxc.utsname", "lxc.uts.name"),
    ("lxc.seccomp", "lxc.seccomp.profile"),
    ("lxc.console", "lxc.console.path"),
    ("lxc.haltsignal", "lxc.signal.halt"),
    ("lxc.rebootsignal", "lxc.signal.reboot"),
    ("lxc.stopsignal", "lxc.signal.stop"),
    ("lxc.syslog", "lxc.log.syslog"),
    ("lxc.loglevel", "lxc.log.level"),
    ("lxc.logfile", "lxc.log.file"),
    ("lxc.init_cmd", "lxc.init.cmd"),
    ("lxc.init_uid", "lxc.init.uid"),
    ("lxc.init_gid", "lxc.init.gid"),
    ("lxc.limit", "lxc.prlimit"),
];

/// Keys LXC 3.0 removed without a replacement.
const REMOVED: &[&str] = &["lxc.pivotdir", "lxc.kmsg"];

const ROOTFS_BACKEND: &str = "lxc.rootfs.backend";

/// `lxc.rootfs`: `lxc.rootfs.path`, with the backend in front.
const ROOTFS: &str = "lxc.rootfs";

/// `lxc.limit.<resource>`: `lxc.prlimit.<resource>`.
const LIMIT: &str = "lxc.limit.";

/// `lxc.network` (clears every network) and `lxc.network.[<index>.]<subkey>`.
const NETWORK: &str = "lxc.network";
const NETWORK_KEYS: &str = "lxc.network.";

/// Every pre-3.0 key and key prefix this module reads (for the test that compares our
/// keys with LXC's).
#[cfg(test)]
pub(super) fn keys() -> Vec<&'static str> {
    let mut keys: Vec<&str> = RENAMES.iter().map(|(old, _)| *old).collect();
    keys.extend(REMOVED);
    keys.extend([ROOTFS_BACKEND, ROOTFS, LIMIT, NETWORK, NETWORK_KEYS]);
    keys
}

/// What a line's key becomes.
pub(super) enum Legacy {
    /// The key is not a pre-3.0 one.
    Current,
    /// The line means `key = value` today.
    Renamed {
        /// The current key.
        key: String,
        /// The value, when renaming changes it (`lxc.rootfs` gains its backend prefix).
        value: Option<String>,
        /// Says what was renamed.
        warning: Diagnostic,
    },
    /// The line means nothing today and is dropped.
    Dropped(Diagnostic),
    /// The line cannot be given a meaning.
    Error(Diagnostic),
}

/// What renaming needs to remember from line to line, and from a file to the files it
/// includes: how many networks `lxc.network.type` lines have started.
#[derive(Debug, Default)]
pub(super) struct Renamer {
    networks: u32,
}

impl Renamer {
    /// What `key = value`, written with the key at `span`, means today. `backend` is the
    /// file's `lxc.rootfs.backend` (the converter takes the file's last one, wherever it
    /// stands).
    pub(super) fn rename(
        &mut self,
        key: &str,
        span: Span,
        value: &str,
        backend: Option<&str>,
    ) -> Legacy {
        if let Some(new) = RENAMES.iter().find(|(old, _)| *old == key).map(|(_, n)| *n) {
            return renamed(key, new.to_string(), None, span);
        }
        if let Some(resource) = key.strip_prefix(LIMIT) {
            return renamed(key, format!("lxc.prlimit.{resource}"), None, span);
        }
        if REMOVED.contains(&key) {
            return Legacy::Dropped(
                Diagnostic::warning(
                    span,
                    format!("`{key}` was removed in LXC 3.0 and is ignored"),
                )
                .with_hint("delete the line; LXC 3.0 and later refuse to load it"),
            );
        }
        if key == ROOTFS_BACKEND {
            return Legacy::Dropped(
                Diagnostic::warning(span, format!("`{key}` was removed in LXC 3.0")).with_hint(
                    "write the type in front of the path instead, e.g. \
                         `lxc.rootfs.path = dir:/var/lib/lxc/c1/rootfs`; cgtools reads the \
                         `lxc.rootfs` of this file that way",
                ),
            );
        }
        if key == ROOTFS {
            let value = match backend {
                Some(b)
                    if !b.is_empty()
                        && !value.is_empty()
                        && !value.starts_with(&format!("{b}:")) =>
                {
                    Some(format!("{b}:{value}"))
                }
                _ => None,
            };
            return renamed(key, "lxc.rootfs.path".to_string(), value, span);
        }
        if key == NETWORK {
            self.networks = 0;
            return renamed(key, "lxc.net".to_string(), None, span);
        }
        if let Some(rest) = key.strip_prefix(NETWORK_KEYS) {
            return self.network(key, rest, span, value);
        }
        Legacy::Current
    }

    /// `lxc.network.<rest>`.
    fn network(&mut self, key: &str, rest: &str, span: Span, value: &str) -> Legacy {
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            let (index, sub) = rest.split_once('.').unwrap_or((rest, ""));
            let new = if sub.is_empty() {
                format!("lxc.net.{index}")
            } else {
                format!("lxc.net.{index}.{}", network_subkey(sub))
            };
            return renamed(key, new, None, span);
        }
        if rest == "type" {
            if value.is_empty() {
                // LXC 2 cleared every network on an empty type.
                self.networks = 0;
                return renamed(key, "lxc.net".to_string(), None, span);
            }
            let index = self.networks;
            self.networks = self.networks.saturating_add(1);
            return renamed(key, format!("lxc.net.{index}.type"), None, span);
        }
        let Some(index) = self.networks.checked_sub(1) else {
            return Legacy::Error(
                Diagnostic::error(
                    span,
                    format!(
                        "`{key}` comes before any `lxc.network.type`, so it belongs to no network"
                    ),
                )
                .with_hint(format!(
                    "in pre-3.0 configs each network starts with `lxc.network.type`; move this \
                     line below one, or write `lxc.net.0.{}`",
                    network_subkey(rest)
                )),
            );
        };
        renamed(
            key,
            format!("lxc.net.{index}.{}", network_subkey(rest)),
            None,
            span,
        )
    }
}

/// The current name of a pre-3.0 network subkey.
fn network_subkey(sub: &str) -> &str {
    match sub {
        "ipv4" => "ipv4.address",
        "ipv6" => "ipv6.address",
        other => other,
    }
}

fn renamed(old: &str, new: String, value: Option<String>, span: Span) -> Legacy {
    let warning = Diagnostic::warning(
        span,
        format!("`{old}` is the pre-3.0 name of `{new}`; LXC 3.0 and later refuse it"),
    )
    .with_hint(format!(
        "cgtools reads it as `{new}`; rename it (`lxc-update-config -c FILE` converts a whole file)"
    ));
    Legacy::Renamed {
        key: new,
        value,
        warning,
    }
}
