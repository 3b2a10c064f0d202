#!/usr/bin/env bash
# The boot test of the Debian package (tests/deb/README.md): the Debian 12 root of
# tests/deb/root.sh with our package installed over cgroup-tools, booted under qemu with
# systemd as init, the VM lane's kernel (Debian's linux-image-cloud-amd64) and a small
# initramfs that mounts the root from a virtio disk. Four boots: pure cgroup v2 and hybrid,
# each with cgconfigd.service and then cgconfigd-delegated.service enabled. In each,
# tests/deb/boot-checks.sh (a unit after basic.target) checks what the admin sees and
# prints one result line on the serial console; this script parses it.
#
#   tests/deb/boot.sh [DEB]    DEB: the package (default target/deb/cgtools_*_amd64.deb,
#                              `make deb`); needs root
#
# Environment (all optional):
#   CGTOOLS_DEB_BOOTS    which boots, among v2:root v2:delegated hybrid:root hybrid:delegated
#                        (default all four, in that order)
#   CGTOOLS_DEB_ACCEL    tcg (default: KVM does not boot on the CI image) or kvm
#   CGTOOLS_DEB_TIMEOUT  seconds a boot may take, checks included (default 240 with TCG)
#   CGTOOLS_VM_KERNEL_PACKAGE  the kernel's apt meta package, as for the VM lane
#                        (tests/vm/kernel.sh; default linux-image-cloud-amd64)
# The consoles are kept in target/deb-boot/console-MODE-UNIT.log.
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/deb/lib.sh
. tests/deb/lib.sh deb-boot
[ "$(id -u)" = 0 ] || die "needs root (the root's file owners, chroot)"

find_package "${1:-}"
boots=${CGTOOLS_DEB_BOOTS:-v2:root v2:delegated hybrid:root hybrid:delegated}
accel=${CGTOOLS_DEB_ACCEL:-tcg}
case $accel in
tcg) cpu=(-accel tcg -cpu max) ;;
kvm) cpu=(-enable-kvm -cpu host) ;;
*) die "CGTOOLS_DEB_ACCEL must be tcg or kvm, not $accel" ;;
esac
limit=${CGTOOLS_DEB_TIMEOUT:-$([ "$accel" = kvm ] && echo 90 || echo 240)}

scripts/packages.sh qemu-system-x86 busybox-static cpio e2fsprogs ||
    die "the packages the boot test needs are missing (scripts/packages.sh said why above)"
root=$(tests/deb/root.sh) || die "tests/deb/root.sh could not make the Debian root (above)"
done_step root

work=target/deb-boot
mkdir -p "$work"
# Its files are this run's (images, consoles): one run at a time.
exec 9>"$work/.lock"
flock -n 9 || die "another tests/deb/boot.sh is running in this checkout ($work/.lock)"

# ---- kernel: the VM lane's (the newest linux-image-cloud-amd64), with virtio's modules ------
# Cached with the VM lane's in target/vm/kernel (tests/vm/kernel.sh); this run boots its copy
# in target/deb-boot/kernel. The modules in initramfs-init's order.
modules=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk)
# shellcheck source=tests/vm/kernel.sh
. tests/vm/kernel.sh
kernel_get target/vm/kernel "$work/kernel" "${modules[@]}"
[ -z "$kernel_missing" ] || die "the kernel $kernel_name has no module $kernel_missing"

