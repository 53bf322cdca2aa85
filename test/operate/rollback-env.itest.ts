/**
 * A rollback undoes the last change, against the real engine over the real sshd: after v1, v2, a failed `bad`
 * and an env-only change on v2, the default rollback brings back v2 with the env before (not v1); and
 * `rollback --to` the tag in place is nothing to do.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gangway } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { buildWebImage } from '../helpers/images.js';

const ENV = (flag: string) => `APP_SECRET=canary-e2e-secret-value\nFEATURE_FLAG=${flag}\n`;

let p: DeployProject;
before(async () => {
  await buildWebImage('gangway-test/web:v1', { version: 'v1' });
  await buildWebImage('gangway-test/web:v2', { version: 'v2' });
  await buildWebImage('gangway-test/web:bad', { version: 'bad', healthy: false });
  p = deployProject({
    envText: ENV('off'),
    compose: (port) => `services:
  web:
    image: gangway-test/web:\${IMAGE_TAG:?IMAGE_TAG required}
    environment:
      APP_SECRET: \${APP_SECRET}
      FEATURE_FLAG: \${FEATURE_FLAG}
    ports: ["127.0.0.1:${port}:8080"]
    stop_grace_period: 1s
`,
  });
});
after(() => p.cleanup());

/** FEATURE_FLAG in the running web container's environment. */
function featureFlag(): string | undefined {
  const id = execFileSync(
    'docker',
    [
      'ps',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${p.app}`,
      '--filter',
      'label=com.docker.compose.service=web',
    ],
    { encoding: 'utf8' },
  ).trim();
  assert.ok(id && !id.includes('\n'), `one running web container (found: ${JSON.stringify(id)})`);
  const env = execFileSync('docker', ['inspect', '-f', '{{range .Config.Env}}{{println .}}{{end}}', id], {
    encoding: 'utf8',
  });
  return env
    .split('\n')
    .find((l) => l.startsWith('FEATURE_FLAG='))
    ?.slice('FEATURE_FLAG='.length);
}

const ok = (args: string[]) => {
  const r = gangway(['-c', p.config, ...args]);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r;
};

test('keep: 3 — v1, v2, a failed bad, an env-only change on v2: rollback brings v2 with the env before', () => {
  ok(['deploy', '--tag', 'v1']);
  ok(['deploy', '--tag', 'v2']);
  const bad = gangway(['-c', p.config, 'deploy', '--tag', 'bad']);
  assert.equal(bad.code, 1, bad.stdout + bad.stderr);
  assert.equal(p.serving(), 'v2');
  assert.equal(featureFlag(), 'off');
  p.writeEnv(ENV('on'));
  ok(['deploy', '--env-only']);
  assert.equal(p.serving(), 'v2');
  assert.equal(featureFlag(), 'on');

  const r = ok(['rollback']);
  assert.match(r.stdout, /\[ok\] health gate — v2 passed/);
  assert.equal(p.serving(), 'v2', 'the rollback undid the env change, not the deploy of v2');
  assert.equal(featureFlag(), 'off', 'the env before the change is back in the container');
  const last = p.releases().at(-1)!;
  assert.deepEqual([last.tag, last.status, last.operation], ['v2', 'rollback', 'rollback']);
});

test('rollback --to the tag in service: it is the release in place, nothing to do, exit 0', () => {
  ok(['rollback', '--to', 'v1']);
  assert.equal(p.serving(), 'v1');
  const records = p.releases().length;
  const r = ok(['rollback', '--to', 'v1']);
  assert.match(r.stdout, /tag v1 is the release in place: nothing to do/);
  assert.doesNotMatch(r.stdout + r.stderr, /not retained/);
  assert.equal(p.releases().length, records, 'nothing was applied, nothing recorded on the server');
  assert.ok(!existsSync(join(p.serverDir, '.gangway', 'lock')), 'the lock was released');
  assert.equal(p.serving(), 'v1');
});
