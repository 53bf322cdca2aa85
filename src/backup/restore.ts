/**
 * `gangway restore --into-live --yes`: under the deploy lock (a deploy or rollback must not recreate the
 * database's container meanwhile; held: exit 4, nothing done), a safety backup of the live database first (so the
 * restore itself can be undone), then pg_restore in one transaction into the live service, then the health gate.
 */
import type { HealthSettings } from '../config/config.js';
import { whoAmI } from '../deploy/who.js';
import { acquireLock, newLockToken } from '../server/lock.js';
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
  onLine?: (line: string) => void,
): Promise<LiveRestore> {
  const info = {
    who: whoAmI(),
    since: new Date().toISOString(),
    tag: `restore of ${entry.file} into the live database`,
    target,
    pid: process.pid,
    operation: 'restore' as const,
    release: '',
    token: newLockToken(),
  };
  const lock = await acquireLock(bh.host, bh.layout, info, { currentHost: () => bh.host });
  try {
    return await restoreLocked(bh, entry, app, health, onLine);
  } finally {
    await lock.release(bh.host).catch(() => onLine?.('could not release the deploy lock; it goes stale in a minute'));
  }
}

async function restoreLocked(
  bh: BackupHost,
  entry: BackupEntry,
  app: string,
  health: HealthSettings,
  onLine?: (line: string) => void,
): Promise<LiveRestore> {
  const safety = await takeBackup(bh, 'safety', onLine);
  const r = await runBackupScript(bh.host, bh.jobDir, ['restore', entry.file], { ...(onLine && { onLine }) });
  const undo = `the safety backup ${safety.file} holds the database as it was`;
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
      hints: [undo, `put it back with: gangway restore … ${bh.job.config.name} ${safety.file} --into-live --yes`],
    });
  return { safety, restore: r.record };
}
