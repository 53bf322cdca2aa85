import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isGood, statusOf, type Operation, type Outcome } from '../../src/server/records.js';

test('statusOf maps every operation and outcome to the SPEC status', () => {
  const table: [Operation, Outcome, string][] = [
    ['deploy', 'succeeded', 'succeeded'],
    ['deploy', 'rolled_back', 'rolled_back'],
    ['deploy', 'failed', 'failed'],
    ['env-only', 'succeeded', 'succeeded'],
    ['env-only', 'rolled_back', 'rolled_back'],
    ['env-only', 'failed', 'failed'],
    ['rollback', 'succeeded', 'rollback'],
    ['rollback', 'rolled_back', 'failed'],
    ['rollback', 'failed', 'failed'],
  ];
  for (const [operation, outcome, status] of table) {
    assert.equal(statusOf(operation, outcome), status, `${operation} ${outcome}`);
  }
});

test('isGood: the outcome decides when present', () => {
  assert.equal(isGood({ status: 'succeeded', outcome: 'succeeded' }), true);
  assert.equal(isGood({ status: 'rollback', outcome: 'succeeded' }), true);
  assert.equal(isGood({ status: 'rolled_back', outcome: 'rolled_back' }), false);
  assert.equal(isGood({ status: 'failed', outcome: 'rolled_back' }), false, 'a rollback that was rolled back');
  assert.equal(isGood({ status: 'failed', outcome: 'failed' }), false);
  assert.equal(isGood({ status: 'succeeded', outcome: 'failed' }), false, 'outcome wins over status');
});

test('isGood: records without an outcome are judged by their status', () => {
  assert.equal(isGood({ status: 'succeeded' }), true);
  assert.equal(isGood({ status: 'rollback' }), true);
  assert.equal(isGood({ status: 'rolled_back' }), false);
  assert.equal(isGood({ status: 'failed' }), false);
  assert.equal(isGood({ status: 'something-new' }), false);
});

test('isGood agrees with statusOf for every operation and outcome', () => {
  for (const operation of ['deploy', 'env-only', 'rollback'] as const) {
    for (const outcome of ['succeeded', 'rolled_back', 'failed'] as const) {
      const status = statusOf(operation, outcome);
      assert.equal(isGood({ status }), outcome === 'succeeded', `${operation} ${outcome} (status only)`);
      assert.equal(isGood({ status, outcome }), outcome === 'succeeded', `${operation} ${outcome}`);
    }
  }
});
