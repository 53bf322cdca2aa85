/**
 * `gangway ci github` against the real loopback sshd: the workflow pins the host key gangway trusts now, and its
 * pin step, run with the real ssh-keyscan against that sshd, trusts the key only when the fingerprint matches.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
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

function runStep(script: string, stepEnv: Record<string, string> = {}) {
  const cwd = tempDir('gangway-uici-runner-');
  const runnerTemp = path.join(cwd, 'tmp');
  mkdirSync(runnerTemp);
  const r = spawnSync('bash', ['-e', '-c', script], {
    cwd,
    env: { PATH: process.env.PATH, HOME: cwd, RUNNER_TEMP: runnerTemp, ...stepEnv },
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

test('a passphrase-protected key without ssh.key: the write step loads it into ssh-agent with the passphrase', () => {
  const dir = project();
  const keyDir = tempDir('gangway-uici-key-');
  const keyFile = path.join(keyDir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'canary-pass-1', '-C', 'ci-key', '-f', keyFile]);
  const yml = readFileSync(path.join(dir, 'gangway.yml'), 'utf8').replace(
    'ssh: { key: ./deploy_key, known_hosts: ./known_hosts, config: false }',
    `ssh: { passphrase_env: CI_KEY_PASS, fingerprint: "${fingerprint}", config: false }`,
  );
  writeFileSync(path.join(dir, 'gangway.yml'), yml);
  const file = path.join(dir, 'wf.yml');
  const r = gangway(['ci', 'github', '--out', file], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /CI_KEY_PASS/);
  const steps = (parse(readFileSync(file, 'utf8')) as { jobs: { deploy: { steps: { run?: string; env?: object }[] } } })
    .jobs.deploy.steps;
  const write = steps.find((s) => s.env && 'SSH_KEY' in s.env)!.run!;

  const ran = (passphrase: string) => {
    const githubEnv = path.join(tempDir('gangway-uici-ghenv-'), 'env');
    writeFileSync(githubEnv, '');
    const key = readFileSync(keyFile, 'utf8').trimEnd();
    const out = runStep(write, {
      SSH_KEY: key,
      ENV_FILE: 'APP_SECRET=x',
      CI_KEY_PASS: passphrase,
      GITHUB_ENV: githubEnv,
    });
    const agent = Object.fromEntries(
      readFileSync(githubEnv, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('=', 2) as [string, string]),
    );
    return { out, agent };
  };
  const good = ran('canary-pass-1');
  try {
    assert.equal(good.out.status, 0, good.out.stdout + good.out.stderr);
    const listed = execFileSync('ssh-add', ['-l'], {
      env: { SSH_AUTH_SOCK: good.agent.SSH_AUTH_SOCK },
      encoding: 'utf8',
    });
    assert.match(listed, /ci-key \(ED25519\)/);
    assert.doesNotMatch(good.out.stdout + good.out.stderr, /canary-pass/);
  } finally {
    if (good.agent.SSH_AGENT_PID) process.kill(Number(good.agent.SSH_AGENT_PID));
  }

  // A wrong passphrase fails the step, and the agent is already in $GITHUB_ENV for the cleanup step to end.
  const bad = ran('wrong');
  assert.ok(bad.agent.SSH_AGENT_PID, 'the agent is recorded before ssh-add');
  process.kill(Number(bad.agent.SSH_AGENT_PID));
  assert.equal(bad.out.status, 1);
  assert.match(
    bad.out.stdout,
    /::error::ssh-add could not load the key from GANGWAY_SSH_KEY with the passphrase in CI_KEY_PASS/,
  );
});
