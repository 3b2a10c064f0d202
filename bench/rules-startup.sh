#!/usr/bin/env bash
# cgexec start-up with -g against cgexec classifying by rules (no -g), the static build as
# shipped, interleaved runs timed by bench/tm.c (fork to reap). Needs root and cgroup v1
# memory+cpu or v2. The rules go to /etc through an overlay in a private mount namespace:
# the host's /etc is not written; /run is empty there (no rules daemon is asked).
#
#   bench/rules-startup.sh [ROUNDS]        (default 1000)
#
# Prints, per variant, the median and mean in ms over ROUNDS runs of `true`.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-1000}
if [ "${CGTOOLS_IN_NS:-}" != 1 ]; then
    static=$PWD/$(scripts/build-static.sh --release)
    W=$(mktemp -d)
    trap 'rm -rf "$W"' EXIT
    gcc -O2 -Wall -o "$W/tm" bench/tm.c
    G=cgtools-bench-rules-$$
    for c in memory cpu; do
        d=/sys/fs/cgroup/$c; [ -d "$d" ] || d=/sys/fs/cgroup
        mkdir -p "$d/$G"
    done
    me=$(id -un)
    mkdir -p "$W/small" "$W/big" "$W/mnt"
    # A small file: some other users' and programs' rules, an @group rule, then ours.
    { for n in $(seq 1 8); do echo "nobody:prog$n  cpu  other$n/"; done
      echo "@nogroup  cpu  grp/"
      echo "$me:true  memory,cpu  $G/"; } > "$W/small/cgrules.conf"
    # 1000 rules before ours.
    { for n in $(seq 1 1000); do echo "*:prog$n  cpu  other$n/"; done
      echo "$me:true  memory,cpu  $G/"; } > "$W/big/cgrules.conf"
    export CGTOOLS_IN_NS=1 W G static
    unshare --mount --propagation private "$0" "$rounds"
    for c in memory cpu; do
        d=/sys/fs/cgroup/$c; [ -d "$d" ] || d=/sys/fs/cgroup
        rmdir "$d/$G" 2>/dev/null || true
    done
    exit 0
fi
# Without a rules daemon: cgexec by rules (ours and libcgroup's) asks the daemon at
# /run/cgred.socket to leave the process where it put it, which is not what is measured
# here (and a test's daemon may come and go there). In this private namespace /run is an
# empty tmpfs; the host's /run is untouched.
mount -t tmpfs norun /run
etc_with() {  # the overlay over /etc with $W/$1's files (none: the host's /etc)
    mountpoint -q /etc && umount /etc || true
    mountpoint -q "$W/mnt" && umount "$W/mnt" || true
    [ "$1" = none ] && return
    mount -t tmpfs t "$W/mnt"; mkdir "$W/mnt/u" "$W/mnt/w"
    cp "$W/$1"/* "$W/mnt/u/"
    mount -t overlay o -o "lowerdir=/etc,upperdir=$W/mnt/u,workdir=$W/mnt/w" /etc
}
# The static cgexec reads /etc only; the -g runs happen with the small rules file present
# too (it is not read with -g). The variants are interleaved (each round runs every
# variant once, the small file's then the big file's), so that a busy machine's drift
# hits all of them alike.
names=() etcs=() cmds=()
variant() {  # name etc command...
    names+=("$1") etcs+=("$2")
    shift 2
    cmds+=("$(printf '%q ' "$@")")
}
variant "ours -g" small "$static/cgexec" -g "memory,cpu:$G" true
variant "ours rules (10)" small "$static/cgexec" true
variant "ours rules (1001)" big "$static/cgexec" true
if [ -x /usr/bin/cgexec ]; then
    variant "libcgroup -g" small /usr/bin/cgexec -g "memory,cpu:$G" true
    variant "libcgroup rules (10)" small /usr/bin/cgexec true
    variant "libcgroup rules (1001)" big /usr/bin/cgexec true
fi
for i in "${!names[@]}"; do : > "$W/t$i"; done
for round in $(seq -20 "$rounds"); do  # rounds up to 0 warm up, untimed
    for etc in small big; do
        etc_with "$etc"
        # The first process after the overlay is mounted pays for it (about 10 ms here):
        # an untimed one.
        cat /etc/cgrules.conf /etc/passwd /etc/group >/dev/null
        "$static/cgexec" true >/dev/null
        for i in "${!names[@]}"; do
            [ "${etcs[$i]}" = "$etc" ] || continue
            if [ "$round" -le 0 ]; then
                eval "${cmds[$i]}" >/dev/null
            else
                eval "\"\$W/tm\" \"\$W/t$i\" ${cmds[$i]}"
            fi
        done
    done
done
etc_with none
for i in "${!names[@]}"; do
    sort -n "$W/t$i" | awk -v n="${names[$i]}" '{ t[NR] = $1; s += $1 }
        END { printf "%-28s median %.3f ms  mean %.3f ms  (%d runs)\n", n, t[int((NR + 1) / 2)] / 1e6, s / NR / 1e6, NR }'
done
