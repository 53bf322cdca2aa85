/**
 * What one deploy costs in round trips (issue 27), read from `--json -vv`'s counts: nothing is asked twice
 * (Compose is found once, by the preflight), and the directories ride in the lock's round trip.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CountsDocument } from '../../src/util/run-counts.js';
import { gangway } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { buildWebImage } from '../helpers/images.js';

const IMAGE = 'gangway-test/web';
let project: DeployProject | undefined;

before(async () => {
  await buildWebImage(`${IMAGE}:v1`, { version: 'v1' });
  await buildWebImage(`${IMAGE}:v2`, { version: 'v2' });
});
after(() => project?.cleanup());

test('a deploy of an image on the server: one preflight round trip, the lock and the directories in one more', () => {
  const p = (project = deployProject());
  const first = gangway(['-c', p.config, 'deploy', 'e2e', '--tag', 'v1', '--yes']);
  assert.equal(first.code, 0, first.stdout + first.stderr);

  const r = gangway(['-c', p.config, '--json', '-vv', 'deploy', 'e2e', '--tag', 'v2', '--yes']);
  assert.equal(r.code, 0, r.stderr);
  const { counts } = JSON.parse(r.stdout) as { counts: CountsDocument };
  const hosts = Object.values(counts.hosts);
  assert.equal(hosts.length, 1);
  const [host] = hosts;
  assert.equal(host!.connections, 1);
  const { commands } = host!;
  // The preflight's one script gathers the host's facts and finds the server's Compose; nothing asks again.
  assert.equal(commands['sh -s'], 1, JSON.stringify(commands));
  assert.equal(commands['sh -c'], undefined, JSON.stringify(commands));
  assert.equal(commands['host-facts.sh'], undefined, JSON.stringify(commands));
  assert.equal(commands['docker compose version'], undefined, JSON.stringify(commands));
  assert.equal(commands['docker-compose version'], undefined, JSON.stringify(commands));
  // The lock's round trip makes the directories and reads the server's state too (after-lock.sh).
  assert.equal(commands['lock-then.sh'], 1, JSON.stringify(commands));
  assert.equal(commands['lock.sh'], undefined, JSON.stringify(commands));
  assert.equal(commands.dirs, undefined, JSON.stringify(commands));
  assert.equal(commands['state.sh'], undefined, JSON.stringify(commands));
  assert.equal(commands['start.sh'], 1, JSON.stringify(commands));
  // Printed for people too, at -vv.
  assert.match(r.stderr, /^counts root@127\.0\.0\.1:\d+: 1 connection, \d+ round trips/m);
  assert.match(r.stderr, /^counts local: \d+ process/m);
  assert.ok(counts.local.processes >= 1, 'the local compose config ran');
  assert.equal(p.serving(), 'v2');
});
