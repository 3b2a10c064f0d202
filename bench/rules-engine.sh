# shellcheck shell=bash
# shellcheck disable=SC2034 # variables read by bench/run.sh
# The rules-engine workload of bench/run.sh (`--only rules-engine`; issue 16): cgconfigd
# --rules-engine side by side with Debian's cgrulesengd (cgroup-tools 2.0.2), each alone,
# in alternating rounds, on the same rules and the same programs. Sourced by bench/run.sh
# (its W, PREFIX, FLOOR, TM, OURS, OURS_CGCLASSIFY, say, target, log, ...); run directly,
# it runs `bench/run.sh --only rules-engine ARGS`. BENCHMARKS.md, section "Rules engine",
# has the method and the results.
#
#  1. latency from execve to being in the rule's group: bench/rexec.c forks, reads the
#     clock just before execve of a target that polls /proc/self/cgroup until its memory
#     and cpu lines show the group, 1000 execs one at a time per daemon (in rounds of
#     RE_LAT_ROUND, the daemons alternating); p50, p99, max, and the execs not classified
#     within 1 s; the exec floor (target started, first poll) beside it;
#  2. a burst of 5000 execs (5 forkers of 1000, as fast as they go) of a target that sleeps
#     3 s, then checks its own /proc/self/cgroup: those not in the group are lost; ours
#     also with a shrunk receive buffer (CGCONFIGD_RULES_RCVBUF), and whether its log says
#     it rescanned after lost events;
#  3. the daemon's CPU time during the 1000 execs of 1 (utime+stime and the threads'
#     schedstat run time, with the host's fork count over the same time: the proc
#     connector reports every process of the machine), and idle VmRSS/VmHWM with a
#     1000-rule file;
#  4. cgclassify of 500 running pids without -g (by the rules, no daemon running): ours
#     (the static build) and Debian's /usr/bin/cgclassify, one call each, interleaved,
#     the floor's `classify -g` beside them.
#
# Environment: RE_LAT_TOTAL (1000) execs per daemon for 1, in rounds of RE_LAT_ROUND (250);
# RE_BURSTS (2) rounds of 2, each 5 x RE_BURST_PER (1000); RE_SMALL_RCVBUF (8192) the shrunk
# buffer; RE_NICE (0) both daemons' nice value; CGCONFIGD=FILE another cgconfigd. --quick
# sets 300 / 100 / 1 round.
#
# Isolation: the daemons and everything they classify run in a private mount namespace
# (unshare) where /etc is an overlay holding the bench's cgrules.conf (libcgroup's daemon
# and cgclassify read /etc/cgrules.conf; the host's /etc is not written) and /run is a
# tmpfs (both daemons serve a cgred socket at /run/cgred.socket). The proc connector is
# not namespaced, so the daemons see every process; the rules name only the bench's
# programs (copies of rexec named cgbr<pid><letter>), and the destinations are below
# $PREFIX. Only one daemon runs at a time; each is stopped by its pid after its round
# (and at exit: the pids are kept in $W/re/pids). The processes the bench starts run in
# $PREFIX/home until a daemon moves them.

# Run directly: the harness does the set-up.
if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "${1:-}" != --inner ]; then
    exec "$(dirname "$0")/run.sh" --only rules-engine "$@"
fi

