#!/usr/bin/env bash
# Runs every test of cgtools: unit tests, fixture snapshots, property tests, end-to-end tests
# of the built binaries, and the real-kernel tests (which need root and skip without it).
# Works on a fresh Debian 12 machine with the Rust toolchain: it installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use (installed only when missing; needs root): procps for
# `ps -o cgroup` in the seed-article test, cgroup-tools (libcgroup 2.0.2) for the tests that
# compare our output with libcgroup's.
packages=(procps cgroup-tools)
[ ${#packages[@]} -eq 0 ] || {
    missing=()
    for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    if [ ${#missing[@]} -gt 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    fi
}

# insta must compare against the committed snapshots, never write new ones.
export INSTA_UPDATE=no
cargo test --workspace --locked
