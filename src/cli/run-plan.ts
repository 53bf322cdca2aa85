/** Printing a plan and a run's summary, and wiring the executor's events to the reporter. */
import { createInterface } from 'node:readline/promises';
import type { Config, Target } from '../config/config.js';
import { applyPlan, type HostOutcome, isSuccess, refusal, type RunSummary } from '../deploy/apply-plan.js';
import { Interruption } from '../deploy/interruption.js';
import { describeTag } from '../deploy/plan.js';
import type { DeployPlan } from '../plan/plan-types.js';
import { parseEnv } from '../env/parse.js';
import { ExitCode, GangwayError } from '../errors.js';
import { hostTable } from '../output/host-table.js';
import type { Reporter } from '../output/reporter.js';
import { registerEnvSecrets } from '../redact/register.js';
import type { CommandContext } from './context.js';
import { interruptOnSignals } from './interrupt-signals.js';

export async function runPlan(
  ctx: CommandContext,
  config: Config,
  target: Target,
  plan: DeployPlan,
  lockWaitMs: number,
): Promise<RunSummary> {
  const { reporter } = ctx;
  const prefix = (host: string) => (target.hosts.length > 1 ? `${host}: ` : '');
  const interruption = new Interruption();
  const stopHandling = interruptOnSignals(interruption);
  const summary = await applyPlan(plan, {
    interruption,
    config,
    target,
    open: (spec) => ctx.openHost(target, spec),
    reopen: (spec) => ctx.reopenHost(target, spec),
    compose: (host) => ctx.compose.find(host),
    composes: ctx.compose,
    lockWaitMs,
    scrub: ctx.scrubber.scrub,
    say: (line) => reporter.info(`  ${line}`),
    events: (host) => ({
      onStep: (s) => reporter.item(s.status, `${prefix(host)}${s.step}`, s.detail, s.ms > 0 ? s.ms : undefined),
      onLog: (line) => reporter.debug(`${host} | ${line}`),
      onProgress: (label) => reporter.transfer(`${host} ${label}`),
      onLockWait: (holder) => reporter.info(`  ${host}: the deploy lock is held by ${holder}; waiting`),
      registerSecrets: (text) => registerEnvSecrets(ctx.scrubber, parseEnv(text).entries),
      mask: ctx.scrubber.scrub,
    }),
  }).finally(stopHandling);
  reporter.debug(`run record: ${summary.recordFile}`);
  return summary;
}

export function printSummary(reporter: Reporter, plan: DeployPlan, summary: RunSummary): void {
  const { outcomes } = summary;
  reporter.heading('\nsummary');
  if (outcomes.length > 1)
    for (const line of hostTable(outcomes.map((o) => hostRow(plan, o)))) reporter.info(`  ${line}`);
  reporter.stepSummary(
    `gangway ${plan.operation} ${plan.target}`,
    outcomes.map((o) => hostRow(plan, o)),
  );
  for (const o of outcomes) {
    reporter.item(isSuccess(o) ? 'ok' : 'fail', o.host, describeOutcome(plan, o));
    if (o.firstErrorLine) reporter.info(`      first error line: ${o.firstErrorLine}`);
  }
  const document = {
    ok: outcomes.every(isSuccess),
    release: plan.releaseId,
    rollout: plan.rolloutId,
    operation: plan.operation,
    target: plan.target,
    hosts: outcomes,
    ...(summary.unfinished.length && { unfinishedRollouts: summary.unfinished }),
  };
  if (summary.lockHeld)
    throw new GangwayError(
      summary.lockHeld.code,
      ExitCode.lockHeld,
      `${summary.lockHeld.message}; nothing was changed on any host`,
      { details: document, hints: summary.lockHeld.hints },
    );
  if (summary.interrupted)
    throw new GangwayError(
      'E_INTERRUPTED',
      ExitCode.interrupted,
      `${plan.operation} interrupted (${summary.interrupted}): ` +
        outcomes.map((o) => `${o.host} ${isSuccess(o) ? `serving ${o.serving}` : shortOutcome(o)}`).join('; '),
      { details: { ...document, ok: false, interrupted: summary.interrupted } },
    );
  if (summary.hookFailure)
    throw new GangwayError('E_HOOK_FAILED', ExitCode.failed, summary.hookFailure, {
      details: { ...document, ok: false },
    });
  if (document.ok) {
    reporter.result(document);
    return;
  }
  const what =
    plan.operation === 'rollback'
      ? 'rollback'
      : plan.operation === 'env-only'
        ? 'env-only deploy'
        : `deploy of ${describeTag(plan.tag)}`;
  const refused = refusal(outcomes);
  if (refused) {
    const why = [...new Set(outcomes.filter((o) => o.refused).map((o) => o.reason ?? `${o.host} refused`))];
    throw new GangwayError(
      refused.refused,
      ExitCode.preflight,
      `${what} refused: ${why.join('; ')}; nothing was changed on any host`,
      { details: document },
    );
  }
  const hosts = outcomes
    .filter((o) => !isSuccess(o))
    .map((o) => `${o.host} ${shortOutcome(o)}`)
    .join('; ');
  throw new GangwayError(
    plan.operation === 'rollback' ? 'E_ROLLBACK_FAILED' : 'E_DEPLOY_FAILED',
    ExitCode.failed,
    `${what} failed: ${hosts}`,
    { details: document },
  );
}

