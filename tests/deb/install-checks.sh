#!/bin/bash
# `test && pass || fail`: pass always succeeds; apt_get runs through check.
# shellcheck disable=SC2015,SC2317
# Runs inside the Debian 12 root copy of tests/deb/install.sh (chroot, private mount and pid
# namespaces, the host's cgroup file systems read-only): cgroup-tools is installed, our
# package is /root/cgtools_*.deb. One `deb-install: PASS|FAIL <check>[: why]` line per
# check; exits 1 when one failed. apt works offline: the root keeps its package lists and
# cgroup-tools' .deb.
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin
cd /root || exit 1

failed=0
pass() { echo "deb-install: PASS $1"; }
fail() {
    echo "deb-install: FAIL $1: $2"
    failed=1
}
# check NAME COMMAND...: PASS when the command succeeds, else FAIL with its output.
check() {
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(tail -n 5 <<<"$out" | tr '\n' ' ')"; fi
}
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
owner() { dpkg -S "$1" 2>/dev/null | sed -n 's/^\([^:]*\): .*/\1/p' | head -n 1; }
# The files of the root that a package may own, for the before/after comparison.
snapshot() {
    find / -xdev \( -path /proc -o -path /sys -o -path /run -o -path /tmp -o -path /root \
        -o -path /var/log -o -path /var/cache -o -path /var/lib/dpkg -o -path /var/lib/apt \) \
        -prune -o -print | sort
}
apt_get() { apt-get -q -y -o Dpkg::Use-Pty=0 --no-install-recommends "$@"; }

deb=$(ls /root/cgtools_*.deb)

# ---- before: cgroup-tools as Debian ships it ----------------------------------------------
installed cgroup-tools && pass "cgroup-tools $(dpkg-query -W -f='${Version}' cgroup-tools) installed" ||
    fail "cgroup-tools installed" "the root has no cgroup-tools"
