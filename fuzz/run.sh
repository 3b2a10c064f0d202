#!/usr/bin/env bash
# Runs every grammar fuzz target (or the ones named) for SECONDS each, one after another.
#   fuzz/run.sh 600                 # all targets, 10 minutes each
#   fuzz/run.sh 60 cgconfig lxc     # two targets, one minute each
# Needs cargo-fuzz (installed on first use). cargo-fuzz wants nightly features; the stable
# toolchain provides them with RUSTC_BOOTSTRAP=1. Corpora are seeded from the test fixtures
# and kept in fuzz/corpus/<target> (not committed); crashes land in fuzz/artifacts/<target>.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(cgconfig cgrules lxc seccomp)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    fixtures=../grammar/tests/fixtures/$target
    [ -d "$fixtures" ] && find "$fixtures" -type f -exec cp -n {} "corpus/$target/" \;
    echo "== fuzzing $target for ${seconds}s"
    cargo fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" -max_len=4096 -timeout=10
done
