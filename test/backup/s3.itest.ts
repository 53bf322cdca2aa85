/**
 * Off-site copies into S3 (`copy_to.s3`) against real parts: a files backup on a host of its own (scripts/test-hosts.sh
 * host 44), the test environment's S3 server (moto, scripts/test-env.sh start_s3) reached from there, and Debian's
 * rclone run by the server. The copy is checked through the S3 API (signed here, independent of rclone): each object's
 * bytes and its x-amz-meta-sha256 as recorded; retention prunes in the bucket too; `backups` says where each file is;
 * a restore takes the file the server lost from the bucket and refuses a corrupted object; a scheduled run (the cron
 * command, run directly) copies with the credentials `backup schedule` stored 0600. The secret key is a canary (quotes,
 * backslashes, spaces): never in an output, a record, schedule.log, the S3 server's log or any process's argv.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { backupLog, backupRecords, json, keptRuns, type Hosts } from '../helpers/backup-cli.js';
import { findLeaks, leakForms } from '../helpers/canary.js';
import type { CliResult } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { s3, s3Keys, s3Log, s3Port, sha256Hex } from '../helpers/s3.js';
import { tempDir, testHost, type TestHost } from '../helpers/testenv.js';

const SECRETS = {
  S3_SECRET: `canary-s3 "secret" \\back\\slash 'q' end`,
  S3_ACCESS: 'canary-s3-access-Kq7Zx',
};
const ENV = { GW_S3_ACCESS: SECRETS.S3_ACCESS, GW_S3_SECRET: SECRETS.S3_SECRET };
const PREFIX = 'shop/uploads';

let host: TestHost;
let p: DeployProject;
let bucket: string;
let label: string;
const outputs: Record<string, string> = {};

const sh = (script: string) => execFileSync('sh', ['-c', script], { encoding: 'utf8' });
const backupDir = () => join(p.serverDir, 'backups', 'uploads');
const serverFiles = () =>
  readdirSync(backupDir())
    .filter((f) => f.endsWith('.tar.gz'))
    .sort();
const objectPath = (file: string) => `/${bucket}/${PREFIX}/${file}`;
const bucketFiles = async () => (await s3Keys(bucket, `${PREFIX}/`)).map((k) => k.slice(PREFIX.length + 1)).sort();

const run = keptRuns(outputs, () => p.config, ENV);
interface Rec {
  file: string;
  sha256?: string;
}

/**
 * Every process's argv, sampled every 50 ms while `work` runs, searched for the canaries (a pattern file: the
 * sampler's own argv holds none). Returns how many samples saw a canary and how many saw rclone at work.
 */
let sampler: ChildProcess | undefined;
const watch = tempDir('s3-ps-');
function startArgvWatch(): void {
  const patterns = join(watch, 'patterns');
  writeFileSync(patterns, `${Object.values(SECRETS).flatMap(leakForms).join('\n')}\n`);
  for (const f of ['hits', 'rclones', 'samples']) writeFileSync(join(watch, f), '');
  sampler = spawn(
    'sh',
    [
      '-c',
      `while :; do ps -eo args > "$1/snap"; grep -F -f "$1/patterns" "$1/snap" >> "$1/hits";
        grep -c '^rclone --config' "$1/snap" >> "$1/rclones"; echo >> "$1/samples"; sleep 0.05; done`,
      'sh',
      watch,
    ],
    { stdio: 'ignore' },
  );
}
function stopArgvWatch(): { hits: string; samples: number } {
  sampler?.kill('SIGKILL');
  sampler = undefined;
  const samples = readFileSync(join(watch, 'samples'), 'utf8').length;
  return { hits: readFileSync(join(watch, 'hits'), 'utf8'), samples };
}

before(async () => {
  host = testHost(44);
  bucket = `gangway-s3-${process.pid}`;
  const made = await s3('PUT', `/${bucket}`);
  assert.equal(made.status, 200, `the test S3 server on :${s3Port()} (scripts/test-env.sh start_s3)`);
  const endpoint = `http://10.77.44.1:${s3Port()}`;
  label = `s3://10.77.44.1:${s3Port()}/${bucket}/${PREFIX}`;
  p = deployProject({
    host,
    extra: `backups:
  - name: uploads
    kind: files
    paths: [data/uploads]
    keep: { daily: 1, weekly: 0 }
    schedule: "0 3 * * *"
    verify: never
    copy_to:
      s3:
        bucket: ${bucket}
        prefix: "/${PREFIX}/"
        endpoint: "${endpoint}"
        region: us-east-1
        access_key_env: GW_S3_ACCESS
        secret_key_env: GW_S3_SECRET
`,
  });
  // Nothing is deployed: a files backup of a directory needs none.
  mkdirSync(join(p.serverDir, 'data', 'uploads'), { recursive: true });
  writeFileSync(join(p.serverDir, 'data', 'uploads', 'a b.txt'), 'first upload\n');
  sh(`chown -R ${host.user} '${p.serverDir}'`);
});

