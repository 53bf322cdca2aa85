/**
 * File backups and off-site copies against real parts, on hosts of their own (scripts/test-hosts.sh host 33, the
 * server; host 34, the copy host): a web service with a bind-mounted directory (data/uploads) and a named volume
 * (media) deployed by gangway; `kind: files` backs both up (the volume through a helper container of an image already
 * on the host), restore --verify extracts and compares with the manifest, a corrupted file is caught by its sha256,
 * --into-live stops the service, puts the files back (owners in the volume kept) and passes the health gate; an
 * encrypted backup is verified with --identity; copy_to copies every backup to host 34 over SFTP, retention prunes
 * there too, `backups` says where each file is, and a restore takes the file from the copy after the server lost it
 * (a corrupted copy is refused). No canary in any output.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { backupLog, backupRecords, json, keptRuns, type Hosts } from '../helpers/backup-cli.js';
import { CANARIES, findLeaks } from '../helpers/canary.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { buildWebImage } from '../helpers/images.js';
import { tempDir, testHost, type TestHost } from '../helpers/testenv.js';

let host: TestHost;
let copyHost: TestHost;
let p: DeployProject;
let identity: string;
let offsite: string;
const outputs: Record<string, string> = {};

const sh = (script: string) => execFileSync('sh', ['-c', script], { encoding: 'utf8' });
const hostDocker = () => `docker -H ${host.docker}`;
const uploads = () => join(p.serverDir, 'data', 'uploads');
const backupDir = (name: string) => join(p.serverDir, 'backups', name);
const webContainer = () => `$(${hostDocker()} ps -q --filter label=com.docker.compose.project=${p.app})`;
const inWeb = (script: string) => sh(`${hostDocker()} exec ${webContainer()} sh -c '${script}'`);

const run = keptRuns(outputs, () => p.config);
interface Rec {
  file: string;
  files?: number;
  bytes?: number;
  sha256?: string;
  encrypted?: boolean;
  manifest_sha256?: string;
}

const record = (file: string, sha256: string) => ({
  op: 'backup',
  name: 'uploads',
  outcome: 'succeeded',
  file,
  sha256,
});

/** The files of the bind dir and the volume, as `path: content` (the volume read in the running web container). */
function liveFiles(): string {
  const local = sh(`cd '${uploads()}' && find . -type f | LC_ALL=C sort | while IFS= read -r f; do printf '%s=' "$f";
    cat "$f"; echo; done`);
  const volume = inWeb(
    'cd /media && find . -type f | LC_ALL=C sort | while read -r f; do printf "%s=" "$f"; cat "$f"; echo; done',
  );
  return `${local}--\n${volume}`;
}

before(async () => {
  host = testHost(33);
  copyHost = testHost(34);
  await buildWebImage('gangway-test/webfb:v1', { version: 'v1' });
  const keys = tempDir('fb-age-');
  identity = join(keys, 'key.txt');
  execFileSync('age-keygen', ['-o', identity], { stdio: 'ignore' });
  const recipient = execFileSync('age-keygen', ['-y', identity], { encoding: 'utf8' }).trim();
  offsite = join(copyHost.home, `offsite-${process.pid}`);
  p = deployProject({
    host,
    image: 'gangway-test/webfb',
    delivery: 'sync',
    compose: `services:
  web:
    image: gangway-test/webfb:\${IMAGE_TAG:?IMAGE_TAG required}
    environment:
      APP_SECRET: \${APP_SECRET}
    volumes:
      - ./data/uploads:/uploads
      - media:/media
    stop_grace_period: 1s
volumes:
  media: {}
`,
    envText: `APP_SECRET=${JSON.stringify(CANARIES.API_TOKEN)}\n`,
    health: '  services: [web]\n  timeout: 60s',
    extra: `backups:
  - name: uploads
    kind: files
    paths: [data/uploads, "volume:media"]
    keep: { daily: 1, weekly: 0 }
    copy_to:
      sftp: "${copyHost.user}@${copyHost.address}:${offsite}"
      fingerprint: "${copyHost.fingerprint}"
  - name: enc
    kind: files
    paths: [data/uploads]
    encrypt: { age_recipients: ["${recipient}"] }
`,
  });
  // The bind-mounted directory exists (the deploy user's) before Compose would make it (as root).
  mkdirSync(join(uploads(), 'nested', 'deeper'), { recursive: true });
  writeFileSync(join(uploads(), 'a b.txt'), 'first upload\n');
  writeFileSync(join(uploads(), 'nested', 'ü.txt'), 'unicode name\n');
  writeFileSync(join(uploads(), 'nested', 'deeper', 'empty'), '');
  sh(`chown -R ${host.user} '${p.serverDir}'`);
  const d = run('deploy', ['deploy', '--tag', 'v1', '--yes']);
  assert.equal(d.code, 0, d.stdout + d.stderr);
  // The volume's files belong to another user, one of them readable by its owner alone: the helper reads them as root.
  inWeb(
    'mkdir -p /media/img && echo cat > /media/img/cat.png && echo private > /media/secret.bin && ' +
      'chown 1234:1234 /media/secret.bin && chmod 600 /media/secret.bin',
  );
});

