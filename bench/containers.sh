# shellcheck shell=bash
# shellcheck disable=SC2034 # SIDES, C_ours, STATE, BROKEN... are read by bench/run.sh
# The container workloads of bench/run.sh (`--only containers`; issue 14): cgconfigd's
# containers side by side with LXC's own tools (Debian's lxc 5.0.2) on the same container
# directories. Sourced by bench/run.sh, whose variables and functions it uses (W, PREFIX,
# OURS, TM, say, target, median, quartiles, ms, ratio, mib, log, measure, ...). What is
# measured and why it is fair is in BENCHMARKS.md, section "Containers":
#
#  1. start latency of a busybox container, from the request (the fork of `cgconfigd start
#     NAME`, or of `lxc-start -d`) to the container's init running: the init's first
#     command writes a line to a FIFO bind-mounted into the container (bench/ctm.c waits
#     for it); on a quiet host, and right after a task migration (see ctm.c: the kernel's
#     grace period);
#  2. stop latency of a container whose init ignores the halt signal, with a 1 s timeout
#     (`cgconfigd stop NAME -t 1`, `lxc-stop -t 1`);
#  3. with 20 running containers: cgconfigd's resident memory (and the 20 `[lxc monitor]`
#     processes' for LXC), and `cgconfigd ls -f` against `lxc-ls -f`;
#  4. (issue 15) start latency of a veth-networked busybox container, measured as 1. The
#     container (its own lxcpath, $W/ctnet) has `lxc.net.0.type = veth` on the bridge
#     br-bench; both sides run in one scratch network namespace, never the host's (with a
#     mount namespace whose /sys is its sysfs, as `ip netns exec` makes, for LXC): a holder
#     process (`unshare --net --mount sleep infinity`) keeps them, iproute2 run there through nsenter
#     makes the bridge, a second cgconfigd (its own state directory and base group) runs
#     there, and ctm (hence `cgconfigd start` and `lxc-start -d`) is started there. Also
#     counted per quiet round: other processes' task migrations on the host (perf); and one
#     more start of ours under `strace -c -f -p DAEMON`.
#
# Isolation: the container directory and the FIFOs are in $W; cgconfigd's state directory
# is on a tmpfs (/dev/shm, as /run is on a systemd host); every cgroup either side makes is
# below $PREFIX: cgconfigd's with `--base $PREFIX/ours`, LXC's with `lxc.cgroup.relative =
# 1` and lxc-start started from $PREFIX/lxc (bench/ctm.c -j). The configs have no
# `lxc.net` (a new network namespace with nothing in it, both sides). On exit every
# container is stopped (cgconfigd's, then LXC's; then cgroup.kill of $PREFIX in the v2
# hierarchy for anything left), the daemon is stopped by its pid, and LXC's lock directory
# for $W is removed. The networked workload's containers are stopped with the others, its
# daemon by its pid, then its holder is killed: the scratch namespace and its bridge go
# with it (the host's interfaces and addresses are compared before and after).

R_CT_START=$(rounds ctstart 21)
R_CT_STOP=$(rounds ctstop 7)
R_CT_LS=$(rounds ctls 21)
R_CT_NET=$(rounds ctnet 21)
CT_COUNT=${CT_COUNT:-20}

