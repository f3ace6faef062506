#!/usr/bin/env bash
# Builds (or finds in the cache) the Debian 12 VM image the host scenarios boot:
# debootstrap --variant=minbase with systemd, Docker, Podman and the cloud kernel,
# root filesystem made with `mkfs.ext4 -d`, the kernel's own initrd beside it.
# The cache is keyed by the package list and this script, so a change of either
# builds anew; a machine without the cache builds from nothing (Debian's packages only).
# Prints the cache directory (rootfs.img, vmlinuz, initrd.img) on stdout.
# Usage: build-image.sh   (as root; PLANCTON_VM_CACHE overrides /var/cache/plancton-vm)
set -euo pipefail
log() { echo "build-image: $*" >&2; }

# uidmap, dbus-user-session, libpam-systemd, slirp4netns: rootless Podman under a user's own
# systemd manager (scenario f, the desktop's user).
PKGS="systemd,systemd-sysv,dbus,docker.io,podman,containernetworking-plugins,crun,apparmor,busybox-static,initramfs-tools,kmod,procps,e2fsprogs,uidmap,dbus-user-session,libpam-systemd,slirp4netns"
KERNEL_PKG="linux-image-cloud-amd64"
SUITE="bookworm"
CACHE_ROOT="${PLANCTON_VM_CACHE:-/var/cache/plancton-vm}"
here="$(cd "$(dirname "$0")" && pwd)"
key="$(cat "$0" "$here/vm-unit.service" | sha256sum | cut -c1-16)"
out="$CACHE_ROOT/$key"

if [ -f "$out/done" ]; then echo "$out"; exit 0; fi
[ "$(id -u)" = 0 ] || { log "must run as root (debootstrap, chroot)"; exit 1; }
command -v debootstrap >/dev/null || { log "debootstrap missing: run scripts/prepare-vm.sh"; exit 1; }

# The Debian mirror this machine's apt already uses (never a hard-coded host).
mirror="${PLANCTON_VM_MIRROR:-}"
if [ -z "$mirror" ]; then
  mirror="$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -E '/debian/?$' | head -1 || true)"
  [ -n "$mirror" ] || mirror="$(grep -hsE '^deb .* bookworm( |$)' /etc/apt/sources.list | awk '{print $2}' | head -1 || true)"
fi
[ -n "$mirror" ] || { log "no Debian mirror found in /etc/apt: set PLANCTON_VM_MIRROR"; exit 1; }

mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.lock"
flock 9
if [ -f "$out/done" ]; then echo "$out"; exit 0; fi

work="$(mktemp -d "$CACHE_ROOT/build.XXXXXX")"
root="$work/root"
cleanup() {
  for m in dev/pts dev proc sys; do umount -l "$root/$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

t0=$(date +%s)
log "debootstrap $SUITE from $mirror into $root"
debootstrap --variant=minbase --include="$PKGS" "$SUITE" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -30 "$work/debootstrap.log" >&2; log "debootstrap failed"; exit 1; }
t1=$(date +%s)

mount -t proc proc "$root/proc"; mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"; mount --bind /dev/pts "$root/dev/pts"
log "installing $KERNEL_PKG"
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$KERNEL_PKG" >"$work/kernel.log" 2>&1 \
  || { tail -30 "$work/kernel.log" >&2; log "kernel install failed"; exit 1; }
for m in dev/pts dev proc sys; do umount -l "$root/$m"; done

echo plancton-vm >"$root/etc/hostname"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' >"$root/etc/fstab"
printf '{ "exec-opts": ["native.cgroupdriver=systemd"] }\n' >"$root/etc/docker/daemon.json"
install -m 0644 "$here/vm-unit.service" "$root/etc/systemd/system/plancton-scenario.service"
ln -sf /etc/systemd/system/plancton-scenario.service "$root/etc/systemd/system/multi-user.target.wants/plancton-scenario.service"
# Nothing that would compete with the scenario for the VM's two slow vCPUs.
for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
  podman-auto-update.timer podman-restart.service getty@tty1.service systemd-timesyncd.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*

mkdir -p "$work/out"
cp "$root"/boot/vmlinuz-* "$work/out/vmlinuz"
cp "$root"/boot/initrd.img-* "$work/out/initrd.img"
mkfs.ext4 -q -F -L plancton-root -d "$root" "$work/out/rootfs.img" 3G
t2=$(date +%s)
echo "debootstrap_s=$((t1 - t0)) image_s=$((t2 - t1))" >"$work/out/build-times"
log "built in $((t2 - t0)) s (debootstrap $((t1 - t0)) s)"
touch "$work/out/done"
rm -rf "$out"; mv "$work/out" "$out"
# Older keys are images of another package list: drop them.
find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 -type d ! -name "$key" ! -name 'build.*' -exec rm -rf {} +
echo "$out"
