//! The order containers start in at boot and stop in, as `lxc-autostart` has it
//! (`src/lxc/tools/lxc_autostart.c`), without its prefix comparisons.
//!
//! * **Which**: containers with `lxc.start.auto = 1` that belong to one of the boot
//!   groups (`--boot-groups`, default `onboot,` like LXC's `BOOTGROUPS`). The list is
//!   comma-separated; an empty entry is the *null group*, the containers without any
//!   `lxc.group`. Duplicates count once.
//! * **Order**: the groups in the order given (so `onboot,`: the `onboot` containers,
//!   then those without a group); within a group by `lxc.start.order` (lower first), then
//!   by name. A container is started in the first group it matches only.
//! * Group names and container names are compared **exactly**. LXC compares a
//!   container's group as a prefix of the requested one (a container in group `on` is
//!   started with `-g onboot`; `-g web,webserver` drops `webserver` as a duplicate of
//!   `web`), and its name tie-break compares only as many bytes as the shorter name has
//!   (`web` and `web2` tie, so their order is unstable). Neither is what LXC documents.
//! * **Stop**: every running container, highest `lxc.start.order` first, names in
//!   reverse, in levels of equal order: the containers of one level are stopped in
//!   parallel, the next level once they are all down.

use grammar::lxc::Autostart;
use std::collections::BTreeMap;

/// LXC's boot groups (`BOOTGROUPS` in `/etc/default/lxc`).
pub const DEFAULT_BOOT_GROUPS: &str = "onboot,";

/// A boot group: a named one, or `None` for the containers without a group.
pub type BootGroup = Option<String>;

/// `onboot,` as a list: `[Some("onboot"), None]`. Entries are trimmed of blanks;
/// duplicates are dropped.
pub fn parse_boot_groups(text: &str) -> Vec<BootGroup> {
    let mut out: Vec<BootGroup> = Vec::new();
    for entry in text.split(',') {
        let entry = entry.trim();
        let group = (!entry.is_empty()).then(|| entry.to_string());
        if !out.contains(&group) {
            out.push(group);
        }
    }
    out
}

/// Whether a container of `groups` is in boot group `group`.
fn in_group(groups: &[String], group: &BootGroup) -> bool {
    match group {
        None => groups.is_empty(),
        Some(g) => groups.iter().any(|c| c == g),
    }
}

/// The containers to start at boot, in order, with the delay after each:
/// `containers` maps each name to its autostart settings.
pub fn boot_order<'a>(
    containers: impl IntoIterator<Item = (&'a str, &'a Autostart)>,
    boot_groups: &[BootGroup],
) -> Vec<(String, u32)> {
    let mut sorted: Vec<(&str, &Autostart)> =
        containers.into_iter().filter(|(_, a)| a.auto).collect();
    sorted.sort_by(|a, b| a.1.order.cmp(&b.1.order).then_with(|| a.0.cmp(b.0)));
    let mut out: Vec<(String, u32)> = Vec::new();
    let mut taken = vec![false; sorted.len()];
    for group in boot_groups {
        for (i, (name, autostart)) in sorted.iter().enumerate() {
            if !taken[i] && in_group(&autostart.groups, group) {
                taken[i] = true;
                out.push((name.to_string(), autostart.delay));
            }
        }
    }
    out
}

/// Whether a container with `autostart` is started at boot with `boot_groups`.
pub fn starts_at_boot(autostart: &Autostart, boot_groups: &[BootGroup]) -> bool {
    autostart.auto && boot_groups.iter().any(|g| in_group(&autostart.groups, g))
}

/// The stop order of `running` (name, `lxc.start.order`): levels of equal order,
/// highest first; names in reverse within a level.
pub fn stop_levels(running: &[(String, i32)]) -> Vec<Vec<String>> {
    let mut by_order: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    for (name, order) in running {
        by_order.entry(*order).or_default().push(name.clone());
    }
    by_order
        .into_iter()
        .rev()
        .map(|(_, mut names)| {
            names.sort();
            names.reverse();
            names
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(auto: bool, order: i32, delay: u32, groups: &[&str]) -> Autostart {
        Autostart {
            auto,
            delay,
            order,
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    #[test]
    fn boot_groups_parse_like_lxc_autostart_g() {
        assert_eq!(
            parse_boot_groups("onboot,"),
            [Some("onboot".to_string()), None]
        );
        assert_eq!(parse_boot_groups(""), [None]);
        assert_eq!(
            parse_boot_groups(",web, web ,db,,"),
            [None, Some("web".to_string()), Some("db".to_string())]
        );
        // Exact: `web` does not swallow `webserver` (LXC drops it as a duplicate).
        assert_eq!(
            parse_boot_groups("web,webserver"),
            [Some("web".to_string()), Some("webserver".to_string())]
        );
    }

    #[test]
    fn onboot_first_then_no_group_each_by_order_then_name() {
        let list = [
            ("zeta", a(true, 0, 0, &[])),
            ("alpha", a(true, 5, 2, &[])),
            ("web2", a(true, 1, 0, &["onboot"])),
            ("web", a(true, 1, 3, &["onboot", "web"])),
            ("first", a(true, -10, 0, &[])),
            ("manual", a(false, -20, 0, &[])),
            ("other", a(true, 0, 0, &["db"])),
            ("on", a(true, 0, 0, &["on"])),
        ];
        let order = boot_order(
            list.iter().map(|(n, a)| (*n, a)),
            &parse_boot_groups(DEFAULT_BOOT_GROUPS),
        );
        let names: Vec<&str> = order.iter().map(|(n, _)| n.as_str()).collect();
        // onboot (order 1: web before web2, exact name order), then the null group by
        // order; `manual` has no auto; `other` and `on` (prefix of onboot) are in groups
        // not booted.
        assert_eq!(names, ["web", "web2", "first", "zeta", "alpha"]);
        assert_eq!(order[0], ("web".to_string(), 3));
        assert_eq!(order[4], ("alpha".to_string(), 2));
        // A container in two booted groups starts once, in the first.
        let twice = boot_order(
            list.iter().map(|(n, a)| (*n, a)),
            &parse_boot_groups("web,onboot"),
        );
        let names: Vec<&str> = twice.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["web", "web2"]);
        assert!(starts_at_boot(&list[1].1, &parse_boot_groups("onboot,")));
        assert!(!starts_at_boot(&list[6].1, &parse_boot_groups("onboot,")));
        assert!(!starts_at_boot(&list[5].1, &parse_boot_groups("onboot,")));
    }

    #[test]
    fn stop_goes_backwards_in_levels() {
        let running = [
            ("a".to_string(), 0),
            ("b".to_string(), 10),
            ("c".to_string(), 0),
            ("d".to_string(), -5),
            ("e".to_string(), 10),
        ];
        assert_eq!(
            stop_levels(&running),
            [vec!["e", "b"], vec!["c", "a"], vec!["d"]]
        );
        assert!(stop_levels(&[]).is_empty());
    }
}
