/** Which event a run is (pure); how a notice reads in Slack and email: formats.test.ts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HostOutcome, RunSummary } from '../../src/deploy/apply-plan.js';
import { LockHeldError } from '../../src/server/lock.js';
import { chooseEvent } from '../../src/notify/notice.js';
import { runEvents } from '../../src/notify/run-notice.js';

const outcome = (result: HostOutcome['result']): HostOutcome => ({
  host: 'a',
  result,
  from: 'v1',
  serving: 'v1',
  bytesSent: 0,
  durationMs: 1,
  steps: [],
});
const summary = (results: HostOutcome['result'][], extra: Partial<RunSummary> = {}): RunSummary => ({
  outcomes: results.map(outcome),
  unfinished: [],
  durationMs: 1000,
  recordFile: '/r',
  ...extra,
});

test('a run is the events it matches, most specific first; a held lock is none', () => {
  assert.deepEqual(runEvents('deploy', summary(['succeeded', 'succeeded'])), ['deploy_succeeded']);
  assert.deepEqual(runEvents('deploy', summary(['succeeded', 'rolled_back'])), ['rolled_back', 'deploy_failed']);
  assert.deepEqual(runEvents('deploy', summary(['reverted', 'failed'])), ['deploy_failed']);
  assert.deepEqual(runEvents('env-only', summary(['unknown'])), ['deploy_failed']);
  assert.deepEqual(runEvents('deploy', summary(['succeeded'], { hookFailure: 'after_deploy failed' })), [
    'deploy_failed',
  ]);
  assert.deepEqual(runEvents('rollback', summary(['failed'])), ['rollback']);
  const lockHeld = new LockHeldError('a', undefined);
  assert.deepEqual(runEvents('deploy', summary(['unchanged'], { lockHeld })), []);
  // A host refusing the image before any change (exit 3) is a preflight failure: none either.
  const refused = { ...outcome('unchanged'), refused: 'E_IMAGE_PLATFORM' as const };
  assert.deepEqual(runEvents('deploy', { ...summary([]), outcomes: [refused, outcome('unchanged')] }), []);
  assert.equal(chooseEvent(['rolled_back', 'deploy_failed'], ['deploy_failed']), 'deploy_failed');
  assert.equal(chooseEvent(['rolled_back', 'deploy_failed'], ['rolled_back', 'deploy_failed']), 'rolled_back');
  assert.equal(chooseEvent(['deploy_succeeded'], ['deploy_failed']), undefined);
});
