/** `gangway check [TARGET]`: the preflight checklist; changes nothing anywhere. Exit 3 when something failed. */
import { countFailures } from '../../checklist.js';
import { PreflightError } from '../../errors.js';
import type { CommandContext } from '../context.js';

export async function runCheck(ctx: CommandContext, targetName: string | undefined): Promise<void> {
  const config = await ctx.loadConfig();
  const selected = ctx.target(config, targetName);
  // The SSH handshakes start now and wait on the network while the checks' code loads (the connections are
  // pooled: the host checks get these, and a strategy that picks one manager tries them in its own order).
  for (const spec of selected.hosts) ctx.openHost(selected, spec).catch(() => {});
  const [{ loadEnvFile }, { preflight }, { managerTarget }] = await Promise.all([
    import('../../env/env-file.js'),
    import('../../check/preflight.js'),
    import('../swarm-target.js'),
  ]);
  // The env file's values become secrets before anything about it is printed.
  const env = config.env ? await loadEnvFile(config.env.file, ctx.scrubber) : undefined;
  ctx.reporter.heading(`gangway check ${selected.name} (${config.app})`);
  const target = await managerTarget(ctx, config, selected);
  // With image.build the image is built at deploy time, for the hosts: there is no image to look at yet.
  const build = config.image?.build
    ? (await import('../../image-build/deploy-build.js')).buildInRun(config, undefined)?.preflight
    : undefined;
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
