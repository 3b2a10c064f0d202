//! v1 <-> v2 translation of settings: names and values, both directions.
//!
//! The rows are libcgroup 3.x's abstraction table (`src/abstraction-*.c`, reference section
//! 3), widened where the kernel documentation gives an exact mapping:
//! `cpu.cfs_burst_us`/`cpu.max.burst`, `freezer.state`/`cgroup.freeze`, the blkio
//! throttles/`io.max`, `blkio.weight`/`io.weight` (systemd's linear mapping around the
//! defaults 500 and 100), memory and hugetlb usage/limits. See
//! [cgroup-v2.rst](https://docs.kernel.org/admin-guide/cgroup-v2.html) and
//! [cgroup-v1](https://docs.kernel.org/admin-guide/cgroup-v1/index.html).
//!
//! Values: `-1` <-> `max`; sizes with K/M/G/T/P/E suffixes become bytes; shares <-> weight
//! with libcgroup's integer arithmetic, clamped into the target's valid range (libcgroup
//! turns `cpu.shares = 2` into the invalid `cpu.weight = 0`). A setting in the table
//! without a counterpart is [`ErrorKind::Unmappable`]; a name absent from the table, when
//! the caller insists on a vocabulary, is [`ErrorKind::InvalidSetting`], as in libcgroup.
//!
//! [`v2_form`] says what the v1 controllers cgroup v2 has no controller of the same name
//! for are there (`blkio` is `io`; `freezer`, `cpuacct`, `perf_event`, `devices`, `net_cls`,
//! `net_prio` leave nothing to enable), for configurations written for v1.

use crate::backend::discovery::Layout;
use crate::backend::error::{Error, ErrorKind, Op, Result};
use crate::backend::hierarchy::{Hierarchy, Version};
use crate::backend::setting::{controller_of, Setting};

/// How a value changes between the two names of a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Conv {
    /// Identical meaning and format.
    Same,
    /// `cpu.shares` <-> `cpu.weight`.
    SharesWeight,
    /// `blkio.weight` <-> `io.weight` (default weight).
    BlkioWeight,
    /// `cpu.cfs_quota_us` <-> first field of `cpu.max`.
    Quota,
    /// `cpu.cfs_period_us` <-> second field of `cpu.max`.
    Period,
    /// `cpuset.cpu_exclusive` <-> `cpuset.cpus.partition`.
    Partition,
    /// Byte limits: `-1` <-> `max`, suffixes to bytes.
    Limit,
    /// `freezer.state` <-> `cgroup.freeze`.
    Freeze,
    /// `blkio.throttle.*_device` <-> one key of `io.max`.
    Throttle(&'static str),
}

/// One row: the v1 name, the v2 name (`""`: none on that side), the value conversion.
/// `*` stands for one dotted component (the huge page size in hugetlb names).
struct Row {
    v1: &'static str,
    v2: &'static str,
    conv: Conv,
}

const fn row(v1: &'static str, v2: &'static str, conv: Conv) -> Row {
    Row { v1, v2, conv }
}

const NONE: Conv = Conv::Same;

#[rustfmt::skip]
const TABLE: &[Row] = &[
    row("cpu.shares", "cpu.weight", Conv::SharesWeight),
    row("cpu.cfs_quota_us", "cpu.max", Conv::Quota),
    row("cpu.cfs_period_us", "cpu.max", Conv::Period),
    row("cpu.cfs_burst_us", "cpu.max.burst", Conv::Same),
    row("cpu.idle", "cpu.idle", Conv::Same),
    row("cpu.uclamp.min", "cpu.uclamp.min", Conv::Same),
    row("cpu.uclamp.max", "cpu.uclamp.max", Conv::Same),
    row("cpu.stat", "", NONE),
    row("", "cpu.stat", NONE),
    row("cpu.rt_runtime_us", "", NONE),
    row("cpu.rt_period_us", "", NONE),
    row("", "cpu.weight.nice", NONE),
    row("cpuset.cpus", "cpuset.cpus", Conv::Same),
    row("cpuset.mems", "cpuset.mems", Conv::Same),
    row("cpuset.effective_cpus", "cpuset.cpus.effective", Conv::Same),
    row("cpuset.effective_mems", "cpuset.mems.effective", Conv::Same),
    row("cpuset.cpu_exclusive", "cpuset.cpus.partition", Conv::Partition),
    row("cpuset.mem_exclusive", "", NONE),
    row("cpuset.mem_hardwall", "", NONE),
    row("cpuset.memory_migrate", "", NONE),
    row("cpuset.memory_pressure", "", NONE),
    row("cpuset.memory_pressure_enabled", "", NONE),
    row("cpuset.memory_spread_page", "", NONE),
    row("cpuset.memory_spread_slab", "", NONE),
    row("cpuset.sched_load_balance", "", NONE),
    row("cpuset.sched_relax_domain_level", "", NONE),
    row("", "cpuset.cpus.exclusive", NONE),
    row("memory.limit_in_bytes", "memory.max", Conv::Limit),
    row("memory.soft_limit_in_bytes", "memory.high", Conv::Limit),
    row("memory.usage_in_bytes", "memory.current", Conv::Same),
    row("memory.max_usage_in_bytes", "memory.peak", Conv::Same),
    row("memory.memsw.limit_in_bytes", "", NONE),
    row("memory.memsw.usage_in_bytes", "", NONE),
    row("memory.swappiness", "", NONE),
    row("memory.oom_control", "", NONE),
    row("memory.use_hierarchy", "", NONE),
    row("memory.force_empty", "", NONE),
    row("memory.move_charge_at_immigrate", "", NONE),
    row("memory.failcnt", "", NONE),
    row("memory.stat", "", NONE),
    row("", "memory.stat", NONE),
    row("", "memory.low", NONE),
    row("", "memory.min", NONE),
    row("", "memory.swap.max", NONE),
    row("", "memory.oom.group", NONE),
    row("pids.max", "pids.max", Conv::Same),
    row("pids.current", "pids.current", Conv::Same),
    row("pids.events", "pids.events", Conv::Same),
    row("freezer.state", "cgroup.freeze", Conv::Freeze),
    row("freezer.self_freezing", "", NONE),
    row("freezer.parent_freezing", "", NONE),
    row("blkio.weight", "io.weight", Conv::BlkioWeight),
    row("blkio.bfq.weight", "io.bfq.weight", Conv::Same),
    row("blkio.throttle.read_bps_device", "io.max", Conv::Throttle("rbps")),
    row("blkio.throttle.write_bps_device", "io.max", Conv::Throttle("wbps")),
    row("blkio.throttle.read_iops_device", "io.max", Conv::Throttle("riops")),
    row("blkio.throttle.write_iops_device", "io.max", Conv::Throttle("wiops")),
    row("blkio.weight_device", "", NONE),
    row("", "io.stat", NONE),
    row("", "io.latency", NONE),
    row("hugetlb.*.limit_in_bytes", "hugetlb.*.max", Conv::Limit),
    row("hugetlb.*.rsvd.limit_in_bytes", "hugetlb.*.rsvd.max", Conv::Limit),
    row("hugetlb.*.usage_in_bytes", "hugetlb.*.current", Conv::Same),
    row("hugetlb.*.rsvd.usage_in_bytes", "hugetlb.*.rsvd.current", Conv::Same),
    row("hugetlb.*.max_usage_in_bytes", "", NONE),
    row("hugetlb.*.failcnt", "", NONE),
    row("", "hugetlb.*.events", NONE),
    row("rdma.max", "rdma.max", Conv::Same),
    row("rdma.current", "rdma.current", Conv::Same),
    row("misc.max", "misc.max", Conv::Same),
    row("misc.current", "misc.current", Conv::Same),
    row("cgroup.procs", "cgroup.procs", Conv::Same),
];

