/**
 * A backup, verify, restore, schedule or off-site copy that failed (exit 1); its reason is backup.sh's, already
 * masked there.
 */
import { ExitCode, GangwayError, type GangwayErrorOptions } from '../errors.js';

export type BackupErrorCode =
  /** pg_dump, the write (a full disk), encryption or the rename failed; the partial file is gone. */
  | 'E_BACKUP_FAILED'
  /** The throwaway restore failed: the dump is corrupt, unreadable or holds no tables. */
  | 'E_VERIFY_FAILED'
  /** pg_restore into the live database failed (one transaction: nothing changed) or the health gate did. */
  | 'E_RESTORE_FAILED'
  /** No backup to restore or download. */
  | 'E_NO_BACKUP'
  /** No cron on the server, or it refused the entry. */
  | 'E_SCHEDULE_FAILED'
  /** A download whose bytes do not hash to the recorded sha256. */
  | 'E_DOWNLOAD_FAILED'
  /** An off-site copy (copy_to) that could not be written, read back or pruned, or whose bytes do not hash right. */
  | 'E_COPY_FAILED';

export class BackupError extends GangwayError {
  constructor(code: BackupErrorCode, message: string, options?: GangwayErrorOptions) {
    super(code, ExitCode.failed, message, options);
  }
}
