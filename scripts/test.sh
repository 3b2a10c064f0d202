#!/usr/bin/env bash
# Runs every test of cgtools: unit tests, fixture snapshots, property tests, end-to-end tests
# of the built binaries, and the real-kernel tests (which need root and skip without it),
# then the same real-kernel suites on a pure cgroup v2 kernel in a VM (tests/vm/run.sh).
# Works on a fresh Debian 12 machine with the Rust toolchain: it installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use (installed only when missing; needs root): procps for
# `ps -o cgroup` in the seed-article test, cgroup-tools (libcgroup 2.0.2) for the tests that
# compare our output with libcgroup's; for the pure cgroup v2 VM lane a qemu-system-x86_64
# that runs, cpio, busybox-static, jq and binutils. scripts/packages.sh says what it
# installs, and never removes or downgrades a package to make room for qemu.
scripts/packages.sh procps cgroup-tools qemu-system-x86 cpio busybox-static jq binutils

# insta must compare against the committed snapshots, never write new ones.
export INSTA_UPDATE=no
# The end-to-end tests run the tools from target/debug, and `cargo test` builds a package's
# binaries only for that package's own integration tests: build them all first.
cargo build --workspace --bins --locked
# cgexec and cgclassify ship statically linked (scripts/build-static.sh says why): build
# them as shipped; a real-kernel test checks that they have no loader, no name lookups,
# and work.
static_dir=$(scripts/build-static.sh --release)
export CGTOOLS_STATIC_DIR=$PWD/$static_dir
cargo test --workspace --locked

# The pure cgroup v2 lane: the kernel_* suites again, in a VM booted with cgroup_no_v1=all.
echo "--- pure cgroup v2 lane (tests/vm/run.sh)"
tests/vm/run.sh
