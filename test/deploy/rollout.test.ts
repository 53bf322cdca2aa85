import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RolloutSettings } from '../../src/config/config.js';
import { runRollout, type RolloutWork } from '../../src/deploy/rollout.js';

interface Fake {
  host: string;
  result: string;
}

/** Hosts whose run fails are named in `failing`; every call is logged in order. */
function fleet(failing: string[], interrupt: { why?: string; during?: string } = {}) {
  const log: string[] = [];
  const work: RolloutWork<string, Fake> = {
    label: (h) => h,
    run: async (h) => {
      log.push(`run ${h}`);
      if (interrupt.during === h) interrupt.why = 'SIGINT'; // Ctrl-C while this host is mid-apply
      await new Promise((r) => setTimeout(r, 5));
      return { host: h, result: failing.includes(h) ? 'rolled_back' : 'succeeded' };
    },
    notStarted: (h, why) => {
      log.push(`not started ${h}: ${why}`);
      return { host: h, result: 'unchanged' };
    },
    revert: async (h, _moved, why) => {
      log.push(`revert ${h} (${why.replace('the rollout failed on ', '')})`);
      return { host: h, result: 'reverted' };
    },
    kept: (moved) => ({ ...moved, result: 'kept' }),
    say: (line) => log.push(`say ${line}`),
    sleep: async (ms) => {
      log.push(`sleep ${ms}`);
    },
    interrupted: () => interrupt.why,
  };
  return { log, work };
}

const settings = (s: Partial<RolloutSettings>): RolloutSettings => ({
  canary: 0,
  pauseMs: 0,
  onFailure: 'rollback_all',
  ...s,
});
const results = (o: Fake[]) => o.map((x) => `${x.host}:${x.result}`).join(' ');

test('all succeed: canary, then batches with the pause between them', async () => {
  const { log, work } = fleet([]);
  const out = await runRollout(['a', 'b', 'c', 'd'], settings({ canary: 1, batch: { count: 2 }, pauseMs: 50 }), work);
  assert.equal(results(out), 'a:succeeded b:succeeded c:succeeded d:succeeded');
  assert.deepEqual(
    log.filter((l) => !l.startsWith('run')),
    [
      'say canary (a)',
      'say pause 50ms before the next batch',
      'sleep 50',
      'say batch 1 of 2 (b, c)',
      'say pause 50ms before the next batch',
      'sleep 50',
      'say batch 2 of 2 (d)',
    ],
  );
});

test('the canary fails: no other host starts, nothing to put back', async () => {
  const { log, work } = fleet(['a']);
  const out = await runRollout(['a', 'b', 'c'], settings({ canary: 1 }), work);
  assert.equal(results(out), 'a:rolled_back b:unchanged c:unchanged');
  assert.deepEqual(
    log.filter((l) => l.startsWith('run')),
    ['run a'],
  );
});

test('batch 2 fails on one host: the canary and batch 1 are put back, later batches never start', async () => {
  const { log, work } = fleet(['d']);
  const out = await runRollout(['a', 'b', 'c', 'd', 'e', 'f'], settings({ canary: 1, batch: { count: 2 } }), work);
  // e ran beside d in the failing batch and passed: it moved, so it goes back too.
  assert.equal(results(out), 'a:reverted b:reverted c:reverted d:rolled_back e:reverted f:unchanged');
  assert.ok(['a', 'b', 'c', 'e'].every((h) => log.includes(`revert ${h} (d)`)));
  assert.ok(!log.includes('run f'));
});

test('on_failure: stop leaves the moved hosts where they are', async () => {
  const { log, work } = fleet(['c']);
  const out = await runRollout(['a', 'b', 'c'], settings({ batch: { count: 1 }, onFailure: 'stop' }), work);
  assert.equal(results(out), 'a:kept b:kept c:rolled_back');
  assert.ok(!log.some((l) => l.startsWith('revert')));
  assert.ok(log.some((l) => /stay on the new release \(on_failure: stop\)/.test(l)));
});

test('all at once: every host runs, and a failure puts the others back', async () => {
  const { work } = fleet(['b']);
  const out = await runRollout(['a', 'b', 'c'], settings({}), work);
  assert.equal(results(out), 'a:reverted b:rolled_back c:reverted');
});

test('interrupted while the canary is mid-apply: it finishes, goes back; no other host starts', async () => {
  const { log, work } = fleet([], { during: 'a' });
  const out = await runRollout(['a', 'b', 'c', 'd'], settings({ canary: 1, batch: { count: 1 } }), work);
  assert.equal(results(out), 'a:reverted b:unchanged c:unchanged d:unchanged');
  assert.deepEqual(
    log.filter((l) => l.startsWith('run')),
    ['run a'],
  );
  assert.ok(log.includes('revert a (the run was interrupted (SIGINT))'), log.join('\n'));
  assert.ok(log.includes('not started b: the run was interrupted (SIGINT)'));
  assert.ok(log.includes('say interrupted (SIGINT): putting a back (on_failure: rollback_all)'), log.join('\n'));
});

test('interrupted in the pause after batch 1: the later batches never start; with stop, the moved stay', async () => {
  const interrupt: { why?: string } = {};
  const { log, work } = fleet([], interrupt);
  work.sleep = async () => {
    interrupt.why = 'SIGTERM';
  };
  const out = await runRollout(['a', 'b', 'c'], settings({ batch: { count: 1 }, pauseMs: 1, onFailure: 'stop' }), work);
  assert.equal(results(out), 'a:kept b:unchanged c:unchanged');
  assert.ok(!log.some((l) => l.startsWith('say batch 2')));
  assert.ok(log.includes('say interrupted (SIGTERM): a stay on the new release (on_failure: stop)'), log.join('\n'));
});
