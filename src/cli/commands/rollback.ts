/**
 * `gangway rollback [TARGET] [--to TAG]`: back to the last good release before the one in place (or to any
 * retained good tag), through the same lock, detached apply, health gate and records as a deploy.
 */
import { narrowTarget } from '../../config/narrow-hosts.js';
import { buildPlan } from '../../deploy/plan.js';
import { validateTag } from '../../deploy/tag.js';
import { whoAmI } from '../../util/who.js';
import { registerLocalEnvSecrets } from '../../operate/server-secrets.js';
import { newReleaseId } from '../../server/layout.js';
import { notifyRun } from '../../notify/run-notice.js';
import type { CommandContext } from '../context.js';
import { confirmPlan, printPlan, printSummary, runPlan } from '../run-plan.js';
import { managerTarget } from '../swarm-target.js';
import { endCanaries } from './rollback-canary.js';

export interface RollbackOptions {
  to?: string;
  lockWaitMs: number;
  dryRun: boolean;
  yes?: boolean;
  /** --host: some hosts of the target only. */
  hosts?: string[];
}

export async function runRollback(
  ctx: CommandContext,
  targetName: string | undefined,
  options: RollbackOptions,
): Promise<void> {
  const { reporter } = ctx;
  const config = await ctx.loadConfig();
  const hosts = options.hosts ?? [];
  const selected = narrowTarget(ctx.target(config, targetName), hosts);
  if (options.to !== undefined) validateTag(options.to, '--to');
  await registerLocalEnvSecrets(config, ctx.scrubber);
  reporter.heading(`gangway rollback ${selected.name} (${config.app})${options.to ? ` to ${options.to}` : ''}`);
  const target = await managerTarget(ctx, selected);
  if (!options.dryRun && (await endCanaries(ctx, config, target))) return;
  const plan = await buildPlan({
    config,
    target,
    operation: 'rollback',
    tag: { kind: 'rollback', ...(options.to !== undefined && { to: options.to }) },
    releaseId: newReleaseId(),
    who: whoAmI(),
  });
  if (options.dryRun) {
    printPlan(reporter, plan);
    reporter.info('\ndry run: nothing was changed');
    reporter.result({ ok: true, dryRun: true, plan });
    return;
  }
  if (!options.yes) await confirmPlan(ctx, plan);
  const summary = await runPlan(ctx, config, target, plan, options.lockWaitMs);
  await notifyRun(ctx, config, plan, summary); // after the records; never changes the outcome
  printSummary(reporter, plan, summary);
}