/// v1 controllers with no v2 counterpart at all, and why: the hint of every setting of
/// theirs on a v2 host, whether the table knows its name or not.
const V1_ONLY: &[(&str, &str)] = &[
    (
        "devices",
        "cgroup v2 controls device access with eBPF programs attached to the group \
         (BPF_CGROUP_DEVICE; systemd's DeviceAllow= installs one), not with files",
    ),
    (
        "net_cls",
        "cgroup v2 has no net_cls; match the group's path instead of a class id \
         (nftables `socket cgroupv2`, iptables `-m cgroup --path`)",
    ),
    (
        "net_prio",
        "cgroup v2 has no net_prio; set priorities per socket (SO_PRIORITY) or with tc",
    ),
    (
        "cpuacct",
        "cgroup v2 reports CPU usage in cpu.stat, which every group has",
    ),
    (
        "perf_event",
        "cgroup v2 perf_event has no settings: perf selects a group by its path",
    ),
];

/// Why a v1 setting of `controller` that the table has no v2 row for has none, when there
/// is more to say than that.
fn why_not_in_v2(controller: &str) -> Option<&'static str> {
    match controller {
        "freezer" => Some(
            "cgroup v2 freezes a group with `cgroup.freeze` (1 or 0, what `freezer.state` \
             becomes) and reports it as `frozen` in `cgroup.events`",
        ),
        _ => V1_ONLY
            .iter()
            .find(|(c, _)| *c == controller)
            .map(|(_, why)| *why),
    }
}

/// What a group of a v1 controller that cgroup v2 has no controller of the same name for
/// is in the v2 hierarchy (see [`v2_form`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum V2Form {
    /// A group with this v2 controller enabled, like any other (`blkio`: `io`).
    Controller(&'static str),
    /// A group with no controller to enable: what is left of the v1 controller on v2 is
    /// part of every group (`freezer`: `cgroup.freeze`; `cpuacct`: `cpu.stat`;
    /// `perf_event`, always on), or it has no v2 counterpart at all (`devices`, `net_cls`,
    /// `net_prio`): the group exists, and the block's settings cannot be translated.
    Group,
}

impl V2Form {
    /// The v2 controller a group of this form needs enabled, if any.
    pub fn controller(self) -> Option<&'static str> {
        match self {
            V2Form::Controller(c) => Some(c),
            V2Form::Group => None,
        }
    }
}

/// How cgroup v2 holds the groups of v1 controller `controller`, for the v1 controllers
/// it has no controller of the same name for; `None` for the others (`cpu`, `memory`:
/// the same name in both, or not a v1 controller).
///
/// A cgconfig.conf block of such a controller, on a host where no v1 hierarchy mounts it
/// but a v2 one is mounted, names the group in the v2 hierarchy (libcgroup's `cgroup`
/// pseudo-controller does the same for controller-less groups); its settings are
/// translated like any other, and those without a v2 form are [`ErrorKind::Unmappable`]
/// with the reason. `docs/compat.md` gives the reasons per controller.
pub fn v2_form(controller: &str) -> Option<V2Form> {
    Some(match controller {
        // io.weight and io.max hold what blkio's weight and throttle files did.
        "blkio" => V2Form::Controller("io"),
        // The v2 freezer is `cgroup.freeze` of every group; CPU usage is in every
        // group's cpu.stat; perf_event is implicitly on everywhere (never listed in
        // cgroup.controllers); device access is an eBPF program attached to the group;
        // net_cls and net_prio have no counterpart (the group's path is what nftables
        // matches).
        "freezer" | "cpuacct" | "perf_event" | "devices" | "net_cls" | "net_prio" => V2Form::Group,
        _ => return None,
    })
}

/// The v1 unlimited value as the kernel prints it: the largest page-aligned `i64`
/// (9223372036854771712 with 4 KiB pages), which libcgroup also prints for `max`.
pub fn v1_unlimited() -> u64 {
    let page = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .and_then(|p| u64::try_from(p).ok())
        .filter(|&p| p > 0)
        .unwrap_or(4096);
    (i64::MAX as u64 / page) * page
}

fn matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            name.len() > head.len() + tail.len()
                && name.starts_with(head)
                && name.ends_with(tail)
                && !name[head.len()..name.len() - tail.len()].contains('.')
        }
    }
}

/// The `*` part of `name` under `pattern` (`2MB` in `hugetlb.2MB.max`).
fn wildcard<'n>(pattern: &str, name: &'n str) -> &'n str {
    match pattern.split_once('*') {
        Some((head, tail)) => &name[head.len()..name.len() - tail.len()],
        None => "",
    }
}

fn side(row: &Row, version: Version) -> &'static str {
    match version {
        Version::V1 => row.v1,
        Version::V2 => row.v2,
    }
}

fn rows_named(name: &str, version: Version) -> impl Iterator<Item = &'static Row> + '_ {
    let controller = name.split('.').next().unwrap_or(name);
    rows_of(controller, version)
        .iter()
        .copied()
        .filter(move |r| matches(side(r, version), name))
}