# --- inside the private mount namespace ----------------------------------------------------
if [ "${1:-}" = --inner ]; then
    set -euo pipefail
    R=$W/re
    # /etc with RULES (a file of $R) as cgrules.conf.
    etc_with() {
        mountpoint -q /etc && umount /etc
        mountpoint -q "$R/mnt" && umount "$R/mnt"
        mount -t tmpfs t "$R/mnt"
        mkdir "$R/mnt/u" "$R/mnt/w"
        cp "$R/etc/$1" "$R/mnt/u/cgrules.conf"
        # cgrulesengd 2.0.2 refuses to start without these (it reads their templates).
        mkdir -p "$R/mnt/u/cgconfig.d"
        : >"$R/mnt/u/cgconfig.conf"
        mount -t overlay o -o "lowerdir=/etc,upperdir=$R/mnt/u,workdir=$R/mnt/w" /etc
    }
    mount -t tmpfs run /run
    DAEMON=""
    stop_daemon() {
        [ -n "$DAEMON" ] || return 0
        kill "$DAEMON" 2>/dev/null || true
        wait "$DAEMON" 2>/dev/null || true
        DAEMON=""
    }
    SLEEPERS=()
    # shellcheck disable=SC2317 # run by the EXIT trap
    inner_cleanup() {
        stop_daemon
        if [ ${#SLEEPERS[@]} -gt 0 ]; then
            kill "${SLEEPERS[@]}" 2>/dev/null || true
            wait "${SLEEPERS[@]}" 2>/dev/null || true
        fi
    }
    trap inner_cleanup EXIT
    trap 'exit 130' INT TERM
    HOME_G=cpu,memory:$PREFIX/home
    # Starts a daemon (SIDE: ours or lib) with RULES, in $PREFIX/home; LOG gets its output.
    # Waits until it classifies a probe (the latency target, 10 s at most).
    start_daemon() { # SIDE RULES LOG [ENV=VALUE...]
        local side=$1 rules=$2 logf=$3
        shift 3
        rm -rf "$R/state" && mkdir -p "$R/state"
        if [ "$side" = ours ]; then
            env "$@" nice -n "$RE_NICE" "$FLOOR" exec "$HOME_G" -- "$CGCONFIGD" -c "$R/etc/none.conf" \
                --config-dir "$R/etc/none.d" --state-dir "$R/state" --no-containers \
                --rules-engine --rules "$R/etc/$rules" --rules-dir "$R/etc/none.d" \
                >>"$logf" 2>&1 &
        else
            etc_with "$rules"
            nice -n "$RE_NICE" "$FLOOR" exec "$HOME_G" -- /usr/sbin/cgrulesengd -n -f - >>"$logf" 2>&1 &
        fi
        DAEMON=$!
        echo "$DAEMON" >>"$R/pids"
        local i
        for ((i = 0; i < 10; i++)); do
            rm -f "$R/probe"
            "$FLOOR" exec "$HOME_G" -- "$REXEC" seq 1 "$R/probe" "$LAT" "$NEEDLE_LAT" 2 1000 2>/dev/null || true
            [ -f "$R/probe" ] && [ "$(cut -d' ' -f1 "$R/probe")" != -1 ] && return 0
            kill -0 "$DAEMON" 2>/dev/null || break
        done
        echo "rules-engine: the $side daemon did not classify a probe (log $logf)" >&2
        return 1
    }
    # CPU time of the daemon: "RUN_NS FORKS UTIME STIME WAIT_NS" (the threads' schedstat
    # run time, the host's fork count from /proc/stat, the process's user and system
    # ticks, the threads' time runnable but waiting for a CPU).
    cpu_of() {
        local ticks ns
        ticks=$(awk '{ sub(/^.*\) /, ""); print $12, $13 }' "/proc/$DAEMON/stat")
        ns=$(cat /proc/"$DAEMON"/task/*/schedstat | awk '{ s += $1; w += $2 } END { print s, w }')
        echo "${ns% *} $(awk '$1 == "processes" { print $2 }' /proc/stat) $ticks ${ns#* }"
    }
    read -r -a SIDES_RE <<<"ours lib"

    # 1 and 3: latency and CPU time, rounds alternating.
    for ((r = 0; r < RE_LAT_TOTAL / RE_LAT_ROUND; r++)); do
        for side in "${SIDES_RE[@]}"; do
            start_daemon "$side" small.conf "$R/$side.lat.log"
            before=$(cpu_of)
            "$FLOOR" exec "$HOME_G" -- "$REXEC" seq "$RE_LAT_ROUND" "$R/lat.$side" "$LAT" "$NEEDLE_LAT" 2 1000
            after=$(cpu_of)
            echo "$before $after" | awk '{ print $6 - $1, $7 - $2, $8 - $3, $9 - $4, $10 - $5 }' >>"$R/cpu.$side"
            stop_daemon
        done
    done

    # 2: bursts.
    for ((r = 0; r < RE_BURSTS; r++)); do
        for side in ours lib small; do
            case $side in
                small) start_daemon ours small.conf "$R/small.burst.$r.log" "CGCONFIGD_RULES_RCVBUF=$RE_SMALL_RCVBUF" ;;
                *) start_daemon "$side" small.conf "$R/$side.burst.$r.log" ;;
            esac
            "$FLOOR" exec "$HOME_G" -- "$REXEC" burst 5 "$RE_BURST_PER" "$BURST" 3000 "$NEEDLE_BURST" 2 >>"$R/burst.$side"
            stop_daemon
        done
    done

    # 3: idle memory with 1000 rules (and ours with the small file).
    for side in ours lib small; do
        case $side in
            small) start_daemon ours small.conf "$R/small.idle.log" ;;
            *) start_daemon "$side" big.conf "$R/$side.idle.log" ;;
        esac
        sleep 1
        echo "$side $(awk '/^VmRSS:|^VmHWM:/ { printf "%s ", $2 }' "/proc/$DAEMON/status")" >>"$R/idle"
        stop_daemon
    done

    # 4: cgclassify by the rules, no daemon running.
    etc_with small.conf
    for ((i = 0; i < 500; i++)); do
        "$FLOOR" exec "cpu,memory:$PREFIX/cls/src" -- "$CLS" pause </dev/null >/dev/null 2>&1 &
        SLEEPERS+=($!)
    done
    for ((i = 0; i < 100; i++)); do
        [ "$(wc -l <"$MEM_MNT/$PREFIX/cls/src/cgroup.procs")" -ge 500 ] &&
            [ "$(wc -l <"$CPU_MNT/$PREFIX/cls/src/cgroup.procs")" -ge 500 ] && break
        sleep 0.1
    done
    in_dst() { # how many of the 500 are in dst, in both hierarchies
        cat "$MEM_MNT/$PREFIX/cls/dst/cgroup.procs" "$CPU_MNT/$PREFIX/cls/dst/cgroup.procs" | wc -l
    }
    for ((r = 0; r < RE_CLS_ROUNDS + 1; r++)); do
        for side in ours lib floor; do
            case $side in
                ours) cmd=("$OURS_CGCLASSIFY" "${SLEEPERS[@]}") ;;
                lib) cmd=(/usr/bin/cgclassify "${SLEEPERS[@]}") ;;
                floor) cmd=("$FLOOR" classify "cpu,memory:$PREFIX/cls/dst" "${SLEEPERS[@]}") ;;
            esac
            "$FLOOR" classify "cpu,memory:$PREFIX/cls/src" "${SLEEPERS[@]}"
            # The first round is a warm-up, and checks the state.
            if [ "$r" = 0 ]; then
                "${cmd[@]}" >"$R/cls.$side.out" 2>&1 || echo "$side: exit $?" >>"$R/cls.check"
                echo "$side $(in_dst)" >>"$R/cls.check"
            else
                "$TM" "$R/cls.$side.times" "${cmd[@]}" >/dev/null 2>>"$R/cls.$side.out" || true
            fi
        done
    done
    exit 0
fi

# --- in bench/run.sh -----------------------------------------------------------------------
RE_LAT_TOTAL=${RE_LAT_TOTAL:-1000}
RE_LAT_ROUND=${RE_LAT_ROUND:-250}
RE_BURSTS=${RE_BURSTS:-2}
RE_BURST_PER=${RE_BURST_PER:-1000}
RE_SMALL_RCVBUF=${RE_SMALL_RCVBUF:-8192}
# Both daemons' nice value (a diagnostic: a negative one shows how much of the latency
# tail is waiting for a CPU on a busy host).
RE_NICE=${RE_NICE:-0}
RE_CLS_ROUNDS=$(rounds reclassify 21)
if [ "$QUICK" = 1 ]; then RE_LAT_TOTAL=300 RE_LAT_ROUND=100 RE_BURSTS=1; fi

re_cleanup() {
    local p
    [ -f "$W/re/pids" ] || return 0
    while read -r p; do kill "$p" 2>/dev/null || true; done <"$W/re/pids"
}

# Percentile P (0-100) of the numbers on stdin, nearest rank.
re_pct() { sort -g | awk -v p="$1" '{ a[NR] = $1 } END { if (NR == 0) { print "nan"; exit } i = int((p * NR + 99) / 100); if (i < 1) i = 1; print a[i] }'; }

re_workloads() {
    local R=$W/re me side
    log "rules engine: cgconfigd and cgrulesengd"
    # The files the daemons read, alone in $R/etc: cgconfigd watches their directory
    # (inotify), and the results written beside them would wake it at every exec.
    mkdir -p "$R/etc/none.d" "$R/mnt"
    : >"$R/etc/none.conf"
    rm -f "$R"/lat.* "$R"/cpu.* "$R"/burst.* "$R"/idle "$R"/cls.* "$R"/pids
    CGCONFIGD=${CGCONFIGD:-$OURS/cgconfigd}
    gcc -O2 -Wall -static -o "$R/rexec" bench/rexec.c
    # The targets: copies of rexec under names the rules match (15 characters at most,
    # the kernel's comm, which libcgroup compares).
    local tag=cgbr$$
    cp "$R/rexec" "$R/${tag}l"
    cp "$R/rexec" "$R/${tag}b"
    cp "$R/rexec" "$R/${tag}c"
    "$FLOOR" create "cpu,memory:$PREFIX/home" "cpu,memory:$PREFIX/lat" "cpu,memory:$PREFIX/burst" \
        "cpu,memory:$PREFIX/cls/src" "cpu,memory:$PREFIX/cls/dst"
    me=$(id -un)
    # A small file: 8 rules for another user's programs, an @group rule, then the bench's.
    { for n in $(seq 1 8); do echo "nobody:${tag}p$n  cpu  $PREFIX/other$n/"; done
      echo "@nogroup  cpu  $PREFIX/grp/"
      echo "*:${tag}l  memory,cpu  $PREFIX/lat/"
      echo "*:${tag}b  memory,cpu  $PREFIX/burst/"
      echo "$me:${tag}c  memory,cpu  $PREFIX/cls/dst/"; } >"$R/etc/small.conf"
    # 1000 rules before the bench's.
    { for n in $(seq 1 1000); do echo "*:${tag}p$n  cpu  $PREFIX/other$n/"; done
      echo "*:${tag}l  memory,cpu  $PREFIX/lat/"; } >"$R/etc/big.conf"
    export W PREFIX FLOOR TM CPU_MNT MEM_MNT OURS_CGCLASSIFY CGCONFIGD RE_LAT_TOTAL RE_LAT_ROUND \
        RE_BURSTS RE_BURST_PER RE_SMALL_RCVBUF RE_CLS_ROUNDS RE_NICE
    export REXEC=$R/rexec LAT=$R/${tag}l BURST=$R/${tag}b CLS=$R/${tag}c
    export NEEDLE_LAT=":/$PREFIX/lat"$'\n' NEEDLE_BURST=":/$PREFIX/burst"$'\n'
    local forks0 status=0
    forks0=$(awk '$1 == "processes" { print $2 }' /proc/stat)
    local t0=$SECONDS
    unshare --mount --propagation private bash bench/rules-engine.sh --inner || status=$?
    re_cleanup
    if [ "$status" != 0 ]; then
        say "**rules-engine: the run failed (exit $status); logs in $R**"
        BROKEN=1
        RESULTS+=("MISSED: rules engine (the run failed)")
        return 0
    fi
    re_report "$((SECONDS - t0))" "$forks0"
}

re_report() { # SECONDS FORKS_AT_START
    local R=$W/re side n p50 p99 max never floor50 f above above99
    say ""
    say "## Rules engine: cgconfigd --rules-engine and libcgroup's cgrulesengd"
    say ""
    say "- cgconfigd: $CGCONFIGD; cgrulesengd: /usr/sbin/cgrulesengd (cgroup-tools $LIBCGROUP_VERSION); both at nice $RE_NICE; $1 s, $(( $(awk '$1 == "processes" { print $2 }' /proc/stat) - $2 )) forks on the host meanwhile"
    say ""
    say "| execve to in the group ($RE_LAT_TOTAL execs each, one at a time) | p50 ms | p99 ms | max ms | not within 1 s | exec floor p50 ms | above the floor p50 / p99 ms | daemon CPU ms per 1000 execs (user + system) | daemon waiting for a CPU, ms per 1000 execs | host forks per 1000 execs |"
    say "|---|---|---|---|---|---|---|---|---|---|"
    local P50_ours=nan P50_lib=nan P99_ours=nan NEVER_ours=0
    for side in ours lib; do
        f=$R/lat.$side
        n=$(wc -l <"$f")
        never=$(awk '$1 < 0' "$f" | wc -l)
        # A never-classified exec counts as infinitely slow in the percentiles.
        p50=$(awk '{ print ($1 < 0 ? 1e18 : $1 / 1e6) }' "$f" | re_pct 50)
        p99=$(awk '{ print ($1 < 0 ? 1e18 : $1 / 1e6) }' "$f" | re_pct 99)
        max=$(awk '{ print ($1 < 0 ? 1e18 : $1 / 1e6) }' "$f" | re_pct 100)
        floor50=$(awk '{ print $2 / 1e6 }' "$f" | re_pct 50)
        # Per exec, the time from the target's first poll to seeing its group.
        above=$(awk '$1 >= 0 { print ($1 - $2) / 1e6 }' "$f" | re_pct 50)
        above99=$(awk '{ print ($1 < 0 ? 1e18 : ($1 - $2) / 1e6) }' "$f" | re_pct 99)
        local cpu ticks forks hz waited
        hz=$(getconf CLK_TCK)
        cpu=$(awk -v n="$n" '{ s += $1 } END { printf "%.1f", s / 1e6 * 1000 / n }' "$R/cpu.$side")
        ticks=$(awk -v n="$n" -v hz="$hz" '{ u += $3; k += $4 } END { printf "%.0f + %.0f", u * 1000 / hz * 1000 / n, k * 1000 / hz * 1000 / n }' "$R/cpu.$side")
        forks=$(awk -v n="$n" '{ s += $2 } END { printf "%.0f", s * 1000 / n }' "$R/cpu.$side")
        waited=$(awk -v n="$n" '{ s += $5 } END { printf "%.1f", s / 1e6 * 1000 / n }' "$R/cpu.$side")
        [ "$side" = ours ] && P50_ours=$p50 P99_ours=$p99 NEVER_ours=$never
        [ "$side" = lib ] && P50_lib=$p50
        say "| $side | $(re_ms "$p50") | $(re_ms "$p99") | $(re_ms "$max") | $never / $n | $(re_ms "$floor50") | $(re_ms "$above") / $(re_ms "$above99") | $cpu ($ticks) | $waited | $forks |"
    done
    say ""
    target "$(verdict awk -v a="$P99_ours" -v n="$NEVER_ours" 'BEGIN { exit !(n == 0 && a < 2) }')" \
        "rules engine: execve to in the group p99 $(re_ms "$P99_ours") ms < 2 ms"
    target "$(verdict awk -v a="$P50_ours" -v b="$P50_lib" 'BEGIN { exit !(b != "nan" && a <= b / 2) }')" \
        "rules engine: p50 $(re_ms "$P50_ours") ms <= half of libcgroup's $(re_ms "$P50_lib") ms"

    say "| burst: 5 x $RE_BURST_PER execs, each sleeps 3 s then checks | rounds | execs started in ms (median) | in the group | lost | failed | log |"
    say "|---|---|---|---|---|---|---|"
    local lost_ours=nan
    for side in ours small lib; do
        f=$R/burst.$side
        [ -f "$f" ] || continue
        local rounds spread in lost failed note=""
        rounds=$(awk 'END { print NR / 5 }' "$f")
        # Per round (5 lines): last start - first start.
        spread=$(awk '{ if (NR % 5 == 1) { lo = $1; hi = $2 } if ($1 < lo) lo = $1; if ($2 > hi) hi = $2
            if (NR % 5 == 0) print (hi - lo) / 1e6 }' "$f" | median)
        in=$(awk '{ s += $3 } END { print s }' "$f")
        lost=$(awk '{ s += $4 } END { print s }' "$f")
        failed=$(awk '{ s += $5 } END { print s }' "$f")
        [ "$side" = ours ] && lost_ours=$lost
        case $side in
            small) lost_ours=$((lost_ours + lost))
                note="buffer $RE_SMALL_RCVBUF B: $(cat "$R"/small.burst.*.log | awk '/lost events: rescanned/ { n++ } END { print n + 0 }') rescans after lost events" ;;
            ours) note="$(cat "$R"/ours.burst.*.log | awk '/lost events: rescanned/ { n++ } END { print n + 0 }') rescans after lost events" ;;
            lib) note="$(cat "$R"/lib.burst.*.log | awk 'END { print NR + 0 }') log lines" ;;
        esac
        say "| $side | $rounds | $(re_ms "$spread") | $in | $lost | $failed | $note |"
    done
    say ""
    target "$(verdict [ "$lost_ours" = 0 ])" "rules engine: burst of 5000 execs, ours lost $lost_ours (default and small buffer)"

    say "| idle daemon | VmRSS MiB | VmHWM MiB |"
    say "|---|---|---|"
    local rss_ours=nan
    while read -r side rss hwm; do
        case $side in
            ours) label="ours, 1001 rules"; rss_ours=$rss ;;
            small) label="ours, $(wc -l <"$R/etc/small.conf") rules" ;;
            lib) label="libcgroup, 1001 rules" ;;
        esac
        say "| $label | $(mib "$rss") | $(mib "$hwm") |"
    done <"$R/idle"
    say ""
    target "$(verdict awk -v a="$rss_ours" 'BEGIN { exit !(a < 8192) }')" "rules engine: idle RSS with 1001 rules $(mib "$rss_ours") MiB < 8 MiB"

    say "| cgclassify 500 pids by the rules (no -g), one call | rounds | median ms | pids moved (warm-up check) |"
    say "|---|---|---|---|"
    local m_o=nan m_l=nan
    for side in ours lib floor; do
        local m
        m=$(awk '{ print $1 / 1e6 }' "$R/cls.$side.times" | median)
        [ "$side" = ours ] && m_o=$m
        [ "$side" = lib ] && m_l=$m
        say "| $side$([ "$side" = floor ] && echo ' (-g)') | $(wc -l <"$R/cls.$side.times") | $(ms "$m") | $(awk -v s="$side" '$1 == s { print $2 / 2 }' "$R/cls.check") |"
    done
    say ""
    if grep -q exit "$R/cls.check" || [ "$(awk '{ print $2 }' "$R/cls.check" | sort -u)" != 1000 ]; then
        say "**cgclassify by rules: a side failed or did not move all 500 (both hierarchies): $(tr '\n' ' ' <"$R/cls.check")**"
        BROKEN=1
    fi
    RESULTS+=("measured: cgclassify 500 pids by the rules: ours $(ms "$m_o") ms, libcgroup $(ms "$m_l") ms")
}
re_ms() { awk -v v="$1" 'BEGIN { if (v == "nan" || v == "") print "-"; else if (v >= 1e17) print "never"; else printf "%.3f", v }'; }
