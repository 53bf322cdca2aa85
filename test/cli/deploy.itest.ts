/** `gangway deploy --dry-run` against the local Docker engine: the plan is shown even when preflight fails. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gangway } from '../helpers/cli.js';
import { copyExample } from '../helpers/example.js';

test('deploy --dry-run prints the plan after a failed preflight, marks the failed check, exits 3', () => {
  const dir = copyExample('quickstart');
  const envFile = join(dir, 'quickstart.env');
  writeFileSync(envFile, readFileSync(envFile, 'utf8').replace(/^GREETING=.*$/m, ''));
  const r = gangway(['-c', join(dir, 'gangway.yml'), 'deploy', 'local', '--dry-run', '--tag', 'dry1']);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout, /\[fail\] env contract — GREETING is in the template but missing from the env file/);
  assert.match(r.stdout, /plan: release \S+, deploy, tag dry1/);
  assert.match(r.stdout, /apply detached on the server, health gate, roll back on failure/);
  assert.match(r.stdout, /dry run: nothing was changed/);
  assert.match(r.stderr, /preflight failed: 1 check failed; nothing was changed/);
  assert.ok(!existsSync(join(dir, '.gangway', 'local')), 'no deploy directory was created');
});

test("a value equal to one of gangway's words does not mask it: 'template' in .env, the contract message whole", () => {
  const dir = copyExample('quickstart');
  const envFile = join(dir, 'quickstart.env');
  const text = readFileSync(envFile, 'utf8')
    .replace(/^GREETING=.*$/m, '')
    .replace(/^API_TOKEN=.*$/m, 'API_TOKEN=template');
  writeFileSync(envFile, text);
  const r = gangway(['-c', join(dir, 'gangway.yml'), 'deploy', 'local', '--dry-run', '--tag', 'dry2']);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout, /\[fail\] env contract — GREETING is in the template but missing from the env file/);
  assert.doesNotMatch(r.stdout + r.stderr, /[\uE000\uE001]/, 'no own-words mark reaches the output');
});
