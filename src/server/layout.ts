/** The files gangway keeps on each server under `<dir>` (docs/guides/deploy.md): their one definition. */
import { posix } from 'node:path';

export interface RemoteLayout {
  dir: string;
  state: string;
  lock: string;
  lockInfo: string;
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
    releasesLog: posix.join(state, 'releases.jsonl'),
    lastGoodTag: posix.join(state, 'last_good_tag'),
    current: posix.join(state, 'current'),
    applying: posix.join(state, 'applying'),
    lockLog: posix.join(state, 'lock.log'),
    backupsLog: posix.join(state, 'backups.jsonl'),
    rollout: posix.join(state, 'rollout.json'),
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
