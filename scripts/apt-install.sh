# Sourced by the prepare-*.sh scripts (after they define log): installs the Debian
# packages named, if any, as root; says what to run otherwise.
install_missing() {
  [ "$#" -gt 0 ] || return 0
  if [ "$(id -u)" != 0 ]; then
    log "missing packages: $*; run as root or: sudo apt-get install -y $*"; exit 1
  fi
  log "installing $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
