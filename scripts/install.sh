#!/usr/bin/env bash
# Installs planctonctl and plancton-bootstrap as a standalone copy, not a link into this
# clone (which `npm install -g .` would make): builds, packs the tarball npm would publish,
# and installs that globally. The clone can be moved or deleted afterwards.
# What is installed is what was tested: the tarball carries npm-shrinkwrap.json (made from
# package-lock.json at pack time), but npm (11) resolves a local tarball's dependencies
# anew all the same (npm/cli#5325), so `npm ci` in the installed copy then puts exactly the
# shrinkwrap's tree in place. No install script runs as root (--ignore-scripts: the tree's
# only ones build optional native add-ons or print a notice, see scripts/check-install.ts),
# and the installed versions are checked against package-lock.json: any difference fails.
# Usage: bash scripts/install.sh [npm install flags, e.g. --prefix /opt/plancton]
set -euo pipefail
cd "$(dirname "$0")/.."
# The build needs the dev dependencies (TypeScript); the installed copy does not.
[ -x node_modules/.bin/tsc ] || npm ci --no-audit --no-fund --ignore-scripts
tgz="$(npm pack --silent | tail -n 1)"
trap 'rm -f "$tgz" npm-shrinkwrap.json' EXIT
tar -xOzf "$tgz" package/npm-shrinkwrap.json >/dev/null ||
  { echo "install.sh: $tgz carries no npm-shrinkwrap.json: refusing to resolve versions anew" >&2; exit 1; }
npm install --global --no-audit --no-fund --prefer-offline --ignore-scripts "$@" "./$tgz"
pkg="$(npm root --global "$@")/plancton"
(cd "$pkg" && npm ci --omit=dev --no-audit --no-fund --prefer-offline --ignore-scripts)
node --import tsx scripts/check-install.ts package-lock.json "$pkg"
echo "installed $tgz: planctonctl and plancton-bootstrap are in $(npm prefix --global "$@")/bin"