# The halt signal of the busybox template's config is SIGUSR1; the init ignores it (and
# SIGPWR, the default one), then reports its world when /bench/verify exists, then writes
# to the FIFO and sleeps.
CT_INIT='#!/bin/sh
# cgtools bench/containers.sh: the init of a benchmark container.
trap "" USR1 PWR
if [ -e /bench/verify ]; then
    {
        echo "pid $$"
        echo "hostname $(hostname)"
        echo "ids $(id)"
        grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status
        echo "cgroup paths seen inside: $(cut -d: -f3 /proc/self/cgroup | sort -u | tr "\n" " ")"
        max=$(ls /proc | grep -E "^[0-9]+\$" | sort -n | tail -1)
        if [ -d /proc/1 ] && [ "$max" -lt 1000 ]; then echo "procs: its own only"; else echo "procs: $(ls /proc | grep -E "^[0-9]+\$" | tr "\n" " ")"; fi
        echo "mounts:"
        awk "{ split(\$4, o, \",\"); print \"  \" \$2, \$3, o[1] }" /proc/self/mounts | sort
        echo "dev:"
        for f in /dev/* /dev/.[!.]*; do
            if [ -L "$f" ]; then echo "  $f -> $(readlink "$f")"
            elif [ -c "$f" ]; then echo "  $f char $(stat -c %t:%T "$f")"
            elif [ -e "$f" ]; then echo "  $f $(stat -c %F "$f")"; fi
        done
        echo "net: $(ls /sys/class/net | tr "\n" " ")"
    } > /bench/state 2>&1
fi
if [ -e /bench/verify-net ]; then
    {
        ip -o link show | sed -E "s/@if[0-9]+:/@ifN:/"
        ip -o addr show | sed "s/ tentative//"
        ip route show
        if ping -c 1 -W 2 "$(cat /bench/verify-net)" >/dev/null 2>&1; then echo "ping of the bridge: answered"; else echo "ping of the bridge: no answer"; fi
    } > /bench/net 2>&1
fi
echo up > /bench/fifo
exec sleep 2147483647
'

CT=$W/ct                # the container directory (lxcpath) of both sides
CT_BENCH=$W/ct-bench    # per container: the directory mounted on /bench (FIFO, state)
CT_STATE=""             # cgconfigd's state directory
CT_DAEMON_PID=""
CT_PERF_PID=""
CT_NAMES=()             # every container made
CT_CG_MOUNTS=()         # every cgroup mount point (v1 and v2)
# The networked workload (issue 15): its own lxcpath, a scratch network namespace held by
# CT_NET_HOLDER, a second cgconfigd running in that namespace.
CT_NET=$W/ctnet
CT_NET_NAMES=()
CT_NET_HOLDER=""
CT_NET_DAEMON_PID=""
CT_NET_STATE=""
CT_NET_BRIDGE=br-bench
CT_NET_BRIDGE_ADDR=10.99.0.1

ct_fail() { # MESSAGE: the workload cannot run; the run exits 1
    say ""
    say "**containers: $*; not measured.**"
    RESULTS+=("not measured: containers ($*)")
    BROKEN=1
}

# Every cgroup (v1 or v2) mount point.
ct_cgroup_mounts() {
    awk '{ for (i = 1; i <= NF; i++) if ($i == "-") break
        if ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2") print $5 }' /proc/self/mountinfo
}
ct_unified() { awk '{ for (i = 1; i <= NF; i++) if ($i == "-") break; if ($(i + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo; }

# A group REL below $PREFIX in every hierarchy (cpuset's cpus and mems copied down, as a
# new v1 cpuset group has none and takes no task).
ct_mkgroup() { # REL
    local m d rel
    for m in "${CT_CG_MOUNTS[@]}"; do
        rel=""
        for d in $PREFIX ${1//\// }; do
            rel=${rel:+$rel/}$d
            [ -d "$m/$rel" ] || mkdir "$m/$rel"
            # (v1 only: a v2 group's empty cpuset.cpus means "the parent's".)
            if [ ! -f "$m/cgroup.controllers" ] && [ -f "$m/$rel/cpuset.cpus" ] &&
                [ -z "$(cat "$m/$rel/cpuset.cpus")" ]; then
                cat "$(dirname "$m/$rel")/cpuset.cpus" >"$m/$rel/cpuset.cpus"
                cat "$(dirname "$m/$rel")/cpuset.mems" >"$m/$rel/cpuset.mems"
            fi
        done
    done
}

ct_ours() { "$CT_DAEMON" --state-dir "$CT_STATE" "$@"; }
ct_lxc() { local cmd=$1; shift; "lxc-$cmd" -P "$CT" "$@"; }

# The init's pid as each side reports it.
ct_pid() { # SIDE NAME
    if [ "$1" = ours ]; then
        ct_ours info "$2" | awk '$1 == "PID:" { print $2 }'
    else
        ct_lxc info -n "$2" -pH
    fi
}

# Starts NAME on SIDE and waits for its init (untimed).
ct_start() { # SIDE NAME
    if [ "$1" = ours ]; then
        "$W/ctm" /dev/null "$CT_BENCH/$2/fifo" -- "$CT_DAEMON" --state-dir "$CT_STATE" start "$2"
    else
        "$W/ctm" /dev/null "$CT_BENCH/$2/fifo" "${CT_JOIN_LXC[@]}" -- lxc-start -P "$CT" -n "$2" -d
    fi
}

# Kills NAME on SIDE at once and waits until its group is gone (untimed).
ct_kill() { # SIDE NAME
    local i dir
    if [ "$1" = ours ]; then
        ct_ours stop -k "$2" 2>/dev/null || true
        dir=$CT_UNIFIED/$PREFIX/ours/lxc/$2
    else
        ct_lxc stop -n "$2" -k >/dev/null 2>&1 || true
        dir=$CT_UNIFIED/$PREFIX/lxc/lxc.payload.$2
    fi
    for ((i = 0; i < 200; i++)); do
        [ -d "$dir" ] || return 0
        sleep 0.02
    done
    echo "containers: $1's $2 still has its group $dir after 4 s" >&2
    return 1
}

# The state a side's start reached: what the init saw (its report) and, from the host, its
# groups (the side's container group written CT) and its namespaces compared with the
# host's (same/own). Lines listed in CT_SAME_WORK are dropped: LXC does those things and
# cgconfigd does not (see BENCHMARKS.md); everything else must match.
CT_SAME_WORK='^  /proc/sys/kernel/random/boot_id |^  /dev/\.lxc-boot-id |^  /dev/ptmx |^  /dev/console char '
ct_start_state() { # SIDE PID
    local side=$1 pid=$2 group ns
    [ "$side" = ours ] && group=/$PREFIX/ours/lxc/bench || group=/$PREFIX/lxc/lxc.payload.bench
    grep -Ev "$CT_SAME_WORK" "$CT_BENCH/bench/state" | sed "s|$CT_BENCH/bench|BENCH|g"
    echo "host view:"
    sed -e "s|:$group\$|:CT|" -e 's/^[0-9]*://' "/proc/$pid/cgroup" | sort | sed 's/^/  cgroup /'
    for ns in cgroup ipc mnt net pid user uts; do
        if [ "$(readlink "/proc/$pid/ns/$ns")" = "$(readlink "/proc/self/ns/$ns")" ]; then
            echo "  ns $ns: the host's"
        else
            echo "  ns $ns: its own"
        fi
    done
    echo "  cmdline: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
}

# After a stop: the init, the side's container group, the processes left in the side's
# subtree, the state the side's own tool reports.
ct_stop_state() { # SIDE PID
    local side=$1 pid=$2 group sub left
    if [ "$side" = ours ]; then
        group=$PREFIX/ours/lxc/bench sub=$PREFIX/ours
    else
        group=$PREFIX/lxc/lxc.payload.bench sub=$PREFIX/lxc
    fi
    [ -d "/proc/$pid" ] && echo "init: still running" || echo "init: gone"
    [ -d "$CT_UNIFIED/$group" ] && echo "group: still there" || echo "group: removed"
    left=$(find "$CT_UNIFIED/$sub" -name cgroup.procs -exec cat {} + | wc -l)
    echo "processes left below the side's groups: $left"
    if [ "$side" = ours ]; then
        ct_ours info bench | awk '$1 == "State:" { print "state:", $2 }'
    else
        ct_lxc info -n bench -s | awk '$1 == "State:" { print "state:", $2 }'
    fi
}

# Runs a command in the scratch network namespace, and its mount namespace: the host's
# mounts with that network namespace's sysfs on /sys (as `ip netns exec` does; LXC finds a
# bridge by /sys/class/net/BRIDGE/bridge) and the cgroup mounts moved back below it.
ct_netns() { nsenter --net="/proc/$CT_NET_HOLDER/ns/net" --mount="/proc/$CT_NET_HOLDER/ns/mnt" "$@"; }
ct_nours() { "$CT_DAEMON" --state-dir "$CT_NET_STATE" "$@"; }
# LXC's commands reach the monitor over an abstract unix socket, which belongs to a network
# namespace: every lxc-* of a networked container runs in the scratch one.
ct_nlxc() { local cmd=$1; shift; ct_netns "lxc-$cmd" -P "$CT_NET" "$@"; }
# The veth interfaces in the scratch namespace (their host ends), one a line.
ct_net_veths() { ct_netns ip -o link show type veth; }

# Kills the networked NAME on SIDE at once and waits until its group is gone and no veth is
# left in the scratch namespace (the kernel deletes the pair when the container's
# namespace goes, asynchronously), so that no round starts while the last one's namespace
# is being torn down (untimed).
ct_net_kill() { # SIDE NAME
    local i dir
    if [ "$1" = ours ]; then
        ct_nours stop -k "$2" 2>/dev/null || true
        dir=$CT_UNIFIED/$PREFIX/oursnet/lxc/$2
    else
        ct_nlxc stop -n "$2" -k >/dev/null 2>&1 || true
        dir=$CT_UNIFIED/$PREFIX/lxc/lxc.payload.$2
    fi
    for ((i = 0; i < 250; i++)); do
        [ -d "$dir" ] || [ -n "$(ct_net_veths)" ] || return 0
        sleep 0.02
    done
    echo "containers: $1's networked $2 still has its group $dir or a veth after 5 s" >&2
    return 1
}

# Stops the networked workload's containers, its daemon, and kills the holder of the
# scratch namespace (its bridge goes with it).
ct_net_teardown() {
    local n i
    if [ -n "$CT_NET_DAEMON_PID" ]; then
        for n in "${CT_NET_NAMES[@]}"; do ct_nours stop -k "$n" >/dev/null 2>&1 || true; done
        kill "$CT_NET_DAEMON_PID" 2>/dev/null || true
        wait "$CT_NET_DAEMON_PID" 2>/dev/null || true
        CT_NET_DAEMON_PID=""
    fi
    if [ -n "$CT_NET_HOLDER" ]; then
        for n in "${CT_NET_NAMES[@]}"; do
            if [ "$(ct_nlxc info -n "$n" -sH 2>/dev/null || true)" = RUNNING ]; then
                ct_nlxc stop -n "$n" -k >/dev/null 2>&1 || true
            fi
        done
    fi
}
ct_net_kill_holder() {
    if [ -n "$CT_NET_HOLDER" ]; then
        kill "$CT_NET_HOLDER" 2>/dev/null || true
        wait "$CT_NET_HOLDER" 2>/dev/null || true
        CT_NET_HOLDER=""
    fi
}

# LXC's lock directory for an lxcpath (/run/lxc/lock/<lxcpath>), and its parents that only
# it kept.
ct_rm_lock() { # LXCPATH
    local lock=/run/lxc/lock/${1#/}
    if [ -d "$lock" ]; then
        rm -rf "$lock"
        lock=${lock%/*}
        while [ "$lock" != /run/lxc/lock ] && rmdir "$lock" 2>/dev/null; do lock=${lock%/*}; done
    fi
    return 0
}

ct_cleanup() {
    local n
    if [ -n "$CT_PERF_PID" ]; then
        kill -INT "$CT_PERF_PID" 2>/dev/null || true
        wait "$CT_PERF_PID" 2>/dev/null || true
        CT_PERF_PID=""
    fi
    if [ -n "$CT_DAEMON_PID" ]; then
        for n in "${CT_NAMES[@]}"; do ct_ours stop -k "$n" >/dev/null 2>&1 || true; done
        kill "$CT_DAEMON_PID" 2>/dev/null || true
        wait "$CT_DAEMON_PID" 2>/dev/null || true
        CT_DAEMON_PID=""
    fi
    if command -v lxc-stop >/dev/null; then
        for n in "${CT_NAMES[@]}"; do
            if [ "$(ct_lxc info -n "$n" -sH 2>/dev/null || true)" = RUNNING ]; then
                ct_lxc stop -n "$n" -k >/dev/null 2>&1 || true
            fi
        done
    fi
    ct_net_teardown
    # Anything left in the prefix (a container whose tool failed): killed by its group.
    if [ -n "${CT_UNIFIED:-}" ] && [ -f "$CT_UNIFIED/$PREFIX/cgroup.kill" ]; then
        echo 1 >"$CT_UNIFIED/$PREFIX/cgroup.kill" || true
        sleep 0.2
    fi
    ct_net_kill_holder
    for n in "$CT_STATE" "$CT_NET_STATE"; do [ -z "$n" ] || rm -rf "$n"; done
    CT_STATE="" CT_NET_STATE=""
    ct_rm_lock "$CT"
    ct_rm_lock "$CT_NET"
    CT_NAMES=() CT_NET_NAMES=()
    return 0
}

# One round of a start: SIDE, results file, ctm options (-s MS, -j ...).
ct_time_start() { # SIDE FILE CTM_OPTIONS...
    local side=$1 file=$2
    shift 2
    if [ "$side" = ours ]; then
        "$W/ctm" "$file" "$CT_BENCH/bench/fifo" "$@" -- "$CT_DAEMON" --state-dir "$CT_STATE" start bench
    else
        "$W/ctm" "$file" "$CT_BENCH/bench/fifo" "${CT_JOIN_LXC[@]}" "$@" -- lxc-start -P "$CT" -n bench -d
    fi
}

# A markdown row of a two-sided workload from its times files (ms): medians, the median of
# the per-round ratios ours/lxc and its IQR; sets CT_RATIO.
ct_row() { # ID LABEL EXTRA_CELLS
    local id=$1 n m_o m_l q
    n=$(wc -l <"$W/$id.ours.times")
    m_o=$(times_ms "$id" ours | median) m_l=$(times_ms "$id" lxc | median)
    CT_RATIO=$(round_ratio "$id" ours lxc) q=$(round_ratio_q "$id" ours lxc)
    # shellcheck disable=SC2086
    say "| $2 | $n | $(ms "$m_o") | $(ms "$m_l") | $(ratio "$CT_RATIO") ($(ratio ${q% *})–$(ratio ${q#* })) | $3 |"
}
# The command's own exit (column 4 of ctm's results), median in ms.
ct_exit_ms() { awk '{ printf "%.6f\n", $1 / 1e6 }' "$W/$1.$2.exits" | median; }

ct_workloads() {
    log "containers: setting up"
    say ""
    say "### Containers: cgconfigd and LXC"
    say ""
    CT_DAEMON=${CGCONFIGD:-$OURS/cgconfigd}
    if ! "$CT_DAEMON" --help 2>&1 | grep -q -- '--lxcpath'; then
        ct_fail "$CT_DAEMON has no container support"
        return
    fi
    if ! command -v lxc-start >/dev/null || ! command -v lxc-create >/dev/null; then
        ct_fail "LXC is not installed (scripts/packages.sh lxc)"
        return
    fi
    if ! command -v busybox >/dev/null; then
        ct_fail "busybox is not installed (the busybox template needs it: scripts/packages.sh busybox-static)"
        return
    fi
    mapfile -t CT_CG_MOUNTS < <(ct_cgroup_mounts)
    CT_UNIFIED=$(ct_unified)
    if [ -z "$CT_UNIFIED" ]; then
        ct_fail "no cgroup2 hierarchy (the harness finds and kills containers through it)"
        return
    fi
    gcc -O2 -Wall -o "$W/ctm" bench/ctm.c
    local apparmor=no
    [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] && apparmor=yes
    say "- LXC $(lxc-start --version) (lxc $(dpkg-query -W -f '${Version}' lxc 2>/dev/null || echo '?')); busybox $(busybox | head -1 | awk '{ print $2 }'); AppArmor enabled: $apparmor (both sides: \`lxc.apparmor.profile = unconfined\`)"
    say "- load average before the containers: $(cut -d' ' -f1-3 /proc/loadavg)"

    # The containers: lxc-create's busybox template, from an empty base config (not
    # /etc/lxc/default.conf, whose veth on lxcbr0 would touch the host's network), plus
    # the benchmark's lines.
    mkdir -p "$CT" "$CT_BENCH"
    : >"$W/ct-empty.conf"
    local n names=(bench)
    for ((n = 1; n <= CT_COUNT; n++)); do names+=("$(printf 'c%02d' "$n")"); done
    for n in "${names[@]}"; do
        if ! lxc-create -P "$CT" -n "$n" -t busybox -f "$W/ct-empty.conf" >"$W/ct-create.log" 2>&1; then
            ct_fail "lxc-create -t busybox failed: $(tail -3 "$W/ct-create.log" | tr '\n' ' ')"
            return
        fi
        CT_NAMES+=("$n")
        if grep -q '^lxc\.net' "$CT/$n/config"; then
            ct_fail "the busybox template's config has lxc.net lines (it would touch the network)"
            return
        fi
        mkdir -p "$CT_BENCH/$n"
        mkfifo "$CT_BENCH/$n/fifo"
        printf '%s' "$CT_INIT" >"$CT/$n/rootfs/bench-init"
        chmod 755 "$CT/$n/rootfs/bench-init"
        cat >>"$CT/$n/config" <<EOF

# cgtools bench/containers.sh
# Both sides: no ttys besides the console (cgconfigd does not create them yet).
lxc.tty.max = 0
lxc.apparmor.profile = unconfined
lxc.init.cmd = /bench-init
lxc.mount.entry = $CT_BENCH/$n bench none bind,create=dir 0 0
# LXC: groups below the cgroup lxc-start runs in (\$PREFIX/lxc), not at the root.
lxc.cgroup.relative = 1
EOF
    done
    say "- containers: \`lxc-create -P DIR -n NAME -t busybox -f EMPTY\`, plus \`lxc.tty.max = 0\`, \`lxc.apparmor.profile = unconfined\`, \`lxc.init.cmd = /bench-init\`, a bind mount of the FIFO's directory on /bench, \`lxc.cgroup.relative = 1\`; no \`lxc.net\`"

    ct_mkgroup lxc
    CT_JOIN_LXC=()
    local m
    for m in "${CT_CG_MOUNTS[@]}"; do CT_JOIN_LXC+=(-j "$m/$PREFIX/lxc/cgroup.procs"); done
    # Right after a migration (the "warm" rows), cgconfigd's client is moved too, into a
    # group of its own, so that both sides start with the kernel in the same state.
    ct_mkgroup warm
    CT_JOIN_WARM=(-j "${CT_CG_MOUNTS[0]}/$PREFIX/warm/cgroup.procs")

    # cgconfigd: an empty cgconfig.conf, the containers' groups below $PREFIX/ours, the
    # state directory on a tmpfs as /run/cgconfigd is on a systemd host.
    if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
        CT_STATE=$(mktemp -d /dev/shm/cgbench-state.XXXXXX)
    else
        CT_STATE=$W/ct-state
        mkdir -p "$CT_STATE"
    fi
    mkdir -p "$W/ct-conf.d"
    : >"$W/ct-cgconfig.conf"
    "$CT_DAEMON" -c "$W/ct-cgconfig.conf" -d "$W/ct-conf.d" --state-dir "$CT_STATE" \
        --lxcpath "$CT" --base "$PREFIX/ours" >"$W/ct-daemon.log" 2>&1 &
    CT_DAEMON_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do
        [ -S "$CT_STATE/control" ] && break
        kill -0 "$CT_DAEMON_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [ ! -S "$CT_STATE/control" ]; then
        ct_fail "cgconfigd did not open its control socket: $(tail -3 "$W/ct-daemon.log" | tr '\n' ' ')"
        return
    fi
    say "- cgconfigd: \`$CT_DAEMON --state-dir $CT_STATE --lxcpath DIR --base $PREFIX/ours\` (state directory on $(stat -f -c %T "$CT_STATE"))"

    ct_start_workload
    ct_stop_workload
    ct_many_workload
    ct_net_workload
    ct_cleanup
}

ct_start_workload() {
    local side pid ok=0 r
    log "containers: start (state check)"
    say ""
    # Same state first: one start per side with the init reporting its world.
    touch "$CT_BENCH/bench/verify"
    for side in ours lxc; do
        rm -f "$CT_BENCH/bench/state"
        if ! ct_start "$side" bench 2>"$W/ctstart.$side.err"; then
            say "**containers start: $side failed, not timed:** $(head -c 300 "$W/ctstart.$side.err" | tr '\n' ' ')"
            ok=1
            continue
        fi
        pid=$(ct_pid "$side" bench)
        ct_start_state "$side" "$pid" >"$W/ctstart.$side.state"
        ct_kill "$side" bench || ok=1
    done
    rm -f "$CT_BENCH/bench/verify"
    if [ "$ok" = 0 ] && ! cmp -s "$W/ctstart.lxc.state" "$W/ctstart.ours.state"; then
        say "**containers start: ours did not reach the state LXC reached, not timed** (first differences, < lxc > ours):"
        say '```'
        say "$({ diff "$W/ctstart.lxc.state" "$W/ctstart.ours.state" || true; } | head -12)"
        say '```'
        ok=1
    fi
    if [ "$ok" != 0 ]; then
        BROKEN=1
        RESULTS+=("MISSED: container start (not timed: a side failed or the states differ)")
        return
    fi
    say "Same state checked before timing (the init's report from inside, its groups and namespaces from the host; \`$W/ctstart.ours.state\`)."

    log "containers: start, $R_CT_START rounds x 2 (quiet host, then right after a migration)"
    for side in ours lxc; do
        : >"$W/ctstart.$side.times"
        : >"$W/ctstart.$side.exits"
        : >"$W/ctwarm.$side.times"
        : >"$W/ctwarm.$side.exits"
    done
    for ((r = 0; r < R_CT_START; r++)); do
        for side in ours lxc; do
            if ! ct_time_start "$side" "$W/ctstart.$side.times" -s 300 -e "$W/ctstart.$side.exits" 2>>"$W/ctstart.$side.err"; then
                say "**containers start: $side failed in round $r**"
                BROKEN=1
                return
            fi
            ct_kill "$side" bench
        done
    done
    for ((r = 0; r < R_CT_START; r++)); do
        for side in ours lxc; do
            if [ "$side" = ours ]; then
                ct_time_start ours "$W/ctwarm.ours.times" "${CT_JOIN_WARM[@]}" -e "$W/ctwarm.ours.exits" || { BROKEN=1; return; }
            else
                ct_time_start lxc "$W/ctwarm.lxc.times" -e "$W/ctwarm.lxc.exits" || { BROKEN=1; return; }
            fi
            ct_kill "$side" bench
        done
    done
    say ""
    say "Times from the fork of the request (\`cgconfigd start bench\`, \`lxc-start -P DIR -n bench -d\`) to the init's first line in a FIFO (bench/ctm.c); \"quiet host\": 300 ms without a task migration before the request; \"right after a task migration\": the requesting process was moved into a group just before (the kernel's percpu rwsem already switched)."
    say ""
    say "| start of a busybox container, request to its init running | rounds | ours ms | LXC ms | ours/LXC (q1–q3) | the command's exit, ours / LXC ms |"
    say "|---|---|---|---|---|---|"
    ct_row ctstart "quiet host: \`cgconfigd start\` / \`lxc-start -d\`" "$(ms "$(ct_exit_ms ctstart ours)") / $(ms "$(ct_exit_ms ctstart lxc)")"
    local quiet=$CT_RATIO
    ct_row ctwarm "right after a task migration" "$(ms "$(ct_exit_ms ctwarm ours)") / $(ms "$(ct_exit_ms ctwarm lxc)")"
    target "$(verdict le "$quiet" 0.33)" "container start, quiet host: ours/LXC $(ratio "$quiet") <= 1/3 ($(ms "$(times_ms ctstart ours | median)") ms / $(ms "$(times_ms ctstart lxc | median)") ms)"
    RESULTS+=("(no target) container start right after a task migration: ours/LXC $(ratio "$CT_RATIO") ($(ms "$(times_ms ctwarm ours | median)") ms / $(ms "$(times_ms ctwarm lxc | median)") ms)")
    ct_profile_start
}

# Slow system calls (over 1 ms) of one untimed start per side, with perf trace: where a
# start waits (a grace period shows as a write to cgroup.procs).
ct_profile_start() {
    command -v perf >/dev/null || return 0
    say ""
    say "System calls over 1 ms during one more start per side (\`perf trace -a --duration 1\`, untimed; the daemon's own process, lxc-start, the LXC monitor and the init; pauses and waits left out; a write of a pid to a v1 \`cgroup.procs\` waiting for a grace period shows here):"
    ct_profile ctstart ct_time_start ct_kill bench "$CT_DAEMON_PID"
}
# One untimed start per side under `perf trace -a --duration 1`; prints the slow calls of
# the daemon, lxc-start, LXC's monitor and the init as a code block.
ct_profile() { # ID START_FN KILL_FN NAME DAEMON_PID
    local id=$1 start=$2 kill=$3 name=$4 daemon=$5 side slow
    for side in ours lxc; do
        perf trace -a --duration 1 -o "$W/$id.$side.slow" >/dev/null 2>&1 &
        CT_PERF_PID=$!
        sleep 2 # perf trace attaches to every CPU first
        "$start" "$side" /dev/null -s 300 || true
        sleep 0.2
        kill -INT "$CT_PERF_PID" 2>/dev/null
        wait "$CT_PERF_PID" 2>/dev/null || true
        CT_PERF_PID=""
        "$kill" "$side" "$name"
    done
    say '```'
    for side in ours lxc; do
        say "$side:"
        # This run's daemon only (other cgconfigd processes may be running on the host).
        slow=$({ grep -E "cgconfigd/$daemon |lxc-start/|lxc monitor|bench-init/" "$W/$id.$side.slow" 2>/dev/null || true; } |
            { grep -Ev 'clock_nanosleep|wait4|waitid|poll|epoll|select|futex|accept|recvfrom|recvmsg|restart_syscall|read\(' || true; } |
            sed -E 's/^ *[0-9.]+ //' | cut -c1-160 | head -10)
        say "${slow:-  (none)}"
    done
    say '```'
}

ct_stop_workload() {
    local side pid ok=0 r
    log "containers: stop (state check)"
    for side in ours lxc; do
        ct_start "$side" bench 2>"$W/ctstop.$side.err" || { ok=1; continue; }
        pid=$(ct_pid "$side" bench)
        if [ "$side" = ours ]; then
            ct_ours stop bench -t 1 2>>"$W/ctstop.$side.err" || ok=1
        else
            ct_lxc stop -n bench -t 1 2>>"$W/ctstop.$side.err" || ok=1
        fi
        ct_stop_state "$side" "$pid" >"$W/ctstop.$side.state"
        ct_kill "$side" bench
    done
    if [ "$ok" = 0 ] && ! cmp -s "$W/ctstop.lxc.state" "$W/ctstop.ours.state"; then
        say "**containers stop: ours did not reach the state LXC reached, not timed** (< lxc > ours):"
        say '```'
        say "$({ diff "$W/ctstop.lxc.state" "$W/ctstop.ours.state" || true; } | head -8)"
        say '```'
        ok=1
    fi
    if [ "$ok" != 0 ]; then
        BROKEN=1
        RESULTS+=("MISSED: container stop (not timed: a side failed or the states differ)")
        return
    fi
    log "containers: stop, $R_CT_STOP rounds"
    : >"$W/ctstop.ours.times"
    : >"$W/ctstop.lxc.times"
    for ((r = 0; r < R_CT_STOP; r++)); do
        for side in ours lxc; do
            ct_start "$side" bench || { BROKEN=1; return; }
            if [ "$side" = ours ]; then
                "$TM" "$W/ctstop.ours.times" "$CT_DAEMON" --state-dir "$CT_STATE" stop bench -t 1 || { BROKEN=1; return; }
            else
                "$TM" "$W/ctstop.lxc.times" lxc-stop -P "$CT" -n bench -t 1 || { BROKEN=1; return; }
            fi
            ct_kill "$side" bench
        done
    done
    local over_o over_l
    over_o=$(awk '{ printf "%.6f\n", $1 / 1e6 - 1000 }' "$W/ctstop.ours.times" | median)
    over_l=$(awk '{ printf "%.6f\n", $1 / 1e6 - 1000 }' "$W/ctstop.lxc.times" | median)
    say ""
    say "| stop, the init ignores the halt signal, timeout 1 s | rounds | ours ms | LXC ms | ours/LXC (q1–q3) | beyond the 1 s: ours / LXC ms |"
    say "|---|---|---|---|---|---|"
    ct_row ctstop "\`cgconfigd stop -t 1\` / \`lxc-stop -t 1\`" "$(ms "$over_o") / $(ms "$over_l")"
    RESULTS+=("(no target) container stop with -t 1: ours $(ms "$(times_ms ctstop ours | median)") ms, LXC $(ms "$(times_ms ctstop lxc | median)") ms")
}

# The resident memory of a process, KiB: VmRSS, VmHWM and (smaps_rollup) Pss.
ct_mem() { # PID -> "RSS HWM PSS"
    echo "$(awk '$1 == "VmRSS:" { r = $2 } $1 == "VmHWM:" { h = $2 } END { print r + 0, h + 0 }' "/proc/$1/status") $(awk '$1 == "Pss:" { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0)"
}

ct_many_workload() {
    local n side names=() ok=0
    for ((n = 1; n <= CT_COUNT; n++)); do names+=("$(printf 'c%02d' "$n")"); done
    log "containers: $CT_COUNT running on each side"
    for side in ours lxc; do
        for n in "${names[@]}"; do
            ct_start "$side" "$n" 2>>"$W/ctmany.$side.err" || ok=1
        done
    done
    if [ "$ok" != 0 ]; then
        ct_fail "starting $CT_COUNT containers failed: $(head -c 300 "$W/ctmany.ours.err" "$W/ctmany.lxc.err" | tr '\n' ' ')"
        return
    fi
    sleep 1
    local d_rss d_hwm d_pss l_rss=0 l_pss=0 pid p
    read -r d_rss d_hwm d_pss < <(ct_mem "$CT_DAEMON_PID")
    for n in "${names[@]}"; do
        for pid in $(cat "$CT_UNIFIED/$PREFIX/lxc/lxc.monitor.$n/cgroup.procs" 2>/dev/null); do
            read -r r _ p < <(ct_mem "$pid")
            l_rss=$((l_rss + r)) l_pss=$((l_pss + p))
        done
    done
    say ""
    say "| $CT_COUNT running containers | cgconfigd | LXC |"
    say "|---|---|---|"
    say "| resident memory of the supervisors | one daemon: VmRSS $(mib "$d_rss") MiB (VmHWM $(mib "$d_hwm"), Pss $(mib "$d_pss")) | $CT_COUNT \`[lxc monitor]\` processes: VmRSS $(mib "$l_rss") MiB in all (Pss $(mib "$l_pss")) |"
    target "$(verdict le "$(awk -v r="$d_rss" 'BEGIN { print r / 1024 }')" 12)" "cgconfigd VmRSS with $CT_COUNT running containers: $(mib "$d_rss") MiB < 12 MiB"

    log "containers: ls -f, $R_CT_LS rounds"
    new_workload
    SIDES="ours lxc"
    C_ours=("$CT_DAEMON" --state-dir "$CT_STATE" ls -f)
    C_lxc=(lxc-ls -P "$CT" -f)
    ls_state() { cat "$W/$ID.$1.out"; }
    STATE=ls_state
    if verify ctls lxc && measure ctls "$R_CT_LS"; then
        say ""
        say "| \`ls -f\` with $CT_COUNT running containers (and 1 stopped), output identical | rounds | ours ms | LXC ms | ours/LXC (q1–q3) | peak RSS of the command, ours / LXC MiB |"
        say "|---|---|---|---|---|---|"
        ct_row ctls "\`cgconfigd ls -f\` / \`lxc-ls -f\`" "$(mib "$(rss_kib ctls ours)") / $(mib "$(rss_kib ctls lxc)")"
        RESULTS+=("(no target) ls -f with $CT_COUNT running: ours/LXC $(ratio "$CT_RATIO") ($(ms "$(times_ms ctls ours | median)") ms / $(ms "$(times_ms ctls lxc | median)") ms)")
    else
        RESULTS+=("MISSED: ls -f (not timed: the outputs differ or a side failed)")
    fi
    for side in ours lxc; do
        for n in "${names[@]}"; do ct_kill "$side" "$n"; done
    done
}

# --- 4. networked start (issue 15) ----------------------------------------------------------

# Counts the task migrations of other processes (into groups outside $PREFIX) on the whole
# host from ct_foreign_start to ct_foreign_stop, with perf's cgroup_attach_task tracepoint;
# appends the count to FILE (nothing without a working perf).
ct_foreign_start() {
    [ "$COUNTER" = perf ] || return 0
    perf stat -a -x, -o "$W/ct-foreign.out" -e cgroup:cgroup_attach_task \
        --filter "!(dst_path ~ \"*$PREFIX*\")" >/dev/null 2>&1 &
    CT_PERF_PID=$!
    sleep 0.2 # perf opens the tracepoint on every CPU
}
ct_foreign_stop() { # FILE
    [ -n "$CT_PERF_PID" ] || return 0
    kill -INT "$CT_PERF_PID" 2>/dev/null
    wait "$CT_PERF_PID" 2>/dev/null || true
    CT_PERF_PID=""
    awk -F, '$3 == "cgroup:cgroup_attach_task" { n = $1 } END { print (n == "" ? "?" : n) }' "$W/ct-foreign.out" >>"$1"
}

# One round of a networked start: SIDE, results file, ctm options. ctm itself runs in the
# scratch namespace (nsenter is outside the clock), so both requests are forked there.
ct_net_time_start() { # SIDE FILE CTM_OPTIONS...
    local side=$1 file=$2
    shift 2
    if [ "$side" = ours ]; then
        ct_netns "$W/ctm" "$file" "$CT_BENCH/bnet/fifo" "$@" -- "$CT_DAEMON" --state-dir "$CT_NET_STATE" start bnet
    else
        ct_netns "$W/ctm" "$file" "$CT_BENCH/bnet/fifo" "${CT_JOIN_LXC[@]}" "$@" -- lxc-start -P "$CT_NET" -n bnet -d
    fi
}

# What a networked start reached: the container's interfaces, addresses and routes and a
# ping of the bridge, from inside; its host end in the scratch namespace (name shape,
# bridge, state, MTU); its network namespace from the host.
ct_net_state() { # SIDE PID
    local pid=$2
    echo "inside:"
    sed -E 's/^/  /; s/ +/ /g' "$CT_BENCH/bnet/net"
    echo "scratch namespace:"
    ct_net_veths | sed -E 's/^[0-9]+: veth[A-Za-z0-9]{6}@/  host end vethXXXXXX@/; s/ *\\.*//'
    echo "  ports of $CT_NET_BRIDGE: $(ct_netns ip -o link show master "$CT_NET_BRIDGE" | wc -l)"
    if [ "$(readlink "/proc/$pid/ns/net")" = "$(readlink "/proc/$CT_NET_HOLDER/ns/net")" ]; then
        echo "  ns net: the scratch one"
    elif [ "$(readlink "/proc/$pid/ns/net")" = "$(readlink "/proc/self/ns/net")" ]; then
        echo "  ns net: the host's"
    else
        echo "  ns net: its own"
    fi
}

