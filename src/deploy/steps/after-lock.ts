/**
 * What a deploy or rollback reads once it holds a host's lock, in the lock's own round trip (sh/after-lock.sh,
 * run by lock-then.sh): which Compose the host has (when the run does not know yet), the directories (the dirs
 * step), the server's state and the rollout marker — one round trip where there were four. Whatever is missing
 * from its output (the command failed, an older reply) is read on its own afterwards, as before.
 */
import type { ComposeCli } from '../../docker/compose-cli.js';
import type { RemoteLayout } from '../../server/layout.js';
import type { LockHandle } from '../../server/lock.js';
import { parseRolloutMarker, type RolloutMarker } from '../../server/rollout-marker.js';
import { runScript, serverScript } from '../../server/scripts.js';
import { parseServerState, type ServerState } from '../../server/state.js';

export interface AfterLock {
  /** Asked and found; null: asked, and the host has neither Compose (nothing was made). Absent: not known. */
  compose?: ComposeCli | null;
  state?: ServerState;
  /** Present when the marker was read: its content, when there is one. */
  rollout?: { marker?: RolloutMarker };
}

/** The exit status of after-lock.sh when Compose was to be found and is not there. */
const NO_COMPOSE = 3;

/** argv of after-lock.sh: `dirs` (the dirs step's argv) last, so that the dirs step knows it ran (madeDirs). */
export function afterLockCommand(layout: RemoteLayout, dirs: readonly string[], findCompose: boolean): string[] {
  return runScript('after-lock.sh', [
    layout.state,
    serverScript('lock.sh'),
    findCompose ? 'find-compose' : '-',
    ...dirs,
  ]);
}

/** Whether the lock's round trip made these directories (the dirs step then has nothing left to do). */
export function madeDirs(then: LockHandle['then'], dirs: readonly string[]): boolean {
  if (then?.code !== 0 || then.argv.length < dirs.length) return false;
  const tail = then.argv.slice(then.argv.length - dirs.length);
  return tail.every((w, i) => w === dirs[i]);
}

export function parseAfterLock(then: LockHandle['then']): AfterLock {
  if (!then) return {};
  const sections = new Map<string, string[]>();
  let name = '';
  for (const line of then.stdout.split('\n')) {
    if (line.startsWith('@@@')) sections.set((name = line.slice(3)), []);
    else sections.get(name)?.push(line);
  }
  const out: AfterLock = {};
  const compose = sections.get('compose');
  if (compose) {
    const [flavour, version = ''] = (compose[0] ?? '').split(' ');
    if (flavour === 'v2') out.compose = { flavour, version, argv: ['docker', 'compose'] };
    else if (flavour === 'v1') out.compose = { flavour, version, argv: ['docker-compose'] };
    else if (then.code === NO_COMPOSE) out.compose = null;
  }
  if (then.code !== 0) return out;
  const state = sections.get('state');
  if (state) out.state = parseServerState(state.join('\n'));
  const rollout = sections.get('rollout');
  if (rollout) {
    const marker = parseRolloutMarker(rollout.join('\n'));
    out.rollout = marker ? { marker } : {};
  }
  return out;
}
