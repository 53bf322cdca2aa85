/**
 * Step `apply` against a fake host: start.sh's argv, the lock handed to the apply, following its run log to the
 * result, and the recovery when the apply dies without one. The server's reads answer at once (no waiting).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyDeadlineMs, failureOutput, runApply } from '../../../src/deploy/steps/run-apply.js';
import { followRun, readCommand } from '../../../src/deploy/steps/follow.js';
import type { ApplyStep } from '../../../src/plan/plan-types.js';
import { remoteLayout } from '../../../src/server/layout.js';
import { runScript } from '../../../src/server/scripts.js';
import {
  applyOf,
  configOf,
  DIR,
  fakeLock,
  FilesHost,
  ID,
  REL,
  RUN_LOG,
  planWith,
  scriptOf,
  stepContext,
} from './step-context.js';

const layout = remoteLayout(DIR);
const RESULT = { status: 'good', outcome: 'deployed', serving: 'v2' };
const event = (e: object) => `::gangway:: ${JSON.stringify(e)}\n`;
const startArgv = (action: string, token: string) => runScript('start.sh', [DIR, REL, RUN_LOG, action, token]);

/** A server whose start.sh prints `pid offset` and whose run log reads give `reads` in turn. */
function server(reads: { stdout: string; alive: boolean }[], start = '4242 17\n'): FilesHost {
  let n = 0;
  return new FilesHost((argv) => {
    const script = scriptOf(argv);
    if (script === 'start.sh') return { stdout: start };
    if (script === 'follow') {
      const r = reads[n++] ?? { stdout: '', alive: false };
      return { stdout: r.stdout, stderr: r.alive ? 'alive\n' : '' };
    }
    if (script === 'lock.sh' && argv[4] === 'acquire') return { stdout: 'acquired\n' };
    if (script === 'lock.sh' && argv[4] === 'release') return { stdout: 'released\n' };
    return { code: 127, stderr: `unexpected ${argv.join(' ')}` };
  });
}

async function context(host: FilesHost, apply: ApplyStep = applyOf(configOf('recreate'))) {
  return { ...(await stepContext(host, planWith([apply]))), apply };
}

test('apply: start.sh with the lock token, the heartbeat handed over, the run log read to its result', async () => {
  const host = server([
    {
      stdout: `pulling web\n${event({ event: 'step', step: 'compose up', status: 'ok', detail: '2 services' })}`,
      alive: true,
    },
    { stdout: `gate passed\n${event({ event: 'result', ...RESULT })}`, alive: true },
  ]);
  const { ctx, steps, logs, apply } = await context(host);
  const result = await runApply(ctx, apply);
  assert.deepEqual(result, { kind: 'finished', event: 'result', ...RESULT });
  const offsetAfterFirst =
    17 +
    Buffer.byteLength(
      `pulling web\n${event({ event: 'step', step: 'compose up', status: 'ok', detail: '2 services' })}`,
    );
  assert.deepEqual(
    host.calls.map((c) => c.argv),
    [startArgv('apply', 'tok-1'), readCommand('4242', 17, RUN_LOG), readCommand('4242', offsetAfterFirst, RUN_LOG)],
  );
  assert.ok(host.calls.every((c) => c.stdin === undefined));
  assert.deepEqual((ctx.lock as ReturnType<typeof fakeLock>).calls, ['stopHeartbeat'], 'the apply holds the lock now');
  assert.deepEqual(steps, [
    { step: 'start apply', status: 'ok', ms: 0, detail: 'server pid 4242' },
    { step: 'compose up', status: 'ok', ms: 0, detail: '2 services' },
  ]);
  assert.deepEqual(logs, ['pulling web', 'gate passed']);
  assert.deepEqual(ctx.results, { bytesSent: 0 }, 'the apply records nothing in the results');
});

test('apply-hold: the apply hands the lock back, and the heartbeat resumes for the rest of the rollout', async () => {
  const host = server([{ stdout: event({ event: 'result', ...RESULT }), alive: false }]);
  const { ctx, apply } = await context(host);
  await runApply(ctx, apply, true);
  assert.deepEqual(host.calls[0]!.argv, startArgv('apply-hold', 'tok-1'));
  assert.deepEqual((ctx.lock as ReturnType<typeof fakeLock>).calls, ['stopHeartbeat', 'resumeHeartbeat']);
});

test('apply: a failed release is a finished run too (its result says so), not a recovery', async () => {
  const failed = {
    status: 'failed',
    outcome: 'rolled_back',
    serving: 'v1',
    failing_step: 'health',
    reason: 'web unhealthy',
  };
  const host = server([{ stdout: event({ event: 'result', ...failed }), alive: false }]);
  const { ctx, steps, apply } = await context(host);
  assert.deepEqual(await runApply(ctx, apply), { kind: 'finished', event: 'result', ...failed });
  assert.equal(host.calls.length, 2, 'start and one read: no lock taken back');
  assert.equal(steps.length, 1);
});

