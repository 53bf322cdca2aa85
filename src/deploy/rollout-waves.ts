/**
 * The order in which a release moves across a target's hosts: the canaries first, then batches. A pure function
 * of the host list and `rollout:`; the executor runs one wave at a time and stops at the first failure.
 */
import type { RolloutSettings } from '../config/config.js';

export interface Wave<T> {
  kind: 'canary' | 'batch';
  /** 1-based among the batches (the canary wave is 0). */
  index: number;
  hosts: T[];
}

export function rolloutWaves<T>(hosts: readonly T[], rollout: Pick<RolloutSettings, 'canary' | 'batch'>): Wave<T>[] {
  const canaries = Math.min(rollout.canary, hosts.length);
  const waves: Wave<T>[] = canaries > 0 ? [{ kind: 'canary', index: 0, hosts: hosts.slice(0, canaries) }] : [];
  const rest = hosts.slice(canaries);
  const size = batchSize(hosts.length, rest.length, rollout.batch);
  for (let i = 0; i < rest.length; i += size)
    waves.push({ kind: 'batch', index: waves.length + (canaries > 0 ? 0 : 1), hosts: rest.slice(i, i + size) });
  return waves;
}

/** A percentage is of all the target's hosts (as people count a fleet), at least one host. */
function batchSize(total: number, rest: number, batch: RolloutSettings['batch']): number {
  if (batch === undefined) return Math.max(rest, 1);
  if ('count' in batch) return batch.count;
  return Math.max(1, Math.ceil((total * batch.percent) / 100));
}

/** How a wave is named in progress lines: "canary (a)", "batch 2 of 3 (c, d)". */
export function describeWave<T>(wave: Wave<T>, waves: Wave<T>[], label: (host: T) => string): string {
  const batches = waves.filter((w) => w.kind === 'batch').length;
  const who = wave.hosts.map(label).join(', ');
  return wave.kind === 'canary' ? `canary (${who})` : `batch ${wave.index} of ${batches} (${who})`;
}
