/** A server with only docker-compose v1 (no v2 plugin): check notes the fallback, deploy and rollback work with it. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gangway } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { buildWebImage } from '../helpers/images.js';

let p: DeployProject;
before(async () => {
  await buildWebImage('gangway-test/web:v1', { version: 'v1' });
  await buildWebImage('gangway-test/web:v2', { version: 'v2' });
  await buildWebImage('gangway-test/web:bad', { version: 'bad', healthy: false });
  p = deployProject({ server: 'v1' });
});
after(() => p.cleanup());

test('check reports the Compose v1 fallback as a warning, not a failure', () => {
  const r = gangway(['-c', p.config, 'check']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\[warn\] Compose — docker-compose 1\.\d+\.\d+ \(v1, end of life; falling back to it/);
  assert.match(r.stdout, /\[ok\] compose config — valid for docker-compose 1\./);
});

test('deploy v1, v2 and a bad image with docker-compose v1: rolled back to v2', () => {
  assert.equal(gangway(['-c', p.config, 'deploy', '--tag', 'v1']).code, 0);
  assert.equal(p.serving(), 'v1');
  assert.equal(gangway(['-c', p.config, 'deploy', '--tag', 'v2']).code, 0);
  const bad = gangway(['-c', p.config, 'deploy', '--tag', 'bad']);
  assert.equal(bad.code, 1, bad.stdout + bad.stderr);
  assert.match(bad.stdout, /rolled back: serving v2/);
  assert.equal(p.serving(), 'v2');
  assert.deepEqual(
    p.releases().map((r) => r.status),
    ['succeeded', 'succeeded', 'rolled_back'],
  );
});
