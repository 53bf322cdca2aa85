/**
 * image.build inside `deploy` (and `gangway build`): the hosts' platforms are collected during the preflight,
 * the build is planned once the preflight passed, and run after the plan is confirmed, before any host is locked.
 */
import type { Config } from '../config/config.js';
import type { Platform } from '../delivery/platform.js';
import type { LoadedEnvFile } from '../env/env-file.js';
import type { Reporter } from '../output/reporter.js';
import type { Scrubber } from '../redact/scrubber.js';
import { planLocalBuild, runLocalBuild, type BuildPlan, type BuildResult } from './local-build.js';
import type { HostPlatform } from './platform-choice.js';
import { quoteArgv } from '../shell/quote.js';

export interface BuildInRun {
  /** For the preflight: the platform the build is fixed to (checked against every host), and the hosts' own. */
  preflight: { platform?: string; onPlatform: (host: string, platform: Platform | undefined) => void };
  plan(tag: string): Promise<BuildPlan>;
}

/** undefined when this run builds nothing (no image.build, --no-build, env-only). */
export function buildInRun(config: Config, platformFlag: string | undefined): BuildInRun | undefined {
  const build = config.image?.build;
  if (!build) return undefined;
  const hosts: HostPlatform[] = [];
  const platform = platformFlag ?? build.platform;
  return {
    preflight: {
      ...(platform && { platform }),
      onPlatform: (host, p) => hosts.push({ host, ...(p && { platform: p }) }),
    },
    plan: (tag) => planLocalBuild({ config, tag, ...(platformFlag && { platformFlag }), hosts }),
  };
}

export function printBuildPlan(reporter: Reporter, plan: BuildPlan): void {
  reporter.heading(`build ${plan.image} on this machine (${plan.builder})`);
  reporter.info(`  platform: ${plan.platform ?? "this machine's"} — ${plan.platformWhy}`);
  reporter.info(`  ${quoteArgv(plan.argv)}`);
  if (plan.secrets.length) reporter.info(`  build secrets from the environment: ${plan.secrets.join(', ')}`);
  if (plan.push)
    reporter.info(
      `  docker push ${plan.image}${plan.cacheTag ? ` and ${plan.cacheTag}` : ''}; the hosts pull its digest`,
    );
  for (const note of plan.notes) reporter.info(`  note: ${note}`);
}

export async function runBuildStep(
  reporter: Reporter,
  scrubber: Scrubber,
  config: Config,
  plan: BuildPlan,
  envFile: LoadedEnvFile | undefined,
): Promise<BuildResult> {
  reporter.info(`build ${plan.image}${plan.platform ? ` for ${plan.platform}` : ''} (${plan.builder})`);
  const result = await runLocalBuild(plan, {
    config,
    ...(envFile && { envFile }),
    scrubber,
    onLine: (line) => reporter.debug(`build | ${line}`),
    onStep: (line) => reporter.info(`  ${line}`),
  });
  const pushed = result.pushed
    ? `; pushed ${result.digest} (${result.pushed.layers} layers sent, ` +
      `${result.pushed.present} already in the registry)`
    : '';
  reporter.item('ok', 'build', `${plan.image}${pushed}`, result.durationMs);
  return result;
}
