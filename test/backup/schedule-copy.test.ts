/**
 * What `gangway backup schedule` sets up for the off-site copy of scheduled runs: copy_to.s3 stores the keys 0600 in
 * the job dir (removed when they are not set here or the backup is no longer scheduled); copy_to.sftp says the next
 * `gangway backup` copies (the server holds no key to the copy host).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scheduleCopy } from '../../src/backup/schedule-copy.js';
import type { BackupHost } from '../../src/backup/session.js';
import type { BackupConfig } from '../../src/config/config.js';
import { Scrubber } from '../../src/redact/scrubber.js';
import { filesBackup } from '../helpers/backup-config.js';

function fakeHost() {
  const calls: string[] = [];
  const files = new Map<string, { content: string; mode?: number }>();
  const host = {
    label: 'h',
    exec: (argv: readonly string[]) => {
      calls.push(argv.join(' '));
      return Promise.resolve({ code: 0, stdout: '', stderr: '' });
    },
    writeFileAtomic: (path: string, content: string, options?: { mode?: number }) => {
      files.set(path, { content, ...(options?.mode !== undefined && { mode: options.mode }) });
      return Promise.resolve();
    },
  };
  return { bh: { host, jobDir: '/srv/.gangway/backup/up' } as unknown as BackupHost, calls, files };
}

const base = filesBackup({ paths: ['a'], schedule: '0 3 * * *' });
const s3: BackupConfig = {
  ...base,
  copyTo: { kind: 's3', label: 's3://b', bucket: 'b', prefix: '', accessKeyEnv: 'A', secretKeyEnv: 'S' },
};
const CREDS = '/srv/.gangway/backup/up/s3-credentials';

test('copy_to.s3: the keys stored 0600, said by their names; unset here: removed, and said so', async () => {
  const f = fakeHost();
  const said = await scheduleCopy(f.bh, s3, { A: 'key-id', S: 'se "cr" \\et' }, new Scrubber());
  assert.deepEqual(f.files.get(CREDS), { content: 'key-id\nse "cr" \\et\n', mode: 0o600 });
  assert.deepEqual(said, { ok: true, text: 'to s3://b after each run (A and S stored 0600 in the job dir)' });
  const g = fakeHost();
  const unset = await scheduleCopy(g.bh, s3, { A: 'key-id' }, new Scrubber());
  assert.equal(unset?.ok, false);
  assert.match(unset!.text, /S is not set in this environment: scheduled runs will record a failed copy/);
  assert.deepEqual(g.calls, [`rm -f ${CREDS}`]);
});

test('no schedule or no s3 copy: no stored keys; copy_to.sftp: the next gangway backup copies', async () => {
  const f = fakeHost();
  assert.equal(await scheduleCopy(f.bh, { ...s3, schedule: undefined } as BackupConfig, {}, new Scrubber()), undefined);
  assert.deepEqual(f.calls, [`rm -f ${CREDS}`]);
  const sftp: BackupConfig = {
    ...base,
    copyTo: { kind: 'sftp', label: 'sftp://u@h/x', host: { kind: 'ssh', label: 'u@h', host: 'h' }, dir: '/x' },
  };
  const said = await scheduleCopy(fakeHost().bh, sftp, {}, new Scrubber());
  assert.equal(said?.ok, false);
  assert.match(said!.text, /^backup up runs on a schedule .* sftp:\/\/u@h\/x is made only when `gangway backup` runs/);
  assert.match(said!.text, /NO-GO/);
});
