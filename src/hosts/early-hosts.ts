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
  /** Settles once the SSH client has the socket, or the connection ended before it did. */
  handshaking: Promise<void>;
  stop: AbortController;
  /** Warnings so far; once taken, they go to `warn`. */
  warnings: string[];
  warn?: (message: string) => void;
}

const earlyHosts = new Map<string, EarlyHost>();

/** An early connection asked for a passphrase: only the command itself may ask for one. */
class PassphraseWanted extends Error {}

function keyOf(spec: HostSpec, settings: SshSettings): string {
  return JSON.stringify([spec, settings]);
}

/** Start connecting to `spec` (an SSH host), unless a connection to it with these settings is under way. */
export function startEarlyHost(spec: HostSpec, settings: SshSettings, interactive = process.stdin.isTTY): void {
  const key = keyOf(spec, settings);
  if (spec.kind !== 'ssh' || earlyHosts.has(key)) return;
  let started: () => void = () => {};
  const handshaking = new Promise<void>((resolve) => (started = resolve));
  const early: EarlyHost = { host: Promise.resolve() as never, handshaking, stop: new AbortController(), warnings: [] };
  early.host = openHost(spec, settings, {
    signal: early.stop.signal,
    onHandshakeStarted: started,
    warn: (message) => (early.warn ? early.warn(message) : early.warnings.push(message)),
    ...(interactive && { promptPassphrase: () => Promise.reject(new PassphraseWanted()) }),
  });
  early.host.then(started, started); // (a failure is reported by the command that takes it, or by none)
  earlyHosts.set(key, early);
}

/**
 * Settles once every early connection's SSH client has its socket (or has ended). A command waits for this before
 * its own CPU work (the config schema, ~30 ms): the handshake's steps then run in the gaps that work leaves for I/O
 * — its file reads — and the server computes its side meanwhile. Without the wait, Node would not even send the
 * SYN until that work is done: a connect waits for the thread's next tick, and the work is one chain of resolved
 * promises (issue 27).
 */
export async function earlyHandshakesStarted(): Promise<void> {
  await Promise.all([...earlyHosts.values()].map((e) => e.handshaking));
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
  const early = earlyHosts.get(key);
  if (!early) return undefined;
  earlyHosts.delete(key);
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
  const rest = [...earlyHosts.values()];
  earlyHosts.clear();
  for (const e of rest) e.stop.abort();
  await Promise.all(rest.map((e) => e.host.then((h) => h.close()).catch(() => {})));
}
