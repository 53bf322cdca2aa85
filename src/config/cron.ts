/**
 * The 5-field cron syntax of `backups[].schedule`, as gangway reads it: each field expanded to its values, so that
 * a value out of range or a backwards range is a config error (naming the key) before any server sees it.
 * backup/oncalendar.ts writes the expanded fields as a systemd `OnCalendar=` value.
 */

export interface CronField {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** minute, hour, day of month, month, day of week (0 and 7 are Sunday), in cron's order. */
export const CRON_FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: DAYS },
];

/** A cron expression gangway cannot read, or cannot turn into a systemd timer. */
export class CronError extends Error {}

/** Why a cron expression is not one cron runs (a value out of range, a backwards range), or undefined. */
export function cronFieldError(expr: string): string | undefined {
  try {
    expr
      .trim()
      .split(/\s+/)
      .forEach((p, i) => CRON_FIELDS[i] && expandCronField(p, CRON_FIELDS[i]));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** One cron field → its sorted values: `*`, `n`, `a-b`, `*\/s`, `a-b/s`, `a/s`, names, comma lists. */
export function expandCronField(text: string, f: CronField): number[] {
  const out = new Set<number>();
  for (const item of text.toLowerCase().split(',')) {
    const m = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/.exec(item);
    if (!m)
      throw new CronError(
        `the ${f.name} field "${text}" is not a cron field gangway reads (n, a-b, */s, a-b/s, names, lists)`,
      );
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) throw new CronError(`the ${f.name} field "${text}" has a step of 0`);
    let [from, to] = [f.min, f.max];
    if (m[1] !== '*') {
      const [a, b] = m[1]!.split('-');
      from = value(a!, f, text);
      // `a/s` runs from a to the end of the range, as in Vixie cron; a bare `a` is only a.
      to = b !== undefined ? value(b, f, text) : m[2] !== undefined ? f.max : from;
    }
    if (from > to) throw new CronError(`the ${f.name} field "${text}" has a range that runs backwards`);
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

function value(token: string, f: CronField, text: string): number {
  const named = f.names?.indexOf(token) ?? -1;
  const n = named >= 0 ? named + (f.name === 'month' ? 1 : 0) : /^\d+$/.test(token) ? Number(token) : NaN;
  if (!(n >= f.min && n <= f.max))
    throw new CronError(`the ${f.name} field "${text}" has ${token}, outside ${f.min}-${f.max}`);
  return n;
}
