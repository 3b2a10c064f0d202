#!/usr/bin/env bash
# The Debian package lane (tests/deb/README.md): builds the package (`make deb`), then runs
# the package checks (tests/deb/package-checks.sh: lintian, control fields, file list), a
# second build from a copy at another path that must give the same bytes
# (tests/deb/reproducible.sh),
# the install test (tests/deb/install.sh) and the boot test (tests/deb/boot.sh) on it, and
# prints how long each step took. Exits non-zero when a step failed.
#
#   tests/deb/run.sh [DEB]    with DEB, that package is tested and none is built; needs root
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/deb/lib.sh
. tests/deb/lib.sh deb
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap's root, chroot, mount namespaces)"
# debhelper builds the package (make deb), lintian and binutils' readelf check it.
scripts/packages.sh debhelper lintian binutils ||
    die "the packages this lane needs are missing (scripts/packages.sh said why above)"

deb=${1:-}
if [ -z "$deb" ]; then
    step "make deb" make deb
    debs=(target/deb/cgtools_*_amd64.deb)
    { [ ${#debs[@]} = 1 ] && [ -f "${debs[0]}" ]; } || die "make deb made no single package in target/deb: ${debs[*]}"
    deb=${debs[0]}
fi
step package tests/deb/package-checks.sh "$deb"
# Same sources, other path, cold build: the same bytes (only when this run built DEB).
if [ -z "${1:-}" ]; then
    step reproducible tests/deb/reproducible.sh "$deb"
fi
step root tests/deb/root.sh >/dev/null
step install tests/deb/install.sh "$deb"
step boot tests/deb/boot.sh "$deb"
say "steps: ${timings[*]}; total $((SECONDS - started))s"
