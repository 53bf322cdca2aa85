/**
 * Commands on a target whose strategy works through one manager (swarm) talk to that one: the first of its hosts
 * that answers and is a manager. This narrows the target to it and says which one (and why the hosts before it
 * were passed over).
 */
import type { Config, Target } from '../config/config.js';
import { UsageError } from '../errors.js';
import { strategyFor } from '../strategy/index.js';
import type { CommandContext } from './context.js';

export async function managerTarget(ctx: CommandContext, config: Config, target: Target): Promise<Target> {
  const strategy = strategyFor(config, target);
  if (!strategy.chooseManager) return target;
  const choice = await strategy.chooseManager(target, ctx.openHost);
  for (const s of choice.skipped) ctx.reporter.item('warn', `manager ${s.host}`, `passed over: ${s.reason}`);
  ctx.reporter.item('ok', 'Swarm manager', `${choice.target.hosts[0]!.label} (node ${choice.node})`);
  return choice.target;
}

/** What runs inside the app's services (exec, backups) is refused where the strategy says so; nothing done. */
export function composeOnly(config: Config, target: Target, what: string): Target {
  const refused = strategyFor(config, target).refusesServiceCommands?.(target);
  if (refused) throw new UsageError(`${what}: ${refused}`);
  return target;
}
