import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
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
