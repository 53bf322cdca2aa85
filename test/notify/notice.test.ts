/** Which event a run is, and how a notice reads in Slack and email (pure). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HostOutcome, RunSummary } from '../../src/deploy/apply-plan.js';
import { LockHeldError } from '../../src/server/lock.js';
import { emailMessage, slackPayload } from '../../src/notify/formats.js';
import { chooseEvent, type Notice } from '../../src/notify/notice.js';
import { runEvents } from '../../src/notify/run-notice.js';

const outcome = (result: HostOutcome['result']): HostOutcome => ({
  host: 'a',
  result,
  from: 'v1',
  serving: 'v1',
  bytesSent: 0,
  durationMs: 1,
  steps: [],
});
const summary = (results: HostOutcome['result'][], extra: Partial<RunSummary> = {}): RunSummary => ({
  outcomes: results.map(outcome),
  unfinished: [],
  durationMs: 1000,
  recordFile: '/r',
  ...extra,
});

test('a run is the events it matches, most specific first; a held lock is none', () => {
  assert.deepEqual(runEvents('deploy', summary(['succeeded', 'succeeded'])), ['deploy_succeeded']);
  assert.deepEqual(runEvents('deploy', summary(['succeeded', 'rolled_back'])), ['rolled_back', 'deploy_failed']);
  assert.deepEqual(runEvents('deploy', summary(['reverted', 'failed'])), ['deploy_failed']);
  assert.deepEqual(runEvents('env-only', summary(['unknown'])), ['deploy_failed']);
  assert.deepEqual(runEvents('deploy', summary(['succeeded'], { hookFailure: 'after_deploy failed' })), [
    'deploy_failed',
  ]);
  assert.deepEqual(runEvents('rollback', summary(['failed'])), ['rollback']);
  const lockHeld = new LockHeldError('a', undefined);
  assert.deepEqual(runEvents('deploy', summary(['unchanged'], { lockHeld })), []);
  assert.equal(chooseEvent(['rolled_back', 'deploy_failed'], ['deploy_failed']), 'deploy_failed');
  assert.equal(chooseEvent(['rolled_back', 'deploy_failed'], ['rolled_back', 'deploy_failed']), 'rolled_back');
  assert.equal(chooseEvent(['deploy_succeeded'], ['deploy_failed']), undefined);
});

const NOTICE: Notice = {
  version: 1,
  event: 'rolled_back',
  app: 'observer',
  target: 'prod',
  tag: 'v2',
  result: 'rolled_back',
  reason: 'health web: <script> & "quotes"',
  duration_s: 41.25,
  record_id: '20261122-101010-abcd',
  hosts: [{ host: 'ops@a', result: 'rolled_back', from: 'v1', to: 'v2', serving: 'v1', failing_step: 'health web' }],
  who: 'ci@runner',
  time: '2026-11-22T10:10:51.000Z',
};

test("Slack: text and blocks, with Slack's three characters escaped", () => {
  const payload = slackPayload(NOTICE) as { text: string; blocks: { text?: { text: string } }[] };
  assert.equal(
    payload.text,
    ':rewind: observer prod: deploy of v2 failed and was rolled back — health web: &lt;script&gt; &amp; "quotes"',
  );
  assert.equal(payload.blocks[1]!.text!.text, 'ops@a: rolled_back v1 → v2, serving v1');
  assert.match(JSON.stringify(payload.blocks[2]), /record 20261122-101010-abcd, 41\.3 s, by ci@runner/);
});

test('email: a one-line subject and the document in the body', () => {
  const mail = emailMessage(NOTICE);
  assert.equal(
    mail.subject,
    '[gangway] observer prod: deploy of v2 failed and was rolled back — health web: <script> & "quotes"',
  );
  assert.equal(emailMessage({ ...NOTICE, reason: 'one\n  two' }).subject.includes('\n'), false);
  assert.deepEqual(JSON.parse(mail.text.slice(mail.text.indexOf('{'))), NOTICE);
});

test("Slack: a large fleet's notice fits Slack's 3,000 characters per block, the rest counted in one line", () => {
  const hosts = Array.from({ length: 40 }, (_, i) => ({
    host: `deploy@web-${String(i).padStart(2, '0')}.example.com`,
    result: 'failed',
    from: 'v1',
    to: 'v2',
    serving: 'v1',
    failing_step: 'health web',
    reason: `web is unhealthy: GET /health answered 503 <Service Unavailable> & gave up after 30 s (${i})`,
  }));
  const reason = hosts.map((h) => `${h.host}: ${h.reason}`).join('; ');
  const payload = slackPayload({ ...NOTICE, event: 'deploy_failed', result: 'failed', reason, hosts }) as {
    text: string;
    blocks: { text?: { text: string }; elements?: { text: string }[] }[];
  };
  const texts = payload.blocks.flatMap((b) => [b.text?.text ?? '', ...(b.elements ?? []).map((e) => e.text)]);
  for (const t of [payload.text, ...texts]) assert.ok(t.length <= 3000, `${t.length} characters: ${t.slice(0, 80)}`);
  assert.match(payload.blocks[0]!.text!.text, /^\*:x: observer prod: deploy of v2 failed \(failed\) — .*…\*$/);
  const lines = payload.blocks[1]!.text!.text.split('\n');
  const shown = lines.slice(0, -1);
  const more = /^… (\d+) more hosts$/.exec(lines.at(-1)!);
  assert.ok(more, lines.at(-1));
  assert.ok(shown.length >= 10, `only ${shown.length} hosts shown`);
  assert.equal(shown.length + Number(more[1]), 40);
  shown.forEach((l, i) => assert.ok(l.startsWith(`${hosts[i]!.host}: failed v1 → v2`), l));
  assert.match(JSON.stringify(payload.blocks[2]), /record 20261122-101010-abcd/);
});
