/** `gangway lock status|release [TARGET] [--force]`: who holds the deploy lock, and releasing it safely. */
import { posix } from 'node:path';
import { remoteLayout } from '../../deploy/layout.js';
import { describeHolder } from '../../deploy/lock.js';
import { whoAmI } from '../../deploy/who.js';
import { ExitCode, GangwayError } from '../../errors.js';
import { readServerState } from '../../operate/server-state.js';
import type { CommandContext } from '../context.js';

export async function runLockStatus(ctx: CommandContext, targetName: string | undefined): Promise<void> {
  const { reporter } = ctx;
  const config = await ctx.loadConfig();
  const target = ctx.target(config, targetName);
  const hosts = await Promise.all(
    target.hosts.map(async (spec) => {
      const host = await ctx.openHost(target, spec);
      const state = await readServerState(host, remoteLayout(await host.resolvePath(target.dir)));
      return { host: spec.label, lock: state.lock ?? null };
    }),
  );
  for (const h of hosts) {
    if (!h.lock) reporter.item('ok', h.host, 'not locked');
    else reporter.item('warn', h.host, `locked by ${describeHolder(h.lock.info)}${h.lock.info?.tag ? ` (${h.lock.info.operation ?? 'deploy'} of ${h.lock.info.tag})` : ''}; ${liveness(h.lock)}`);
  }
  reporter.result({ ok: true, target: target.name, hosts });
}

export async function runLockRelease(ctx: CommandContext, targetName: string | undefined, options: { force: boolean; yes?: boolean }): Promise<void> {
  const { reporter } = ctx;
  const config = await ctx.loadConfig();
  const target = ctx.target(config, targetName);
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
    const mine = lock.info?.who === me;
    const dead = !lock.applyAlive && !lock.heartbeatFresh;
    if (!mine && !dead && !options.force) {
      throw new GangwayError('E_LOCK_HELD', ExitCode.lockHeld, `${spec.label}: the lock is held by ${describeHolder(lock.info)} and its deploy is alive (${liveness(lock)})`, {
        hints: ['release it anyway with --force (recorded in <dir>/.gangway/lock.log)'],
      });
    }
    const why = mine ? 'held by you' : dead ? 'its holder is gone' : 'forced';
    const note = JSON.stringify({ released: new Date().toISOString(), by: me, reason: why, holder: lock.info ?? null });
    // Recorded in lock.log beside releases.jsonl (which holds releases only).
    const r = await host.exec(['sh', '-c', 'rm -rf "$1" && printf "%s\\n" "$2" >> "$3"', 'sh', layout.lock, note, posix.join(layout.state, 'lock.log')], { timeoutMs: 20_000 });
    if (r.code !== 0) throw new GangwayError('E_LOCK', ExitCode.failed, `${spec.label}: could not remove ${layout.lock}: ${r.stderr.trim()}`);
    results.push({ host: spec.label, released: true, reason: why });
    reporter.item('ok', spec.label, `lock released (${why})`);
  }
  for (const r of results.filter((x) => !x.released)) reporter.item('ok', r.host, r.reason);
  reporter.result({ ok: true, target: target.name, hosts: results });
}

function liveness(lock: { applyPid?: string; applyAlive: boolean; heartbeatFresh: boolean }): string {
  if (lock.applyPid) return lock.applyAlive ? `apply running (pid ${lock.applyPid})` : `apply process ${lock.applyPid} is gone (stale)`;
  return lock.heartbeatFresh ? 'its deploy is sending heartbeats' : 'no heartbeat for over a minute (stale)';
}
