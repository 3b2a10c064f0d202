#!/bin/bash
# `test && pass || fail`: pass always succeeds; the functions run through wait_for look
# unused to shellcheck; single-quoted scripts are for the shells they start.
# shellcheck disable=SC2015,SC2317,SC2016
# The checks of the booted Debian root (tests/deb/boot.sh installs this as
# /usr/local/sbin/cgtools-boot-checks, run by cgtools-boot-checks.service after
# basic.target). One of cgconfigd.service and cgconfigd-delegated.service is enabled, with
# the seed article's /etc/cgconfig.conf (group foo: cpu.shares 100, memory limit 5000000).
# Prints `CGTOOLS-DEB: PASS|FAIL <check>[: why]` lines, then
#   CGTOOLS-DEB-RESULT: mode=v2|hybrid unit=UNIT passed=N failed=N
# and powers off. The cgroup mode comes from the kernel command line (cgtools.mode=).
set -uo pipefail
export LC_ALL=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin SYSTEMD_PAGER='' SYSTEMD_COLORS=0

passed=0 failed=0
pass() {
    echo "CGTOOLS-DEB: PASS $1"
    passed=$((passed + 1))
}
fail() {
    echo "CGTOOLS-DEB: FAIL $1: $2"
    failed=$((failed + 1))
}
finish() {
    echo "CGTOOLS-DEB-RESULT: mode=$mode unit=${unit:-none} passed=$passed failed=$failed"
    systemctl poweroff --no-block
    exit 0
}
one_line() { tr '\n' ' ' <<<"$1" | tr -s ' ' | cut -c1-400; }

mode=$(sed -n 's/.*cgtools\.mode=\([a-z0-9]*\).*/\1/p' /proc/cmdline)
basic_us=$(systemctl show -p ActiveEnterTimestampMonotonic --value basic.target)
echo "CGTOOLS-DEB: booted $(uname -r), systemd $(systemctl --version | head -n 1 | cut -d' ' -f2), mode $mode"
echo "CGTOOLS-DEB-BOOT-TIME: basic.target reached $((basic_us / 1000))ms after the kernel started"

# ---- which hierarchy systemd mounted --------------------------------------------------------
fstype=$(stat -fc %T /sys/fs/cgroup)
case $mode in
v2) [ "$fstype" = cgroup2fs ] && pass "pure cgroup v2: /sys/fs/cgroup is cgroup2" ||
    fail "pure cgroup v2" "/sys/fs/cgroup is $fstype" ;;
hybrid) [ "$fstype" = tmpfs ] && [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] &&
    [ -d /sys/fs/cgroup/memory ] && pass "hybrid: v1 controllers, /sys/fs/cgroup/unified is cgroup2" ||
    fail "hybrid" "/sys/fs/cgroup is $fstype; $(findmnt -rn -t cgroup,cgroup2 -o TARGET | tr '\n' ' ')" ;;
*)
    fail "mode" "no cgtools.mode= on the kernel command line"
    finish
    ;;
esac

unit=
for u in cgconfigd.service cgconfigd-delegated.service; do
    [ "$(systemctl is-enabled "$u" 2>/dev/null)" = enabled ] && unit=$u
done
[ -n "$unit" ] || {
    fail "enabled unit" "neither cgconfigd.service nor cgconfigd-delegated.service is enabled"
    finish
}
if [ "$unit" = cgconfigd.service ]; then base=; else base=system.slice/$unit/; fi

# dir CONTROLLER GROUP: the group's directory in the controller's hierarchy.
dir() {
    if [ "$mode" = v2 ]; then echo "/sys/fs/cgroup/$base$2"; else echo "/sys/fs/cgroup/$1/$base$2"; fi
}
# The memory limit file, and a value within a page of what was written (the kernel keeps
# whole pages).
limit_file() { if [ "$mode" = v2 ]; then echo memory.max; else echo memory.limit_in_bytes; fi; }
limit_of() { cat "$(dir memory "$1")/$(limit_file)" 2>/dev/null; }
near() { [ -n "$1" ] && [ "$1" -gt $(($2 - 4096)) ] && [ "$1" -le $(($2 + 4096)) ]; }
# wait_for SECONDS COMMAND...: until the command succeeds.
wait_for() {
    local n=$(($1 * 10))
    shift
    while ! "$@" >/dev/null 2>&1; do
        [ $n -gt 0 ] || return 1
        sleep 0.1
        n=$((n - 1))
    done
}
status_text() { systemctl show -p StatusText --value "$unit"; }
ts() { systemctl show -p ActiveEnterTimestampMonotonic --value "$1"; }

