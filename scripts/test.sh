#!/usr/bin/env bash
# The test command (README, .ci/run): starts the real test environment, then runs the tests.
#   scripts/test.sh            unit + integration (needs root for dockerd/sshd on a fresh machine)
#   scripts/test.sh unit       unit tests only (no Docker, no sshd)
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s globstar nullglob

kind="${1:-all}"
unit=(test/**/*.test.ts)
integration=(test/**/*.itest.ts)

# Every shell file is linted: the server scripts as POSIX sh, the project's own scripts as bash.
if ! command -v shellcheck >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "shellcheck is missing: apt-get install shellcheck" >&2; exit 1; }
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null
fi
shellcheck -s sh src/server/sh/*.sh
shellcheck scripts/*.sh scripts/postgres-image/*.sh bench/*.sh examples/quickstart/*.sh

# No line over 120 characters in the project's own code: every tracked .ts/.sh/.mjs/.js file outside node_modules/,
# dist/ and schema/ (Prettier wraps code at 120 but leaves long strings and comments alone).
own_files=$(git ls-files -- '*.ts' '*.sh' '*.mjs' '*.js' ':(exclude)node_modules' ':(exclude)dist' ':(exclude)schema')
mapfile -t own <<<"$own_files"
grep_status=0
too_long=$(LC_ALL=C.UTF-8 grep -HnE '.{121,}' -- "${own[@]}") || grep_status=$?
if [ "$grep_status" -gt 1 ]; then
  echo "test.sh: the line-length check could not read the files" >&2
  exit 1
fi
if [ -n "$too_long" ]; then
  echo "test.sh: lines over 120 characters (wrap them: split strings, break comments):" >&2
  while IFS=: read -r file line text; do
    echo "  $file:$line: ${#text} characters" >&2
  done <<<"$too_long"
  exit 1
fi

npx --no-install tsc -p tsconfig.json --noEmit
# Formatting (Prettier) and lint (ESLint + typescript-eslint) are part of the test.
npx --no-install prettier --check --log-level warn "src/**/*.ts" "test/**/*.ts" "scripts/**/*.{ts,mjs}"
npx --no-install eslint .
npx --no-install tsx scripts/generate-schema.ts --check
npx --no-install tsx scripts/generate-layout-sh.ts --check   # src/server/sh/layout.sh, from src/server/layout.ts
npx --no-install tsx scripts/generate-docs.ts --check   # docs/configuration.md, commands.md, errors.md
npm run --silent build   # CLI tests run the built bin/gangway.js

files=("${unit[@]}")
if [ "$kind" != unit ]; then
  scripts/test-env.sh
  # Separate hosts: each its own network namespace, dockerd, sshd and user; host 3 a current engine with the
  # containerd image store.
  scripts/test-hosts.sh 2
  scripts/test-hosts.sh host 3 containerd
  scripts/test-hosts.sh host 4 # its sessions are killed by a test: no other file may share its sshd
  scripts/test-hosts.sh host 6 # the sync tests' second classic engine: their own images only, never cleared
  for n in 11 12 13 14; do scripts/test-hosts.sh host "$n"; done # the fleet of test/deploy/fleet.itest.ts
  scripts/test-hosts.sh host 32 # test/monitoring/monitoring.itest.ts: its proxy, node_exporter and Prometheus
  scripts/test-hosts.sh host 33 # test/backup/files.itest.ts: the server of its file backups
  scripts/test-hosts.sh host 34 # test/backup/files.itest.ts: the off-site copy host (SFTP)
  scripts/test-hosts.sh host 41 # canary.itest: its proxy with the traffic canary, under load
  scripts/test-hosts.sh host 42 # maintenance.itest: its proxy (maintenance mode, headers, body limit)
  scripts/test-hosts.sh host 43 # switch-back.itest: its proxy, a failed deploy and the rollback after it
  scripts/test-hosts.sh host 44 # test/backup/s3.itest.ts: the server of its S3 copies (the S3 server: test-env.sh)
  scripts/test-hosts.sh host 45 # reused-tag.itest: a tag pushed again, pulled through its link's registry, rolled back
  # The Swarm of test/swarm/swarm.itest.ts: host 21 the manager, 22 and 23 workers, on a link and registry of their own
  # (test/server/file-modes.itest.ts deploys a stack there too, and a blue/green app to host 21's engine).
  scripts/test-hosts.sh swarm 21 22 23
  files+=("${integration[@]}")
