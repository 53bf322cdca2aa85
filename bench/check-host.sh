#!/usr/bin/env bash
# Whole-process time of `gangway check` against the test sshd (scripts/test-env.sh) next to what a user would
# run by hand instead: `ssh host 'docker info && docker compose version'` with the OpenSSH client (on Debian:
# apt-get install openssh-client). Medians of RUNS (default 5), alternating the two; prints figures, not a test.
# Also the CLI's own start (`gangway --version`) and the check's counts (gangway -vv). Under a background load it
# makes itself (one core kept busy: bench/background-load.sh; BENCH_LOAD=0: none). GANGWAY_BIN: another build's
# bin/gangway.js to measure (e.g. an older checkout's, for before/after figures).
#   bench/check-host.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=/dev/null  # (linted on its own)
. bench/background-load.sh
runs="${1:-5}"
gangway_bin="${GANGWAY_BIN:-bin/gangway.js}"
testenv="${GANGWAY_TESTENV:-/tmp/gangway-testenv}"
[ -f "$testenv/env" ] || { echo "the test environment is not running: scripts/test-env.sh" >&2; exit 1; }
# shellcheck source=/dev/null
. "$testenv/env"
command -v ssh >/dev/null || { echo "needs the OpenSSH client: apt-get install openssh-client" >&2; exit 1; }
[ -f dist/cli/main.js ] || npm run --silent build
work=$(mktemp -d)
trap 'stop_background_load; rm -rf "$work"' EXIT

host="$GANGWAY_TEST_SSH_HOST" port="$GANGWAY_TEST_SSH_PORT" key="$testenv/client_ed25519"
echo "[$host]:$port $(cut -d' ' -f1,2 "$testenv/host_target_ed25519.pub")" > "$work/known_hosts"
# Compose interpolates these, not the shell: a quoted here-document keeps them as written.
cat > "$work/docker-compose.yml" <<'YML'
services:
  web:
    image: busybox:${IMAGE_TAG:-x}
    environment: { GREETING: "${GREETING}" }
YML
echo 'GREETING=hello' > "$work/.env"
cat > "$work/gangway.yml" <<YML
app: benchcheck
compose: docker-compose.yml
env: { file: .env }
targets:
  test:
    hosts: ["root@$host:$port"]
    dir: /tmp/gangway-bench-check/app
    ssh: { key: $key, known_hosts: $work/known_hosts, config: false }
YML

ms() {
  local s e
  s=$(date +%s%N)
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  e=$(date +%s%N)
  echo $(( (e - s) / 1000000 ))
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
gangway=(node "$gangway_bin" -c "$work/gangway.yml" check)
plain=(ssh -i "$key" -o UserKnownHostsFile="$work/known_hosts" -o BatchMode=yes -p "$port" "root@$host"
  'docker info && docker compose version')
version=(node "$gangway_bin" --version)
ms "${gangway[@]}" >/dev/null; ms "${plain[@]}" >/dev/null   # warm caches
start_background_load
describe_load "before the runs"
g=() p=() v=()
for _ in $(seq "$runs"); do
  g+=("$(ms "${gangway[@]}")"); p+=("$(ms "${plain[@]}")"); v+=("$(ms "${version[@]}")")
done
gm=$(printf '%s\n' "${g[@]}" | median) pm=$(printf '%s\n' "${p[@]}" | median) vm=$(printf '%s\n' "${v[@]}" | median)
echo "gangway check (one SSH host): median ${gm} ms (runs: ${g[*]})"
echo "ssh host 'docker info && docker compose version': median ${pm} ms (runs: ${p[*]})"
awk -v g="$gm" -v p="$pm" 'BEGIN { printf "ratio: %.2f× (target: ≤ 1.2×)\n", g / p }'
echo "gangway --version: median ${vm} ms (runs: ${v[*]}; target ≤ 250 ms)"
echo "gangway check's counts (raw: 1 connection, 1 round trip naming docker and docker compose; 1 local process):"
"${gangway[@]}" -vv >/dev/null 2>"$work/check.err" || true
grep '^counts ' "$work/check.err" | sed 's/^/  /' || echo "  none printed (a gangway from before the counts)"
describe_load "after the runs"
