/** What `gangway backup schedule` hands the server for notifications, and what it says about each destination. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scheduleNotify } from '../../src/notify/schedule-notify.js';
import type { NotifySettings } from '../../src/config/config.js';

const settings = (on: NotifySettings['on']): NotifySettings => ({
  on,
  to: [
    { type: 'slack', urlEnv: 'SLACK_URL' },
    { type: 'webhook', urlEnv: 'HOOK_URL' },
    { type: 'email', smtpUrlEnv: 'SMTP_URL', to: ['ops@example.com'] },
  ],
  timeoutMs: 5000,
  retries: 2,
});

test('slack and webhook URLs from the environment; email is said to be CLI-only', () => {
  const env = { SLACK_URL: 'https://hooks.slack.test/T/B/x', HOOK_URL: 'https://ops.test/h?k="a b"' };
  const n = scheduleNotify(settings(['backup_failed', 'deploy_failed']), 'prod', 'deploy@db1', env);
  const lines = n.content!.split('\n');
  assert.equal(
    lines.filter((l) => !l.startsWith('template\t')).join('\n'),
    'on\tbackup_failed\ntarget\tprod\nhost\tdeploy@db1\n' +
      'slack\thttps://hooks.slack.test/T/B/x\nwebhook\thttps://ops.test/h?k="a b"\n',
  );
  const templates = lines.filter((l) => l.startsWith('template\t')).map((l) => l.split('\t').slice(1, 4).join(' '));
  assert.deepEqual(
    templates,
    ['--', 'r-', '-f', 'rf'].flatMap((v) => [`webhook backup_failed ${v}`, `slack backup_failed ${v}`]),
    'the bodies of the events asked for, shaped in TypeScript (scheduled-templates.ts), one line each',
  );
  assert.deepEqual(n.secrets, [env.SLACK_URL, env.HOOK_URL]);
  assert.deepEqual(
    n.said.map((s) => `${s.ok} ${s.text}`),
    [
      'true slack (SLACK_URL) on backup_failed',
      'true webhook (HOOK_URL) on backup_failed',
      'false email to ops@example.com: not sent by scheduled runs (no SMTP client on the server)',
    ],
  );
  assert.ok(!n.said.some((s) => s.text.includes('https://')), 'never a URL in what is printed');
});

test('an unset variable or a URL with a line break is left out and said; nothing left: no file', () => {
  const n = scheduleNotify(settings(['backup_succeeded']), 'prod', 'h', { HOOK_URL: 'https://x\nInjected\tline' });
  assert.equal(n.content, undefined);
  assert.deepEqual(n.secrets, []);
  assert.match(n.said[0]!.text, /SLACK_URL\): not set in this environment/);
  assert.match(n.said[1]!.text, /HOOK_URL\): the URL holds a tab or a line break/);
});

test('no backup event in notify.on, or no notify at all: nothing to write or say', () => {
  assert.deepEqual(scheduleNotify(settings(['deploy_failed']), 'prod', 'h', { HOOK_URL: 'https://x' }), {
    secrets: [],
    said: [],
  });
  assert.deepEqual(scheduleNotify(undefined, 'prod', 'h', {}), { secrets: [], said: [] });
});
