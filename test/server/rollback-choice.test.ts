import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReleaseRecord } from '../../src/server/records.js';
import { alreadyInPlace, chooseRollback } from '../../src/server/rollback-choice.js';

const rec = (id: string, tag: string, status: string, outcome?: string): ReleaseRecord => ({
  id,
  tag,
  status,
  ...(outcome && { outcome }),
});

/** `'r6:v1 r5:v2'`: the retained releases, newest first (as parseServerState returns them), the newest in place. */
const inPlace = (retained: string, records: ReleaseRecord[]) => {
  const releases = retained.split(' ').map((r) => {
    const [id, tag] = r.split(':') as [string, string];
    return { id, tag };
  });
  return { current: releases[0]!, retained: releases, records };
};

const STATE = inPlace('r5:v4 r4:bad r3:v3 r2:v2 r1:v2', [
  rec('r1', 'v2', 'succeeded', 'succeeded'),
  rec('r2', 'v2', 'succeeded', 'succeeded'),
  rec('r3', 'v3', 'succeeded'), // an older record without outcome
  rec('r4', 'bad', 'rolled_back', 'rolled_back'),
  rec('r5', 'v4', 'succeeded', 'succeeded'),
]);

test('without --to: the newest good release older than the one in place', () => {
  assert.deepEqual(chooseRollback(STATE), { ok: true, id: 'r3', tag: 'v3' });
});

test('a failed release is never chosen, nor the release in place', () => {
  const state = { ...STATE, current: { id: 'r4', tag: 'bad' } };
  assert.deepEqual(chooseRollback(state), { ok: true, id: 'r3', tag: 'v3' });
  const choice = chooseRollback(STATE, 'bad');
  assert.equal(choice.ok, false);
  assert.deepEqual(!choice.ok && choice.retainedTags, ['v3', 'v2']);
  assert.equal(chooseRollback(STATE, 'v4').ok, false, 'the tag in place is no rollback target');
});

test('--to the tag in place: it is the release in place, nothing to do (not "not retained")', () => {
  // After a plain rollback to v1, v1 is in place and no other retained release has that tag.
  const state = inPlace('r6:v1 r5:v2', [
    rec('r5', 'v2', 'succeeded', 'succeeded'),
    rec('r6', 'v1', 'rollback', 'succeeded'),
  ]);
  const message = 'tag v1 is the release in place: nothing to do';
  assert.equal(alreadyInPlace(state.current, 'v1'), message);
  assert.deepEqual(chooseRollback(state, 'v1'), { ok: false, message, retainedTags: ['v2'] });
  assert.equal(alreadyInPlace(state.current, 'v2'), undefined);
  assert.equal(alreadyInPlace(state.current, undefined), undefined, 'a plain rollback always goes somewhere');
  assert.equal(alreadyInPlace(undefined, 'v1'), undefined, 'nothing in place');
});

test('--to TAG: the newest retained good release with that tag', () => {
  assert.deepEqual(chooseRollback(STATE, 'v2'), { ok: true, id: 'r2', tag: 'v2' });
});

test('a release that was good once stays good (rollback status counts as good)', () => {
  const state = inPlace('r3:v1 r2:v2', [
    rec('r2', 'v2', 'rollback', 'succeeded'),
    rec('r3', 'v1', 'succeeded', 'succeeded'),
  ]);
  assert.deepEqual(chooseRollback(state), { ok: true, id: 'r2', tag: 'v2' });
});

test('a release that is retained but has no record (or is not retained) is not offered', () => {
  const state = inPlace('r3:v3 r2:v2', [
    rec('r1', 'v1', 'succeeded', 'succeeded'),
    rec('r3', 'v3', 'succeeded', 'succeeded'),
  ]);
  const choice = chooseRollback(state);
  assert.equal(choice.ok, false);
  assert.equal(
    !choice.ok && choice.message,
    'no earlier release that passed its health gate is retained (retained good tags: none)',
  );
});

test('nothing in place: the newest good release', () => {
  const { current: _, ...state } = STATE;
  assert.deepEqual(chooseRollback(state), { ok: true, id: 'r5', tag: 'v4' });
});

test('the messages list the retained good tags', () => {
  const choice = chooseRollback(STATE, 'v9');
  assert.deepEqual(choice, {
    ok: false,
    message: 'tag v9 is not retained as a good release (retained good tags: v3, v2)',
    retainedTags: ['v3', 'v2'],
  });
  const oldest = chooseRollback({ ...STATE, current: { id: 'r1', tag: 'v2' } });
  assert.equal(oldest.ok, false);
  assert.match(!oldest.ok ? oldest.message : '', /^no earlier release that passed its health gate is retained/);
});
