/**
 * `<dir>/.gangway/rollout.json` on every host of a rollout across several hosts: written once every host is
 * locked, removed when the run ends knowing every host's outcome. One left behind means the CLI was gone
 * mid-rollout (killed, laptop closed): the next deploy, rollback or status says so, and the next deploy or
 * rollback — which covers every host — completes it.
 */
import type { Host } from '../hosts/host.js';
import type { RemoteLayout } from './layout.js';

export interface RolloutMarker {
  id: string;
  operation: string;
  tag: string;
  target: string;
  who: string;
  started: string;
  hosts: string[];
}

export async function writeRolloutMarker(host: Host, layout: RemoteLayout, marker: RolloutMarker): Promise<void> {
  await host.writeFileAtomic(layout.rollout, `${JSON.stringify(marker)}\n`, { mode: 0o644 });
}

export async function readRolloutMarker(host: Host, layout: RemoteLayout): Promise<RolloutMarker | undefined> {
  try {
    return parseRolloutMarker((await host.readFile(layout.rollout)).toString('utf8'));
  } catch {
    return undefined;
  }
}

export function parseRolloutMarker(text: string): RolloutMarker | undefined {
  try {
    const v = JSON.parse(text) as Partial<RolloutMarker>;
    if (typeof v.id !== 'string' || !Array.isArray(v.hosts)) return undefined;
    return {
      id: v.id,
      operation: String(v.operation ?? 'deploy'),
      tag: String(v.tag ?? '?'),
      target: String(v.target ?? '?'),
      who: String(v.who ?? '?'),
      started: String(v.started ?? '?'),
      hosts: v.hosts.map(String),
    };
  } catch {
    return undefined;
  }
}

export async function removeRolloutMarker(host: Host, layout: RemoteLayout, id: string): Promise<void> {
  const current = await readRolloutMarker(host, layout);
  if (current?.id === id) await host.exec(['rm', '-f', layout.rollout], { timeoutMs: 20_000 });
}

/** "rollout 20261122-… (deploy of v2 by ci@runner, started …) did not finish". */
export function describeUnfinished(m: RolloutMarker): string {
  return (
    `rollout ${m.id} (${m.operation === 'deploy' ? `deploy of ${m.tag}` : m.operation} to ${m.hosts.length} ` +
    `hosts by ${m.who}, started ${m.started}) did not finish`
  );
}