/// The rows whose `version` side names a file of `controller`, in table order. Indexed
/// once per process: checking a 5000-group file looks names up 20000 times, and a scan
/// of the whole table with pattern matching per row was a tenth of its instructions.
fn rows_of(controller: &str, version: Version) -> &'static [&'static Row] {
    type Index = std::collections::HashMap<&'static str, Vec<&'static Row>>;
    static INDEX: std::sync::OnceLock<[Index; 2]> = std::sync::OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut index = [Index::new(), Index::new()];
        for row in TABLE {
            for (i, version) in [Version::V1, Version::V2].into_iter().enumerate() {
                let name = side(row, version);
                if !name.is_empty() {
                    let controller = name.split('.').next().unwrap_or(name);
                    index[i].entry(controller).or_default().push(row);
                }
            }
        }
        index
    });
    let i = match version {
        Version::V1 => 0,
        Version::V2 => 1,
    };
    index[i].get(controller).map_or(&[], Vec::as_slice)
}

/// The version whose vocabulary `name` belongs to: `None` when it is the same in both
/// (`cpuset.cpus`) or unknown to the table.
pub fn vocabulary_of(name: &str) -> Option<Version> {
    let v1 = rows_named(name, Version::V1).next().is_some();
    let v2 = rows_named(name, Version::V2).next().is_some();
    match (v1, v2) {
        (true, false) => Some(Version::V1),
        (false, true) => Some(Version::V2),
        _ => None,
    }
}

/// The counterpart of `name` (written in `from`'s vocabulary) in the other version.
pub fn counterpart(name: &str, from: Version) -> Result<String> {
    let row = find_row(name, from)?;
    let to = from.other();
    let target = side(row, to);
    if target.is_empty() {
        return Err(unmappable_with_reason(name, from));
    }
    Ok(target.replace('*', wildcard(side(row, from), name)))
}

/// Every name that `name` (in `from`'s vocabulary) corresponds to in the other version:
/// one for most rows, several where one file holds what the other version splits
/// (`cpu.max` -> `cpu.cfs_quota_us` and `cpu.cfs_period_us`, `io.max` -> the four blkio
/// throttles). For listing a whole controller in the other version's vocabulary.
pub fn counterparts(name: &str, from: Version) -> Result<Vec<String>> {
    let rows: Vec<&Row> = rows_named(name, from).collect();
    if rows.is_empty() {
        return Err(find_row(name, from)
            .err()
            .unwrap_or_else(|| unmappable(name, from.other())));
    }
    let to = from.other();
    let mut out: Vec<String> = Vec::new();
    for row in rows {
        let target = side(row, to);
        if target.is_empty() {
            continue;
        }
        let target = target.replace('*', wildcard(side(row, from), name));
        if !out.contains(&target) {
            out.push(target);
        }
    }
    if out.is_empty() {
        return Err(unmappable_with_reason(name, from));
    }
    Ok(out)
}

fn find_row(name: &str, from: Version) -> Result<&'static Row> {
    if let Some(row) = rows_named(name, from).next() {
        return Ok(row);
    }
    let controller = controller_of(name)?;
    if from == Version::V1 {
        if let Some((_, why)) = V1_ONLY.iter().find(|(c, _)| *c == controller) {
            return Err(unmappable(name, Version::V2).with_hint(*why));
        }
    }
    Err(Error::new(
        ErrorKind::InvalidSetting {
            setting: name.to_string(),
            reason: format!("is not a cgroup {from} setting this tool can translate"),
        },
        Op::Translate,
    ))
}

/// `name` (in `from`'s vocabulary) has no counterpart: with the reason, where known.
fn unmappable_with_reason(name: &str, from: Version) -> Error {
    let error = unmappable(name, from.other());
    let why = match (from, controller_of(name)) {
        (Version::V1, Ok(controller)) => why_not_in_v2(controller),
        _ => None,
    };
    match why {
        Some(why) => error.with_hint(why),
        None => error,
    }
}

fn unmappable(name: &str, to: Version) -> Error {
    Error::new(
        ErrorKind::Unmappable {
            setting: name.to_string(),
            to,
        },
        Op::Translate,
    )
}

fn bad_value(name: &str, value: &str, what: &str) -> Error {
    Error::new(
        ErrorKind::InvalidSetting {
            setting: format!("{name}={value}"),
            reason: format!("cannot be translated: {what}"),
        },
        Op::Translate,
    )
}

/// Parses a kernel size (`memparse`): digits with an optional K, M, G, T, P or E suffix.
pub fn parse_size(value: &str) -> Option<u64> {
    let value = value.trim();
    let digits_end = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let number: u64 = value[..digits_end].parse().ok()?;
    let shift = match &value[digits_end..] {
        "" => 0,
        "k" | "K" => 10,
        "m" | "M" => 20,
        "g" | "G" => 30,
        "t" | "T" => 40,
        "p" | "P" => 50,
        "e" | "E" => 60,
        _ => return None,
    };
    number.checked_mul(1u64 << shift)
}

fn limit_to_v2(name: &str, value: &str) -> Result<String> {
    let v = value.trim();
    if v == "-1" || v == "max" {
        return Ok("max".into());
    }
    let bytes = parse_size(v).ok_or_else(|| bad_value(name, value, "not a size"))?;
    Ok(if bytes >= v1_unlimited() {
        "max".into()
    } else {
        bytes.to_string()
    })
}

fn limit_to_v1(name: &str, value: &str, for_reading: bool) -> Result<String> {
    let v = value.trim();
    if v == "max" || v == "-1" {
        return Ok(if for_reading {
            v1_unlimited().to_string()
        } else {
            "-1".into()
        });
    }
    let bytes = parse_size(v).ok_or_else(|| bad_value(name, value, "not a size"))?;
    Ok(bytes.to_string())
}

fn number(name: &str, value: &str) -> Result<u64> {
    value
        .trim()
        .parse()
        .map_err(|_| bad_value(name, value, "not a whole number"))
}

/// The default weight in an `io.weight` value (`default 100` or `100`).
fn io_default_weight(name: &str, value: &str) -> Result<u64> {
    let mut weight = None;
    for line in value.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let w = line.strip_prefix("default ").unwrap_or(line);
        if w.contains(':') || w.contains(' ') {
            continue;
        }
        weight = Some(number(name, w)?);
    }
    weight.ok_or_else(|| bad_value(name, value, "no default weight"))
}

