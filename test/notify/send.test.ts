/** Sending: retries with a timeout per attempt, redirects refused, errors that never quote a URL or password. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import type { NotifySettings } from '../../src/config/config.js';
import type { Notice } from '../../src/notify/notice.js';
import { destinationSecrets, sendNotice } from '../../src/notify/send.js';
import { parseSmtpUrl } from '../../src/notify/smtp.js';

const PORT = 19350;
const answers: number[] = [];
const bodies: string[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (d: Buffer) => (body += d.toString()));
  req.on('end', () => {
    bodies.push(body);
    const status = answers.shift() ?? 200;
    res.writeHead(status, status === 302 ? { location: 'http://127.0.0.1:1/elsewhere' } : {}).end();
  });
});
before(() => new Promise<void>((resolve) => server.listen(PORT, '127.0.0.1', resolve)));
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const NOTICE = { version: 1, event: 'drift', app: 'a', target: 't', hosts: [] } as unknown as Notice;
const settings = (to: NotifySettings['to'], retries = 2): NotifySettings => ({
  on: ['drift'],
  to,
  timeoutMs: 1000,
  retries,
});
const URL_TOKEN = `http://127.0.0.1:${PORT}/hook/secret-token-123`;

test('a 500 is retried; the document arrives as the webhook body', async () => {
  answers.push(500, 500);
  bodies.length = 0;
  const [r] = await sendNotice(settings([{ type: 'webhook', urlEnv: 'HOOK' }]), NOTICE, {
    env: { HOOK: URL_TOKEN },
    backoffMs: 10,
  });
  assert.deepEqual(r, { destination: 'webhook (HOOK)', ok: true, attempts: 3 });
  assert.deepEqual(JSON.parse(bodies.at(-1)!), NOTICE);
});

test('failures name the variable, never its value; a redirect is not followed', async () => {
  answers.push(302);
  const [redirect] = await sendNotice(settings([{ type: 'slack', urlEnv: 'SLACK' }], 0), NOTICE, {
    env: { SLACK: URL_TOKEN },
  });
  assert.equal(redirect!.ok, false);
  assert.ok(!JSON.stringify(redirect).includes('secret-token'), JSON.stringify(redirect));
  const [missing, badSmtp] = await sendNotice(
    settings([
      { type: 'webhook', urlEnv: 'UNSET' },
      { type: 'email', smtpUrlEnv: 'SMTP', to: ['a@example.com'] },
    ]),
    NOTICE,
    { env: { SMTP: 'http://user:hunter2-secret@mail.example.com' } },
  );
  assert.deepEqual(missing, {
    destination: 'webhook (UNSET)',
    ok: false,
    attempts: 0,
    error: 'UNSET is not set in the environment',
  });
  assert.equal(badSmtp!.error, 'SMTP must start with smtp:// or smtps://, not http://');
  const refused = await sendNotice(settings([{ type: 'webhook', urlEnv: 'H' }], 1), NOTICE, {
    env: { H: 'http://127.0.0.1:19351/x-secret' },
    backoffMs: 10,
  });
  assert.deepEqual(refused, [{ destination: 'webhook (H)', ok: false, attempts: 2, error: 'ECONNREFUSED' }]);
});

test('SMTP URLs: STARTTLS required unless smtps or starttls=optional; credentials decoded and registered', () => {
  assert.deepEqual(parseSmtpUrl('smtp://u%40x:p%22w@mail.example.com'), {
    host: 'mail.example.com',
    port: 587,
    secure: false,
    requireTls: true,
    user: 'u@x',
    pass: 'p"w',
  });
  assert.deepEqual(parseSmtpUrl('smtps://mail.example.com'), {
    host: 'mail.example.com',
    port: 465,
    secure: true,
    requireTls: false,
  });
  assert.equal(parseSmtpUrl('smtp://127.0.0.1:25?starttls=optional').requireTls, false);
  assert.throws(
    () => parseSmtpUrl('not a url with p4ss'),
    (e: Error) => !e.message.includes('p4ss'),
  );
  assert.deepEqual(destinationSecrets({ type: 'email', smtpUrlEnv: 'S', to: [] }, { S: 'smtp://u:p%22w@h' }), [
    'smtp://u:p%22w@h',
    'p"w',
  ]);
});
