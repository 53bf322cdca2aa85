import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { backupToolChecks } from '../../src/check/host-checks.js';
import { parseProbe, probeHost } from '../../src/check/host-probe.js';
import { LocalHost } from '../../src/hosts/local-host.js';

test('the probe, run by a real sh: deploy dir state, both filesystems, Docker version and data root', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gangway-probe-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  // A docker that answers `info` with a data root of our choosing.
  writeFileSync(join(bin, 'docker'), `#!/bin/sh\necho "99.1.0|${dir}"\n`, { mode: 0o755 });
  const path = process.env.PATH;
  process.env.PATH = `${bin}:${path}`;
  try {
    const facts = await probeHost(new LocalHost(), join(dir, 'deploy', 'app'));
    assert.equal(facts.path, join(dir, 'deploy', 'app'));
    assert.deepEqual(facts.dir, { state: 'creatable', parent: dir });
    assert.deepEqual(facts.docker, { version: '99.1.0', rootDir: dir });
    assert.ok(facts.dirDisk && facts.dirDisk.availableBytes > 0 && facts.dirDisk.mount.startsWith('/'));
    // The same filesystem, measured twice (free space may move in between).
    const where = (d?: { mount: string; filesystem: string }) => [d?.mount, d?.filesystem];
    assert.deepEqual(where(facts.rootDisk), where(facts.dirDisk));
  } finally {
    process.env.PATH = path;
  }
});

test('a failing Docker keeps its message and exit code; ~ is the home directory', () => {
  const stdout = 'path /home/u/app\ndir blocked /home/u\ndocker 127 |';
  const facts = parseProbe(stdout, 'sh: 1: docker: not found\n', '~/app');
  assert.deepEqual(facts.docker, { error: 'sh: 1: docker: not found', code: 127 });
  assert.deepEqual(facts.dir, { state: 'blocked', parent: '/home/u' });
  assert.equal(facts.dirDisk, undefined);
});

test('a mount point with spaces is kept whole', () => {
  const facts = parseProbe('path /m\ndf-dir /dev/sdc1 1000 10 990 1% /mnt/my disk', '', '/m');
  assert.equal(facts.dirDisk?.mount, '/mnt/my disk');
  assert.equal(facts.dirDisk?.availableBytes, 990 * 1024);
});

test('the probe lists the backup tools the server has; check fails encryption without age', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gangway-probe-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const tool of ['docker', 'age']) writeFileSync(join(bin, tool), '#!/bin/sh\necho "1|/"\n', { mode: 0o755 });
  const path = process.env.PATH;
  // Only our bin and the shell's own basics: no crontab, no systemctl.
  process.env.PATH = `${bin}:/bin`;
  try {
    const facts = await probeHost(new LocalHost(), dir);
    assert.ok(facts.tools.includes('age'));
  } finally {
    process.env.PATH = path;
  }
  const backup = {
    name: 'db',
    kind: 'postgres' as const,
    service: 'db',
    database: 'd',
    user: 'u',
    dir: 'backups/db',
    schedule: '0 2 * * *',
    keep: { daily: 7, weekly: 4 },
    verify: 'weekly' as const,
    rpoMs: 1,
    ageRecipients: ['age1x'],
  };
  const without = backupToolChecks([backup], { tools: [] });
  assert.deepEqual(
    without.map((i) => [i.status, i.title, i.detail]),
    [
      [
        'fail',
        'backup encryption',
        'backups[0].encrypt.age_recipients ("db") needs the age binary on this server (Debian: apt-get install age)',
      ],
      [
        'warn',
        'backup schedule',
        'no cron and no systemd here: `gangway backup schedule` needs one (apt-get install cron)',
      ],
    ],
  );
  const withCron = backupToolChecks([backup], { tools: ['age', 'crontab'] });
  assert.deepEqual(
    withCron.map((i) => i.status),
    ['ok', 'ok'],
  );
  assert.match(withCron[1]!.detail!, /installs into the user's crontab/);
  const timer = backupToolChecks([backup], { tools: ['age', 'systemctl', 'systemd'] });
  assert.equal(timer[1]!.status, 'ok');
  assert.match(timer[1]!.detail!, /installs systemd timers/);
  const odd = backupToolChecks([{ ...backup, schedule: '0 2 1 * 1' }], { tools: ['age', 'systemd'] });
  assert.equal(odd[1]!.status, 'warn');
  assert.match(odd[1]!.detail!, /a systemd timer cannot follow "db": .* restricts both the day of the month/);
});

test("the probe's docker info line carries the engine's platform, mapped from the kernel's name", () => {
  const facts = parseProbe('path /a\ndocker 0 20.10.24|/var/lib/docker|linux|aarch64', '', '/a');
  assert.deepEqual(facts.docker, {
    version: '20.10.24',
    rootDir: '/var/lib/docker',
    platform: { os: 'linux', architecture: 'arm64' },
  });
});
