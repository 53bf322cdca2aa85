/**
 * Which keys differ between two env files — by name only. Values are compared as SHA-256 digests with a
 * constant-time check; neither the values nor their digests leave this function.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { EnvEntry } from './parse.js';

export interface EnvDiff {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: number;
}

export function diffEnv(local: readonly EnvEntry[], remote: readonly EnvEntry[]): EnvDiff {
  const l = lastWins(local);
  const r = lastWins(remote);
  const diff: EnvDiff = { added: [], removed: [], changed: [], unchanged: 0 };
  for (const [key, value] of l) {
    const other = r.get(key);
    if (other === undefined) diff.added.push(key);
    else if (sameValue(value, other)) diff.unchanged++;
    else diff.changed.push(key);
  }
  for (const key of r.keys()) if (!l.has(key)) diff.removed.push(key);
  for (const list of [diff.added, diff.removed, diff.changed]) list.sort();
  return diff;
}

function lastWins(entries: readonly EnvEntry[]): Map<string, string> {
  return new Map(entries.map((e) => [e.key, e.value]));
}

function sameValue(a: string, b: string): boolean {
  const digest = (v: string) => createHash('sha256').update(v, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}