# ---- at boot ------------------------------------------------------------------------------------
[ "$(systemctl is-active "$unit")" = active ] && pass "$unit is active" ||
    fail "$unit active" "$(one_line "$(systemctl status "$unit" 2>&1 | head -n 20)")"
# The groups are there when basic.target is reached: this unit runs after basic.target
# and looks first; and the unit was ready (READY=1, sent once every group exists) before.
foo_mem=$(dir memory foo)
[ -d "$foo_mem" ] && [ -d "$(dir cpu foo)" ] && pass "group foo exists after basic.target ($foo_mem)" ||
    fail "group foo at basic.target" "no $foo_mem or $(dir cpu foo); $(one_line "$(status_text)")"
t_unit=$(ts "$unit") t_basic=$(ts basic.target)
[ -n "$t_unit" ] && [ "$t_unit" != 0 ] && [ "$t_unit" -le "$t_basic" ] &&
    pass "$unit was ready before basic.target (${t_unit}us <= ${t_basic}us)" ||
    fail "$unit ready before basic.target" "ready at '$t_unit', basic.target at '$t_basic'"
v=$(limit_of foo)
near "$v" 5000000 && pass "foo: $(limit_file) = $v (memory.limit_in_bytes = 5000000)" ||
    fail "foo's memory limit" "$(limit_file) is '$v', not 5000000"
if [ "$mode" = v2 ]; then
    w=$(cat "$(dir cpu foo)/cpu.weight" 2>/dev/null)
    [ -n "$w" ] && [ "$w" != 100 ] && pass "foo: cpu.weight = $w (cpu.shares = 100)" ||
        fail "foo's cpu.weight" "'$w' (100 is the default: cpu.shares = 100 not applied)"
else
    w=$(cat "$(dir cpu foo)/cpu.shares" 2>/dev/null)
    [ "$w" = 100 ] && pass "foo: cpu.shares = 100" || fail "foo's cpu.shares" "'$w'"
fi
st=$(status_text)
out=$(systemctl status "$unit" 2>&1)
[[ $st == *"groups applied"* || $st == *"group applied"* ]] && grep -qF "Status: \"$st\"" <<<"$out" &&
    pass "systemctl status shows the daemon's STATUS: \"$st\"" ||
    fail "systemctl status shows STATUS" "StatusText '$st'; $(one_line "$(head -n 8 <<<"$out")")"

if [ "$unit" = cgconfigd-delegated.service ]; then
    outside=$(find /sys/fs/cgroup -type d -name foo 2>/dev/null | grep -v "/system.slice/$unit/foo$")
    [ -z "$outside" ] && pass "no group foo outside $unit's cgroup" || fail "nothing above the delegated cgroup" "$(one_line "$outside")"
    if [ "$mode" = v2 ]; then
        cgls=$(systemd-cgls --all --no-pager -u "$unit" 2>&1)
        grep -q 'foo' <<<"$cgls" && grep -q 'supervisor' <<<"$cgls" &&
            pass "systemd-cgls -u $unit shows foo and supervisor: $(one_line "$cgls")" ||
            fail "systemd-cgls shows the groups" "$(one_line "$cgls")"
    else
        # Hybrid: systemd-cgls shows systemd's own hierarchy (the unified one), where the
        # unit has only supervisor/ (the daemon); foo has controllers, so it is in the v1
        # hierarchies of memory and cpu, which systemd-cgls shows when named.
        cgls=$(systemd-cgls --all --no-pager -u "$unit" 2>&1)
        grep -q 'supervisor' <<<"$cgls" && pass "systemd-cgls -u $unit shows the daemon in supervisor: $(one_line "$cgls")" ||
            fail "systemd-cgls -u shows supervisor" "$(one_line "$cgls")"
        cgls=$(systemd-cgls --all --no-pager "memory:/system.slice/$unit" 2>&1)
        grep -q 'foo' <<<"$cgls" && pass "systemd-cgls memory:/system.slice/$unit shows foo: $(one_line "$cgls")" ||
            fail "systemd-cgls memory:... shows foo" "$(one_line "$cgls")"
    fi
