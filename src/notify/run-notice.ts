/** A deploy's or rollback's notice, from the run's summary: called by the commands once the records are written. */
import type { Config, NotifyEvent } from '../config/config.js';
import { isSuccess, overallResult, refusal, type HostOutcome, type RunSummary } from '../deploy/apply-plan.js';
import { describeTag } from '../deploy/plan.js';
import type { DeployPlan } from '../plan/plan-types.js';
import type { NoticeHost } from './notice.js';
import { notify, type NotifyContext } from './notify.js';

/**
 * The events a run is, most specific first; none when a held lock or a host's refusal (exit 3, like a failed
 * preflight) stopped it before anything changed.
 */
export function runEvents(operation: DeployPlan['operation'], summary: RunSummary): NotifyEvent[] {
  if (summary.lockHeld || refusal(summary.outcomes)) return [];
  if (operation === 'rollback') return ['rollback'];
  const result = overallResult(summary.outcomes);
  if (result === 'succeeded' && !summary.hookFailure) return ['deploy_succeeded'];
  return result === 'rolled_back' || result === 'reverted' ? ['rolled_back', 'deploy_failed'] : ['deploy_failed'];
}

export async function notifyRun(
  ctx: NotifyContext,
  config: Config,
  plan: DeployPlan,
  summary: RunSummary,
): Promise<void> {
  const { outcomes } = summary;
  const failed = outcomes.find((o) => !isSuccess(o));
  const tags = [...new Set(outcomes.flatMap((o) => (o.tag ? [o.tag] : [])))];
  await notify(ctx, config, runEvents(plan.operation, summary), {
    app: config.app,
    target: plan.target,
    tag: tags.length ? tags.join(', ') : plan.tag.kind === 'given' ? plan.tag.value : describeTag(plan.tag),
    result: summary.hookFailure && !failed ? 'hook_failed' : overallResult(outcomes),
    reason: summary.hookFailure ?? (failed ? `${failed.failingStep ?? 'unknown step'}: ${failed.reason ?? '?'}` : null),
    duration_s: Math.round(summary.durationMs / 100) / 10,
    record_id: plan.releaseId,
    hosts: outcomes.map(noticeHost),
    who: plan.who,
  });
}

function noticeHost(o: HostOutcome): NoticeHost {
  return {
    host: o.host,
    result: o.result,
    from: o.from,
    ...(o.tag !== undefined && { to: o.tag }),
    serving: o.serving,
    ...(o.failingStep !== undefined && !isSuccess(o) && { failing_step: o.failingStep }),
    ...(o.reason !== undefined && { reason: o.reason }),
  };
}
