#!/usr/bin/env bash
# Installs what the owner-latency, harvest and workflow benchmarks need, idempotently
# (root only): rt-tests (cyclictest), nginx-light, wrk, coop-computing-tools
# (makeflow, work_queue_worker), openmpi-bin (makeflow needs its runtime to start) and
# linux-perf (owner-service's scheduling-delay study: perf sched).
# Called by bench/support/tools.ts; also runs alone: bash scripts/prepare-bench.sh
set -euo pipefail
log() { echo "prepare-bench: $*" >&2; }

need=()
command -v cyclictest >/dev/null 2>&1 || need+=(rt-tests)
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v makeflow >/dev/null 2>&1 || need+=(coop-computing-tools)
command -v mpirun >/dev/null 2>&1 || need+=(openmpi-bin)
command -v perf >/dev/null 2>&1 || need+=(linux-perf)

# shellcheck source=apt-install.sh
. "$(dirname "$0")/apt-install.sh"
install_missing ${need[@]+"${need[@]}"}
# Debian starts nginx on install where it can; the benchmark runs its own on a free port.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then systemctl stop nginx || true; fi
log "ready: $(command -v cyclictest) $(command -v nginx) $(command -v wrk) $(command -v makeflow) $(command -v mpirun)"
