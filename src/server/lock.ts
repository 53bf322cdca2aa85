/**
 * The deploy lock on a server (`<dir>/.gangway/lock/`, see sh/lock.sh for the protocol). Each holder has a
 * random owner token in `lock/info`; only the token removes the lock, so two CI runners that share a
 * `user@machine` never release each other's lock. A stale lock is recovered under a second mkdir guard.
 */
import { randomBytes } from 'node:crypto';
import { ExitCode, GangwayError } from '../errors.js';
import type { Host } from '../hosts/host.js';
import type { RemoteLayout } from './layout.js';
import { runScript, serverScript } from './scripts.js';

export type LockOperation = 'deploy' | 'env-only' | 'rollback' | 'restore';

export interface LockInfo {
  who: string;
  since: string;
  tag: string;
  target: string;
  /** The CLI's process id on its own machine (the apply's server pid is in lock/apply.pid). */
  pid: number;
  operation: LockOperation;
  /** The release this lock is taken for. */
  release: string;
  /** Owner token: who may remove the lock. */
  token: string;
}

export class LockHeldError extends GangwayError {
  constructor(
    host: string,
    readonly holder: Partial<LockInfo> | undefined,
  ) {
    const tag = holder?.tag ? ` (deploying ${holder.tag})` : '';
    const who = holder?.who ? `${holder.who} since ${holder.since ?? '?'}${tag}` : 'an unknown holder';
    super('E_LOCK_HELD', ExitCode.lockHeld, `${host}: the deploy lock is held by ${who}`, {
      hints: ['wait with --lock-wait 10m, or if that deploy is gone: gangway lock release --force'],
    });
  }
}

export function newLockToken(): string {
  return randomBytes(12).toString('hex');
}

/** A lock we hold: its heartbeat runs on whichever connection is current (connections can be replaced). */
export interface LockHandle {
  readonly token: string;
  /** The detached apply owns the lock from now on (it writes apply.pid and releases it at its end). */
  stopHeartbeat(): void;
  /** An `apply-hold` apply handed the lock back: touch it again until release. */
  resumeHeartbeat(): void;
  release(host: Host): Promise<void>;
  recoveredFrom?: string;
  /** An apply that died before recording its outcome left this release unfinished. */
  unfinished?: string;
  /** The command run with the lock in its round trip (AcquireOptions.then), how it exited and what it printed. */
  then?: { argv: readonly string[]; code: number; stdout: string };
}

export interface AcquireOptions {
  waitMs?: number;
  onWait?: (holder: Partial<LockInfo> | undefined) => void;
  /** The connection to touch the heartbeat on (it may change after a reconnect). */
  currentHost: () => Host;
  /** argv to run on the host once the lock is ours, in the same round trip (sh/lock-then.sh). */
  then?: readonly string[];
}

export async function acquireLock(
  host: Host,
  layout: RemoteLayout,
  info: LockInfo,
  options: AcquireOptions,
): Promise<LockHandle> {
  const deadline = Date.now() + (options.waitMs ?? 0);
  let told = false;
  for (;;) {
    const args = [layout.state, JSON.stringify(info), info.token];
    const argv = options.then
      ? runScript('lock-then.sh', [serverScript('lock.sh'), ...args, ...options.then])
      : runScript('lock.sh', ['acquire', ...args]);
    const r = await host.exec(argv, { timeoutMs: 20_000 });
    if (r.code !== 0) {
      const why = r.stderr.trim() || `exit ${r.code}`;
      throw new GangwayError(
        'E_LOCK',
        ExitCode.failed,
        `${host.label}: could not take the deploy lock in ${layout.state}: ${why}`,
      );
    }
    const [status = '', ...all] = r.stdout.trimEnd().split('\n');
    // lock.sh's lines, then (lock-then.sh) `@@then RC` and the command's own output.
    const at = all.findIndex((l) => l.startsWith('@@then '));
    const thenLine = at === -1 ? undefined : all[at];
    const rest = at === -1 ? all : all.slice(0, at);
    const unfinished = rest.find((l) => l.startsWith('unfinished '))?.slice('unfinished '.length);
    const holderText = rest.filter((l) => !l.startsWith('unfinished ')).join('\n');
    if (status === 'acquired' || status.startsWith('stale ')) {
      const recovered = status.startsWith('stale ')
        ? `${status.slice(6)} (was ${describeHolder(parseInfo(holderText))})`
        : undefined;
      const handle = startHeartbeat(layout, info.token, options.currentHost, recovered, unfinished);
      const then =
        options.then && thenLine
          ? { argv: options.then, code: Number(thenLine.slice(7)), stdout: all.slice(at + 1).join('\n') }
          : undefined;
      return then ? { ...handle, then } : handle;
    }
    const holder = parseInfo(holderText);
    if (Date.now() >= deadline) throw new LockHeldError(host.label, holder);
    if (!told) options.onWait?.(holder);
    told = true;
    await new Promise((r) => setTimeout(r, Math.min(2000, Math.max(100, deadline - Date.now()))));
  }
}

const HEARTBEAT_MS = 15_000;

function startHeartbeat(
  layout: RemoteLayout,
  token: string,
  currentHost: () => Host,
  recoveredFrom?: string,
  unfinished?: string,
): LockHandle {
  const touch = () =>
    currentHost()
      .exec(runScript('lock.sh', ['heartbeat', layout.state, token]), { timeoutMs: 10_000 })
      .catch(() => {});
  const beat = () => {
    const t = setInterval(() => void touch(), HEARTBEAT_MS);
    t.unref();
    return t;
  };
  let timer: NodeJS.Timeout | undefined = beat();
  const stop = () => {
    clearInterval(timer);
    timer = undefined;
  };
  return {
    token,
    ...(recoveredFrom && { recoveredFrom }),
    ...(unfinished && { unfinished }),
    stopHeartbeat: stop,
    resumeHeartbeat() {
      if (timer) return;
      void touch();
      timer = beat();
    },
    async release(host: Host) {
      stop();
      await releaseLock(host, layout, token);
    },
  };
}

export type ReleaseResult = { released: true } | { released: false; holder?: Partial<LockInfo> };

/** Remove the lock if `token` owns it (or always, with `force`). */
export async function releaseLock(
  host: Host,
  layout: RemoteLayout,
  token: string,
  force = false,
): Promise<ReleaseResult> {
  const r = await host.exec(runScript('lock.sh', ['release', layout.state, token, ...(force ? ['force'] : [])]), {
    timeoutMs: 20_000,
  });
  const [status, ...rest] = r.stdout.trimEnd().split('\n');
  if (status === 'released') return { released: true };
  const holder = parseInfo(rest.join('\n'));
  return { released: false, ...(holder && { holder }) };
}

export function parseInfo(text: string): Partial<LockInfo> | undefined {
  try {
    const value = JSON.parse(text.trim()) as unknown;
    return value && typeof value === 'object' ? (value as Partial<LockInfo>) : undefined;
  } catch {
    return undefined;
  }
}

export function describeHolder(info: Partial<LockInfo> | undefined): string {
  return info?.who ? `${info.who} since ${info.since ?? '?'}` : 'unknown holder';
}
