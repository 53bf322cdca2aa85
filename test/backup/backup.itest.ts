/**
 * Backups against a real PostgreSQL (Debian's postgresql-15 in an image built here, wrapped in one that needs a
 * variable of its own, as Bitnami's does) deployed by gangway through the real sshd: backup (row counts recorded) →
 * rows inserted after it → restore --verify reports the backed-up counts; a dump that restores fewer rows fails
 * verify; --into-live brings the live database back, encrypted ones too (--identity); a throwaway that does not
 * start says what it logged; a corrupted dump fails verify; bad services and a full disk fail cleanly; the
 * cron entry's command run directly produces a backup, a verify and records; status follows rpo; and the
 * password (a canary) never shows in any output, record, server log or process argument list.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { CANARIES, findLeaks } from '../helpers/canary.js';
import { gangway, type CliResult } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { buildWebImage } from '../helpers/images.js';
import { customPostgresImage, postgresCompose, postgresImage, psql } from '../helpers/postgres.js';
import { tempDir } from '../helpers/testenv.js';
import { httpReceiver } from '../notify/receivers.js';

const PASSWORD = CANARIES.DB_PASSWORD;
let p: DeployProject;
let tag: string;
const outputs: Record<string, string> = {};
let psSampler: ChildProcess;
const psFile = join(tempDir('bk-ps-'), 'ps.txt');

const BACKUPS = `backups:
  - name: db
    service: db
    database: \${POSTGRES_DB}
    user: \${POSTGRES_USER}
    password: \${POSTGRES_PASSWORD}
    schedule: "0 2 * * *"
    keep: { daily: 30, weekly: 8 }
    verify: each
    rpo: 1h
`;
/** Scheduled runs notify a webhook whose URL holds a secret token (quotes, backslash, spaces). */
const HOOK_TOKEN = CANARIES.DB_PASSWORD.split('').reverse().join('');
const NOTIFY = `notify:
  on: [backup_succeeded, backup_failed]
  to:
    - type: webhook
      url_env: BK_HOOK_URL
`;
/**
 * A service of the PostgreSQL image that only sleeps (so it has pg_dump) without the image's own variable: a
 * throwaway of it exits at once, saying why.
 */
const PGSLEEP = `  pgsleep:
    image: gangway-test/postgres-custom:\${IMAGE_TAG}
    entrypoint: ["sleep", "infinity"]
    environment:
      POSTGRES_PASSWORD: \${POSTGRES_PASSWORD}
    stop_grace_period: 1s
`;
/** Backups that must fail, in a config of their own (status would count them as never backed up). */
const BAD = `  - name: sleeper
    service: pgsleep
    database: appdb
    user: app
    password: \${POSTGRES_PASSWORD}
  - name: notpg
    service: web
    database: x
    user: x
  - name: nosuch
    service: nope
    database: x
    user: x
`;

