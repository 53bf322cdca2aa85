/** backupHealth: rpo, failed scheduled runs and restore tests make status NO-GO; a stale verification warns. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackupRecord } from '../../src/backup/records.js';
import { backupHealth } from '../../src/backup/status.js';
import type { BackupConfig } from '../../src/config/config.js';
import { postgresBackup } from '../helpers/backup-config.js';

const db = postgresBackup({ verify: 'weekly', rpoMs: 24 * 3_600_000 });
const now = new Date('2026-11-22T12:00:00Z');
const backup = (file: string, finished: string, extra: Partial<BackupRecord> = {}): BackupRecord => ({
  op: 'backup',
  name: 'db',
  outcome: 'succeeded',
  file,
  finished,
  ...extra,
});
const verified = (file: string, finished: string, outcome: 'succeeded' | 'failed' = 'succeeded'): BackupRecord => ({
  op: 'verify',
  name: 'db',
  outcome,
  file,
  finished,
});

test('GO: a backup within rpo, verified this week', () => {
  const h = backupHealth(
    [backup('db-1.dump', '2026-11-22T02:00:00Z'), verified('db-1.dump', '2026-11-22T02:01:00Z')],
    [db],
    now,
  );
  assert.deepEqual(h.reasons, []);
  assert.deepEqual(h.warnings, []);
  assert.equal(h.summary[0]?.newest, 'db-1.dump');
});

test('NO-GO: none yet, or the newest good one is older than rpo (a pruned one does not count)', () => {
  assert.match(backupHealth([], [db], now).reasons[0]!, /no good backup yet/);
  const old = [
    backup('db-0.dump', '2026-11-20T02:00:00Z'),
    backup('db-1.dump', '2026-11-22T02:00:00Z'),
    { op: 'prune', name: 'db', file: 'db-1.dump' } as BackupRecord,
  ];
  assert.match(backupHealth(old, [db], now).reasons[0]!, /db-0.dump is older than rpo 24h/);
});

test('NO-GO: the last scheduled run failed, or the last restore test did; warning: no verify for 7 days', () => {
  const records = [
    backup('db-1.dump', '2026-11-22T02:00:00Z', { trigger: 'schedule' }),
    verified('db-1.dump', '2026-11-10T02:00:00Z'),
    verified('db-1.dump', '2026-11-22T02:05:00Z', 'failed'),
    { op: 'backup', name: 'db', outcome: 'failed', trigger: 'schedule', reason: 'disk full' } as BackupRecord,
  ];
  const h = backupHealth(records, [db], now);
  assert.deepEqual(h.reasons, [
    'backup db: the last scheduled backup failed: disk full',
    'backup db: the last restore test failed: ?',
  ]);
  assert.deepEqual(h.warnings, ['backup db: no successful restore test in the last 7 days']);
});

test('NO-GO with copy_to: no off-site copy yet, or the newest copy is older than rpo', () => {
  const copied: BackupConfig = {
    ...db,
    copyTo: {
      kind: 'sftp',
      label: 'sftp://dr@203.0.113.9/backups',
      host: { kind: 'ssh', label: 'dr@203.0.113.9', host: '203.0.113.9', user: 'dr' },
      dir: '/backups',
    },
  };
  const fresh = [backup('db-2.dump', '2026-11-22T02:00:00Z'), verified('db-2.dump', '2026-11-22T02:01:00Z')];
  assert.deepEqual(backupHealth(fresh, [copied], now).reasons, [
    'backup db: no off-site copy on sftp://dr@203.0.113.9/backups yet',
  ]);
  const copy = (newest: string): BackupRecord =>
    ({ op: 'copy', name: 'db', outcome: 'succeeded', newest, finished: '2026-11-22T02:02:00Z' }) as BackupRecord;
  assert.deepEqual(backupHealth([...fresh, copy('db-2.dump')], [copied], now).reasons, []);
  const stale = [backup('db-1.dump', '2026-11-20T02:00:00Z'), copy('db-1.dump'), ...fresh];
  assert.match(
    backupHealth(stale, [copied], now).reasons[0]!,
    /newest off-site copy \(db-1.dump on sftp:.*\) is older than rpo 24h/,
  );
});
