import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeWave, rolloutWaves } from '../../src/deploy/rollout-waves.js';

const hosts = ['a', 'b', 'c', 'd', 'e'];
const names = (w: { hosts: string[] }[]) => w.map((x) => x.hosts.join(''));

test('default: every host in one wave (all at once, as before rollouts)', () => {
  assert.deepEqual(names(rolloutWaves(hosts, { canary: 0 })), ['abcde']);
});

test('canaries first, then the rest at once when no batch is set', () => {
  const waves = rolloutWaves(hosts, { canary: 1 });
  assert.deepEqual(names(waves), ['a', 'bcde']);
  assert.equal(waves[0]!.kind, 'canary');
  assert.equal(
    describeWave(waves[1]!, waves, (h) => h),
    'batch 1 of 1 (b, c, d, e)',
  );
});

test('batches of a count; the last one takes what is left', () => {
  const waves = rolloutWaves(hosts, { canary: 1, batch: { count: 3 } });
  assert.deepEqual(names(waves), ['a', 'bcd', 'e']);
  assert.equal(
    describeWave(waves[0]!, waves, (h) => h),
    'canary (a)',
  );
  assert.equal(
    describeWave(waves[2]!, waves, (h) => h),
    'batch 2 of 2 (e)',
  );
});

test('a percentage is of all the hosts, rounded up, at least one', () => {
  assert.deepEqual(names(rolloutWaves(hosts, { canary: 0, batch: { percent: 40 } })), ['ab', 'cd', 'e']);
  assert.deepEqual(names(rolloutWaves(hosts, { canary: 0, batch: { percent: 1 } })), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(names(rolloutWaves(hosts, { canary: 0, batch: { percent: 100 } })), ['abcde']);
});

test('more canaries than hosts (--host narrowed the target): every host is a canary', () => {
  assert.deepEqual(names(rolloutWaves(['a', 'b'], { canary: 3, batch: { count: 1 } })), ['ab']);
});
