/**
 * Step `apply`: start apply.sh detached on the server (it holds the lock from then on and releases it), then
 * follow its run log until it reports its outcome. When the apply dies without one (kill -9, OOM), the
 * release is recovered: the lock is taken back, the release that was in place is put back through the gate
 * by `apply.sh … recover`, and the release is recorded failed ("apply died"). Every wait has a deadline.
 */
import { posix } from 'node:path';
import { ExitCode, GangwayError } from '../../errors.js';
import { execOk } from '../../hosts/host.js';
import { runScript } from '../../server/scripts.js';
import { strategyOf } from '../../strategy/index.js';
import type { ApplyStep } from '../../plan/plan-types.js';
import { followRun, type RunResult } from './follow.js';
import type { StepContext } from './context.js';

/** What starting and following an apply (or a recovery) on the server reads. */
type ServerRun = Pick<StepContext, 'label' | 'layout' | 'session' | 'events'>;
export type ApplyContext = ServerRun & Pick<StepContext, 'plan' | 'lock' | 'lockWaitMs'>;
import { takeLock } from './lock.js';

/** How long the detached apply may take: its strategy's to say (the engine, the gates, a drain). */
export function applyDeadlineMs(step: ApplyStep): number {
  return strategyOf(step).deadlineMs(step);
}

/**
 * `hold`: the apply hands the lock back at its end instead of removing it (a fleet's rollout keeps every host
 * locked until the last host is done, and may still put this one back).
 */
export async function runApply(ctx: ApplyContext, step: ApplyStep, hold = false): Promise<RunResult> {
  const action = hold ? 'apply-hold' : 'apply';
  const { pid, offset } = await startDetached(ctx, ctx.plan.releaseId, action, ctx.lock.token);
  ctx.lock.stopHeartbeat(); // the apply holds the lock from here and releases it (or hands it back) itself
  const result = await followRun(ctx, ctx.plan.releaseId, pid, offset, applyDeadlineMs(step));
  if (result.kind === 'finished') {
    if (hold) ctx.lock.resumeHeartbeat();
    return result;
  }
  ctx.events.onLog(`the apply (pid ${pid}) ended without reporting an outcome; recovering the release`);
  const lock = await takeLock(ctx.session, ctx.layout, ctx.plan, ctx.lockWaitMs, ctx.events);
  try {
    return await recoverRelease({ ...ctx, lock }, ctx.plan.releaseId, applyDeadlineMs(step));
  } finally {
    await lock.release(ctx.session.host).catch(() => {});
  }
}

/**
 * Finish a release whose apply died: `apply.sh recover` puts the release that was in place before it back
 * through the gate and records the release failed. The caller holds the lock (with its heartbeat running).
 */
export async function recoverRelease(
  ctx: ServerRun & Pick<StepContext, 'lock'>,
  releaseId: string,
  deadlineMs: number,
): Promise<RunResult> {
  const { pid, offset } = await startDetached(ctx, releaseId, 'recover', ctx.lock.token);
  const result = await followRun(ctx, releaseId, pid, offset, deadlineMs);
  if (result.kind === 'finished') return result;
  throw new GangwayError(
    'E_RECOVERY',
    ExitCode.failed,
    `${ctx.label}: recovering release ${releaseId} ended without an outcome; see ${ctx.layout.runLog(releaseId)}`,
  );
}

/** Returns the server pid and where in the run log its output starts. */
async function startDetached(
  ctx: ServerRun,
  releaseId: string,
  action: 'apply' | 'apply-hold' | 'recover',
  token: string,
): Promise<{ pid: string; offset: number }> {
  const { layout } = ctx;
  const args = [layout.dir, layout.release(releaseId), layout.runLog(releaseId), action, token];
  const r = await execOk(ctx.session.host, runScript('start.sh', args), { timeoutMs: 60_000 });
  const [pid = '', offset = '0'] = r.stdout.trim().split(' ');
  ctx.events.onStep({
    step: action === 'recover' ? 'start recovery' : 'start apply',
    status: 'ok',
    ms: 0,
    detail: `server pid ${pid}`,
  });
  return { pid, offset: Number(offset) };
}

/** The failing release's own output, captured by apply.sh before it rolled back (ANSI stripped, masked). */
export async function failureOutput(
  ctx: Pick<StepContext, 'plan' | 'layout' | 'session'>,
): Promise<string | undefined> {
  const file = posix.join(ctx.layout.release(ctx.plan.releaseId), 'failure.log');
  return ctx.session.host
    .readFile(file)
    .then((b) => b.toString('utf8'))
    .catch(() => undefined);
}
