#!/usr/bin/env bash
# Runs every test of cgtools: unit tests, fixture snapshots, property tests, end-to-end tests
# of the built binaries, and the real-kernel tests (which need root and skip without it;
# every skip is counted and listed after the tests), then the same real-kernel suites on a
# pure cgroup v2 kernel in a VM (tests/vm/run.sh), where a skip is a failure, then the
# Debian package lane (tests/deb/run.sh).
# Works on a fresh Debian 12 machine with the Rust toolchain: it installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use (installed only when missing; needs root): procps for
# `ps -o cgroup` in the seed-article test, cgroup-tools (libcgroup 2.0.2) for the tests that
# compare our output with libcgroup's; for the pure cgroup v2 VM lane a qemu-system-x86_64
# that runs, cpio, busybox-static, jq and binutils; iproute2 (the networking tests check
# with its `ip`) and strace (a test counts a tool's opens), on the host and in the VM;
# man-db (`man --warnings` checks the file-format pages).
# scripts/packages.sh says what it
# installs, and never removes or downgrades a package to make room for qemu.
scripts/packages.sh procps cgroup-tools qemu-system-x86 cpio busybox-static jq binutils iproute2 strace man-db

# insta must compare against the committed snapshots, never write new ones.
export INSTA_UPDATE=no
# The end-to-end tests run the tools from target/debug, and `cargo test` builds a package's
# binaries only for that package's own integration tests: build them all first.
cargo build --workspace --bins --locked
# The tools scripts/build-static.sh lists ship statically linked (it says why): build them
# as shipped; a real-kernel test checks that they have no loader, no name lookups, and work.
static_dir=$(scripts/build-static.sh --release)
export CGTOOLS_STATIC_DIR=$PWD/$static_dir
# A real-kernel test that cannot run here says why and appends a line to this log
# (tests/support/src/skip.rs): `<suite> TAB <test> TAB skip|v1-only TAB test|part TAB <reason>`.
# The summary after the tests counts them, so that a skip never passes for a pass.
skip_log=$(mktemp "${TMPDIR:-/tmp}/cgtools-skips.XXXXXX")
trap 'rm -f "$skip_log"' EXIT
export CGTOOLS_SKIP_LOG=$skip_log
status=0
cargo test --workspace --locked || status=$?
tests=$(awk -F'\t' '$4 == "test" { print $1 "::" $2 }' "$skip_log" | sort -u | wc -l)
parts=$(awk -F'\t' '$4 == "part"' "$skip_log" | sort -u | wc -l)
echo "--- $tests real-kernel tests skipped, and $parts parts of tests:"
awk -F'\t' '{ printf "  %s::%s (%s%s): %s\n", $1, $2, $3, ($4 == "part" ? ", part" : ""), $5 }' \
    "$skip_log" | sort -u
[ "$status" = 0 ] || exit "$status"

# The README's main command (its first block, "Quick start"), as written: a dry run of
# cgconfigd on the example configuration, which must plan and change nothing.
echo "--- the README's quick start"
quick_start=$(awk '/^## Quick start/ { q = 1 } q && /^```sh$/ { f = 1; next } f && /^```$/ { exit } f' README.md)
[ -n "$quick_start" ] || { echo "README.md has no quick-start command" >&2; exit 1; }
bash -euo pipefail -c "$quick_start" >/dev/null

# The pure cgroup v2 lane: the kernel_* suites again, in a VM booted with cgroup_no_v1=all.
echo "--- pure cgroup v2 lane (tests/vm/run.sh)"
tests/vm/run.sh

# The Debian package lane: make deb, lintian and the file list, the package installed over
# cgroup-tools in a throwaway Debian 12 root, and that root booted under systemd (pure v2
# and hybrid, both units). Needs root; without it this lane is skipped and says so.
if [ "$(id -u)" = 0 ]; then
    echo "--- Debian package lane (tests/deb/run.sh)"
    tests/deb/run.sh
else
    echo "--- SKIPPED: the Debian package lane (tests/deb/run.sh) needs root"
fi
