/** `gangway env diff` against a real server's <dir>/.env over SSH: names only, never values. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gangway } from '../helpers/cli.js';
import { findLeaks } from '../helpers/canary.js';
import { tempDir, testEnv, writeKnownHosts } from '../helpers/testenv.js';

const SERVER_DIR = `/tmp/gangway-envdiff-itest-${process.pid}`;

function project(localEnv: string): string {
  const env = testEnv();
  const dir = tempDir();
  const knownHosts = writeKnownHosts(dir, [{ port: env.port, key: 'target' }]);
  writeFileSync(join(dir, 'docker-compose.yml'), 'services: {}\n');
  writeFileSync(join(dir, '.env'), localEnv);
  writeFileSync(
    join(dir, 'gangway.yml'),
    `app: envdiff
compose: docker-compose.yml
env: { file: .env }
targets:
  test:
    hosts: ["root@${env.host}:${env.port}"]
    dir: ${SERVER_DIR}
    ssh: { key: ${env.clientKey}, known_hosts: ${knownHosts}, config: false }
`,
  );
  return join(dir, 'gangway.yml');
}

function serverEnv(text: string | undefined): void {
  execFileSync('rm', ['-rf', SERVER_DIR]);
  if (text === undefined) return;
  execFileSync('mkdir', ['-p', SERVER_DIR]);
  writeFileSync(join(SERVER_DIR, '.env'), text, { mode: 0o600 });
}

const SECRETS = {
  SAME: 'canary-same-value-1',
  OLD: 'canary-old-value-2',
  NEW: 'canary-new-value-3',
  GONE: 'canary-gone-value-4',
  ADDED: 'canary-added-value-5',
};

test('added, removed and changed keys by name; values never shown', () => {
  serverEnv(`SAME=${SECRETS.SAME}\nCHANGED=${SECRETS.OLD}\nGONE=${SECRETS.GONE}\n`);
  const config = project(`SAME='${SECRETS.SAME}'\nCHANGED=${SECRETS.NEW}\nADDED=${SECRETS.ADDED}\n`);
  const human = gangway(['-c', config, 'env', 'diff']);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /\+ ADDED — added/);
  assert.match(human.stdout, /- GONE — removed/);
  assert.match(human.stdout, /~ CHANGED — changed/);
  assert.match(human.stdout, /1 added, 1 removed, 1 changed, 1 unchanged/);

  const json = gangway(['-c', config, '--json', 'env', 'diff']);
  const doc = JSON.parse(json.stdout);
  assert.deepEqual(doc.hosts[0].diff, { added: ['ADDED'], removed: ['GONE'], changed: ['CHANGED'], unchanged: 1 });

  const exit = gangway(['-c', config, 'env', 'diff', '--exit-code']);
  assert.equal(exit.code, 1);
  assert.deepEqual(
    findLeaks(
      { human: human.stdout + human.stderr, json: json.stdout + json.stderr, exit: exit.stdout + exit.stderr },
      SECRETS,
    ),
    [],
  );
});

test('a server without .env: every key is added; identical files: --exit-code is 0', () => {
  serverEnv(undefined);
  const config = project(`A=${SECRETS.SAME}\n`);
  const r = gangway(['-c', config, '--json', 'env', 'diff']);
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.stdout).hosts[0], {
    host: `root@${testEnv().host}:${testEnv().port}`,
    serverHasEnv: false,
    diff: { added: ['A'], removed: [], changed: [], unchanged: 0 },
  });
  serverEnv(`A="${SECRETS.SAME}"\n`);
  assert.equal(gangway(['-c', config, 'env', 'diff', '--exit-code']).code, 0);
  serverEnv(undefined);
});
