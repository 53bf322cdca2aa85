/**
 * Commands on a swarm target talk to one manager: the first of its hosts that answers and is a manager. This
 * narrows the target to it and says which one (and why the hosts before it were passed over).
 */
import type { Target } from '../config/config.js';
import { UsageError } from '../errors.js';
import { chooseManager } from '../swarm/manager.js';
import type { CommandContext } from './context.js';

export async function managerTarget(ctx: CommandContext, target: Target): Promise<Target> {
  if (target.engine !== 'swarm') return target;
  const choice = await chooseManager(target, ctx.openHost);
  for (const s of choice.skipped) ctx.reporter.item('warn', `manager ${s.host}`, `passed over: ${s.reason}`);
  ctx.reporter.item('ok', 'Swarm manager', `${choice.target.hosts[0]!.label} (node ${choice.node})`);
  return choice.target;
}

/** What runs inside compose services (exec, backups) is not built for swarm targets yet: refused, nothing done. */
export function composeOnly(target: Target, what: string): Target {
  if (target.engine === 'swarm')
    throw new UsageError(`${what}: not supported for swarm targets yet (targets.${target.name}.engine is swarm)`);
  return target;
}