fi

# ---- an edit, applied by systemctl reload ------------------------------------------------------
cp /etc/cgconfig.conf /root/cgconfig.conf.boot
cat >/etc/cgconfig.conf <<'EOF'
group foo {
	cpu { cpu.shares = 100; }
	memory { memory.limit_in_bytes = 6000000; }
}
group bar {
	memory { memory.limit_in_bytes = 7000000; }
}
EOF
out=$(systemctl reload "$unit" 2>&1) && pass "systemctl reload $unit" || fail "systemctl reload" "$(one_line "$out")"
applied() { near "$(limit_of foo)" 6000000 && near "$(limit_of bar)" 7000000; }
wait_for 20 applied && pass "the edit is applied: foo $(limit_of foo), new group bar $(limit_of bar)" ||
    fail "edit applied" "foo '$(limit_of foo)', bar '$(limit_of bar)'; $(one_line "$(status_text)")"
# The daemon also notices the edit itself (inotify); what only the reload does is repair
# a change made by hand in the cgroup tree (a full apply), and log that it was asked.
echo 9000000 >"$(dir memory foo)/$(limit_file)"
systemctl reload "$unit" >/dev/null 2>&1
repaired() { near "$(limit_of foo)" 6000000; }
wait_for 20 repaired && pass "systemctl reload repairs a hand-made change (foo back to $(limit_of foo))" ||
    fail "reload repairs" "foo is $(limit_of foo) after the reload, not 6000000"
log=$(journalctl -b -u "$unit" -o cat --no-pager 2>&1 | grep -c 'reloading: SIGHUP')
[ "$log" -ge 2 ] && pass "the journal shows both reloads (reloading: SIGHUP)" ||
    fail "reloads in the journal" "$log 'reloading: SIGHUP' lines in journalctl -u $unit"

