/** Durations in gangway.yml and flags: `500ms`, `3s`, `2m`, `1h`, or combinations like `1m30s`. */
export const DURATION_PATTERN = /^(?:\d+(?:ms|s|m|h))+$/;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number {
  if (!DURATION_PATTERN.test(text)) throw new RangeError(`not a duration: "${text}" (use e.g. 500ms, 3s, 2m, 1h)`);
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return total;
}

/**
 * Is a duration at most `max` (both as parseDuration reads them)? Digits enough to lose whole milliseconds
 * (or to reach Infinity) are never within: such values break the timers and shell arithmetic they reach.
 */
export function durationWithin(text: string, max: string): boolean {
  const ms = parseDuration(text);
  return Number.isSafeInteger(ms) && ms <= parseDuration(max);
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}
