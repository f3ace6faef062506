#!/usr/bin/env bash
# Installs what the host scenarios (npm run test:hosts) need, idempotently, from
# Debian's packages: qemu (TCG; KVM is not used), debootstrap and mkfs.ext4 to build
# the VM image, Podman with the CNI plugins and runc for the scenario that runs
# Podman on this host, and busybox-static for the pilot image. Run as root. Nothing
# here is needed to run Plancton itself.
set -euo pipefail
log() { echo "prepare-vm: $*" >&2; }

need=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || need+=(qemu-system-x86)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v mkfs.ext4 >/dev/null 2>&1 || need+=(e2fsprogs)
command -v podman >/dev/null 2>&1 || need+=(podman)
[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
command -v runc >/dev/null 2>&1 || need+=(runc)
[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || need+=(debian-archive-keyring)
# The pilot image of the scenarios is made of busybox-static's binary.
file -L /bin/busybox 2>/dev/null | grep -q static || need+=(busybox-static)
command -v file >/dev/null 2>&1 || need+=(file)

if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then log "missing packages: ${need[*]}; run as root or: sudo apt-get install -y ${need[*]}"; exit 1; fi
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
log "ready: $(qemu-system-x86_64 --version | head -1), podman $(podman --version | awk '{print $3}')"
