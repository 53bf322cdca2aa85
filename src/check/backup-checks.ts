/** `gangway check` on backups, from gangway.yml alone: what a schedule will not do (copy to SFTP). */
import { scheduledSftpWarning } from '../backup/schedule-copy.js';
import { type CheckItem, warn } from '../checklist.js';
import type { BackupConfig } from '../config/config.js';

export function backupCopyChecks(backups: readonly BackupConfig[]): CheckItem[] {
  return backups.flatMap((b) => {
    const warning = scheduledSftpWarning(b);
    return warning ? [warn('backup off-site copy', warning)] : [];
  });
}