mapfile -t their_tools < <(dpkg -L cgroup-tools | grep -E '^/usr/s?bin/')
[ ${#their_tools[@]} -ge 10 ] && pass "cgroup-tools has ${#their_tools[@]} programs: ${their_tools[*]}" ||
    fail "cgroup-tools' programs" "dpkg -L lists only ${their_tools[*]}"
mapfile -t libs < <(dpkg-query -W -f='${Package}\n' 'libcgroup*' 2>/dev/null | while read -r p; do installed "$p" && echo "$p"; done)
[ ${#libs[@]} -gt 0 ] || fail "libcgroup installed" "no libcgroup package is installed beside cgroup-tools"
before=$(snapshot)

# ---- install ours over it -------------------------------------------------------------------
check "apt-get install ./$(basename "$deb") (over cgroup-tools)" apt_get install "$deb"
installed cgtools && pass "cgtools installed" || fail "cgtools installed" "$(dpkg-query -W -f='${Status}' cgtools 2>&1)"
! installed cgroup-tools && pass "cgroup-tools removed" ||
    fail "cgroup-tools removed" "still installed: $(dpkg-query -W -f='${Status}' cgroup-tools)"
[ "$(owner /usr/bin/cgexec)" = cgtools ] && pass "dpkg -S /usr/bin/cgexec: cgtools" ||
    fail "dpkg -S /usr/bin/cgexec" "owned by '$(owner /usr/bin/cgexec)'"
# cgtools follows libcgroup 3.x's tools (Provides: cgroup-tools (= 3.0.0)): bookworm's
# cgroup-tools 2.0.2 also has cgclear, which 3.0 removed (docs/compat.md, "The Debian
# package": cgconfigparser --unload does its work).
removed_in_3=(/usr/sbin/cgclear)
bad=
ours=()
for t in "${their_tools[@]}"; do
    if [[ " ${removed_in_3[*]} " == *" $t "* ]]; then
        [ ! -e "$t" ] && pass "$t: gone with cgroup-tools (removed in libcgroup 3.0)" ||
            fail "$t" "still there, owned by '$(owner "$t")'"
        continue
    fi
    ours+=("$t")
    [ -x "$t" ] && [ "$(owner "$t")" = cgtools ] || bad="$bad $t($(owner "$t"))"
done
[ -z "$bad" ] && pass "every other cgroup-tools program is ours at its path (${#ours[@]})" || fail "cgroup-tools' paths" "not ours:$bad"
for p in "${libs[@]}"; do
    installed "$p" && pass "$p still installed" || fail "$p still installed" "apt removed it"
done
# Scripts that depend on cgroup-tools are satisfied (Provides).
dpkg-query -W -f='${Provides}' cgtools | grep -q 'cgroup-tools' && pass "cgtools provides cgroup-tools" ||
    fail "Provides" "cgtools does not provide cgroup-tools"
check "apt-get check" apt-get check

# ---- the units as Debian 12's systemd sees them -------------------------------------------
for u in cgconfigd.service cgconfigd-delegated.service; do
    f=/lib/systemd/system/$u
    if [ ! -f "$f" ]; then
        fail "$u installed" "no $f"
        continue
    fi
    # Also looks up the Documentation= pages with man(1).
    out=$(systemd-analyze verify "$f" 2>&1)
    st=$?
    if [ $st = 0 ] && [ -z "$out" ]; then pass "systemd-analyze verify $u: clean"; else fail "systemd-analyze verify $u" "status $st: $(tr '\n' ' ' <<<"$out")"; fi
    # shellcheck disable=SC2013 # the pages are words of the Documentation= lines
    for page in $(sed -n 's/^Documentation=//p' "$f"); do
        case $page in
        man:*)
            name=${page#man:}
            sec=${name##*(}
            sec=${sec%)}
            name=${name%(*}
            # Pages of other packages (systemd's) are not in a minbase root.
            case $name in systemd.*) continue ;; esac
            [ -f "/usr/share/man/man$sec/$name.$sec.gz" ] && pass "$u: Documentation=$page installed" ||
                fail "$u: Documentation=$page" "no /usr/share/man/man$sec/$name.$sec.gz"
            ;;
        esac
    done
    [ "$(systemctl is-enabled "$u" 2>&1)" = disabled ] && pass "$u installed disabled" ||
        fail "$u installed disabled" "systemctl is-enabled: $(systemctl is-enabled "$u" 2>&1)"
done

# ---- the tools run ----------------------------------------------------------------------------
for t in "${ours[@]}" /usr/sbin/cgconfigd; do
    check "$(basename "$t") --help" "$t" --help
done
for f in /usr/share/doc/cgtools/examples/cgconfig.conf /usr/share/doc/cgtools/examples/cgconfig.d/*.conf; do
    check "cgconfigparser --check -l ${f#/usr/share/doc/cgtools/}" cgconfigparser --check -l "$f"
done
if grep -q cgroup /proc/mounts; then
    out=$(lssubsys -a 2>&1) && [ -n "$out" ] && pass "lssubsys -a: $(tr '\n' ' ' <<<"$out")" ||
        fail "lssubsys -a" "$out"
    out=$(lscgroup 2>&1 | head -n 3) && [ -n "$out" ] && pass "lscgroup (read-only host tree): $(tr '\n' ' ' <<<"$out")..." ||
        fail "lscgroup" "$out"
else
    fail "lssubsys -a" "no cgroup file system is mounted in the root (the host has none at /sys/fs/cgroup)"
fi

# ---- back to cgroup-tools, then purge ours ---------------------------------------------------
check "apt-get remove cgtools" apt_get remove cgtools
[ ! -e /usr/bin/cgexec ] && [ ! -e /usr/sbin/cgconfigd ] && pass "our programs are gone after remove" ||
    fail "remove" "left: $(find /usr/bin/cgexec /usr/sbin/cgconfigd 2>/dev/null | tr '\n' ' ')"
check "apt-get install cgroup-tools (back)" apt_get install cgroup-tools
installed cgroup-tools && [ "$(owner /usr/bin/cgexec)" = cgroup-tools ] && pass "cgroup-tools back: dpkg -S /usr/bin/cgexec says cgroup-tools" ||
    fail "cgroup-tools back" "/usr/bin/cgexec owned by '$(owner /usr/bin/cgexec)'"
check "cgexec --help (cgroup-tools')" /usr/bin/cgexec -h
check "apt-get purge cgtools" apt_get purge cgtools
st=$(dpkg-query -W -f='${Status}' cgtools 2>/dev/null || true)
[ -z "$st" ] || [ "$st" = "unknown ok not-installed" ] || [ "$st" = "purge ok not-installed" ] &&
    pass "cgtools purged (dpkg: ${st:-unknown})" || fail "cgtools purged" "dpkg says $st"
after=$(snapshot)
diff_out=$(diff <(echo "$before") <(echo "$after"))
[ -z "$diff_out" ] && pass "after purge and cgroup-tools' reinstall the root is as before (but dpkg/apt state and logs)" ||
    fail "nothing left after purge" "$(head -n 20 <<<"$diff_out" | tr '\n' ' ')"
left=$(find /etc /var/lib/systemd /usr /var/lib -xdev \( -name 'cgconfigd*' -o -name '*cgtools*' \) 2>/dev/null | grep -v '^/var/lib/dpkg/' | tr '\n' ' ')
[ -z "$left" ] && pass "no file named cgtools or cgconfigd left" || fail "nothing left after purge" "$left"

exit $failed