/// Converts one value between the two names of `row`. `for_reading` selects how v2 `max`
/// becomes v1: the number the v1 kernel prints when reading, `-1` when writing.
fn convert(row: &Row, from: Version, name: &str, value: &str, for_reading: bool) -> Result<String> {
    let v = value.trim();
    Ok(match (row.conv, from) {
        (Conv::Same, _) => value.to_string(),
        (Conv::SharesWeight, Version::V1) => {
            (number(name, v)? * 100 / 1024).clamp(1, 10_000).to_string()
        }
        (Conv::SharesWeight, Version::V2) => (number(name, v)? * 1024 / 100)
            .clamp(2, 262_144)
            .to_string(),
        (Conv::BlkioWeight, Version::V1) => {
            (number(name, v)? * 100 / 500).clamp(1, 10_000).to_string()
        }
        (Conv::BlkioWeight, Version::V2) => (io_default_weight(name, value)? * 500 / 100)
            .clamp(10, 1000)
            .to_string(),
        (Conv::Quota, Version::V1) => match v {
            "-1" => "max".into(),
            q => number(name, q)?.to_string(),
        },
        (Conv::Quota, Version::V2) => match v.split_whitespace().next() {
            Some("max") => "-1".into(),
            Some(q) => number(name, q)?.to_string(),
            None => return Err(bad_value(name, value, "empty cpu.max")),
        },
        (Conv::Period, Version::V1) => number(name, v)?.to_string(),
        (Conv::Period, Version::V2) => match v.split_whitespace().nth(1) {
            Some(p) => number(name, p)?.to_string(),
            None => return Err(bad_value(name, value, "cpu.max has no period")),
        },
        (Conv::Partition, Version::V1) => if v == "1" { "root" } else { "member" }.into(),
        (Conv::Partition, Version::V2) => if v == "root" { "1" } else { "0" }.into(),
        (Conv::Limit, Version::V1) => limit_to_v2(name, v)?,
        (Conv::Limit, Version::V2) => limit_to_v1(name, v, for_reading)?,
        (Conv::Freeze, Version::V1) => match v {
            "FROZEN" => "1".into(),
            "THAWED" => "0".into(),
            "FREEZING" if for_reading => "1".into(),
            _ => return Err(bad_value(name, value, "expected FROZEN or THAWED")),
        },
        (Conv::Freeze, Version::V2) => match v {
            "1" => "FROZEN".into(),
            "0" => "THAWED".into(),
            _ => return Err(bad_value(name, value, "expected 0 or 1")),
        },
        (Conv::Throttle(key), Version::V1) => {
            let mut lines = Vec::new();
            for line in value.lines().map(str::trim).filter(|l| !l.is_empty()) {
                let (device, limit) = line
                    .split_once(char::is_whitespace)
                    .ok_or_else(|| bad_value(name, value, "expected `MAJ:MIN LIMIT`"))?;
                // v1 removes a device's limit with 0; v2 with max.
                let limit = match number(name, limit.trim())? {
                    0 => "max".to_string(),
                    n => n.to_string(),
                };
                lines.push(format!("{device} {key}={limit}"));
            }
            lines.join("\n")
        }
        (Conv::Throttle(key), Version::V2) => {
            let prefix = format!("{key}=");
            let mut lines = Vec::new();
            for line in value.lines().map(str::trim).filter(|l| !l.is_empty()) {
                let mut words = line.split_whitespace();
                let Some(device) = words.next() else { continue };
                if let Some(limit) = words.find_map(|w| w.strip_prefix(prefix.as_str())) {
                    match limit {
                        "max" if for_reading => {}
                        "max" => lines.push(format!("{device} 0")),
                        n => lines.push(format!("{device} {}", number(name, n)?)),
                    }
                }
            }
            lines.join("\n")
        }
    })
}

/// The version the host runs `controller` as, if any hierarchy serves it.
fn host_version(layout: &Layout, controller: &str) -> Option<Version> {
    layout
        .hierarchy_for(controller)
        .ok()
        .map(Hierarchy::version)
}

/// Decides whether `name` needs translating on this host: `Some(from)` when it is written
/// in a vocabulary the host does not run its controller in (the vocabulary is
/// `vocabulary`, or for `None` the one the name belongs to). Tools use it to tell the user
/// that a name was translated.
pub fn needs_translation(
    layout: &Layout,
    vocabulary: Option<Version>,
    name: &str,
) -> Result<Option<Version>> {
    let controller = controller_of(name)?;
    let from = match vocabulary.or_else(|| vocabulary_of(name)) {
        Some(from) => from,
        None => {
            // Same name in both versions, or unknown: the kernel decides. A v1-only
            // controller missing here still deserves the reason.
            if host_version(layout, controller).is_none() {
                if let Some((_, why)) = V1_ONLY.iter().find(|(c, _)| *c == controller) {
                    return Err(unmappable(name, Version::V2).with_hint(*why));
                }
            }
            return Ok(None);
        }
    };
    if host_version(layout, controller) == Some(from) {
        return Ok(None);
    }
    // In the table the same name can exist on both sides (`cpu.idle`): served as the other
    // version, it still needs no new name, only a check that it is served.
    Ok(Some(from))
}

/// Whether setting `name`, written in `vocabulary` (or, for `None`, its own), is in the
/// vocabulary of the other cgroup version than the one the host runs its controller as:
/// `Some(version it is written in)` when [`to_host`] will rename it, `None` when it is
/// written as it stands. Tools use it to tell the user about a translation.
pub fn translation_needed(
    layout: &Layout,
    vocabulary: Option<Version>,
    name: &str,
) -> Result<Option<Version>> {
    needs_translation(layout, vocabulary, name)
}

