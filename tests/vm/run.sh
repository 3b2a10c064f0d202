#!/usr/bin/env bash
# The pure cgroup v2 lane: boots a Debian cloud kernel with `cgroup_no_v1=all` under qemu and
# runs every real-kernel test suite of the workspace in it (integration-test targets named
# `kernel_*`), with the tool binaries beside them. Exits non-zero when a test failed (a
# skip fails its test there, unless the test needs cgroup v1), the VM hung, or the VM
# printed no result. See the README's "Pure cgroup v2 lane" section.
#
# Environment (all optional):
#   CGTOOLS_STATIC_DIR         the static tools (scripts/build-static.sh --list), which
#                              a test checks; built here (release) when not given
#   CGTOOLS_VM_KERNEL_PACKAGE  apt meta package that names the kernel (linux-image-cloud-amd64)
#   CGTOOLS_VM_ACCEL           kvm, tcg or auto (auto: KVM when it boots the kernel, else TCG)
#   CGTOOLS_VM_TIMEOUT         seconds before the VM counts as hung (90 with KVM, 300 with TCG)
#   CGTOOLS_VM_MEMORY          guest memory in MiB (1024 plus twice the initramfs)
set -euo pipefail
cd "$(dirname "$0")/../.."

lane=tests/vm
started=$SECONDS
step_started=$SECONDS

say() { echo "vm: $*" >&2; }
die() {
    echo "vm: error: $*" >&2
    exit 1
}
# Ends a step with its duration, for the timing summary at the end.
timings=()
done_step() {
    timings+=("$1 $((SECONDS - step_started))s")
    step_started=$SECONDS
}

# ---- 1. host packages ----------------------------------------------------------------------
# scripts/packages.sh installs what is missing, says what it changed, and explains when it
# cannot get a qemu that goes with the host's other qemu packages.
scripts/packages.sh qemu-system-x86 cpio busybox-static jq binutils ||
    die "the packages the VM lane needs are missing (scripts/packages.sh said why above)"
done_step packages

metadata=$(cargo metadata --format-version 1 --no-deps --locked) ||
    die "cargo metadata failed: is this the cgtools workspace?"
target=$(jq -r .target_directory <<<"$metadata")
workspace=$(jq -r .workspace_root <<<"$metadata")
work=$target/vm
mkdir -p "$work"

# ---- 2. kernel -----------------------------------------------------------------------------
# The newest kernel the meta package points at, downloaded once and cached per version in
# target/vm/kernel (tests/vm/kernel.sh, shared with tests/deb/boot.sh); this run boots its
# copy in target/vm/guest-kernel.
# The modules the guest loads (tests/vm/init, in this order: each after what it needs):
# null_blk for per-device io settings; the network devices of the container networking
# tests (veth, bridge, macvlan, 8021q and what they depend on), modules on Debian's cloud
# kernel. Those the package lacks are left out (tests/vm/init says so).
modules=(configfs null_blk llc stp bridge veth macvlan garp mrp 8021q overlay)
# shellcheck source=tests/vm/kernel.sh
. "$lane/kernel.sh"
kernel_get "$work/kernel" "$work/guest-kernel" "${modules[@]}"
done_step kernel

# ---- 3. build --------------------------------------------------------------------------------
# Real-kernel suites are found by name, not listed: every integration-test target called
# kernel_* in any workspace crate. Tools are every binary target of the workspace.
say "building the kernel_* test suites and the tools"
# JSON to a file for jq; progress and rendered errors to the terminal.
cargo build --workspace --bins --locked --message-format=json-render-diagnostics \
    >"$work/bins.json" || die "cargo build of the tools failed (errors above)"
cargo test --workspace --no-run --locked --message-format=json-render-diagnostics \
    >"$work/tests.json" || die "cargo build of the tests failed (errors above)"
