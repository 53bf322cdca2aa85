/** `gangway backup`: one pg_dump on one host, through backup.sh (which also applies retention). */
import { BackupError } from './errors.js';
import type { BackupRecord } from './records.js';
import { failureReason, runBackupScript } from './remote.js';
import type { BackupHost } from './session.js';

export async function takeBackup(
  bh: BackupHost,
  trigger: 'cli' | 'safety',
  onLine?: (line: string) => void,
): Promise<BackupRecord> {
  const r = await runBackupScript(bh.host, bh.jobDir, ['backup', trigger], { ...(onLine && { onLine }) });
  if (!r.ok || !r.record)
    throw new BackupError(
      'E_BACKUP_FAILED',
      `${bh.host.label}: backup ${bh.job.config.name} failed: ${failureReason(r)}`,
      { hints: ['the partial file was removed; the failure is recorded in .gangway/backups.jsonl'] },
    );
  return r.record;
}