after(async () => {
  sampler?.kill('SIGKILL');
  rmSync(watch, { recursive: true, force: true });
  if (!p) return;
  sh(`crontab -r -u ${host.user} 2>/dev/null; true`);
  p.cleanup();
  sh(`rm -rf '${p.serverDir}'`);
  for (const key of await s3Keys(bucket, '').catch(() => [])) await s3('DELETE', `/${bucket}/${key}`);
  await s3('DELETE', `/${bucket}`);
});

test('backup: copied into the bucket by the server, the object as recorded (bytes and x-amz-meta-sha256)', async () => {
  startArgvWatch();
  let r: CliResult;
  try {
    r = run('backup', ['backup', 'uploads', '--json', '-v']);
  } finally {
    const seen = stopArgvWatch(); // (rclone is seen at work in some samples: `rclones` counts them)
    assert.equal(seen.hits, '', 'a canary in some process argv');
    assert.ok(seen.samples > 0);
  }
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const out = json<Hosts<{ record: Rec; copy: { to: string; copied: string[]; present: string[] } }>>(r).hosts[0]!;
  assert.equal(out.copy.to, label);
  assert.deepEqual(out.copy.copied, [out.record.file]);
  assert.deepEqual(out.copy.present, [out.record.file]);
  const object = await s3('GET', objectPath(out.record.file));
  assert.equal(object.status, 200);
  assert.equal(sha256Hex(object.body), out.record.sha256);
  assert.deepEqual(object.body, readFileSync(join(backupDir(), out.record.file)));
  const head = await s3('HEAD', objectPath(out.record.file));
  assert.equal(head.headers.get('x-amz-meta-sha256'), out.record.sha256);
  const copyRun = backupRecords(p).at(-1)!;
  assert.deepEqual(
    { op: copyRun.op, outcome: copyRun.outcome, to: copyRun.to, newest: copyRun.newest },
    { op: 'copy', outcome: 'succeeded', to: label, newest: out.record.file },
  );
});

test('retention prunes in the bucket too; backups says where each file is; a lost file comes back', async () => {
  // An old backup on the server and in the bucket, which retention (keep.daily 1) prunes at the next backup.
  const old = 'uploads-20200102-030405.tar.gz';
  const first = serverFiles()[0]!;
  const bytes = readFileSync(join(backupDir(), first));
  writeFileSync(join(backupDir(), old), bytes, { mode: 0o600 });
  sh(`chown ${host.user} '${join(backupDir(), old)}'`);
  assert.equal((await s3('PUT', objectPath(old), { body: bytes })).status, 200);
  const line = { op: 'backup', name: 'uploads', outcome: 'succeeded', file: old, sha256: sha256Hex(bytes) };
  writeFileSync(backupLog(p), `${readFileSync(backupLog(p), 'utf8')}${JSON.stringify(line)}\n`);
  writeFileSync(join(p.serverDir, 'data', 'uploads', 'second.txt'), 'second upload\n');
  const b = run('backup-2', ['backup', 'uploads', '--json']);
  assert.equal(b.code, 0, b.stdout + b.stderr);
  assert.ok(!existsSync(join(backupDir(), old)), 'pruned on the server');
  assert.deepEqual(await bucketFiles(), serverFiles(), 'pruned in the bucket, every kept backup there');
  assert.ok(!serverFiles().includes(old));

  // The server loses its newest backup (not by retention): `backups` says it is in the bucket alone.
  const lost = serverFiles().at(-1)!;
  const good = readFileSync(join(backupDir(), lost));
  rmSync(join(backupDir(), lost));
  const l = run('backups', ['backups', 'uploads', '--json']);
  assert.equal(l.code, 0, l.stdout + l.stderr);
  const entries =
    json<Hosts<{ backups: { entries: { file: string; where: string[] }[] }[] }>>(l).hosts[0]!.backups[0]!.entries;
  assert.deepEqual(entries.find((e) => e.file === lost)?.where, [label]);
  assert.deepEqual(entries.find((e) => e.file === serverFiles()[0])?.where, ['server', label]);

  // A corrupted object is refused by its hash (and not left on the server) ...
  const bad = Buffer.from(good);
  bad[10]! ^= 0xff;
  assert.equal((await s3('PUT', objectPath(lost), { body: bad })).status, 200);
  const refused = run('from-s3-corrupt', ['restore', 'uploads', lost, '--verify']);
  assert.equal(refused.code, 1, refused.stdout + refused.stderr);
  assert.match(refused.stderr, /sha256 [0-9a-f]{64} on the way, [0-9a-f]{64} recorded/);
  assert.ok(!existsSync(join(backupDir(), lost)));
  assert.deepEqual(
    readdirSync(backupDir()).filter((f) => f.startsWith('.')),
    [],
    'no partial file left',
  );
  // ... the good one is fetched back (0600) and verified.
  assert.equal((await s3('PUT', objectPath(lost), { body: good })).status, 200);
  const v = run('from-s3', ['restore', 'uploads', lost, '--verify', '--json']);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  const out = json<Hosts<{ fetchedFrom: string; verify: { files: number } }>>(v).hosts[0]!;
  assert.equal(out.fetchedFrom, label);
  assert.equal(out.verify.files, 2);
  assert.deepEqual(readFileSync(join(backupDir(), lost)), good);
  assert.equal((statSync(join(backupDir(), lost)).mode & 0o777).toString(8), '600');
});