function run(label: string, args: string[], config = p.config, env: NodeJS.ProcessEnv = {}): CliResult {
  const r = gangway(['-c', config, ...args], { env });
  outputs[`${label} stdout`] = r.stdout;
  outputs[`${label} stderr`] = r.stderr;
  return r;
}
const backupDir = () => join(p.serverDir, 'backups', 'db');
const records = () =>
  readFileSync(join(p.serverDir, '.gangway', 'backups.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

before(async () => {
  await buildWebImage('gangway-test/web:bk', { version: 'bk' });
  const image = customPostgresImage(postgresImage());
  tag = image.tag;
  p = deployProject({
    app: `bk-${process.pid % 10000}`,
    compose: postgresCompose(image.repository, {
      dbEnvironment: '      APP_DB_MODE: ${APP_DB_MODE}\n',
      web: `    image: gangway-test/web:bk\n    stop_grace_period: 1s\n${PGSLEEP}`,
    }),
    envText: `POSTGRES_USER=app\nPOSTGRES_DB=appdb\nPOSTGRES_PASSWORD=${PASSWORD}\nAPP_DB_MODE=custom\n`,
    health: '  services: [db]\n  timeout: 90s',
    extra: BACKUPS,
  });
  // Every process argument list on this machine, sampled while the tests run (the password must never be one).
  psSampler = spawn('sh', ['-c', `while :; do ps -eww -o args >> '${psFile}'; sleep 0.05; done`], { stdio: 'ignore' });
  const d = run('deploy', ['deploy', '--tag', tag, '--yes']);
  assert.equal(d.code, 0, d.stdout + d.stderr);
  psql(
    p.app,
    'create table items (id int primary key, label text); insert into items select g, $$item$$ || g from ' +
      'generate_series(1, 3) g; create table notes (n text); insert into notes values ($$a$$), ($$b$$);',
  );
});

after(() => {
  psSampler?.kill();
  execFileSync('sh', ['-c', `rm -f /etc/cron.d/gangway-${p.app}_*`]);
  execFileSync('sh', ['-c', `docker ps -aq --filter label=gangway.verify=${p.app} | xargs -r docker rm -f -v`]);
  p?.cleanup();
  execFileSync('sh', [
    '-c',
    `docker volume ls -q --filter label=com.docker.compose.project=${p.app} | xargs -r docker volume rm`,
  ]);
});

test('backup: pg_dump -Fc in the service, 0600, size and sha256 recorded; --download copies it here', () => {
  const dl = tempDir('bk-dl-');
  const r = run('backup', ['backup', 'db', '--download', dl, '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const record = (JSON.parse(r.stdout) as { hosts: { record: Record<string, unknown> }[] }).hosts[0]!.record;
  assert.match(String(record.file), /^db-\d{8}-\d{6}\.dump$/);
  assert.deepEqual(record.tables, [
    { table: 'public.items', rows: 3 },
    { table: 'public.notes', rows: 2 },
  ]);
  const path = join(backupDir(), String(record.file));
  assert.equal((statSync(path).mode & 0o777).toString(8), '600');
  const bytes = readFileSync(path);
  assert.equal(record.size, bytes.length);
  assert.equal(record.sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.equal(bytes.subarray(0, 5).toString(), 'PGDMP'); // pg_dump's custom format
  assert.deepEqual(readFileSync(join(dl, String(record.file))), bytes);
  assert.equal(readdirSync(backupDir()).filter((f) => f.includes('partial')).length, 0);
  assert.deepEqual(records().at(-1)?.outcome, 'succeeded');
});

test('restore --verify: rows inserted after the backup are not there; the throwaway container is gone', () => {
  psql(p.app, 'insert into items values (4, $$late$$), (5, $$later$$)');
  const r = run('verify', ['restore', 'db', '--verify', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const verify = (JSON.parse(r.stdout) as { hosts: { verify: { tables: unknown } }[] }).hosts[0]!.verify;
  assert.deepEqual(verify.tables, [
    { table: 'public.items', rows: 3 },
    { table: 'public.notes', rows: 2 },
  ]);
  const left = execFileSync('docker', ['ps', '-aq', '--filter', `label=gangway.verify=${p.app}`], { encoding: 'utf8' });
  assert.equal(left.trim(), '');
  assert.equal(psql(p.app, 'select count(*) from items'), '5', 'the live database is untouched');
  const list = run('backups', ['backups', '--json']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /"outcome": "succeeded"/);
});

test('restore --verify: a dump that restores fewer rows than its backup recorded FAILS', () => {
  const good = records()
    .filter((x) => x.op === 'backup' && x.outcome === 'succeeded')
    .at(-1)!;
  // The same backup's record, but a dump without the items' rows (as a dump that lost data would be).
  const id = execFileSync(
    'docker',
    [
      'ps',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${p.app}`,
      '--filter',
      'label=com.docker.compose.service=db',
    ],
    { encoding: 'utf8' },
  ).trim();
  const bytes = execFileSync(
    'docker',
    ['exec', id, 'pg_dump', '-Fc', '-U', 'app', '-d', 'appdb', '--exclude-table-data=public.items'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const file = 'db-20200101-000000.dump';
  writeFileSync(join(backupDir(), file), bytes, { mode: 0o600 });
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const log = join(p.serverDir, '.gangway', 'backups.jsonl');
  const fake = { ...good, file, sha256, size: bytes.length };
  writeFileSync(log, `${readFileSync(log, 'utf8')}${JSON.stringify(fake)}\n`);
  try {
    const r = run('verify-fewer', ['restore', 'db', file, '--verify']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /rows differ from the backup's: public\.items: 0 rows restored, 3 at backup time/);
    assert.equal(records().at(-1)?.outcome, 'failed');
  } finally {
    rmSync(join(backupDir(), file));
    const pruned = { op: 'prune', name: 'db', file };
    writeFileSync(log, `${readFileSync(log, 'utf8')}${JSON.stringify(pruned)}\n`);
  }
});

test('restore --verify: a throwaway that exits says what it logged, masked', () => {
  const bad = join(p.dir, 'bad.yml');
  writeFileSync(bad, readFileSync(p.config, 'utf8').replace('targets:', `${BAD}targets:`));
  // A backup of the sleeper to verify: a copy of a good dump, and its record.
  const source = readdirSync(backupDir()).sort()[0]!;
  const file = 'sleeper-20200101-000000.dump';
  mkdirSync(join(p.serverDir, 'backups', 'sleeper'), { recursive: true });
  execFileSync('cp', [join(backupDir(), source), join(p.serverDir, 'backups', 'sleeper', file)]);
  const log = join(p.serverDir, '.gangway', 'backups.jsonl');
  const fake = { op: 'backup', name: 'sleeper', outcome: 'succeeded', file };
  writeFileSync(log, `${readFileSync(log, 'utf8')}${JSON.stringify(fake)}\n`);
  const r = run('verify-exits', ['restore', 'sleeper', '--verify'], bad);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /the throwaway PostgreSQL exited; it said: APP_DB_MODE must be set \(password \*\*\*\)/);
  assert.match(String(records().at(-1)?.reason), /APP_DB_MODE must be set \(password \*\*\*\)/);
});

test('restore --into-live --yes: a safety backup first, then the live database is the backup again', () => {
  const refused = run('into-live-no-yes', ['restore', 'db', '--into-live']);
  assert.equal(refused.code, 2, refused.stderr);
  const before = readdirSync(backupDir()).length;
  const oldest = readdirSync(backupDir()).sort()[0]!;
  // A deploy holds the lock: the restore waits for nobody and changes nothing (exit 4, not even a safety backup).
  const lock = join(p.serverDir, '.gangway', 'lock');
  mkdirSync(lock);
  writeFileSync(join(lock, 'info'), JSON.stringify({ who: 'ci@runner', since: 'now', tag: 'v9', token: 'other' }));
  writeFileSync(join(lock, 'heartbeat'), '');
  const held = run('into-live-locked', ['restore', 'db', oldest, '--into-live', '--yes']);
  rmSync(lock, { recursive: true });
  assert.equal(held.code, 4, held.stdout + held.stderr);
  assert.match(held.stderr, /the deploy lock is held by ci@runner/);
  assert.equal(readdirSync(backupDir()).length, before);
  const r = run('into-live', ['restore', 'db', oldest, '--into-live', '--yes']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /safety backup/);
  assert.equal(psql(p.app, 'select count(*) from items'), '3');
  assert.equal(readdirSync(backupDir()).length, before + 1);
  assert.ok(records().some((x) => x.op === 'backup' && x.trigger === 'safety'));
  assert.ok(!existsSync(lock), 'the restore released the deploy lock it took');
});

test('a corrupted dump fails verify loudly (exit 1) and the failure is recorded', () => {
  const newest = readdirSync(backupDir()).sort().at(-1)!;
  const path = join(backupDir(), newest);
  const bytes = readFileSync(path);
  const at = Math.floor(bytes.length / 2);
  bytes.writeUInt8(bytes[at]! ^ 0xff, at);
  writeFileSync(path, bytes);
  const r = run('corrupt', ['restore', 'db', newest, '--verify']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /verify of .* FAILED: .*corrupted/);
  assert.equal(records().at(-1)?.outcome, 'failed');
  execFileSync('rm', ['-f', path]);
});

test('bad input: a service that is not PostgreSQL, an unknown service, a full disk mid-dump', () => {
  const bad = join(p.dir, 'bad.yml');
  writeFileSync(bad, readFileSync(p.config, 'utf8').replace('targets:', `${BAD}targets:`));
  const notpg = run('notpg', ['backup', 'notpg'], bad);
  assert.equal(notpg.code, 1, notpg.stdout + notpg.stderr);
  assert.match(notpg.stderr, /does not look like PostgreSQL/);
  const nosuch = run('nosuch', ['backup', 'nosuch'], bad);
  assert.equal(nosuch.code, 1, nosuch.stdout + nosuch.stderr);
  assert.match(nosuch.stderr, /service nope is not running/);

  psql(p.app, 'create table big as select g, md5(g::text) as h from generate_series(1, 200000) g');
  const small = join(p.serverDir, 'backups', 'db');
  execFileSync('mkdir', ['-p', small]);
  const files = readdirSync(small).sort();
  execFileSync('sh', [
    '-c',
    `mkdir -p /tmp/bk-keep && cp -a ${small}/. /tmp/bk-keep/ && mount -t tmpfs -o size=256k tmpfs ${small}`,
  ]);
  try {
    const r = run('full', ['backup', 'db']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /writing backups\/db\/.* failed: .*No space left on device/);
    assert.deepEqual(readdirSync(small), [], 'the partial dump is removed');
    const last = records().at(-1)!;
    assert.equal(last.outcome, 'failed');
    assert.equal(psql(p.app, 'select count(*) from items'), '3', 'the live database is untouched');
  } finally {
    execFileSync('sh', ['-c', `umount ${small} && cp -a /tmp/bk-keep/. ${small}/ && rm -rf /tmp/bk-keep`]);
  }
  assert.deepEqual(readdirSync(small).sort(), files);
  psql(p.app, 'drop table big');
});

test('age: encrypted on the server to a recipient, decrypted only here (download, verify --identity)', () => {
  const keys = tempDir('bk-age-');
  const identity = join(keys, 'key.txt');
  execFileSync('age-keygen', ['-o', identity], { stdio: 'ignore' });
  const recipient = execFileSync('age-keygen', ['-y', identity], { encoding: 'utf8' }).trim();
  const enc = join(p.dir, 'enc.yml');
  const entry =
    '  - name: enc\n    service: db\n    database: appdb\n    user: app\n    password: ${POSTGRES_PASSWORD}\n' +
    `    encrypt: { age_recipients: ["${recipient}"] }\n`;
  writeFileSync(enc, readFileSync(p.config, 'utf8').replace('targets:', `${entry}targets:`));
  const dl = tempDir('bk-dl-');
  const r = run('age', ['backup', 'enc', '--download', dl, '--json'], enc);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const file = readdirSync(dl).find((f) => f.endsWith('.dump.age'))!;
  assert.ok(file, readdirSync(dl).join());
  assert.ok(!readFileSync(join(dl, file)).includes('PGDMP'), 'encrypted at rest');
  const plain = join(dl, 'plain.dump');
  execFileSync('age', ['-d', '-i', identity, '-o', plain, join(dl, file)]);
  assert.equal(readFileSync(plain).subarray(0, 5).toString(), 'PGDMP');
  assert.match(execFileSync('pg_restore', ['--list', plain], { encoding: 'utf8' }), /TABLE DATA public items/);
  const noKey = run('age-verify-nokey', ['restore', 'enc', '--verify'], enc);
  assert.equal(noKey.code, 1);
  assert.match(noKey.stderr, /encrypted: pass --identity/);
  const v = run('age-verify', ['restore', 'enc', '--verify', '--identity', identity, '--json'], enc);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /"table": "public.items",\s*"rows": 3/);

  // Into the live database: refused without the identity before anything (no lock, no safety backup) ...
  const encDir = join(p.serverDir, 'backups', 'enc');
  const files = readdirSync(encDir).sort();
  const noId = run('age-live-nokey', ['restore', 'enc', '--into-live', '--yes'], enc);
  assert.equal(noId.code, 1, noId.stdout + noId.stderr);
  assert.match(noId.stderr, /encrypted: pass --identity/);
  assert.deepEqual(readdirSync(encDir).sort(), files, 'no safety backup');
  // ... and with it, the backup's rows are live again (the safety backup is encrypted too).
  psql(p.app, 'insert into items values (90, $$after$$)');
  const live = run('age-live', ['restore', 'enc', '--into-live', '--yes', '--identity', identity], enc);
  assert.equal(live.code, 0, live.stdout + live.stderr);
  assert.equal(psql(p.app, 'select count(*) from items'), '3');
  assert.match(live.stdout, /safety backup — enc-\d{8}-\d{6}\.dump\.age/);
  assert.ok(records().some((x) => x.op === 'restore' && x.name === 'enc' && x.outcome === 'succeeded'));
});

test('backup schedule: a cron entry whose command, run directly, backs up, verifies, records, notifies', async () => {
  // The webhook URL is a credential: it reaches the server in <job>/notify (0600), never an argument or an output.
  const receiver = await httpReceiver(19355);
  const hookPath = `/hook/${encodeURIComponent(HOOK_TOKEN)}`;
  const config = join(dirname(p.config), 'gangway-notify.yml'); // beside it: relative paths stay right
  writeFileSync(config, `${readFileSync(p.config, 'utf8')}${NOTIFY}`);
  const env = { BK_HOOK_URL: receiver.url(hookPath) };
  try {
    // A backup no longer in gangway.yml loses its schedule.
    writeFileSync(`/etc/cron.d/gangway-${p.app}_gone`, '0 3 * * * root true\n');
    const r = run('schedule', ['backup', 'schedule', '--yes'], config, env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, new RegExp(`removed — gangway-${p.app}_gone: its backup is no longer in`));
    assert.ok(!existsSync(`/etc/cron.d/gangway-${p.app}_gone`));
    assert.match(r.stdout + r.stderr, /notify — webhook \(BK_HOOK_URL\) on backup_succeeded, backup_failed/);
    const cron = readFileSync(`/etc/cron.d/gangway-${p.app}_db`, 'utf8');
    const line = cron.split('\n').find((l) => l.startsWith('0 2 * * * root '))!;
    assert.ok(line, cron);
    const again = run('schedule-again', ['backup', 'schedule', '--yes'], config, env);
    assert.equal(again.code, 0);
    assert.equal(readFileSync(`/etc/cron.d/gangway-${p.app}_db`, 'utf8'), cron, 'replaced, not added');
    const notifyFile = join(p.serverDir, '.gangway', 'backup', 'db', 'notify');
    assert.equal((statSync(notifyFile).mode & 0o777).toString(8), '600');
    const count = records().length;
    // Asynchronously: the receiver in this process must answer the server's post while the job runs.
    await promisify(execFile)('sh', ['-c', line.slice('0 2 * * * root '.length).replace(/\\%/g, '%')]);
    const fresh = records()
      .slice(count)
      .filter((x) => x.op !== 'prune'); // same-day backups are pruned to the day's newest (keep.daily)
    assert.deepEqual(
      fresh.map((x) => `${x.op} ${x.outcome}`),
      ['backup succeeded', 'verify succeeded'],
    );
    assert.equal(fresh[0]!.trigger, 'schedule');
    outputs['schedule.log'] = readFileSync(join(p.serverDir, '.gangway', 'backup', 'db', 'schedule.log'), 'utf8');
    assert.match(outputs['schedule.log'], /ok db-.*\.dump/);
    const posts = receiver.posts.filter((x) => x.path === hookPath);
    assert.equal(posts.length, 1, JSON.stringify(receiver.posts));
    const notice = JSON.parse(posts[0]!.body) as Record<string, unknown>;
    assert.equal(notice.event, 'backup_succeeded');
    assert.equal(notice.result, 'succeeded');
    assert.equal(notice.record_id, fresh[0]!.file);
    assert.equal(notice.app, p.app);
    outputs['notification'] = posts[0]!.body;
    // Without notify in gangway.yml, scheduling again removes the file: nothing posts any more.
    const plain = run('schedule-plain', ['backup', 'schedule', '--yes']);
    assert.equal(plain.code, 0, plain.stdout + plain.stderr);
    assert.ok(!existsSync(notifyFile));
  } finally {
    await receiver.close();
  }
});

test('status: GO with a fresh verified backup; NO-GO when the last scheduled backup failed', () => {
  const ok = run('status', ['status', '--json']);
  assert.doesNotMatch(ok.stdout, /backup db:/, ok.stdout + ok.stderr);
  const log = join(p.serverDir, '.gangway', 'backups.jsonl');
  const failed = { op: 'backup', name: 'db', outcome: 'failed', trigger: 'schedule', reason: 'disk full' };
  writeFileSync(log, `${readFileSync(log, 'utf8')}${JSON.stringify(failed)}\n`);
  const bad = run('status-bad', ['status', '--json']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr + bad.stdout, /backup db: the last scheduled backup failed: disk full/);
});

test('the password never leaks: outputs, --json, records, server logs, process arguments', () => {
  psSampler.kill();
  const places = {
    ...outputs,
    'backups.jsonl': readFileSync(join(p.serverDir, '.gangway', 'backups.jsonl'), 'utf8'),
    'vars.sh': readFileSync(join(p.serverDir, '.gangway', 'backup', 'db', 'vars.sh'), 'utf8'),
    'ps argv': readFileSync(psFile, 'utf8'),
  };
  assert.ok(places['ps argv'].includes('pg_dump'), 'the sampler saw the backups run');
  assert.deepEqual(findLeaks(places, { DB_PASSWORD: PASSWORD, HOOK_TOKEN }), []);
  const pw = join(p.serverDir, '.gangway', 'backup', 'db', 'password');
  assert.equal((statSync(pw).mode & 0o777).toString(8), '600');
  assert.ok(!existsSync(join(p.serverDir, '.gangway', 'backup', 'notpg', 'password')));
});
