/**
 * schedule.sh under the local sh, on a server without cron: a systemd timer (systemctl is a stub that logs its
 * calls; `systemd-analyze verify` — systemd's own parser — checks the units it writes), replaced, removed, and
 * switched to a crontab when one appears; refused clearly when there is neither.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cronCommand, unitCommand } from '../../src/backup/schedule.js';
import { serverScript } from '../../src/server/scripts.js';
import { tempDir } from '../helpers/testenv.js';

const JOB = '/srv/my "app"/.gangway/backup/db'; // a quote and a space: the unit's ExecStart must keep them
const MARKER = 'gangway-shop-db';

/** A server: PATH with the basic tools, a logging systemctl, and (optionally) a crontab kept in a file. */
function server(options: { crontab?: boolean; systemd?: boolean } = {}) {
  const root = tempDir('gangway-sched-');
  const bin = join(root, 'bin');
  mkdirSync(bin);
  for (const tool of ['id', 'rm', 'mkdir', 'mv', 'chmod', 'grep', 'cat'])
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
  const env = { PATH: bin, CRON_D: join(root, 'no-cron.d'), SYSTEMD_RUN: systemdRun, UNIT_DIR: units, HOME: root };
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
