//! What the launcher does with every key LXC knows: the table `docs/compat.md` lists,
//! and the source of the warnings and refusals for keys that are not implemented.
//!
//! The rule (issue 14): every key that narrows what a container may do is honoured, or the
//! container is refused with the key, its location and the reason. Keys that only add a
//! feature we do not implement draw a warning when ignoring them leaves the container
//! working as configured, and refuse it when ignoring them would break it.

/// What happens to a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Treatment {
    /// Implemented by the launcher (this crate).
    Honoured,
    /// Read by cgconfigd (autostart order, stop signals, placement), not by the launch.
    Service,
    /// Accepted without effect and without a word: it has no meaning for a launch.
    Accepted,
    /// Accepted without effect, with a warning.
    Warned,
    /// The container is refused when the key has a value that asks for something.
    Refused,
}

/// Every key (or, ending with `.`, key prefix) of LXC 6, with its treatment and why.
/// Prefix entries come after the exact keys they contain.
pub const TABLE: &[(&str, Treatment, &str)] = {
    use Treatment::*;
    &[
        ("lxc.arch", Honoured, "the personality: linux32 on a 64-bit host runs 32-bit; other architectures are refused"),
        ("lxc.apparmor.profile", Honoured, "a named profile is set through the exec attribute when AppArmor is enabled; `unconfined`/`unchanged` change nothing; `generated` is refused; when AppArmor is not enabled the key has no effect, as in LXC"),
        ("lxc.apparmor.allow_incomplete", Accepted, "only matters on kernels whose AppArmor cannot mediate mounts, which LXC then refuses; we never load a profile ourselves"),
        ("lxc.apparmor.allow_nesting", Warned, "only shapes a generated profile, which we do not generate"),
        ("lxc.apparmor.raw", Warned, "only shapes a generated profile, which we do not generate"),
        ("lxc.autodev.tmpfs.size", Honoured, "the size of the /dev tmpfs"),
        ("lxc.autodev", Honoured, "1: a tmpfs on /dev with the standard devices; 0: the rootfs's /dev as it is"),
        ("lxc.cap.drop", Honoured, "dropped from the bounding set (and the inheritable and ambient sets)"),
        ("lxc.cap.keep", Honoured, "every other capability dropped from the bounding set"),
        ("lxc.cgroup.dir.monitor.pivot", Accepted, "cgconfigd has no monitor process per container"),
        ("lxc.cgroup.dir.monitor", Accepted, "cgconfigd has no monitor process per container"),
        ("lxc.cgroup.dir.container.inner", Warned, "the container's group is chosen by cgconfigd"),
        ("lxc.cgroup.dir.container", Warned, "the container's group is chosen by cgconfigd"),
        ("lxc.cgroup.dir", Warned, "the container's group is chosen by cgconfigd"),
        ("lxc.cgroup.relative", Service, "always in effect: containers live below cgconfigd's subtree"),
        ("lxc.console.buffer.size", Warned, "console logging is not implemented"),
        ("lxc.console.logfile", Warned, "console logging is not implemented"),
        ("lxc.console.path", Honoured, "`none`: no console; unset: a pty; a host device is refused (not yet)"),
        ("lxc.console.rotate", Warned, "console logging is not implemented"),
        ("lxc.console.size", Warned, "console logging is not implemented"),
        ("lxc.sched.core", Refused, "core scheduling narrows what the container shares with the host's SMT siblings: refused until implemented"),
        ("lxc.environment", Honoured, "set in the init's environment, `NAME` alone copies cgconfigd's value"),
        ("lxc.ephemeral", Refused, "a throw-away copy of the rootfs is not implemented; ignoring it would change the rootfs for good"),
        ("lxc.execute.cmd", Accepted, "only lxc-execute runs it"),
        ("lxc.group", Service, "autostart groups"),
        ("lxc.hook.autodev", Refused, "hooks are not run; the container may depend on what they set up"),
        ("lxc.hook.clone", Accepted, "only lxc-copy runs it"),
        ("lxc.hook.destroy", Accepted, "only lxc-destroy runs it"),
        ("lxc.hook.mount", Refused, "hooks are not run; the container may depend on what they set up"),
        ("lxc.hook.post-stop", Warned, "hooks are not run; it would run after the container stopped"),
        ("lxc.hook.pre-mount", Refused, "hooks are not run; the container may depend on what they set up"),
        ("lxc.hook.pre-start", Refused, "hooks are not run; the container may depend on what they set up"),
        ("lxc.hook.start", Refused, "hooks are not run; the container may depend on what they set up"),
        ("lxc.hook.start-host", Refused, "hooks are not run; the container may depend on what they set up"),
        ("lxc.hook.stop", Warned, "hooks are not run; it would run when the container stops"),
        ("lxc.hook.version", Accepted, "only says how hooks get their arguments"),
        ("lxc.idmap", Honoured, "a user namespace with these maps, written by the parent (newuidmap/newgidmap when both are installed, as LXC)"),
        ("lxc.include", Accepted, "read by the grammar crate"),
        ("lxc.init.cmd", Honoured, "the init's command line (default /sbin/init)"),
        ("lxc.init.gid", Honoured, "the init's gid"),
        ("lxc.init.groups", Honoured, "the init's supplementary groups"),
        ("lxc.init.uid", Honoured, "the init's uid"),
        ("lxc.init.cwd", Honoured, "the init's working directory"),
        ("lxc.keyring.session", Honoured, "1 (the default): the init gets a new session keyring"),
        ("lxc.log.file", Warned, "cgconfigd logs to its own log"),
        ("lxc.log.level", Warned, "cgconfigd logs to its own log"),
        ("lxc.log.syslog", Warned, "cgconfigd logs to its own log"),
        ("lxc.monitor.unshare", Accepted, "cgconfigd has no monitor process per container"),
        ("lxc.monitor.signal.pdeath", Honoured, "the signal the init gets when cgconfigd dies; unset: none (LXC: SIGKILL), so that a daemon restart leaves containers running"),
        ("lxc.mount.auto", Honoured, "proc, sys and cgroup mounts with their modes"),
        ("lxc.mount.entry", Honoured, "fstab-format mounts with create=, optional, relative"),
        ("lxc.mount.fstab", Honoured, "a file of mount entries (a relative path is taken from the container's directory)"),
        ("lxc.namespace.clone", Honoured, "the namespaces to create"),
        ("lxc.namespace.keep", Honoured, "namespaces shared with the host (never the mount namespace)"),
        ("lxc.namespace.share.", Refused, "joining another container's namespace is not implemented"),
        ("lxc.time.offset.boot", Refused, "time namespaces are not implemented"),
        ("lxc.time.offset.monotonic", Refused, "time namespaces are not implemented"),
        ("lxc.no_new_privs", Honoured, "PR_SET_NO_NEW_PRIVS before the init runs"),
        ("lxc.pty.max", Honoured, "a devpts instance with this many ptys (none without the key, as LXC)"),
        ("lxc.rootfs.managed", Accepted, "only lxc-destroy reads it"),
        ("lxc.rootfs.mount", Accepted, "the rootfs is bind-mounted onto itself instead of at this staging directory"),
        ("lxc.rootfs.options", Honoured, "mount flags of the rootfs bind mount (ro, nosuid, ...); idmap= is refused"),
        ("lxc.rootfs.path", Honoured, "`dir:PATH` or PATH; other backends are refused"),
        ("lxc.seccomp.allow_nesting", Warned, "the filter is always installed"),
        ("lxc.seccomp.notify.cookie", Refused, "seccomp notification is not implemented"),
        ("lxc.seccomp.notify.proxy", Refused, "seccomp notification is not implemented"),
        ("lxc.seccomp.profile", Honoured, "compiled and installed before the init runs"),
        ("lxc.selinux.context.keyring", Honoured, "no effect when SELinux is not enabled (as LXC); refused when it is"),
        ("lxc.selinux.context", Honoured, "no effect when SELinux is not enabled (as LXC); refused when it is"),
        ("lxc.signal.halt", Service, "the signal of a clean stop"),
        ("lxc.signal.reboot", Service, "the signal of a restart"),
        ("lxc.signal.stop", Service, "the signal of a forced stop"),
        ("lxc.start.auto", Service, "autostart"),
        ("lxc.start.delay", Service, "autostart"),
        ("lxc.start.order", Service, "autostart"),
        ("lxc.tty.dir", Honoured, "the directory under /dev of the console and the ttys (/dev/ttyN link to DIR/ttyN)"),
        ("lxc.tty.max", Honoured, "ttys 1 to N: ptys on /dev/tty1../dev/ttyN, `container_ttys` for the init; `cgconfigd console -t N`"),
        ("lxc.uts.name", Honoured, "the hostname"),
        ("lxc.hook", Accepted, "takes no value: `lxc.hook =` clears every hook"),
        ("lxc.net", Accepted, "takes no value: `lxc.net =` clears every network"),
        ("lxc.cgroup2", Accepted, "takes no value: clears every `lxc.cgroup2.*` setting"),
        ("lxc.cgroup", Accepted, "takes no value: clears every `lxc.cgroup.*` setting"),
        ("lxc.prlimit", Accepted, "takes no value: clears every limit"),
        ("lxc.sysctl", Accepted, "takes no value: clears every sysctl"),
        ("lxc.proc", Accepted, "takes no value: clears every `lxc.proc.*` setting"),
        ("lxc.cgroup2.", Honoured, "written to the container's group before the init runs; devices.allow/deny become the device program"),
        ("lxc.cgroup.", Honoured, "v1 names: written on v1 hierarchies, translated on cgroup v2 (logged); devices.allow/deny become the device rules"),
        ("lxc.prlimit.", Honoured, "resource limits of the init"),
        ("lxc.sysctl.", Honoured, "written under /proc/sys in the container"),
        ("lxc.proc.", Honoured, "written to the init's /proc/PID files"),
        // `lxc.net.<index>.<subkey>`, looked up with the index written `N` (see `treatment`).
        ("lxc.net.N.type", Honoured, "no network: a new empty namespace; `none`: the host's (only with other `none`s, as LXC); `empty`: lo only; veth (on a bridge), macvlan, vlan: set up by the launcher before the init runs; phys: the host device `link` moved into the container under its name there and configured like the others, moved back under its own name with its MTU when the container stops (cgconfigd keeps the container's network namespace for that); ipvlan and unknown types are refused"),
        ("lxc.net.N.flags", Honoured, "any value brings the interface up, as LXC (a value other than `up` draws a warning); on `empty`, lo"),
        ("lxc.net.N.link", Honoured, "the bridge of a veth (bridge mode), the parent of a macvlan or vlan, the device a phys moves in (required for those three); a `phys` pattern ending in `+` is refused"),
        ("lxc.net.N.name", Honoured, "the name in the container; unset: eth0, eth1, ... in order of N skipping names other networks take (a phys keeps its host name); two networks with one name, or `lo`, are refused"),
        ("lxc.net.N.hwaddr", Honoured, "the MAC address; each `x` is a random hex digit, the first byte kept unicast (LXC's rand_complete_hwaddr); the template is kept so that the address can stay stable across restarts; multicast and zero addresses are refused"),
        ("lxc.net.N.mtu", Honoured, "the MTU, 68 to 65535"),
        ("lxc.net.N.ipv4.address", Honoured, "ADDRESS/PREFIX [BROADCAST], several lines for several addresses; no prefix: the address class's, as LXC (with a warning); no broadcast: the host bits set"),
        ("lxc.net.N.ipv4.gateway", Honoured, "an address, `auto` (the link's first address; needs a link) or `dev` (a device route); needs flags=up and an IPv4 address, which LXC checks at start"),
        ("lxc.net.N.ipv6.address", Honoured, "ADDRESS[/PREFIX] (64 by default), several lines for several addresses"),
        ("lxc.net.N.ipv6.gateway", Honoured, "an address, `auto` or `dev`; needs flags=up and an IPv6 address unless the gateway is link-local, as LXC"),
        ("lxc.net.N.l2proxy", Refused, "neighbour proxy entries on the host's link are not implemented; without them the container's addresses are unreachable (0 is accepted)"),
        ("lxc.net.N.macvlan.mode", Honoured, "private (the default), vepa, bridge, passthru"),
        ("lxc.net.N.ipvlan.mode", Refused, "ipvlan networks are not implemented"),
        ("lxc.net.N.ipvlan.isolation", Refused, "ipvlan networks are not implemented"),
        ("lxc.net.N.script.up", Refused, "network scripts are not run; the container may depend on what they set up"),
        ("lxc.net.N.script.down", Warned, "network scripts are not run; it would run when the network is taken down"),
        ("lxc.net.N.vlan.id", Honoured, "the VLAN id of a vlan network, 0 to 4094 (unset: 0, as LXC, with a warning)"),
        ("lxc.net.N.veth.mode", Honoured, "bridge (the default): the host end joins `link`; router: no bridge (`link` draws a warning): the host routes each of the container's addresses (/32, /128) through the host end and answers ARP/NDP there for an address `ipv4.gateway`/`ipv6.gateway` (proxy entries; the host end's forwarding, and proxy_ndp for IPv6, turned on), as LXC; an IPv6 gateway needs net.ipv6.conf.all.forwarding=1 on the host, which LXC and cgconfigd check and do not set"),
        ("lxc.net.N.veth.n_rxqueues", Warned, "the veth gets the kernel's default number of queues"),
        ("lxc.net.N.veth.n_txqueues", Warned, "the veth gets the kernel's default number of queues"),
        ("lxc.net.N.veth.pair", Honoured, "the host end's name (unset: generated)"),
        ("lxc.net.N.veth.ipv4.route", Honoured, "NETWORK/PREFIX, several lines for several routes: a route on the host to it through the host end (bridge or router mode), gone with the host end at stop"),
        ("lxc.net.N.veth.ipv6.route", Honoured, "NETWORK/PREFIX, several lines for several routes: a route on the host to it through the host end (bridge or router mode), gone with the host end at stop"),
        ("lxc.net.N.veth.vlan.id", Refused, "VLAN filtering on the bridge port is not implemented; ignoring it would put the container on the bridge's default VLAN"),
        ("lxc.net.N.veth.vlan.tagged.id", Refused, "VLAN filtering on the bridge port is not implemented; ignoring it would put the container on the bridge's VLANs it should not see"),
        ("lxc.net.", Honoured, "the networks, by index: see the `lxc.net.N.*` keys"),
    ]
};

