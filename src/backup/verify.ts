/**
 * `gangway restore --verify`: backup.sh restores the dump into a throwaway container of the service's image
 * (no ports, no network, no volume of the live stack), counts every table's rows, records the verification and
 * removes the container. An encrypted dump is decrypted here and streamed to it (decrypt.ts).
 */
import { requireIdentity, runDecrypted } from './decrypt.js';
import { BackupError } from './errors.js';
import type { BackupEntry, BackupRecord } from './records.js';
import { failureReason, runBackupScript } from './remote.js';
import type { BackupHost } from './session.js';

export async function verifyBackup(
  bh: BackupHost,
  entry: BackupEntry,
  options: { identity?: string; onLine?: (line: string) => void } = {},
): Promise<BackupRecord> {
  const onLine = options.onLine;
  await requireIdentity(entry, options.identity, 'E_VERIFY_FAILED');
  const r = entry.encrypted
    ? await runDecrypted(bh, entry, options.identity!, 'verify', 'E_VERIFY_FAILED', onLine)
    : await runBackupScript(bh.host, bh.jobDir, ['verify', entry.file], { ...(onLine && { onLine }) });
  if (!r.ok || !r.record)
    throw new BackupError('E_VERIFY_FAILED', `${bh.host.label}: verify of ${entry.file} FAILED: ${failureReason(r)}`, {
      hints: ['the failed verification is recorded in .gangway/backups.jsonl'],
    });
  return r.record;
}
