/**
 * Notifications from real deploys over SSH to real receivers on loopback: Slack's and the generic webhook's JSON
 * captured by an HTTP server, mail by a real SMTP server (STARTTLS, AUTH). Succeeded, rolled back, rollback and
 * NO-GO each send one notice with the documented fields; a receiver that answers 500 or hangs costs a warning,
 * never the exit code; no canary (env values, webhook tokens, the SMTP password) appears anywhere.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { canaryEnvFile, CANARIES, findLeaks } from '../helpers/canary.js';
import { gangwayAsync, type CliResult } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { buildWebImage } from '../helpers/images.js';
import { httpReceiver, smtpReceiver, type HttpReceiver, type SmtpReceiver } from './receivers.js';

const SLACK_PATH = '/services/T0/B0/canary-slack-token-Xq81';
const HOOK_PATH = '/hook/canary-hook-token-Pz93';
const SMTP_PASS = 'canary-smtp-"pa ss\\w0rd';
const APP_SECRET = 'canary-notify-app-5521';
const SECRETS = { ...CANARIES, SLACK_PATH, HOOK_PATH, SMTP_PASS, APP_SECRET };

let p: DeployProject;
let http: HttpReceiver;
let smtp: SmtpReceiver;
let env: NodeJS.ProcessEnv;
const outputs: Record<string, string> = {};

async function run(name: string, args: string[]): Promise<CliResult> {
  const r = await gangwayAsync(['-c', p.config, ...args], { env });
  outputs[`${name} stdout`] = r.stdout;
  outputs[`${name} stderr`] = r.stderr;
  return r;
}

const postsTo = (path: string) => http.posts.filter((x) => x.path === path).map((x) => JSON.parse(x.body));
const lastHook = () => postsTo(HOOK_PATH).at(-1);

before(async () => {
  await buildWebImage('gangway-test/web:v1', { version: 'v1' });
  await buildWebImage('gangway-test/web:v2', { version: 'v2' });
  await buildWebImage('gangway-test/web:bad', { version: 'bad', healthy: false });
  http = await httpReceiver(19320);
  smtp = await smtpReceiver(19325, 'obs-mailer', SMTP_PASS);
  env = {
    OBS_SLACK_URL: http.url(SLACK_PATH),
    OBS_HOOK_URL: http.url(HOOK_PATH),
    OBS_SMTP_URL: `smtp://obs-mailer:${encodeURIComponent(SMTP_PASS)}@127.0.0.1:19325`,
    NODE_EXTRA_CA_CERTS: smtp.caFile,
  };
  p = deployProject({
    app: `obsnotify${process.pid}`,
    port: 19330,
    envText: canaryEnvFile(`APP_SECRET=${APP_SECRET}`),
    extra: `notify:
  on: [deploy_succeeded, deploy_failed, rolled_back, rollback, no_go]
  to:
    - { type: slack, url_env: OBS_SLACK_URL }
    - { type: webhook, url_env: OBS_HOOK_URL }
    - { type: email, smtp_url_env: OBS_SMTP_URL, to: ["ops@example.com"], from: "gangway@example.com" }
  timeout: 10s
  retries: 1
`,
  });
});

after(async () => {
  p.cleanup();
  await http.close();
  await smtp.close();
});

test('a succeeded deploy: Slack, webhook and email each get one notice after the records', async () => {
  const r = await run('deploy v1', ['deploy', '--tag', 'v1']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\[ok\] notified slack \(OBS_SLACK_URL\) — deploy_succeeded/);
  assert.match(r.stdout, /\[ok\] notified webhook \(OBS_HOOK_URL\) — deploy_succeeded/);
  assert.match(r.stdout, /\[ok\] notified email to ops@example\.com \(OBS_SMTP_URL\) — deploy_succeeded/);

  const hook = lastHook();
  const release = p.releases().at(-1)!;
  assert.deepEqual(Object.keys(hook).sort(), [
    'app', 'duration_s', 'event', 'hosts', 'reason', 'record_id', 'result', 'tag', 'target', 'time', 'version', 'who',
  ]); // prettier-ignore
  assert.equal(hook.event, 'deploy_succeeded');
  assert.equal(hook.app, p.app);
  assert.equal(hook.target, 'e2e');
  assert.equal(hook.tag, 'v1');
  assert.equal(hook.result, 'succeeded');
  assert.equal(hook.reason, null);
  assert.equal(hook.record_id, release.id, 'the record id is the release on the server');
  assert.equal(typeof hook.duration_s, 'number');
  assert.equal(hook.hosts.length, 1);
  assert.match(hook.hosts[0].host, /^root@127\.0\.0\.1:\d+$/);
  assert.equal(hook.hosts[0].result, 'succeeded');
  assert.equal(hook.hosts[0].to, 'v1');
  assert.equal(hook.hosts[0].serving, 'v1');

  const slack = postsTo(SLACK_PATH).at(-1);
  assert.equal(http.posts.find((x) => x.path === SLACK_PATH)!.contentType, 'application/json');
  assert.match(slack.text, new RegExp(`^:white_check_mark: ${p.app} e2e: deploy of v1 succeeded$`));
  assert.equal(slack.blocks[0].type, 'section');
  assert.equal(slack.blocks[0].text.type, 'mrkdwn');
  assert.match(slack.blocks[1].text.text, /root@127\.0\.0\.1:\d+: succeeded none → v1, serving v1/);

  assert.equal(smtp.mails.length, 1);
  const mail = smtp.mails[0]!;
  assert.equal(mail.secure, true, 'STARTTLS before the message');
  assert.equal(mail.user, 'obs-mailer');
  assert.deepEqual(mail.to, ['ops@example.com']);
  assert.equal(mail.from, 'gangway@example.com');
  assert.equal(mail.subject, `[gangway] ${p.app} e2e: deploy of v1 succeeded`);
  assert.match(mail.text, /"event": "deploy_succeeded"/);
});

test('a deploy that fails its gate and rolls back: event rolled_back with the failing step; exit 1', async () => {
  const r = await run('deploy bad', ['deploy', '--tag', 'bad']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const hook = lastHook();
  assert.equal(hook.event, 'rolled_back');
  assert.equal(hook.result, 'rolled_back');
  assert.equal(hook.tag, 'bad');
  assert.match(hook.reason, /health web/);
  assert.equal(hook.hosts[0].serving, 'v1');
  assert.equal(hook.hosts[0].failing_step, 'health web');
  assert.match(postsTo(SLACK_PATH).at(-1).text, /deploy of bad failed and was rolled back — health web/);
  assert.match(smtp.mails.at(-1)!.subject, /deploy of bad failed and was rolled back/);
});

test('a manual rollback: event rollback', async () => {
  assert.equal((await run('deploy v2', ['deploy', '--tag', 'v2'])).code, 0);
  assert.equal(lastHook().event, 'deploy_succeeded');
  const r = await run('rollback', ['rollback', '--yes']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const hook = lastHook();
  assert.equal(hook.event, 'rollback');
  assert.equal(hook.result, 'succeeded');
  assert.equal(hook.tag, 'v1');
  assert.equal(hook.hosts[0].from, 'v2');
});

test('a receiver that answers 500 and one that hangs: warnings; the exit code and the deploy stand', async () => {
  http.modes.set(SLACK_PATH, 'fail');
  http.modes.set(HOOK_PATH, 'hang');
  const slackBefore = postsTo(SLACK_PATH).length;
  const started = Date.now();
  const r = await run('deploy v2 again', ['deploy', '--tag', 'v2']);
  const seconds = (Date.now() - started) / 1000;
  http.modes.clear();
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(p.serving(), 'v2');
  assert.match(
    r.stderr,
    /warning: notification deploy_succeeded to slack \(OBS_SLACK_URL\) failed after 2 attempts: HTTP 500/,
  );
  assert.match(
    r.stderr,
    new RegExp(
      'warning: notification deploy_succeeded to webhook \\(OBS_HOOK_URL\\) failed after 2 attempts: ' +
        'no answer within 10000 ms',
    ),
  );
  assert.match(r.stdout, /\[ok\] notified email/);
  assert.equal(postsTo(SLACK_PATH).length - slackBefore, 2, 'retried once');
  // The hanging receiver never answers: any bound proves the wait is bounded (2 × 10 s, and the deploy itself).
  assert.ok(seconds < 300, `bounded by the timeout and retries (${seconds}s)`);
});

test('status NO-GO notifies no_go with the reasons', async () => {
  execFileSync('sh', [
    '-c',
    `docker stop -t 1 $(docker ps -q --filter label=com.docker.compose.project=${p.app} ` +
      '--filter label=com.docker.compose.service=web) >/dev/null',
  ]);
  const r = await run('status', ['status']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const hook = lastHook();
  assert.equal(hook.event, 'no_go');
  assert.equal(hook.result, 'NO-GO');
  assert.match(hook.hosts[0].reason, /web is exited/);
});

test('no canary in any output, post or mail', () => {
  const places: Record<string, string> = { ...outputs };
  http.posts.forEach((x, i) => (places[`post ${i} ${x.path.startsWith('/hook') ? 'hook' : 'slack'}`] = x.body));
  smtp.mails.forEach((m, i) => {
    places[`mail ${i} raw`] = m.raw;
    places[`mail ${i} text`] = m.text;
    places[`mail ${i} subject`] = m.subject;
  });
  // The posts' own paths are where the tokens belong: scan only their bodies; everything else for every secret.
  assert.deepEqual(findLeaks(places, SECRETS), []);
  assert.ok(Object.keys(places).length > 20);
});
