/**
 * `gangway deploy [TARGET]`: preflight, plan, confirm, then the executor (deploy/apply-plan.ts) runs the plan
 * on every host; this file only parses options and prints.
 */
import { narrowTarget } from '../../config/narrow-hosts.js';
import { countFailures } from '../../check/checklist.js';
import { buildPlan, pinDigest } from '../../deploy/plan.js';
import { buildInRun, printBuildPlan, runBuildStep } from '../../image-build/deploy-build.js';
import { resolveTag } from '../../deploy/tag.js';
import { whoAmI } from '../../util/who.js';
import { loadEnvFile } from '../../env/env-file.js';
import { PreflightError, UsageError } from '../../errors.js';
import { newReleaseId } from '../../server/layout.js';
import { notifyRun } from '../../notify/run-notice.js';
import type { CommandContext } from '../context.js';
import { requireProxy } from './maintenance.js';
import { confirmPlan, printPlan, printSummary, runPlan } from '../run-plan.js';
import { managerTarget } from '../swarm-target.js';
import { registerSwarmSecrets } from '../../strategy/swarm/plan-lines.js';
import { preflight } from '../../check/preflight.js';

export interface DeployOptions {
  tag?: string;
  envOnly: boolean;
  dryRun: boolean;
  yes: boolean;
  lockWaitMs: number;
  /** --host: some hosts of the target only. */
  hosts?: string[];
  /** --platform: image.build builds for this platform in this run. */
  platform?: string;
  /** --no-build: deploy the image as it is (built earlier, e.g. by `gangway build` in another CI job). */
  noBuild?: boolean;
  /** --end-maintenance: maintenance mode ends once the new release serves (it stays on otherwise). */
  endMaintenance?: boolean;
}

export async function runDeploy(
  ctx: CommandContext,
  targetName: string | undefined,
  options: DeployOptions,
): Promise<void> {
  const { reporter } = ctx;
  const config = await ctx.loadConfig();
  const hosts = options.hosts ?? [];
  const selected = narrowTarget(ctx.target(config, targetName), hosts);
  const env = config.env ? await loadEnvFile(config.env.file, ctx.scrubber) : undefined;
  if (options.envOnly && !config.env) throw new UsageError('--env-only needs an env file (env.file in gangway.yml)');
  if (options.endMaintenance) requireProxy(config, '--end-maintenance');
  if (options.envOnly && options.tag) throw new UsageError('--env-only keeps the tag that is deployed; drop --tag');

  const given = options.envOnly
    ? undefined
    : await resolveTag(config.image?.tag ?? 'git', config.baseDir, new Date(), options.tag);
  reporter.heading(
    `gangway deploy ${selected.name} (${config.app}) — ${given === undefined ? 'env only' : `tag ${given}`}`,
  );
  const target = await managerTarget(ctx, selected);

  const build = given === undefined || options.noBuild ? undefined : buildInRun(config, options.platform);
  if (options.platform && !config.image?.build)
    throw new UsageError('--platform sets the platform of image.build, and gangway.yml has no image.build');
  const checklist = await preflight(ctx, config, target, env, 'problems', given, build?.preflight);
  const failures = countFailures(checklist);
  const failed = () =>
    new PreflightError(`preflight failed: ${failures} check${failures === 1 ? '' : 's'} failed; nothing was changed`, {
      details: { target: target.name, ...checklist },
    });
  if (failures > 0 && !options.dryRun) throw failed();
  if (failures === 0) reporter.item('ok', 'preflight', 'passed');

  // The build's plan needs the hosts' platforms: after a preflight that reached them.
  const buildPlanned = build && failures === 0 ? await build.plan(given!) : undefined;
  const newPlan = () =>
    buildPlan({
      ...(buildPlanned && { build: buildPlanned }),
      config,
      target,
      operation: options.envOnly ? 'env-only' : 'deploy',
      tag: given === undefined ? { kind: 'in-place' } : { kind: 'given', value: given },
      releaseId: newReleaseId(),
      who: whoAmI(),
      ...(options.endMaintenance && { endMaintenance: true }),
    });
  if (options.dryRun) {
    // A dry run shows what would run even when preflight failed (the failures above say what to fix first).
    const plan = await newPlan().catch((error: unknown) => {
      if (failures === 0) throw error;
      reporter.info(`\nno plan: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    });
    if (plan) {
      registerSwarmSecrets(ctx.scrubber, plan);
      if (plan.build) printBuildPlan(reporter, plan.build);
      printPlan(reporter, plan);
    }
    reporter.info('\ndry run: nothing was changed');
    if (failures > 0) throw failed();
    reporter.result({ ok: true, dryRun: true, plan });
    return;
  }
  const planned = await newPlan();
  registerSwarmSecrets(ctx.scrubber, planned);
  if (planned.build) printBuildPlan(reporter, planned.build);
  if (!options.yes) await confirmPlan(ctx, planned);
  const built = planned.build && (await runBuildStep(reporter, ctx.scrubber, config, planned.build, env));
  const plan = built?.digest ? pinDigest(planned, built.digest) : planned;
  const summary = await runPlan(ctx, config, target, plan, options.lockWaitMs);
  await notifyRun(ctx, config, plan, summary); // after the records; never changes the outcome
  printSummary(reporter, plan, summary);
}
