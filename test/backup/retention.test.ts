/**
 * backup.sh's retention under the local sh, on pre-dated backup files (dates come from the names, so no clock
 * is needed): the newest of each of the newest `daily` days, of each of the newest `weekly` ISO weeks (Monday
 * first, UTC), every backup of the last 24 hours, and always the newest one; each pruned file recorded in
 * backups.jsonl.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { jobFiles } from '../../src/backup/job-files.js';
import { filesBackup, postgresBackup } from '../helpers/backup-config.js';
import { tempDir } from '../helpers/testenv.js';

/** `now`: the fake clock (UTC, as in the names); by default long after every file, so only the counts decide. */
function retention(
  files: string[],
  keep: { daily: number; weekly: number },
  now = '20300101-000000',
): { kept: string[]; log: string } {
  const dir = tempDir('bk-retention-');
  const job = join(dir, '.gangway', 'backup', 'db');
  const backups = join(dir, 'backups', 'db');
  mkdirSync(job, { recursive: true });
  mkdirSync(backups, { recursive: true });
  const config = postgresBackup({ keep });
  for (const f of jobFiles(dir, 'bk-unit', { config, database: 'appdb', user: 'app' }))
    writeFileSync(join(job, f.name), f.content, { mode: f.mode });
  for (const f of [...files, 'other-20200101-000000.dump', 'notes.txt']) writeFileSync(join(backups, f), 'x');
  const r = spawnSync('sh', [join(job, 'backup.sh'), job, 'retention', now], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const log = readFileSync(join(dir, '.gangway', 'backups.jsonl'), 'utf8').toString();
  return { kept: readdirSync(backups).sort(), log };
}

test('daily keeps the newest backup of each of the newest N days that have one', () => {
  const files = [
    'db-20261120-020000.dump',
    'db-20261121-020000.dump',
    'db-20261122-020000.dump',
    'db-20261122-140000.dump',
  ];
  const { kept, log } = retention(files, { daily: 2, weekly: 0 });
  assert.deepEqual(kept, [
    'db-20261121-020000.dump',
    'db-20261122-140000.dump',
    'notes.txt',
    'other-20200101-000000.dump',
  ]);
  assert.equal(log.trim().split('\n').length, 2);
  assert.match(log, /"op":"prune","name":"db","file":"db-20261120-020000.dump"/);
});

test('weekly keeps the newest of each ISO week (Monday to Sunday) beyond the daily ones', () => {
  // 2026-11-01 is a Sunday, 11-02 a Monday: two different weeks; 10-20 and 10-21 share one.
  const files = [
    'db-20261020-020000.dump',
    'db-20261021-020000.dump',
    'db-20261101-020000.dump',
    'db-20261102-020000.dump',
    'db-20261103-020000.dump.age',
  ];
  const { kept } = retention(files, { daily: 1, weekly: 3 });
  assert.deepEqual(
    kept.filter((f) => f.startsWith('db-')),
    ['db-20261021-020000.dump', 'db-20261101-020000.dump', 'db-20261103-020000.dump.age'],
  );
});

test('the newest backup is never deleted, whatever keep says', () => {
  const { kept } = retention(['db-20250101-000000.dump', 'db-20240101-000000.dump'], { daily: 1, weekly: 0 });
  assert.deepEqual(
    kept.filter((f) => f.startsWith('db-')),
    ['db-20250101-000000.dump'],
  );
});

test('every backup of the last 24 hours is kept: a manual backup does not push out the scheduled one', () => {
  const files = [
    'db-20261120-020000.dump',
    'db-20261121-020000.dump',
    'db-20261122-020000.dump',
    'db-20261122-140000.dump',
  ];
  const { kept } = retention(files, { daily: 1, weekly: 0 }, '20261122-150000');
  assert.deepEqual(kept, [
    'db-20261122-020000.dump', // 13 hours old: kept beside the newer one of its day
    'db-20261122-140000.dump',
    'notes.txt',
    'other-20200101-000000.dump',
  ]);
  // A day later only the counts decide again.
  const later = retention(files, { daily: 1, weekly: 0 }, '20261123-150000');
  assert.deepEqual(later.kept, ['db-20261122-140000.dump', 'notes.txt', 'other-20200101-000000.dump']);
});

test('kind files: the same retention on <name>-…tar.gz[.age], leaving the dumps of a postgres job of that name', () => {
  const dir = tempDir('bk-retention-files-');
  const job = join(dir, '.gangway', 'backup', 'up');
  const backups = join(dir, 'backups', 'up');
  mkdirSync(job, { recursive: true });
  mkdirSync(backups, { recursive: true });
  const config = filesBackup({ paths: ['data/uploads', 'volume:media'], keep: { daily: 1, weekly: 0 } });
  for (const f of jobFiles(dir, 'bk-unit', { config, database: '', user: '' }))
    writeFileSync(join(job, f.name), f.content, { mode: f.mode });
  const files = [
    'up-20261120-020000.tar.gz',
    'up-20261121-020000.tar.gz.age',
    'up-20261122-020000.tar.gz',
    'up-20261119-020000.dump',
  ];
  for (const f of files) writeFileSync(join(backups, f), 'x');
  const r = spawnSync('sh', [join(job, 'backup.sh'), job, 'retention', '20300101-000000'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(backups).sort(), ['up-20261119-020000.dump', 'up-20261122-020000.tar.gz']);
  assert.match(
    readFileSync(join(dir, '.gangway', 'backups.jsonl'), 'utf8'),
    /"op":"prune","name":"up","file":"up-20261121-020000\.tar\.gz\.age"/,
  );
});
