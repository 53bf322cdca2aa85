/**
 * A command's SSH connections, started from gangway.yml as written before the rest of the command loads and
 * validates it (issue 27): the handshakes wait on the network meanwhile instead of after it. Only what a
 * connection needs is read here — the target's hosts and its `ssh:` section over the top-level one, resolved as
 * the validated configuration resolves them (config/ssh-settings.ts) — and anything unexpected means no early
 * connection: the command then reads the file itself and reports what is wrong as it always does. The command's
 * host pool takes a connection only if the validated configuration names the same host with the same settings
 * (hosts/early-hosts.ts).
 */
import { dirname, resolve } from 'node:path';
import { parseConfigAhead, readConfigAhead } from '../config/config-file.js';
import { parseHostSpec } from '../config/hosts.js';
import { resolveLocalPath } from '../config/paths.js';
import type { ParsedSsh } from '../config/schema.js';
import { resolveSsh } from '../config/ssh-settings.js';
import { earlyHandshakesStarted, startEarlyHost } from '../hosts/early-hosts.js';

/**
 * Start connecting to the hosts of `targetName` (or of the only target) in the config file at `configPath`;
 * settles once their handshakes are under way (hosts/early-hosts.ts says why the command waits for that).
 */
export async function connectEarly(configPath: string, targetName: string | undefined): Promise<void> {
  try {
    const file = resolve(configPath);
    const { source, problems } = parseConfigAhead(configPath, await readConfigAhead(file));
    const plain = problems.length === 0 ? source.toJS() : undefined;
    const root = plain && 'value' in plain ? plain.value : undefined;
    const targets = field(root, 'targets');
    const names = isRecord(targets) ? Object.keys(targets) : [];
    const name = targetName ?? (names.length === 1 ? names[0] : undefined);
    const target = name === undefined || !Object.hasOwn(targets as object, name) ? undefined : field(targets, name);
    const hosts = field(target, 'hosts');
    const ssh = field(target, 'ssh');
    const shared = field(root, 'ssh'); // the top-level ssh:, which the target's keys override
    if (!Array.isArray(hosts) || ![ssh, shared].every((s) => s === undefined || isRecord(s))) return;
    const local = (p: string) => resolveLocalPath(p, dirname(file));
    const settings = resolveSsh(ssh as ParsedSsh | undefined, local, name!, shared as ParsedSsh | undefined);
    for (const text of hosts) {
      const spec = typeof text === 'string' ? parseHostSpec(text) : undefined;
      if (spec && !('error' in spec)) startEarlyHost(spec, settings);
    }
  } catch {
    // a file the command will report on: nothing starts early
  }
  await earlyHandshakesStarted();
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(v: unknown, key: string): unknown {
  return isRecord(v) ? v[key] : undefined;
}
