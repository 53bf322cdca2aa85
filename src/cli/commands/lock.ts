/** `gangway lock status|release [TARGET] [--force]`: who holds the deploy lock, and releasing it safely. */
import { whoAmI } from '../../util/who.js';
import { ExitCode, GangwayError } from '../../errors.js';
import { remoteLayout } from '../../server/layout.js';
import { describeHolder, releaseLock } from '../../server/lock.js';
import { type ServerLock, readServerState } from '../../server/state.js';
import type { CommandContext } from '../context.js';
import { UNREACHABLE } from '../../status/verdict.js';
import { managerTarget } from '../swarm-target.js';

export async function runLockStatus(ctx: CommandContext, targetName: string | undefined): Promise<void> {
  const { reporter } = ctx;
  const config = await ctx.loadConfig();
  const target = await managerTarget(ctx, config, ctx.target(config, targetName));
  const hosts = await Promise.all(
    target.hosts.map(async (spec) => {
      let host;
      try {
        host = await ctx.openHost(target, spec);
      } catch (e) {
        // Unknown is not free: null, never false, and no "not locked".
        const error = (e as Error).message;
        return { host: spec.label, reachable: false, locked: null, lock: null, unfinished: null, error };
      }
      const state = await readServerState(host, remoteLayout(await host.resolvePath(target.dir)));
      const lock = state.lock ?? null;
      return { host: spec.label, reachable: true, locked: lock !== null, lock, unfinished: state.unfinished ?? null };
    }),
  );
  for (const h of hosts) {
    if ('error' in h) reporter.item('fail', h.host, `lock ${UNREACHABLE}: ${h.error}`);
    else if (!h.lock) reporter.item('ok', h.host, 'not locked');
    else
      reporter.item(
        'warn',
        h.host,
        `locked by ${describeHolder(h.lock.info)}${lockedFor(h.lock.info)}; ${liveness(h.lock)}`,
      );
    if (h.unfinished)
      reporter.item(
        'warn',
        h.host,
        `release ${h.unfinished} was left unfinished by an apply that died; the next deploy or rollback recovers it`,
      );
  }
  const unreachable = hosts.filter((h) => !h.reachable).map((h) => h.host);
  if (unreachable.length)
    throw new GangwayError(
      'E_UNREACHABLE',
      ExitCode.failed,
      `the lock is unknown on ${unreachable.join(', ')}: the host could not be reached`,
      { details: { target: target.name, hosts } },
    );
  reporter.result({ ok: true, target: target.name, hosts });
}

/**
 * Without --force only a lock whose holder is gone (lock.sh's staleness rule) is released: a live deploy's
 * lock is never taken from it by name, since two CI runners can share one `user@machine`.
 */
export async function runLockRelease(
  ctx: CommandContext,
  targetName: string | undefined,
  options: { force: boolean; yes?: boolean },
): Promise<void> {
  const { reporter } = ctx;
  const config = await ctx.loadConfig();
  const target = await managerTarget(ctx, config, ctx.target(config, targetName));
  const me = whoAmI();
  const results: { host: string; released: boolean; reason: string }[] = [];
  for (const spec of target.hosts) {
    const host = await ctx.openHost(target, spec);
    const layout = remoteLayout(await host.resolvePath(target.dir));
    const { lock } = await readServerState(host, layout);
    if (!lock) {
      results.push({ host: spec.label, released: false, reason: 'not locked' });
      continue;
    }
    if (!lock.stale && !options.force) {
      throw new GangwayError(
        'E_LOCK_HELD',
        ExitCode.lockHeld,
        `${spec.label}: the lock is held by ${describeHolder(lock.info)} and its deploy is alive (${liveness(lock)})`,
        {
          hints: ['release it anyway with --force (recorded in <dir>/.gangway/lock.log)'],
        },
      );
    }
    const why = lock.stale ? `its holder is gone: ${lock.stale}` : 'forced';
    const released = await releaseLock(host, layout, lock.info?.token ?? '', true);
    if (!released.released)
      throw new GangwayError('E_LOCK', ExitCode.failed, `${spec.label}: could not remove ${layout.lock}`);
    // Recorded in lock.log beside releases.jsonl (which holds releases only).
    const note = JSON.stringify({ released: new Date().toISOString(), by: me, reason: why, holder: lock.info ?? null });
    await host.exec(['sh', '-c', 'umask 077 && printf "%s\\n" "$1" >> "$2"', 'sh', note, layout.lockLog], {
      timeoutMs: 20_000,
    });
    results.push({ host: spec.label, released: true, reason: why });
    reporter.item('ok', spec.label, `lock released (${why})`);
  }
  for (const r of results.filter((x) => !x.released)) reporter.item('ok', r.host, r.reason);
  reporter.result({ ok: true, target: target.name, hosts: results });
}

function lockedFor(info: ServerLock['info']): string {
  return info?.tag ? ` (${info.operation ?? 'deploy'} of ${info.tag})` : '';
}

function liveness(lock: ServerLock): string {
  if (lock.stale) return `stale: ${lock.stale}`;
  return lock.applyPid ? `apply running (pid ${lock.applyPid})` : 'its deploy is sending heartbeats';
}