after(() => {
  if (!p) return;
  sh(`${hostDocker()} ps -aq --filter label=gangway.helper=${p.app} | xargs -r ${hostDocker()} rm -f >/dev/null 2>&1;
    true`);
  p.cleanup();
  sh(`${hostDocker()} volume rm ${p.app}_media >/dev/null 2>&1; rm -rf '${offsite}'; true`);
});

test('backup: one tar.gz of the directory and the volume, 0600, its manifest inside, copied to the second host', () => {
  const r = run('backup', ['backup', 'uploads', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const out = json<Hosts<{ record: Rec; copy: { copied: string[]; present: string[] } }>>(r).hosts[0]!;
  assert.match(out.record.file, /^uploads-\d{8}-\d{6}\.tar\.gz$/);
  assert.equal(out.record.files, 5);
  const path = join(backupDir('uploads'), out.record.file);
  assert.equal((statSync(path).mode & 0o777).toString(8), '600');
  const members = sh(`tar -tzf '${path}'`).split('\n');
  for (const m of ['gangway-manifest.txt', 'dir/data/uploads/a b.txt', 'volume/media/secret.bin'])
    assert.ok(members.includes(m), `${m} in ${members.join(', ')}`);
  const manifest = sh(`tar -xzOf '${path}' gangway-manifest.txt`);
  assert.match(manifest, /^[0-9a-f]{64} 8 volume\/media\/secret\.bin$/m);
  assert.match(manifest, /^[0-9a-f]{64} 0 dir\/data\/uploads\/nested\/deeper\/empty$/m);
  // The copy: the same bytes on host 34, 0600.
  assert.deepEqual(out.copy.copied, [out.record.file]);
  const copied = join(offsite, out.record.file);
  assert.equal((statSync(copied).mode & 0o777).toString(8), '600');
  assert.deepEqual(readFileSync(copied), readFileSync(path));
  // No helper container stays behind.
  assert.equal(sh(`${hostDocker()} ps -aq --filter label=gangway.helper=${p.app}`).trim(), '');
});

test('restore --verify: extracted into a temp dir and every file as the manifest says; a corrupted byte FAILS', () => {
  const v = run('verify', ['restore', 'uploads', '--verify', '--json']);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.equal(json<Hosts<{ verify: Rec }>>(v).hosts[0]!.verify.files, 5);
  assert.deepEqual(
    readdirSync(backupDir('uploads')).filter((f) => f.startsWith('.')),
    [],
    'the temp dir is gone',
  );
  const file = readdirSync(backupDir('uploads')).find((f) => f.endsWith('.tar.gz'))!;
  const path = join(backupDir('uploads'), file);
  const good = readFileSync(path);
  const bad = Buffer.from(good);
  bad[bad.length - 20]! ^= 0xff;
  writeFileSync(path, bad);
  try {
    const r = run('verify-corrupt', ['restore', 'uploads', file, '--verify']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /corrupted: sha256/);
  } finally {
    writeFileSync(path, good);
  }
});

test('restore --verify: a tar whose files differ from its manifest FAILS, naming the file', () => {
  const work = tempDir('fb-forged-');
  sh(`mkdir -p '${work}/dir/data/uploads' && printf 'changed\\n' > '${work}/dir/data/uploads/a b.txt' &&
    printf '%s 13 dir/data/uploads/a b.txt\\n' "$(printf 'first upload\\n' | sha256sum | cut -c1-64)" \
    > '${work}/gangway-manifest.txt' && tar -C '${work}' -czf '${work}/f.tar.gz' gangway-manifest.txt dir`);
  const bytes = readFileSync(join(work, 'f.tar.gz'));
  const file = 'uploads-20200101-000000.tar.gz';
  writeFileSync(join(backupDir('uploads'), file), bytes, { mode: 0o600 });
  sh(`chown ${host.user} '${join(backupDir('uploads'), file)}'`);
  const sha256 = sh(`sha256sum '${join(work, 'f.tar.gz')}' | cut -c1-64`).trim();
  const line = { op: 'backup', name: 'uploads', outcome: 'succeeded', file, sha256, size: bytes.length };
  const log = backupLog(p);
  const before = readFileSync(log, 'utf8');
  writeFileSync(log, `${before}${JSON.stringify(line)}\n`);
  try {
    const r = run('verify-forged', ['restore', 'uploads', file, '--verify']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /differs from the manifest: dir\/data\/uploads\/a b\.txt: size or sha256 differs/);
  } finally {
    rmSync(join(backupDir('uploads'), file));
    writeFileSync(log, before);
  }
});

test('restore --into-live: the service stopped, both paths as backed up (owners kept), started, healthy', () => {
  const want = liveFiles();
  const owner = inWeb('stat -c %u:%g:%a /media/secret.bin').trim();
  // Changed, deleted and added files in both places.
  writeFileSync(join(uploads(), 'a b.txt'), 'overwritten\n');
  rmSync(join(uploads(), 'nested', 'ü.txt'));
  writeFileSync(join(uploads(), 'new.txt'), 'added after the backup\n');
  inWeb('rm -r /media/img && echo x > /media/added');
  assert.notEqual(liveFiles(), want);
  const refused = run('into-live-no-yes', ['restore', 'uploads', '--into-live']);
  assert.equal(refused.code, 2, refused.stderr);
  const started = sh(`${hostDocker()} inspect -f '{{.State.StartedAt}}' $(${hostDocker()} ps -q --filter \
label=com.docker.compose.project=${p.app})`).trim();
  const r = run('into-live', ['restore', 'uploads', '--into-live', '--yes', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const out = json<Hosts<{ safety: string; restore: { services?: string } }>>(r).hosts[0]!;
  assert.equal(out.restore.services?.trim(), 'web');
  assert.match(out.safety, /^uploads-\d{8}-\d{6}\.tar\.gz$/);
  assert.equal(liveFiles(), want);
  assert.equal(inWeb('stat -c %u:%g:%a /media/secret.bin').trim(), owner);
  // The service sees the restored directory (its bind mount is made again at start).
  assert.equal(inWeb('cat "/uploads/a b.txt"; ls /uploads'), 'first upload\na b.txt\nnested\n');
  const again = sh(`${hostDocker()} inspect -f '{{.State.StartedAt}} {{.State.Health.Status}}' $(${hostDocker()} ps \
-q --filter label=com.docker.compose.project=${p.app})`).trim();
  assert.notEqual(again.split(' ')[0], started, 'the container was stopped and started again');
  assert.equal(again.split(' ')[1], 'healthy');
  assert.ok(!existsSync(join(p.serverDir, 'data', 'uploads.gangway-old')), 'no old copy left');
  assert.deepEqual(
    readdirSync(join(p.serverDir, 'data')).filter((f) => f !== 'uploads'),
    [],
  );
});

test('encrypted: .tar.gz.age on the server, verified here with --identity, refused without', () => {
  const r = run('enc-backup', ['backup', 'enc', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const rec = json<Hosts<{ record: Rec }>>(r).hosts[0]!.record;
  assert.match(rec.file, /\.tar\.gz\.age$/);
  assert.equal(rec.encrypted, true);
  const bytes = readFileSync(join(backupDir('enc'), rec.file));
  assert.equal(bytes.subarray(0, 21).toString(), 'age-encryption.org/v1');
  const noKey = run('enc-nokey', ['restore', 'enc', '--verify']);
  assert.equal(noKey.code, 1);
  assert.match(noKey.stderr, /encrypted: pass --identity/);
  const v = run('enc-verify', ['restore', 'enc', '--verify', '--identity', identity, '--json']);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.equal(json<Hosts<{ verify: Rec }>>(v).hosts[0]!.verify.files, 3);
});

test('off-site: backups says where each file is; pruned on the copy too; a file the server lost comes from it', () => {
  // An old backup, on the server and on the copy, which retention (keep.daily 1) prunes at the next backup.
  const old = 'uploads-20200102-030405.tar.gz';
  const first = readdirSync(backupDir('uploads')).find((f) => f.endsWith('.tar.gz'))!;
  const firstBytes = readFileSync(join(backupDir('uploads'), first));
  writeFileSync(join(backupDir('uploads'), old), firstBytes, { mode: 0o600 });
  writeFileSync(join(offsite, old), firstBytes, { mode: 0o600 });
  sh(`chown ${host.user} '${join(backupDir('uploads'), old)}'; chown ${copyHost.user} '${join(offsite, old)}'`);
  const log = backupLog(p);
  const sha256 = sh(`sha256sum '${join(offsite, old)}' | cut -c1-64`).trim();
  writeFileSync(
    log,
    `${readFileSync(log, 'utf8')}${JSON.stringify({ ...record(old, sha256), finished: '2020-01-02T03:04:05Z' })}\n`,
  );
  const b = run('backup-2', ['backup', 'uploads', '--json']);
  assert.equal(b.code, 0, b.stdout + b.stderr);
  assert.ok(!existsSync(join(backupDir('uploads'), old)), 'pruned on the server');
  assert.ok(!existsSync(join(offsite, old)), 'pruned on the copy');
  const onServer = readdirSync(backupDir('uploads'))
    .filter((f) => f.endsWith('.tar.gz'))
    .sort();
  assert.deepEqual(readdirSync(offsite).sort(), onServer, 'every backup the server keeps is on the copy');
  const copyRun = backupRecords(p)
    .filter((x) => x.op === 'copy')
    .at(-1);
  assert.equal(copyRun?.outcome, 'succeeded');
  assert.equal(copyRun?.newest, onServer.at(-1));

  // The server loses the newest backup (not by retention): `backups` says it is on the copy alone.
  const lost = onServer.at(-1)!;
  rmSync(join(backupDir('uploads'), lost));
  const l = run('backups', ['backups', 'uploads', '--json']);
  assert.equal(l.code, 0, l.stdout + l.stderr);
  const entries =
    json<Hosts<{ backups: { entries: { file: string; where: string[] }[] }[] }>>(l).hosts[0]!.backups[0]!.entries;
  const label = `sftp://${copyHost.user}@${copyHost.address}${offsite}`;
  assert.deepEqual(entries.find((e) => e.file === lost)?.where, [label]);
  assert.deepEqual(entries.find((e) => e.file === onServer[0])?.where, ['server', label]);
  assert.match(run('backups-text', ['backups', 'uploads']).stdout, new RegExp(`${lost}.*on sftp://`));

  // A corrupted copy is refused by its hash (and not left on the server) ...
  const good = readFileSync(join(offsite, lost));
  const bad = Buffer.from(good);
  bad[10]! ^= 0xff;
  writeFileSync(join(offsite, lost), bad);
  const refused = run('from-copy-corrupt', ['restore', 'uploads', lost, '--verify']);
  assert.equal(refused.code, 1, refused.stdout + refused.stderr);
  assert.match(refused.stderr, /sha256 [0-9a-f]{64} on the way, [0-9a-f]{64} recorded/);
  assert.ok(!existsSync(join(backupDir('uploads'), lost)));
  // ... the good one is fetched back and verified.
  writeFileSync(join(offsite, lost), good);
  const v = run('from-copy', ['restore', 'uploads', lost, '--verify', '--json']);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  const out = json<Hosts<{ fetchedFrom: string; verify: Rec }>>(v).hosts[0]!;
  assert.equal(out.fetchedFrom, label);
  assert.equal(out.verify.files, 5);
  assert.deepEqual(readFileSync(join(backupDir('uploads'), lost)), good);
  assert.equal((statSync(join(backupDir('uploads'), lost)).mode & 0o777).toString(8), '600');
  assert.ok(backupRecords(p).some((x) => x.op === 'verify' && x.file === lost && x.outcome === 'succeeded'));
});

test('a copy host that refuses: the backup stays on the server, the failed copy is recorded, exit non-zero', () => {
  const config = join(p.dir, 'gangway-unreachable.yml');
  writeFileSync(config, readFileSync(p.config, 'utf8').replace(`@${copyHost.address}:/`, `@${copyHost.address}:1:/`));
  const before = readdirSync(backupDir('uploads')).length;
  const r = keptRuns(outputs, () => config)('copy-refused', ['backup', 'uploads']);
  assert.notEqual(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /connection refused/);
  assert.equal(readdirSync(backupDir('uploads')).length, before + 1, 'the new backup is kept');
  const last = backupRecords(p).at(-1)!;
  assert.equal(last.op, 'copy');
  assert.equal(last.outcome, 'failed');
  assert.match(String(last.reason), /connection refused/);
});

test('no canary in any output, record or backup listing', () => {
  const places = { ...outputs, records: readFileSync(backupLog(p), 'utf8') };
  assert.deepEqual(findLeaks(places), []);
  assert.ok(Object.keys(outputs).length > 10);
});
