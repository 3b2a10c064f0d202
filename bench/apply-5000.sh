#!/usr/bin/env bash
# One-off comparison for issue 6: apply a generated 5000-group cgconfig.conf with our
# cgconfigparser and with Debian's (libcgroup 2.0.2), wall time and strace -c syscall
# counts, then the re-apply of the unchanged file with ours. Every group lives under a
# unique prefix and is removed afterwards. Run as root on a v1/hybrid host.
#   bench/apply-5000.sh [GROUPS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5000}
command -v strace >/dev/null || apt-get install -y -qq strace >/dev/null
[ -x /usr/sbin/cgconfigparser ] || apt-get install -y -qq cgroup-tools >/dev/null
cargo build --release -q -p cgtools --bin cgconfigparser
ours=target/release/cgconfigparser
theirs=/usr/sbin/cgconfigparser
prefix=cgtools-bench-$$
conf=$(mktemp --suffix=.conf)
trap 'cleanup; rm -f "$conf"' EXIT

cleanup() {
    for h in cpu memory; do
        d=/sys/fs/cgroup/$h/$prefix
        [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
}

for ((i = 0; i < n; i++)); do
    echo "group $prefix/p$((i / 50))/g$i {"
    if ((i % 2 == 0)); then
        echo "  perm { task { uid = nobody; gid = nogroup; } admin { uid = nobody; gid = nogroup; } }"
    fi
    echo "  cpu { cpu.shares = $((100 + i % 900)); }"
    echo "  memory { memory.limit_in_bytes = $((64 + i % 512))M; }"
    echo "}"
done > "$conf"

run() { # label command...
    local label=$1; shift
    local start end
    start=$(date +%s%N)
    "$@"
    end=$(date +%s%N)
    printf '%-34s %8.1f ms\n' "$label" "$(( (end - start) / 1000 ))e-3"
}
syscalls() { # command...
    strace -f -c -o /tmp/strace.$$ "$@" >/dev/null 2>&1 || true
    awk '/^100.00|total/ {print $4; exit}' /tmp/strace.$$
}

echo "== $n groups in cpu and memory (half with a perm block), $(nproc) CPUs"
run "libcgroup 2.0.2 apply" "$theirs" -l "$conf"
cleanup
run "cgtools apply" "$ours" -l "$conf"
run "cgtools re-apply (unchanged)" "$ours" -l "$conf"
cleanup
echo "syscalls, libcgroup apply: $(syscalls "$theirs" -l "$conf")"
cleanup
echo "syscalls, cgtools apply:   $(syscalls "$ours" -l "$conf")"
echo "syscalls, cgtools re-apply: $(syscalls "$ours" -l "$conf")"
cleanup
