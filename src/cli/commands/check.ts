/** `gangway check [TARGET]`: the preflight checklist; changes nothing anywhere. Exit 3 when something failed. */
import { countFailures } from '../../checklist.js';
import { preflight } from '../../check/preflight.js';
import { buildInRun } from '../../image-build/deploy-build.js';
import { loadEnvFile } from '../../env/env-file.js';
import { PreflightError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { managerTarget } from '../swarm-target.js';

export async function runCheck(ctx: CommandContext, targetName: string | undefined): Promise<void> {
  const config = await ctx.loadConfig();
  const selected = ctx.target(config, targetName);
  // The env file's values become secrets before anything about it is printed.
  const env = config.env ? await loadEnvFile(config.env.file, ctx.scrubber) : undefined;
  ctx.reporter.heading(`gangway check ${selected.name} (${config.app})`);
  const target = await managerTarget(ctx, config, selected);
  // With image.build the image is built at deploy time, for the hosts: there is no image to look at yet.
  const build = buildInRun(config, undefined)?.preflight;
  const list = await preflight(ctx, config, target, env, 'all', undefined, build);
  const failures = countFailures(list);
  const document = { target: target.name, app: config.app, ...list };
  if (failures > 0) {
    throw new PreflightError(`preflight failed: ${failures} check${failures === 1 ? '' : 's'} failed`, {
      details: document,
    });
  }
  ctx.reporter.info('\npreflight passed');
  ctx.reporter.result({ ok: true, ...document });
}
