import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationWithin, formatMs, parseDuration } from '../../src/util/duration.js';
import { Semaphore } from '../../src/util/semaphore.js';

test('durations parse in every unit and in combination', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('3s'), 3000);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  for (const bad of ['', '3', 's', '1.5s', '3 s', '-1s', '1d'])
    assert.throws(() => parseDuration(bad), /not a duration/, bad);
});

test('durationWithin bounds a duration, and never admits one too large to be exact', () => {
  assert.ok(durationWithin('24h', '24h'));
  assert.ok(durationWithin('1439m59s999ms', '24h'));
  assert.ok(!durationWithin('24h1ms', '24h'));
  assert.ok(!durationWithin('99999999999999999999999h', '24h'));
  assert.ok(!durationWithin(`${'9'.repeat(400)}ms`, `${'9'.repeat(400)}ms`), 'Infinity is not within anything');
});

test('formatMs is short and human', () => {
  assert.equal(formatMs(12), '12ms');
  assert.equal(formatMs(1500), '1.5s');
  assert.equal(formatMs(90_000), '1m30s');
});

test('Semaphore never runs more than its limit at once', async () => {
  const semaphore = new Semaphore(3);
  let active = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: 12 }, () =>
      semaphore.use(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
      }),
    ),
  );
  assert.equal(peak, 3);
});

test('Semaphore releases its slot when work throws', async () => {
  const semaphore = new Semaphore(1);
  await assert.rejects(
    semaphore.use(async () => Promise.reject(new Error('boom'))),
    /boom/,
  );
  assert.equal(await semaphore.use(async () => 'next'), 'next');
});
