/**
 * What the lock's round trip brings besides the lock (after-lock.sh, run by lock-then.sh): the directories, the
 * server's state and the rollout marker — the real scripts under the local sh through acquireLock; and the parser.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { afterLockCommand, madeDirs, parseAfterLock } from '../../../src/deploy/steps/after-lock.js';
import { dirsCommand } from '../../../src/deploy/steps/dirs.js';
import { LocalHost } from '../../../src/hosts/local-host.js';
import { remoteLayout } from '../../../src/server/layout.js';
import { acquireLock, newLockToken, type LockHandle } from '../../../src/server/lock.js';

const roots: string[] = [];
const handles: LockHandle[] = [];
afterEach(() => {
  for (const h of handles.splice(0)) h.stopHeartbeat();
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

const host = new LocalHost();

function root(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gangway-after-lock-'));
  roots.push(dir);
  return dir;
}

async function lockWithReads(dir: string) {
  const layout = remoteLayout(dir);
  const dirs = dirsCommand(layout, ['data'], 'r9');
  const info = { who: 'ci', since: 'now', tag: 'v2', target: 't', pid: 1, operation: 'rollback' as const };
  const token = newLockToken();
  const then = afterLockCommand(layout, dirs);
  const handle = await acquireLock(host, layout, { ...info, release: 'r9', token }, { currentHost: () => host, then });
  handles.push(handle);
  return { handle, dirs, layout };
}

test('one round trip: the lock, the dirs, the state and the rollout marker', async () => {
  const dir = join(root(), 'srv', 'shop');
  const g = join(dir, '.gangway');
  mkdirSync(join(g, 'releases', 'r1'), { recursive: true });
  writeFileSync(join(g, 'releases', 'r1', 'tag'), 'v1\n');
  writeFileSync(join(g, 'current'), 'r1\n');
  writeFileSync(join(g, 'releases.jsonl'), `${JSON.stringify({ id: 'r1', tag: 'v1', status: 'succeeded' })}\n`);
  const marker = { id: 'ro-7', operation: 'deploy', tag: 'v2', target: 't', who: 'bo', started: 's', hosts: ['a'] };
  writeFileSync(join(g, 'rollout.json'), `${JSON.stringify(marker)}\n`);
  const { handle, dirs } = await lockWithReads(dir);
  assert.equal(handle.then?.code, 0);
  assert.ok(madeDirs(handle.then, dirs));
  assert.ok(existsSync(join(dir, 'data')) && existsSync(join(g, 'releases', 'r9')), 'the dirs are made');
  const read = parseAfterLock(handle.then);
  assert.deepEqual(read.state?.current, { id: 'r1', tag: 'v1' });
  assert.deepEqual(
    read.state?.retained.map((r) => r.id),
    ['r9', 'r1'],
  );
  assert.equal(read.state?.records[0]?.status, 'succeeded');
  assert.equal(read.state?.lock?.info?.who, 'ci', 'the state sees the lock just taken');
  assert.deepEqual(read.rollout, { marker });
});

test('a first deploy: no release, no marker (read as none)', async () => {
  const { handle } = await lockWithReads(join(root(), 'a'));
  const read = parseAfterLock(handle.then);
  assert.deepEqual(read.rollout, {});
  assert.equal(read.state?.current, undefined);
  assert.deepEqual(read.state?.retained, [{ id: 'r9', tag: '' }]);
});

test('the dirs failing: nothing read there (state and marker are read on their own); no output, nothing', async () => {
  const dir = join(root(), 'app');
  mkdirSync(dir);
  writeFileSync(join(dir, 'data'), ''); // the `dirs` entry cannot be made
  const { handle, dirs } = await lockWithReads(dir);
  assert.notEqual(handle.then?.code, 0);
  assert.ok(!madeDirs(handle.then, dirs));
  assert.deepEqual(parseAfterLock(handle.then), {});
  assert.deepEqual(parseAfterLock(undefined), {});
  assert.deepEqual(parseAfterLock({ argv: ['x'], code: 0, stdout: '' }), {});
});
