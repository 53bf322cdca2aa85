/**
 * A 5-field cron expression as a systemd `OnCalendar=` value, for servers with systemd but no cron. Each field is
 * expanded to its values (config/cron.ts), then written back as lists and `a..b` runs, which every systemd since
 * 233 reads the same way. Hand-written: the npm cron parsers compute run times, none writes systemd calendar events.
 */
import { CRON_FIELDS, CronError, expandCronField } from '../config/cron.js';

const SYSTEMD_DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** `0 2 * * *` → `*-*-* 02:00:00`; `30 1 * * 1-5` → `Mon..Fri *-*-* 01:30:00`. */
export function cronToOnCalendar(expr: string): string {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) throw new CronError(`"${expr}" is not a 5-field cron expression`);
  const values = parts.map((p, i) => expandCronField(p, CRON_FIELDS[i]!));
  const [minute, hour, dom, month, dow] = values as [number[], number[], number[], number[], number[]];
  const weekdays = [...new Set(dow.map((d) => d % 7))].sort((a, b) => a - b);
  const everyDom = parts[2] === '*';
  const everyDow = parts[4] === '*';
  if (!everyDom && !everyDow)
    throw new CronError(
      `"${expr}" restricts both the day of the month and of the week: cron runs on either, systemd only on both; ` +
        'use one of them',
    );
  const day = everyDow ? '' : `${runs(weekdays, 0, 6, (d) => SYSTEMD_DAYS[d]!)} `;
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${day}*-${runs(month, 1, 12, two)}-${runs(dom, 1, 31, two)} ` +
    `${runs(hour, 0, 23, two)}:${runs(minute, 0, 59, two)}:00`
  );
}

/** Sorted values → `*` when they are the whole range, else a comma list with consecutive runs as `a..b`. */
function runs(values: number[], min: number, max: number, show: (n: number) => string): string {
  if (values.length === max - min + 1) return '*';
  const out: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    out.push(
      j - i >= 2
        ? `${show(values[i]!)}..${show(values[j]!)}`
        : values
            .slice(i, j + 1)
            .map(show)
            .join(','),
    );
    i = j + 1;
  }
  return out.join(',');
}
