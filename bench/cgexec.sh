#!/usr/bin/env bash
# Whole-process benchmark: `cgexec -g memory,cpu:G true` of cgtools against libcgroup's
# (Debian's cgroup-tools, /usr/bin/cgexec), on a group this script creates and removes.
# cgexec runs in front of every job a scheduler starts, so its start-up cost is the number
# that matters: read the mount table, move itself, exec.
#
# Needs root. Installs hyperfine and cgroup-tools with apt when they are missing; without
# hyperfine it falls back to a timed loop with /usr/bin/time.
#
#   bench/cgexec.sh [RUNS]        (default 1000)
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-1000}
[ "$(id -u)" -eq 0 ] || { echo "bench/cgexec.sh: run as root (it creates a cgroup)" >&2; exit 1; }

missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
[ -x /usr/bin/cgexec ] || missing+=(cgroup-tools)
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || true
fi
[ -x /usr/bin/cgexec ] || { echo "bench/cgexec.sh: /usr/bin/cgexec (cgroup-tools) is not installed" >&2; exit 1; }

cargo build --release --quiet -p cgtools --bin cgexec
ours=$PWD/target/release/cgexec
theirs=/usr/bin/cgexec

# The group, made with mkdir in the hierarchies serving memory and cpu (v1 mounts, or the
# cgroup2 mount when it lists them; a v2 root must already enable them for its children:
# this script never writes the root's cgroup.subtree_control).
group=cgtools-bench-$$
dirs=()
mount_of() {
    local ctrl=$1 point fstype opts
    while read -r point fstype opts; do
        if [ "$fstype" = cgroup ] && [[ ",$opts," == *",$ctrl,"* ]]; then echo "$point"; return; fi
    done < <(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") { print $5, $(i+1), $(i+3); break } }' /proc/self/mountinfo)
    while read -r point fstype opts; do
        if [ "$fstype" = cgroup2 ] && grep -qw "$ctrl" "$point/cgroup.controllers" \
            && grep -qw "$ctrl" "$point/cgroup.subtree_control"; then echo "$point"; return; fi
    done < <(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") { print $5, $(i+1), $(i+3); break } }' /proc/self/mountinfo)
}
cleanup() {
    for d in "${dirs[@]}"; do rmdir "$d" 2>/dev/null || true; done
}
trap cleanup EXIT
for ctrl in memory cpu; do
    point=$(mount_of "$ctrl")
    [ -n "$point" ] || { echo "bench/cgexec.sh: no hierarchy gives a new group $ctrl" >&2; exit 1; }
    if [ ! -d "$point/$group" ]; then
        mkdir "$point/$group"
        dirs+=("$point/$group")
    fi
done

echo "host: $(uname -r), $(nproc) cores; group memory,cpu:$group; $runs runs each"
"$ours" -g "memory,cpu:$group" true
"$theirs" -g "memory,cpu:$group" true

if command -v hyperfine >/dev/null; then
    json=$(mktemp)
    hyperfine --shell=none --warmup 50 --runs "$runs" --export-json "$json" \
        --command-name "cgtools cgexec" "$ours -g memory,cpu:$group true" \
        --command-name "libcgroup cgexec" "$theirs -g memory,cpu:$group true" \
        --command-name "true (no cgexec)" "/bin/true"
    # The mean suffers from scheduling outliers on a busy machine; the median does not.
    if command -v python3 >/dev/null; then
        python3 -c 'import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("median %-18s %7.3f ms   min %7.3f ms" % (r["command"], r["median"] * 1e3, r["min"] * 1e3))' "$json"
    fi
    rm -f "$json"
else
    for tool in "$ours" "$theirs"; do
        start=$(date +%s%N)
        /usr/bin/time -f "$tool: %e s wall, %U s user, %S s system for $runs runs" \
            bash -c 'for ((i = 0; i < $1; i++)); do "$2" -g "$3" true; done' _ "$runs" "$tool" "memory,cpu:$group"
        end=$(date +%s%N)
        echo "$tool: $(( (end - start) / runs / 1000 )) us per run"
    done
fi
