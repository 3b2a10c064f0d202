//! Which `lxc.*` keys exist, as LXC 6 knows them (`config_jump_table` and
//! `config_jump_table_net` in `src/lxc/confile.c`; the tests compare our tables with LXC
//! 6.0.4's, read out of its build into `tests/data/lxc-6.0.4-keys.txt`).
//!
//! LXC refuses to load a config with a key it does not know ("Unsupported config key"), so
//! we do too, but say which key was probably meant. LXC looks a key up in a table of exact
//! names and of a few prefixes (`lxc.net.`, `lxc.cgroup2`, `lxc.namespace.share.`...) whose
//! handlers then check the rest of the key; [`check`] makes the same decisions in one place.
//!
//! `lxc.cgroup.<controller>.<file>` (cgroup v1) is accepted although LXC 7.0 removed it:
//! LXC 6 accepts it, and cgtools applies it on v1 hosts.

use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::suggest::{closest, distance_within, typo_distance};

/// Keys LXC matches exactly, in the order of its table.
pub(super) const EXACT: &[&str] = &[
    "lxc.arch",
    "lxc.apparmor.profile",
    "lxc.apparmor.allow_incomplete",
    "lxc.apparmor.allow_nesting",
    "lxc.apparmor.raw",
    "lxc.autodev.tmpfs.size",
    "lxc.autodev",
    "lxc.cap.drop",
    "lxc.cap.keep",
    "lxc.cgroup.dir.monitor.pivot",
    "lxc.cgroup.dir.monitor",
    "lxc.cgroup.dir.container.inner",
    "lxc.cgroup.dir.container",
    "lxc.cgroup.dir",
    "lxc.cgroup.relative",
    "lxc.console.buffer.size",
    "lxc.console.logfile",
    "lxc.console.path",
    "lxc.console.rotate",
    "lxc.console.size",
    "lxc.sched.core",
    "lxc.environment",
    "lxc.ephemeral",
    "lxc.execute.cmd",
    "lxc.group",
    "lxc.hook.autodev",
    "lxc.hook.clone",
    "lxc.hook.destroy",
    "lxc.hook.mount",
    "lxc.hook.post-stop",
    "lxc.hook.pre-mount",
    "lxc.hook.pre-start",
    "lxc.hook.start",
    "lxc.hook.start-host",
    "lxc.hook.stop",
    "lxc.hook.version",
    "lxc.idmap",
    "lxc.include",
    "lxc.init.cmd",
    "lxc.init.gid",
    "lxc.init.groups",
    "lxc.init.uid",
    "lxc.init.cwd",
    "lxc.keyring.session",
    "lxc.log.file",
    "lxc.log.level",
    "lxc.log.syslog",
    "lxc.monitor.unshare",
    "lxc.monitor.signal.pdeath",
    "lxc.mount.auto",
    "lxc.mount.entry",
    "lxc.mount.fstab",
    "lxc.namespace.clone",
    "lxc.namespace.keep",
    "lxc.time.offset.boot",
    "lxc.time.offset.monotonic",
    "lxc.no_new_privs",
    "lxc.pty.max",
    "lxc.rootfs.managed",
    "lxc.rootfs.mount",
    "lxc.rootfs.options",
    "lxc.rootfs.path",
    "lxc.seccomp.allow_nesting",
    "lxc.seccomp.notify.cookie",
    "lxc.seccomp.notify.proxy",
    "lxc.seccomp.profile",
    "lxc.selinux.context.keyring",
    "lxc.selinux.context",
    "lxc.signal.halt",
    "lxc.signal.reboot",
    "lxc.signal.stop",
    "lxc.start.auto",
    "lxc.start.delay",
    "lxc.start.order",
    "lxc.tty.dir",
    "lxc.tty.max",
    "lxc.uts.name",
];

/// Keys that take no value: with an empty value each clears a whole family of settings
/// (LXC: "lxc.net must not have a value"). With what they clear and an example of a member.
const CLEAR_ONLY: &[(&str, &str, &str)] = &[
    ("lxc.net", "every network", "lxc.net.0.type = veth"),
    (
        "lxc.hook",
        "every hook",
        "lxc.hook.pre-start = /usr/local/bin/prepare",
    ),
    (
        "lxc.cgroup2",
        "every `lxc.cgroup2.*` setting",
        "lxc.cgroup2.memory.max = 1G",
    ),
    (
        "lxc.cgroup",
        "every `lxc.cgroup.*` setting",
        "lxc.cgroup.memory.limit_in_bytes = 1G",
    ),
    (
        "lxc.prlimit",
        "every resource limit",
        "lxc.prlimit.nofile = 1024:4096",
    ),
    (
        "lxc.sysctl",
        "every sysctl",
        "lxc.sysctl.net.ipv4.ip_forward = 1",
    ),
    (
        "lxc.proc",
        "every `lxc.proc.*` setting",
        "lxc.proc.oom_score_adj = 10",
    ),
];

