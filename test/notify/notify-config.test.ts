/** `notify:` and `metrics:` in gangway.yml: the SPEC's example loads; a misplaced or missing key is located. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const BASE = `app: observer
compose: docker-compose.yml
targets:
  prod: { hosts: ["ops@203.0.113.10"], dir: /srv/observer }
`;

function problems(text: string): string[] {
  try {
    parseConfig(text, '/p/gangway.yml');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.problems.map((p) => `${p.line}:${p.col} ${p.key}: ${p.message}`);
  }
  assert.fail('expected the config to be rejected');
}

test("the SPEC's notify and metrics example loads, with defaults", () => {
  const config = parseConfig(
    `${BASE}notify:
  on: [deploy_failed, rolled_back, deploy_succeeded, rollback, no_go, backup_failed, drift]
  to:
    - { type: slack, url_env: SLACK_WEBHOOK_URL }
    - { type: webhook, url_env: DEPLOY_WEBHOOK_URL }
    - { type: email, smtp_url_env: SMTP_URL, to: ["ops@example.com"] }
metrics: { textfile: true }
`,
    '/p/gangway.yml',
  );
  assert.deepEqual(config.notify?.to, [
    { type: 'slack', urlEnv: 'SLACK_WEBHOOK_URL' },
    { type: 'webhook', urlEnv: 'DEPLOY_WEBHOOK_URL' },
    { type: 'email', smtpUrlEnv: 'SMTP_URL', to: ['ops@example.com'] },
  ]);
  assert.equal(config.notify?.timeoutMs, 5000);
  assert.equal(config.notify?.retries, 2);
  assert.deepEqual(config.metrics, { textfile: true });
  const defaults = parseConfig(`${BASE}notify: { to: [{ type: webhook, url_env: HOOK }] }\n`, '/p/gangway.yml');
  assert.deepEqual(defaults.notify?.on, [
    'deploy_failed',
    'rolled_back',
    'rollback',
    'no_go',
    'backup_failed',
    'drift',
  ]);
  assert.equal(parseConfig(BASE, '/p/gangway.yml').notify, undefined);
  assert.deepEqual(parseConfig(BASE, '/p/gangway.yml').metrics, { textfile: true });
});

test('notify: keys of another type, missing keys, unknown events and bad addresses are located', () => {
  assert.deepEqual(
    problems(`${BASE}notify:
  on: [deploy_exploded]
  to:
    - { type: email, smtp_url_env: SMTP_URL }
    - { type: slack, url_env: SLACK, to: ["a@example.com"] }
    - { type: webhook }
    - { type: email, smtp_url_env: SMTP_URL, to: ["not an address"] }
`),
    [
      '6:8 notify.on[0]: must be one of: deploy_succeeded, deploy_failed, rolled_back, rollback, no_go, ' +
        'backup_succeeded, backup_failed, drift (did you mean "deploy_failed"?)',
      '11:51 notify.to[3].to[0]: must be an email address such as ops@example.com',
    ],
  );
  assert.deepEqual(
    problems(`${BASE}notify:
  to:
    - { type: email, smtp_url_env: SMTP_URL }
    - { type: slack, url_env: SLACK, to: ["a@example.com"] }
    - { type: webhook }
`),
    [
      '7:7 notify.to[0].to: is required with type: email (the recipients)',
      '8:42 notify.to[1].to: is not used with type: slack',
      '9:7 notify.to[2].url_env: is required with type: webhook (the environment variable holding the URL)',
    ],
  );
  assert.deepEqual(problems(`${BASE}notify: { to: [{ type: sms, url_env: X }] }\n`), [
    '5:24 notify.to[0].type: must be one of: slack, webhook, email',
  ]);
});
