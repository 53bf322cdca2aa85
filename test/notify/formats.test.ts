/** How a notice reads in Slack (escaped, every block within Slack's limit) and in email (pure). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emailMessage, SLACK_BLOCK_LIMIT, slackPayload } from '../../src/notify/formats.js';
import type { Notice, NoticeHost } from '../../src/notify/notice.js';

interface Payload {
  text: string;
  blocks: { type: string; text?: { type: string; text: string }; elements?: { type: string; text: string }[] }[];
}
const slack = (n: Notice) => slackPayload(n) as unknown as Payload;
/** No lone UTF-16 surrogate: half an emoji (an encoder turns it into U+FFFD). */
const wellFormed = (s: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
/** Every text Slack checks against its limit: the fallback and each block's. */
const texts = (p: Payload) => [
  p.text,
  ...p.blocks.flatMap((b) => [b.text?.text ?? '', ...(b.elements ?? []).map((e) => e.text)]),
];

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

test('Slack: each event has its icon; a title and its host lines are sections, the facts a context', () => {
  const icons: Record<Notice['event'], string> = {
    deploy_succeeded: ':white_check_mark:',
    deploy_failed: ':x:',
    rolled_back: ':rewind:',
    rollback: ':rewind:',
    no_go: ':octagonal_sign:',
    backup_succeeded: ':floppy_disk:',
    backup_failed: ':x:',
    drift: ':warning:',
  };
  for (const [event, icon] of Object.entries(icons) as [Notice['event'], string][]) {
    const p = slack({ ...NOTICE, event });
    assert.ok(p.text.startsWith(`${icon} observer prod: `), p.text);
    assert.deepEqual(
      p.blocks.map((b) => b.type),
      ['section', 'section', 'context'],
    );
    assert.equal(p.blocks[0]!.text!.text, `*${p.text}*`);
  }
});

test('Slack: no hosts says so; host lines escape &, < and > too', () => {
  assert.equal(slack({ ...NOTICE, hosts: [] }).blocks[1]!.text!.text, '(no hosts)');
  const host: NoticeHost = { host: 'a<b>', result: 'failed', reason: 'x & y' };
  assert.equal(slack({ ...NOTICE, hosts: [host] }).blocks[1]!.text!.text, 'a&lt;b&gt;: failed (x &amp; y)');
});

test('Slack: a title cut to fit never splits an emoji, and ends in …', () => {
  for (const pad of [0, 1, 2, 3]) {
    const reason = `${'r'.repeat(2950 + pad)}${'😀'.repeat(40)}`;
    const p = slack({ ...NOTICE, reason });
    for (const t of texts(p)) assert.ok(t.length <= SLACK_BLOCK_LIMIT, `${t.length}`);
    assert.ok(p.text.endsWith('…'));
    assert.ok(p.text.length <= SLACK_BLOCK_LIMIT - 2, 'room for the bold marks');
    assert.ok(wellFormed(p.text), `pad ${pad}: a lone surrogate`);
  }
});

test('Slack: hosts whose long lines are each cut to fit are all shown, without a "… 0 more hosts" line', () => {
  const hosts = [1, 2].map((i) => ({ host: `web-${i}`, result: 'failed', reason: 'x'.repeat(2000) }));
  const lines = slack({ ...NOTICE, hosts }).blocks[1]!.text!.text.split('\n');
  assert.equal(lines.length, 2, lines.map((l) => l.slice(0, 20)).join(' | '));
  assert.ok(lines[0]!.startsWith('web-1: failed (') && lines[0]!.endsWith('…'));
  assert.ok(lines[1]!.startsWith('web-2: failed ('));
});

test('Slack: one host left out is "1 more host"', () => {
  // Six lines cut to 500 characters each: five fit beside the "more" line, the sixth does not.
  const hosts = [1, 2, 3, 4, 5, 6].map((i) => ({ host: `web-${i}`, result: 'failed', reason: 'x'.repeat(2000) }));
  const lines = slack({ ...NOTICE, hosts }).blocks[1]!.text!.text.split('\n');
  assert.deepEqual(
    lines.map((l) => l.slice(0, 6)),
    ['web-1:', 'web-2:', 'web-3:', 'web-4:', 'web-5:', '… 1 mo'],
  );
  assert.equal(lines.at(-1), '… 1 more host');
});

test('email: the subject is one line of at most 200 characters, never ending in half an emoji', () => {
  for (const pad of [0, 1]) {
    const reason = `${'r'.repeat(pad)}\n\n  ${'😀'.repeat(100)}`;
    const { subject } = emailMessage({ ...NOTICE, reason });
    assert.ok(subject.length <= 200, `${subject.length}`);
    assert.ok(!subject.includes('\n'));
    assert.ok(wellFormed(subject), `pad ${pad}: a lone surrogate`);
    assert.ok(subject.startsWith('[gangway] observer prod: deploy of v2 failed and was rolled back — '), subject);
    assert.ok(subject.endsWith('😀…'), subject);
  }
});

test('email: the body is the headline, the details, then the whole notice as JSON', () => {
  const { text } = emailMessage(NOTICE);
  const [head, details] = text.split('\n\n');
  assert.equal(head, 'observer prod: deploy of v2 failed and was rolled back — health web: <script> & "quotes"');
  assert.equal(
    details,
    'ops@a: rolled_back v1 → v2, serving v1\n' +
      'record 20261122-101010-abcd, 41.3 s, by ci@runner, 2026-11-22T10:10:51.000Z',
  );
  assert.ok(text.endsWith('}\n'));
});
