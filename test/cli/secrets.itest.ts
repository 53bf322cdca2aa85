/**
 * Canary secrets (with `"`, `\`, a tab and surrounding spaces) through whole CLI invocations: every byte gangway
 * printed or wrote is scanned for each canary in every form (canary.ts: raw, trimmed, per line, base64, URL- and
 * form-encoded, JSON-escaped, Go-quoted). Zero hits — including the paths where Compose's own error messages
 * echo a value, raw or Go-quoted (`%q`), in text and --json output.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { canaryEnvFile, CANARIES, findLeaks } from '../helpers/canary.js';
import { gangway, type CliResult } from '../helpers/cli.js';
import { tempDir, testEnv, writeKnownHosts } from '../helpers/testenv.js';

function canaryProject(envText: string, compose: string): { dir: string; config: string } {
  const env = testEnv();
  const dir = tempDir();
  const knownHosts = writeKnownHosts(dir, [{ port: env.port, key: 'target' }]);
  writeFileSync(join(dir, 'docker-compose.yml'), compose);
  writeFileSync(join(dir, '.env'), envText);
  writeFileSync(join(dir, 'env.template'), 'DB_PASSWORD=\nAPI_TOKEN=\nMULTILINE_KEY=\nMISSING_KEY=\n');
  writeFileSync(
    join(dir, 'gangway.yml'),
    `app: canary
compose: docker-compose.yml
env: { file: .env, template: env.template }
image: { name: canary/app, tag: v1, registry: { username: ci, password_env: GW_REGISTRY_PASSWORD } }
health: { services: [app, ghost] }
targets:
  local: { hosts: [local], dir: ./.gangway/local }
  ssh:
    hosts: ["root@${env.host}:${env.port}"]
    dir: /tmp/gangway-canary-itest
    ssh: { key: ${env.clientKey}, known_hosts: ${knownHosts}, config: false }
`,
  );
  return { dir, config: join(dir, 'gangway.yml') };
}

const COMPOSE_ECHOING_VALUES = `services:
  app:
    image: canary/app:\${IMAGE_TAG:?IMAGE_TAG required}
    environment:
      DB_PASSWORD: \${DB_PASSWORD}
      API_TOKEN: \${API_TOKEN}
      MULTILINE_KEY: \${MULTILINE_KEY}
    ports:
      - "\${DB_PASSWORD}:80"
`;

/** Compose's interpolation error quotes the value Go's way: `parsing "canary-db-Zq8#pW!3x\"q\\z"`. */
const COMPOSE_QUOTING_VALUES = `services:
  app:
    image: canary/app:\${IMAGE_TAG:?IMAGE_TAG required}
    cpus: "\${DB_PASSWORD}"
`;

/** Every output of the runs and every file written into the project (but the env file itself). */
function outputsAndFiles(dir: string, runs: Record<string, CliResult>): Record<string, string> {
  const places: Record<string, string> = {};
  for (const [name, r] of Object.entries(runs)) {
    places[`${name} stdout`] = r.stdout;
    places[`${name} stderr`] = r.stderr;
  }
  for (const file of readdirSync(dir))
    if (file !== '.env') places[`file ${file}`] = readFileSync(join(dir, file), 'utf8');
  return places;
}

test('check, env diff and init with canary secrets print none of them, in any form', () => {
  const { dir, config } = canaryProject(canaryEnvFile(`BROKEN='${CANARIES.DB_PASSWORD}\n`), COMPOSE_ECHOING_VALUES);
  const env = { GW_REGISTRY_PASSWORD: CANARIES.REGISTRY };
  const runs: Record<string, CliResult> = {
    checkLocal: gangway(['-c', config, 'check', 'local'], { env }),
    checkLocalJson: gangway(['-c', config, '--json', '-v', 'check', 'local'], { env }),
    checkSsh: gangway(['-c', config, 'check', 'ssh'], { env }),
    checkSshJson: gangway(['-c', config, '--json', 'check', 'ssh'], { env }),
    envDiff: gangway(['-c', config, 'env', 'diff', 'ssh'], { env }),
    envDiffJson: gangway(['-c', config, '--json', 'env', 'diff', 'ssh'], { env }),
    init: gangway(['init', '--force'], { cwd: dir, env }),
  };
  // The failing paths really ran: compose rejected the port made of a secret, the lint saw the broken quote.
  assert.equal(runs.checkLocal!.code, 3);
  assert.match(
    runs.checkLocal!.stdout,
    /compose config \(local Compose\) — .*\*\*\*/,
    'Compose echoed the value and it was masked',
  );
  assert.match(runs.checkLocal!.stdout, /unterminated/);
  assert.match(runs.checkLocal!.stdout, /MISSING_KEY is in the template but missing/);
  assert.match(runs.checkLocal!.stdout, /health service ghost — not a service/);
  assert.equal(runs.checkSsh!.code, 3);
  assert.match(runs.checkSsh!.stdout, /host root@.*\n[\s\S]*compose config — .*\*\*\*/);

  assert.deepEqual(findLeaks(outputsAndFiles(dir, runs)), []);
});

test('a value Compose quotes Go-style in its error is masked in text and --json output', () => {
  const { dir, config } = canaryProject(canaryEnvFile(), COMPOSE_QUOTING_VALUES);
  const env = { GW_REGISTRY_PASSWORD: CANARIES.REGISTRY };
  const runs: Record<string, CliResult> = {
    checkLocal: gangway(['-c', config, 'check', 'local'], { env }),
    checkLocalJson: gangway(['-c', config, '--json', 'check', 'local'], { env }),
    checkSsh: gangway(['-c', config, 'check', 'ssh'], { env }),
    checkSshJson: gangway(['-c', config, '--json', 'check', 'ssh'], { env }),
  };
  // The failing path really ran: Compose quoted the value in its error, and the quoted form was masked.
  assert.equal(runs.checkLocal!.code, 3);
  assert.match(runs.checkLocal!.stdout, /compose config \(local Compose\) — .*parsing "\*\*\*": invalid syntax/);
  assert.match(runs.checkSsh!.stdout, /compose config — .*parsing "\*\*\*": invalid syntax/);
  assert.match(runs.checkLocalJson!.stdout, /parsing \\"\*\*\*\\": invalid syntax/);
  assert.deepEqual(findLeaks(outputsAndFiles(dir, runs)), []);
});
