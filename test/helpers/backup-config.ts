/** `backups:` entries as the config loader hands them on (defaults applied), for backup.sh's unit tests. */
import type { BackupConfig } from '../../src/config/config.js';

/** A `kind: files` job `up` backing up data/uploads into backups/up; fields overridable. */
export const filesBackup = (over: Partial<BackupConfig> = {}): BackupConfig => ({
  name: 'up',
  kind: 'files',
  service: '',
  database: '',
  user: '',
  paths: ['data/uploads'],
  dir: 'backups/up',
  keep: { daily: 7, weekly: 4 },
  verify: 'never',
  rpoMs: 86_400_000,
  ageRecipients: [],
  ...over,
});

/** A `kind: postgres` job `db` dumping appdb (user app) of service db into backups/db; fields overridable. */
export const postgresBackup = (over: Partial<BackupConfig> = {}): BackupConfig => ({
  name: 'db',
  kind: 'postgres',
  service: 'db',
  database: 'appdb',
  user: 'app',
  dir: 'backups/db',
  keep: { daily: 7, weekly: 4 },
  verify: 'never',
  rpoMs: 86_400_000,
  ageRecipients: [],
  ...over,
});
