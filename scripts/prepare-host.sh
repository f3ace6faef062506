#!/usr/bin/env bash
# Makes this machine ready to run Plancton and its tests, idempotently:
#   - Debian's docker.io and busybox-static installed when missing (root only);
#   - dockerd started in the background when the socket does not answer;
#   - the local pilot image built from busybox-static with `docker import`
#     (no registry needed), tagged plancton/busybox:local, and busybox:latest
#     when no busybox image is present (this machine cannot pull one);
#   - with --full (the test suite): InfluxDB 1.x, VictoriaMetrics, Prometheus and
#     the Docker registry packages installed, for the integration tests to start, and
#     etcd (scripts/prepare-etcd.sh) for the fleet tests.
# Usage: prepare-host.sh [--docker-only|--full]
set -euo pipefail

MODE="${1:---full}"
LOCAL_IMAGE="plancton/busybox:local"
SOCK="${DOCKER_SOCK:-/var/run/docker.sock}"
log() { echo "prepare-host: $*" >&2; }

need_pkgs=()
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx sleep && file -L /bin/busybox 2>/dev/null | grep -q static || need_pkgs+=(busybox-static)
if [ "$MODE" = "--full" ]; then
  command -v influxd >/dev/null 2>&1 || need_pkgs+=(influxdb)
  command -v victoria-metrics >/dev/null 2>&1 || need_pkgs+=(victoria-metrics)
  [ -x /usr/bin/docker-registry ] || need_pkgs+=(docker-registry)
  command -v git >/dev/null 2>&1 || need_pkgs+=(git)
  command -v prometheus >/dev/null 2>&1 || need_pkgs+=(prometheus)
fi
command -v file >/dev/null 2>&1 || need_pkgs+=(file)

# shellcheck source=apt-install.sh
. "$(dirname "$0")/apt-install.sh"
install_missing ${need_pkgs[@]+"${need_pkgs[@]}"}

docker_answers() { timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if ! docker_answers; then
  if [ "$(id -u)" != 0 ]; then log "Docker does not answer on $SOCK and only root can start dockerd here"; exit 1; fi
  log "starting dockerd in the background (log: /var/log/dockerd-plancton.log)"
  # The deb's dockerd ships no systemd here; run it detached so it outlives this script.
  nohup setsid dockerd >/var/log/dockerd-plancton.log 2>&1 </dev/null &
  for _ in $(seq 1 60); do docker_answers && break; sleep 1; done
  docker_answers || { log "dockerd did not answer within 60 s; see /var/log/dockerd-plancton.log"; tail -20 /var/log/dockerd-plancton.log >&2; exit 1; }
fi

if ! docker image inspect "$LOCAL_IMAGE" >/dev/null 2>&1; then
  log "building $LOCAL_IMAGE from busybox-static"
  root="$(mktemp -d)"; trap 'rm -rf "$root"' EXIT
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/proc" "$root/sys" "$root/dev"
  cp "$(readlink -f /bin/busybox)" "$root/bin/busybox"
  for app in $("$root/bin/busybox" --list); do [ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  tar -C "$root" -c . | docker import -c 'CMD ["/bin/sh"]' - "$LOCAL_IMAGE" >/dev/null
fi

# The default config runs busybox; where no busybox can be pulled, the local build stands in.
if ! docker image inspect busybox:latest >/dev/null 2>&1; then
  if ! timeout 20 docker pull -q busybox:latest >/dev/null 2>&1; then
    log "busybox cannot be pulled here: tagging $LOCAL_IMAGE as busybox:latest"
    docker tag "$LOCAL_IMAGE" busybox:latest
  fi
fi
# The fleet tests and benchmark need etcd (they start their own members).
if [ "$MODE" = "--full" ]; then bash "$(dirname "$0")/prepare-etcd.sh"; fi
log "ready: Docker $(docker version --format '{{.Server.Version}}'), image $LOCAL_IMAGE"
