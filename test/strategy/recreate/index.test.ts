import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recreate } from '../../../src/strategy/recreate/index.js';
import { config, planInput } from '../helpers.js';

const step = recreate.planApply(planInput(config('')));

test('recreate plans compose up of the given tag, the gate, and where the record and log go', () => {
  assert.equal(step.title, 'apply detached on the server, health gate, roll back on failure');
  assert.deepEqual(step.does, [
    'back up a changed <dir>/.env to .env.bak-YYYYMMDD-HHMMSS; put the release in place',
    'IMAGE_TAG=v2 compose -p shop up -d --remove-orphans',
    'health gate within 120s: healthy: web',
    'pass: last_good_tag, keep 4 good tags; fail: previous release back, gated again',
    'record: <dir>/.gangway/releases.jsonl; log: <dir>/.gangway/runs/r1.log',
  ]);
});

test('recreate: every host, Compose needed, two gates and five minutes, STRATEGY=recreate and recreate.sh', () => {
  assert.deepEqual(recreate.deployHosts(['a', 'b']), ['a', 'b']);
  assert.equal(recreate.composeStandIn, undefined);
  assert.equal(recreate.pullsByDigest, true);
  assert.equal(recreate.deadlineMs(step), 2 * 120_000 + 300_000);
  const release = recreate.release(step, new Map());
  assert.deepEqual(release.vars, [['STRATEGY', 'recreate']]);
  assert.deepEqual(
    release.files.map((f) => [f.name, f.mode]),
    [['recreate.sh', 0o644]],
  );
  assert.equal(recreate.kept, undefined);
});