test('a credential variable unset here: the backup stays, the failed copy is recorded naming the variable', () => {
  const before = serverFiles().length;
  const r = run('no-secret', ['backup', 'uploads'], { GW_S3_ACCESS: SECRETS.S3_ACCESS });
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /GW_S3_SECRET is not set in this environment/);
  assert.equal(serverFiles().length, before + 1, 'the new backup is kept');
  const last = backupRecords(p).at(-1)!;
  assert.deepEqual([last.op, last.outcome], ['copy', 'failed']);
  assert.match(String(last.reason), /GW_S3_SECRET is not set/);
});

test('scheduled: the credentials stored 0600; the cron command backs up and copies, rclone keyed by env', async () => {
  const s = run('schedule', ['backup', 'schedule', '--json']);
  assert.equal(s.code, 0, s.stdout + s.stderr);
  const job = join(p.serverDir, '.gangway', 'backup', 'uploads');
  const creds = join(job, 's3-credentials');
  assert.equal((statSync(creds).mode & 0o777).toString(8), '600');
  assert.equal(readFileSync(creds, 'utf8'), `${SECRETS.S3_ACCESS}\n${SECRETS.S3_SECRET}\n`);
  assert.match(s.stdout, /GW_S3_ACCESS and GW_S3_SECRET stored 0600/);
  const crontab = sh(`crontab -l -u ${host.user}`);
  const entry = crontab.split('\n').find((l) => l.startsWith('0 3 * * * ') && l.includes(job))!;
  assert.ok(entry, crontab);
  const command = entry
    .slice('0 3 * * * '.length)
    .replace(/ # \S+$/, '')
    .replace(/\\%/g, '%');

  // rclone, as the cron command runs it, behind a wrapper that writes down its argv and whether its environment
  // holds the secret key exactly (quotes, backslashes and spaces intact).
  const bin = tempDir('s3-bin-');
  writeFileSync(
    join(bin, 'rclone'),
    `#!/bin/sh
printf '%s\\n' "$*" >> ${bin}/argv
[ "$RCLONE_CONFIG_GWCOPY_SECRET_ACCESS_KEY" = "$(sed -n 2p ${creds})" ] && echo same >> ${bin}/env
exec /usr/bin/rclone "$@"
`,
  );
  chmodSync(join(bin, 'rclone'), 0o755);
  sh(`chown ${host.user} '${bin}'`);
  const before = await bucketFiles();
  const count = backupRecords(p).length;
  sh(
    `nsenter --net=/run/netns/gw-h44 runuser -u ${host.user} -- env -i HOME='${host.home}' \
PATH='${bin}:/usr/local/bin:/usr/bin:/bin' DOCKER_HOST='${host.docker}' sh -c '${command.replace(/'/g, `'\\''`)}'`,
  );
  const fresh = backupRecords(p).slice(count);
  assert.deepEqual(
    fresh.filter((x) => x.op !== 'prune').map((x) => `${x.op} ${x.outcome} ${x.trigger ?? ''}`.trim()),
    ['backup succeeded schedule', 'copy succeeded'],
  );
  const made = String(fresh[0]!.file);
  const after = await bucketFiles();
  assert.ok(after.includes(made) && !before.includes(made), `${made} copied by the scheduled run`);
  assert.deepEqual(after, serverFiles());
  assert.equal(sha256Hex((await s3('GET', objectPath(made))).body), fresh[0]!.sha256);
  const argv = readFileSync(join(bin, 'argv'), 'utf8');
  assert.match(argv, /^--config \/dev\/null copyto /m);
  outputs['rclone argv'] = argv;
  assert.ok(readFileSync(join(bin, 'env'), 'utf8').includes('same'));
  outputs['schedule.log'] = readFileSync(join(job, 'schedule.log'), 'utf8');
  assert.match(outputs['schedule.log'], new RegExp(`copy ${made} to s3://`));

  // Scheduling again without the variables removes the stored credentials: the next run records a failed copy.
  const bare = run('schedule-bare', ['backup', 'schedule'], {});
  assert.equal(bare.code, 0, bare.stdout + bare.stderr);
  assert.match(bare.stdout + bare.stderr, /GW_S3_ACCESS is not set in this environment: scheduled runs will record/);
  assert.ok(!existsSync(creds));
});

test('no canary in any output, record, schedule.log or the S3 server log', () => {
  const places = { ...outputs, records: readFileSync(backupLog(p), 'utf8'), 's3 server log': s3Log() };
  assert.deepEqual(findLeaks(places, SECRETS), []);
  assert.ok(Object.keys(outputs).length > 10);
});