/// Prefixes followed by a free-form name (a controller file, a resource, a sysctl), and
/// what that name is.
const FAMILIES: &[(&str, &str)] = &[
    ("lxc.cgroup2.", "a cgroup2 file such as `memory.max`"),
    (
        "lxc.cgroup.",
        "a cgroup v1 file such as `memory.limit_in_bytes`",
    ),
    ("lxc.prlimit.", "a resource such as `nofile`"),
    ("lxc.sysctl.", "a sysctl such as `net.ipv4.ip_forward`"),
    ("lxc.proc.", "a /proc/PID file such as `oom_score_adj`"),
];

/// Keys people write that LXC never had, with what to do instead.
const NOT_KEYS: &[(&str, &str)] = &[(
    "lxc.start.timeout",
    "LXC has no such key: how long to wait for containers to shut down is the `-t` \
     option of lxc-autostart",
)];

const NAMESPACE_SHARE: &str = "lxc.namespace.share.";

/// The namespaces `lxc.namespace.share.<ns>` may name.
const NAMESPACES: &[&str] = &["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"];

const NET: &str = "lxc.net.";

/// What may follow `lxc.net.<index>.`.
pub(super) const NET_SUBKEYS: &[&str] = &[
    "flags",
    "hwaddr",
    "ipv4.address",
    "ipv4.gateway",
    "ipv6.address",
    "ipv6.gateway",
    "link",
    "l2proxy",
    "macvlan.mode",
    "ipvlan.mode",
    "ipvlan.isolation",
    "mtu",
    "name",
    "script.down",
    "script.up",
    "type",
    "vlan.id",
    "veth.mode",
    "veth.n_rxqueues",
    "veth.n_txqueues",
    "veth.pair",
    "veth.ipv4.route",
    "veth.ipv6.route",
    "veth.vlan.id",
    "veth.vlan.tagged.id",
];

/// LXC keeps network indexes below `INT_MAX`.
const MAX_NET_INDEX: u64 = i32::MAX as u64 - 1;

/// Checks `key` (written at `span`) and returns it in canonical form (network indexes
/// without leading zeros). `has_value` is false for a line that clears the key.
pub(super) fn check(key: &str, span: Span, has_value: bool) -> Result<String, Diagnostic> {
    if EXACT.contains(&key) {
        return Ok(key.to_string());
    }
    if let Some((_, what, example)) = CLEAR_ONLY.iter().find(|(k, _, _)| *k == key) {
        if !has_value {
            return Ok(key.to_string());
        }
        return Err(Diagnostic::error(
            span,
            format!("`{key}` takes no value; `{key} =` removes {what}"),
        )
        .with_hint(format!(
            "to set something, name it in the key, e.g. `{example}`"
        )));
    }
    if let Some(rest) = key.strip_prefix(NET) {
        return check_net(key, rest, span, has_value);
    }
    if let Some(ns) = key.strip_prefix(NAMESPACE_SHARE) {
        if NAMESPACES.contains(&ns) {
            return Ok(key.to_string());
        }
        let mut d = Diagnostic::error(
            tail_span(key, span, NAMESPACE_SHARE.len()),
            format!("`{ns}` is not a namespace that `lxc.namespace.share.` can name"),
        );
        d = match closest(ns, NAMESPACES.iter().copied()) {
            Some(best) => d.with_hint(format!("did you mean `{NAMESPACE_SHARE}{best}`?")),
            None => d.with_hint(format!("the namespaces are {}", NAMESPACES.join(", "))),
        };
        return Err(d);
    }
    if let Some((prefix, what)) = FAMILIES.iter().find(|(p, _)| key.starts_with(p)) {
        // LXC accepts an empty name only in a line that clears (it then clears nothing).
        if key.len() > prefix.len() || !has_value {
            return Ok(key.to_string());
        }
        return Err(
            Diagnostic::error(span, format!("`{key}` needs a name after the last dot"))
                .with_hint(format!("write {what} after `{prefix}`")),
        );
    }
    Err(unknown(key, span))
}

