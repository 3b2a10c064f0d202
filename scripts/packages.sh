#!/usr/bin/env bash
# Installs the Debian packages the tests need, changing the host no more than it must, and
# says what it changed. Used by scripts/test.sh and the lanes' scripts (tests/vm, tests/deb).
#
#   scripts/packages.sh PACKAGE...          install the missing ones (needs root when any is)
#   scripts/packages.sh --plan PACKAGE...   print the decision only, change nothing
#
# Every package but one is installed with plain `apt-get install --no-install-recommends`
# when `dpkg` does not list it as installed. The exception is `qemu-system-x86`, which stands
# for "a qemu-system-x86_64 that runs": the machine images we run on ship qemu-utils from
# bookworm-backports (10.x), whose `Breaks: qemu-system-common (< 1:8.0)` makes bookworm's
# qemu-system-x86 (7.2) uninstallable unless apt removes qemu-utils, which a test run must
# never do to a host. So for qemu this script:
#
#   1. uses the qemu-system-x86_64 on PATH if it runs (nothing installed);
#   2. else installs qemu-system-x86 from the configured sources if apt can do it without
#      removing or downgrading any package (a plain Debian 12);
#   3. else, when an installed qemu package comes from backports (its version has
#      Debian's `~bpoNN` mark), installs qemu-system-x86 from `<codename>-backports`, which
#      goes with it. The backports source is given to apt for this one command only, from
#      a private directory (target/apt: its own source list, package lists and download
#      cache): /etc/apt and /var/lib/apt/lists are not changed. What dpkg installs is
#      printed, as in case 2;
#   4. else stops and says why: what apt would remove or downgrade, the installed qemu
#      packages, and what to do by hand.
#
# Environment: CGTOOLS_APT_DIR (default target/apt), the private apt directory of case 3;
# CGTOOLS_OS_RELEASE (default /etc/os-release), where the release's codename is read (tests).
# tests/tests/packages_script.rs checks the decisions with faked dpkg-query and apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "packages: $*" >&2; }
die() {
    echo "packages: error: $*" >&2
    exit 1
}

plan_only=0
wanted=()
for arg in "$@"; do
    case $arg in
    --plan) plan_only=1 ;;
    -*) die "unknown option $arg" ;;
    *) wanted+=("$arg") ;;
    esac
done

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed$'; }

plain=()
want_qemu=0
for p in "${wanted[@]}"; do
    if [ "$p" = qemu-system-x86 ]; then
        want_qemu=1
    elif ! installed "$p"; then
        plain+=("$p")
    fi
done

export DEBIAN_FRONTEND=noninteractive
updated=0
update_lists() {
    [ $updated = 1 ] && return 0
    updated=1
    apt-get update -qq || say "apt-get update failed; trying with the package lists there are"
}

# What an `apt-get -s install` printed that a test run must not do to a host: packages it
# would remove or downgrade. Empty when the install only adds or upgrades packages.
harmful() {
    awk '/^Remv / { print "remove " $2 } /^Inst / && / \[.*\] \(/ { print "change " $2 }' <<<"$1" |
        while read -r what pkg; do
            if [ "$what" = remove ]; then
                echo "remove $pkg"
            else
                # `Inst pkg [old] (new ...)`: a downgrade when new < old.
                local line old new
                line=$(grep -m 1 "^Inst $pkg " <<<"$1")
                old=$(sed -n 's/^Inst [^ ]* \[\([^]]*\)\].*/\1/p' <<<"$line")
                new=$(sed -n 's/^Inst [^ ]* \[[^]]*\] (\([^ ]*\) .*/\1/p' <<<"$line")
                if [ -n "$old" ] && [ -n "$new" ] && dpkg --compare-versions "$new" lt "$old"; then
                    echo "downgrade $pkg $old to $new"
                fi
            fi
        done
}
# The lines of an `apt-get -s install` output that say why it cannot install, joined.
problems() {
    grep -E '^(E:| *[^ ]+ : (Breaks|Depends|Conflicts):)' <<<"$1" | sed 's/^ *//' | head -n 3 |
        paste -sd';' | sed 's/;/; /g'
}
# What an output of harmful() says, as one phrase: "apt would remove x, downgrade y ...".
harm_phrase() { echo "apt would $(paste -sd, <<<"$1" | sed 's/,/, /g')"; }
# The packages an `apt-get -s install` output would install, as "name version".
installs() { sed -n 's/^Inst \([^ ]*\) \(\[[^]]*\] \)\?(\([^ ]*\) .*/\1 \3/p' <<<"$1"; }

qemu_runs() { qemu-system-x86_64 --version >/dev/null 2>&1; }

