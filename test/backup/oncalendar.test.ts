/**
 * Cron → systemd OnCalendar, checked by systemd itself: `systemd-analyze calendar` must accept each result and
 * give the run times cron would (from a fixed base time, in UTC).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { cronToOnCalendar } from '../../src/backup/oncalendar.js';
import { CronError } from '../../src/config/cron.js';

const BASE = '2026-11-22 10:00:00 UTC'; // a Sunday
const analyze = existsSync('/usr/bin/systemd-analyze') || existsSync('/bin/systemd-analyze');

/** The next `n` elapses systemd computes for an OnCalendar value, as `Mon 2026-11-23 02:30`. */
function nextRuns(onCalendar: string, n: number): string[] {
  const out = execFileSync(
    'systemd-analyze',
    ['calendar', `--iterations=${n}`, `--base-time=${BASE}`, `${onCalendar} UTC`],
    { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } },
  );
  return [...out.matchAll(/(?:Next elapse|Iter\. #\d+): (\w{3} \d{4}-\d\d-\d\d \d\d:\d\d):00 UTC/g)].map((m) => m[1]!);
}

const CASES: [cron: string, onCalendar: string, next: string[]][] = [
  ['0 2 * * *', '*-*-* 02:00:00', ['Mon 2026-11-23 02:00', 'Tue 2026-11-24 02:00', 'Wed 2026-11-25 02:00']],
  ['30 1 * * 1-5', 'Mon..Fri *-*-* 01:30:00', ['Mon 2026-11-23 01:30', 'Tue 2026-11-24 01:30', 'Wed 2026-11-25 01:30']],
  ['*/20 * * * *', '*-*-* *:00,20,40:00', ['Sun 2026-11-22 10:20', 'Sun 2026-11-22 10:40', 'Sun 2026-11-22 11:00']],
  ['15 3 1 * *', '*-*-01 03:15:00', ['Tue 2026-12-01 03:15', 'Fri 2027-01-01 03:15', 'Mon 2027-02-01 03:15']],
  ['0 4 * * sun,3', 'Sun,Wed *-*-* 04:00:00', ['Wed 2026-11-25 04:00', 'Sun 2026-11-29 04:00', 'Wed 2026-12-02 04:00']],
  ['0 0 * * 7', 'Sun *-*-* 00:00:00', ['Sun 2026-11-29 00:00', 'Sun 2026-12-06 00:00']],
  ['0 6-18/6 * jan-mar,dec *', '*-01..03,12-* 06,12,18:00:00', ['Tue 2026-12-01 06:00', 'Tue 2026-12-01 12:00']],
  ['5 0/12 10-12 * *', '*-*-10..12 00,12:05:00', ['Thu 2026-12-10 00:05', 'Thu 2026-12-10 12:05']],
];

for (const [cron, expected, next] of CASES) {
  test(`"${cron}" → "${expected}", and systemd runs it when cron would`, (t) => {
    const onCalendar = cronToOnCalendar(cron);
    assert.equal(onCalendar, expected);
    if (!analyze) return t.skip('systemd-analyze is not installed');
    assert.deepEqual(nextRuns(onCalendar, next.length), next);
  });
}

test('what systemd cannot say the way cron means it is refused, naming the field', () => {
  const refused: [string, RegExp][] = [
    ['0 2 1 * 1', /both the day of the month and of the week/],
    ['0 25 * * *', /hour field "25" has 25, outside 0-23/],
    ['0 2 * * L', /day of week field "L" has l, outside 0-7/],
    ['0 5-1 * * *', /hour field "5-1" has a range that runs backwards/],
    ['*/0 * * * *', /minute field "\*\/0" has a step of 0/],
    ['0 2 ? * *', /day of month field "\?" is not a cron field gangway reads/],
    ['0 2 * *', /is not a 5-field cron expression/],
  ];
  for (const [cron, message] of refused)
    assert.throws(
      () => cronToOnCalendar(cron),
      (e: Error) => e instanceof CronError && message.test(e.message),
    );
});