# The initramfs: busybox, the modules, tests/deb/initramfs-init.
rm -rf "$work/initramfs"
mkdir -p "$work/initramfs/bin" "$work/initramfs/modules"
cp /bin/busybox "$work/initramfs/bin/busybox"
cp tests/deb/initramfs-init "$work/initramfs/init"
chmod 755 "$work/initramfs/init"
cp "$work"/kernel/modules/*.ko "$work/initramfs/modules/"
(cd "$work/initramfs" && find . -print0 | cpio --null -o -H newc --quiet) >"$work/initramfs.cpio" ||
    die "cpio could not pack $work/initramfs"
done_step kernel

# ---- the disk images: the root, our package, the test configuration and checks --------------
stage=$work/stage
rm -rf "$stage"
cp -a "$root" "$stage" || die "could not copy $root to $stage"
cp "$deb" "$stage/root/"
# in_root COMMAND...: in the staged root (chroot, private mount and pid namespaces).
in_root() {
    # shellcheck disable=SC2016 # expanded by the inner shell
    unshare --mount --pid --fork --propagation private \
        sh -c 'mount -t proc proc "$0/proc" && mount -t tmpfs tmpfs "$0/run" && exec chroot "$0" "$@"' "$stage" "$@"
}
in_root env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Dpkg::Use-Pty=0 install "/root/$(basename "$deb")" \
    >"$work/apt-install.log" 2>&1 ||
    die "apt-get install of $(basename "$deb") in the root failed: $(tail -n 5 "$work/apt-install.log" | tr '\n' ' ')"
rm -f "$stage/root/$(basename "$deb")"
# The seed article's configuration (etc/cgconfig.conf's group foo).
cat >"$stage/etc/cgconfig.conf" <<'EOF'
# The seed article's /etc/cgconfig.conf (tests/deb/boot.sh).
group foo {
	cpu {
		cpu.shares = 100;
	}
	memory {
		memory.limit_in_bytes = 5000000;
	}
}
EOF
install -m 0755 tests/deb/boot-checks.sh "$stage/usr/local/sbin/cgtools-boot-checks"
install -m 0644 tests/deb/cgtools-boot-checks.service "$stage/etc/systemd/system/"
# A machine id (no first-boot questions), no login prompts on the console.
echo 5c0e1f4ab8e04e2f9d7c1a3b6e8f0d21 >"$stage/etc/machine-id"
echo cgtools-deb >"$stage/etc/hostname"
in_root systemctl enable cgtools-boot-checks.service >/dev/null 2>&1 || die "could not enable the checks unit"
in_root systemctl mask getty.target serial-getty@ttyS0.service systemd-firstboot.service >/dev/null 2>&1 ||
    die "could not mask the gettys"
# One image per enabled unit; each boot runs on a throwaway snapshot of its image.
size_mib=$(($(du -sm "$stage" | cut -f1) + 256))
for svc in root delegated; do
    if [ $svc = root ]; then
        in_root systemctl disable cgconfigd-delegated.service >/dev/null 2>&1
        in_root systemctl enable cgconfigd.service >/dev/null 2>&1 || die "systemctl enable cgconfigd.service failed"
    else
        in_root systemctl disable cgconfigd.service >/dev/null 2>&1
        in_root systemctl enable cgconfigd-delegated.service >/dev/null 2>&1 ||
            die "systemctl enable cgconfigd-delegated.service failed"
    fi
    rm -f "$work/$svc.img"
    mkfs.ext4 -q -F -L cgtools-deb -d "$stage" "$work/$svc.img" "${size_mib}M" ||
        die "mkfs.ext4 -d $stage $work/$svc.img failed"
done
rm -rf "$stage"
done_step images

# ---- the boots ------------------------------------------------------------------------------------
pidfile=$work/qemu.pid
stop_qemu() {
    local pid
    pid=$(cat "$pidfile" 2>/dev/null) || return 0
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = qemu-system-x86 ] && kill "$pid" 2>/dev/null
    rm -f "$pidfile"
}
trap stop_qemu EXIT

failures=()
summary=()
for b in $boots; do
    mode=${b%%:*} svc=${b#*:}
    case $mode in
    v2) cg="systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all" ;;
    # systemd 252: unified_cgroup_hierarchy=0 is hybrid (v1 controllers and the unified
    # hierarchy at /sys/fs/cgroup/unified) unless legacy_systemd_cgroup_controller=1.
    hybrid) cg="systemd.unified_cgroup_hierarchy=0" ;;
    *) die "CGTOOLS_DEB_BOOTS: unknown mode in $b (v2 or hybrid)" ;;
    esac
    case $svc in
    root) unit=cgconfigd.service ;;
    delegated) unit=cgconfigd-delegated.service ;;
    *) die "CGTOOLS_DEB_BOOTS: unknown unit in $b (root or delegated)" ;;
    esac
    console=$work/console-$mode-$svc.log
    say "booting $mode with $unit enabled ($accel, limit ${limit}s)"
    boot_started=$SECONDS
    rm -f "$pidfile"
    qemu_status=0
    timeout -k 10 "$limit" qemu-system-x86_64 "${cpu[@]}" -m 1024 -smp 2 -nographic -no-reboot \
        -nic none -pidfile "$pidfile" -snapshot \
        -drive "file=$work/$svc.img,if=virtio,format=raw" \
        -kernel "$work/kernel/vmlinuz" -initrd "$work/initramfs.cpio" \
        -append "console=ttyS0 panic=-1 $cg cgtools.mode=$mode" \
        </dev/null >"$console" 2>&1 || qemu_status=$?
    took=$((SECONDS - boot_started))
    tr -d '\r' <"$console" | grep -a 'CGTOOLS-DEB: ' | sed 's/^.*CGTOOLS-DEB: /  /' >&2 || true
    result=$(tr -d '\r' <"$console" | grep -a -o 'CGTOOLS-DEB-RESULT: .*' | tail -n 1 || true)
    boot_time=$(tr -d '\r' <"$console" | sed -n 's/.*CGTOOLS-DEB-BOOT-TIME: //p' | head -n 1)
    if [ -z "$result" ]; then
        say "no result line from $mode/$unit (qemu exit status $qemu_status after ${took}s); last lines of $console:"
        tr -d '\r' <"$console" | tail -n 25 >&2
        failures+=("$mode/$unit: no result line$([ "$qemu_status" = 124 ] && echo " within ${limit}s")")
    elif [[ $result == *error=* ]]; then
        failures+=("$mode/$unit: ${result#CGTOOLS-DEB-RESULT: }")
    else
        f=$(sed -n 's/.* failed=\([0-9]*\).*/\1/p' <<<"$result")
        p=$(sed -n 's/.* passed=\([0-9]*\).*/\1/p' <<<"$result")
        [ "$f" = 0 ] && [ -n "$p" ] && [ "$p" -gt 0 ] || failures+=("$mode/$unit: $f check(s) failed")
        [[ $result == *"mode=$mode unit=$unit "* ]] || failures+=("$mode/$unit: the guest reports ${result#CGTOOLS-DEB-RESULT: }")
    fi
    summary+=("$mode/$svc ${took}s (${boot_time:-no boot time reported})")
    done_step "$mode/$svc"
done

say "boots: $(printf '%s; ' "${summary[@]}")"
say "steps: ${timings[*]}; total $((SECONDS - started))s"
if [ ${#failures[@]} -gt 0 ]; then
    die "$(printf '%s; ' "${failures[@]}")"
fi
say "all boots passed"
