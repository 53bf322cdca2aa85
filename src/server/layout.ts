/**
 * The files gangway keeps on each server under `<dir>` (docs/guides/deploy.md): their one definition. The server
 * scripts read them from src/server/sh/layout.sh, generated from this (layout-shell.ts).
 */
import { posix } from 'node:path';

export interface RemoteLayout {
  dir: string;
  state: string;
  lock: string;
  lockInfo: string;
  /** Touched while a CLI holds the lock: a lock with neither it nor the apply's pid fresh is stale. */
  lockHeartbeat: string;
  /** The pid of the detached apply that holds the lock. */
  applyPid: string;
  /** Exists while one contender takes a stale lock over. */
  lockRecovering: string;
  releasesLog: string;
  lastGoodTag: string;
  /** The id of the release currently in place (gangway's own bookkeeping, beside last_good_tag). */
  current: string;
  /** Exists while an apply is between putting a release in place and recording its outcome: the release id. */
  applying: string;
  /** `lock release` notes (who released whose lock, and why). */
  lockLog: string;
  /** One JSON line per backup, verify, restore and pruned file (never a secret value). */
  backupsLog: string;
  /** Exists while a rollout across several hosts runs (rollout-marker.ts); left behind when it did not finish. */
  rollout: string;
  /** Prometheus textfile metrics (metrics.sh), and the last apply's step durations they are made from. */
  metrics: string;
  lastApply: string;
  /** The same metrics, 0644 in a 0755 directory beside `.gangway` (0700): for node_exporter, another user. */
  metricsCopy: string;
  /** Blue/green: this app's colour state, and the proxy's home when this app installed it. */
  proxy: string;
  release(id: string): string;
  runLog(id: string): string;
  /** What a backup needs on the server (backup.sh, vars.sh, the password 0600, age recipients, schedule.log). */
  backupJob(name: string): string;
}

export function remoteLayout(dir: string): RemoteLayout {
  const state = posix.join(dir, '.gangway');
  return {
    dir,
    state,
    lock: posix.join(state, 'lock'),
    lockInfo: posix.join(state, 'lock', 'info'),
    lockHeartbeat: posix.join(state, 'lock', 'heartbeat'),
    applyPid: posix.join(state, 'lock', 'apply.pid'),
    lockRecovering: posix.join(state, 'lock.recovering'),
    releasesLog: posix.join(state, 'releases.jsonl'),
    lastGoodTag: posix.join(state, 'last_good_tag'),
    current: posix.join(state, 'current'),
    applying: posix.join(state, 'applying'),
    lockLog: posix.join(state, 'lock.log'),
    backupsLog: posix.join(state, 'backups.jsonl'),
    rollout: posix.join(state, 'rollout.json'),
    metrics: posix.join(state, 'metrics.prom'),
    lastApply: posix.join(state, 'last_apply.tsv'),
    metricsCopy: posix.join(dir, '.gangway-metrics', 'metrics.prom'),
    proxy: posix.join(state, 'proxy'),
    release: (id) => posix.join(state, 'releases', id),
    runLog: (id) => posix.join(state, 'runs', `${id}.log`),
    backupJob: (name) => posix.join(state, 'backup', name),
  };
}

/** Sortable and unique: `20261122-043012-1a2b`. */
export function newReleaseId(now = new Date(), random = Math.random): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}`;
  const time = `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${date}-${time}-${Math.floor(random() * 0x10000)
    .toString(16)
    .padStart(4, '0')}`;
}
