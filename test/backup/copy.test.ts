/** What an off-site copy run uploads and deletes (planCopy), and which names in a listing are backups. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backupFilesIn, planCopy } from '../../src/backup/copy.js';
import type { BackupRecord } from '../../src/backup/records.js';

const backup = (file: string, sha256 = 'ab'): BackupRecord => ({
  op: 'backup',
  name: 'up',
  outcome: 'succeeded',
  file,
  sha256,
});
const prune = (file: string): BackupRecord => ({ op: 'prune', name: 'up', file });

test("only gangway's own backup names of the job count (not partial uploads, other jobs or other files)", () => {
  const listing = [
    '.',
    '..',
    'up-20261201-020000.tar.gz',
    'up-20261202-020000.tar.gz.age',
    'up-20261203-020000.dump',
    '.up-20261204-020000.tar.gz.partial',
    'upx-20261201-020000.tar.gz',
    'up-2026120-020000.tar.gz',
    'notes.txt',
  ].join('\n');
  assert.deepEqual(backupFilesIn(listing, 'up'), [
    'up-20261201-020000.tar.gz',
    'up-20261202-020000.tar.gz.age',
    'up-20261203-020000.dump',
  ]);
});

test('uploads, oldest first, what the server has and the copy lacks; deletes on the copy what retention pruned', () => {
  const records = [
    backup('up-1.tar.gz'),
    backup('up-2.tar.gz'),
    prune('up-1.tar.gz'),
    backup('up-3.tar.gz'),
    backup('up-4.tar.gz'),
    { op: 'backup', name: 'up', outcome: 'failed', file: 'up-5.tar.gz' } as BackupRecord,
    backup('other-1.tar.gz'),
  ];
  const plan = planCopy(records, 'up', ['up-2.tar.gz', 'up-3.tar.gz', 'up-5.tar.gz'], ['up-1.tar.gz', 'up-4.tar.gz']);
  assert.deepEqual(
    plan.upload.map((e) => e.file),
    ['up-2.tar.gz', 'up-3.tar.gz'],
  );
  // up-4 is not on the server any more, but no prune says retention removed it: the copy keeps it (a restore's source).
  assert.deepEqual(plan.remove, ['up-1.tar.gz']);
});
