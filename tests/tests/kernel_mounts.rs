//! cgconfigparser and `mount` sections on the real kernel: a hierarchy no controller of
//! which is mounted gets mounted (its mount point created) and the file's groups in it are
//! created; when the file then fails, its groups are removed and the hierarchy unmounted
//! again, the mount point it created removed.
//!
//! Needs root, a cgroup v1 capable kernel (not booted with `cgroup_no_v1`, so a v1-only
//! skip in the VM lane) and a v1 controller mounted nowhere (net_cls, perf_event or
//! net_prio on Debian's hybrid hosts), as `/proc/cgroups` and the mount table say; skips
//! with a counted reason otherwise.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use test_support::{bin, need, skip, Host, Skip};

/// A v1 controller the kernel has but no hierarchy mounted here holds, and not offered by
/// cgroup v2. `/proc/cgroups` may still give it a hierarchy id: a v1 hierarchy outlives its
/// last unmount (an earlier run of this test leaves one behind), and mounting the
/// controller again attaches that hierarchy, which is what cgconfigparser does too.
fn unmounted_v1_controller() -> Result<String, Skip> {
    let host = Host::for_test()?;
    let cmdline = fs::read_to_string("/proc/cmdline").unwrap_or_default();
    if cmdline.contains("cgroup_no_v1") {
        return Err(Skip::v1_only(
            "cgroup v1 is disabled on this kernel (cgroup_no_v1)",
        ));
    }
    let offered_by_v2 = |c: &str| host.mounts.iter().any(|m| m.v2 && m.has(c));
    host.controllers
        .iter()
        .filter(|k| k.enabled && !host.mounts.iter().any(|m| m.has(&k.name)))
        .filter(|k| !offered_by_v2(&k.name))
        .map(|k| k.name.clone())
        .find(|c| ["net_cls", "perf_event", "net_prio"].contains(&c.as_str()))
        .ok_or_else(|| Skip::because("no v1 controller is left unmounted on this host"))
}

fn is_mount_point(path: &Path) -> bool {
    let path = path.display().to_string();
    fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split_whitespace().nth(4) == Some(path.as_str()))
}

/// Removes the test group and unmounts the hierarchy, whatever the test left behind.
struct Guard {
    mount_point: PathBuf,
    group: String,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if is_mount_point(&self.mount_point) {
            let _ = fs::remove_dir(self.mount_point.join(&self.group));
            let _ = nix::mount::umount(&self.mount_point);
        }
        let _ = fs::remove_dir(&self.mount_point);
    }
}

fn cgconfigparser(config: &Path) -> std::process::Output {
    Command::new(bin("cgconfigparser"))
        .arg("-l")
        .arg(config)
        .output()
        .unwrap()
}

#[test]
fn a_missing_hierarchy_is_mounted_and_unmounted_again_when_the_file_fails() {
    let controller = need!(unmounted_v1_controller());
    let dir = tempfile::tempdir().unwrap();
    let mount_point = dir.path().join(format!("cgtools-{controller}"));
    let group = format!("cgtools-test-mount-{}", std::process::id());
    let _guard = Guard {
        mount_point: mount_point.clone(),
        group: group.clone(),
    };
    let conf = dir.path().join("mount.conf");

    // A file that applies: the hierarchy is mounted, the group created in it.
    fs::write(
        &conf,
        format!(
            "mount {{ {controller} = {mp}; }}\ngroup {group} {{ {controller} {{ }} }}\n",
            mp = mount_point.display()
        ),
    )
    .unwrap();
    let out = cgconfigparser(&conf);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(is_mount_point(&mount_point));
    assert!(mount_point.join(&group).is_dir());
    // Applying it again: mounted already, nothing to do.
    let out = cgconfigparser(&conf);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fs::remove_dir(mount_point.join(&group)).unwrap();
    nix::mount::umount(&mount_point).unwrap();
    fs::remove_dir(&mount_point).unwrap();

    // A file that fails after mounting: a group of a controller whose value the kernel
    // refuses. Its group is removed, the hierarchy unmounted, the mount point removed.
    let bad = match controller.as_str() {
        "net_cls" => "net_cls.classid = 99999999999999999999999;",
        "net_prio" => "net_prio.ifpriomap = \"no-such-interface-cgtools 1\";",
        _ => "",
    };
    if bad.is_empty() {
        skip!("the failing half: {controller} has no setting to get wrong");
    }
    fs::write(
        &conf,
        format!(
            "mount {{ {controller} = {mp}; }}\ngroup {group} {{ {controller} {{ {bad} }} }}\n",
            mp = mount_point.display()
        ),
    )
    .unwrap();
    let out = cgconfigparser(&conf);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(96), "{stderr}");
    assert!(stderr.contains("unmounted"), "{stderr}");
    assert!(!is_mount_point(&mount_point), "{stderr}");
    assert!(
        !mount_point.exists(),
        "the mount point it created was left: {stderr}"
    );
}
