//! The kernel's value formats for the settings whose format is known: checked before the
//! first write (so a typo never leaves a half-applied config), and normalised so that a
//! desired value can be compared with what the kernel reads back (a memory limit of
//! `5000000` reads back as `4997120`, `0,1` as `0-1`, v1 "unlimited" as a huge number).
//!
//! Settings not listed here are passed through and compared after trimming; the kernel
//! remains the judge of their values.

use crate::backend::translate::{parse_size, v1_unlimited};

/// The format of a setting's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Bytes with an optional K/M/G suffix; `-1` (v1) or `max` (v2) for no limit. The
    /// kernel rounds down to whole pages.
    Bytes,
    /// A decimal integer in a range.
    Integer {
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },
    /// A decimal integer, or `max` (v2) / `-1` (v1) for no limit.
    IntegerOrMax,
    /// A CPU list such as `0-3,8` (cpuset.cpus).
    CpuList,
    /// A memory node list (cpuset.mems).
    MemList,
    /// v2 `cpu.max`: `$MAX $PERIOD` or `$MAX`, where MAX is a number or `max`.
    CpuMax,
    /// Unknown to us: the kernel decides.
    Opaque,
}

/// The format of setting `name`.
pub fn format_of(name: &str) -> Format {
    match name {
        "memory.limit_in_bytes"
        | "memory.soft_limit_in_bytes"
        | "memory.memsw.limit_in_bytes"
        | "memory.kmem.limit_in_bytes"
        | "memory.kmem.tcp.limit_in_bytes"
        | "memory.max"
        | "memory.high"
        | "memory.low"
        | "memory.min"
        | "memory.swap.max"
        | "memory.swap.high"
        | "memory.zswap.max" => Format::Bytes,
        "cpu.shares" => Format::Integer {
            min: 2,
            max: 262_144,
        },
        "cpu.weight" => Format::Integer {
            min: 1,
            max: 10_000,
        },
        "blkio.weight" => Format::Integer { min: 10, max: 1000 },
        "cpu.weight.nice" => Format::Integer { min: -20, max: 19 },
        "cpu.cfs_period_us" => Format::Integer {
            min: 1000,
            max: 1_000_000,
        },
        "cpu.cfs_quota_us" => Format::Integer {
            min: -1,
            max: i64::MAX,
        },
        "pids.max" => Format::IntegerOrMax,
        "cpuset.cpus" => Format::CpuList,
        "cpuset.mems" => Format::MemList,
        "cpu.max" => Format::CpuMax,
        _ => Format::Opaque,
    }
}

/// Checks `value` for setting `name`; `Err` says what is wrong in a phrase that completes
/// "value `x` for `name` ...".
pub fn check(name: &str, value: &str, host: &HostFacts) -> Result<(), String> {
    let v = value.trim();
    match format_of(name) {
        Format::Bytes => {
            if v == "-1" || v == "max" || parse_size(v).is_some() {
                Ok(())
            } else {
                Err(
                    "is not a size: give bytes, optionally with a K, M or G suffix, or `max`"
                        .into(),
                )
            }
        }
        Format::Integer { min, max } => match v.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(()),
            Ok(_) => Err(format!(
                "is out of range: the kernel accepts {min} to {max}"
            )),
            Err(_) => Err("is not a whole number".into()),
        },
        Format::IntegerOrMax => {
            if v == "max" || v == "-1" || v.parse::<u64>().is_ok() {
                Ok(())
            } else {
                Err("is not a whole number or `max`".into())
            }
        }
        Format::CpuList => check_list(v, host.cpus.as_deref(), "CPU", "CPUs"),
        Format::MemList => check_list(v, host.mems.as_deref(), "memory node", "memory nodes"),
        Format::CpuMax => {
            let mut words = v.split_whitespace();
            let quota_ok =
                matches!(words.next(), Some(q) if q == "max" || q.parse::<u64>().is_ok());
            let period_ok = words.next().is_none_or(|p| p.parse::<u64>().is_ok());
            if quota_ok && period_ok && words.next().is_none() {
                Ok(())
            } else {
                Err("is not `$MAX [$PERIOD]` (MAX a number of microseconds or `max`)".into())
            }
        }
        Format::Opaque => Ok(()),
    }
}

