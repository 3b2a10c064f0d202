//! Capabilities by name, as `lxc.cap.drop` and `lxc.cap.keep` write them, and the sets a
//! container keeps.
//!
//! LXC (`src/lxc/caps.c`, `conf.c` `setup_caps`/`dropcaps_except`) reads each value as a
//! blank-separated list of lower-case names without the `CAP_` prefix (`sys_admin`), or
//! numbers; an unknown name refuses the config. `lxc.cap.drop` removes each named
//! capability from the bounding set of the container's init just before it runs;
//! `lxc.cap.keep` removes every capability it does not name (`none` keeps none). The
//! numbers are the kernel's (`include/uapi/linux/capability.h`); a capability the running
//! kernel does not know (above `/proc/sys/kernel/cap_last_cap`) cannot be in any set, so
//! dropping it is a no-op.

/// The kernel's capability names, by number (`CAP_CHOWN` is 0).
pub const NAMES: &[&str] = &[
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "kill",
    "setgid",
    "setuid",
    "setpcap",
    "linux_immutable",
    "net_bind_service",
    "net_broadcast",
    "net_admin",
    "net_raw",
    "ipc_lock",
    "ipc_owner",
    "sys_module",
    "sys_rawio",
    "sys_chroot",
    "sys_ptrace",
    "sys_pacct",
    "sys_admin",
    "sys_boot",
    "sys_nice",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "mknod",
    "lease",
    "audit_write",
    "audit_control",
    "setfcap",
    "mac_override",
    "mac_admin",
    "syslog",
    "wake_alarm",
    "block_suspend",
    "audit_read",
    "perfmon",
    "bpf",
    "checkpoint_restore",
];

/// `CAP_SYS_ADMIN`.
pub const SYS_ADMIN: u32 = 21;
/// `CAP_NET_ADMIN`.
pub const NET_ADMIN: u32 = 12;

/// The highest capability number anything can be (the bits of a 64-bit set).
pub const MAX: u32 = 63;

/// The number of a capability written as LXC takes it: a name from [`NAMES`] (any case,
/// with or without `CAP_`), or a number.
pub fn parse(name: &str) -> Option<u32> {
    if let Ok(n) = name.parse::<u32>() {
        return (n <= MAX).then_some(n);
    }
    let lower = name.to_ascii_lowercase();
    let bare = lower.strip_prefix("cap_").unwrap_or(&lower);
    NAMES.iter().position(|n| *n == bare).map(|i| i as u32)
}

/// The name of capability `n` (`cap_<n>` for numbers the table does not know).
pub fn name(n: u32) -> String {
    NAMES
        .get(n as usize)
        .map_or_else(|| format!("cap_{n}"), |s| (*s).to_string())
}

/// What the container's configuration says about capabilities.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub enum Caps {
    /// Neither key: the bounding set stays as the launcher's.
    #[default]
    All,
    /// `lxc.cap.drop`: these leave the bounding set.
    Drop(Vec<u32>),
    /// `lxc.cap.keep`: only these stay (`none`: none).
    Keep(Vec<u32>),
}

impl Caps {
    /// The capabilities (numbers up to `last`, the kernel's `cap_last_cap`) that leave the
    /// bounding set, in increasing order.
    pub fn dropped(&self, last: u32) -> Vec<u32> {
        match self {
            Caps::All => Vec::new(),
            Caps::Drop(list) => {
                let mut out: Vec<u32> = list.iter().copied().filter(|c| *c <= last).collect();
                out.sort_unstable();
                out.dedup();
                out
            }
            Caps::Keep(list) => (0..=last).filter(|c| !list.contains(c)).collect(),
        }
    }

    /// Whether the container keeps capability `cap` in its bounding set.
    pub fn keeps(&self, cap: u32) -> bool {
        match self {
            Caps::All => true,
            Caps::Drop(list) => !list.contains(&cap),
            Caps::Keep(list) => list.contains(&cap),
        }
    }

    /// The bounding set the container ends with, as a bit mask over `0..=last`.
    pub fn bounding_mask(&self, last: u32) -> u64 {
        let all = if last >= 63 {
            u64::MAX
        } else {
            (1u64 << (last + 1)) - 1
        };
        self.dropped(last)
            .into_iter()
            .fold(all, |mask, c| mask & !(1u64 << c))
    }
}

/// The running kernel's highest capability number (`/proc/sys/kernel/cap_last_cap`);
/// 40 (`CAP_CHECKPOINT_RESTORE`, Linux 5.9) when it cannot be read.
pub fn last_cap() -> u32 {
    std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(40)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_kernels() {
        // include/uapi/linux/capability.h
        assert_eq!(parse("chown"), Some(0));
        assert_eq!(parse("sys_admin"), Some(21));
        assert_eq!(parse("CAP_SYS_ADMIN"), Some(21));
        assert_eq!(parse("mac_admin"), Some(33));
        assert_eq!(parse("checkpoint_restore"), Some(40));
        assert_eq!(parse("12"), Some(12));
        assert_eq!(parse("sys_adm"), None);
        assert_eq!(parse("64"), None);
        assert_eq!(name(25), "sys_time");
    }

    #[test]
    fn keep_drops_everything_else() {
        assert_eq!(Caps::Keep(vec![0, 2]).dropped(3), vec![1, 3]);
        assert_eq!(Caps::Drop(vec![5, 1, 5, 50]).dropped(40), vec![1, 5]);
        assert_eq!(Caps::All.dropped(40), Vec::<u32>::new());
        assert_eq!(Caps::Keep(vec![]).bounding_mask(3), 0);
        assert_eq!(Caps::Drop(vec![1]).bounding_mask(3), 0b1101);
    }
}
