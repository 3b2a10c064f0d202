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
#     processes' for LXC), and `cgconfigd ls -f` against `lxc-ls -f`.
#
# Isolation: the container directory and the FIFOs are in $W; cgconfigd's state directory
# is on a tmpfs (/dev/shm, as /run is on a systemd host); every cgroup either side makes is
# below $PREFIX: cgconfigd's with `--base $PREFIX/ours`, LXC's with `lxc.cgroup.relative =
# 1` and lxc-start started from $PREFIX/lxc (bench/ctm.c -j). The configs have no
# `lxc.net` (a new network namespace with nothing in it, both sides). On exit every
# container is stopped (cgconfigd's, then LXC's; then cgroup.kill of $PREFIX in the v2
# hierarchy for anything left), the daemon is stopped by its pid, and LXC's lock directory
# for $W is removed.

R_CT_START=$(rounds ctstart 21)
R_CT_STOP=$(rounds ctstop 7)
R_CT_LS=$(rounds ctls 21)
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

ct_cleanup() {
    local n lock
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
    # Anything left in the prefix (a container whose tool failed): killed by its group.
    if [ -n "${CT_UNIFIED:-}" ] && [ -f "$CT_UNIFIED/$PREFIX/cgroup.kill" ]; then
        echo 1 >"$CT_UNIFIED/$PREFIX/cgroup.kill" || true
        sleep 0.2
    fi
    if [ -n "$CT_STATE" ]; then
        rm -rf "$CT_STATE"
        CT_STATE=""
    fi
    # LXC's lock directory for this container directory (/run/lxc/lock/<lxcpath>), and its
    # parents that only it kept.
    lock=/run/lxc/lock/${CT#/}
    if [ -d "$lock" ]; then
        rm -rf "$lock"
        lock=${lock%/*}
        while [ "$lock" != /run/lxc/lock ] && rmdir "$lock" 2>/dev/null; do lock=${lock%/*}; done
    fi
    CT_NAMES=()
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
    local side
    for side in ours lxc; do
        perf trace -a --duration 1 -o "$W/ctstart.$side.slow" >/dev/null 2>&1 &
        CT_PERF_PID=$!
        sleep 2 # perf trace attaches to every CPU first
        ct_time_start "$side" /dev/null -s 300 || true
        sleep 0.2
        kill -INT "$CT_PERF_PID" 2>/dev/null
        wait "$CT_PERF_PID" 2>/dev/null || true
        CT_PERF_PID=""
        ct_kill "$side" bench
    done
    say ""
    say "System calls over 1 ms during one more start per side (\`perf trace -a --duration 1\`, untimed; the daemon's own process, lxc-start, the LXC monitor and the init; pauses and waits left out; a write of a pid to a v1 \`cgroup.procs\` waiting for a grace period shows here):"
    say '```'
    for side in ours lxc; do
        say "$side:"
        # This run's daemon only (other cgconfigd processes may be running on the host).
        say "$(grep -E "cgconfigd/$CT_DAEMON_PID |lxc-start/|lxc monitor|bench-init/" "$W/ctstart.$side.slow" 2>/dev/null |
            grep -Ev 'clock_nanosleep|wait4|waitid|poll|epoll|select|futex|accept|recvfrom|recvmsg|restart_syscall|read\(' |
            sed -E 's/^ *[0-9.]+ //' | cut -c1-160 | head -10)"
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
