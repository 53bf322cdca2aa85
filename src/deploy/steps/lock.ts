/** Step `lock`: take the deploy lock on one host, with an owner token; waits with --lock-wait. */
import { acquireLock, type LockHandle, newLockToken } from '../../server/lock.js';
import type { RemoteLayout } from '../../server/layout.js';
import type { DeployPlan } from '../../plan/plan-types.js';
import { describeTag } from '../plan.js';
import type { HostSession } from '../session.js';
import type { HostEvents } from './context.js';
import { afterLockCommand } from './after-lock.js';
import { dirsCommand } from './dirs.js';

export async function takeLock(
  session: HostSession,
  layout: RemoteLayout,
  plan: DeployPlan,
  waitMs: number,
  events: HostEvents,
): Promise<LockHandle> {
  const info = {
    who: plan.who,
    since: new Date().toISOString(),
    tag: describeTag(plan.tag),
    target: plan.target,
    pid: process.pid,
    operation: plan.operation,
    release: plan.releaseId,
    token: newLockToken(),
  };
  // The host's directories are made in the lock's round trip (the dirs step then has nothing left to do), and
  // what the run reads under the lock is read there too.
  const dirs = plan.hosts.find((h) => h.host === session.label)?.steps.find((s) => s.kind === 'dirs');
  const then = dirs && afterLockCommand(layout, dirsCommand(layout, dirs.dirs, plan.releaseId));
  // Retried after a dropped connection with the same token: a lock taken by a lost attempt is recognised as ours.
  return session.retrying((host) =>
    acquireLock(host, layout, info, {
      waitMs,
      currentHost: () => session.host,
      onWait: (holder) => events.onLockWait?.(holder?.who ? `${holder.who} since ${holder.since}` : 'unknown holder'),
      ...(then && { then }),
    }),
  );
}
