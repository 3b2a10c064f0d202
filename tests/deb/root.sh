#!/usr/bin/env bash
# The mmdebstrap hooks' $1 is mmdebstrap's (the root), not this script's.
# shellcheck disable=SC2016
# Makes (once) the throwaway Debian 12 root of the package tests (tests/deb/README.md) and
# prints its directory. mmdebstrap builds it from Debian's packages, with the Debian
# sources this host's apt uses (/etc/apt/sources.list and sources.list.d, only the
# entries of Debian archives), never touching the host's root: bookworm with systemd as
# init, cgroup-tools, and what the tests use (procps, man-db). cgroup-tools' .deb stays in the root's apt cache, with the package
# lists, so that the tests can reinstall it without the network.
#
# Cached in target/deb-root/KEY/root, KEY a hash of what makes the root: mmdebstrap's
# options (the package list), the suite, the sources and mmdebstrap's version. A new key builds a new root (the
# old ones are removed); `--rebuild` builds it again (e.g. to get the newest packages).
#
#   tests/deb/root.sh [--rebuild]      needs root (mmdebstrap's root mode)
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/deb/lib.sh
. tests/deb/lib.sh deb-root

rebuild=0
for arg in "$@"; do
    case $arg in
    --rebuild) rebuild=1 ;;
    *) die "unknown argument $arg (usage: tests/deb/root.sh [--rebuild])" ;;
    esac
done
[ "$(id -u)" = 0 ] || die "making the root needs root (mmdebstrap --mode=root, device nodes, file owners)"
scripts/packages.sh mmdebstrap || die "mmdebstrap is missing (scripts/packages.sh said why above)"

suite=bookworm
# systemd-sysv: /sbin/init is systemd (tests/deb/boot.sh boots this root). procps: the
# article's `ps -o cgroup`. man-db: `systemd-analyze verify` looks up the units'
# Documentation= pages with man(1). cgroup-tools: what the package replaces.
packages=systemd,systemd-sysv,procps,man-db,cgroup-tools

# The Debian entries of the host's apt sources: deb822 files whose URIs are a Debian
# archive (a path ending in /debian or /debian-security), and one-line entries likewise.
# Third-party repositories of the host are left out: the root is plain Debian.
sources=$(mktemp)
trap 'rm -f "$sources"' EXIT
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    case $f in
    *.sources)
        # Paragraphs (stanzas) separated by blank lines; keep those with a Debian URI.
        awk -v RS= -v ORS='\n\n' '/(^|\n)URIs:[^\n]*\/debian(-security)?\/?([ \n]|$)/ && !/(^|\n)Enabled: *no/' "$f" |
            grep -v '^#' >>"$sources" || true
        ;;
    *)
        grep -E '^deb [^#]*/debian(-security)?/? ' "$f" | sed 's/\[[^]]*\] //' |
            awk '{ printf "Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n\n", $2, $3 }' >>"$sources" || true
        ;;
    esac
done
# Only the suites of this release (a host on another release still gets bookworm).
if ! grep -q "^Suites:.*\b$suite\b" "$sources"; then
    say "the host's apt sources name no $suite archive; using deb.debian.org"
    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: %s %s-updates\nComponents: main\n\nTypes: deb\nURIs: http://deb.debian.org/debian-security\nSuites: %s-security\nComponents: main\n' \
        "$suite" "$suite" "$suite" >"$sources"
fi

# --skip=cleanup/apt: the package lists stay, so apt in the root resolves the package's
# dependencies offline; of the downloaded packages only cgroup-tools' are kept (the tests
# reinstall it after removing ours).
options=(--mode=root --variant=minbase --include="$packages"
    --skip=cleanup/apt/lists --skip=cleanup/apt/cache
    --customize-hook='find "$1/var/cache/apt/archives" -name "*.deb" ! -name "cgroup-tools_*" -delete'
    --customize-hook='ls "$1"/var/cache/apt/archives/cgroup-tools_*.deb >/dev/null')
key=$(
    {
        printf '%s\n' "${options[@]}" "$suite"
        cat "$sources"
        mmdebstrap --version
    } | sha256sum | cut -c1-16
)
base=target/deb-root
dir=$base/$key
mkdir -p "$base"
# One builder at a time (the install and boot tests may start together).
exec 9>"$base/.lock"
flock 9
if [ $rebuild = 0 ] && [ -f "$dir/done" ]; then
    say "root $dir/root (cached; built $(cat "$dir/done"))"
    echo "$dir/root"
    exit 0
fi

rm -rf "$dir"
mkdir -p "$dir"
cp "$sources" "$dir/debian.sources"
say "building a $suite root with $packages in $dir/root (mmdebstrap, from $(awk '/^URIs:/ { printf "%s ", $2 }' "$sources"))"
start=$SECONDS
mmdebstrap "${options[@]}" "$suite" "$dir/root" "$dir/debian.sources" >"$dir/mmdebstrap.log" 2>&1 ||
    die "mmdebstrap failed (last lines of $dir/mmdebstrap.log: $(tail -n 5 "$dir/mmdebstrap.log" | tr '\n' ' '))"
date -u +%FT%TZ >"$dir/done"
say "root built in $((SECONDS - start))s ($(du -sh "$dir/root" | cut -f1))"
# Roots of older keys: not needed any more.
find "$base" -mindepth 1 -maxdepth 1 -type d ! -name "$key" ! -name runs -exec rm -rf {} +
echo "$dir/root"
