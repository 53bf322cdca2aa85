/**
 * notify.sh (scheduled backups' notifications from the server) under the local sh, posting to a real HTTP receiver
 * on loopback: with curl, and with busybox's wget alone (a small server without curl). The URL holds a quote and a
 * backslash and must reach no process's arguments.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { scheduleNotify } from '../../src/notify/schedule-notify.js';
import type { NotifyEvent, NotifySettings } from '../../src/config/config.js';
import { slackPayload } from '../../src/notify/formats.js';
import type { Notice } from '../../src/notify/notice.js';
import { scheduledNotice } from '../../src/notify/scheduled-templates.js';
import { serverScript } from '../../src/server/scripts.js';
import { HOSTILE } from '../helpers/hostile.js';
import { httpReceiver, type HttpReceiver } from '../notify/receivers.js';
import { tempDir } from '../helpers/testenv.js';

let receiver: HttpReceiver;
before(async () => {
  receiver = await httpReceiver(0);
});
after(() => receiver.close());

function job(urls: { kind: string; path: string }[], on = 'backup_failed backup_succeeded'): string {
  const dir = tempDir('gangway-notify-');
  writeFileSync(join(dir, 'notify.sh'), serverScript('notify.sh'));
  writeFileSync(join(dir, 'json.sh'), serverScript('json.sh'));
  const lines = [
    `on\t${on}`,
    'target\tprod',
    'host\tdeploy@db1',
    ...urls.map((u) => `${u.kind}\t${receiver.url(u.path)}`),
  ];
  writeFileSync(join(dir, 'notify'), `${lines.join('\n')}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'log.jsonl'), '{"op":"backup","outcome":"failed","reason":"pg_dump failed: \\"x\\" <y>"}\n');
  return dir;
}

/** Runs `notify ARGS…` as backup.sh would (json.sh, APP, NAME, LOG), sampling every process's arguments. */
function notify(
  dir: string,
  args: string[],
  path = process.env.PATH ?? '',
): Promise<{ code: number; ps: string; stderr: string }> {
  const script = [
    `. '${dir}/json.sh'`,
    `JOB='${dir}' APP='shop' NAME='db' LOG='${dir}/log.jsonl'`,
    `. '${dir}/notify.sh'`,
    'notify "$@"',
  ].join('\n');
  return new Promise((resolve) => {
    let ps = '';
    const sampler = setInterval(() => (ps += execFileSync('ps', ['-eww', '-o', 'args'], { encoding: 'utf8' })), 20);
    const child = spawn('/bin/sh', ['-c', script, 'sh', ...args], {
      env: { PATH: path },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => {
      clearInterval(sampler);
      resolve({ code: code ?? -1, ps, stderr });
    });
  });
}

const SECRET_PATH = '/hooks/T0K3N?sig=a"b\\c';

test('a legacy <job>/notify (no templates): the documented webhook JSON, Slack its text', async () => {
  const dir = job([
    { kind: 'webhook', path: SECRET_PATH },
    { kind: 'slack', path: '/slack' },
  ]);
  const before = receiver.posts.length;
  const { code, ps } = await notify(dir, ['backup_failed', 'failed', 'pg_dump failed: \\"x\\" <y>', '7', '']);
  assert.equal(code, 0);
  const posts = receiver.posts.slice(before);
  const hook = posts.find((p) => p.path.startsWith('/hooks/'))!;
  assert.ok(hook, JSON.stringify(posts));
  assert.equal(hook.contentType, 'application/json');
  const doc = JSON.parse(hook.body) as Record<string, unknown>;
  assert.deepEqual(
    { ...doc, time: 'T', who: 'W' },
    {
      version: 1,
      event: 'backup_failed',
      app: 'shop',
      target: 'prod',
      tag: null,
      result: 'failed',
      reason: 'pg_dump failed: "x" <y>',
      duration_s: 7,
      record_id: null,
      hosts: [{ host: 'deploy@db1', result: 'failed' }],
      who: 'W',
      time: 'T',
    },
  );
  assert.match(String(doc.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const slack = JSON.parse(posts.find((p) => p.path === '/slack')!.body) as { text: string };
  assert.equal(slack.text, 'shop prod: backup db failed (scheduled, deploy@db1) — pg_dump failed: "x" &lt;y&gt;');
  assert.doesNotMatch(ps, /T0K3N/);
  assert.deepEqual(
    readdirSync(dir).sort(),
    ['json.sh', 'log.jsonl', 'notify', 'notify.sh'],
    'the temporary bodies are removed',
  );
});

test('an event the schedule does not ask for sends nothing', async () => {
  const dir = job([{ kind: 'webhook', path: '/only-failures' }], 'backup_failed');
  const { code } = await notify(dir, ['backup_succeeded', 'succeeded', '', '3', 'db-1.dump']);
  assert.equal(code, 0);
  assert.equal(receiver.posts.filter((p) => p.path === '/only-failures').length, 0);
});

/** A PATH of busybox applets (no curl), plus the given extra commands. */
function busyboxPath(extra: Record<string, string> = {}): string {
  const bin = tempDir('gangway-bb-');
  const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).trim().split('\n');
  for (const a of applets) if (!(a in extra)) symlinkSync('/bin/busybox', join(bin, a));
  for (const [name, target] of Object.entries(extra)) symlinkSync(target, join(bin, name));
  return bin;
}

test('GNU wget without curl: the success notice arrives, the URL in no argv', async (t) => {
  if (!existsSync('/bin/busybox') || !existsSync('/usr/bin/wget')) return t.skip('busybox or wget is not installed');
  const dir = job([{ kind: 'webhook', path: '/wget/T0K3N' }]);
  const path = busyboxPath({ wget: '/usr/bin/wget' });
  const { code, ps, stderr } = await notify(dir, ['backup_succeeded', 'succeeded', '', '3', 'db-1.dump'], path);
  assert.equal(code, 0);
  const post = receiver.posts.find((p) => p.path === '/wget/T0K3N');
  assert.ok(post, stderr);
  const doc = JSON.parse(post.body) as Record<string, unknown>;
  assert.equal(doc.event, 'backup_succeeded');
  assert.equal(doc.record_id, 'db-1.dump');
  assert.doesNotMatch(ps, /T0K3N/);
  assert.deepEqual(readdirSync(dir).sort(), ['json.sh', 'log.jsonl', 'notify', 'notify.sh']);
});

test("busybox's wget alone takes URLs only as arguments: not used, said on stderr, nothing posted", async (t) => {
  if (!existsSync('/bin/busybox')) return t.skip('busybox is not installed');
  const dir = job([{ kind: 'webhook', path: '/bb/T0K3N' }]);
  const { code, ps, stderr } = await notify(dir, ['backup_failed', 'failed', 'x', '3', ''], busyboxPath());
  assert.equal(code, 0);
  assert.match(stderr, /cannot notify: this server has neither curl nor GNU wget/);
  assert.equal(receiver.posts.filter((p) => p.path.startsWith('/bb/')).length, 0);
  assert.doesNotMatch(ps, /T0K3N/);
});

test('a receiver that answers 500: three attempts, a line on stderr, exit 0 (the backup stands)', async () => {
  receiver.modes.set('/down', 'fail');
  const dir = job([{ kind: 'webhook', path: '/down' }]);
  const { code, stderr } = await notify(dir, ['backup_failed', 'failed', 'disk full', '1', '']);
  assert.equal(code, 0);
  assert.equal(receiver.posts.filter((p) => p.path === '/down').length, 3);
  assert.match(stderr, /notification backup_failed to webhook failed after 3 attempts/);
});

test('GNU wget does not follow a redirect (nor re-post a 307 elsewhere): a 3xx is a failed post', async (t) => {
  if (!existsSync('/bin/busybox') || !existsSync('/usr/bin/wget')) return t.skip('busybox or wget is not installed');
  const hits: string[] = [];
  const redirector = createServer((req, res) => {
    hits.push(req.url ?? '');
    req.resume().on('end', () => res.writeHead(307, { location: receiver.url('/redirected') }).end());
  });
  await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
  try {
    const dir = tempDir('gangway-notify-');
    writeFileSync(join(dir, 'notify.sh'), serverScript('notify.sh'));
    writeFileSync(join(dir, 'json.sh'), serverScript('json.sh'));
    const url = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/moved`;
    writeFileSync(join(dir, 'notify'), `on\tbackup_failed\ntarget\tprod\nhost\th\nwebhook\t${url}\n`, { mode: 0o600 });
    const path = busyboxPath({ wget: '/usr/bin/wget' });
    const { code, stderr } = await notify(dir, ['backup_failed', 'failed', 'x', '3', ''], path);
    assert.equal(code, 0);
    assert.equal(receiver.posts.filter((p) => p.path === '/redirected').length, 0, 'the redirect was not followed');
    assert.equal(hits.length, 3, 'each attempt stopped at the redirect');
    assert.match(stderr, /notification backup_failed to webhook failed after 3 attempts/);
  } finally {
    await new Promise((resolve) => redirector.close(resolve));
  }
});

/** A job whose <job>/notify is what `gangway backup schedule` writes now (with the bodies' templates). */
function scheduledJob(target: string, host: string, paths: { webhook: string; slack: string }): string {
  const dir = tempDir('gangway-notify-');
  writeFileSync(join(dir, 'notify.sh'), serverScript('notify.sh'));
  writeFileSync(join(dir, 'json.sh'), serverScript('json.sh'));
  const env = { SLACK: receiver.url(paths.slack), HOOK: receiver.url(paths.webhook) };
  const settings: NotifySettings = {
    on: ['backup_failed', 'backup_succeeded'],
    to: [
      { type: 'slack', urlEnv: 'SLACK' },
      { type: 'webhook', urlEnv: 'HOOK' },
    ],
    timeoutMs: 5000,
    retries: 0,
  };
  writeFileSync(join(dir, 'notify'), scheduleNotify(settings, target, host, env).content!, { mode: 0o600 });
  return dir;
}

test('notify.sh sends byte for byte the bodies TypeScript builds for the same facts, hostile values too', async () => {
  const cases = HOSTILE.filter((v) => !/[\t\n\r]/.test(v)).flatMap((v, i) => [
    { v, i, args: ['backup_failed', 'failed', JSON.stringify(`${v} & <b>`).slice(1, -1), '7', ''] },
    { v, i, args: ['backup_succeeded', 'succeeded', '', '12', `db-${v}.dump`] },
  ]);
  for (const { v, i, args } of cases) {
    const paths = { webhook: `/same/${i}/hook/${args[0]}`, slack: `/same/${i}/slack/${args[0]}` };
    const dir = scheduledJob(`prod ${v}`, `deploy@${v}`, paths);
    const { code, stderr } = await runNotify(dir, `shop ${v}`, args);
    assert.equal(code, 0, stderr);
    const hook = receiver.posts.find((p) => p.path === paths.webhook)!;
    const slack = receiver.posts.find((p) => p.path === paths.slack)!;
    assert.ok(hook && slack, `${JSON.stringify(v)}: ${stderr}`);
    const sent = JSON.parse(hook.body) as Notice;
    const [event, result, reasonJson, duration, file] = args as [NotifyEvent, string, string, string, string];
    const notice = scheduledNotice(event, `prod ${v}`, `deploy@${v}`, {
      app: `shop ${v}`,
      result,
      reason: reasonJson ? (JSON.parse(`"${reasonJson}"`) as string) : null,
      duration_s: Number(duration),
      record_id: file || null,
      who: sent.who!,
      time: sent.time,
    });
    assert.equal(hook.body, `${JSON.stringify(notice)}\n`, JSON.stringify(v));
    assert.equal(slack.body, `${JSON.stringify(slackPayload(notice))}\n`, JSON.stringify(v));
  }
});

/** notify ARGS… as backup.sh runs it, with APP set to `app`. */
function runNotify(dir: string, app: string, args: string[]): Promise<{ code: number; stderr: string }> {
  const script = `. "$1/json.sh"; JOB=$1 APP=$2 NAME=db LOG=/dev/null; . "$1/notify.sh"; shift 2; notify "$@"`;
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', script, 'sh', dir, app, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}
