#!/usr/bin/env bash
# Checks a built cgtools package without installing it: lintian (every tag, pedantic
# included, fails the check unless debian/cgtools.lintian-overrides justifies it), the
# control fields that make it replace cgroup-tools, its file list against
# tests/deb/files.txt (a path added or lost is a failure: update the list on purpose),
# and that the static tools of scripts/build-static.sh are shipped static.
#
#   tests/deb/package-checks.sh DEB
set -euo pipefail
cd "$(dirname "$0")/../.."

deb=${1:?usage: tests/deb/package-checks.sh DEB}
fail=0
pass() { echo "PASS package: $*"; }
bad() {
    echo "FAIL package: $*" >&2
    fail=1
}

# lintian: --fail-on with every level, so that even an info or pedantic tag fails.
status=0
out=$(lintian --pedantic --info --fail-on error,warning,info,pedantic "$deb" 2>&1) || status=$?
out=$(grep -v '^running with root privileges' <<<"$out" || true)
if [ "$status" = 0 ] && [ -z "$out" ]; then
    pass "lintian --pedantic: no tag"
else
    bad "lintian (status $status):"$'\n'"$out"
fi

field() { dpkg-deb --field "$deb" "$1"; }
expect_field() {
    local name=$1 want=$2 got
    got=$(field "$name")
    if [ "$got" = "$want" ]; then pass "$name: $got"; else bad "$name is '$got', expected '$want'"; fi
}
expect_field Package cgtools
expect_field Provides 'cgroup-tools (= 3.0.0)'
expect_field Conflicts cgroup-tools
expect_field Replaces cgroup-tools
expect_field Section admin
case $(field Depends) in
*libc6*) pass "Depends names libc6 (dh_shlibdeps)" ;;
*) bad "Depends lacks libc6: $(field Depends)" ;;
esac

files=$(dpkg-deb --contents "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' | sort)
if diff_out=$(diff -u tests/deb/files.txt <(printf '%s\n' "$files")); then
    pass "file list is tests/deb/files.txt ($(wc -l <tests/deb/files.txt) paths)"
else
    bad "file list differs from tests/deb/files.txt (- expected, + in the package):"$'\n'"$diff_out"
fi

# The static tools: no program interpreter (no dynamic loader) in the shipped binary.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb --extract "$deb" "$work"
for tool in $(scripts/build-static.sh --list); do
    path=$(find "$work/usr/bin" "$work/usr/sbin" -name "$tool" -type f | head -n1)
    if [ -z "$path" ]; then
        bad "$tool (static) is not in the package"
    elif readelf --program-headers "$path" | grep -q INTERP; then
        bad "$tool is shipped dynamically linked (it has a program interpreter)"
    else
        pass "$tool is static"
    fi
done
exit $fail
