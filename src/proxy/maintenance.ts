/**
 * Maintenance mode on one host: maintenance.sh writes or removes the app's page in the proxy's home (the route
 * answers 503 with it while it exists) and keeps who/when/message beside the app's proxy state for status.
 */
import type { Host } from '../hosts/host.js';
import { runScript } from '../server/scripts.js';

export interface MaintenanceInfo {
  /** ISO 8601 UTC. */
  since?: string;
  by?: string;
  message?: string;
}

export interface MaintenanceChange {
  was: 'on' | 'off';
  now: 'on' | 'off';
}

export class MaintenanceRefused extends Error {}

export async function setMaintenance(
  host: Host,
  stateDir: string,
  app: string,
  change: { on: true; page: string; info: MaintenanceInfo } | { on: false },
): Promise<MaintenanceChange> {
  const args = change.on ? ['on', stateDir, app, change.page, JSON.stringify(change.info)] : ['off', stateDir, app];
  const r = await host.exec(runScript('maintenance.sh', args), { timeoutMs: 30_000 });
  const lines = r.stdout.split('\n');
  const refused = lines.find((l) => l.startsWith('error: '));
  if (refused) throw new MaintenanceRefused(refused.slice('error: '.length));
  const was = state(lines, 'was');
  const now = state(lines, 'now');
  if (r.code !== 0 || !was || !now)
    throw new Error(`maintenance.sh ended with exit ${r.code}: ${r.stderr.trim().split('\n')[0] ?? ''}`);
  return { was, now };
}

/** `maintenance.sh read` output: `now on|off`, then the info line when on. */
export function parseMaintenanceRead(text: string): MaintenanceInfo | undefined {
  const [first, info] = text.trim().split('\n');
  if (first?.trim() !== 'now on') return undefined;
  try {
    const parsed = JSON.parse(info ?? '{}') as Record<string, unknown>;
    const str = (k: string) => (typeof parsed[k] === 'string' ? { [k]: parsed[k] } : {});
    return { ...str('since'), ...str('by'), ...str('message') };
  } catch {
    return {};
  }
}

function state(lines: string[], word: 'was' | 'now'): 'on' | 'off' | undefined {
  const v = lines.find((l) => l.startsWith(`${word} `))?.slice(word.length + 1);
  return v === 'on' || v === 'off' ? v : undefined;
}
