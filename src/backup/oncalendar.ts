/**
 * A 5-field cron expression as a systemd `OnCalendar=` value, for servers with systemd but no cron. Each field is
 * expanded to its values, then written back as lists and `a..b` runs, which every systemd since 233 reads the same
 * way. Hand-written: the npm cron parsers compute run times, none writes systemd calendar events.
 */

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: DAYS },
];
const SYSTEMD_DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export class ScheduleConversionError extends Error {}

/** `0 2 * * *` → `*-*-* 02:00:00`; `30 1 * * 1-5` → `Mon..Fri *-*-* 01:30:00`. */
export function cronToOnCalendar(expr: string): string {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) throw new ScheduleConversionError(`"${expr}" is not a 5-field cron expression`);
  const values = parts.map((p, i) => expand(p, FIELDS[i]!));
  const [minute, hour, dom, month, dow] = values as [number[], number[], number[], number[], number[]];
  const weekdays = [...new Set(dow.map((d) => d % 7))].sort((a, b) => a - b);
  const everyDom = parts[2] === '*';
  const everyDow = parts[4] === '*';
  if (!everyDom && !everyDow)
    throw new ScheduleConversionError(
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

/** Why a cron expression is not one cron runs (a value out of range, a backwards range), or undefined. */
export function cronFieldError(expr: string): string | undefined {
  try {
    expr
      .trim()
      .split(/\s+/)
      .forEach((p, i) => FIELDS[i] && expand(p, FIELDS[i]));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** One cron field → its sorted values: `*`, `n`, `a-b`, `*\/s`, `a-b/s`, `a/s`, names, comma lists. */
function expand(text: string, f: Field): number[] {
  const out = new Set<number>();
  for (const item of text.toLowerCase().split(',')) {
    const m = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/.exec(item);
    if (!m)
      throw new ScheduleConversionError(
        `the ${f.name} field "${text}" is not a cron field gangway reads (n, a-b, */s, a-b/s, names, lists)`,
      );
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) throw new ScheduleConversionError(`the ${f.name} field "${text}" has a step of 0`);
    let [from, to] = [f.min, f.max];
    if (m[1] !== '*') {
      const [a, b] = m[1]!.split('-');
      from = value(a!, f, text);
      // `a/s` runs from a to the end of the range, as in Vixie cron; a bare `a` is only a.
      to = b !== undefined ? value(b, f, text) : m[2] !== undefined ? f.max : from;
    }
    if (from > to) throw new ScheduleConversionError(`the ${f.name} field "${text}" has a range that runs backwards`);
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

function value(token: string, f: Field, text: string): number {
  const named = f.names?.indexOf(token) ?? -1;
  const n = named >= 0 ? named + (f.name === 'month' ? 1 : 0) : /^\d+$/.test(token) ? Number(token) : NaN;
  if (!(n >= f.min && n <= f.max))
    throw new ScheduleConversionError(`the ${f.name} field "${text}" has ${token}, outside ${f.min}-${f.max}`);
  return n;
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
