# The kernel the qemu lanes boot: the newest Debian cloud kernel, downloaded once per version
# into a cache that both lanes share (tests/vm/run.sh, the pure cgroup v2 lane, and
# tests/deb/boot.sh, the package's boot test). Sourced from the repository root by a script
# that has say and die:
#
#   . tests/vm/kernel.sh
#   kernel_get CACHE DEST MODULE...
#
# kernel_get resolves the kernel package that the meta package CGTOOLS_VM_KERNEL_PACKAGE
# (default linux-image-cloud-amd64) depends on, downloads it with `apt-get download` into
# CACHE unless it is cached there, and copies its vmlinuz and the MODULEs, uncompressed, to
# DEST/vmlinuz and DEST/modules/MODULE.ko (DEST is made anew). Nothing is installed into
# /boot. It sets kernel_name (PACKAGE_VERSION, the cached directory's name) and
# kernel_missing (the MODULEs the package does not have, space-separated; the caller decides
# whether that matters). When apt cannot resolve the meta package (no network, no package
# lists) it uses the newest cached kernel, one searched for all the MODULEs if there is one.
#
# CACHE/PACKAGE_VERSION holds vmlinuz, config and modules/: NAME.ko for each module found,
# and `searched`, the modules looked for in the package, one a line. A lane that needs a
# module not yet searched downloads that version again and unpacks the union of both lists,
# so lanes with different modules share one cache. The three newest versions are kept. One
# process at a time works in CACHE (flock CACHE/.lock), and the lanes boot their copy in
# DEST, so a download by one lane never takes a kernel from under another.
# shellcheck shell=bash

kernel_meta=${CGTOOLS_VM_KERNEL_PACKAGE:-linux-image-cloud-amd64}

# Sets kernel_pkg, kernel_ver and kernel_dir from apt's package lists; fails when apt knows no
# candidate.
kernel_resolve() {
    kernel_pkg=$(apt-cache depends "$kernel_meta" 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
    kernel_ver=
    kernel_dir=
    [ -n "$kernel_pkg" ] || return 1
    kernel_ver=$(apt-cache policy "$kernel_pkg" | awk '$1 == "Candidate:" { print $2 }')
    [ -n "$kernel_ver" ] && [ "$kernel_ver" != "(none)" ] || return 1
    kernel_dir=$kernel_cache/${kernel_pkg}_${kernel_ver//:/%}
}

# kernel_searched DIR MODULE...: whether DIR is a cached kernel searched for every MODULE.
kernel_searched() {
    local dir=$1 m
    shift
    [ -f "$dir/vmlinuz" ] || return 1
    for m in "$@"; do
        grep -qxF "$m" "$dir/modules/searched" 2>/dev/null || return 1
    done
}

# kernel_fetch MODULE...: downloads kernel_pkg at kernel_ver and unpacks it into kernel_dir.
kernel_fetch() {
    local tmp m f
    tmp=$(mktemp -d "$kernel_cache/.fetch.XXXXXX")
    # As root, apt hands the download to its sandbox user, who cannot write here.
    if ! (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "$kernel_pkg=$kernel_ver"); then
        rm -rf "$tmp"
        return 1
    fi
    dpkg-deb -x "$tmp"/*.deb "$tmp/x" || die "could not unpack $(basename "$tmp"/*.deb)"
    mkdir -p "$tmp/out/modules"
    cp "$tmp"/x/boot/vmlinuz-* "$tmp/out/vmlinuz" || die "$kernel_pkg has no /boot/vmlinuz-*"
    cp "$tmp"/x/boot/config-* "$tmp/out/config" 2>/dev/null || true
    for m in "$@"; do
        f=$(find "$tmp/x" -name "$m.ko*" | head -n 1)
        case $f in
        "") ;;
        *.ko) cp "$f" "$tmp/out/modules/$m.ko" ;;
        *.ko.xz) xz -dc "$f" >"$tmp/out/modules/$m.ko" ;;
        *.ko.zst) zstd -qdc "$f" >"$tmp/out/modules/$m.ko" ;;
        *) say "ignoring $f: unknown module compression" ;;
        esac
        echo "$m" >>"$tmp/out/modules/searched"
    done
    rm -rf "${kernel_dir:?}"
    mv "$tmp/out" "$kernel_dir"
    rm -rf "$tmp"
}

# The cached kernels, newest first.
kernel_cached() {
    find "$kernel_cache" -mindepth 2 -maxdepth 2 -name vmlinuz -printf '%T@ %h\n' 2>/dev/null |
        sort -nr | cut -d' ' -f2-
}

kernel_get() {
    kernel_cache=$1
    local dest=$2 lock m wanted
    shift 2
    mkdir -p "$kernel_cache"
    exec {lock}>"$kernel_cache/.lock"
    flock "$lock"
    if ! kernel_resolve; then
        # No package lists yet, or lists older than the meta package's dependency.
        apt-get update -qq || say "apt-get update failed"
        kernel_resolve || true
    fi
    if [ -n "$kernel_dir" ]; then
        if kernel_searched "$kernel_dir" "$@"; then
            say "kernel $kernel_pkg $kernel_ver (cached)"
        else
            # This lane's modules and those the cached copy of this version was searched for.
            mapfile -t wanted < <({
                printf '%s\n' "$@"
                cat "$kernel_dir/modules/searched" 2>/dev/null || true
            } | awk '!seen[$0]++')
            say "downloading kernel $kernel_pkg $kernel_ver"
            # A failed download usually means the package lists name a version the mirror dropped.
            kernel_fetch "${wanted[@]}" || { apt-get update -qq && kernel_resolve && kernel_fetch "${wanted[@]}"; } ||
                die "could not download $kernel_pkg $kernel_ver with apt-get download"
            # Keep the three newest kernels: enough to switch packages, not a growing pile.
            kernel_cached | tail -n +4 | while read -r old; do rm -rf "$old"; done
        fi
    else
        kernel_dir=
        while read -r d; do
            if [ -z "$kernel_dir" ] || kernel_searched "$d" "$@"; then
                kernel_dir=$d
                kernel_searched "$d" "$@" && break
            fi
        done < <(kernel_cached)
        [ -n "$kernel_dir" ] || die "apt knows no package for $kernel_meta and no kernel is cached in $kernel_cache"
        say "apt cannot resolve $kernel_meta; using the cached $(basename "$kernel_dir")"
    fi
    # shellcheck disable=SC2034 # read by the lane scripts
    kernel_name=$(basename "$kernel_dir")
    kernel_missing=
    rm -rf "$dest"
    mkdir -p "$dest/modules"
    cp "$kernel_dir/vmlinuz" "$dest/vmlinuz" || die "could not copy $kernel_dir/vmlinuz to $dest"
    for m in "$@"; do
        if [ -f "$kernel_dir/modules/$m.ko" ]; then
            cp "$kernel_dir/modules/$m.ko" "$dest/modules/" || die "could not copy $m.ko to $dest"
        else
            kernel_missing="${kernel_missing:+$kernel_missing }$m"
        fi
    done
    exec {lock}>&-
}