ct_net_workload() {
    local name=bnet addr=10.99.0.2 i side r ok=0 host_before pid
    log "containers: networked start (set-up)"
    say ""
    say "#### Networked start (issue 15)"
    say ""
    if ! command -v nsenter >/dev/null || ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
        ct_fail "networked start: nsenter, unshare (util-linux) or ip (iproute2) missing"
        return
    fi
    host_before=$(ip -br link; ip -br addr)
    # The scratch network namespace, held by a process of its own, and its bridge. With it
    # a mount namespace (private: nothing propagates to the host's) where /sys is that
    # network namespace's sysfs, /sys/fs/cgroup moved over from the host's.
    mkdir -p "$W/ctnet-cgroup"
    # shellcheck disable=SC2016 # $1 is the inner shell's
    unshare --net --mount --propagation private sh -c 'mount --rbind /sys/fs/cgroup "$1" &&
        mount -t sysfs sysfs /sys && mount --move "$1" /sys/fs/cgroup && exec sleep infinity' sh "$W/ctnet-cgroup" &
    CT_NET_HOLDER=$!
    for ((i = 0; i < 200; i++)); do
        [ "$(cat "/proc/$CT_NET_HOLDER/comm" 2>/dev/null)" = sleep ] && break
        sleep 0.01
    done
    if [ "$(cat "/proc/$CT_NET_HOLDER/comm" 2>/dev/null)" != sleep ] ||
        [ "$(readlink "/proc/$CT_NET_HOLDER/ns/net")" = "$(readlink /proc/self/ns/net)" ] ||
        [ "$(ct_netns ls /sys/class/net)" != lo ] ||
        [ ! -d "${CT_CG_MOUNTS[0]}/$PREFIX" ] || ! ct_netns test -d "${CT_CG_MOUNTS[0]}/$PREFIX" ||
        ! ct_netns ip link set lo up ||
        ! ct_netns ip link add "$CT_NET_BRIDGE" type bridge ||
        ! ct_netns ip addr add "$CT_NET_BRIDGE_ADDR/24" dev "$CT_NET_BRIDGE" ||
        ! ct_netns ip link set "$CT_NET_BRIDGE" up; then
        ct_fail "networked start: the scratch namespace or its bridge could not be made"
        return
    fi

    # The container: the busybox template from a base config with the NIC (lxc-create
    # writes the hwaddr's xx as random digits, as from /etc/lxc/default.conf).
    mkdir -p "$CT_NET" "$CT_BENCH/$name"
    cat >"$W/ctnet-$name.conf" <<EOF
lxc.net.0.type = veth
lxc.net.0.link = $CT_NET_BRIDGE
lxc.net.0.flags = up
lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx
lxc.net.0.ipv4.address = $addr/24
EOF
    if ! lxc-create -P "$CT_NET" -n "$name" -t busybox -f "$W/ctnet-$name.conf" >"$W/ctnet-create.log" 2>&1; then
        ct_fail "networked start: lxc-create -t busybox failed: $(tail -3 "$W/ctnet-create.log" | tr '\n' ' ')"
        return
    fi
    CT_NET_NAMES+=("$name")
    if [ "$(grep -c '^lxc\.net' "$CT_NET/$name/config")" != 5 ] ||
        ! grep -Eq '^lxc\.net\.0\.hwaddr = 00:16:3e(:[0-9a-f]{2}){3}$' "$CT_NET/$name/config"; then
        ct_fail "networked start: the container's config does not have the NIC as given: $(grep '^lxc\.net' "$CT_NET/$name/config" | tr '\n' ' ')"
        return
    fi
    mkfifo "$CT_BENCH/$name/fifo"
    printf '%s' "$CT_INIT" >"$CT_NET/$name/rootfs/bench-init"
    chmod 755 "$CT_NET/$name/rootfs/bench-init"
    cat >>"$CT_NET/$name/config" <<EOF

# cgtools bench/containers.sh (as the unnetworked containers)
lxc.tty.max = 0
lxc.apparmor.profile = unconfined
lxc.init.cmd = /bench-init
lxc.mount.entry = $CT_BENCH/$name bench none bind,create=dir 0 0
lxc.cgroup.relative = 1
EOF
    say "- container: \`lxc-create -P DIR -n bnet -t busybox -f NET\`, NET being \`lxc.net.0.type = veth\`, \`lxc.net.0.link = $CT_NET_BRIDGE\`, \`lxc.net.0.flags = up\`, \`lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx\` (lxc-create writes \`$(awk '$1 == "lxc.net.0.hwaddr" { print $3 }' "$CT_NET/$name/config")\`), \`lxc.net.0.ipv4.address = $addr/24\`; plus the unnetworked containers' lines"
    say "- a scratch network namespace (held by \`unshare --net --mount sleep infinity\`; in its mount namespace /sys is that network namespace's sysfs, as \`ip netns exec\` makes it, the cgroup mounts moved back below it) with \`lo\` up and the bridge $CT_NET_BRIDGE, $CT_NET_BRIDGE_ADDR/24, up; a second cgconfigd runs there (\`nsenter --net=... --mount=... cgconfigd ... --base $PREFIX/oursnet\`), and ctm is started there for both sides"

    # The second daemon, in the scratch namespace.
    if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
        CT_NET_STATE=$(mktemp -d /dev/shm/cgbench-netstate.XXXXXX)
    else
        CT_NET_STATE=$W/ctnet-state
        mkdir -p "$CT_NET_STATE"
    fi
    # (nsenter itself, not the function ct_netns: a function put in the background runs in
    # a subshell, whose pid $! would be; nsenter execs the daemon, same pid.)
    nsenter --net="/proc/$CT_NET_HOLDER/ns/net" --mount="/proc/$CT_NET_HOLDER/ns/mnt" "$CT_DAEMON" -c "$W/ct-cgconfig.conf" -d "$W/ct-conf.d" \
        --state-dir "$CT_NET_STATE" --lxcpath "$CT_NET" --base "$PREFIX/oursnet" >"$W/ctnet-daemon.log" 2>&1 &
    CT_NET_DAEMON_PID=$!
    for ((i = 0; i < 100; i++)); do
        [ -S "$CT_NET_STATE/control" ] && break
        kill -0 "$CT_NET_DAEMON_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [ ! -S "$CT_NET_STATE/control" ] ||
        [ "$(readlink "/proc/$CT_NET_DAEMON_PID/ns/net")" != "$(readlink "/proc/$CT_NET_HOLDER/ns/net")" ]; then
        ct_fail "networked start: the second cgconfigd is not running in the scratch namespace: $(tail -3 "$W/ctnet-daemon.log" | tr '\n' ' ')"
        return
    fi

    # Same state first, and no veth left after the stop.
    log "containers: networked start (state check)"
    touch "$CT_BENCH/$name/verify"
    echo "$CT_NET_BRIDGE_ADDR" >"$CT_BENCH/$name/verify-net"
    for side in ours lxc; do
        rm -f "$CT_BENCH/$name/state" "$CT_BENCH/$name/net"
        if [ "$side" = ours ]; then
            ct_netns "$W/ctm" /dev/null "$CT_BENCH/$name/fifo" -- "$CT_DAEMON" --state-dir "$CT_NET_STATE" start "$name" 2>"$W/ctnet.$side.err"
        else
            ct_netns "$W/ctm" /dev/null "$CT_BENCH/$name/fifo" "${CT_JOIN_LXC[@]}" -- lxc-start -P "$CT_NET" -n "$name" -d 2>"$W/ctnet.$side.err"
        fi || {
            say "**networked start: $side failed, not timed:** $(head -c 300 "$W/ctnet.$side.err" | tr '\n' ' ')"
            ok=1
            continue
        }
        if [ "$side" = ours ]; then
            pid=$(ct_nours info "$name" | awk '$1 == "PID:" { print $2 }')
        else
            pid=$(ct_nlxc info -n "$name" -pH)
        fi
        {
            ct_net_state "$side" "$pid"
            grep -E '^net: ' "$CT_BENCH/$name/state" | sed 's/^/  /'
        } >"$W/ctnet.$side.state"
        ct_net_kill "$side" "$name" || ok=1
        echo "after the stop: veths in the scratch namespace: $(ct_net_veths | wc -l)" >>"$W/ctnet.$side.state"
    done
    rm -f "$CT_BENCH/$name/verify" "$CT_BENCH/$name/verify-net"
    # Compared without the IPv4 broadcast address: given none, LXC 5.0.2 sets 0.0.0.255 for
    # a /24 (its prefix's host bits alone), cgconfigd the subnet's (10.99.0.255); the same
    # work (one RTM_NEWADDR), reported below.
    for side in ours lxc; do
        sed -E 's/ brd [0-9.]+ scope global / brd (left out) scope global /' "$W/ctnet.$side.state" >"$W/ctnet.$side.cmp"
    done
    if [ "$ok" = 0 ] && ! cmp -s "$W/ctnet.lxc.cmp" "$W/ctnet.ours.cmp"; then
        say "**networked start: ours did not reach the state LXC reached, not timed** (< lxc > ours):"
        say '```'
        say "$({ diff "$W/ctnet.lxc.state" "$W/ctnet.ours.state" || true; } | head -16)"
        say '```'
        ok=1
    fi
    if [ "$ok" = 0 ] && { ! grep -q "inet $addr/24" "$W/ctnet.ours.state" ||
        ! grep -q 'ping of the bridge: answered' "$W/ctnet.ours.state" ||
        ! grep -q 'veths in the scratch namespace: 0' "$W/ctnet.ours.state"; }; then
        say "**networked start: the container has not its address, cannot reach the bridge, or a veth was left (both sides), not timed:**"
        say '```'
        say "$(cat "$W/ctnet.ours.state")"
        say '```'
        ok=1
    fi
    if [ "$ok" != 0 ]; then
        BROKEN=1
        RESULTS+=("MISSED: networked container start (not timed: a side failed or the states differ)")
        ct_net_teardown
        ct_net_kill_holder
        return
    fi
    say ""
    say "Same state checked before timing, both sides: what the container sees (\`ip -o link\`, \`ip -o addr\`, \`ip route\` from inside, a ping of the bridge answered), its host end in the scratch namespace (a veth on $CT_NET_BRIDGE, up; the name's random part left out), its own network namespace; after the stop, no veth left in the scratch namespace:"
    say '```'
    say "$(cat "$W/ctnet.ours.state")"
    say '```'
    if ! cmp -s "$W/ctnet.lxc.state" "$W/ctnet.ours.state"; then
        say ""
        say "Left out of the comparison (the broadcast address LXC 5.0.2 and cgconfigd derive from \`10.99.0.2/24\` given none; < lxc > ours):"
        say '```'
        say "$({ diff "$W/ctnet.lxc.state" "$W/ctnet.ours.state" || true; } | head -8)"
        say '```'
    fi

    log "containers: networked start, $R_CT_NET rounds x 2 (quiet host, then right after a migration)"
    for side in ours lxc; do
        : >"$W/ctnet.$side.times"
        : >"$W/ctnet.$side.exits"
        : >"$W/ctnetwarm.$side.times"
        : >"$W/ctnetwarm.$side.exits"
        rm -f "$W/ctnet.$side.foreign"
    done
    for ((r = 0; r < R_CT_NET; r++)); do
        for side in ours lxc; do
            ct_foreign_start
            if ! ct_net_time_start "$side" "$W/ctnet.$side.times" -s 300 -e "$W/ctnet.$side.exits" 2>>"$W/ctnet.$side.err"; then
                say "**networked start: $side failed in round $r**"
                BROKEN=1
                return
            fi
            ct_foreign_stop "$W/ctnet.$side.foreign"
            ct_net_kill "$side" "$name"
        done
    done
    for ((r = 0; r < R_CT_NET; r++)); do
        for side in ours lxc; do
            if [ "$side" = ours ]; then
                ct_net_time_start ours "$W/ctnetwarm.ours.times" "${CT_JOIN_WARM[@]}" -e "$W/ctnetwarm.ours.exits" || { BROKEN=1; return; }
            else
                ct_net_time_start lxc "$W/ctnetwarm.lxc.times" -e "$W/ctnetwarm.lxc.exits" || { BROKEN=1; return; }
            fi
            ct_net_kill "$side" "$name"
            # The last container's network namespace is still being dismantled by the
            # kernel (cleanup_net) when its veth is gone; the quiet rounds' 300 ms let it
            # finish, and so does this pause (before ctm's join, so still "right after").
            sleep 0.3
        done
    done
    say ""
    say "Times from the fork of the request (\`cgconfigd start bnet\`, \`lxc-start -P DIR -n bnet -d\`, both forked in the scratch namespace) to the init's first line in a FIFO, as for the unnetworked container; each round after the last one's veth is gone."
    say ""
    say "| start of a veth-networked busybox container, request to its init running | rounds | ours ms | LXC ms | ours/LXC (q1–q3) | the command's exit, ours / LXC ms |"
    say "|---|---|---|---|---|---|"
    ct_row ctnet "quiet host: \`cgconfigd start\` / \`lxc-start -d\`" "$(ms "$(ct_exit_ms ctnet ours)") / $(ms "$(ct_exit_ms ctnet lxc)")"
    local quiet=$CT_RATIO clean=""
    # The quiet rounds where no other process on the host moved a task between cgroups
    # (both sides' windows): another process's migration leaves the kernel's lock switched
    # and spares LXC's monitor its grace period.
    if [ -s "$W/ctnet.ours.foreign" ] && [ -s "$W/ctnet.lxc.foreign" ]; then
        paste -d' ' "$W/ctnet.ours.foreign" "$W/ctnet.lxc.foreign" | awk '{ print ($1 == 0 && $2 == 0) }' >"$W/ctnet.clean"
        for side in ours lxc; do
            paste -d' ' "$W/ctnet.clean" "$W/ctnet.$side.times" | awk '$1 == 1 { $1 = ""; sub(/^ /, ""); print }' >"$W/ctnetq.$side.times"
            paste -d' ' "$W/ctnet.clean" "$W/ctnet.$side.exits" | awk '$1 == 1 { print $2 }' >"$W/ctnetq.$side.exits"
        done
        # (A row only when some rounds had such a migration.)
        if [ -s "$W/ctnetq.ours.times" ] && [ "$(wc -l <"$W/ctnetq.ours.times")" -lt "$R_CT_NET" ]; then
            ct_row ctnetq "quiet host, the rounds where no other process moved a task ($(wc -l <"$W/ctnetq.ours.times") of $R_CT_NET)" "$(ms "$(ct_exit_ms ctnetq ours)") / $(ms "$(ct_exit_ms ctnetq lxc)")"
            clean=$CT_RATIO
        fi
    fi
    ct_row ctnetwarm "right after a task migration" "$(ms "$(ct_exit_ms ctnetwarm ours)") / $(ms "$(ct_exit_ms ctnetwarm lxc)")"
    if [ -s "$W/ctnet.ours.foreign" ]; then
        say ""
        say "Other processes' task migrations on the host (\`perf stat -a -e cgroup:cgroup_attach_task\`, groups outside \`$PREFIX\`) during each quiet round, from before ctm's 300 ms to the init's line; ours: $(tr '\n' ' ' <"$W/ctnet.ours.foreign"); LXC: $(tr '\n' ' ' <"$W/ctnet.lxc.foreign")"
        [ -z "$clean" ] || RESULTS+=("(no target) networked container start, quiet rounds without another process's migration: ours/LXC $(ratio "$clean") ($(ms "$(times_ms ctnetq ours | median)") ms / $(ms "$(times_ms ctnetq lxc | median)") ms, $(wc -l <"$W/ctnetq.ours.times") rounds)")
    fi
    target "$(verdict le "$quiet" 0.33)" "networked container start, quiet host: ours/LXC $(ratio "$quiet") <= 1/3 ($(ms "$(times_ms ctnet ours | median)") ms / $(ms "$(times_ms ctnet lxc | median)") ms)"
    RESULTS+=("(no target) networked container start right after a task migration: ours/LXC $(ratio "$CT_RATIO") ($(ms "$(times_ms ctnetwarm ours | median)") ms / $(ms "$(times_ms ctnetwarm lxc | median)") ms)")
    if command -v perf >/dev/null; then
        say ""
        say "System calls over 1 ms during one more networked start per side (\`perf trace -a --duration 1\`, untimed, as above):"
        ct_profile ctnet ct_net_time_start ct_net_kill "$name" "$CT_NET_DAEMON_PID"
    fi

    # Where cgconfigd's start spends its system time: `strace -c -f` of the daemon (and the
    # container's processes it forks) during one more start, untimed (strace slows every
    # call: the shares matter, not the sum).
    if command -v strace >/dev/null; then
        strace -c -f -p "$CT_NET_DAEMON_PID" -o "$W/ctnet.ours.strace" 2>/dev/null &
        CT_PERF_PID=$!
        sleep 1
        ct_net_time_start ours /dev/null -s 300 || true
        sleep 0.2
        kill -INT "$CT_PERF_PID" 2>/dev/null
        wait "$CT_PERF_PID" 2>/dev/null || true
        CT_PERF_PID=""
        ct_net_kill ours "$name"
        say ""
        say "System time of one more networked start of ours by call (\`strace -c -f -p DAEMON\`, untimed; the daemon's threads and the container's processes, until the init's line; the 12 first):"
        say '```'
        say "$(head -14 "$W/ctnet.ours.strace")"
        say '```'
    fi

    # Teardown, and the host's network namespace as it was.
    ct_net_teardown
    ct_net_kill_holder
    if [ "$(ip -br link; ip -br addr)" = "$host_before" ]; then
        say ""
        say "The host's interfaces and addresses (\`ip -br link\`, \`ip -br addr\`) were the same before the workload and after its namespace was gone."
    else
        say ""
        say "**networked start: the host's interfaces or addresses changed during the workload:**"
        say '```'
        say "$(diff <(echo "$host_before") <(ip -br link; ip -br addr) || true)"
        say '```'
        BROKEN=1
    fi
}
