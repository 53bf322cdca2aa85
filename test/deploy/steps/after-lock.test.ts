/**
 * What the lock's round trip brings besides the lock (after-lock.sh, run by lock-then.sh): Compose when asked, the
 * directories, the server's state and the rollout marker — the real scripts under the local sh through acquireLock,
 * with a stub docker first on PATH; and the parser on its own.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { afterLockCommand, madeDirs, parseAfterLock } from '../../../src/deploy/steps/after-lock.js';
import { dirsCommand } from '../../../src/deploy/steps/dirs.js';
import type { ExecOptions } from '../../../src/hosts/host.js';
import { LocalHost } from '../../../src/hosts/local-host.js';
import { remoteLayout } from '../../../src/server/layout.js';
import { acquireLock, newLockToken, type LockHandle } from '../../../src/server/lock.js';

const roots: string[] = [];
const handles: LockHandle[] = [];
afterEach(() => {
  for (const h of handles.splice(0)) h.stopHeartbeat();
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** This machine as a host whose `docker` and `docker-compose` are stubs: `compose` says what `docker compose` is. */
function host(compose: 'v2' | 'v1' | 'none'): { host: LocalHost; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'gangway-after-lock-'));
  roots.push(root);
  const bin = join(root, 'bin');
  mkdirSync(bin);
  const stub = (name: string, answers: boolean) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${answers ? 'echo 2.26.1' : 'exit 1'}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  stub('docker', compose === 'v2');
  stub('docker-compose', compose === 'v1');
  class StubbedPath extends LocalHost {
    override exec(argv: readonly string[], options?: ExecOptions) {
      return super.exec(['env', `PATH=${bin}:/usr/bin:/bin`, ...argv], options);
    }
  }
  return { host: new StubbedPath(), root };
}

async function lockWithReads(h: LocalHost, dir: string, findCompose: boolean) {
  const layout = remoteLayout(dir);
  const dirs = dirsCommand(layout, ['data'], 'r9');
  const info = { who: 'ci', since: 'now', tag: 'v2', target: 't', pid: 1, operation: 'rollback' as const };
  const handle = await acquireLock(
    h,
    layout,
    { ...info, release: 'r9', token: newLockToken() },
    {
      currentHost: () => h,
      then: afterLockCommand(layout, dirs, findCompose),
    },
  );
  handles.push(handle);
  return { handle, dirs, layout };
}

test('one round trip: the lock, Compose, the dirs, the state and the rollout marker', async () => {
  const { host: h, root } = host('v2');
  const dir = join(root, 'srv', 'shop');
  const g = join(dir, '.gangway');
  mkdirSync(join(g, 'releases', 'r1'), { recursive: true });
  writeFileSync(join(g, 'releases', 'r1', 'tag'), 'v1\n');
  writeFileSync(join(g, 'current'), 'r1\n');
  writeFileSync(join(g, 'releases.jsonl'), `${JSON.stringify({ id: 'r1', tag: 'v1', status: 'succeeded' })}\n`);
  const marker = { id: 'ro-7', operation: 'deploy', tag: 'v2', target: 't', who: 'bo', started: 's', hosts: ['a'] };
  writeFileSync(join(g, 'rollout.json'), `${JSON.stringify(marker)}\n`);
  const { handle, dirs } = await lockWithReads(h, dir, true);
  assert.equal(handle.then?.code, 0);
  assert.ok(madeDirs(handle.then, dirs));
  assert.ok(existsSync(join(dir, 'data')) && existsSync(join(g, 'releases', 'r9')), 'the dirs are made');
  const read = parseAfterLock(handle.then);
  assert.deepEqual(read.compose, { flavour: 'v2', version: '2.26.1', argv: ['docker', 'compose'] });
  assert.deepEqual(read.state?.current, { id: 'r1', tag: 'v1' });
  assert.deepEqual(
    read.state?.retained.map((r) => r.id),
    ['r9', 'r1'],
  );
  assert.equal(read.state?.records[0]?.status, 'succeeded');
  assert.equal(read.state?.lock?.info?.who, 'ci', 'the state sees the lock just taken');
  assert.deepEqual(read.rollout, { marker });
});

test('Compose known: not looked for; no marker: none; docker-compose v1 when asked and only it is there', async () => {
  const { host: h, root } = host('v1');
  const known = await lockWithReads(h, join(root, 'a'), false);
  const read = parseAfterLock(known.handle.then);
  assert.equal(read.compose, undefined);
  assert.deepEqual(read.rollout, {});
  assert.deepEqual(read.state?.retained, [{ id: 'r9', tag: '' }]);
  const asked = await lockWithReads(h, join(root, 'b'), true);
  assert.deepEqual(parseAfterLock(asked.handle.then).compose, {
    flavour: 'v1',
    version: '2.26.1',
    argv: ['docker-compose'],
  });
});

test('no Compose on the host: said, and nothing made (the lock alone, which the run hands back)', async () => {
  const { host: h, root } = host('none');
  const dir = join(root, 'srv', 'shop');
  const { handle, dirs } = await lockWithReads(h, dir, true);
  assert.equal(handle.then?.code, 3);
  assert.ok(!madeDirs(handle.then, dirs));
  assert.deepEqual(parseAfterLock(handle.then), { compose: null });
  assert.ok(!existsSync(join(dir, 'data')) && !existsSync(join(dir, '.gangway', 'releases')), 'no dirs made');
  assert.ok(existsSync(join(dir, '.gangway', 'lock', 'info')), 'the lock is taken');
});

test('parse: a failed dirs command brings Compose but no state (read on its own); no output, nothing', () => {
  const argv = ['sh', '-c', 'x'];
  const then = { argv, code: 1, stdout: '@@@compose\nv2 2.29.0' };
  assert.deepEqual(parseAfterLock(then), {
    compose: { flavour: 'v2', version: '2.29.0', argv: ['docker', 'compose'] },
  });
  assert.deepEqual(parseAfterLock(undefined), {});
  assert.deepEqual(parseAfterLock({ argv, code: 0, stdout: '' }), {});
  assert.ok(!madeDirs({ argv, code: 1, stdout: '' }, ['x']));
});
