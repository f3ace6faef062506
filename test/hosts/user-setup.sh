#!/bin/sh
# Scenario (f), the desktop's own user (issue 24, 5b), its setup in the VM, as root: the
# user `desk` with subordinate ids and lingering (so its systemd manager runs, with the
# cpu controller delegated: added with the README's command where this systemd lacks it),
# rootless Podman in desk's storage (crun, runc when crun cannot start a pilot), its API
# socket in desk's manager (podman.socket), and the daemon installed as the user unit of
# systemd/ (started by user-scenario.ts).
# Prints "@@plancton user-setup <json>"; exits 1 with a failed result when a step fails.
set -u
P=/plancton
U=desk
say() { echo "@@plancton $*"; }
esc() { printf '%s' "$1" | tr '\n\t' '  ' | tr -cd '[:print:]' | tr -d '"\\' | cut -c1-700; }
fail() {
  say result "{\"name\":\"user\",\"checks\":[{\"name\":\"desk set up\",\"ok\":false,\"detail\":\"$(esc "$1")\"}],\"figures\":{}}"
  exit 1
}
useradd -m -s /bin/sh "$U" || fail "useradd $U"
usermod --add-subuids 200000-265535 --add-subgids 200000-265535 "$U" || fail "usermod --add-subuids"
ID=$(id -u "$U")
R=/run/user/$ID
H=/home/$U
SVC=/sys/fs/cgroup/user.slice/user-$ID.slice/user@$ID.service
as() {
  (cd "$H" && runuser -u "$U" -- env HOME="$H" USER="$U" XDG_RUNTIME_DIR="$R" \
    DBUS_SESSION_BUS_ADDRESS="unix:path=$R/bus" PATH="$P/.vm/bin:/usr/local/bin:/usr/bin:/bin" "$@")
}
wait_for() { i=0; while [ $i -lt 120 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 1; i=$((i + 1)); done; return 1; }

loginctl enable-linger "$U" || fail "loginctl enable-linger $U"
wait_for test -S "$R/systemd/private" || fail "no user manager for $U: $(systemctl status "user@$ID" 2>&1 | tail -5)"
shipped="$(cat "$SVC/cgroup.controllers" 2>/dev/null)"
if ! printf '%s' "$shipped" | grep -qw cpu; then
  # README's command for a systemd that does not delegate cpu to the user's manager.
  mkdir -p /etc/systemd/system/user@.service.d
  printf '[Service]\nDelegate=cpu cpuset io memory pids\n' >/etc/systemd/system/user@.service.d/delegate.conf
  systemctl daemon-reload && systemctl restart "user@$ID"
  wait_for test -S "$R/systemd/private" || fail "no user manager after delegating cpu"
fi
wait_for test -S "$R/bus" || fail "no user bus at $R/bus (dbus-user-session)"

mkdir -p "$H/.config/containers" "$H/.config/systemd/user/plancton-user.service.d" "$H/.plancton/conf"
printf '[engine]\ncgroup_manager = "systemd"\nevents_logger = "file"\n' >"$H/.config/containers/containers.conf"
# vfs: the pilot image is a few MB, and vfs needs nothing of the kernel or of fuse.
printf '[storage]\ndriver = "vfs"\n' >"$H/.config/containers/storage.conf"
cp "$P/systemd/plancton-user.service" "$H/.config/systemd/user/"
# The unit as shipped, but for where planctonctl and node are in this VM.
printf '[Service]\nExecStart=\nExecStart=%s/.vm/bin/node %s/bin/planctonctl --user nodaemon\n' "$P" "$P" \
  >"$H/.config/systemd/user/plancton-user.service.d/vm.conf"
chown -R "$U:$U" "$H"

as podman import "$P/.vm/busybox.tar" plancton/busybox:local >/dev/null 2>/tmp/import.err ||
  fail "podman import as $U: $(cat /tmp/import.err)"
smoke() {
  as podman run --rm --network none --cpu-quota 50000 --cpu-period 100000 --memory 64m \
    --cgroup-parent plancton.slice plancton/busybox:local true 2>/tmp/smoke.err
}
runtime=crun
if ! smoke; then
  crun_err="$(cat /tmp/smoke.err)"
  printf '[engine]\ncgroup_manager = "systemd"\nevents_logger = "file"\nruntime = "runc"\n' \
    >"$H/.config/containers/containers.conf"
  runtime=runc
  smoke || fail "a pilot cannot start as $U: crun: $crun_err; runc: $(cat /tmp/smoke.err)"
fi
# The README's commands: Podman's API socket in the user's manager (Debian's podman.socket).
as systemctl --user enable --now podman.socket || fail "systemctl --user enable --now podman.socket"
wait_for test -S "$R/podman/podman.sock" || fail "no podman socket: $(as systemctl --user status podman.socket 2>&1 | tail -5)"
as systemctl --user daemon-reload || fail "systemctl --user daemon-reload"
say user-setup "{\"uid\":$ID,\"runtime\":\"$runtime\",\"delegated_as_shipped\":\"$(esc "$shipped")\",\"delegated\":\"$(esc "$(cat "$SVC/cgroup.controllers")")\",\"podman\":\"$(esc "$(podman --version)")\",\"crun_error\":\"$(esc "${crun_err:-}")\"}"
