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
import type { CommandContext } from '../context.js';
import { executePlan, planExecutor } from '../execute-plan.js';
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
  // The SSH handshakes run while the plan is made (connections are pooled: the run takes them from there).
  if (!options.dryRun) for (const spec of selected.hosts) ctx.openHost(selected, spec).catch(() => {});
  await registerLocalEnvSecrets(config, ctx.scrubber);
  reporter.heading(`gangway rollback ${selected.name} (${config.app})${options.to ? ` to ${options.to}` : ''}`);
  const target = await managerTarget(ctx, config, selected);
  if (!options.dryRun && (await endCanaries(ctx, config, target))) return;
  const plan = await buildPlan({
    config,
    target,
    operation: 'rollback',
    tag: { kind: 'rollback', ...(options.to !== undefined && { to: options.to }) },
    releaseId: newReleaseId(),
    who: whoAmI(),
  });
  const executor = planExecutor(ctx, config, target, options.lockWaitMs);
  await executePlan({ plan, dryRun: options.dryRun, yes: options.yes === true }, executor);
}
