#!/usr/bin/env bash
# Builds the tools that ship statically linked (static-pie, glibc) and prints the directory
# they are in: every tool that starts once per job or per script line (cgexec, cgclassify,
# cgcreate, cgdelete, cgset, cgget, cgxget, cgxset, lscgroup, lssubsys).
#
#   scripts/build-static.sh [--release | --debug]      (default --release)
#   scripts/build-static.sh --list                     the tools, one per line
#   scripts/build-static.sh --dir [--debug]            their directory, without building
#
# Why: cgexec runs in front of every job a scheduler starts, cgclassify moves services as
# they start, and scripts call cgcreate/cgset/cgget/cgdelete once per group; a dynamically
# linked Rust binary spends about a third of its start-up in the dynamic loader (mapping
# libgcc_s and libc, binding ~100 symbols, 1200 relocations): measured with bench/run.sh,
# cgexec takes 1.17-1.22x the floor's time dynamic and 1.05-1.09x static, a loop of 1000
# cgcreate runs 1.95x dynamic (BENCHMARKS.md).
#
# Which tools may be static: only those that never call NSS. A static glibc binary looks
# names up through NSS modules (libnss_systemd, sssd, LDAP) that it loads at run time and
# that must come from the glibc version it was linked with, so after a glibc upgrade those
# lookups could fail. The tools here resolve names without NSS: cgexec and cgclassify
# without -g (classifying by cgrules.conf) and cgcreate -a/-t read /etc/passwd and
# /etc/group themselves and ask glibc's getent for anything else (cgtools::engine::
# accounts::FileAccounts, docs/compat.md); the others never resolve a name at all (no
# getpw*/getgr* call is linked into them). Dynamic, and why:
#   - cgsnapshot writes owners as names: cgtools::engine::snapshot asks NSS (getpwuid/
#     getgrgid) for them; it runs once per snapshot, so the loader costs it nothing that
#     matters.
#   - cgconfigparser (perm blocks, -a/-t) and cgconfigd (perm blocks, the rules' @group
#     members through NSS) resolve names through NSS (SystemAccounts, SystemMembers); they
#     run once per boot or reload, where the loader's 0.3 ms does not matter, and a
#     long-running daemon should see NSS exactly as the rest of the system does.
# tests/tests/kernel_exec_tools.rs checks every binary built here has no loader and no
# getpw*/getgr* symbols.
# Only a target/<triple> directory holds the static builds, so every tool binary there is
# one of them.
#
# The binaries are built for the host's target triple given explicitly, so that the
# static flag reaches only them (not build scripts or proc-macros) and their build does
# not disturb target/release: they land in target/<triple>/<profile>/.
set -euo pipefail
cd "$(dirname "$0")/.."
# The one list of static tools (the Makefile and bench/run.sh ask for it with --list).
tools=(cgexec cgclassify cgcreate cgdelete cgset cgget cgxget cgxset lscgroup lssubsys)
build=1 profile=release flags=(--release)
for arg in "$@"; do
    case $arg in
        --release) ;;
        --debug) flags=(); profile=debug ;;
        --dir) build=0 ;;
        --list) printf '%s\n' "${tools[@]}"; exit 0 ;;
        *) echo "scripts/build-static.sh: unknown argument $arg" >&2; exit 129 ;;
    esac
done
triple=$(rustc -vV | sed -n 's/^host: //p')
if [ "$build" = 1 ]; then
    bins=()
    for t in "${tools[@]}"; do bins+=(--bin "$t"); done
    RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
        cargo build --locked --quiet "${flags[@]}" --target "$triple" -p cgtools "${bins[@]}"
fi
echo "target/$triple/$profile"
