/** `gangway check`'s word on backups: a scheduled backup copied by SFTP waits for a `gangway backup` elsewhere. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backupCopyChecks } from '../../src/check/backup-checks.js';
import type { BackupConfig } from '../../src/config/config.js';
import { filesBackup, postgresBackup } from '../helpers/backup-config.js';

const sftp: BackupConfig['copyTo'] = {
  kind: 'sftp',
  label: 'sftp://u@h/x',
  host: { kind: 'ssh', label: 'u@h', host: 'h' },
  dir: '/x',
};
const s3: BackupConfig['copyTo'] = {
  kind: 's3',
  label: 's3://b',
  bucket: 'b',
  prefix: '',
  accessKeyEnv: 'A',
  secretKeyEnv: 'S',
};

test('a scheduled backup with copy_to.sftp: a warning naming it, where the copy is made, and what to do', () => {
  const items = backupCopyChecks([
    filesBackup({ name: 'uploads', schedule: '0 3 * * *', copyTo: sftp }),
    postgresBackup({ name: 'db', schedule: '0 2 * * *', copyTo: s3 }),
    postgresBackup({ name: 'manual', copyTo: sftp }),
  ]);
  assert.equal(items.length, 1, 'only the scheduled sftp one');
  const [item] = items;
  assert.equal(item!.status, 'warn');
  assert.match(item!.detail, /^backup uploads runs on a schedule \("0 3 \* \* \*"\)/);
  assert.match(item!.detail, /sftp:\/\/u@h\/x .*only when `gangway backup` runs on a machine that reaches both/);
  assert.match(item!.detail, /NO-GO .*rpo \(24h\)/);
  assert.match(item!.detail, /CI/);
  assert.match(item!.detail, /copy_to\.s3/);
});
