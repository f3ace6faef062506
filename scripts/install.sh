#!/usr/bin/env bash
# Installs planctonctl and plancton-bootstrap as a standalone copy, not a link into this
# clone (which `npm install -g .` would make): builds, packs the tarball npm would publish,
# and installs that globally. The clone can be moved or deleted afterwards.
# Usage: bash scripts/install.sh [npm install flags, e.g. --prefix /opt/plancton]
set -euo pipefail
cd "$(dirname "$0")/.."
# The build needs the dev dependencies (TypeScript); the installed copy does not.
[ -x node_modules/.bin/tsc ] || npm ci --no-audit --no-fund
tgz="$(npm pack --silent | tail -n 1)"
trap 'rm -f "$tgz"' EXIT
npm install --global --no-audit --no-fund --prefer-offline "$@" "./$tgz"
echo "installed $tgz: planctonctl and plancton-bootstrap are in $(npm prefix --global "$@")/bin"
