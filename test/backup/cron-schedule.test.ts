/**
 * The schedule of a backup: the command cron or a systemd timer runs (read back the way cron and systemd read it,
 * then run under the local sh), the markers that name each schedule, and what installCron / pruneSchedules send.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  appMarkerPrefix,
  cronCommand,
  cronMarker,
  installCron,
  legacyMarker,
  pruneSchedules,
  unitCommand,
} from '../../src/backup/cron-schedule.js';
import { BackupError } from '../../src/backup/errors.js';
import { FakeHost } from '../delivery/fake-host.js';
import { tempDir } from '../helpers/testenv.js';

/** Job directory names with what cron (%), systemd (% $ \ ") and sh (quotes, $, `) treat specially. */
const JOB_NAMES = ['db', 'my "app"', "it's", '100%', '%d %%', '$HOME', '$$x', 'back\\slash', '`id`', 'a b\tc'];

/** The command line as cron runs it: `\%` is a `%`; an unescaped `%` ends the command (the rest is stdin). */
function asCronReadsIt(line: string): string {
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\' && line[i + 1] === '%') {
      out += '%';
      i++;
    } else if (ch === '%') assert.fail(`an unescaped % would cut the command: ${line}`);
    else out += ch;
  }
  return out;
}

/** The argument of `ExecStart=/bin/sh -c "…"` as systemd passes it: %% and $$ halved, \\ and \" unescaped. */
function asSystemdReadsIt(arg: string): string {
  const specifiers = arg.replace(/%(.)/g, (_, c: string) => (c === '%' ? '%' : assert.fail(`specifier %${c}`)));
  assert.doesNotMatch(specifiers, /(^|[^\\])"/, 'an unescaped " would end the quoted argument');
  const unquoted = specifiers.replace(/\\(.)/g, (_, c: string) =>
    c === '\\' || c === '"' ? c : assert.fail(`C escape \\${c}`),
  );
  return unquoted.replace(/\$(.)/g, (_, c: string) => (c === '$' ? '$' : assert.fail(`variable $${c}`)));
}

/** Run `command` under sh with a job dir holding a backup.sh that records its arguments. */
function runJob(command: (jobDir: string) => string, read: (line: string) => string, name: string) {
  const jobDir = join(tempDir('gangway-cron-'), name);
  mkdirSync(jobDir);
  writeFileSync(join(jobDir, 'backup.sh'), 'printf "%s\\n" "$@"; echo "to stderr" >&2\n');
  const r = spawnSync('sh', ['-c', read(command(jobDir))], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const log = join(jobDir, 'schedule.log');
  return { jobDir, log: readFileSync(log, 'utf8'), mode: statSync(log).mode & 0o777 };
}

test('the cron line runs backup.sh of the job dir, scheduled, into schedule.log (0600), whatever the dir name', () => {
  for (const name of JOB_NAMES) {
    const { jobDir, log, mode } = runJob(cronCommand, asCronReadsIt, name);
    assert.equal(log, `${jobDir}\nscheduled\nto stderr\n`, name);
    assert.equal(mode, 0o600, name);
  }
});

test("the systemd unit's ExecStart runs the same, after systemd's own unescaping", () => {
  for (const name of JOB_NAMES) {
    const { jobDir, log, mode } = runJob(unitCommand, asSystemdReadsIt, name);
    assert.equal(log, `${jobDir}\nscheduled\nto stderr\n`, name);
    assert.equal(mode, 0o600, name);
  }
});

test('a second run appends to schedule.log', () => {
  const jobDir = join(tempDir('gangway-cron-'), 'db');
  mkdirSync(jobDir);
  writeFileSync(join(jobDir, 'backup.sh'), 'echo run\n');
  for (let i = 0; i < 2; i++) spawnSync('sh', ['-c', asCronReadsIt(cronCommand(jobDir))]);
  assert.equal(readFileSync(join(jobDir, 'schedule.log'), 'utf8'), 'run\nrun\n');
});

test('markers: never the same for two (app, backup) pairs, and an app prefix matches only its own', () => {
  // Every app and backup name of up to three characters of "a", "-" and "_" (names never start with "_").
  const words = new Set(['a']);
  for (let i = 0; i < 2; i++) for (const w of [...words]) for (const c of ['a', '-', '_']) words.add(w + c);
  const seen = new Map<string, string>();
  for (const app of words) {
    for (const name of words) {
      const marker = cronMarker(app, name);
      assert.match(marker, /^gangway-[a-z0-9_-]+$/, 'a file name cron.d runs (no dot)');
      const other = seen.get(marker);
      assert.equal(other, undefined, `${app} + ${name} and ${other} share ${marker}`);
      seen.set(marker, `${app} + ${name}`);
      for (const app2 of words) {
        const prefix = appMarkerPrefix(app2);
        const mine = marker.startsWith(prefix) && /^[a-z0-9]/.test(marker.slice(prefix.length));
        assert.equal(mine, app2 === app, `${marker} under ${prefix}`);
      }
    }
  }
  assert.equal(cronMarker('shop', 'db-archive'), 'gangway-shop_db-archive');
  assert.equal(cronMarker('my_shop', 'db_1'), 'gangway-my__shop_db__1');
  assert.equal(legacyMarker('shop', 'db'), 'gangway-shop-db');
});

test('installCron sends schedule.sh the cron line, marker, OnCalendar form, unit command, legacy marker', async () => {
  const host = new FakeHost(() => ({ stdout: 'crontab\n' }));
  const how = await installCron(host, 'shop', 'db', '30 1 * * 1-5', '/srv/shop/.gangway/backup/db');
  assert.equal(how, 'crontab');
  const argv = host.calls[0]!.argv;
  assert.deepEqual(argv.slice(0, 2), ['sh', '-c']);
  assert.match(argv[2]!, /crontab/, 'the text of schedule.sh');
  assert.deepEqual(argv.slice(3), [
    'sh',
    '30 1 * * 1-5',
    cronCommand('/srv/shop/.gangway/backup/db'),
    'gangway-shop_db',
    'Mon..Fri *-*-* 01:30:00',
    unitCommand('/srv/shop/.gangway/backup/db'),
    '',
    'gangway-shop-db',
  ]);
});

test('installCron: a schedule systemd cannot follow is passed on as the reason (cron may still take it)', async () => {
  const host = new FakeHost(() => ({ stdout: 'cron.d' }));
  await installCron(host, 'shop', 'db', '0 2 1 * 1', '/j');
  const args = host.calls[0]!.argv.slice(4);
  assert.equal(args[3], '', 'no OnCalendar form');
  assert.match(args[5]!, /restricts both the day of the month and of the week/);
});

test('installCron: a refusal is E_SCHEDULE_FAILED naming the host, with what to do', async () => {
  const refused = new FakeHost(() => ({ code: 1, stderr: 'no crontab and no systemd\nmore\n' }));
  await assert.rejects(installCron(refused, 'shop', 'db', '0 2 * * *', '/j'), (e: unknown) => {
    assert.ok(e instanceof BackupError);
    assert.equal(e.code, 'E_SCHEDULE_FAILED');
    assert.equal(e.message, 'deploy@fake-host: no crontab and no systemd\nmore');
    assert.match(e.hints.join('\n'), /install cron on the server/);
    return true;
  });
  const silent = new FakeHost(() => ({ code: 1 }));
  await assert.rejects(
    installCron(silent, 'shop', 'db', '0 2 * * *', '/j'),
    /deploy@fake-host: cron refused the entry/,
  );
});

test('pruneSchedules keeps the configured backups and returns the markers removed', async () => {
  const host = new FakeHost(() => ({ stdout: 'gangway-shop_old\n\ngangway-shop_older\n' }));
  assert.deepEqual(await pruneSchedules(host, 'shop', ['db', 'files']), ['gangway-shop_old', 'gangway-shop_older']);
  assert.deepEqual(host.calls[0]!.argv.slice(3), [
    'sh',
    '--prune',
    'gangway-shop_',
    'gangway-shop_db',
    'gangway-shop_files',
  ]);
  const none = new FakeHost(() => ({ stdout: '' }));
  assert.deepEqual(await pruneSchedules(none, 'shop', []), []);
  const failed = new FakeHost(() => ({ code: 2, stderr: 'permission denied\n' }));
  await assert.rejects(pruneSchedules(failed, 'shop', []), {
    code: 'E_SCHEDULE_FAILED',
    message: 'deploy@fake-host: removing old schedules failed: permission denied',
  });
});
