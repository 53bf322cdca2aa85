/**
 * A swarm stack's health for `gangway status`, read on the manager (swarm-status.sh): per service the tasks
 * running of those desired, the image and the last update's state; the nodes and whether they are ready; fatal
 * pattern counts over `docker service logs`. `swarmVerdict` turns it into NO-GO reasons and warnings.
 */
import type { Host } from '../hosts/host.js';
import { runScript } from '../server/scripts.js';

export interface SwarmServiceStatus {
  /** The compose service (`web`); `name` is Swarm's (`<stack>_web`). */
  service: string;
  name: string;
  mode: string;
  running: number;
  desired: number;
  image: string;
  /** The last update's state (`completed`, `rollback_completed`, `paused`…), `none` when there was none. */
  update: string;
  updateMessage?: string;
  fatalLines: number;
}

export interface SwarmNodeStatus {
  name: string;
  /** Ready, Down, Unknown… */
  status: string;
  /** Active, Pause, Drain */
  availability: string;
  /** Leader, Reachable, Unreachable, or '' for a worker. */
  manager: string;
}

export interface SwarmStatus {
  /** The node gangway talked to, whether it is a manager, and its docker CLI's version. */
  node: string;
  manager: boolean;
  client: string;
  services: SwarmServiceStatus[];
  nodes: SwarmNodeStatus[];
}

export async function readSwarmStatus(
  host: Host,
  stack: string,
  fatal: { patterns: string[]; tail: number } | undefined,
): Promise<SwarmStatus> {
  const args = [stack, String(fatal?.tail ?? 100), ...(fatal?.patterns ?? [])];
  const r = await host.exec(runScript('swarm-status.sh', args), { timeoutMs: 60_000 });
  return parseSwarmStatus(stack, r.stdout);
}

export function parseSwarmStatus(stack: string, stdout: string): SwarmStatus {
  const sections = new Map<string, string[]>();
  let name = '';
  for (const line of stdout.split('\n')) {
    if (line.startsWith('@@')) sections.set((name = line.slice(2)), []);
    else if (line.trim()) sections.get(name)?.push(line);
  }
  const rows = (k: string) => (sections.get(k) ?? []).map((l) => l.split('|'));
  const updates = new Map(
    rows('updates').map(([n = '', image = '', state = '', ...msg]) => [n, { image, state, msg }]),
  );
  const fatal = new Map(rows('fatal').map(([n = '', count = '0']) => [n, Number(count) || 0]));
  const services = rows('services').map(([n = '', mode = '', replicas = '']): SwarmServiceStatus => {
    const [, running = '0', desired = '0'] = /^(\d+)\/(\d+)/.exec(replicas) ?? [];
    const u = updates.get(n);
    const message = u?.msg.join('|');
    return {
      service: n.startsWith(`${stack}_`) ? n.slice(stack.length + 1) : n,
      name: n,
      mode,
      running: Number(running),
      desired: Number(desired),
      image: u?.image ?? '',
      update: u?.state || 'none',
      ...(message && { updateMessage: message }),
      fatalLines: fatal.get(n) ?? 0,
    };
  });
  const nodes = rows('nodes').map(([n = '', status = '', availability = '', manager = '']) => ({
    name: n,
    status,
    availability,
    manager,
  }));
  const [node = '', , control = ''] = rows('node')[0] ?? [];
  return { node, manager: control === 'true', client: rows('client')[0]?.[0] ?? '', services, nodes };
}

/** NO-GO reasons and warnings: a service short of tasks, an update paused or in progress, fatal lines, nodes. */
export function swarmVerdict(s: SwarmStatus, deployed: boolean): { reasons: string[]; warnings: string[] } {
  const reasons: string[] = [];
  const warnings: string[] = [];
  if (deployed && s.services.length === 0) reasons.push('no services of this stack in the Swarm');
  for (const svc of s.services) {
    if (svc.running < svc.desired) reasons.push(`${svc.service}: ${svc.running} of ${svc.desired} tasks running`);
    if (svc.update === 'paused' || svc.update === 'rollback_paused')
      reasons.push(`${svc.service}: update ${svc.update}${svc.updateMessage ? ` (${svc.updateMessage})` : ''}`);
    if (svc.update === 'updating' || svc.update === 'rollback_started')
      reasons.push(`${svc.service}: an update is in progress (${svc.update})`);
    if (svc.update === 'rollback_completed')
      warnings.push(
        `${svc.service}: Swarm rolled its last update back${svc.updateMessage ? ` (${svc.updateMessage})` : ''}`,
      );
    if (svc.fatalLines > 0) reasons.push(`${svc.service}: ${svc.fatalLines} fatal log line(s)`);
  }
  const down = s.nodes.filter((n) => n.status !== 'Ready');
  for (const n of down) warnings.push(`node ${n.name} is ${n.status}${n.manager ? ` (manager, ${n.manager})` : ''}`);
  if (s.nodes.length > 0 && down.length === s.nodes.length) reasons.push('no node of the Swarm is ready');
  return { reasons, warnings };
}

/** `3 ready of 3: gwh21 (Leader), gwh22, gwh23`. */
export function describeNodes(nodes: SwarmNodeStatus[]): string {
  const ready = nodes.filter((n) => n.status === 'Ready').length;
  const list = nodes.map((n) => {
    const notes = [n.manager, n.status !== 'Ready' ? n.status : '', n.availability !== 'Active' ? n.availability : '']
      .filter(Boolean)
      .join(', ');
    return notes ? `${n.name} (${notes})` : n.name;
  });
  return `${ready} ready of ${nodes.length}: ${list.join(', ')}`;
}
