/**
 * `gangway rollback` while a traffic canary (proxy.canary) is in progress: it ends the canary at once on every
 * host that has one (all traffic to the colour that served before), waits for the deploy to record it, and goes
 * no further back — the release in place is the one before the canary's.
 */
import type { Config, Target } from '../../config/config.js';
import { strategyFor } from '../../strategy/index.js';
import type { CommandContext } from '../context.js';

/** Whether some host had a canary in progress (then ended, and nothing else is to be done). */
export async function endCanaries(ctx: CommandContext, config: Config, target: Target): Promise<boolean> {
  const rollout = strategyFor(config, target).rollout;
  const waitMs = rollout?.waitMs(config);
  if (!rollout || waitMs === undefined) return false;
  const ended = await Promise.all(
    target.hosts.map(async (spec) => {
      const host = await ctx.openHost(target, spec);
      const found = await rollout.end(host, await host.resolvePath(target.dir), config.app, waitMs);
      if (found) {
        const { canary, status } = found;
        ctx.reporter.item(
          'ok',
          `${spec.label} canary ended`,
          `release ${canary.release} stopped at ${canary.share}%: all traffic back on ${canary.from}` +
            (status ? `; the deploy recorded it ${status}` : '; the deploy has not recorded it yet'),
        );
      }
      return found;
    }),
  );
  const any = ended.filter((e) => e !== undefined);
  if (any.length > 0) ctx.reporter.result({ ok: true, canaryEnded: any.map((e) => e.canary) });
  return any.length > 0;
}
