/**
 * The tail `gangway deploy` and `gangway rollback` share once their plan is built: a dry run prints the plan
 * and stops; otherwise confirm, run it on every host (the executor, deploy/apply-plan.ts), notify, and print
 * the summary (which throws when the run failed).
 */
import type { Config, Target } from '../config/config.js';
import type { RunSummary } from '../deploy/apply-plan.js';
import type { DeployPlan } from '../plan/plan-types.js';
import { printBuildPlan } from '../image-build/deploy-build.js';
import { notifyRun } from '../notify/run-notice.js';
import type { Reporter } from '../output/reporter.js';
import type { Scrubber } from '../redact/scrubber.js';
import { registerSwarmSecrets } from '../strategy/swarm/plan-lines.js';
import type { CommandContext } from './context.js';
import { confirmPlan, printPlan, printSummary, runPlan } from './run-plan.js';

export interface PlanExecution {
  /** Absent only in a dry run whose plan could not be built (a failed preflight says why). */
  plan: DeployPlan | undefined;
  dryRun: boolean;
  /** --yes: no question asked. */
  yes: boolean;
  /** After the confirmation, before any host: deploy's image build. The plan it returns is the one run. */
  prepare?(plan: DeployPlan): Promise<DeployPlan>;
  /** A dry run's last word before its result (deploy throws its preflight failure here). */
  afterDryRun?(): void;
}

/** What executePlan does to the world; the CLI's are planExecutor's, a test's are fakes. */
export interface PlanExecutor {
  reporter: Reporter;
  scrubber: Scrubber;
  confirm(plan: DeployPlan): Promise<void>;
  run(plan: DeployPlan): Promise<RunSummary>;
  /** After the records; never changes the outcome. */
  notify(plan: DeployPlan, summary: RunSummary): Promise<void>;
}

export async function executePlan(execution: PlanExecution, executor: PlanExecutor): Promise<void> {
  const { reporter } = executor;
  const { plan } = execution;
  if (plan) {
    registerSwarmSecrets(executor.scrubber, plan); // secrets of the run before anything prints
    if (plan.build) printBuildPlan(reporter, plan.build);
  }
  if (execution.dryRun) {
    if (plan) printPlan(reporter, plan);
    reporter.info('\ndry run: nothing was changed');
    execution.afterDryRun?.();
    reporter.result({ ok: true, dryRun: true, plan });
    return;
  }
  if (!plan) throw new Error('executePlan: no plan to run');
  if (!execution.yes) await executor.confirm(plan);
  const prepared = execution.prepare ? await execution.prepare(plan) : plan;
  const summary = await executor.run(prepared);
  await executor.notify(prepared, summary);
  printSummary(reporter, prepared, summary);
}

export function planExecutor(ctx: CommandContext, config: Config, target: Target, lockWaitMs: number): PlanExecutor {
  return {
    reporter: ctx.reporter,
    scrubber: ctx.scrubber,
    confirm: (plan) => confirmPlan(ctx, plan),
    run: (plan) => runPlan(ctx, config, target, plan, lockWaitMs),
    notify: (plan, summary) => notifyRun(ctx, config, plan, summary),
  };
}