/// `lxc.net.<index>` and `lxc.net.<index>.<subkey>`; `rest` follows `lxc.net.`.
fn check_net(key: &str, rest: &str, span: Span, has_value: bool) -> Result<String, Diagnostic> {
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        let mut d = Diagnostic::error(span, format!("`{key}` has no network index"));
        d = if NET_SUBKEYS.contains(&rest) {
            d.with_hint(format!(
                "networks are numbered from 0: write `lxc.net.0.{rest}` for the first one"
            ))
        } else {
            d.with_hint("write `lxc.net.<index>.<key>`, e.g. `lxc.net.0.type = veth`")
        };
        return Err(d);
    }
    // LXC reads the index in decimal (`lxc.net.01` is network 1); say it that way.
    let index = rest[..digits].trim_start_matches('0');
    let index = if index.is_empty() { "0" } else { index };
    let too_large = || {
        Diagnostic::error(
            span,
            format!("network index {index} in `{key}` is too large"),
        )
        .with_hint(format!("LXC allows indexes up to {MAX_NET_INDEX}"))
    };
    match index.parse::<u64>() {
        Ok(n) if n <= MAX_NET_INDEX => {}
        _ => return Err(too_large()),
    }
    let after = &rest[digits..];
    if after.is_empty() {
        if !has_value {
            return Ok(format!("{NET}{index}"));
        }
        return Err(Diagnostic::error(
            span,
            format!("`{key}` takes no value; `{key} =` removes network {index}"),
        )
        .with_hint(format!(
            "to configure network {index}, name the setting, e.g. `lxc.net.{index}.type = veth`"
        )));
    }
    let Some(sub) = after.strip_prefix('.') else {
        return Err(unknown(key, span));
    };
    if NET_SUBKEYS.contains(&sub) {
        return Ok(format!("{NET}{index}.{sub}"));
    }
    // Point at the subkey: the index and the prefix are fine.
    let sub_span = tail_span(key, span, NET.len() + digits + 1);
    let d = Diagnostic::error(sub_span, format!("unknown network key `{sub}` in `{key}`"));
    Err(match closest(sub, NET_SUBKEYS.iter().copied()) {
        Some(best) => d.with_hint(format!("did you mean `lxc.net.{index}.{best}`?")),
        None => d.with_hint(format!(
            "a network key is one of: {}",
            NET_SUBKEYS.join(", ")
        )),
    })
}

/// The part of `key` (written at `span`) from byte `from` on, or the whole key when the
/// span holds another spelling (a renamed pre-3.0 key).
fn tail_span(key: &str, span: Span, from: usize) -> Span {
    if span.end.saturating_sub(span.start) == key.len() && from <= key.len() {
        Span::new(span.start + from, span.end)
    } else {
        span
    }
}

/// The error for a key LXC does not know.
fn unknown(key: &str, span: Span) -> Diagnostic {
    let d = Diagnostic::error(span, format!("unknown key `{key}`"));
    if let Some((_, hint)) = NOT_KEYS.iter().find(|(k, _)| *k == key) {
        return d.with_hint(*hint);
    }
    match suggest(key) {
        Some(best) => d.with_hint(format!("did you mean `{best}`?")),
        None if key.contains([' ', '\t']) => {
            d.with_hint("keys contain no blanks; a line is `key = value`, split at the first `=`")
        }
        None => d.with_hint(
            "LXC refuses to load a config with a key it does not know; the keys are listed \
             in lxc.container.conf(5)",
        ),
    }
}

/// The known key closest to `key`, if one is close enough to be a typo of it.
pub(super) fn suggest(key: &str) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    let limit = typo_distance(key);
    let mut consider = |distance: Option<usize>, candidate: String| {
        if let Some(distance) = distance {
            if best.as_ref().is_none_or(|(d, _)| distance < *d) {
                best = Some((distance, candidate));
            }
        }
    };
    for known in EXACT.iter().chain(CLEAR_ONLY.iter().map(|(k, _, _)| k)) {
        consider(distance_within(key, known, limit), known.to_string());
    }
    // A typo in the prefix of a family key: `lxc.cgroups2.memory.max`.
    let prefixes = FAMILIES
        .iter()
        .map(|(p, _)| *p)
        .chain([NET, NAMESPACE_SHARE]);
    for prefix in prefixes {
        let dots = prefix.matches('.').count();
        let Some((head_end, _)) = key.match_indices('.').nth(dots - 1) else {
            continue;
        };
        let (head, tail) = key.split_at(head_end + 1);
        if head != prefix && !tail.is_empty() {
            consider(
                distance_within(head, prefix, limit),
                format!("{prefix}{tail}"),
            );
        }
    }
    best.map(|(_, key)| key)
}

