/** The cron syntax of backups[].schedule: each field's values, and why an expression is not one cron runs. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CRON_FIELDS, cronFieldError, expandCronField } from '../../src/config/cron.js';

const [minute, hour, , month, weekday] = CRON_FIELDS;

test('a field expands to its sorted values: *, n, ranges, steps, names and lists', () => {
  assert.deepEqual(expandCronField('*', hour!).length, 24);
  assert.deepEqual(expandCronField('5', minute!), [5]);
  assert.deepEqual(expandCronField('1-3', hour!), [1, 2, 3]);
  assert.deepEqual(expandCronField('*/15', minute!), [0, 15, 30, 45]);
  assert.deepEqual(expandCronField('10-20/5', minute!), [10, 15, 20]);
  assert.deepEqual(expandCronField('50/5', minute!), [50, 55]);
  assert.deepEqual(expandCronField('Jan,mar', month!), [1, 3]);
  assert.deepEqual(expandCronField('sun,3,7,3', weekday!), [0, 3, 7]);
});

test('a valid expression has no error', () => {
  for (const expr of ['0 2 * * *', '*/20 * * * *', '30 1 * * mon-fri', ' 15 3 1 jan * ']) {
    assert.equal(cronFieldError(expr), undefined, expr);
  }
});

test('an invalid field is named, with why', () => {
  assert.equal(cronFieldError('60 2 * * *'), 'the minute field "60" has 60, outside 0-59');
  assert.equal(cronFieldError('0 5-1 * * *'), 'the hour field "5-1" has a range that runs backwards');
  assert.equal(cronFieldError('*/0 * * * *'), 'the minute field "*/0" has a step of 0');
  assert.equal(cronFieldError('0 2 0 * *'), 'the day of month field "0" has 0, outside 1-31');
  assert.equal(cronFieldError('0 2 * foo *'), 'the month field "foo" has foo, outside 1-12');
  assert.match(cronFieldError('0 2 * * 1#2') ?? '', /^the day of week field "1#2" is not a cron field gangway reads/);
});