test('apply dying without an outcome: the lock taken back, apply.sh recover, the lock released', async () => {
  const host = server([
    { stdout: 'compose up\n', alive: false },
    { stdout: event({ event: 'result', status: 'failed', outcome: 'apply_died', serving: 'v1' }), alive: false },
  ]);
  const { ctx, steps, logs, apply } = await context(host);
  const result = await runApply(ctx, apply);
  assert.deepEqual(result, {
    kind: 'finished',
    event: 'result',
    status: 'failed',
    outcome: 'apply_died',
    serving: 'v1',
  });
  const scripts = host.calls.map((c) => [scriptOf(c.argv), c.argv[4]]);
  assert.deepEqual(scripts, [
    ['start.sh', DIR],
    ['follow', '4242'],
    ['lock.sh', 'acquire'],
    ['start.sh', DIR],
    ['follow', '4242'],
    ['lock.sh', 'release'],
  ]);
  const token = host.calls[2]!.argv[7]!;
  assert.notEqual(token, 'tok-1', 'a new lock, with a token of its own');
  assert.deepEqual(host.calls[3]!.argv, startArgv('recover', token));
  assert.deepEqual(host.calls[5]!.argv, runScript('lock.sh', ['release', layout.state, token]));
  assert.deepEqual(
    steps.map((s) => s.step),
    ['start apply', 'start recovery'],
  );
  assert.deepEqual(logs, [
    'compose up',
    'the apply (pid 4242) ended without reporting an outcome; recovering the release',
  ]);
});

test('apply: a recovery without an outcome is E_RECOVERY naming the run log; the lock still released', async () => {
  const host = server([]);
  const { ctx, apply } = await context(host);
  await assert.rejects(runApply(ctx, apply), {
    code: 'E_RECOVERY',
    message: `deploy@fake-host: recovering release ${ID} ended without an outcome; see ${RUN_LOG}`,
  });
  assert.equal(scriptOf(host.calls.at(-1)!.argv), 'lock.sh');
  assert.equal(host.calls.at(-1)!.argv[4], 'release');
});

test('apply: start.sh failing (the lock is not ours) is the command failure, and nothing is followed', async () => {
  const host = new FilesHost(() => ({
    code: 1,
    stderr: 'start: the deploy lock is not held by this deploy; nothing started\n',
  }));
  const { ctx, steps, apply } = await context(host);
  await assert.rejects(runApply(ctx, apply), /the deploy lock is not held by this deploy/);
  assert.equal(host.calls.length, 1);
  assert.deepEqual(steps, []);
  assert.deepEqual(
    (ctx.lock as ReturnType<typeof fakeLock>).calls,
    [],
    'the heartbeat goes on: the lock is still ours',
  );
});

test("applyDeadlineMs: each strategy's (2 minutes of health timeout in these configs)", () => {
  const health = 120_000;
  assert.equal(applyDeadlineMs(applyOf(configOf('recreate'))), 2 * health + 300_000);
  assert.equal(applyDeadlineMs(applyOf(configOf('swarm'))), 4 * health + 300_000);
  const bg = applyOf(configOf('blue-green'));
  assert.ok(bg.strategy === 'blue-green');
  const p = bg.proxy.settings;
  assert.equal(applyDeadlineMs(bg), 2 * health + 2 * p.health.timeoutMs + p.drainMs + 300_000);
});

test("failureOutput: the release's failure.log, or undefined when the apply wrote none", async () => {
  const host = new FilesHost(() => ({}), new Map([[`${REL}/failure.log`, 'web | panic: boom\n']]));
  const { ctx } = await context(host);
  assert.equal(await failureOutput(ctx), 'web | panic: boom\n');
  const { ctx: none } = await context(new FilesHost(() => ({})));
  assert.equal(await failureOutput(none), undefined);
});

test('following past the deadline: E_APPLY_DEADLINE naming the run log; the apply is left to finish', async () => {
  // Alive with nothing new, read after read: only the deadline (0 ms) ends the following.
  const host = server(Array.from({ length: 10_000 }, () => ({ stdout: '', alive: true })));
  const { ctx } = await context(host);
  ctx.lock = fakeLock();
  await assert.rejects(followRun(ctx, ID, '4242', 17, 0), {
    code: 'E_APPLY_DEADLINE',
    message:
      `deploy@fake-host: the apply has not finished within 0s; it goes on on the server — see \`gangway status\` ` +
      `and ${RUN_LOG}`,
  });
  assert.ok(host.calls.length >= 1);
  assert.ok(
    host.calls.every((c) => scriptOf(c.argv) === 'follow'),
    'only reads: nothing killed, no lock touched',
  );
  assert.deepEqual((ctx.lock as ReturnType<typeof fakeLock>).calls, []);
});

test('following: a result in the read that passes the deadline still counts (the outcome, not a timeout)', async () => {
  const host = server([{ stdout: `late line\n${event({ event: 'result', ...RESULT })}`, alive: true }]);
  const { ctx, logs } = await context(host);
  const result = await followRun(ctx, ID, '4242', 17, 0);
  assert.equal(result.kind, 'finished');
  assert.deepEqual(logs, ['late line']);
  assert.deepEqual(host.calls[0]!.argv, readCommand('4242', 17, RUN_LOG));
});
