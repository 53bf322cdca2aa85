#!/usr/bin/env bash
# Prints, side by side in one run: failed requests and p50/p99/max latency under the same steady load during the
# same deploy (v1 → v2), for today's recreate strategy and for blue/green behind Caddy; and how many seconds a
# switch-back rollback takes until clients see the old version. Uses the real test environment
# (scripts/test-env.sh: dockerd, sshd on 127.0.0.1:2222, the Caddy image). Figures, not a test.
#   bench/zero-downtime.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test-env.sh >/dev/null
npm run --silent build
exec node --import tsx bench/zero-downtime.ts