mapfile -t tools < <(jq -r 'select(.reason == "compiler-artifact" and .target.kind == ["bin"]
    and .profile.test == false and .executable != null) | .executable' "$work/bins.json" | sort -u)
# "<executable> TAB <package directory>": cargo runs each test in its package's directory.
mapfile -t suites < <(jq -r 'select(.reason == "compiler-artifact" and .target.kind == ["test"]
    and (.target.name | startswith("kernel_")) and .executable != null)
    | "\(.executable)\t\(.manifest_path | sub("/Cargo.toml$"; ""))"' "$work/tests.json" | sort -u)
[ ${#suites[@]} -gt 0 ] || die "no integration-test target named kernel_* in the workspace"
say "suites: $(for s in "${suites[@]}"; do basename "${s%%$'\t'*}"; done | tr '\n' ' ')"
say "tools: $(for t in "${tools[@]}"; do basename "$t"; done | tr '\n' ' ')"
# The statically linked tools as they ship, for the test that checks them
# (kernel_exec_tools): those scripts/test.sh built, else built here.
if [ -n "${CGTOOLS_STATIC_DIR:-}" ]; then
    static_dir=$CGTOOLS_STATIC_DIR
else
    say "building the static tools (scripts/build-static.sh --release)"
    static_dir=$workspace/$(scripts/build-static.sh --release) ||
        die "scripts/build-static.sh failed (errors above)"
fi
mapfile -t static_tools < <(scripts/build-static.sh --list)
for t in "${static_tools[@]}"; do
    [ -x "$static_dir/$t" ] || die "$static_dir/$t is not built: run scripts/build-static.sh"
done
say "static tools: ${static_tools[*]} from $static_dir"
done_step build

# ---- 4. initramfs ----------------------------------------------------------------------------
# The VM sees the checkout where the host has it: the suites and tools at their paths in the
# target directory (tests find tools relative to their own executable, or by the absolute
# CARGO_BIN_EXE_* paths), the workspace's files (fixtures, snapshots), and what a booted host
# has for them: /etc/passwd and /etc/group, real programs where busybox's would not do.
# Executables lose their debug info (symbols stay, for backtraces): debug builds are ten
# times larger, and the whole initramfs must fit in guest memory.
stage=$work/initramfs
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/etc" "$stage/vm/modules"
cp /bin/busybox "$stage/bin/busybox"
cp "$lane/init" "$stage/init"
chmod 755 "$stage/init"
cp "$work"/guest-kernel/modules/*.ko "$stage/vm/modules/" 2>/dev/null || true
echo "${modules[*]}" >"$stage/vm/modules/set"
for f in passwd group nsswitch.conf; do [ ! -f "/etc/$f" ] || cp "/etc/$f" "$stage/etc/"; done

# The workspace's files, without build output and git's database.
if git -C "$workspace" rev-parse --git-dir >/dev/null 2>&1; then
    while IFS= read -r -d '' f; do
        [ ! -f "$workspace/$f" ] || printf '%s\0' "$f"
    done < <(git -C "$workspace" ls-files -z --cached --others --exclude-standard) |
        (cd "$workspace" && cpio -0pdm --quiet "$stage$workspace") ||
        die "could not copy the workspace into the initramfs"
else
    mkdir -p "$stage$workspace"
    tar -C "$workspace" --exclude=./target --exclude=./.git -cf - . | tar -C "$stage$workspace" -xf - ||
        die "could not copy the workspace into the initramfs"
fi

: >"$stage/vm/tests.list"
executables=()
for s in "${suites[@]}"; do
    exe=${s%%$'\t'*}
    mkdir -p "$stage$(dirname "$exe")"
    objcopy --strip-debug "$exe" "$stage$exe" || die "objcopy $exe failed"
    printf '%s\n' "$s" >>"$stage/vm/tests.list"
    executables+=("$exe")
done
for t in "${tools[@]}"; do
    mkdir -p "$stage$(dirname "$t")"
    objcopy --strip-debug "$t" "$stage$t" || die "objcopy $t failed"
    executables+=("$t")
done
# Static: no libraries to bring; copied as built, since the test reads their bytes.
mkdir -p "$stage$static_dir"
for t in "${static_tools[@]}"; do
    cp "$static_dir/$t" "$stage$static_dir/$t" || die "could not copy $static_dir/$t"
done
# The programs of these Debian packages, where the host has them, at the host's paths: tests
# expect the real thing (`ps -o cgroup`, libcgroup's tools for differential tests, bash for
# the repository's scripts, iproute2's `ip` for the networking tests, strace to count a
# tool's system calls), and busybox's stand-ins differ.
host_packages=(procps cgroup-tools bash iproute2 strace)
programs=()
for pkg in "${host_packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || continue
    while read -r f; do
        if [ ! -f "$f" ] || [ ! -x "$f" ]; then continue; fi
        mkdir -p "$stage$(dirname "$f")"
        cp -L "$f" "$stage$f"
        programs+=("$f")
    done < <(dpkg -L "$pkg" | grep -E '^(/usr)?/s?bin/')
done
# The shared libraries and the dynamic loader, at the paths the executables name.
for exe in "${executables[@]}" "${programs[@]}"; do
    if ! libs=$(ldd "$exe" 2>&1); then
        # Scripts among the packages' programs have no libraries.
        [[ " ${programs[*]} " == *" $exe "* ]] && continue
        die "ldd $exe failed: $libs"
    fi
    if grep -q 'not found' <<<"$libs"; then
        die "$exe needs libraries that are not installed: $(grep 'not found' <<<"$libs" | tr -s ' \t' ' ')"
    fi
    grep -o '/[^ ]*' <<<"$libs" || true
done | sort -u | while read -r lib; do
    mkdir -p "$stage$(dirname "$lib")"
    cp -L "$lib" "$stage$lib"
done
# What the suites get in their environment, besides CGTOOLS_TEST_LANE=vm.
{
    echo "export INSTA_UPDATE=no"
    printf 'export INSTA_WORKSPACE_ROOT=%q\n' "$workspace"
    printf 'export CGTOOLS_STATIC_DIR=%q\n' "$static_dir"
} >"$stage/vm/env"
(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) >"$work/initramfs.cpio" ||
    die "cpio could not pack $stage"
initramfs_mib=$(($(stat -c %s "$work/initramfs.cpio") >> 20))
memory=${CGTOOLS_VM_MEMORY:-$((1024 + 2 * initramfs_mib))}
say "initramfs: ${initramfs_mib} MiB; guest memory ${memory} MiB"
done_step initramfs

# ---- 5. boot ---------------------------------------------------------------------------------
console=$work/console.log
accel=${CGTOOLS_VM_ACCEL:-auto}
case $accel in
auto) if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then accels=(kvm tcg); else accels=(tcg); fi ;;
kvm | tcg) accels=("$accel") ;;
*) die "CGTOOLS_VM_ACCEL must be kvm, tcg or auto, not $accel" ;;
esac

# qemu's own pid, from its -pidfile: the shell knows only the wrapper's.
pidfile=$work/qemu.pid
stop_qemu() {
    local pid
    pid=$(cat "$pidfile" 2>/dev/null) || return 0
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = qemu-system-x86 ] && kill "$pid" 2>/dev/null
    rm -f "$pidfile"
}
trap stop_qemu EXIT

# boot ACCEL: runs the VM, streaming the console from the start of /init; sets boot_status.
boot() {
    local accel=$1 cpu limit
    if [ "$accel" = kvm ]; then
        cpu=(-enable-kvm -cpu host)
        limit=${CGTOOLS_VM_TIMEOUT:-90}
    else
        cpu=(-accel tcg -cpu max)
        limit=${CGTOOLS_VM_TIMEOUT:-300}
    fi
    say "booting $kernel_name with $accel (limit ${limit}s)"
    : >"$console"
    rm -f "$pidfile"
    # In a subshell, so that a qemu killed by a signal is reported in the console log and not
    # by this shell's job control.
    (
        timeout -k 10 "$limit" qemu-system-x86_64 "${cpu[@]}" -m "$memory" \
            -smp 2 -nographic -no-reboot -nic none -pidfile "$pidfile" \
            -kernel "$work/guest-kernel/vmlinuz" -initrd "$work/initramfs.cpio" \
            -append "console=ttyS0 cgroup_no_v1=all panic=-1 cgtools.test_timeout=$((limit - 30))"
        exit $?
    ) </dev/null >"$console" 2>&1 &
    local vm=$!
    # The boot messages stay in the log; the console is shown from /init on.
    tail -n +1 -f --pid="$vm" "$console" | tr -d '\r' |
        awk '/Run \/init as init process/ { on = 1; next } on { print; fflush() }' &
    local shown=$!
    if [ "$accel" = kvm ]; then
        # KVM can fail without a word: a nested or paravirtual /dev/kvm (PVM) may hang an
        # unmodified guest kernel before its first message.
        local waited=0
        while kill -0 "$vm" 2>/dev/null && ! grep -q 'Linux version' "$console"; do
            if [ $waited -ge 150 ]; then
                say "no kernel message after 15s with KVM"
                stop_qemu
                break
            fi
            sleep 0.1
            waited=$((waited + 1))
        done
    fi
    boot_status=0
    wait "$vm" || boot_status=$?
    wait "$shown" || true
}

for a in "${accels[@]}"; do
    boot "$a"
    if [ "$a" = kvm ] && ! grep -q 'Linux version' "$console"; then
        why=$(tr -d '\r' <"$console" | grep -a -m 2 'qemu-system-x86_64:' | tr '\n' ' ')
        say "KVM did not boot the kernel${why:+: $why}"
        say "falling back to qemu's emulation (TCG)"
        continue
    fi
    break
done
done_step boot+tests

# ---- 6. verdict ------------------------------------------------------------------------------
result=$(tr -d '\r' <"$console" | grep -a -o 'CGTOOLS-VM-RESULT: .*' | tail -n 1 || true)
field() { sed -n "s/.*[: ]$1=\([0-9]*\).*/\1/p" <<<"$result"; }
say "steps: ${timings[*]}; total $((SECONDS - started))s"
if [ -z "$result" ]; then
    say "last lines of the console ($console):"
    tr -d '\r' <"$console" | tail -n 30 >&2
    if grep -q 'Initramfs unpacking failed' "$console"; then
        die "the kernel could not unpack the ${initramfs_mib} MiB initramfs into ${memory} MiB: raise CGTOOLS_VM_MEMORY"
    fi
    if [ "$boot_status" = 124 ] || [ "$boot_status" = 137 ]; then
        die "the VM hung: no result within the time limit"
    fi
    die "the VM printed no result line (qemu exit status $boot_status)"
fi
failed_binaries=$(field failed_binaries)
echo "vm: $(field passed) passed, $(field failed) failed, $(field ignored) ignored, $(field skipped) skipped, $(field v1_only) not run as they need cgroup v1"
if [ "$(field binaries)" != "${#suites[@]}" ]; then
    die "the VM ran $(field binaries) of ${#suites[@]} suites"
fi
if [ "$failed_binaries" != 0 ]; then
    die "$failed_binaries suite(s) failed in the VM: $(tr -d '\r' <"$console" |
        sed -n 's/.*CGTOOLS-VM: FAIL \([^ ]*\).*/\1/p' | tr '\n' ' ')"
fi
# A skip fails its test in the VM already; this catches a lane that stopped counting them.
if [ -z "$(field skipped)" ] || [ "$(field skipped)" != 0 ]; then
    die "tests were skipped in the VM (skipped=$(field skipped)): every test must run there"
fi
