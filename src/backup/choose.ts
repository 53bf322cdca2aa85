/** Which backup a restore, verify or download means: the one named, else the newest good one still on disk. */
import { BackupError } from './errors.js';
import { backupEntries, type BackupEntry, type BackupRecord } from './records.js';

export function chooseBackup(records: readonly BackupRecord[], name: string, file: string | undefined): BackupEntry {
  const entries = backupEntries(records, name).filter((e) => !e.pruned);
  const found = file === undefined ? entries[0] : entries.find((e) => e.file === file || e.file.startsWith(`${file}.`));
  if (found) return found;
  throw new BackupError(
    'E_NO_BACKUP',
    file === undefined ? `no good backup of ${name} on the server yet` : `no backup ${file} of ${name}`,
    { hints: entries.length > 0 ? [`available: ${entries.map((e) => e.file).join(', ')}`] : ['run `gangway backup`'] },
  );
}
