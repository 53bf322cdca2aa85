/**
 * `gangway restore --into-live --yes` (kind files: backup-files.sh stops the containers mounting the paths, replaces
 * the paths and starts them; the rest is the same): under the deploy lock (a deploy or rollback must not recreate the
 * database's container meanwhile; held: exit 4, nothing done), a safety backup of the live database first (so the
 * restore itself can be undone), then pg_restore in one transaction into the live service, then the health gate.
 * An encrypted backup is decrypted here and streamed in (decrypt.ts); without a readable identity it is refused
 * before the lock and the safety backup.
 */
import type { HealthSettings } from '../config/config.js';
import { whoAmI } from '../util/who.js';
import { acquireLock, newLockToken } from '../server/lock.js';
import { requireIdentity, runDecrypted } from './decrypt.js';
import { BackupError } from './errors.js';
import { waitHealthy } from './health.js';
import type { BackupEntry, BackupRecord } from './records.js';
import { failureReason, runBackupScript } from './remote.js';
import type { BackupHost } from './session.js';
import { takeBackup } from './take.js';

export interface LiveRestore {
  safety: BackupRecord;
  restore: BackupRecord;
}

export async function restoreIntoLive(
  bh: BackupHost,
  entry: BackupEntry,
  app: string,
  health: HealthSettings,
  target: string,
  options: { identity?: string; onLine?: (line: string) => void } = {},
): Promise<LiveRestore> {
  await requireIdentity(entry, options.identity, 'E_RESTORE_FAILED');
  const onLine = options.onLine;
  const info = {
    who: whoAmI(),
    since: new Date().toISOString(),
    tag: `restore of ${entry.file} into the live ${bh.job.config.kind === 'files' ? 'files' : 'database'}`,
    target,
    pid: process.pid,
    operation: 'restore' as const,
    release: '',
    token: newLockToken(),
  };
  const lock = await acquireLock(bh.host, bh.layout, info, { currentHost: () => bh.host });
  try {
    return await restoreLocked(bh, entry, app, health, target, options.identity, onLine);
  } finally {
    await lock.release(bh.host).catch(() => onLine?.('could not release the deploy lock; it goes stale in a minute'));
  }
}

async function restoreLocked(
  bh: BackupHost,
  entry: BackupEntry,
  app: string,
  health: HealthSettings,
  target: string,
  identity: string | undefined,
  onLine?: (line: string) => void,
): Promise<LiveRestore> {
  const safety = await takeBackup(bh, 'safety', onLine);
  const r = entry.encrypted
    ? await runDecrypted(bh, entry, identity!, 'restore', 'E_RESTORE_FAILED', onLine)
    : await runBackupScript(bh.host, bh.jobDir, ['restore', entry.file], { ...(onLine && { onLine }) });
  const was = bh.job.config.kind === 'files' ? 'files as they were' : 'database as it was';
  const undo = `the safety backup ${safety.file} holds the ${was}`;
  if (!r.ok || !r.record)
    throw new BackupError(
      'E_RESTORE_FAILED',
      `${bh.host.label}: restore of ${entry.file} failed: ${failureReason(r)}`,
      {
        hints: [undo],
      },
    );
  const unhealthy = await waitHealthy(bh.host, app, health);
  if (unhealthy)
    throw new BackupError('E_RESTORE_FAILED', `${bh.host.label}: restored ${entry.file}, but ${unhealthy}`, {
      hints: [undo, `put it back with: ${putBackCommand(target, bh.job.config.name, safety)}`],
    });
  return { safety, restore: r.record };
}

/** The command that restores the safety backup: encrypted like every backup of its job, it needs the identity too. */
export function putBackCommand(target: string, name: string, safety: BackupRecord): string {
  const identity = safety.encrypted ? ' --identity FILE (the age identity of its recipients)' : '';
  return `gangway restore ${target} ${name} ${safety.file} --into-live --yes${identity}`;
}
