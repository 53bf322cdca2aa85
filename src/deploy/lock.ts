/**
 * The deploy lock: `<dir>/.gangway/lock/`, created with mkdir (atomic on every POSIX filesystem).
 * `lock/info` says who holds it, since when, for which tag. While the CLI holds it (before the detached
 * apply takes over) it touches `lock/heartbeat`; the apply writes `lock/apply.pid`. A lock whose apply
 * process is dead, or whose CLI heartbeat is older than a minute with no apply, is stale and recovered.
 */
import { ExitCode, GangwayError } from '../errors.js';
import type { Host } from '../hosts/host.js';
import type { RemoteLayout } from './layout.js';

export interface LockInfo {
  who: string;
  since: string;
  tag: string;
  target: string;
  /** The CLI's process id on its own machine (the apply's server pid is in lock/apply.pid). */
  pid: number;
  operation: 'deploy' | 'env-only' | 'rollback';
}

export class LockHeldError extends GangwayError {
  constructor(host: string, readonly holder: Partial<LockInfo> | undefined) {
    const who = holder?.who ? `${holder.who} since ${holder.since ?? '?'}${holder.tag ? ` (deploying ${holder.tag})` : ''}` : 'an unknown holder';
    super('E_LOCK_HELD', ExitCode.lockHeld, `${host}: the deploy lock is held by ${who}`, {
      hints: ['wait with --lock-wait 10m, or if that deploy is gone: gangway lock release --force'],
    });
  }
}

/** Try once: `acquired`, `held` (with the holder's info) or `stale` (holder gone; recovered and taken). */
const ACQUIRE = `state=$1 info=$2
mkdir -p "$state" || exit 3
lock="$state/lock"
if mkdir "$lock" 2>/dev/null; then
  printf '%s\\n' "$info" > "$lock/info"; touch "$lock/heartbeat"; echo acquired; exit 0
fi
stale=
if [ -f "$lock/apply.pid" ]; then
  kill -0 "$(cat "$lock/apply.pid")" 2>/dev/null || stale="its apply process $(cat "$lock/apply.pid") is gone"
elif [ -z "$(find "$lock/heartbeat" "$lock" -maxdepth 0 -mmin -1 2>/dev/null)" ]; then
  # neither the heartbeat nor the lock itself changed within a minute (the lock's own age covers a deploy
  # that is between mkdir and its first heartbeat)
  stale="no heartbeat from its deploy for over a minute"
fi
if [ -n "$stale" ]; then
  old=$(cat "$lock/info" 2>/dev/null)
  rm -rf "$lock"
  if mkdir "$lock" 2>/dev/null; then
    printf '%s\\n' "$info" > "$lock/info"; touch "$lock/heartbeat"
    echo "stale $stale"; printf '%s\\n' "$old"; exit 0
  fi
fi
echo held; cat "$lock/info" 2>/dev/null; exit 0`;

export interface LockHandle {
  /** Stop the heartbeat (the apply has taken the lock over, or we are about to release it). */
  stopHeartbeat(): void;
  release(): Promise<void>;
  recoveredFrom?: string;
}

export async function acquireLock(
  host: Host,
  layout: RemoteLayout,
  info: LockInfo,
  options: { waitMs?: number; onWait?: (holder: Partial<LockInfo> | undefined) => void } = {},
): Promise<LockHandle> {
  const deadline = Date.now() + (options.waitMs ?? 0);
  let told = false;
  for (;;) {
    const r = await host.exec(['sh', '-c', ACQUIRE, 'sh', layout.state, JSON.stringify(info)], { timeoutMs: 20_000 });
    if (r.code !== 0) throw new GangwayError('E_LOCK', ExitCode.failed, `${host.label}: could not take the deploy lock in ${layout.state}: ${r.stderr.trim() || `exit ${r.code}`}`);
    const [status, ...rest] = r.stdout.split('\n');
    if (status === 'acquired' || status?.startsWith('stale ')) {
      return startHeartbeat(host, layout, status.startsWith('stale ') ? `${status.slice(6)} (was ${describeHolder(parseInfo(rest.join('\n')))})` : undefined);
    }
    const holder = parseInfo(rest.join('\n'));
    if (Date.now() >= deadline) throw new LockHeldError(host.label, holder);
    if (!told) options.onWait?.(holder);
    told = true;
    await new Promise((r) => setTimeout(r, Math.min(2000, Math.max(100, deadline - Date.now()))));
  }
}

function startHeartbeat(host: Host, layout: RemoteLayout, recoveredFrom?: string): LockHandle {
  const timer = setInterval(() => {
    host.exec(['touch', `${layout.lock}/heartbeat`], { timeoutMs: 10_000 }).catch(() => {});
  }, 15_000);
  timer.unref();
  return {
    ...(recoveredFrom && { recoveredFrom }),
    stopHeartbeat: () => clearInterval(timer),
    async release() {
      clearInterval(timer);
      await host.exec(['rm', '-rf', layout.lock], { timeoutMs: 20_000 });
    },
  };
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
