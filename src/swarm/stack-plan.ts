/**
 * What a swarm deploy adds to the compose files, decided here from the files alone (pure; the plan and
 * `--dry-run` show it): Swarm update defaults for the services that set no `update_config`, and the secrets and
 * configs that get content-versioned names (Swarm refuses to change a secret's data, so a new value needs a new
 * name; swarm.sh names each `<stack>_<key>_<sha256[:12]>` of its content on the server).
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ComposeFile } from '../compose/compose-file.js';

/** The defaults a service without `update_config` gets, and why its order is what it is. */
export interface ServiceDefaults {
  service: string;
  order: 'start-first' | 'stop-first';
  /** Set when the order is not start-first. */
  why?: string;
}

/** A secret or config declared with `file:` (neither `external` nor an explicit `name`). */
export interface VersionedObject {
  kind: 'secret' | 'config';
  key: string;
  /** As written in the compose file (relative to it locally, and to `<dir>` on the server). */
  file: string;
  /** Where it is on this machine, when it is there: uploaded into the release (0600). Else read on the manager. */
  localPath?: string;
}

export interface SwarmStackPlan {
  stack: string;
  /** Every service of the merged files, in file order. */
  services: string[];
  defaults: ServiceDefaults[];
  objects: VersionedObject[];
  /** The `version:` the compose files declare (every file given to `docker stack deploy` must agree). */
  version?: string;
  /** Things the user should know (versions too old for the defaults or for versioned names). */
  notes: string[];
}

/** The defaults (docker's own where they are safe): one task at a time, Swarm rolls back a failed update. */
export const UPDATE_DEFAULTS = {
  parallelism: 1,
  delay: '0s',
  failure_action: 'rollback',
  monitor: '5s',
  max_failure_ratio: 0,
} as const;
export const ROLLBACK_DEFAULTS = { parallelism: 1, delay: '0s', failure_action: 'pause', monitor: '5s' } as const;

const KEY = /^[A-Za-z0-9._-]+$/;

export function planStack(stack: string, files: readonly ComposeFile[]): SwarmStackPlan {
  const services = new Map<string, { updateConfig: boolean; hostPorts: string[] }>();
  const objects = new Map<string, VersionedObject | null>();
  let version: string | undefined;
  for (const f of files) {
    const doc = record(f.doc) ?? {};
    if (version === undefined && doc.version !== undefined) version = String(doc.version);
    for (const [name, value] of Object.entries(record(doc.services) ?? {})) {
      const def = record(value);
      const entry = services.get(name) ?? { updateConfig: false, hostPorts: [] };
      const deploy = record(def?.deploy);
      if (deploy?.update_config !== undefined) entry.updateConfig = true;
      entry.hostPorts.push(...hostModePorts(def?.ports));
      services.set(name, entry);
    }
    for (const kind of ['secret', 'config'] as const) {
      for (const [key, value] of Object.entries(record(doc[`${kind}s`]) ?? {})) {
        const def = record(value) ?? {};
        const id = `${kind}/${key}`;
        // A later file's external or name takes the object out of gangway's hands; its file replaces the path.
        if (def.external !== undefined && def.external !== false) objects.set(id, null);
        else if (def.name !== undefined) objects.set(id, null);
        else if (typeof def.file === 'string' && objects.get(id) !== null && KEY.test(key)) {
          const local = resolve(dirname(f.path), def.file);
          objects.set(id, { kind, key, file: def.file, ...(existsSync(local) && { localPath: local }) });
        }
      }
    }
  }
  const notes: string[] = [];
  const withDefaults = version === undefined || atLeast(version, 3, 7);
  if (!withDefaults)
    notes.push(`compose file version ${version} has no rollback_config (3.7): no update defaults were added`);
  const canName = version === undefined || atLeast(version, 3, 5);
  if (!canName)
    notes.push(`compose file version ${version} cannot name secrets (3.5): secrets and configs keep their names`);
  const defaults: ServiceDefaults[] = [];
  for (const [service, s] of services) {
    if (s.updateConfig || !withDefaults) continue;
    defaults.push(
      s.hostPorts.length
        ? {
            service,
            order: 'stop-first',
            why: `publishes ${s.hostPorts.join(', ')} in mode host: two tasks cannot bind it on one node`,
          }
        : { service, order: 'start-first' },
    );
  }
  return {
    stack,
    services: [...services.keys()],
    defaults,
    objects: canName ? [...objects.values()].filter((o): o is VersionedObject => o !== null) : [],
    ...(version !== undefined && { version }),
    notes,
  };
}

/**
 * The compose file gangway adds after the user's (`docker stack deploy -c … -c swarm-defaults.yml`): the update
 * and rollback defaults of the services that set none. Its `version` is the user's, as the CLI requires.
 */
export function defaultsFile(plan: SwarmStackPlan): string {
  const lines = ['# Generated by gangway: Swarm update defaults for the services whose compose files set none.'];
  if (plan.version !== undefined) lines.push(`version: ${JSON.stringify(plan.version)}`);
  if (plan.defaults.length === 0) {
    lines.push('services: {}');
    return `${lines.join('\n')}\n`;
  }
  lines.push('services:');
  for (const d of plan.defaults) {
    const update = { ...UPDATE_DEFAULTS, order: d.order };
    const rollback = { ...ROLLBACK_DEFAULTS, order: d.order };
    lines.push(
      `  ${JSON.stringify(d.service)}:`,
      '    deploy:',
      `      update_config: ${flow(update)}`,
      `      rollback_config: ${flow(rollback)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** What a deploy says it added (one line, in the run log and as a step): which services, which order, why. */
export function defaultsSummary(plan: SwarmStackPlan): string {
  if (plan.defaults.length === 0) return '';
  const services = plan.defaults.map((d) => `${d.service} ${d.order}${d.why ? ` (${d.why})` : ''}`).join(', ');
  const update = `failure_action ${UPDATE_DEFAULTS.failure_action}, monitor ${UPDATE_DEFAULTS.monitor}`;
  const rollback = `rollback_config failure_action ${ROLLBACK_DEFAULTS.failure_action}`;
  return `no update_config in the compose files, gangway added one: ${services}; parallelism 1, ${update}; ${rollback}`;
}

/** One line per service for the plan: which defaults it got. */
export function describeDefaults(d: ServiceDefaults): string {
  return (
    `${d.service}: update_config ${flow({ ...UPDATE_DEFAULTS, order: d.order })}, rollback_config ` +
    `${flow({ ...ROLLBACK_DEFAULTS, order: d.order })}${d.why ? ` (${d.why})` : ''}`
  );
}

function flow(o: Record<string, string | number>): string {
  return `{ ${Object.entries(o)
    .map(([k, v]) => `${k}: ${typeof v === 'number' ? v : JSON.stringify(v)}`)
    .join(', ')} }`;
}

/** Long-syntax ports with `mode: host` and a published port (short syntax publishes through the ingress). */
function hostModePorts(ports: unknown): string[] {
  if (!Array.isArray(ports)) return [];
  return ports.flatMap((p) => {
    const port = record(p);
    return port?.mode === 'host' && port.published !== undefined ? [`port ${String(port.published)}`] : [];
  });
}

function atLeast(version: string, major: number, minor: number): boolean {
  const m = /^(\d+)(?:\.(\d+))?/.exec(version);
  if (!m) return true;
  const [a, b] = [Number(m[1]), Number(m[2] ?? 0)];
  return a > major || (a === major && b >= minor);
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
