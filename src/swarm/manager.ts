/**
 * A swarm target's hosts are managers, tried in order: the first one that answers and is a manager (Docker says
 * `ControlAvailable`) is the one every command of the run talks to; the others are fallbacks. Commands narrow
 * the target to it before planning, so a plan, its lock and its records are that manager's.
 */
import type { Target } from '../config/config.js';
import type { HostSpec } from '../config/hosts.js';
import type { ComposeCli } from '../docker/compose-cli.js';
import { ExitCode, GangwayError } from '../errors.js';
import type { Host } from '../hosts/host.js';

/** What a swarm run carries where Compose would be: a manager needs none (apply.sh's swarm.sh never calls it). */
export const NO_COMPOSE: ComposeCli = {
  flavour: 'v2',
  version: 'not needed (Swarm manager)',
  argv: ['docker', 'compose'],
};

export interface SkippedHost {
  host: string;
  reason: string;
}

export interface ManagerChoice {
  /** The target narrowed to the chosen manager (unchanged for the compose engine). */
  target: Target;
  /** The chosen manager's node name, for swarm targets. */
  node?: string;
  /** Hosts tried before it, and why each was passed over. */
  skipped: SkippedHost[];
}

type Open = (target: Target, spec: HostSpec) => Promise<Host>;

const INFO = '{{.Swarm.LocalNodeState}}|{{.Swarm.ControlAvailable}}|{{.Name}}';

/**
 * The first reachable manager of a swarm target. No manager at all: an error naming every host and why (exit 3,
 * preflight: nothing was changed anywhere).
 */
export async function chooseManager(target: Target, open: Open): Promise<ManagerChoice> {
  if (target.engine !== 'swarm') return { target, skipped: [] };
  const skipped: SkippedHost[] = [];
  for (const spec of target.hosts) {
    const verdict = await managerVerdict(target, spec, open);
    if ('node' in verdict) return { target: { ...target, hosts: [spec] }, node: verdict.node, skipped };
    skipped.push({ host: spec.label, reason: verdict.reason });
  }
  throw new GangwayError(
    'E_NO_MANAGER',
    ExitCode.preflight,
    `${target.name}: no reachable Swarm manager among its hosts; nothing was changed`,
    { hints: skipped.map((s) => `${s.host}: ${s.reason}`), details: { target: target.name, skipped } },
  );
}

async function managerVerdict(
  target: Target,
  spec: HostSpec,
  open: Open,
): Promise<{ node: string } | { reason: string }> {
  let host: Host;
  try {
    host = await open(target, spec);
  } catch (e) {
    return { reason: `unreachable: ${(e as Error).message}` };
  }
  const r = await host
    .exec(['docker', 'info', '--format', INFO], { timeoutMs: 20_000 })
    .catch((e: Error) => ({ code: -1, stdout: '', stderr: e.message }));
  if (r.code !== 0) {
    const first = r.stderr.split('\n').find((l) => l.trim()) ?? `exit ${r.code}`;
    return { reason: `docker info failed: ${first.trim()}` };
  }
  const [state = '', control = '', node = ''] = r.stdout.trim().split('|');
  if (state !== 'active') return { reason: `not part of a Swarm (state ${state || 'unknown'})` };
  if (control !== 'true') return { reason: `a Swarm worker (node ${node}), not a manager` };
  return { node };
}
