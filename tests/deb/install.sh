#!/usr/bin/env bash
# The install test of the Debian package (tests/deb/README.md): in a copy of the Debian 12
# root of tests/deb/root.sh, which has cgroup-tools installed, installs our package over it
# with apt, checks what a user would (our tools at cgroup-tools' paths, libcgroup left
# alone, the units verify on Debian 12's systemd, the tools run), removes ours, reinstalls
# cgroup-tools, purges ours and checks that nothing of ours is left. The checks run in the
# root (tests/deb/install-checks.sh, in a chroot of a private mount and pid namespace: the
# host's root is never written; the host's cgroup file systems are bound read-only, for
# lssubsys and cgconfigparser --check). The seed article's Part I needs a cgroup tree of
# its own: tests/deb/boot.sh runs it in the booted root.
#
#   tests/deb/install.sh [DEB]    DEB: the package (default target/deb/cgtools_*_amd64.deb,
#                                 `make deb`); needs root
#
# Prints `deb-install: PASS|FAIL <check>` lines and exits non-zero when a check failed.
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/deb/lib.sh
. tests/deb/lib.sh deb-install

# ---- inside the namespaces: mount what the chroot needs, run the checks ----------------
if [ "${1:-}" = --in-namespace ]; then
    r=$2
    mount -t proc proc "$r/proc" || die "mounting proc at $r/proc failed"
    mount -t sysfs -o ro sysfs "$r/sys" || die "mounting sysfs at $r/sys failed"
    # The host's cgroup mounts, read-only (each one: a recursive bind keeps the flags).
    if [ -d /sys/fs/cgroup ]; then
        mount --rbind /sys/fs/cgroup "$r/sys/fs/cgroup" || die "binding /sys/fs/cgroup failed"
        findmnt -rn -o TARGET -R "$r/sys/fs/cgroup" | while read -r m; do
            mount -o remount,bind,ro "$m" || die "could not make $m read-only"
        done
    fi
    mount -t tmpfs tmpfs "$r/run" || die "mounting a tmpfs at $r/run failed"
    exec chroot "$r" /bin/bash /root/install-checks.sh
fi

[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap's root, chroot, mount namespaces)"

find_package "${1:-}"

root=$(tests/deb/root.sh) || die "tests/deb/root.sh could not make the Debian root (above)"
done_step root

# A copy per run: the cached root is never changed.
runs=target/deb-root/runs
mkdir -p "$runs"
run=$(mktemp -d "$runs/install.XXXXXX")
cleanup() { rm -rf "$run"; }
trap cleanup EXIT
cp -a "$root" "$run/root" || die "could not copy $root to $run/root"
cp "$deb" "$run/root/root/$(basename "$deb")" || die "could not copy $deb into the root"
cp tests/deb/install-checks.sh "$run/root/root/install-checks.sh"
done_step copy

say "installing $(basename "$deb") over cgroup-tools in a copy of $root"
status=0
unshare --mount --pid --fork --propagation private "$0" --in-namespace "$run/root" || status=$?
done_step checks
say "steps: ${timings[*]}; total $((SECONDS - started))s"
[ $status = 0 ] || die "the install test failed (FAIL lines above)"
say "all checks passed"
