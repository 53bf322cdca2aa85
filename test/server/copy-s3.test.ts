/**
 * copy-s3.sh (backup.sh's copy actions) under the local sh, a stub `rclone` first in PATH that keeps the bucket in a
 * local directory and writes down its argv and whether its environment holds the keys: what goes up and what is
 * deleted, the record, a server file that no longer hashes as recorded, a fetch refused by its hash, rclone's error
 * text masked, a scheduled run without stored credentials. The real rclone and S3 server: test/backup/s3.itest.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { jobFiles } from '../../src/backup/job-files.js';
import { filesBackup } from '../helpers/backup-config.js';
import { tempDir } from '../helpers/testenv.js';

const PRUNED = 'up-20200101-000000.tar.gz';
const SECRET = `s3-secret "q" \\b 'x' end`;
const ACCESS = 'AKIA-unit-access';
const config = filesBackup({
  keep: { daily: 1, weekly: 0 },
  copyTo: {
    kind: 's3',
    label: 's3://bkt/shop/up',
    bucket: 'bkt',
    prefix: 'shop/up',
    endpoint: 'http://127.0.0.1:1',
    accessKeyEnv: 'A',
    secretKeyEnv: 'S',
  },
});

function setup() {
  const dir = tempDir('bk-s3-');
  const job = join(dir, '.gangway', 'backup', 'up');
  mkdirSync(job, { recursive: true });
  mkdirSync(join(dir, 'data', 'uploads'), { recursive: true });
  writeFileSync(join(dir, 'data', 'uploads', 'a.txt'), 'alpha\n');
  for (const f of jobFiles(dir, 'bk-unit', { config, database: '', user: '' }, false))
    writeFileSync(join(job, f.name), f.content, { mode: f.mode });
  const bin = join(dir, 'bin');
  const store = join(dir, 'store');
  mkdirSync(bin);
  mkdirSync(join(store, 'bkt'), { recursive: true });
  // gwcopy:bkt/… is $store/bkt/…; `fail` in bin makes every call fail, saying both keys (as no real rclone should).
  writeFileSync(
    join(bin, 'rclone'),
    `#!/bin/sh
printf '%s\\n' "$*" >> '${bin}/argv'
[ "$RCLONE_CONFIG_GWCOPY_SECRET_ACCESS_KEY" = '${SECRET.replace(/'/g, `'\\''`)}' ] \\
  && [ "$RCLONE_CONFIG_GWCOPY_ACCESS_KEY_ID" = '${ACCESS}' ] && echo keyed >> '${bin}/env'
if [ -f '${bin}/fail' ]; then
  printf '2026/01/01 00:00:00 ERROR : denied for %s %s\\n' "$RCLONE_CONFIG_GWCOPY_ACCESS_KEY_ID" \\
    "$RCLONE_CONFIG_GWCOPY_SECRET_ACCESS_KEY" >&2
  exit 1
fi
shift 2 # --config /dev/null
path() { printf '%s/%s' '${store}' "\${1#gwcopy:}"; }
case "$1" in
  lsf) [ -d '${store}/bkt' ] || exit 3; [ -d "$(path "$3")" ] && ls -1 "$(path "$3")"; exit 0 ;;
  copyto) mkdir -p "$(dirname "$(path "$3")")" && cp "$2" "$(path "$3")" && printf '%s\\n' "$5" > "$(path "$3").meta" ;;
  deletefile) rm "$(path "$2")" ;;
  cat) cat "$(path "$2")" ;;
esac
`,
  );
  chmodSync(join(bin, 'rclone'), 0o755);
  const run = (args: string[], input = `${ACCESS}\n${SECRET}\n`) =>
    spawnSync('sh', [join(job, 'backup.sh'), job, ...args], {
      encoding: 'utf8',
      input,
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
  const logFile = join(dir, '.gangway', 'backups.jsonl');
  const records = () =>
    readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const backups = join(dir, 'backups', 'up');
  const bucket = join(store, 'bkt', 'shop', 'up');
  return { dir, job, bin, run, records, logFile, backups, bucket };
}

test('copy: what the bucket lacks goes up with its sha256, what retention pruned is deleted, one record', () => {
  const s = setup();
  const b = s.run(['backup', 'cli']);
  assert.equal(b.status, 0, b.stderr);
  const rec = s.records().at(-1)!;
  // In the bucket already: one file this job pruned (deleted there), one it did not (kept).
  mkdirSync(s.bucket, { recursive: true });
  for (const f of ['up-20200101-000000.tar.gz', 'up-20200102-000000.tar.gz', 'other.txt'])
    writeFileSync(join(s.bucket, f), 'old');
  writeFileSync(
    s.logFile,
    `${readFileSync(s.logFile, 'utf8')}${JSON.stringify({ op: 'prune', name: 'up', file: PRUNED })}\n`,
  );
  const c = s.run(['copy', '-']);
  assert.equal(c.status, 0, c.stderr + c.stdout);
  const said = c.stdout.split('\n').filter((l) => /^@@(copied|removed|present) /.test(l));
  assert.deepEqual(said, [
    `@@copied ${rec.file}`,
    '@@removed up-20200101-000000.tar.gz',
    '@@present up-20200102-000000.tar.gz',
    `@@present ${rec.file}`,
  ]);
  assert.deepEqual(readdirSync(s.bucket).sort(), [
    'other.txt',
    'up-20200102-000000.tar.gz',
    `${rec.file}`,
    `${rec.file}.meta`,
  ]);
  assert.deepEqual(readFileSync(join(s.bucket, String(rec.file))), readFileSync(join(s.backups, String(rec.file))));
  assert.equal(readFileSync(join(s.bucket, `${rec.file}.meta`), 'utf8'), `X-Amz-Meta-Sha256: ${rec.sha256}\n`);
  const copy = s.records().at(-1)!;
  assert.deepEqual([copy.op, copy.outcome, copy.to, copy.newest], ['copy', 'succeeded', 's3://bkt/shop/up', rec.file]);
  const argv = readFileSync(join(s.bin, 'argv'), 'utf8');
  assert.ok(!argv.includes(SECRET) && !argv.includes(ACCESS), argv);
  assert.equal(
    readFileSync(join(s.bin, 'env'), 'utf8').split('\n').filter(Boolean).length,
    argv.trim().split('\n').length,
  );
  assert.deepEqual(
    readdirSync(s.job).filter((f) => f.startsWith('.s3-')),
    [],
    'no listing left behind',
  );
});

test('copy: a server file that no longer hashes as recorded is not copied; rclone errors are masked', () => {
  const s = setup();
  assert.equal(s.run(['backup', 'cli']).status, 0);
  const file = String(s.records().at(-1)!.file);
  const good = readFileSync(join(s.backups, file));
  writeFileSync(join(s.backups, file), Buffer.concat([good, Buffer.from('x')]));
  const c = s.run(['copy', '-']);
  assert.equal(c.status, 1);
  assert.match(String(s.records().at(-1)!.reason), new RegExp(`${file} is corrupted on this server: sha256`));
  assert.ok(!existsSync(join(s.bucket, file)));

  writeFileSync(join(s.backups, file), good);
  writeFileSync(join(s.bin, 'fail'), '');
  const f = s.run(['copy', '-']);
  assert.equal(f.status, 1);
  const last = s.records().at(-1)!;
  assert.equal(last.outcome, 'failed');
  assert.equal(last.reason, 'cannot list s3://bkt/shop/up: ERROR : denied for *** ***');
  assert.ok(!(f.stdout + f.stderr).includes(SECRET));

  rmSync(join(s.bin, 'fail'));
  rmSync(join(s.dir, 'store', 'bkt'), { recursive: true });
  assert.equal(s.run(['copy', '-']).status, 1);
  assert.equal(
    s.records().at(-1)!.reason,
    'cannot list s3://bkt/shop/up: there is no bucket bkt (gangway never creates one)',
  );
});

test('copy-fetch: refused when its bytes do not hash as recorded (nothing left), else put back 0600', () => {
  const s = setup();
  assert.equal(s.run(['backup', 'cli']).status, 0);
  assert.equal(s.run(['copy', '-']).status, 0);
  const file = String(s.records().find((r) => r.op === 'backup')!.file);
  const good = readFileSync(join(s.backups, file));
  const local = join(s.backups, file);
  rmSync(local); // the server lost it
  writeFileSync(join(s.bucket, file), Buffer.concat([good, Buffer.from('x')]));
  const bad = s.run(['copy-fetch', file, '-']);
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, new RegExp(`^@@error ${file}: sha256 [0-9a-f]{64} on the way, [0-9a-f]{64} recorded$`, 'm'));
  assert.deepEqual(readdirSync(s.backups), []);
  writeFileSync(join(s.bucket, file), good);
  const ok = s.run(['copy-fetch', file, '-']);
  assert.equal(ok.status, 0, ok.stderr + ok.stdout);
  assert.deepEqual(readFileSync(local), good);
  assert.equal((statSync(local).mode & 0o777).toString(8), '600');
});

test('scheduled: without stored credentials the backup is kept and a failed copy recorded; with them, copied', () => {
  const s = setup();
  const r = s.run(['scheduled'], '');
  assert.equal(r.status, 1);
  const fresh = s.records().filter((x) => x.op !== 'prune');
  assert.deepEqual(
    fresh.map((x) => `${x.op} ${x.outcome}`),
    ['backup succeeded', 'copy failed'],
  );
  assert.match(String(fresh[1]!.reason), /no S3 credentials on this server: run gangway backup schedule/);
  writeFileSync(join(s.job, 's3-credentials'), `${ACCESS}\n${SECRET}\n`, { mode: 0o600 });
  const again = s.run(['scheduled'], '');
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual([s.records().at(-1)!.op, s.records().at(-1)!.outcome], ['copy', 'succeeded']);
  const here = readdirSync(s.backups).sort();
  assert.deepEqual(
    readdirSync(s.bucket)
      .filter((f) => f.endsWith('.tar.gz'))
      .sort(),
    here,
    "the first run's backup too",
  );
});
