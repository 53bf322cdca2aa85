/**
 * schedule.sh under the local sh, on a server without cron: a systemd timer (systemctl is a stub that logs its
 * calls; `systemd-analyze verify` — systemd's own parser — checks the units it writes), replaced, removed, and
 * switched to a crontab when one appears; refused clearly when there is neither.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { appMarkerPrefix, cronCommand, cronMarker, legacyMarker, unitCommand } from '../../src/backup/cron-schedule.js';
import { serverScript } from '../../src/server/scripts.js';
import { tempDir } from '../helpers/testenv.js';

const JOB = '/srv/my "app"/.gangway/backup/db'; // a quote and a space: the unit's ExecStart must keep them
const MARKER = cronMarker('shop', 'db');

/** A server: PATH with the basic tools, a logging systemctl, and (optionally) a crontab kept in a file. */
function server(options: { crontab?: boolean; systemd?: boolean; cronD?: boolean } = {}) {
  const root = tempDir('gangway-sched-');
  const bin = join(root, 'bin');
  mkdirSync(bin);
  for (const tool of ['id', 'rm', 'mkdir', 'mv', 'chmod', 'grep', 'cat', 'awk', 'sort', 'basename'])
    symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bin, tool));
  const log = join(root, 'systemctl.log');
  writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "$*" >> '${log}'\n`, { mode: 0o755 });
  writeFileSync(join(bin, 'loginctl'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
  const tab = join(root, 'crontab.txt');
  if (options.crontab)
    writeFileSync(
      join(bin, 'crontab'),
      `#!/bin/sh\nif [ "$1" = -l ]; then cat '${tab}'; else cat > '${tab}.new' && mv '${tab}.new' '${tab}'; fi\n`,
      {
        mode: 0o755,
      },
    );
  const systemdRun = join(root, 'run-systemd');
  if (options.systemd !== false) mkdirSync(systemdRun);
  const units = join(root, 'units');
  const cronD = join(root, options.cronD ? 'cron.d' : 'no-cron.d');
  if (options.cronD) mkdirSync(cronD);
  const env = { PATH: bin, CRON_D: cronD, SYSTEMD_RUN: systemdRun, UNIT_DIR: units, HOME: root };
  const script = (args: string[]) =>
    spawnSync('/bin/sh', ['-c', serverScript('schedule.sh'), 'sh', ...args], { encoding: 'utf8', env });
  const run = (schedule: string, calendar: string, calendarError = '') =>
    spawnSync(
      '/bin/sh',
      [
        '-c',
        serverScript('schedule.sh'),
        'sh',
        schedule,
        cronCommand(JOB),
        MARKER,
        calendar,
        unitCommand(JOB),
        calendarError,
      ],
      { encoding: 'utf8', env },
    );
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : undefined);
  return {
    run,
    /** One backup's schedule, as installCron runs it for job JOB-<name>. */
    install: (app: string, name: string, schedule: string, job = `${JOB}-${name}`) =>
      script([
        schedule,
        cronCommand(job),
        cronMarker(app, name),
        '*-*-* 02:00:00',
        unitCommand(job),
        '',
        legacyMarker(app, name),
      ]),
    prune: (app: string, keep: string[]) =>
      script(['--prune', appMarkerPrefix(app), ...keep.map((n) => cronMarker(app, n))]),
    cronD,
    tab,
    units,
    systemctl: () => read(log) ?? '',
    crontab: () => read(tab),
    unit: (ext: string) => read(join(units, `${MARKER}.${ext}`)),
  };
}

test('no cron: a systemd timer and a oneshot service that systemd itself accepts, enabled', () => {
  const s = server();
  const r = s.run('30 1 * * 1-5', 'Mon..Fri *-*-* 01:30:00');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`systemd timer .*${MARKER}\\.timer \\(Mon\\.\\.Fri \\*-\\*-\\* 01:30:00\\)`));
  assert.match(s.unit('timer')!, /^OnCalendar=Mon\.\.Fri \*-\*-\* 01:30:00$/m);
  assert.match(s.unit('timer')!, /^Persistent=true$/m);
  assert.match(s.unit('service')!, /^UMask=0077$/m);
  assert.ok(s.unit('service')!.includes(`ExecStart=/bin/sh -c "${unitCommand(JOB)}"`));
  assert.equal(s.systemctl(), `daemon-reload\nenable --now ${MARKER}.timer\n`);
  const verify = spawnSync('systemd-analyze', ['verify', '--man=no', `${MARKER}.service`, `${MARKER}.timer`], {
    cwd: s.units,
    encoding: 'utf8',
  });
  if (verify.error) return; // no systemd-analyze here: the stub run above is the proof
  assert.equal(verify.status, 0, verify.stderr);
  assert.equal(verify.stderr.trim(), '');
});

