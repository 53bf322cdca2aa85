/** Which Compose a host has: the v2 plugin (`docker compose`), else the v1 binary (`docker-compose`). */
import type { Host } from '../hosts/host.js';

export interface ComposeCli {
  flavour: 'v2' | 'v1';
  version: string;
  /** argv prefix for compose commands on this host. */
  argv: string[];
}

export async function detectCompose(host: Host): Promise<ComposeCli | undefined> {
  const v2 = await host.exec(['docker', 'compose', 'version', '--short'], { timeoutMs: 20_000 }).catch(() => undefined);
  if (v2?.code === 0) return { flavour: 'v2', version: v2.stdout.trim(), argv: ['docker', 'compose'] };
  const v1 = await host.exec(['docker-compose', 'version', '--short'], { timeoutMs: 20_000 }).catch(() => undefined);
  if (v1?.code === 0) return { flavour: 'v1', version: v1.stdout.trim(), argv: ['docker-compose'] };
  return undefined;
}
