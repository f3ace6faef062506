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
# shellcheck source=apt-install.sh
. "$(dirname "$0")/apt-install.sh"
install_missing ${need[@]+"${need[@]}"}
log "ready: $(etcd --version 2>/dev/null | head -1)"