# ---- a bad edit: shown in systemctl status, nothing changes ---------------------------------------
cp /etc/cgconfig.conf /root/cgconfig.conf.good
cat >/etc/cgconfig.conf <<'EOF'
group foo {
	memory { memory.limit_in_bytes = 8000000; }
}
group bar {
	memory { memory.limit_in_bytes = ; }
EOF
systemctl reload "$unit" >/dev/null 2>&1
refused() { [[ $(status_text) == *refused* || $(status_text) == *failed* ]]; }
if wait_for 20 refused; then
    out=$(systemctl status "$unit" 2>&1)
    grep -q 'cgconfig.conf' <<<"$out" && pass "systemctl status shows the bad edit: \"$(status_text)\"" ||
        fail "status names the bad file" "$(one_line "$(head -n 8 <<<"$out")")"
else
    fail "bad edit shown" "StatusText stays '$(status_text)'"
fi
sleep 1
near "$(limit_of foo)" 6000000 && near "$(limit_of bar)" 7000000 &&
    pass "the bad edit changed nothing (foo $(limit_of foo), bar $(limit_of bar))" ||
    fail "bad edit changed nothing" "foo '$(limit_of foo)', bar '$(limit_of bar)'"
[ "$(systemctl is-active "$unit")" = active ] && pass "$unit still active after the bad edit" ||
    fail "active after bad edit" "$(systemctl is-active "$unit")"
cp /root/cgconfig.conf.good /etc/cgconfig.conf
systemctl reload "$unit" >/dev/null 2>&1
wait_for 20 eval '! refused' && pass "fixed: \"$(status_text)\"" || fail "fixed edit" "StatusText '$(status_text)'"

# ---- the seed article's Part I, with the installed tools (root mode only: its paths are
#      from the root of each hierarchy) ------------------------------------------------------
if [ "$unit" = cgconfigd.service ]; then
    out=$(cgcreate -g memory:partone 2>&1) && [ -d "$(dir memory partone)" ] && pass "cgcreate -g memory:partone" ||
        fail "cgcreate -g memory:partone" "$(one_line "$out")"
    out=$(cgset -r memory.limit_in_bytes=50000000 partone 2>&1) && near "$(limit_of partone)" 50000000 &&
        pass "cgset -r memory.limit_in_bytes=50000000 partone: $(limit_file) $(limit_of partone)" ||
        fail "cgset memory.limit_in_bytes" "$(one_line "$out") ($(limit_of partone))"
    # On v2 cgget notes the translation on stderr; the value is on stdout.
    out=$(cgget -n -v -r memory.limit_in_bytes partone 2>/tmp/cgget.err) && near "$out" 50000000 &&
        pass "cgget -r memory.limit_in_bytes partone: $out" ||
        fail "cgget memory.limit_in_bytes" "$(one_line "$out $(cat /tmp/cgget.err)")"
    cgexec -g memory:partone sleep 300 &
    pid=$!
    sleep 0.5
    grep -q 'partone' /proc/$pid/cgroup 2>/dev/null && pass "cgexec -g memory:partone: $(grep partone /proc/$pid/cgroup | tr '\n' ' ')" ||
        fail "cgexec -g memory:partone" "$(one_line "$(cat /proc/$pid/cgroup 2>&1)")"
    out=$(ps -o cgroup= -p $pid 2>&1)
    grep -q partone <<<"$out" && pass "ps -o cgroup: $out" || fail "ps -o cgroup" "$out"
    kill $pid
    wait $pid 2>/dev/null
    # The article's point: the limit holds. A shell that doubles a string until it dies
    # is killed by the kernel's OOM killer at the group's limit (50 MB), not the machine's.
    cgexec -g memory:partone bash -c 'a=x; while :; do a=$a$a; done' &
    pid=$!
    wait_for 60 eval "! kill -0 $pid"
    wait $pid 2>/dev/null
    st=$?
    if [ "$mode" = v2 ]; then
        kills=$(sed -n 's/^oom_kill //p' "$(dir memory partone)/memory.events" 2>/dev/null)
    else
        kills=$(sed -n 's/^oom_kill //p' "$(dir memory partone)/memory.oom_control" 2>/dev/null)
    fi
    [ "$st" = 137 ] && [ "${kills:-0}" -ge 1 ] && pass "the limit holds: a growing shell in partone is OOM-killed (status $st, oom_kill $kills)" ||
        fail "memory limit enforced" "status $st, oom_kill '${kills:-}'"
    out=$(cgdelete memory:partone 2>&1) && [ ! -d "$(dir memory partone)" ] && pass "cgdelete memory:partone" ||
        fail "cgdelete memory:partone" "$(one_line "$out")"
    # The configured group (the article's cgexec names cpuset too, which its cgconfig.conf
    # does not configure: left out).
    cgexec -g memory,cpu:foo sleep 300 &
    pid=$!
    sleep 0.5
    n=$(grep -c ':/foo$' /proc/$pid/cgroup 2>/dev/null)
    if [ "$mode" = v2 ]; then want=1; else want=2; fi
    [ "$n" = $want ] && pass "cgexec -g memory,cpu:foo: $(grep foo /proc/$pid/cgroup | tr '\n' ' ')" ||
        fail "cgexec -g memory,cpu:foo" "$(one_line "$(cat /proc/$pid/cgroup 2>&1)")"
    kill $pid
    wait $pid 2>/dev/null
fi

# ---- stop -----------------------------------------------------------------------------------------
out=$(systemctl stop "$unit" 2>&1) && [ "$(systemctl is-active "$unit")" = inactive ] && pass "systemctl stop $unit" ||
    fail "systemctl stop" "$(one_line "$out") $(systemctl is-active "$unit")"
if [ "$unit" = cgconfigd.service ]; then
    [ -d "$(dir memory foo)" ] && [ -d "$(dir memory bar)" ] && pass "the groups stay after stop" ||
        fail "groups stay after stop" "foo or bar is gone"
else
    # The groups are the service's cgroup's children: systemd removes them with it.
    [ ! -d "/sys/fs/cgroup/$(if [ "$mode" = hybrid ]; then echo memory/; fi)system.slice/$unit" ] &&
        pass "stop: systemd removed $unit's cgroup with the groups in it (documented)" ||
        fail "delegated stop" "system.slice/$unit is still there"
    outside=$(find /sys/fs/cgroup -type d \( -name foo -o -name bar \) 2>/dev/null)
    [ -z "$outside" ] && pass "no group left anywhere" || fail "nothing above the delegated cgroup" "$(one_line "$outside")"
fi
finish
