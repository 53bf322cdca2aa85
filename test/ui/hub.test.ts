/**
 * The dashboard's state with a fake CLI runner (the real one is exercised by test/ui/ui.itest.ts): reads per
 * target, one action at a time with its log streamed, refreshes coalesced, everything scrubbed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CliOptions, CliRun } from '../../src/ui/cli-runner.js';
import { BusyError, Hub, type Snapshot } from '../../src/ui/hub.js';

const scrub = (t: string) => t.replaceAll('s3cret', '***');

function fakeCli() {
  const calls: string[] = [];
  let finishAction: (run: CliRun) => void = () => undefined;
  const cli = (args: readonly string[], options: CliOptions = {}): Promise<CliRun> => {
    calls.push(args.join(' '));
    if (args[0] === 'status')
      return Promise.resolve({
        code: 1,
        document: { ok: false, verdict: 'NO-GO', hosts: [{ host: 'h1', verdict: 'NO-GO', reasons: ['db s3cret'] }] },
        lastLine: '',
      });
    if (args[0] === 'releases') return Promise.resolve({ code: 1, lastLine: 'ssh: connection refused' });
    options.onLine?.('[ok] lock');
    options.onLine?.('hook | s3cret');
    return new Promise((resolve) => (finishAction = resolve));
  };
  return { cli, calls, finish: (run: CliRun) => finishAction(run) };
}

test('a refresh reads status (no notices) and releases per target; NO-GO is a reading, failure an error', async () => {
  const { cli, calls } = fakeCli();
  const hub = new Hub('shop', '/p/gangway.yml', [{ name: 'prod', hosts: ['h1'] }], cli, scrub);
  await Promise.all([hub.refresh(), hub.refresh()]);
  assert.deepEqual(calls.sort(), [
    'releases prod --limit 10',
    'releases prod --limit 10',
    'status prod --no-notify',
    'status prod --no-notify',
  ]);
  const t = hub.snapshot().targets[0]!;
  assert.equal(t.status?.verdict, 'NO-GO');
  assert.deepEqual((t.status?.hosts as { reasons: string[] }[])[0]!.reasons, ['db ***']);
  assert.equal(t.error, 'ssh: connection refused');
  assert.ok(hub.lastRefreshAt > 0);
});

test('one action at a time: its lines stream scrubbed, its end is recorded, then a refresh', async () => {
  const { cli, finish } = fakeCli();
  const hub = new Hub('shop', '/p/gangway.yml', [{ name: 'prod', hosts: ['h1'] }], cli, scrub);
  const events: [string, unknown][] = [];
  hub.subscribe((event, data) => events.push([event, data]));
  const action = hub.start({ kind: 'deploy', target: 'prod', tag: 'v2', confirmed: true });
  assert.equal(action.title, 'deploy v2 to prod');
  assert.equal(hub.running, true);
  assert.throws(() => hub.start({ kind: 'unlock', target: 'prod', confirmed: true }), BusyError);
  assert.deepEqual(
    events.filter(([e]) => e === 'log').map(([, d]) => d),
    [
      { id: 1, line: '[ok] lock' },
      { id: 1, line: 'hook | ***' },
    ],
  );
  finish({ code: 1, document: { ok: false, error: { message: 'health web: s3cret unhealthy' } }, lastLine: '' });
  await new Promise((r) => setTimeout(r, 20));
  const last = events.filter(([e]) => e === 'snapshot').map(([, d]) => d as Snapshot);
  const ended = last.find((s) => s.action?.finished)!;
  assert.equal(ended.action!.code, 1);
  assert.equal(ended.action!.outcome, 'health web: *** unhealthy');
  assert.deepEqual(ended.action!.log, ['[ok] lock', 'hook | ***']);
  assert.equal(hub.running, false);
});
