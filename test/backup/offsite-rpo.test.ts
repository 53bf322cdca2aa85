/** The "last off-site copy older than RPO" rule: from the copy runs recorded in backups.jsonl. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { offsiteCopyProblem } from '../../src/backup/offsite-rpo.js';
import type { BackupRecord } from '../../src/backup/records.js';
import { filesBackup } from '../helpers/backup-config.js';

const TO = 'sftp://backup@dr.example.com/srv/b';
const config = filesBackup({
  verify: 'weekly',
  rpoMs: 24 * 3_600_000,
  copyTo: {
    kind: 'sftp',
    label: TO,
    host: { kind: 'ssh', label: 'backup@dr.example.com', host: 'dr.example.com' },
    dir: '/srv/b',
  },
});
const now = new Date('2026-12-07T12:00:00Z');
const made = (file: string, finished: string): BackupRecord => ({
  op: 'backup',
  name: 'up',
  outcome: 'succeeded',
  file,
  finished,
});
const copied = (newest: string | undefined, outcome: 'succeeded' | 'failed' = 'succeeded'): BackupRecord => ({
  op: 'copy',
  name: 'up',
  outcome,
  to: TO,
  ...(newest && { newest }),
});

test('without copy_to there is nothing to say', () => {
  const { copyTo: _c, ...plain } = config;
  assert.equal(offsiteCopyProblem([], plain, now), undefined);
});

test('NO-GO until a copy run succeeded; fine while the newest backup on the copy is within rpo', () => {
  assert.equal(offsiteCopyProblem([], config, now), `backup up: no off-site copy on ${TO} yet`);
  const fresh = made('up-20261207-020000.tar.gz', '2026-12-07T02:00:05Z');
  assert.equal(offsiteCopyProblem([fresh, copied('up-20261207-020000.tar.gz')], config, now), undefined);
});

test('NO-GO when the newest backup on the copy is older than rpo, however recent the server backups are', () => {
  const records = [
    made('up-20261205-020000.tar.gz', '2026-12-05T02:00:05Z'),
    copied('up-20261205-020000.tar.gz'),
    made('up-20261207-020000.tar.gz', '2026-12-07T02:00:05Z'),
    copied(undefined, 'failed'),
  ];
  assert.equal(
    offsiteCopyProblem(records, config, now),
    `backup up: the newest off-site copy (up-20261205-020000.tar.gz on ${TO}) is older than rpo 24h`,
  );
});
