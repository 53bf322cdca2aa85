/**
 * SSH connections started before the command has validated its configuration (issue 27): the handshake waits on
 * the network while the schema loads and checks gangway.yml. cli/early-connect.ts starts them from the target's
 * hosts as written; the command's host pool takes one only for the very host and SSH settings the validated
 * configuration gives (compared whole), and the rest are closed when the command ends.
 *
 * Nothing of an early connection reaches the user unless it is taken: its warnings wait until then, it never
 * records a host key (not started under --accept-new-host-key), and where the key needs a passphrase to be typed
 * it stops, and the command connects anew, asking as it always does.
 */
import type { SshSettings } from '../config/config.js';
import type { HostSpec } from '../config/hosts.js';
import type { Host } from './host.js';
import { openHost } from './open-host.js';
import type { ConnectOptions } from './ssh/connect.js';

interface EarlyHost {
  host: Promise<Host>;
  stop: AbortController;
  /** Warnings so far; once taken, they go to `warn`. */
  warnings: string[];
  warn?: (message: string) => void;
}

const started = new Map<string, EarlyHost>();

/** An early connection asked for a passphrase: only the command itself may ask for one. */
class PassphraseWanted extends Error {}

function keyOf(spec: HostSpec, settings: SshSettings): string {
  return JSON.stringify([spec, settings]);
}

/** Start connecting to `spec` (an SSH host), unless a connection to it with these settings is under way. */
export function startEarlyHost(spec: HostSpec, settings: SshSettings, interactive = process.stdin.isTTY): void {
  const key = keyOf(spec, settings);
  if (spec.kind !== 'ssh' || started.has(key)) return;
  const early: EarlyHost = { host: Promise.resolve() as never, stop: new AbortController(), warnings: [] };
  early.host = openHost(spec, settings, {
    signal: early.stop.signal,
    warn: (message) => (early.warn ? early.warn(message) : early.warnings.push(message)),
    ...(interactive && { promptPassphrase: () => Promise.reject(new PassphraseWanted()) }),
  });
  early.host.catch(() => {}); // reported by the command that takes it, or by none
  started.set(key, early);
}

/**
 * The early connection to `spec` with exactly these settings, taken out of the waiting ones (its warnings then
 * reported through `options.warn`); undefined when there is none.
 */
export function takeEarlyHost(
  spec: HostSpec,
  settings: SshSettings,
  options: ConnectOptions = {},
): Promise<Host> | undefined {
  const key = keyOf(spec, settings);
  const early = started.get(key);
  if (!early) return undefined;
  started.delete(key);
  const warn = options.warn ?? (() => {});
  early.warn = warn;
  for (const message of early.warnings.splice(0)) warn(message);
  return early.host.catch((e: unknown) => {
    if (e instanceof PassphraseWanted) return openHost(spec, settings, options);
    throw e;
  });
}

/** Close the early connections nothing took; one still connecting gives up at once. */
export async function closeEarlyHosts(): Promise<void> {
  const rest = [...started.values()];
  started.clear();
  for (const e of rest) e.stop.abort();
  await Promise.all(rest.map((e) => e.host.then((h) => h.close()).catch(() => {})));
}
