/**
 * `gangway rollback [TARGET] [--to TAG]`: back to the last good release before the one in place (or to any
 * retained tag), through the same lock, detached apply, health gate and records as a deploy (status `rollback`).
 * A rollback that fails its gate puts back the release it started from and says so.
 */
import { newReleaseId } from '../../deploy/layout.js';
import { buildPlan } from '../../deploy/plan.js';
import { validateTag } from '../../deploy/tag.js';
import { whoAmI } from '../../deploy/who.js';
import { registerLocalEnvSecrets } from '../../operate/server-secrets.js';
import type { CommandContext } from '../context.js';
import { applyPlan, printPlan, summarize } from './deploy.js';

export async function runRollback(ctx: CommandContext, targetName: string | undefined, options: { to?: string; lockWaitMs: number; dryRun: boolean; yes?: boolean }): Promise<void> {
  const { reporter } = ctx;
  const config = await ctx.loadConfig();
  const target = ctx.target(config, targetName);
  if (options.to !== undefined) validateTag(options.to, '--to');
  await registerLocalEnvSecrets(config, ctx.scrubber);
  reporter.heading(`gangway rollback ${target.name} (${config.app})${options.to ? ` to ${options.to}` : ''}`);
  const plan = await buildPlan({
    config,
    target,
    mode: 'rollback',
    tag: options.to ?? 'last good',
    releaseId: newReleaseId(),
    who: whoAmI(),
    ...(options.to !== undefined && { rollbackTo: options.to }),
  });
  if (options.dryRun) {
    printPlan(reporter, plan);
    reporter.info('\ndry run: nothing was changed');
    reporter.result({ ok: true, dryRun: true, plan });
    return;
  }
  const outcomes = await applyPlan(ctx, config, target, plan, undefined, options.lockWaitMs);
  summarize(reporter, plan, outcomes);
}
