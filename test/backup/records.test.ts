/** backups.jsonl read back: torn lines skipped, each backup file with its newest verification, newest first. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backupEntries, newestGood, parseBackupLog, type BackupRecord } from '../../src/backup/records.js';

const line = (r: Record<string, unknown>) => JSON.stringify(r);

test('parseBackupLog keeps every record line and skips torn, blank and foreign ones', () => {
  const text = [
    line({ op: 'backup', name: 'db', outcome: 'succeeded', file: 'db-1.dump', size: 10 }),
    '',
    '   ',
    '{"op":"backup","name":"db","outc', // a torn write
    'null',
    '42',
    '"text"',
    '[1,2]',
    line({ op: 'backup' }), // no name
    line({ name: 'db' }), // no op
    line({ op: 7, name: 'db' }),
    `${line({ op: 'verify', name: 'db', outcome: 'succeeded', file: 'db-1.dump' })}\r`, // CRLF
    line({ op: 'prune', name: 'db', file: 'db-0.dump' }),
  ].join('\n');
  assert.deepEqual(parseBackupLog(text), [
    { op: 'backup', name: 'db', outcome: 'succeeded', file: 'db-1.dump', size: 10 },
    { op: 'verify', name: 'db', outcome: 'succeeded', file: 'db-1.dump' },
    { op: 'prune', name: 'db', file: 'db-0.dump' },
  ]);
  assert.deepEqual(parseBackupLog(''), []);
});

const backup = (file: string, extra: Partial<BackupRecord> = {}): BackupRecord => ({
  op: 'backup',
  name: 'db',
  outcome: 'succeeded',
  file,
  finished: `2026-01-0${file.at(-1)}T02:00:00Z`,
  ...extra,
});

test('backupEntries: good backups of that name only, newest first, with what the record says', () => {
  const records: BackupRecord[] = [
    backup('db-1', { size: 100, sha256: 'aa', encrypted: true, trigger: 'schedule' }),
    backup('db-2', { outcome: 'failed' }),
    backup('other-3', { name: 'other' }),
    backup('db-4', { trigger: 'cli', size: 0 }),
    { op: 'backup', name: 'db', outcome: 'succeeded' }, // no file: nothing to list
    backup('files-5', { name: 'files', files: 3, bytes: 1234 }),
  ];
  assert.deepEqual(backupEntries(records, 'db'), [
    { file: 'db-4', time: '2026-01-04T02:00:00Z', size: 0, encrypted: false, trigger: 'cli', pruned: false },
    {
      file: 'db-1',
      time: '2026-01-01T02:00:00Z',
      size: 100,
      sha256: 'aa',
      encrypted: true,
      trigger: 'schedule',
      pruned: false,
    },
  ]);
  assert.deepEqual(backupEntries(records, 'files'), [
    { file: 'files-5', time: '2026-01-05T02:00:00Z', encrypted: false, files: 3, bytes: 1234, pruned: false },
  ]);
  assert.deepEqual(backupEntries(records, 'none'), []);
});

test('backupEntries: the newest verification of a file is the one shown; a failed one keeps its reason', () => {
  const records: BackupRecord[] = [
    backup('db-1'),
    { op: 'verify', name: 'db', file: 'db-1', outcome: 'failed', finished: 't1', reason: 'no tables' },
    { op: 'verify', name: 'db', file: 'db-1', outcome: 'succeeded', finished: 't2', tables: [{ table: 'a', rows: 3 }] },
    backup('db-2'),
    { op: 'verify', name: 'db', file: 'db-2', finished: 't3', reason: 'killed' }, // no outcome: it did not pass
  ];
  const [two, one] = backupEntries(records, 'db');
  assert.deepEqual(one!.verified, { at: 't2', outcome: 'succeeded', tables: [{ table: 'a', rows: 3 }] });
  assert.deepEqual(two!.verified, { at: 't3', outcome: 'failed', reason: 'killed' });
});

test('backupEntries: verify, restore and prune records of files with no good backup are ignored', () => {
  const records: BackupRecord[] = [
    { op: 'verify', name: 'db', file: 'db-9', outcome: 'succeeded' },
    { op: 'prune', name: 'db', file: 'db-9' },
    backup('db-8', { outcome: 'failed' }),
    { op: 'verify', name: 'db', file: 'db-8', outcome: 'succeeded' },
    { op: 'restore', name: 'db', file: 'db-8', outcome: 'succeeded' },
  ];
  assert.deepEqual(backupEntries(records, 'db'), []);
});

test('a pruned backup stays listed but marked; newestGood skips it for the newest file still on disk', () => {
  const records: BackupRecord[] = [
    backup('db-1'),
    backup('db-2'),
    backup('db-3'),
    { op: 'prune', name: 'db', file: 'db-3' },
    { op: 'prune', name: 'db', file: 'db-1' },
    { op: 'prune', name: 'other', file: 'db-2' }, // another backup's prune
  ];
  assert.deepEqual(
    backupEntries(records, 'db').map((e) => [e.file, e.pruned]),
    [
      ['db-3', true],
      ['db-2', false],
      ['db-1', true],
    ],
  );
  assert.equal(newestGood(records, 'db')?.file, 'db-2');
  assert.equal(newestGood([...records, { op: 'prune', name: 'db', file: 'db-2' }], 'db'), undefined);
  assert.equal(newestGood([], 'db'), undefined);
});
