#!/usr/bin/env bash
# Prints the switch-back after a failed deploy (issue 25): v1 → v2 → a release whose health fails →
# `gangway rollback`, under 4 keep-alive clients through the proxy. For the rollback: seconds from its start until
# clients first see v1, the command's seconds and failed requests; side by side with another build of gangway
# (BASELINE: its bin/gangway.js, e.g. the main checkout's) when given. On test host 43 (scripts/test-hosts.sh),
# which test/deploy/switch-back.itest.ts uses too: run it when that test is not running. Figures, not a test.
# BENCH_LOAD=1: with one core kept busy meanwhile (bench/background-load.sh). SWITCH_BACK_TRACE=1: the rollback
# runs with -vv and its lines are printed with the milliseconds since it started (where the time goes).
#   bench/switch-back.sh [BASELINE]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=/dev/null  # (linted on its own)
. bench/background-load.sh
scripts/test-env.sh >/dev/null
scripts/test-hosts.sh host 43 >/dev/null
scripts/caddy-image.sh >/dev/null
npm run --silent build
trap stop_background_load EXIT
BENCH_LOAD=${BENCH_LOAD:-0} start_background_load
describe_load "before the runs"
node --import tsx bench/switch-back.ts "$@"
describe_load "after the runs"
