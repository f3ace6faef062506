#!/bin/sh
# Runs inside the test VM (plancton-scenario.service, after docker.service): the
# host scenarios (a) Docker systemd driver, (b) Docker cgroupfs driver, (c) Podman
# rootful, all on cgroup v2; or, when booted for one, the keyboard or the desktop's user.
# Each prints "@@plancton result <json>" on the serial console; the unit powers the VM
# off afterwards.
set -u
P=/plancton
export PATH="$P/.vm/bin:$PATH" HOME=/root
say() { echo "@@plancton $*"; }
say boot "{\"uptime_s\":$(cut -d' ' -f1 /proc/uptime),\"kernel\":\"$(uname -r)\",\"systemd\":\"$(systemctl --version | head -1)\"}"

# The local pilot image: a tar of busybox-static made on the host (vm.ts), imported below.
wait_for() { i=0; while [ $i -lt 120 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 1; i=$((i + 1)); done; return 1; }
scenario() { # NAME SOCKET PARENT
  timeout 600 node --import tsx $P/test/hosts/run-scenario.ts "$@" \
    || say result "{\"name\":\"$1\",\"checks\":[{\"name\":\"scenario ran to the end\",\"ok\":false,\"detail\":\"run-scenario exited $?\"}],\"figures\":{}}"
}
cd $P
say step "{\"at\":\"image built\",\"uptime_s\":$(cut -d" " -f1 /proc/uptime)}"

# (d) The person at the keyboard alone, when the host boots the VM for it (vm-keyboard.test.ts):
# Docker, systemd driver; the host presses keys through QEMU's monitor when asked.
if grep -qw plancton.scenario=keyboard /proc/cmdline; then
  wait_for docker info
  docker import $P/.vm/busybox.tar plancton/busybox:local >/dev/null
  say engine "{\"name\":\"keyboard\",\"driver\":\"$(docker info --format '{{.CgroupDriver}}')\"}"
  scenario keyboard /var/run/docker.sock plancton.slice
  say done "{\"uptime_s\":$(cut -d' ' -f1 /proc/uptime)}"
  exit 0
fi

# (f) The desktop's own user alone, when the host boots the VM for it (vm-user.test.ts): rootless
# Podman and the daemon as units of the user's own systemd manager (user-setup.sh), checked as root.
if grep -qw plancton.scenario=user /proc/cmdline; then
  systemctl stop docker.service docker.socket containerd.service
  if sh $P/test/hosts/user-setup.sh; then
    scenario user "/run/user/$(id -u desk)/podman/podman.sock" plancton.slice
  fi
  say done "{\"uptime_s\":$(cut -d' ' -f1 /proc/uptime)}"
  exit 0
fi

# (a) Docker, systemd cgroup driver (the image's daemon.json)
wait_for docker info
docker import $P/.vm/busybox.tar plancton/busybox:local >/dev/null
say engine "{\"name\":\"docker-systemd\",\"driver\":\"$(docker info --format '{{.CgroupDriver}}')\",\"uptime_s\":$(cut -d' ' -f1 /proc/uptime)}"
scenario docker-systemd /var/run/docker.sock plancton.slice

# (b) Docker, cgroupfs driver on cgroup v2
printf '{ "exec-opts": ["native.cgroupdriver=cgroupfs"] }\n' >/etc/docker/daemon.json
systemctl restart docker
wait_for docker info
say engine "{\"name\":\"docker-cgroupfs\",\"driver\":\"$(docker info --format '{{.CgroupDriver}}')\"}"
scenario docker-cgroupfs /var/run/docker.sock plancton

# (c) Podman rootful, systemd cgroup manager, its Docker-compatible API
systemctl stop docker.service docker.socket containerd.service
podman import $P/.vm/busybox.tar plancton/busybox:local >/dev/null
systemd-run --unit=plancton-podman-api --quiet podman system service --time=0 unix:///run/podman/podman.sock
wait_for test -S /run/podman/podman.sock
say engine "{\"name\":\"podman\",\"version\":\"$(podman --version)\"}"
scenario podman /run/podman/podman.sock plancton.slice
say done "{\"uptime_s\":$(cut -d' ' -f1 /proc/uptime)}"
