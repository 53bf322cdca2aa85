/** Step `lock` against a fake host: the lock script's argv (with the dirs in its round trip), a held lock, a wait. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterLockCommand, madeDirs } from '../../../src/deploy/steps/after-lock.js';
import { dirsCommand } from '../../../src/deploy/steps/dirs.js';
import { takeLock } from '../../../src/deploy/steps/lock.js';
import type { DirsStep, LockStep } from '../../../src/plan/plan-types.js';
import { remoteLayout } from '../../../src/server/layout.js';
import { LockHeldError, type LockHandle } from '../../../src/server/lock.js';
import { runScript, serverScript } from '../../../src/server/scripts.js';
import { applyOf, configOf, DIR, FilesHost, ID, planWith, scriptOf, stepContext } from './step-context.js';

const LOCK: LockStep = { kind: 'lock', title: 'lock', does: [] };
const DIRS: DirsStep = { kind: 'dirs', title: 'dirs', does: [], dirs: ['data'] };
const config = configOf('recreate');
const layout = remoteLayout(DIR);
const HOLDER = { who: 'bo@ci', since: '2026-11-22T04:00:00Z', tag: 'v1', token: 'theirs' };

async function take(host: FilesHost, steps = [LOCK, DIRS, applyOf(config)], waitMs = 0): Promise<LockHandle> {
  const { ctx, lockWaits } = await stepContext(host, planWith(steps));
  const handle = await takeLock(ctx.session, ctx.layout, ctx.plan, waitMs, ctx.events);
  handle.stopHeartbeat(); // no timer left behind by the test
  assert.deepEqual(lockWaits, waitMs ? lockWaits : [], 'no wait announced when the lock was free');
  return handle;
}

/** The lock info JSON and token the lock script was given (argv: STATE INFO TOKEN after the script's name). */
function infoOf(argv: readonly string[], at: number): { info: Record<string, unknown>; token: string } {
  return { info: JSON.parse(argv[at + 1]!) as Record<string, unknown>, token: argv[at + 2]! };
}

test('lock with a dirs step: one round trip, lock-then.sh running lock.sh acquire and then the dirs argv', async () => {
  const host = new FilesHost(() => ({ stdout: 'acquired\n@@then 0\n' }));
  const handle = await take(host);
  assert.equal(host.calls.length, 1);
  const { argv, stdin } = host.calls[0]!;
  assert.equal(stdin, undefined);
  assert.equal(scriptOf(argv), 'lock-then.sh');
  const dirs = dirsCommand(layout, ['data'], ID);
  const { info, token } = infoOf(argv, 5);
  const then = afterLockCommand(layout, dirs);
  assert.deepEqual(argv, [
    ...runScript('lock-then.sh', [serverScript('lock.sh'), layout.state, JSON.stringify(info), token]),
    ...then,
  ]);
  assert.deepEqual(then.slice(-dirs.length), dirs, 'after-lock.sh makes the dirs (their argv last)');
  assert.match(token, /^[0-9a-f]{24}$/);
  assert.equal(handle.token, token);
  assert.deepEqual(
    { ...info, since: 'x', pid: 0 },
    {
      who: 'ana@laptop',
      since: 'x',
      tag: 'v2',
      target: 'prod',
      pid: 0,
      operation: 'deploy',
      release: ID,
      token,
    },
  );
  assert.equal(info['pid'], process.pid);
  assert.ok(!Number.isNaN(Date.parse(String(info['since']))));
  assert.deepEqual(handle.then, { argv: then, code: 0, stdout: '' });
  assert.ok(madeDirs(handle.then, dirs), 'the dirs step reads that they were made');
});

test('lock without a dirs step: lock.sh acquire alone; a stale lock is taken over and says from whom', async () => {
  const host = new FilesHost(() => ({ stdout: `stale pid 4242 gone\n${JSON.stringify(HOLDER)}\n` }));
  const handle = await take(host, [LOCK]);
  const { argv } = host.calls[0]!;
  const { info, token } = infoOf(argv, 5);
  assert.deepEqual(argv, runScript('lock.sh', ['acquire', layout.state, JSON.stringify(info), token]));
  assert.equal(handle.then, undefined);
  assert.equal(handle.recoveredFrom, 'pid 4242 gone (was bo@ci since 2026-11-22T04:00:00Z)');
});

test('lock: the dirs failing in the round trip still takes the lock and hands their exit code on', async () => {
  const host = new FilesHost(() => ({ stdout: 'acquired\nunfinished 20261121-000000-abcd\n@@then 1\n' }));
  const handle = await take(host);
  assert.equal(handle.then?.code, 1);
  assert.equal(handle.unfinished, '20261121-000000-abcd', 'an apply that died before is recovered by the next');
});

test('lock held with no --lock-wait: E_LOCK_HELD naming the holder and the tag it deploys, at once', async () => {
  const host = new FilesHost(() => ({ stdout: `held\n${JSON.stringify(HOLDER)}\n` }));
  await assert.rejects(take(host), (e: unknown) => {
    assert.ok(e instanceof LockHeldError);
    assert.equal(
      e.message,
      'deploy@fake-host: the deploy lock is held by bo@ci since 2026-11-22T04:00:00Z (deploying v1)',
    );
    assert.deepEqual(e.holder, HOLDER);
    return true;
  });
  assert.equal(host.calls.length, 1, 'asked once, not retried');
});

test('lock: the lock script failing is E_LOCK with its stderr', async () => {
  const host = new FilesHost(() => ({ code: 2, stderr: 'mkdir: Permission denied\n' }));
  await assert.rejects(take(host), {
    code: 'E_LOCK',
    message: `deploy@fake-host: could not take the deploy lock in ${layout.state}: mkdir: Permission denied`,
  });
});

test('lock held with --lock-wait: says once who holds it, asks again after a pause, takes it when free', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let asked = 0;
  const host = new FilesHost(() =>
    ++asked === 1 ? { stdout: `held\n${JSON.stringify(HOLDER)}\n` } : { stdout: 'acquired\n' },
  );
  const { ctx, lockWaits } = await stepContext(host, planWith([LOCK]));
  const told = new Promise<void>((resolve) => {
    ctx.events.onLockWait = (holder) => (lockWaits.push(holder), resolve());
  });
  const taking = takeLock(ctx.session, ctx.layout, ctx.plan, 60_000, ctx.events);
  await told; // the pause is scheduled in the same turn as the notice
  t.mock.timers.tick(2000);
  const handle = await taking;
  handle.stopHeartbeat();
  assert.deepEqual(lockWaits, ['bo@ci since 2026-11-22T04:00:00Z']);
  assert.equal(host.calls.length, 2);
  assert.deepEqual(host.calls[0]!.argv, host.calls[1]!.argv, 'the same token and info both times');
});