fi
# Tests work on copies in temp dirs: the checkout (a user's own deploy of an example included) must come out as it
# went in. Ignored files count too; dist/ and node_modules/ belong to the build.
checkout_state() {
  git status --porcelain --ignored --untracked-files=all -- . ':!dist' ':!node_modules' 2>/dev/null | sort || true
}
before=$(checkout_state)

# The suite's peak load (issue 21: a test that passes only on a quiet machine is a defect): every 5 s, the 1-minute
# load average and the CPU pressure (some avg10, where the kernel has PSI) into a temp file; the peak at the end.
load_samples=""
load_sampler=""
sample_load() {
  local one psi
  read -r one _ </proc/loadavg
  psi=$(sed -n 's/^some avg10=\([0-9.]*\).*/\1/p' /proc/pressure/cpu 2>/dev/null || true)
  echo "$(date +%s) $one ${psi:--}" >>"$load_samples"
}
start_load_sampler() {
  [ -r /proc/loadavg ] || return 0
  load_samples=$(mktemp)
  (
    # The sleep is waited for, so a TERM ends it with the loop at once (no stray sleep left behind).
    trap 'kill "$nap" 2>/dev/null; exit 0' TERM
    while :; do
      sample_load
      sleep 5 &
      nap=$!
      wait "$nap"
    done
  ) &
  load_sampler=$!
  trap stop_load_sampler EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
stop_load_sampler() {
  [ -n "$load_sampler" ] || return 0
  kill "$load_sampler" 2>/dev/null || true
  wait "$load_sampler" 2>/dev/null || true
  load_sampler=""
  sample_load
  awk '{ if (NR == 1) first = $1; last = $1; if ($2 > load) load = $2 }
    $3 != "-" { psi = 1; if ($3 > cpu) cpu = $3 }
    END { printf "test.sh: peak load average %s (1 min), CPU pressure some avg10 max %s %%, over %d s\n",
      load + 0, psi ? cpu + 0 : "n/a", last - first }' "$load_samples" >&2
  rm -f "$load_samples"
}
# Two files at a time (the machines have two cores): the integration files share one dockerd, sshd and registry,
# each with its own compose projects, ports and server directories; the one host-wide thing, the blue/green proxy
# (gangway-proxy, ports 18180/18543), is used by test/deploy/blue-green.itest.ts alone (file-modes.itest.ts has its
# own on host 21's engine, ports 19540/19541; reused-tag.itest.ts publishes 19560/19561 there). Fixed ports stay in
# 19300-19599; test/helpers/deploy-project.ts reserves the others under /tmp/gangway-test-ports, emptied here.
# 1,230 tests: ~26 min here, about twice that one file at a time.
status=0
# When CI itself runs on GitHub Actions, gangway would print ::add-mask:: lines (raw secrets, for the runner to hide)
# in every test: only test/output/github-actions.itest.ts asks for them, by setting these itself.
unset GITHUB_ACTIONS GITHUB_STEP_SUMMARY
rm -rf /tmp/gangway-test-ports   # (the port reservations of an earlier run: none of its tests is running)
start_load_sampler
# --test-timeout: a test that hangs (a wait with no end) fails after 30 min instead of holding the run until CI's
# own limit, with no word of which test it was.
node --import tsx --test --test-concurrency=2 --test-timeout=1800000 --test-reporter=spec "${files[@]}" || status=$?
stop_load_sampler
after=$(checkout_state)
if [ "$before" != "$after" ]; then
  echo "test.sh: the tests changed the checkout (they must work on temp copies):" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  status=1
fi
exit "$status"
