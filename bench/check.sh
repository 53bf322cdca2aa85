#!/usr/bin/env bash
# Times gangway's local preflight on a 500-key env file and a 20-service compose file (target: < 300 ms).
# Prints figures; it is not a test. The in-process figure leaves out the local `docker compose config -q`
# (that measures Compose, not gangway); the whole-process figure after it includes it when docker is installed.
#   bench/check.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
[ -f dist/cli/main.js ] || npm run --silent build
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

node - "$work" <<'JS'
const fs = require('fs'); const path = require('path'); const dir = process.argv[2];
let env = '', template = '';
for (let i = 0; i < 500; i++) { env += `KEY_${i}=value-${i}-${'x'.repeat(i % 40)}\n`; template += `KEY_${i}=\n`; }
fs.writeFileSync(path.join(dir, '.env'), env); fs.writeFileSync(path.join(dir, 'env.template'), template);
let compose = 'services:\n';
for (let i = 0; i < 20; i++) {
  compose += [
    `  svc${i}:`,
    '    image: bench/app:${IMAGE_TAG:?IMAGE_TAG required}',
    '    environment:',
    `      A: \${KEY_${i}}`,
    `      B: \${KEY_${i + 20}:-fallback}`,
    `    ports: ["127.0.0.1:${9000 + i}:80"]`,
    '    healthcheck:',
    '      test: ["CMD", "true"]',
    '      interval: 5s',
    '',
  ].join('\n');
}
fs.writeFileSync(path.join(dir, 'docker-compose.yml'), compose);
fs.writeFileSync(path.join(dir, 'gangway.yml'), [
  'app: bench',
  'compose: docker-compose.yml',
  'env: { file: .env, template: env.template }',
  'health: { services: [svc0, svc1] }',
  'targets:',
  '  none: { hosts: ["bench@127.0.0.1:1"], dir: /srv/bench, ssh: { connect_timeout: 1s, config: false } }',
  '',
].join('\n'));
JS

node - "$work" "$runs" <<'JS'
const { performance } = require('perf_hooks');
const dir = process.argv[2]; const runs = Number(process.argv[3]);
(async () => {
  const { loadConfig, selectTarget } = await import(process.cwd() + '/dist/config/load.js');
  const { loadEnvFile } = await import(process.cwd() + '/dist/env/env-file.js');
  const { Scrubber } = await import(process.cwd() + '/dist/redact/scrubber.js');
  const { localChecks } = await import(process.cwd() + '/dist/check/local-checks.js');
  const { envChecks } = await import(process.cwd() + '/dist/check/env-checks.js');
  const { composeChecks } = await import(process.cwd() + '/dist/check/compose-checks.js');
  const times = [];
  let items = 0;
  for (let i = 0; i < runs + 1; i++) {
    const t0 = performance.now();
    const config = await loadConfig(dir + '/gangway.yml');
    const target = selectTarget(config, 'none');
    const env = await loadEnvFile(config.env.file, new Scrubber());
    const all = [
      ...(await localChecks(config, target)),
      ...(await envChecks(config, env)),
      ...(await composeChecks(config, env.entries)),
    ];
    if (i > 0) times.push(performance.now() - t0); // the first run warms the JIT and module cache
    items = all.length;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const spread = `min ${times[0].toFixed(1)} ms, max ${times.at(-1).toFixed(1)} ms over ${runs} runs`;
  console.log(
    `local checks, 500-key env + 20-service compose: median ${median.toFixed(1)} ms, ${spread}` +
      ` (${items} checklist items; target < 300 ms)`,
  );
})();
JS

# The whole CLI process, start to finish (node start-up included), for comparison.
start=$(date +%s%N)
node bin/gangway.js -c "$work/gangway.yml" check none >/dev/null 2>&1 || true
end=$(date +%s%N)
echo "whole \`gangway check\` process incl. node start-up and an SSH refusal: $(( (end - start) / 1000000 )) ms"
