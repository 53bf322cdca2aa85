/**
 * Open one SSH connection to a host: ssh_config resolution, jump hosts (chained through forwarded
 * channels), host key verification, authentication, keepalive and connect timeout.
 */
import { readFile } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import type { Client, ConnectConfig } from 'ssh2';
import type { SshSettings } from '../../config/config.js';
import { ChangedHostKeyError, ConfigError, ConnectionError, UnknownHostKeyError } from '../../errors.js';
import { authMethods } from './auth.js';
import { openEarlySocket } from './early-socket.js';
import { algorithmsForKeyType, fingerprintOf, keyTypeOf, verifyHostKey, type HostKeyVerdict } from './host-key.js';
import { appendKnownHostsLine, entriesFor, knownHostsName, parseKnownHosts } from './known-hosts.js';
import type { KnownHostEntry } from './known-hosts.js';
import { planRoute, type RouteHop, type SshEndpoint } from './route.js';
import { loadSsh2 } from './ssh2-module.js';

export type { SshEndpoint } from './route.js';

export interface ConnectOptions {
  /** Record an unknown host key in known_hosts instead of refusing (`--accept-new-host-key`). */
  acceptNewHostKey?: boolean;
  warn?: (message: string) => void;
  promptPassphrase?: (keyFile: string) => Promise<string>;
  env?: NodeJS.ProcessEnv;
  /** Give up: a connection started early that the command did not take (hosts/early-hosts.ts). */
  signal?: AbortSignal;
  /** Called once the SSH client has the socket (the first hop's handshake is under way). */
  onHandshakeStarted?: () => void;
}

/** A live connection plus the jump connections it runs through (closed with it). */
export interface SshConnection {
  client: Client;
  /** `user@host:port` actually reached, after ssh_config. */
  address: string;
  hostKey: { type: string; fingerprint: string; trustedBy: string };
  close(): void;
}

export async function connectSsh(
  endpoint: SshEndpoint,
  settings: SshSettings,
  options: ConnectOptions = {},
): Promise<SshConnection> {
  let connection: SshConnection | undefined;
  for (const hop of planRoute(endpoint, settings)) {
    const through = connection;
    if (options.signal?.aborted) through?.close();
    options.signal?.throwIfAborted();
    connection = await connectHop(hop, through, options).catch((e: unknown) => {
      through?.close(); // also when the hop failed before its handshake (closing twice is harmless)
      throw e;
    });
  }
  return connection!;
}

/** Connect to one hop, through the connection to the jump host before it when there is one (closed with it). */
async function connectHop(
  hop: RouteHop,
  jump: SshConnection | undefined,
  options: ConnectOptions,
): Promise<SshConnection> {
  const { host, port, username, settings } = hop;
  const sock = jump && (await forward(jump, host, port));
  // A direct connection starts now: the server starts its side while ssh2, the keys and known_hosts load.
  const early = sock ? undefined : openEarlySocket(host, port);
  // Node sends the SYN on its next tick: let it go out before ssh2's ~20 ms of loading hold up the thread.
  if (early) await setImmediate();
  const name = knownHostsName(host, port);
  const { ssh2, knownHosts, auth } = await prepareHop(hop, options).catch((e: unknown) => {
    early?.discard();
    throw e;
  });
  if (options.signal?.aborted) early?.discard();
  options.signal?.throwIfAborted();
  const socket = sock ?? early?.take();

  let seenKey: Buffer | undefined;
  let verdict: HostKeyVerdict | undefined;
  const client = new ssh2.Client();
  const config: ConnectConfig = {
    host,
    port,
    username,
    ...(socket && { sock: socket }),
    readyTimeout: settings.connectTimeoutMs,
    keepaliveInterval: settings.keepaliveMs,
    keepaliveCountMax: 3,
    authHandler: auth,
    hostVerifier: (key: Buffer) => {
      seenKey = key;
      verdict = verifyHostKey(key, { name, pinned: settings.fingerprints, knownHosts });
      return verdict.status === 'trusted' || (verdict.status === 'unknown' && options.acceptNewHostKey === true);
    },
    algorithms: { serverHostKey: preferredHostKeyAlgorithms(entriesFor(knownHosts, name)) as never },
  };
  const address = `${username}@${name}`;
  const { signal } = options;
  let onAbort: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve);
      client.once('error', reject);
      onAbort = () => reject(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      client.connect(config);
      // Every SSH message goes out as it is written. With Nagle's algorithm on (Node's default) a small message
      // waits for the ACK of the one before, which the server delays by up to 40 ms (delayed ACK): the handshake
      // took ~80 ms longer than OpenSSH's, and so did a command's later round trips (issue 27).
      client.setNoDelay(true);
      options.onHandshakeStarted?.();
    });
  } catch (cause) {
    client.on('error', () => {}); // ssh2 may report the teardown of a failed connection once more
    if (signal?.aborted)
      client.destroy(); // not even a server that never answers keeps it open
    else client.end();
    throw connectError(cause, address, settings, seenKey, verdict);
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
  client.on('error', () => {}); // later transport errors surface on the channels that were in use

  const type = keyTypeOf(seenKey!);
  const fingerprint = fingerprintOf(seenKey!);
  let trustedBy = verdict?.status === 'trusted' ? verdict.by : 'accepted now (--accept-new-host-key)';
  if (verdict?.status === 'unknown') {
    await recordHostKey(settings.knownHosts, name, seenKey!);
    trustedBy = `accepted now and recorded in ${settings.knownHosts}`;
    options.warn?.(`recorded new host key of ${name} (${type} ${fingerprint}) in ${settings.knownHosts}`);
  }
  return {
    client,
    address,
    hostKey: { type, fingerprint, trustedBy },
    close: () => {
      client.end();
      jump?.close();
    },
  };
}

