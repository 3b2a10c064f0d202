#!/usr/bin/env bash
# Builds the package a second time from a copy of the sources at another path, with a
# cold target directory of its own, and checks that the two .deb files are the same bytes
# (debian/rules remaps the source and registry paths; debhelper takes SOURCE_DATE_EPOCH
# from debian/changelog). On a difference it says which files of the packages differ.
#
#   tests/deb/reproducible.sh DEB     DEB: the package `make deb` built from this tree
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/deb/lib.sh
. tests/deb/lib.sh deb-repro
deb=${1:?usage: tests/deb/reproducible.sh DEB}
# The tracked files as they are in the working tree (uncommitted edits included, so that
# the copy builds what DEB was built from), under target/ at another path.
copy=$PWD/target/deb-repro/cgtools-copy
rm -rf "$copy"
mkdir -p "$copy"
git ls-files -z | xargs -0 cp --parents -t "$copy"
say "building the package again in $copy (a cold release build)"
(cd "$copy" && make deb) >"$copy.log" 2>&1 || die "make deb in the copy failed: see $copy.log"
second=("$copy"/target/deb/cgtools_*_amd64.deb)
[ -f "${second[0]}" ] || die "the copy made no package (see $copy.log)"
if cmp -s "$deb" "${second[0]}"; then
    echo "PASS reproducible: $(basename "$deb") is the same bytes from $copy ($(sha256sum <"$deb" | cut -c1-16))"
    rm -rf "$copy" "$copy.log"
    exit 0
fi
a=$(mktemp -d) b=$(mktemp -d)
trap 'rm -rf "$a" "$b"' EXIT
dpkg-deb --raw-extract "$deb" "$a"
dpkg-deb --raw-extract "${second[0]}" "$b"
echo "FAIL reproducible: the packages differ; differing files:" >&2
diff -rq "$a" "$b" >&2 || true
exit 1
