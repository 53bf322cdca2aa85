#!/usr/bin/env bash
# Prints, side by side: the same deploy (v1 → v2) under the same load, as a plain blue/green switch and as a
# traffic canary (proxy.canary, steps 5/25/50 %): seconds until every request goes to v2, the command's seconds,
# and how many requests each version answered meanwhile. On test host 41 (scripts/test-hosts.sh), which the
# canary's integration test uses too: run it when that test is not running. Figures, not a test.
#   bench/canary.sh [INTERVAL]      each canary step's interval (default 5s)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test-env.sh >/dev/null
scripts/test-hosts.sh host 41 >/dev/null
scripts/caddy-image.sh >/dev/null
npm run --silent build
exec node --import tsx bench/canary.ts "${1:-5s}"
