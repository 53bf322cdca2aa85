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

/**
 * Which Compose each host has, found once per command run: the preflight's script finds it (remember), the
 * deploy steps ask again (find) and get that answer without another round trip. Keyed by the host's label.
 */
export class ComposeByHost {
  private readonly found = new Map<string, Promise<ComposeCli | undefined>>();

  /** What was found for this host so far (a promise while it is being found); undefined: nothing asked yet. */
  known(label: string): Promise<ComposeCli | undefined> | undefined {
    return this.found.get(label);
  }

  remember(label: string, cli: ComposeCli | undefined): void {
    this.found.set(label, Promise.resolve(cli));
  }

  find(host: Host): Promise<ComposeCli | undefined> {
    let cli = this.found.get(host.label);
    if (!cli) {
      cli = detectCompose(host);
      this.found.set(host.label, cli);
    }
    return cli;
  }
}
