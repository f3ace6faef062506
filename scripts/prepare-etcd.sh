#!/usr/bin/env bash
# Installs etcd (Debian's etcd-server and etcd-client, 3.4) for the fleet tests and
# benchmark, idempotently. The tests start their own members on free 127.0.0.1 ports;
# this script only makes the binaries present, it starts nothing.
# Usage: prepare-etcd.sh   (root installs; others are told what to install)
set -euo pipefail
log() { echo "prepare-etcd: $*" >&2; }

need=()
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || need+=(etcd-client)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then log "missing packages: ${need[*]}; run as root or: sudo apt-get install -y ${need[*]}"; exit 1; fi
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The deb starts a system etcd on the fixed ports 2379/2380 where an init system runs;
  # the tests never use it (they start their own members on free ports).
fi
log "ready: $(etcd --version 2>/dev/null | head -1)"
