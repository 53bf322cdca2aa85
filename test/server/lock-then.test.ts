/** lock-then.sh through acquireLock on this machine: the lock and the command after it in one round trip. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { LocalHost } from '../../src/hosts/local-host.js';
import { acquireLock, LockHeldError, newLockToken, type LockHandle } from '../../src/server/lock.js';
import { remoteLayout } from '../../src/server/layout.js';

const roots: string[] = [];
const handles: LockHandle[] = [];
afterEach(() => {
  for (const h of handles.splice(0)) h.stopHeartbeat();
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function deployDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'gangway-lock-then-'));
  roots.push(root);
  return join(root, 'app');
}

const host = new LocalHost();
const info = (token: string) => ({
  ...{ who: 'ci', since: new Date().toISOString(), tag: 'v1', target: 't', pid: 1, operation: 'deploy' as const },
  release: 'r1',
  token,
});

async function take(dir: string, then?: string[]): Promise<LockHandle> {
  const handle = await acquireLock(host, remoteLayout(dir), info(newLockToken()), {
    currentHost: () => host,
    ...(then && { then }),
  });
  handles.push(handle);
  return handle;
}

test('the command runs once the lock is ours, in the same round trip, and its exit code is reported', async () => {
  const dir = deployDir();
  const made = join(dir, 'made');
  const handle = await take(dir, ['mkdir', made]);
  assert.deepEqual(handle.then, { argv: ['mkdir', made], code: 0, stdout: '' });
  assert.ok(existsSync(join(dir, '.gangway', 'lock', 'info')), 'the lock is taken');
  assert.ok(existsSync(made));
});

test("the command's output comes back whole, apart from lock.sh's lines (never read as the holder)", async () => {
  const dir = deployDir();
  const printed = 'stale 1\n@@state\n{"who":"not a holder"}\n\nlast';
  const handle = await take(dir, ['printf', '%s\n', printed]);
  assert.deepEqual(handle.then, { argv: ['printf', '%s\n', printed], code: 0, stdout: printed });
  assert.equal(handle.recoveredFrom, undefined);
});

test('a failing command leaves the lock taken and says so by its exit code', async () => {
  const dir = deployDir();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'file'), '');
  const handle = await take(dir, ['mkdir', join(dir, 'file', 'sub')]);
  assert.equal(handle.then?.code, 1);
  assert.ok(existsSync(join(dir, '.gangway', 'lock', 'info')));
});

test('a lock held by another: the command does not run', async () => {
  const dir = deployDir();
  await take(dir);
  const made = join(dir, 'made');
  await assert.rejects(take(dir, ['mkdir', made]), LockHeldError);
  assert.ok(!existsSync(made), 'nothing was made without the lock');
});

test('without a command: lock.sh alone, nothing reported', async () => {
  const handle = await take(deployDir());
  assert.equal(handle.then, undefined);
});
