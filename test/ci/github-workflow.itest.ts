/**
 * `gangway ci github` against the real loopback sshd: the workflow pins the host key gangway trusts now, and its
 * pin step, run with the real ssh-keyscan against that sshd, trusts the key only when the fingerprint matches.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { fingerprintOf } from '../../src/hosts/ssh/host-key.js';
import { gangway } from '../helpers/cli.js';
import { tempDir, testEnv, writeKnownHosts } from '../helpers/testenv.js';

const env = testEnv();
const hostKey = env.hostKeyPub('target');
const fingerprint = fingerprintOf(Buffer.from(hostKey.base64, 'base64'));

function project(): string {
  const dir = tempDir('gangway-uici-');
  writeFileSync(path.join(dir, 'docker-compose.yml'), 'services:\n  web:\n    image: busybox\n');
  writeFileSync(path.join(dir, '.env'), 'APP_SECRET=x\n');
  writeKnownHosts(dir, [{ port: env.port, key: 'target' }]);
  // The key lives in the checkout (git-ignored in a real project): the workflow writes it there from a secret.
  copyFileSync(env.clientKey, path.join(dir, 'deploy_key'));
  writeFileSync(
    path.join(dir, 'gangway.yml'),
    `app: uici
compose: docker-compose.yml
env: { file: .env }
image: { name: gangway-test/web, tag: date }
targets:
  prod:
    hosts: ["root@${env.host}:${env.port}"]
    dir: /tmp/gangway-e2e/uici
    ssh: { key: ./deploy_key, known_hosts: ./known_hosts, config: false }
`,
  );
  return dir;
}

function pinStep(file: string): string {
  const wf = parse(readFileSync(file, 'utf8')) as { jobs: { deploy: { steps: { run?: string }[] } } };
  return wf.jobs.deploy.steps.find((s) => s.run?.includes('ssh-keyscan'))!.run!;
}

function runStep(script: string) {
  const cwd = tempDir('gangway-uici-runner-');
  const runnerTemp = path.join(cwd, 'tmp');
  mkdirSync(runnerTemp);
  const r = spawnSync('bash', ['-e', '-c', script], {
    cwd,
    env: { PATH: process.env.PATH, HOME: cwd, RUNNER_TEMP: runnerTemp },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { ...r, cwd };
}

test('the workflow pins the host key gangway sees, and names the secrets to create', () => {
  const dir = project();
  const r = gangway(['ci', 'github', '--json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { file: string; pinned: { fingerprint: string; port: number }[] };
  assert.equal(out.file, path.join(dir, '.github/workflows/deploy-prod.yml'));
  assert.deepEqual(out.pinned, [{ host: env.host, port: env.port, fingerprint }]);
  assert.match(r.stderr, /GANGWAY_SSH_KEY/);
  assert.match(r.stderr, /GANGWAY_ENV_FILE/);
  const text = readFileSync(out.file, 'utf8');
  assert.match(text, new RegExp(`^\\s+pin ${env.host.replaceAll('.', '\\.')} ${env.port} ${fingerprint}$`, 'm'));
  assert.match(text, /tags:\n\s+- "\[0-9\]\[0-9\]\[0-9\]\[0-9\]\.\[0-9\]\[0-9\]\.\[0-9\]\[0-9\]"/);
});

test("the pin step trusts the sshd's key when it matches, and fails with an ::error:: line when not", () => {
  const dir = project();
  const file = path.join(dir, 'wf.yml');
  assert.equal(gangway(['ci', 'github', '--target', 'prod', '--out', file], { cwd: dir }).code, 0);
  const script = pinStep(file);

  const good = runStep(script);
  assert.equal(good.status, 0, good.stdout + good.stderr);
  const trusted = readFileSync(path.join(good.cwd, 'known_hosts'), 'utf8');
  assert.equal(trusted, `[${env.host}]:${env.port} ${hostKey.type} ${hostKey.base64}\n`);

  const wrong = `SHA256:${'B'.repeat(43)}`;
  const bad = runStep(script.replace(fingerprint, wrong));
  assert.equal(bad.status, 1);
  assert.equal(bad.stdout, `::error::no host key of ${env.host}:${env.port} has the pinned fingerprint ${wrong}\n`);
  assert.equal(readFileSync(path.join(bad.cwd, 'known_hosts'), { encoding: 'utf8', flag: 'a+' }), '');
});

test('a local target is refused with exit 2 and no file written', () => {
  const dir = project();
  writeFileSync(
    path.join(dir, 'gangway.yml'),
    'app: uici\ncompose: docker-compose.yml\ntargets:\n  here:\n    hosts: [local]\n    dir: ./d\n',
  );
  const r = gangway(['ci', 'github'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /deploys to "local"/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