/// The keys whose empty value also clears `key` (a valid, canonical key), besides `key`
/// itself: `lxc.net` and `lxc.net.0` clear `lxc.net.0.link`, `lxc.cgroup2` clears
/// `lxc.cgroup2.memory.max`, `lxc.hook` clears every hook.
pub(super) fn clearing_parents(key: &str) -> Vec<String> {
    if let Some(rest) = key.strip_prefix(NET) {
        let mut parents = vec!["lxc.net".to_string()];
        if let Some((index, _)) = rest.split_once('.') {
            parents.push(format!("{NET}{index}"));
        }
        return parents;
    }
    if EXACT.contains(&key) {
        // `lxc.hook =` clears the hook lists, not the hook version.
        let is_hook = key.starts_with("lxc.hook.") && key != "lxc.hook.version";
        return if is_hook {
            vec!["lxc.hook".to_string()]
        } else {
            Vec::new()
        };
    }
    FAMILIES
        .iter()
        .filter(|(prefix, _)| key.starts_with(prefix))
        .map(|(prefix, _)| prefix.trim_end_matches('.').to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lxc::{legacy, parse};
    use crate::source::SourceFile;

    #[test]
    fn the_tables_have_no_duplicates() {
        let mut all: Vec<&str> = EXACT.to_vec();
        all.extend(CLEAR_ONLY.iter().map(|(k, _, _)| *k));
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n);
    }

    /// LXC's own key tables, read out of its build: independent of ours (the file says
    /// where it comes from).
    const LXC_KEYS: &str = include_str!("../../tests/data/lxc-6.0.4-keys.txt");

    /// The entries of [`LXC_KEYS`] of one kind (`key`, `prefix` or `net`).
    fn lxc(kind: &str) -> Vec<&'static str> {
        let entries: Vec<(&str, &str)> = LXC_KEYS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                l.split_once(' ')
                    .unwrap_or_else(|| panic!("bad line {l:?}"))
            })
            .collect();
        assert!(
            entries
                .iter()
                .all(|(k, _)| ["key", "prefix", "net"].contains(k)),
            "{entries:?}"
        );
        entries
            .into_iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, name)| name)
            .collect()
    }

    const PRE_3: &str = "a pre-3.0 name, which LXC 3.0 and later refuse: read as its current \
                         name with a warning, so that an old config still loads";
    const PRE_3_REMOVED: &str = "removed in LXC 3.0, which refuses it since: dropped with a \
                                 warning, so that an old config still loads";

    /// The keys and key prefixes we read that LXC 6.0.4 does not, each on purpose. Prefixes
    /// end with a dot.
    const EXTENSIONS: &[(&str, &str)] = &[
        ("lxc.id_map", PRE_3),
        ("lxc.pts", PRE_3),
        ("lxc.tty", PRE_3),
        ("lxc.devttydir", PRE_3),
        ("lxc.aa_profile", PRE_3),
        ("lxc.aa_allow_incomplete", PRE_3),
        ("lxc.se_context", PRE_3),
        ("lxc.mount", PRE_3),
        ("lxc.utsname", PRE_3),
        ("lxc.seccomp", PRE_3),
        ("lxc.console", PRE_3),
        ("lxc.haltsignal", PRE_3),
        ("lxc.rebootsignal", PRE_3),
        ("lxc.stopsignal", PRE_3),
        ("lxc.syslog", PRE_3),
        ("lxc.loglevel", PRE_3),
        ("lxc.logfile", PRE_3),
        ("lxc.init_cmd", PRE_3),
        ("lxc.init_uid", PRE_3),
        ("lxc.init_gid", PRE_3),
        ("lxc.limit", PRE_3),
        ("lxc.limit.", PRE_3),
        ("lxc.rootfs", PRE_3),
        ("lxc.network", PRE_3),
        ("lxc.network.", PRE_3),
        ("lxc.pivotdir", PRE_3_REMOVED),
        ("lxc.kmsg", PRE_3_REMOVED),
        (
            "lxc.rootfs.backend",
            "removed in LXC 3.0 (the type went in front of the path): dropped with a \
             warning, and a pre-3.0 `lxc.rootfs` of the same file gets it in front",
        ),
    ];

    fn parses(text: &str) -> bool {
        parse(&SourceFile::new("config", text)).is_ok()
    }

    #[test]
    fn every_key_of_lxc_is_known() {
        let clear_only: Vec<&str> = CLEAR_ONLY.iter().map(|(k, _, _)| *k).collect();
        for key in lxc("key") {
            // A key that takes no value (`lxc.net`, `lxc.hook`) is read in a line that
            // clears.
            if clear_only.contains(&key) {
                assert!(parses(&format!("{key} =")), "{key} =");
            } else {
                assert!(EXACT.contains(&key), "LXC's `{key}` is not in EXACT");
                assert!(parses(&format!("{key} = x")), "{key} = x");
            }
        }
        // A line of each family, as lxc.container.conf(5) shows them.
        let examples = [
            ("lxc.cgroup2", "lxc.cgroup2.memory.max = 1G"),
            ("lxc.cgroup", "lxc.cgroup.memory.limit_in_bytes = 1G"),
            ("lxc.namespace.share.", "lxc.namespace.share.net = c2"),
            ("lxc.net.", "lxc.net.0.type = veth"),
            ("lxc.prlimit", "lxc.prlimit.nofile = 1024:4096"),
            ("lxc.sysctl", "lxc.sysctl.net.ipv4.ip_forward = 1"),
            ("lxc.proc", "lxc.proc.oom_score_adj = 10"),
        ];
        for prefix in lxc("prefix") {
            let (_, example) = examples
                .iter()
                .find(|(p, _)| *p == prefix)
                .unwrap_or_else(|| panic!("LXC's new prefix `{prefix}`: add an example"));
            assert!(parses(example), "{example}");
            if prefix.ends_with('.') {
                // Prefixes whose handler checks what follows: an index, a namespace.
                assert!([NET, NAMESPACE_SHARE].contains(&prefix), "{prefix}");
            } else {
                // `lxc.cgroup2`: the line that clears them all, and the family
                // `lxc.cgroup2.<file>`.
                assert!(clear_only.contains(&prefix), "`{prefix} =` does not clear");
                assert!(parses(&format!("{prefix} =")), "{prefix} =");
                let family = format!("{prefix}.");
                assert!(
                    FAMILIES.iter().any(|(p, _)| *p == family),
                    "no family {family}"
                );
            }
        }
        for sub in lxc("net") {
            assert!(NET_SUBKEYS.contains(&sub), "LXC's `lxc.net.N.{sub}`");
            assert!(parses(&format!("lxc.net.0.{sub} = x")), "lxc.net.0.{sub}");
        }
    }

    #[test]
    fn every_key_we_know_is_lxcs_or_a_deliberate_extension() {
        let (keys, prefixes, net) = (lxc("key"), lxc("prefix"), lxc("net"));
        // LXC's prefix `lxc.cgroup2` takes `lxc.cgroup2` (to clear) and `lxc.cgroup2.*`.
        let lxc_knows = |key: &str| {
            keys.contains(&key)
                || prefixes.contains(&key)
                || prefixes.contains(&key.trim_end_matches('.'))
        };
        let mut ours: Vec<&str> = EXACT.to_vec();
        ours.extend(CLEAR_ONLY.iter().map(|(k, _, _)| *k));
        ours.extend(FAMILIES.iter().map(|(p, _)| *p));
        ours.extend([NET, NAMESPACE_SHARE]);
        ours.extend(legacy::keys());
        for key in &ours {
            let extension = EXTENSIONS.iter().find(|(k, _)| k == key);
            match (lxc_knows(key), extension) {
                (true, None) | (false, Some(_)) => {}
                (true, Some(_)) => panic!("`{key}` is LXC's, not an extension"),
                (false, None) => panic!("`{key}` is not LXC's: list it in EXTENSIONS, with why"),
            }
        }
        for (key, why) in EXTENSIONS {
            assert!(
                ours.contains(key),
                "`{key}` is listed but we do not read it"
            );
            assert!(!why.is_empty());
        }
        for sub in NET_SUBKEYS {
            assert!(net.contains(sub), "`lxc.net.N.{sub}` is not LXC's");
        }
        // What we refuse with "LXC has no such key" is indeed not LXC's.
        for (key, _) in NOT_KEYS {
            assert!(!lxc_knows(key), "{key}");
        }
    }

    #[test]
    fn extensions_are_read_with_a_warning() {
        for (key, _) in EXTENSIONS {
            let line = match key.strip_suffix('.') {
                Some(prefix) if prefix.ends_with("network") => format!("{key}0.link = br0"),
                Some(_) => format!("{key}nofile = 1024"),
                // Old names of keys that take no value.
                None if ["lxc.network", "lxc.limit"].contains(key) => format!("{key} ="),
                None => format!("{key} = x"),
            };
            let parsed = parse(&SourceFile::new("config", line.as_str()))
                .unwrap_or_else(|d| panic!("{line}: {d:?}"));
            assert_eq!(parsed.warnings.len(), 1, "{line}: {:?}", parsed.warnings);
        }
    }
}