test('re-running replaces the units; an empty schedule disables and removes them', () => {
  const s = server();
  assert.equal(s.run('0 2 * * *', '*-*-* 02:00:00').status, 0);
  assert.equal(s.run('0 3 * * *', '*-*-* 03:00:00').status, 0);
  assert.match(s.unit('timer')!, /^OnCalendar=\*-\*-\* 03:00:00$/m);
  const off = s.run('', '');
  assert.equal(off.status, 0, off.stderr);
  assert.equal(off.stdout.trim(), 'removed');
  assert.equal(s.unit('timer'), undefined);
  assert.equal(s.unit('service'), undefined);
  assert.match(s.systemctl(), new RegExp(`disable --now ${MARKER}\\.timer\\ndaemon-reload\\n$`));
});

test('a crontab appears: the schedule moves there and the timer goes', () => {
  const s = server({ crontab: true });
  writeFileSync(join(s.units, '..', 'crontab.txt'), '5 * * * * other-job\n');
  mkdirSync(s.units, { recursive: true });
  writeFileSync(join(s.units, `${MARKER}.timer`), '[Timer]\n');
  writeFileSync(join(s.units, `${MARKER}.service`), '[Service]\n');
  const r = s.run('0 2 * * *', '*-*-* 02:00:00');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^crontab of /);
  assert.equal(s.crontab(), `5 * * * * other-job\n0 2 * * * ${cronCommand(JOB)} # ${MARKER}\n`);
  assert.equal(s.unit('timer'), undefined);
});

test('neither cron nor systemd, or a schedule systemd cannot follow: exit 1, said, nothing written', () => {
  const none = server({ systemd: false });
  const r = none.run('0 2 * * *', '*-*-* 02:00:00');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no cron and no systemd on this server/);
  const s = server();
  const odd = s.run('0 2 1 * 1', '', 'it restricts both days');
  assert.equal(odd.status, 1);
  assert.match(odd.stderr, /its systemd timer cannot follow this schedule: it restricts both days/);
  assert.equal(s.unit('timer'), undefined);
  assert.equal(s.systemctl(), '');
});

test('crontab: scheduling db after db-archive keeps both (the marker is matched exactly, not as a substring)', () => {
  const s = server({ crontab: true, systemd: false });
  writeFileSync(s.tab, '');
  assert.equal(s.install('shop', 'db-archive', '0 3 * * *').status, 0);
  const r = s.install('shop', 'db', '0 2 * * *');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(s.install('shop', 'db', '0 4 * * *').status, 0, 'replaced, not added');
  assert.deepEqual(
    s
      .crontab()!
      .trim()
      .split('\n')
      .map((l) => l.split(' # ')[1]),
    [cronMarker('shop', 'db-archive'), cronMarker('shop', 'db')],
  );
  assert.match(s.crontab()!, /^0 4 \* \* \* .* # gangway-shop_db$/m);
});

test('cron.d: two apps whose old names collided get two files', () => {
  const s = server({ cronD: true });
  assert.equal(s.install('shop', 'db-x', '0 2 * * *').status, 0);
  assert.equal(s.install('shop-db', 'x', '0 3 * * *').status, 0);
  assert.deepEqual(readdirSync(s.cronD).sort(), [cronMarker('shop-db', 'x'), cronMarker('shop', 'db-x')].sort());
});

test('the old name of this job is removed; an old name that runs another job stays', () => {
  const s = server({ crontab: true, systemd: false });
  const other = `5 * * * * sh /srv/other/backup.sh # ${legacyMarker('shop', 'db')}`;
  writeFileSync(s.tab, `${other}\n0 1 * * * ${cronCommand(`${JOB}-db`)} # ${legacyMarker('shop', 'db')}\n`);
  assert.equal(s.install('shop', 'db', '0 2 * * *').status, 0);
  assert.equal(s.crontab(), `${other}\n0 2 * * * ${cronCommand(`${JOB}-db`)} # ${cronMarker('shop', 'db')}\n`);
});

test("--prune: the app's schedules of backups no longer configured go (cron.d, crontab, timers); others stay", () => {
  const s = server({ crontab: true, cronD: true });
  for (const name of ['db', 'old']) assert.equal(s.install('shop', name, '0 2 * * *').status, 0);
  assert.equal(s.install('shop-db', 'x', '0 2 * * *').status, 0);
  writeFileSync(s.tab, `1 1 * * * a # ${cronMarker('shop', 'gone')}\n1 1 * * * b # ${cronMarker('shop-db', 'y')}\n`);
  mkdirSync(s.units, { recursive: true });
  writeFileSync(join(s.units, `${cronMarker('shop', 'timed')}.timer`), '[Timer]\n');
  writeFileSync(join(s.units, `${cronMarker('shop', 'timed')}.service`), '[Service]\n');
  const r = s.prune('shop', ['db']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(
    r.stdout.trim().split('\n').sort(),
    ['gone', 'old', 'timed'].map((n) => cronMarker('shop', n)).sort(),
  );
  assert.deepEqual(readdirSync(s.cronD).sort(), [cronMarker('shop-db', 'x'), cronMarker('shop', 'db')].sort());
  assert.equal(s.crontab(), `1 1 * * * b # ${cronMarker('shop-db', 'y')}\n`);
  assert.deepEqual(readdirSync(s.units), []);
  assert.equal(s.prune('shop', ['db']).stdout, '', 'nothing left to remove');
});
