/**
 * backup-files.sh under the local sh, for a directory (no Docker needed): the tar holds the directory and a manifest
 * made from the tar itself; verify extracts and compares; a file that changed while tar read it makes the directory
 * be read again (a stub `tar` first in PATH says so once), and three times in a row fails the backup, recorded.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { jobFiles } from '../../src/backup/job-files.js';
import { filesBackup } from '../helpers/backup-config.js';
import { tempDir } from '../helpers/testenv.js';

const config = filesBackup();

/** A deploy dir with data/uploads and the job installed; `changedTimes`: how often the stub tar says "changed". */
function setup(changedTimes: number) {
  const dir = tempDir('bk-files-');
  const job = join(dir, '.gangway', 'backup', 'up');
  mkdirSync(job, { recursive: true });
  mkdirSync(join(dir, 'data', 'uploads', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'data', 'uploads', 'a.txt'), 'alpha\n');
  writeFileSync(join(dir, 'data', 'uploads', 'sub', 'b c.txt'), 'beta gamma\n');
  for (const f of jobFiles(dir, 'bk-unit', { config, database: '', user: '' }, false))
    writeFileSync(join(job, f.name), f.content, { mode: f.mode });
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const real = execFileSync('sh', ['-c', 'command -v tar'], { encoding: 'utf8' }).trim();
  // Creating an archive: exit 1 with GNU tar's warning while the counter lasts, else the real tar.
  writeFileSync(
    join(bin, 'tar'),
    `#!/bin/sh
case " $* " in *" -cf "*)
  n=$(cat '${bin}/count' 2>/dev/null || echo 0)
  if [ "$n" -lt ${changedTimes} ]; then echo $((n + 1)) > '${bin}/count'
    echo "tar: data/uploads/a.txt: file changed as we read it" >&2; exit 1; fi ;;
esac
exec ${real} "$@"
`,
  );
  chmodSync(join(bin, 'tar'), 0o755);
  const run = (...args: string[]) =>
    spawnSync('sh', [join(job, 'backup.sh'), job, ...args], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
  const records = () =>
    readFileSync(join(dir, '.gangway', 'backups.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { dir, run, records };
}

test('a directory: tar.gz with dir/<path> members and the manifest; verify extracts and agrees', () => {
  const { dir, run, records } = setup(0);
  const b = run('backup', 'cli');
  assert.equal(b.status, 0, b.stderr);
  const rec = records().at(-1)!;
  assert.equal(rec.outcome, 'succeeded');
  assert.equal(rec.files, 2);
  assert.equal(rec.bytes, 17);
  const file = join(dir, 'backups', 'up', String(rec.file));
  const manifest = execFileSync('tar', ['-xzOf', file, 'gangway-manifest.txt'], { encoding: 'utf8' });
  assert.deepEqual(
    manifest
      .trim()
      .split('\n')
      .map((l) => l.split(' ').slice(1).join(' '))
      .sort(),
    ['11 dir/data/uploads/sub/b c.txt', '6 dir/data/uploads/a.txt'],
  );
  const v = run('verify', String(rec.file));
  assert.equal(v.status, 0, v.stderr);
  assert.equal(records().at(-1)!.op, 'verify');
  assert.deepEqual(readdirSync(join(dir, 'backups', 'up')), [rec.file], 'no temp dir or partial file is left');
});

test('a file that changed while read: the directory is read again; three times in a row fails, recorded', () => {
  const again = setup(2);
  const ok = again.run('backup', 'cli');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, /a file changed while data\/uploads was read: reading it again \(3\/3\)/);
  assert.equal(again.records().at(-1)!.outcome, 'succeeded');

  const never = setup(3);
  const failed = never.run('backup', 'cli');
  assert.equal(failed.status, 1);
  const rec = never.records().at(-1)!;
  assert.equal(rec.outcome, 'failed');
  assert.match(String(rec.reason), /reading the files failed: tar: data\/uploads\/a\.txt: file changed as we read it/);
  assert.deepEqual(readdirSync(join(never.dir, 'backups', 'up')), [], 'no partial file is left');
});

test('a backup started in a second another backup of the name already has waits for a stamp of its own', () => {
  const { dir, run, records } = setup(0);
  const backups = join(dir, 'backups', 'up');
  mkdirSync(backups, { recursive: true });
  // This second and the next two are taken (a file, and one still being written): the backup, started within
  // them, must not reuse one of their names.
  const stamp = (offsetS: number) =>
    new Date(Date.now() + offsetS * 1000).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const taken = [0, 1, 2].map(stamp);
  writeFileSync(join(backups, `up-${taken[0]}.tar.gz`), 'an earlier backup\n', { mode: 0o600 });
  writeFileSync(join(backups, `up-${taken[1]}.tar.gz`), 'another\n', { mode: 0o600 });
  writeFileSync(join(backups, `.up-${taken[2]}.tar.gz.partial`), 'one being written\n', { mode: 0o600 });
  const b = run('backup', 'cli');
  assert.equal(b.status, 0, b.stderr);
  const file = String(records().at(-1)!.file);
  assert.ok(!taken.some((t) => file === `up-${t}.tar.gz`), `${file} reuses one of ${taken.join(', ')}`);
  assert.notEqual(readFileSync(join(backups, file), 'utf8'), 'an earlier backup\n');
});