/// Converts settings written in `vocabulary` (or, for `None`, each name's own vocabulary)
/// into the names and values of the version the host runs each controller as.
///
/// Quota and period given together become one `cpu.max` write. One of them alone needs
/// the other's current value, which `current` reads from the group (`cpu.max`), as
/// libcgroup does; `Ok(None)` from it says the group (or, in v2, its controller) does not
/// exist yet, and a new group's translation reads nothing: a quota alone is written alone
/// (the kernel keeps the period, see `cpu.max` in
/// [cgroup-v2.rst](https://docs.kernel.org/admin-guide/cgroup-v2.html)), a period alone
/// with the quota a new group has, `max`.
pub fn to_host(
    layout: &Layout,
    vocabulary: Option<Version>,
    settings: &[Setting],
    current: impl Fn(&str) -> Result<Option<String>>,
) -> Result<Vec<Setting>> {
    let mut out: Vec<Setting> = Vec::new();
    let mut quota: Option<String> = None;
    let mut period: Option<String> = None;
    let mut cpu_max_at: Option<usize> = None;
    for s in settings {
        let Some(from) = needs_translation(layout, vocabulary, &s.name)? else {
            out.push(s.clone());
            continue;
        };
        let row = find_row(&s.name, from)?;
        let target = counterpart(&s.name, from)?;
        let target_controller = controller_of(&target)?;
        // Throttles map onto blkio on v1 even though io.max's own controller is io.
        let target_controller = match (row.conv, from) {
            (Conv::Throttle(_), Version::V2) => "blkio",
            _ => target_controller,
        };
        if host_version(layout, target_controller) != Some(from.other()) {
            return Err(Error::new(
                ErrorKind::ControllerNotMounted {
                    controller: target_controller.to_string(),
                },
                Op::Translate,
            )
            .with_hint(format!(
                "`{}` is cgroup {from} vocabulary; its cgroup {} form `{target}` needs `{target_controller}`, which this host does not mount",
                s.name,
                from.other()
            )));
        }
        match (row.conv, from) {
            (Conv::Quota, Version::V1) => {
                quota = Some(convert(row, from, &s.name, &s.value, false)?);
                cpu_max_at.get_or_insert(out.len());
            }
            (Conv::Period, Version::V1) => {
                period = Some(convert(row, from, &s.name, &s.value, false)?);
                cpu_max_at.get_or_insert(out.len());
            }
            // cpu.max on a v1 host: period first, so a new quota is checked against it.
            (Conv::Quota | Conv::Period, Version::V2) => {
                let mut fields = s.value.split_whitespace();
                let q = fields.next().unwrap_or("max");
                if let Some(p) = fields.next() {
                    let p = number(&s.name, p)?;
                    out.push(Setting::new("cpu.cfs_period_us", p.to_string()));
                }
                let q = if q == "max" {
                    "-1".to_string()
                } else {
                    number(&s.name, q)?.to_string()
                };
                out.push(Setting::new("cpu.cfs_quota_us", q));
            }
            (Conv::Throttle(_), Version::V2) => {
                // io.max on a v1 host: one v1 file per key present.
                for key_row in rows_named(&s.name, Version::V2) {
                    let value = convert(key_row, from, &s.name, &s.value, false)?;
                    if !value.is_empty() {
                        out.push(Setting::new(key_row.v1, value));
                    }
                }
            }
            _ => out.push(Setting::new(
                target,
                convert(row, from, &s.name, &s.value, false)?,
            )),
        }
    }
    if let Some(at) = cpu_max_at {
        let value = match (quota, period) {
            (Some(q), Some(p)) => format!("{q} {p}"),
            (Some(q), None) => match current("cpu.max")? {
                Some(now) => match now.split_whitespace().nth(1) {
                    Some(p) => format!("{q} {p}"),
                    None => q,
                },
                None => q,
            },
            (None, Some(p)) => {
                let now = current("cpu.max")?;
                let q = now
                    .as_deref()
                    .and_then(|now| now.split_whitespace().next())
                    .unwrap_or("max");
                format!("{q} {p}")
            }
            (None, None) => return Ok(out),
        };
        out.insert(at, Setting::new("cpu.max", value));
    }
    Ok(out)
}