function describeOutcome(plan: DeployPlan, o: HostOutcome): string {
  const why = `${o.failingStep ?? 'unknown step'}: ${o.reason ?? 'no reason given'}`;
  switch (o.result) {
    case 'succeeded':
      return `serving ${o.serving}${o.reason ? ` — ${o.reason}` : ''}`;
    case 'rolled_back':
      return plan.operation === 'rollback'
        ? `rollback to ${o.tag ?? '?'} failed its health gate; back on the release it started from, serving ` +
            `${o.serving} — ${why}`
        : `rolled back: serving ${o.serving} — ${why}`;
    case 'unchanged':
      return `nothing changed — ${o.reason ?? 'stopped before the apply'}`;
    case 'unknown':
      return `outcome unknown: the server finishes on its own — ${why}`;
    case 'failed':
      return `failed (serving ${o.serving}) — ${why}`;
    case 'reverted':
      return `moved to ${o.tag ?? '?'}, then put back: serving ${o.serving} — ${o.reason ?? ''}`;
    case 'skipped':
      return `serving ${o.serving} — ${o.reason ?? 'left as it was'}`;
  }
}

function hostRow(plan: DeployPlan, o: HostOutcome) {
  const to = o.tag ?? (plan.tag.kind === 'given' ? plan.tag.value : '?');
  const result: Record<HostOutcome['result'], string> = {
    succeeded: 'ok',
    rolled_back: 'failed, rolled back',
    failed: 'failed',
    unchanged: 'not changed',
    unknown: 'unknown',
    reverted: `put back on ${o.serving}`,
    skipped: 'left as it was',
  };
  return { host: o.host, from: o.from, to, result: result[o.result], durationMs: o.durationMs };
}

function shortOutcome(o: HostOutcome): string {
  if (o.result === 'rolled_back') return `rolled back to ${o.serving}`;
  if (o.result === 'unchanged') return 'unchanged (nothing was changed there)';
  if (o.result === 'unknown') return 'outcome unknown';
  if (o.result === 'reverted') return `put back on ${o.serving}`;
  return `failed, serving ${o.serving}`;
}

export function printPlan(reporter: Reporter, plan: DeployPlan): void {
  reporter.heading(
    `\nplan: release ${plan.releaseId}, ${plan.operation}, tag ` +
      `${describeTag(plan.tag)}${plan.imageName ? `, image ${plan.imageName}` : ''}`,
  );
  for (const host of plan.hosts) {
    reporter.heading(`host ${host.host} (${host.dir})`);
    host.steps.forEach((step, i) => {
      reporter.info(`  ${i + 1}. ${step.title}`);
      for (const line of step.does) reporter.info(`       ${line}`);
    });
  }
}

/** Asks on a terminal only; in CI (no TTY) and with --json it never asks. */
export async function confirmPlan(ctx: CommandContext, plan: DeployPlan): Promise<void> {
  if (!process.stdin.isTTY || ctx.reporter.json) return;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const what = plan.operation === 'rollback' ? 'roll back' : `deploy ${describeTag(plan.tag)} to`;
  const answer = await rl.question(`${what} ${plan.target} (${plan.hosts.map((h) => h.host).join(', ')})? [y/N] `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim()))
    throw new GangwayError('E_ABORTED', ExitCode.failed, `${plan.operation} cancelled; nothing was changed`);
}