/// `key` with a network index written `N` (`lxc.net.0.link` -> `lxc.net.N.link`), as the
/// table lists network keys; other keys as they are.
pub fn table_key(key: &str) -> std::borrow::Cow<'_, str> {
    if let Some(rest) = key.strip_prefix("lxc.net.") {
        if let Some((index, sub)) = rest.split_once('.') {
            if !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()) {
                return format!("lxc.net.N.{sub}").into();
            }
        }
    }
    key.into()
}

/// The treatment of `key` (a canonical key of a loaded config) and why.
pub fn treatment(key: &str) -> Option<(Treatment, &'static str)> {
    let key = table_key(key);
    let key = key.as_ref();
    TABLE
        .iter()
        .find(|(k, _, _)| *k == key)
        .or_else(|| {
            TABLE
                .iter()
                .filter(|(k, _, _)| k.ends_with('.') && key.starts_with(k))
                .max_by_key(|(k, _, _)| k.len())
        })
        .map(|(_, t, why)| (*t, *why))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// LXC's key table, read out of its build (see the file's header).
    const LXC_KEYS: &str = include_str!("../../../grammar/tests/data/lxc-6.0.4-keys.txt");

    #[test]
    fn every_key_of_lxc_has_a_treatment() {
        for line in LXC_KEYS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let Some((kind, name)) = line.split_once(' ') else {
                panic!("bad line {line:?}");
            };
            let key = match kind {
                "key" => name.to_string(),
                "prefix" if name.ends_with('.') => format!("{name}x"),
                "prefix" => format!("{name}.x"),
                "net" => format!("lxc.net.0.{name}"),
                _ => panic!("bad kind {kind}"),
            };
            assert!(treatment(&key).is_some(), "no treatment for {key}");
        }
    }

    #[test]
    fn the_longest_prefix_wins() {
        assert_eq!(
            treatment("lxc.cgroup.relative").map(|t| t.0),
            Some(Treatment::Service)
        );
        assert_eq!(
            treatment("lxc.cgroup.memory.limit_in_bytes").map(|t| t.0),
            Some(Treatment::Honoured)
        );
        assert_eq!(
            treatment("lxc.namespace.share.net").map(|t| t.0),
            Some(Treatment::Refused)
        );
    }

    #[test]
    fn network_keys_are_found_whatever_their_index() {
        for index in ["0", "7", "123"] {
            assert_eq!(
                treatment(&format!("lxc.net.{index}.script.up")).map(|t| t.0),
                Some(Treatment::Refused)
            );
            assert_eq!(
                treatment(&format!("lxc.net.{index}.veth.n_rxqueues")).map(|t| t.0),
                Some(Treatment::Warned)
            );
            assert_eq!(
                treatment(&format!("lxc.net.{index}.hwaddr")).map(|t| t.0),
                Some(Treatment::Honoured)
            );
        }
        // Every network key of LXC has a row of its own, not only the `lxc.net.` prefix.
        for line in LXC_KEYS.lines().filter(|l| l.starts_with("net ")) {
            let sub = &line["net ".len()..];
            assert!(
                TABLE
                    .iter()
                    .any(|(k, _, _)| *k == format!("lxc.net.N.{sub}")),
                "no row for lxc.net.N.{sub}"
            );
        }
    }
}
