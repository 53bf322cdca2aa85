/**
 * `gangway deploy [TARGET]`: preflight and plan; then executePlan (../execute-plan.ts), shared with rollback,
 * confirms, builds the image, runs the plan on every host and prints. This file only parses options and prints.
 */
import { narrowTarget } from '../../config/narrow-hosts.js';
import { countFailures } from '../../checklist.js';
import { buildPlan, pinDigest } from '../../deploy/plan.js';
import { buildInRun, runBuildStep } from '../../image-build/deploy-build.js';
import { resolveTag } from '../../deploy/tag.js';
import { whoAmI } from '../../util/who.js';
import { loadEnvFile } from '../../env/env-file.js';
import { PreflightError, UsageError } from '../../errors.js';
import { newReleaseId } from '../../server/layout.js';
import type { CommandContext } from '../context.js';
import { requireProxy } from './maintenance.js';
import { executePlan, planExecutor } from '../execute-plan.js';
import { managerTarget } from '../swarm-target.js';
import type { DeployPlan } from '../../plan/plan-types.js';
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
  if (options.endMaintenance) requireProxy(config, selected, '--end-maintenance');
  if (options.envOnly && options.tag) throw new UsageError('--env-only keeps the tag that is deployed; drop --tag');

  const given = options.envOnly
    ? undefined
    : await resolveTag(config.image?.tag ?? 'git', config.baseDir, new Date(), options.tag);
  reporter.heading(
    `gangway deploy ${selected.name} (${config.app}) — ${given === undefined ? 'env only' : `tag ${given}`}`,
  );
  const target = await managerTarget(ctx, config, selected);

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
  const executor = planExecutor(ctx, config, target, options.lockWaitMs);
  if (options.dryRun) {
    // A dry run shows what would run even when preflight failed (the failures above say what to fix first).
    const plan = await newPlan().catch((error: unknown) => {
      if (failures === 0) throw error;
      reporter.info(`\nno plan: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    });
    const afterDryRun = () => {
      if (failures > 0) throw failed();
    };
    await executePlan({ plan, dryRun: true, yes: options.yes, afterDryRun }, executor);
    return;
  }
  const prepare = async (planned: DeployPlan) => {
    const built = planned.build && (await runBuildStep(reporter, ctx.scrubber, config, planned.build, env));
    return built?.digest ? pinDigest(planned, built.digest) : planned;
  };
  await executePlan({ plan: await newPlan(), dryRun: false, yes: options.yes, prepare }, executor);
}
