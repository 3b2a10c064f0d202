//! Real-kernel tests of LXC seccomp policies: `cgtools-seccomp-probe` (a binary of this
//! crate) installs a policy with `container::seccomp::Filter` as the launcher does, then
//! makes syscalls; the tests check what the kernel answered. Root is needed (as for every
//! kernel_* suite): the probe then has CAP_SYS_ADMIN, and the calls it makes fail with
//! their ordinary errors (ENOENT for a module or a path that does not exist) unless the
//! filter decides otherwise. Runs on the host and in the VM lane.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use nix::sys::signal::Signal;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use test_support::skip;

const PROBE: &str = env!("CARGO_BIN_EXE_cgtools-seccomp-probe");

const EPERM: i32 = 1;
const ENOENT: i32 = 2;
const EACCES: i32 = 13;

/// Debian's /usr/share/lxc/config/common.seccomp, the profile of `lxc-create -t download`
/// containers (`tests/data/lxc/README.md`).
fn common_seccomp() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/lxc/usr/share/lxc/config/common.seccomp")
}

/// A directory anyone may read, for policies and the probe run as another user.
fn open_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn write_policy(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    path
}

fn probe(policy: &Path, calls: &[&str]) -> Output {
    Command::new(PROBE)
        .arg(policy)
        .args(calls)
        .output()
        .unwrap()
}

/// The probe's lines after a successful run.
fn lines(out: &Output) -> Vec<String> {
    assert!(
        out.status.success(),
        "the probe failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

#[test]
fn common_seccomp_denies_module_calls_with_eperm_and_force_umount_with_eacces() {
    if !is_root() {
        skip!("needs root: the probe installs the filter with CAP_SYS_ADMIN");
    }
    let calls = [
        "delete_module",
        "init_module",
        "finit_module",
        "umount2_force",
        "umount2",
        "getpid",
    ];
    // The kernel's own answers, under a policy that has no rule for these calls: ENOENT,
    // ENOEXEC, ... or ENOSYS on a kernel without modules, but never EPERM for root.
    let dir = open_dir();
    let other = write_policy(
        dir.path(),
        "other.seccomp",
        "2\ndenylist\nkexec_load errno 1\n",
    );
    let baseline = lines(&probe(&other, &calls));
    assert_eq!(baseline[0], "no_new_privs 0");
    for line in &baseline[1..4] {
        assert!(
            !line.ends_with(&format!(" errno {EPERM}")),
            "{line}: root gets EPERM without the filter"
        );
    }
    assert_eq!(baseline[4], format!("umount2_force errno {ENOENT}"));

    let out = lines(&probe(&common_seccomp(), &calls));
    assert_eq!(
        out,
        [
            "no_new_privs 0".to_string(),
            format!("delete_module errno {EPERM}"),
            format!("init_module errno {EPERM}"),
            format!("finit_module errno {EPERM}"),
            // reject_force_umount: MNT_FORCE fails with EACCES, a plain umount2 runs.
            format!("umount2_force errno {EACCES}"),
            format!("umount2 errno {ENOENT}"),
            "getpid ok".to_string(),
        ]
    );
}

#[test]
fn a_condition_on_an_argument_selects_the_calls_the_rule_denies() {
    if !is_root() {
        skip!("needs root: the probe installs the filter with CAP_SYS_ADMIN");
    }
    let dir = open_dir();
    let policy = write_policy(
        dir.path(),
        "kill.seccomp",
        "2\ndenylist\nkill errno 77 [0,0x7fffffff,SCMP_CMP_EQ]\n",
    );
    // kill(0x7fffffff, 0) would fail with ESRCH (3); the rule makes it EBADFD (77).
    assert_eq!(
        lines(&probe(&policy, &["kill_missing", "kill_self"])),
        ["no_new_privs 0", "kill_missing errno 77", "kill_self ok"]
    );
}

#[test]
fn kill_and_trap_end_the_process_with_sigsys() {
    if !is_root() {
        skip!("needs root: the probe installs the filter with CAP_SYS_ADMIN");
    }
    let dir = open_dir();
    for action in ["kill", "trap"] {
        let policy = write_policy(
            dir.path(),
            "sigsys.seccomp",
            &format!("2\ndenylist\ngetppid {action}\n"),
        );
        let out = probe(&policy, &["getpid", "getppid", "getpid"]);
        assert_eq!(
            out.status.signal(),
            Some(Signal::SIGSYS as i32),
            "{action}: {} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "no_new_privs 0\ngetpid ok\n",
            "{action}"
        );
    }
}

#[test]
fn without_cap_sys_admin_the_filter_needs_no_new_privs_and_does_not_set_it() {
    if !is_root() {
        skip!("needs root: the test runs the probe as another user");
    }
    // The probe as `nobody`: no CAP_SYS_ADMIN. The kernel refuses the filter unless
    // no_new_privs is set, and `install` does not set it behind the caller's back (LXC
    // leaves it off, so that setuid programs in the container keep working).
    let dir = open_dir();
    let exe = dir.path().join("probe");
    fs::copy(PROBE, &exe).unwrap();
    fs::set_permissions(&exe, fs::Permissions::from_mode(0o755)).unwrap();
    let policy = write_policy(
        dir.path(),
        "common.seccomp",
        &fs::read_to_string(common_seccomp()).unwrap(),
    );
    let as_nobody = |args: &[&str]| {
        Command::new(&exe)
            .args(args)
            .uid(65534)
            .gid(65534)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let policy = policy.to_str().unwrap();
    let refused = as_nobody(&[policy, "getpid"]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("installing the filter: EACCES"), "{stderr}");

    let out = as_nobody(&["--no-new-privs", policy, "delete_module", "getpid"]);
    assert_eq!(
        lines(&out),
        [
            "no_new_privs 1".to_string(),
            format!("delete_module errno {EPERM}"),
            "getpid ok".to_string()
        ]
    );
}