/** What a hop's handshake needs besides the socket: ssh2 itself (loading meanwhile), known_hosts and the keys. */
async function prepareHop(hop: RouteHop, options: ConnectOptions) {
  const { settings } = hop;
  const files = async () => {
    const knownHosts = await readKnownHosts(settings.knownHosts, options.warn);
    const auth = await authMethods({
      username: hop.username,
      ...(settings.key !== undefined && { explicitKey: settings.key }),
      configKeys: hop.identityFiles,
      passphraseEnv: settings.passphraseEnv,
      ...(options.env && { env: options.env }),
      ...(options.warn && { warn: options.warn }),
      ...(options.promptPassphrase && { promptPassphrase: options.promptPassphrase }),
    });
    return { knownHosts, auth };
  };
  const [ssh2, { knownHosts, auth }] = await Promise.all([loadSsh2(), files()]);
  return { ssh2, knownHosts, auth };
}

function forward(jump: SshConnection, host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    jump.client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
      if (err) {
        reject(
          new ConnectionError(
            'E_SSH_JUMP',
            `jump host ${jump.address} could not reach ${host}:${port}: ${err.message}`,
            { cause: err },
          ),
        );
      } else resolve(stream);
    });
  });
}

async function readKnownHosts(file: string, warn?: (m: string) => void): Promise<KnownHostEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  const { entries, invalidLines } = parseKnownHosts(text);
  if (invalidLines.length > 0) warn?.(`${file}: ignoring unreadable line(s) ${invalidLines.join(', ')}`);
  return entries;
}

/** Ask first for the key types known_hosts has for this host (as OpenSSH does), so a known key can match. */
function preferredHostKeyAlgorithms(known: KnownHostEntry[]): { prepend: string[] } | undefined {
  const types = [
    ...new Set(known.filter((e) => e.marker === undefined).flatMap((e) => algorithmsForKeyType(e.keyType))),
  ];
  return types.length > 0 ? { prepend: types } : undefined;
}

async function recordHostKey(file: string, name: string, key: Buffer): Promise<void> {
  try {
    await appendKnownHostsLine(file, `${name} ${keyTypeOf(key)} ${key.toString('base64')}`);
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code ?? String(cause);
    const message = `cannot record the host key of ${name} in ${file}: ${why}`;
    throw new ConnectionError('E_KNOWN_HOSTS_WRITE', message, { cause });
  }
}

function connectError(
  cause: unknown,
  address: string,
  settings: SshSettings,
  key: Buffer | undefined,
  verdict: HostKeyVerdict | undefined,
): Error {
  if (cause instanceof ConnectionError || cause instanceof ConfigError) return cause;
  if (key && verdict && verdict.status !== 'trusted') {
    const fingerprint = fingerprintOf(key);
    const type = keyTypeOf(key);
    if (verdict.status === 'unknown') return new UnknownHostKeyError(address, fingerprint, type);
    return new ChangedHostKeyError(address, fingerprint, type, verdict.reason);
  }
  const err = cause as Error & { level?: string; code?: string };
  if (err.level === 'client-timeout') {
    return new ConnectionError(
      'E_SSH_CONNECT_TIMEOUT',
      `${address}: no SSH handshake within ${settings.connectTimeoutMs} ms` +
        (settings.connectTimeoutFrom ? ` (${settings.connectTimeoutFrom})` : ''),
      { cause },
    );
  }
  if (err.level === 'client-authentication') {
    return new ConnectionError(
      'E_SSH_AUTH',
      `${address}: authentication failed (every key and the agent were refused)`,
      { cause },
    );
  }
  if (err.level === 'client-dns') return new ConnectionError('E_SSH_DNS', `${address}: host name not found`, { cause });
  if (err.code === 'ECONNREFUSED')
    return new ConnectionError('E_SSH_REFUSED', `${address}: connection refused (is sshd listening on that port?)`, {
      cause,
    });
  return new ConnectionError('E_SSH_CONNECT', `${address}: ${err.message}`, { cause });
}
