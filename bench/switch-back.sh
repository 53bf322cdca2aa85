#!/usr/bin/env bash
# Prints the switch-back after a failed deploy (issue 25): v1 → v2 → a release whose health fails →
# `gangway rollback`, under 4 keep-alive clients through the proxy. For the rollback: seconds from its start until
# clients first see v1, the command's seconds and failed requests; side by side with another build of gangway
# (BASELINE: its bin/gangway.js, e.g. the main checkout's) when given. On test host 43 (scripts/test-hosts.sh),
# which test/deploy/switch-back.itest.ts uses too: run it when that test is not running. Figures, not a test.
#   bench/switch-back.sh [BASELINE]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test-env.sh >/dev/null
scripts/test-hosts.sh host 43 >/dev/null
scripts/caddy-image.sh >/dev/null
npm run --silent build
exec node --import tsx bench/switch-back.ts "$@"