fn check_list(value: &str, available: Option<&[u32]>, one: &str, many: &str) -> Result<(), String> {
    let Some(wanted) = parse_list(value) else {
        return Err(format!("is not a list of {many} such as `0-3,8`"));
    };
    if let Some(available) = available {
        if let Some(missing) = wanted.iter().find(|n| !available.contains(n)) {
            return Err(format!(
                "names {one} {missing}, which this host does not have: the {many} available are {}",
                format_list(available)
            ));
        }
    }
    Ok(())
}

/// Parses a kernel list (`0-3,8,10-11`); `None` if malformed. The empty list is valid.
pub fn parse_list(text: &str) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for part in text.trim().split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (a.trim().parse::<u32>().ok()?, b.trim().parse::<u32>().ok()?);
                if a > b || b - a > 1 << 16 {
                    return None;
                }
                out.extend(a..=b);
            }
            None => out.push(part.trim().parse().ok()?),
        }
    }
    out.sort_unstable();
    out.dedup();
    Some(out)
}

/// Writes a sorted list the way the kernel prints it (`0-3,8`).
pub fn format_list(items: &[u32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let start = items[i];
        let mut end = start;
        while i + 1 < items.len() && items[i + 1] == end + 1 {
            i += 1;
            end = items[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    parts.join(",")
}

/// What the kernel will read back after `value` is written to `name`, as far as we know
/// it; used to skip writes that would change nothing.
pub fn normalize(name: &str, value: &str, host: &HostFacts) -> String {
    let v = value.trim();
    match format_of(name) {
        Format::Bytes => {
            let unlimited_v1 = v1_unlimited();
            if v == "max" {
                return if name.starts_with("memory.") && name.ends_with("_in_bytes") {
                    unlimited_v1.to_string()
                } else {
                    "max".into()
                };
            }
            if v == "-1" {
                return unlimited_v1.to_string();
            }
            match parse_size(v) {
                Some(bytes) if bytes >= unlimited_v1 => unlimited_v1.to_string(),
                Some(bytes) => (bytes / host.page_size * host.page_size).to_string(),
                None => v.to_string(),
            }
        }
        Format::IntegerOrMax if v == "-1" => "max".into(),
        Format::CpuList | Format::MemList => {
            parse_list(v).map_or_else(|| v.to_string(), |list| format_list(&list))
        }
        Format::CpuMax => {
            let mut words = v.split_whitespace();
            let quota = words.next().unwrap_or("max");
            let period = words.next().unwrap_or("100000");
            format!("{quota} {period}")
        }
        _ => v.to_string(),
    }
}

/// Whether writing `wanted` to setting `name` would leave it as it reads now (`live`), as
/// far as we know the kernel's normalised form: a plan writes only values that differ.
pub fn unchanged(name: &str, live: &str, wanted: &str, host: &HostFacts) -> bool {
    let mut words = wanted.split_whitespace();
    match (format_of(name), words.next(), words.next()) {
        // `$MAX` alone sets the quota and keeps the period, whatever it is.
        (Format::CpuMax, Some(quota), None) => live.split_whitespace().next() == Some(quota),
        _ => normalize(name, live, host) == normalize(name, wanted, host),
    }
}

/// What validation needs to know about the host, read once per run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostFacts {
    /// The CPUs tasks may use (root cpuset), if the host has a cpuset hierarchy.
    pub cpus: Option<Vec<u32>>,
    /// The memory nodes, likewise.
    pub mems: Option<Vec<u32>>,
    /// The page size, which memory limits are rounded to.
    pub page_size: u64,
}

impl HostFacts {
    /// Reads the root cpuset and the page size.
    pub fn read(cgroups: &crate::Cgroups) -> HostFacts {
        let root = crate::GroupPath::root();
        let cpuset = cgroups
            .hierarchy_for("cpuset")
            .ok()
            .and_then(|h| cgroups.cgroup(h, &root).ok());
        let read = |v1: &str, v2: &str| -> Option<Vec<u32>> {
            let cg = cpuset.as_ref()?;
            let name = match cg.hierarchy().version() {
                crate::Version::V1 => v1,
                crate::Version::V2 => v2,
            };
            parse_list(&cg.get(name).ok()?)
        };
        let page_size = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
            .ok()
            .flatten()
            .and_then(|n| u64::try_from(n).ok())
            .filter(|&n| n > 0)
            .unwrap_or(4096);
        HostFacts {
            cpus: read("cpuset.cpus", "cpuset.cpus.effective"),
            mems: read("cpuset.mems", "cpuset.mems.effective"),
            page_size,
        }
    }

    /// Facts for tests: two CPUs, one memory node, 4 KiB pages.
    pub fn example() -> HostFacts {
        HostFacts {
            cpus: Some(vec![0, 1]),
            mems: Some(vec![0]),
            page_size: 4096,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_limits_compare_page_rounded() {
        let host = HostFacts::example();
        assert_eq!(
            normalize("memory.limit_in_bytes", "5000000", &host),
            "4997120"
        );
        assert_eq!(
            normalize("memory.limit_in_bytes", "50000000", &host),
            "49999872"
        );
        assert_eq!(normalize("memory.limit_in_bytes", "64M", &host), "67108864");
        assert_eq!(
            normalize("memory.limit_in_bytes", "-1", &host),
            v1_unlimited().to_string()
        );
        assert_eq!(normalize("memory.max", "max", &host), "max");
    }

    #[test]
    fn a_quota_alone_compares_with_the_quota_whatever_the_period() {
        let host = HostFacts::example();
        assert!(unchanged("cpu.max", "max 250000", "max", &host));
        assert!(unchanged("cpu.max", "50000 100000", "50000", &host));
        assert!(!unchanged("cpu.max", "50000 100000", "max", &host));
        assert!(unchanged("cpu.max", "max 100000", "max 100000", &host));
        assert!(!unchanged("cpu.max", "max 250000", "max 100000", &host));
        assert!(unchanged("memory.max", "4997120", "5000000", &host));
        assert!(!unchanged("cpu.weight", "100", "25", &host));
    }

    #[test]
    fn lists_compare_in_kernel_form() {
        let host = HostFacts::example();
        assert_eq!(normalize("cpuset.cpus", "1,0", &host), "0-1");
        assert_eq!(normalize("cpuset.cpus", "0-2,5,7-8", &host), "0-2,5,7-8");
        assert_eq!(format_list(&[]), "");
    }

    #[test]
    fn cpus_the_host_lacks_are_named_with_the_available_ones() {
        let host = HostFacts::example();
        assert_eq!(
            check("cpuset.cpus", "0-5", &host).unwrap_err(),
            "names CPU 2, which this host does not have: the CPUs available are 0-1"
        );
        assert!(check("cpuset.cpus", "0-1", &host).is_ok());
        assert!(check("cpuset.cpus", "1-0", &host).is_err());
        assert!(check("cpuset.mems", "0", &host).is_ok());
    }

    #[test]
    fn numbers_sizes_and_max() {
        let host = HostFacts::example();
        assert!(check("cpu.shares", "100", &host).is_ok());
        assert_eq!(
            check("cpu.shares", "1", &host).unwrap_err(),
            "is out of range: the kernel accepts 2 to 262144"
        );
        assert!(check("cpu.shares", "abc", &host).is_err());
        assert!(check("memory.limit_in_bytes", "64M", &host).is_ok());
        assert!(check("memory.limit_in_bytes", "lots", &host).is_err());
        assert!(check("pids.max", "max", &host).is_ok());
        assert!(check("cpu.max", "50000 100000", &host).is_ok());
        assert!(check("cpu.max", "half", &host).is_err());
        assert!(check("devices.allow", "anything", &host).is_ok());
        // io.weight also takes `default N` and per-device `MAJ:MIN N` lines.
        assert!(check("io.weight", "default 100", &host).is_ok());
    }
}
