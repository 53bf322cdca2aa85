/**
 * `gangway build [TARGET]`: only the image.build step of a deploy — built for the target's hosts' platform (each
 * host's engine is asked, read-only) and, with registry delivery, pushed. For CI jobs that build once and deploy
 * to several targets with `gangway deploy --no-build`.
 */
import { buildInRun, printBuildPlan, runBuildStep } from '../../image-build/deploy-build.js';
import { probeHost } from '../../check/host-probe.js';
import { resolveTag } from '../../deploy/tag.js';
import { loadEnvFile } from '../../env/env-file.js';
import { UsageError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { managerTarget } from '../swarm-target.js';

export interface BuildOptions {
  tag?: string;
  platform?: string;
  dryRun: boolean;
}

export async function runBuild(ctx: CommandContext, targetName: string | undefined, options: BuildOptions) {
  const { reporter } = ctx;
  const config = await ctx.loadConfig();
  const build = buildInRun(config, options.platform);
  if (!build) throw new UsageError('gangway.yml has no image.build: say how the image is built (docs/guides/build.md)');
  const env = config.env ? await loadEnvFile(config.env.file, ctx.scrubber) : undefined;
  const tag = await resolveTag(config.image!.tag, config.baseDir, new Date(), options.tag);
  const target = await managerTarget(ctx, config, ctx.target(config, targetName));
  reporter.heading(`gangway build ${target.name} (${config.app}) — tag ${tag}`);
  if (build.preflight.platform === undefined)
    await Promise.all(
      target.hosts.map(async (spec) => {
        const facts = await probeHost(await ctx.openHost(target, spec), target.dir);
        build.preflight.onPlatform(spec.label, 'platform' in facts.docker ? facts.docker.platform : undefined);
      }),
    );
  const plan = await build.plan(tag);
  printBuildPlan(reporter, plan);
  if (options.dryRun) {
    reporter.info('\ndry run: nothing was built');
    reporter.result({ ok: true, dryRun: true, build: plan });
    return;
  }
  const result = await runBuildStep(reporter, ctx.scrubber, config, plan, env);
  reporter.result({ ok: true, ...result, ...(plan.platform && { platform: plan.platform }) });
}
