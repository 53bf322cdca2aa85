/**
 * What a deploy or rollback reads once it holds a host's lock, in the lock's own round trip (sh/after-lock.sh,
 * run by lock-then.sh): the directories (the dirs step), the server's state and the rollout marker — one round
 * trip where there were three. Whatever is missing from its output (the dirs failed) is read on its own afterwards.
 */
import type { RemoteLayout } from '../../server/layout.js';
import type { LockHandle } from '../../server/lock.js';
import { parseRolloutMarker, type RolloutMarker } from '../../server/rollout-marker.js';
import { runScript, serverScript } from '../../server/scripts.js';
import { parseServerState, type ServerState } from '../../server/state.js';

export interface AfterLock {
  state?: ServerState;
  /** Present when the marker was read: its content, when there is one. */
  rollout?: { marker?: RolloutMarker };
}

/** argv of after-lock.sh: `dirs` (the dirs step's argv) last, so that the dirs step knows it ran (madeDirs). */
export function afterLockCommand(layout: RemoteLayout, dirs: readonly string[]): string[] {
  return runScript('after-lock.sh', [layout.state, serverScript('lock.sh'), ...dirs]);
}

/** Whether the lock's round trip made these directories (the dirs step then has nothing left to do). */
export function madeDirs(then: LockHandle['then'], dirs: readonly string[]): boolean {
  if (then?.code !== 0 || then.argv.length < dirs.length) return false;
  const tail = then.argv.slice(then.argv.length - dirs.length);
  return tail.every((w, i) => w === dirs[i]);
}

export function parseAfterLock(then: LockHandle['then']): AfterLock {
  if (then?.code !== 0) return {};
  const sections = new Map<string, string[]>();
  let name = '';
  for (const line of then.stdout.split('\n')) {
    if (line.startsWith('@@@')) sections.set((name = line.slice(3)), []);
    else sections.get(name)?.push(line);
  }
  const out: AfterLock = {};
  const state = sections.get('state');
  if (state) out.state = parseServerState(state.join('\n'));
  const rollout = sections.get('rollout');
  if (rollout) {
    const marker = parseRolloutMarker(rollout.join('\n'));
    out.rollout = marker ? { marker } : {};
  }
  return out;
}
