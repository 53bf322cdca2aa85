#!/usr/bin/env bash
# The README's first command, as a user meets gangway: pack this checkout, install the tarball into an empty
# prefix the way `npm install --global` does, and deploy the quickstart to the local Docker engine with the
# installed `gangway` command (not the checkout's bin/). Run examples/quickstart/prepare.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d "${TMPDIR:-/tmp}/gangway-try.XXXXXX")
trap 'rm -rf "$work"' EXIT
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
npm install --global --prefix "$work/prefix" --no-audit --no-fund --loglevel=error "$work/$tarball"
gangway="$work/prefix/bin/gangway"
echo "installed $("$gangway" --version) from $tarball"
"$gangway" -c examples/quickstart/gangway.yml deploy local --yes
