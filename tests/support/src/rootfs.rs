//! A container's root filesystem for tests: busybox-static and its applets, the
//! directories an init and LXC's mounts expect. The host's `/bin/busybox` (package
//! busybox-static, which the test scripts install and the VM lane packs) is the whole
//! userland, so the rootfs needs no shared library.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

/// The applets a test's init may use.
pub const APPLETS: &[&str] = &[
    "sh", "sleep", "cat", "hostname", "id", "ls", "grep", "echo", "touch", "mkdir", "mknod",
    "mount", "umount",
];

/// Fills `root` (created if missing) with busybox, its applets in `/bin`, and the empty
/// directories of a root filesystem.
pub fn busybox_rootfs(root: &Path) {
    for d in [
        "bin", "sbin", "etc", "proc", "sys", "dev", "tmp", "out", "root",
    ] {
        fs::create_dir_all(root.join(d)).unwrap();
    }
    fs::copy("/bin/busybox", root.join("bin/busybox")).unwrap();
    for applet in APPLETS {
        symlink("busybox", root.join("bin").join(applet)).unwrap();
    }
}
