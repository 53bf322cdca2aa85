/**
 * The generated workflow against SchemaStore's GitHub workflow schema (vendored with its Apache-2.0 licence in
 * test/fixtures/schemastore/) and every `run:` script through shellcheck (bash: GitHub's default shell).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { githubWorkflow, repoSecrets, tagFilter, type GangwayOnRunner } from '../../src/ci/github-workflow.js';
import { loadConfig } from '../../src/config/load.js';
import { tempDir } from '../helpers/testenv.js';

const schema = JSON.parse(readFileSync('test/fixtures/schemastore/github-workflow.json', 'utf8')) as object;
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);

interface Step {
  run?: string;
  uses?: string;
  env?: Record<string, string>;
  if?: string;
}

const PIN = [{ host: '203.0.113.10', port: 2222, fingerprint: 'SHA256:abc' }];

async function generate(yml: string, pins = PIN, gangway: GangwayOnRunner = { from: 'registry', version: '1.2.3' }) {
  const dir = tempDir('gangway-ci-');
  mkdirSync(path.join(dir, 'deploy'));
  writeFileSync(path.join(dir, 'deploy/.env.server'), 'A=1\n');
  writeFileSync(path.join(dir, 'docker-compose.yml'), 'services:\n  web:\n    image: busybox\n');
  writeFileSync(path.join(dir, 'gangway.yml'), yml);
  const config = await loadConfig(path.join(dir, 'gangway.yml'));
  const target = Object.values(config.targets)[0]!;
  const text = githubWorkflow({ config, target, pins, repoRoot: dir, configArg: 'gangway.yml', gangway });
  return { text, config, target, workflow: parse(text) as { jobs: { deploy: { steps: Step[] } } } & object };
}

const BASE = `app: uici
compose: docker-compose.yml
env: { file: deploy/.env.server }
image:
  name: ghcr.io/acme/uici
  tag: git
  registry: { username: acme, password_env: GHCR_TOKEN }
targets:
  prod:
    hosts: ["deploy@203.0.113.10:2222"]
    dir: ~/uici
`;

function assertValid(workflow: object) {
  const ok = validate(workflow);
  assert.ok(ok, JSON.stringify(validate.errors, null, 2));
}

function shellcheck(steps: Step[]) {
  const dir = tempDir('gangway-ci-sc-');
  const scripts = steps
    .filter((s) => s.run)
    .map((s, i) => {
      const file = path.join(dir, `step${i}.sh`);
      writeFileSync(file, `#!/bin/bash\nset -e\n${s.run}`);
      return file;
    });
  assert.ok(scripts.length >= 3);
  const r = spawnSync('shellcheck', ['-s', 'bash', ...scripts], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
}

test('the workflow validates against the GitHub workflow schema and its scripts pass shellcheck', async () => {
  const { workflow, text } = await generate(BASE);
  assertValid(workflow);
  const steps = workflow.jobs.deploy.steps;
  shellcheck(steps);
  assert.doesNotMatch(text, /StrictHostKeyChecking/);
  assert.match(text, /^# {3}GANGWAY_SSH_KEY: /m);
  assert.match(text, /^# {3}GHCR_TOKEN: /m);
  const w = workflow as unknown as Record<string, Record<string, unknown>>;
  assert.deepEqual(w.on!.push, { tags: ['[A-Za-z0-9_]*'] });
  assert.deepEqual(w.concurrency, { group: 'gangway-deploy-prod', 'cancel-in-progress': false });
  const deploy = steps.find((s) => s.run?.includes(' deploy prod '))!;
  assert.equal(
    deploy.run,
    'npx -y --package=gangway-deploy@1.2.3 gangway --config gangway.yml deploy prod --tag "$TAG" --yes',
  );
  assert.equal(deploy.env!.GHCR_TOKEN, '${{ secrets.GHCR_TOKEN }}');
  const write = steps.find((s) => s.env?.SSH_KEY)!;
  assert.match(write.run!, /^umask 077\n/);
  assert.match(write.run!, /> deploy\/\.env\.server\n/);
  assert.match(steps.find((s) => s.run?.includes('ssh-keyscan'))!.run!, /^pin 203\.0\.113\.10 2222 SHA256:abc$/m);
  const cleanup = steps.at(-1)!;
  assert.equal(cleanup.if, 'always()');
  assert.match(cleanup.run!, /rm -f "\$RUNNER_TEMP\/gangway_ssh_key" deploy\/\.env\.server/);
});

test('a pinned ssh.fingerprint needs no key scan; a key under $HOME is written where gangway.yml says', async () => {
  const yml = BASE.replace(
    '    dir: ~/uici\n',
    `    dir: ~/uici\n    ssh: { key: ${homedir()}/.ssh/id_ci, fingerprint: "SHA256:${'A'.repeat(43)}" }\n`,
  );
  const { workflow, text } = await generate(yml, []);
  assertValid(workflow);
  shellcheck(workflow.jobs.deploy.steps);
  assert.doesNotMatch(text, /ssh-keyscan|ssh-agent/);
  assert.match(text, /printf '%s\\n' "\$SSH_KEY" > "\$HOME"\/\.ssh\/id_ci/);
});

test('the vendored schema rejects what GitHub rejects (so a pass means something)', () => {
  assert.equal(
    validate({ on: 'push', jobs: { deploy: { 'runs-on': 'ubuntu-latest', steps: [{ bogus: 1 }] } } }),
    false,
  );
  assert.equal(validate({ on: 'push', jobs: { deploy: { steps: [{ run: 'true' }] } } }), false);
});

test('tag filters follow the image.tag rule', () => {
  // git: any tag that is a valid image tag's start and has no slash (`release/1.0` would fail the deploy).
  assert.equal(tagFilter('git'), '[A-Za-z0-9_]*');
  assert.equal(tagFilter(undefined), '[A-Za-z0-9_]*');
  assert.equal(tagFilter('date'), '[0-9][0-9][0-9][0-9].[0-9][0-9].[0-9][0-9]');
  assert.equal(tagFilter('v1.2.3'), 'v1.2.3');
});

test('the secrets named: the key always, the env file and registry token when configured', async () => {
  const { config } = await generate(BASE);
  assert.deepEqual(
    repoSecrets(config, config.targets.prod!).map((s) => s.name),
    ['GANGWAY_SSH_KEY', 'GANGWAY_ENV_FILE', 'GHCR_TOKEN'],
  );
});

const NOTIFY = `notify:
  to:
    - { type: slack, url_env: SLACK_URL }
    - { type: webhook, url_env: HOOK_URL }
    - { type: email, smtp_url_env: SMTP_URL, to: ["ops@example.com"] }
`;

test('every *_env name gangway.yml reads is a repository secret and reaches the deploy step', async () => {
  const yml =
    BASE.replace('    dir: ~/uici\n', '    dir: ~/uici\n    ssh: { passphrase_env: DEPLOY_KEY_PASS }\n') + NOTIFY;
  const { workflow, text, config, target } = await generate(yml);
  assertValid(workflow);
  shellcheck(workflow.jobs.deploy.steps);
  const names = ['GHCR_TOKEN', 'DEPLOY_KEY_PASS', 'SLACK_URL', 'HOOK_URL', 'SMTP_URL'];
  assert.deepEqual(
    repoSecrets(config, target).map((s) => s.name),
    ['GANGWAY_SSH_KEY', 'GANGWAY_ENV_FILE', ...names],
  );
  const deploy = workflow.jobs.deploy.steps.find((s) => s.run?.includes(' deploy prod '))!;
  for (const name of names) {
    assert.equal(deploy.env![name], `\${{ secrets.${name} }}`, name);
    assert.match(text, new RegExp(`^# {3}${name}: `, 'm'));
  }
  // Without ssh.key the key goes into ssh-agent, which needs the passphrase (through SSH_ASKPASS, never argv).
  const write = workflow.jobs.deploy.steps.find((s) => s.env?.SSH_KEY)!;
  assert.equal(write.env!.DEPLOY_KEY_PASS, '${{ secrets.DEPLOY_KEY_PASS }}');
  assert.match(write.run!, /SSH_ASKPASS_REQUIRE=force/);
  assert.match(write.run!, /^printf .%s\\n. "\$DEPLOY_KEY_PASS"$/m); // only the askpass helper expands it
});

test('the default passphrase variable is not a secret to create; one name used twice is listed once', async () => {
  const yml = BASE.replace('password_env: GHCR_TOKEN', 'password_env: SLACK_URL') + NOTIFY;
  const { config, target, workflow } = await generate(yml);
  assert.deepEqual(
    repoSecrets(config, target).map((s) => s.name),
    ['GANGWAY_SSH_KEY', 'GANGWAY_ENV_FILE', 'SLACK_URL', 'HOOK_URL', 'SMTP_URL'],
  );
  const write = workflow.jobs.deploy.steps.find((s) => s.env?.SSH_KEY)!;
  assert.doesNotMatch(write.run!, /ASKPASS/);
});

interface SetupStep extends Step {
  with?: Record<string, unknown>;
}

test('without gangway-deploy in the project, the runner runs the pinned package: no npm ci, no npm cache', async () => {
  const { workflow, text } = await generate(BASE);
  const steps = workflow.jobs.deploy.steps as SetupStep[];
  assert.ok(!steps.some((s) => s.run?.includes('npm ci')));
  const setup = steps.find((s) => s.uses?.startsWith('actions/setup-node@'))!;
  // A deploy job holds the deploy key: setup-node's docs advise no dependency cache (cache poisoning).
  assert.deepEqual(setup.with, { 'node-version': 20, 'package-manager-cache': false });
  assert.doesNotMatch(text, /npx gangway|cache: npm/);
  assert.match(text, /npx -y --package=gangway-deploy@1\.2\.3 gangway /);
});

test("gangway-deploy locked in the project: the runner installs it (npm ci) and runs the project's own", async () => {
  const { workflow, text } = await generate(BASE, PIN, { from: 'project' });
  assertValid(workflow);
  const steps = workflow.jobs.deploy.steps as SetupStep[];
  const setupAt = steps.findIndex((s) => s.uses?.startsWith('actions/setup-node@'));
  assert.equal(steps[setupAt + 1]!.run, 'npm ci');
  const deploy = steps.find((s) => s.run?.includes(' deploy prod '))!;
  assert.equal(deploy.run, 'npx --no-install gangway --config gangway.yml deploy prod --tag "$TAG" --yes');
  assert.doesNotMatch(text, /cache: npm|gangway-deploy@/);
});

test('actions are pinned by commit SHA, the tag in a comment; checkout keeps no git credentials', async () => {
  const { workflow, text } = await generate(BASE);
  const uses = workflow.jobs.deploy.steps.filter((s) => s.uses).map((s) => s.uses!);
  assert.deepEqual(
    uses.map((u) => u.replace(/@[0-9a-f]{40}$/, '@SHA')),
    ['actions/checkout@SHA', 'actions/setup-node@SHA'],
  );
  for (const u of uses) assert.match(text, new RegExp(`uses: ${u} # v\\d+\\.\\d+\\.\\d+\n`));
  const checkout = (workflow.jobs.deploy.steps as SetupStep[])[0]!;
  assert.deepEqual(checkout.with, { 'persist-credentials': false });
});

test('shellcheck is the real one', () => {
  assert.match(execFileSync('shellcheck', ['--version'], { encoding: 'utf8' }), /ShellCheck/);
});

test('image.build with a registry: a build job pushes once, the deploy job needs it and does not build', async () => {
  const yml = BASE.replace('  tag: git\n', '  tag: git\n  build: { secrets: [NPM_TOKEN] }\n');
  const { workflow, text } = await generate(yml);
  assertValid(workflow);
  const jobs = (workflow as unknown as { jobs: Record<string, { needs?: string; steps: Step[] }> }).jobs;
  assert.deepEqual(Object.keys(jobs), ['build', 'deploy']);
  assert.equal(jobs.deploy!.needs, 'build');
  shellcheck(jobs.build!.steps);
  const build = jobs.build!.steps.find((s) => s.run?.includes(' build prod '))!;
  assert.match(build.run!, /gangway --config gangway.yml build prod --tag "\$TAG"$/);
  assert.equal(build.env!.NPM_TOKEN, '${{ secrets.NPM_TOKEN }}');
  assert.equal(build.env!.GHCR_TOKEN, '${{ secrets.GHCR_TOKEN }}');
  assert.match(jobs.deploy!.steps.find((s) => s.run?.includes(' deploy prod '))!.run!, / --no-build --yes$/);
  assert.match(text, /^# {3}NPM_TOKEN: a build secret \(image\.build\.secrets\)$/m);
  // Archive delivery: the deploy job builds the image itself.
  const archive = await generate(yml.replace('  tag: git\n', '  tag: git\n  delivery: archive\n'));
  assert.deepEqual(Object.keys((archive.workflow as unknown as { jobs: object }).jobs), ['deploy']);
});