# Decides how to get qemu; sets `qemu_how` (present, plain, backports, none), and for
# backports `qemu_suite` and `qemu_backported`; `qemu_why` says why the configured sources
# would not do (backports, none).
decide_qemu() {
    qemu_how=none qemu_suite='' qemu_why=''
    if qemu_runs; then
        qemu_how=present
        return
    fi
    local sim bad
    if ! sim=$(apt-get -s install --no-install-recommends qemu-system-x86 2>&1); then
        update_lists
        sim=$(apt-get -s install --no-install-recommends qemu-system-x86 2>&1) || true
    fi
    bad=$(harmful "$sim")
    if [ -z "$bad" ] && installs "$sim" | grep -q '^qemu-system-x86 '; then
        qemu_how=plain
        return
    fi
    local plain_why
    if [ -n "$bad" ]; then
        plain_why=$(harm_phrase "$bad")
    else
        plain_why="apt cannot install it: $(problems "$sim")"
    fi
    # An installed qemu package from backports: its siblings are there too.
    local backported codename
    backported=$(dpkg-query -W -f='${Package} ${Version} ${Status}\n' 'qemu*' 2>/dev/null |
        awk '$NF == "installed" && $2 ~ /~bpo[0-9]+/ { print $1 " " $2; exit }')
    codename=$(sed -n 's/^VERSION_CODENAME=//p' "${CGTOOLS_OS_RELEASE:-/etc/os-release}" 2>/dev/null || true)
    if [ -z "$backported" ] || [ -z "$codename" ]; then
        qemu_why="$plain_why"
        return
    fi
    qemu_suite=$codename-backports
    backports_apt_setup
    sim=$(backports_apt -s install --no-install-recommends -t "$qemu_suite" qemu-system-x86 2>&1) || true
    bad=$(harmful "$sim")
    if [ -z "$bad" ] && installs "$sim" | grep -q '^qemu-system-x86 '; then
        qemu_how=backports
        qemu_backported=$backported
        qemu_why=$plain_why
        return
    fi
    if [ -n "$bad" ]; then
        qemu_why="$plain_why; the installed $backported comes from $qemu_suite, but from there $(harm_phrase "$bad")"
    else
        qemu_why="$plain_why; the installed $backported comes from $qemu_suite, but apt cannot install it from there either: $(problems "$sim")"
    fi
}

# apt with the system's sources plus the backports suite, in a private directory.
apt_dir=${CGTOOLS_APT_DIR:-target/apt}
backports_apt_setup() {
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
    apt_dir=$(cd "$apt_dir" && pwd)
    # The classic list is replaced for these commands (sources.list.d stays in use), so it
    # is copied first; then the backports line, from the mirror the system already uses.
    local mirror
    # shellcheck disable=SC2016 # apt's own $(SITE) placeholder
    mirror=$(apt-get indextargets --format '$(SITE)' 'Created-By: Packages' 2>/dev/null |
        grep -m 1 -E '/debian/?$' || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    {
        [ ! -f /etc/apt/sources.list ] || cat /etc/apt/sources.list
        echo "deb ${mirror%/} $qemu_suite main"
    } >"$apt_dir/sources.list"
    backports_apt update -qq >&2 || say "apt-get update with $qemu_suite failed"
}
backports_apt() {
    apt-get -o Dir::Etc::SourceList="$apt_dir/sources.list" \
        -o Dir::State::Lists="$apt_dir/lists" \
        -o Dir::Cache::Archives="$apt_dir/archives" "$@"
}

# ---- plain packages ----------------------------------------------------------------------
if [ ${#plain[@]} -gt 0 ]; then
    if [ $plan_only = 1 ]; then
        echo "install: ${plain[*]}"
    else
        [ "$(id -u)" = 0 ] || die "packages ${plain[*]} are missing and installing them needs root"
        say "installing ${plain[*]}"
        update_lists
        apt-get install -y -qq --no-install-recommends "${plain[@]}" >/dev/null ||
            die "apt-get install ${plain[*]} failed"
    fi
fi

# ---- qemu ----------------------------------------------------------------------------------
[ $want_qemu = 1 ] || exit 0
if [ $plan_only = 0 ] && ! qemu_runs && [ "$(id -u)" != 0 ]; then
    die "qemu-system-x86_64 is missing and installing qemu-system-x86 needs root"
fi
decide_qemu
if [ $plan_only = 1 ]; then
    case $qemu_how in
    present) echo "qemu: present" ;;
    plain) echo "qemu: install qemu-system-x86" ;;
    backports) echo "qemu: install qemu-system-x86 from $qemu_suite" ;;
    none) echo "qemu: impossible: $qemu_why" ;;
    esac
    exit 0
fi
report() {
    local what
    what=$(installs "$1" | paste -sd, | sed 's/,/, /g')
    say "installed ${what:-nothing new}"
}
case $qemu_how in
present) ;;
plain)
    say "installing qemu-system-x86 from the configured sources"
    sim=$(apt-get -s install --no-install-recommends qemu-system-x86 2>&1)
    apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null ||
        die "apt-get install qemu-system-x86 failed"
    report "$sim"
    ;;
backports)
    say "qemu-system-x86 from the configured sources: $qemu_why"
    say "the installed $qemu_backported comes from $qemu_suite: installing qemu-system-x86 from there (the source is used for this command only, from $apt_dir; /etc/apt is unchanged)"
    sim=$(backports_apt -s install --no-install-recommends -t "$qemu_suite" qemu-system-x86 2>&1)
    backports_apt install -y -qq --no-install-recommends -t "$qemu_suite" qemu-system-x86 >/dev/null ||
        die "apt-get install -t $qemu_suite qemu-system-x86 failed"
    report "$sim"
    ;;
none)
    die "cannot get qemu-system-x86_64 for the pure cgroup v2 lane: $qemu_why.
Installed qemu packages: $(dpkg-query -W -f='${Package} ${Version} ${Status}\n' 'qemu*' 2>/dev/null |
        awk '$NF == "installed" { printf "%s %s; ", $1, $2 }')
To go on, install a qemu-system-x86 that goes with them by hand (or remove them), then run again."
    ;;
esac
qemu_runs || die "qemu-system-x86_64 does not run after installing qemu-system-x86: $(qemu-system-x86_64 --version 2>&1 | head -n 2)"