/// Reads `name` (in `vocabulary`, or its own) through `read`, which reads host settings of
/// the group, converting the host's value back into the vocabulary of `name`.
pub fn read_as(
    layout: &Layout,
    vocabulary: Option<Version>,
    name: &str,
    read: impl Fn(&str) -> Result<String>,
) -> Result<String> {
    let Some(from) = needs_translation(layout, vocabulary, name)? else {
        return read(name);
    };
    let row = find_row(name, from)?;
    let host = from.other();
    match (row.conv, from) {
        // v2 cpu.max asked on a v1 host: two files make one value.
        (Conv::Quota | Conv::Period, Version::V2) => {
            let quota = read("cpu.cfs_quota_us")?;
            let period = read("cpu.cfs_period_us")?;
            let quota = if quota.trim() == "-1" {
                "max".to_string()
            } else {
                quota.trim().to_string()
            };
            Ok(format!("{quota} {}", period.trim()))
        }
        // v2 io.max asked on a v1 host: the four throttle files, merged per device.
        (Conv::Throttle(_), Version::V2) => {
            let mut devices: Vec<(String, Vec<String>)> = Vec::new();
            for key_row in rows_named(name, Version::V2) {
                let Conv::Throttle(key) = key_row.conv else {
                    continue;
                };
                for line in read(key_row.v1)?.lines() {
                    let mut w = line.split_whitespace();
                    let (Some(device), Some(limit)) = (w.next(), w.next()) else {
                        continue;
                    };
                    let entry = match devices.iter_mut().find(|(d, _)| d == device) {
                        Some(entry) => entry,
                        None => {
                            devices.push((device.to_string(), Vec::new()));
                            let last = devices.len() - 1;
                            &mut devices[last]
                        }
                    };
                    entry.1.push(format!("{key}={limit}"));
                }
            }
            Ok(devices
                .into_iter()
                .map(|(d, keys)| format!("{d} {}", keys.join(" ")))
                .collect::<Vec<_>>()
                .join("\n"))
        }
        _ => {
            let host_name = counterpart(name, from)?;
            let value = read(&host_name)?;
            let host_row = rows_named(&host_name, host)
                .find(|r| r.conv == row.conv)
                .unwrap_or(row);
            convert(host_row, host, &host_name, &value, true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn host(v2_everything: bool) -> (tempfile::TempDir, Layout) {
        let dir = tempfile::tempdir().unwrap();
        let mountinfo = if v2_everything {
            let root = dir.path().join("sys/fs/cgroup");
            std::fs::create_dir_all(&root).unwrap();
            std::fs::write(
                root.join("cgroup.controllers"),
                "cpuset cpu io memory hugetlb pids rdma misc",
            )
            .unwrap();
            "26 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n".to_string()
        } else {
            let mut text = String::new();
            for (i, c) in [
                "cpu,cpuacct",
                "cpuset",
                "memory",
                "blkio",
                "freezer",
                "pids",
                "hugetlb",
                "devices",
            ]
            .iter()
            .enumerate()
            {
                text.push_str(&format!(
                    "{} 31 0:{} / /sys/fs/cgroup/{c} rw - cgroup cgroup rw,{c}\n",
                    40 + i,
                    40 + i
                ));
            }
            text
        };
        let cg = Layout::from_sources(&mountinfo, None, dir.path()).unwrap();
        (dir, cg)
    }

    fn no_current(_: &str) -> Result<Option<String>> {
        panic!("current value not expected")
    }

    fn one(
        cg: &Layout,
        vocabulary: Option<Version>,
        name: &str,
        value: &str,
    ) -> Result<Vec<Setting>> {
        to_host(cg, vocabulary, &[Setting::new(name, value)], no_current)
    }

    fn pairs(settings: Vec<Setting>) -> Vec<(String, String)> {
        settings.into_iter().map(|s| (s.name, s.value)).collect()
    }

    fn p(name: &str, value: &str) -> (String, String) {
        (name.to_string(), value.to_string())
    }

    #[test]
    fn libcgroup_rows_v1_to_v2() {
        let (_d, v2) = host(true);
        let cases = [
            ("cpu.shares", "512", "cpu.weight", "50"),
            ("cpu.shares", "1024", "cpu.weight", "100"),
            ("cpu.shares", "2", "cpu.weight", "1"),
            ("cpu.shares", "262144", "cpu.weight", "10000"),
            (
                "cpuset.effective_cpus",
                "0-1",
                "cpuset.cpus.effective",
                "0-1",
            ),
            ("cpuset.effective_mems", "0", "cpuset.mems.effective", "0"),
            ("cpuset.cpu_exclusive", "1", "cpuset.cpus.partition", "root"),
            (
                "cpuset.cpu_exclusive",
                "0",
                "cpuset.cpus.partition",
                "member",
            ),
            ("memory.limit_in_bytes", "-1", "memory.max", "max"),
            (
                "memory.limit_in_bytes",
                "9223372036854771712",
                "memory.max",
                "max",
            ),
            ("memory.limit_in_bytes", "50M", "memory.max", "52428800"),
            (
                "memory.limit_in_bytes",
                "50000000",
                "memory.max",
                "50000000",
            ),
            (
                "memory.soft_limit_in_bytes",
                "1G",
                "memory.high",
                "1073741824",
            ),
            ("memory.soft_limit_in_bytes", "-1", "memory.high", "max"),
            ("cpu.cfs_burst_us", "1000", "cpu.max.burst", "1000"),
            ("freezer.state", "FROZEN", "cgroup.freeze", "1"),
            ("freezer.state", "THAWED", "cgroup.freeze", "0"),
            ("blkio.weight", "500", "io.weight", "100"),
            ("blkio.weight", "10", "io.weight", "2"),
            (
                "blkio.throttle.read_bps_device",
                "8:0 1048576",
                "io.max",
                "8:0 rbps=1048576",
            ),
            (
                "blkio.throttle.write_iops_device",
                "8:0 0",
                "io.max",
                "8:0 wiops=max",
            ),
            ("hugetlb.2MB.limit_in_bytes", "-1", "hugetlb.2MB.max", "max"),
            (
                "hugetlb.1GB.limit_in_bytes",
                "2G",
                "hugetlb.1GB.max",
                "2147483648",
            ),
            ("memory.usage_in_bytes", "4096", "memory.current", "4096"),
        ];
        for (n1, v1, n2, v2v) in cases {
            assert_eq!(
                pairs(one(&v2, Some(Version::V1), n1, v1).unwrap()),
                [p(n2, v2v)],
                "{n1}={v1}"
            );
            // Auto-detected vocabulary gives the same answer.
            assert_eq!(
                pairs(one(&v2, None, n1, v1).unwrap()),
                [p(n2, v2v)],
                "{n1}={v1}"
            );
        }
        // Same-named settings pass through.
        for (n, v) in [
            ("cpuset.cpus", "0-1"),
            ("cpuset.mems", "0"),
            ("pids.max", "max"),
            ("pids.max", "100"),
        ] {
            assert_eq!(pairs(one(&v2, Some(Version::V1), n, v).unwrap()), [p(n, v)]);
        }
    }

    #[test]
    fn libcgroup_rows_v2_to_v1() {
        let (_d, v1) = host(false);
        let cases = [
            ("cpu.weight", "50", "cpu.shares", "512"),
            ("cpu.weight", "100", "cpu.shares", "1024"),
            ("cpu.weight", "200", "cpu.shares", "2048"),
            (
                "cpuset.cpus.effective",
                "0-1",
                "cpuset.effective_cpus",
                "0-1",
            ),
            ("cpuset.mems.effective", "0", "cpuset.effective_mems", "0"),
            ("cpuset.cpus.partition", "root", "cpuset.cpu_exclusive", "1"),
            (
                "cpuset.cpus.partition",
                "member",
                "cpuset.cpu_exclusive",
                "0",
            ),
            ("memory.max", "max", "memory.limit_in_bytes", "-1"),
            ("memory.max", "1M", "memory.limit_in_bytes", "1048576"),
            ("memory.high", "max", "memory.soft_limit_in_bytes", "-1"),
            ("cpu.max.burst", "1000", "cpu.cfs_burst_us", "1000"),
            ("cgroup.freeze", "1", "freezer.state", "FROZEN"),
            ("cgroup.freeze", "0", "freezer.state", "THAWED"),
            ("io.weight", "default 100", "blkio.weight", "500"),
            ("io.weight", "1000", "blkio.weight", "1000"),
            ("hugetlb.2MB.max", "max", "hugetlb.2MB.limit_in_bytes", "-1"),
            ("memory.peak", "0", "memory.max_usage_in_bytes", "0"),
        ];
        for (n2, v2v, n1, v1v) in cases {
            assert_eq!(
                pairs(one(&v1, Some(Version::V2), n2, v2v).unwrap()),
                [p(n1, v1v)],
                "{n2}={v2v}"
            );
            assert_eq!(
                pairs(one(&v1, None, n2, v2v).unwrap()),
                [p(n1, v1v)],
                "{n2}={v2v}"
            );
        }
    }

    #[test]
    fn quota_and_period_become_one_cpu_max_and_back() {
        let (_d, v2) = host(true);
        let both = [
            Setting::new("cpu.cfs_quota_us", "50000"),
            Setting::new("cpu.cfs_period_us", "100000"),
        ];
        assert_eq!(
            pairs(to_host(&v2, None, &both, no_current).unwrap()),
            [p("cpu.max", "50000 100000")]
        );
        let unlimited = [Setting::new("cpu.cfs_quota_us", "-1")];
        let current = |n: &str| {
            assert_eq!(n, "cpu.max");
            Ok(Some("20000 250000".to_string()))
        };
        assert_eq!(
            pairs(to_host(&v2, None, &unlimited, current).unwrap()),
            [p("cpu.max", "max 250000")]
        );
        let period = [
            Setting::new("cpu.shares", "512"),
            Setting::new("cpu.cfs_period_us", "10000"),
        ];
        assert_eq!(
            pairs(to_host(&v2, None, &period, current).unwrap()),
            [p("cpu.weight", "50"), p("cpu.max", "20000 10000")]
        );

        let (_d, v1) = host(false);
        let max = [Setting::new("cpu.max", "max 100000")];
        assert_eq!(
            pairs(to_host(&v1, None, &max, no_current).unwrap()),
            [
                p("cpu.cfs_period_us", "100000"),
                p("cpu.cfs_quota_us", "-1")
            ]
        );
        let quota_only = [Setting::new("cpu.max", "25000")];
        assert_eq!(
            pairs(to_host(&v1, None, &quota_only, no_current).unwrap()),
            [p("cpu.cfs_quota_us", "25000")]
        );
    }

    #[test]
    fn a_new_groups_cpu_max_is_translated_from_what_is_given_alone() {
        let (_d, v2) = host(true);
        let new_group = |n: &str| -> Result<Option<String>> {
            assert_eq!(n, "cpu.max");
            Ok(None)
        };
        for (given, want) in [
            // The kernel keeps the period when only the quota is written.
            (&[("cpu.cfs_quota_us", "-1")][..], "max"),
            (&[("cpu.cfs_quota_us", "50000")][..], "50000"),
            // A period needs a quota: a new group's is `max`.
            (&[("cpu.cfs_period_us", "10000")][..], "max 10000"),
            (
                &[("cpu.cfs_period_us", "10000"), ("cpu.cfs_quota_us", "5000")][..],
                "5000 10000",
            ),
        ] {
            let settings: Vec<Setting> = given.iter().map(|(n, v)| Setting::new(*n, *v)).collect();
            assert_eq!(
                pairs(to_host(&v2, None, &settings, new_group).unwrap()),
                [p("cpu.max", want)],
                "{given:?}"
            );
        }
        let seed = [
            Setting::new("cpu.shares", "256"),
            Setting::new("cpu.cfs_quota_us", "-1"),
        ];
        assert_eq!(
            pairs(to_host(&v2, None, &seed, new_group).unwrap()),
            [p("cpu.weight", "25"), p("cpu.max", "max")]
        );
        // A failed read is still an error.
        let unreadable = |_: &str| -> Result<Option<String>> {
            Err(Error::new(ErrorKind::Os, Op::Read).with_errno(nix::errno::Errno::EACCES))
        };
        assert!(to_host(&v2, None, &seed, unreadable).is_err());
    }

    #[test]
    fn v1_controllers_v2_has_no_controller_of_their_name_for() {
        assert_eq!(v2_form("blkio"), Some(V2Form::Controller("io")));
        assert_eq!(v2_form("blkio").and_then(V2Form::controller), Some("io"));
        for c in [
            "freezer",
            "cpuacct",
            "perf_event",
            "devices",
            "net_cls",
            "net_prio",
        ] {
            assert_eq!(v2_form(c), Some(V2Form::Group), "{c}");
            assert_eq!(V2Form::Group.controller(), None);
        }
        for c in ["cpu", "memory", "cpuset", "pids", "hugetlb", "io", "cgroup"] {
            assert_eq!(v2_form(c), None, "{c}");
        }
        // Freezer settings without a v2 row say what v2 has instead.
        let (_d, v2) = host(true);
        let e = one(&v2, None, "freezer.self_freezing", "1").unwrap_err();
        assert_eq!(e.exit_code(), 111);
        assert!(e.hint().unwrap().contains("cgroup.freeze"), "{e:?}");
    }

    #[test]
    fn io_max_splits_into_v1_throttle_files() {
        let (_d, v1) = host(false);
        let s = [Setting::new(
            "io.max",
            "8:0 rbps=1048576 wiops=max\n8:16 wbps=4096",
        )];
        assert_eq!(
            pairs(to_host(&v1, None, &s, no_current).unwrap()),
            [
                p("blkio.throttle.read_bps_device", "8:0 1048576"),
                p("blkio.throttle.write_bps_device", "8:16 4096"),
                p("blkio.throttle.write_iops_device", "8:0 0"),
            ]
        );
    }

    #[test]
    fn reads_convert_back_into_the_asked_vocabulary() {
        let (_d, v2) = host(true);
        let files = |n: &str| -> Result<String> {
            Ok(match n {
                "cpu.weight" => "50",
                "cpu.max" => "max 100000",
                "memory.max" => "max",
                "memory.high" => "52428800",
                "cgroup.freeze" => "1",
                "io.weight" => "default 100\n8:0 300",
                "io.max" => "8:0 rbps=1048576 wbps=max riops=max wiops=max",
                "cpuset.cpus.partition" => "root",
                "hugetlb.2MB.max" => "max",
                "pids.max" => "max",
                other => panic!("unexpected read of {other}"),
            }
            .to_string())
        };
        let unlimited = v1_unlimited().to_string();
        for (name, want) in [
            ("cpu.shares", "512"),
            ("cpu.cfs_quota_us", "-1"),
            ("cpu.cfs_period_us", "100000"),
            ("memory.limit_in_bytes", unlimited.as_str()),
            ("memory.soft_limit_in_bytes", "52428800"),
            ("freezer.state", "FROZEN"),
            ("blkio.weight", "500"),
            ("blkio.throttle.read_bps_device", "8:0 1048576"),
            ("blkio.throttle.write_bps_device", ""),
            ("cpuset.cpu_exclusive", "1"),
            ("hugetlb.2MB.limit_in_bytes", unlimited.as_str()),
            ("pids.max", "max"),
        ] {
            assert_eq!(
                read_as(&v2, Some(Version::V1), name, files).unwrap(),
                want,
                "{name}"
            );
        }
        assert_eq!(
            unlimited,
            if nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE).unwrap() == Some(4096) {
                "9223372036854771712"
            } else {
                unlimited.as_str()
            }
        );

        let (_d, v1) = host(false);
        let files = |n: &str| -> Result<String> {
            Ok(match n {
                "cpu.shares" => "1024",
                "cpu.cfs_quota_us" => "-1",
                "cpu.cfs_period_us" => "100000",
                "memory.limit_in_bytes" => "9223372036854771712",
                "freezer.state" => "THAWED",
                "blkio.throttle.read_bps_device" => "8:0 100",
                "blkio.throttle.write_bps_device" => "8:0 200",
                "blkio.throttle.read_iops_device" => "",
                "blkio.throttle.write_iops_device" => "8:16 5",
                other => panic!("unexpected read of {other}"),
            }
            .to_string())
        };
        for (name, want) in [
            ("cpu.weight", "100"),
            ("cpu.max", "max 100000"),
            ("memory.max", "max"),
            ("cgroup.freeze", "0"),
            ("io.max", "8:0 rbps=100 wbps=200\n8:16 wiops=5"),
        ] {
            assert_eq!(
                read_as(&v1, Some(Version::V2), name, files).unwrap(),
                want,
                "{name}"
            );
        }
    }

    #[test]
    fn native_names_are_not_touched() {
        let (_d, v1) = host(false);
        assert_eq!(
            pairs(one(&v1, None, "cpu.shares", "512").unwrap()),
            [p("cpu.shares", "512")]
        );
        assert_eq!(
            pairs(one(&v1, None, "memory.swappiness", "10").unwrap()),
            [p("memory.swappiness", "10")]
        );
        let (_d, v2) = host(true);
        assert_eq!(
            pairs(one(&v2, None, "cpu.weight", "5").unwrap()),
            [p("cpu.weight", "5")]
        );
        assert_eq!(
            pairs(one(&v2, None, "memory.swap.max", "0").unwrap()),
            [p("memory.swap.max", "0")]
        );
    }

    #[test]
    fn unmappable_and_unknown_settings_are_named() {
        let (_d, v2) = host(true);
        for name in [
            "cpu.stat",
            "cpuset.mem_exclusive",
            "memory.memsw.limit_in_bytes",
            "memory.swappiness",
            "devices.allow",
            "net_cls.classid",
            "cpuacct.usage",
            "hugetlb.2MB.failcnt",
            "cpu.rt_runtime_us",
        ] {
            let e = one(&v2, Some(Version::V1), name, "1").unwrap_err();
            assert!(
                matches!(e.kind(), ErrorKind::Unmappable { .. }),
                "{name}: {e}"
            );
            assert_eq!(e.exit_code(), 111);
            assert!(e.to_string().contains(name));
        }
        // Auto mode: a v1-only controller on a v2 host says why.
        let e = one(&v2, None, "devices.allow", "a *:* rwm").unwrap_err();
        assert!(e.hint().unwrap().contains("eBPF"));
        let e = one(&v2, Some(Version::V1), "cpu.nonsense", "1").unwrap_err();
        assert_eq!(e.exit_code(), 91);
        let (_d, v1) = host(false);
        for name in [
            "memory.low",
            "memory.swap.max",
            "cpuset.cpus.exclusive",
            "io.stat",
            "memory.oom.group",
            "hugetlb.2MB.events",
        ] {
            let e = one(&v1, Some(Version::V2), name, "1").unwrap_err();
            assert!(
                matches!(e.kind(), ErrorKind::Unmappable { .. }),
                "{name}: {e}"
            );
        }
        assert_eq!(
            one(&v1, Some(Version::V2), "cgroup.freeze", "2")
                .unwrap_err()
                .exit_code(),
            91
        );
        assert_eq!(
            one(&v1, Some(Version::V2), "memory.max", "lots")
                .unwrap_err()
                .exit_code(),
            91
        );
    }

    #[test]
    fn counterparts_list_every_file_of_a_split_setting() {
        assert_eq!(
            counterparts("cpu.max", Version::V2).unwrap(),
            ["cpu.cfs_quota_us", "cpu.cfs_period_us"]
        );
        assert_eq!(
            counterparts("cpu.cfs_period_us", Version::V1).unwrap(),
            ["cpu.max"]
        );
        assert_eq!(
            counterparts("hugetlb.2MB.max", Version::V2).unwrap(),
            ["hugetlb.2MB.limit_in_bytes"]
        );
        assert_eq!(counterparts("io.max", Version::V2).unwrap().len(), 4);
        let e = counterparts("cpu.stat", Version::V1).unwrap_err();
        assert_eq!(e.exit_code(), 111);
        let e = counterparts("cpu.stat.local", Version::V1).unwrap_err();
        assert_eq!(e.exit_code(), 91);
        let e = counterparts("devices.list", Version::V1).unwrap_err();
        assert_eq!(e.exit_code(), 111);
    }

    #[test]
    fn sizes_parse_like_memparse() {
        assert_eq!(parse_size("50M"), Some(52_428_800));
        assert_eq!(parse_size("1k"), Some(1024));
        assert_eq!(parse_size("2G"), Some(2 << 30));
        assert_eq!(parse_size("7"), Some(7));
        assert_eq!(parse_size("7X"), None);
        assert_eq!(parse_size(""), None);
        assert_eq!(parse_size("99999999999E"), None);
        let _ = Path::new("");
    }

    #[test]
    fn every_row_has_a_name_and_patterns_are_single_component() {
        for r in TABLE {
            assert!(!(r.v1.is_empty() && r.v2.is_empty()));
            for n in [r.v1, r.v2] {
                assert!(n.matches('*').count() <= 1);
                if !n.is_empty() {
                    assert!(controller_of(&n.replace('*', "2MB")).is_ok());
                }
            }
        }
        assert!(matches("hugetlb.*.max", "hugetlb.2MB.max"));
        assert!(!matches("hugetlb.*.max", "hugetlb.2MB.rsvd.max"));
        assert!(!matches("hugetlb.*.max", "hugetlb..max"));
    }
}
