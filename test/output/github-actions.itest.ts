/**
 * Under GitHub Actions (GITHUB_ACTIONS=true) a real deploy over the loopback sshd prints `::add-mask::` for every
 * secret before anything else, groups its per-host steps, writes the per-host table to $GITHUB_STEP_SUMMARY, and
 * a failure becomes an `::error::` annotation. The exact workflow-command lines are asserted.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CANARIES, canaryEnvFile, findLeaks } from '../helpers/canary.js';
import { gangway } from '../helpers/cli.js';
import { deployProject } from '../helpers/deploy-project.js';
import { buildWebImage } from '../helpers/images.js';
import { tempDir } from '../helpers/testenv.js';

const port = 19400 + (process.pid % 50);
const p = deployProject({
  app: `uigha${process.pid % 10000}`,
  envText: canaryEnvFile(),
  compose: `services:
  web:
    image: gangway-test/web:\${IMAGE_TAG:?IMAGE_TAG required}
    environment:
      DB_PASSWORD: \${DB_PASSWORD}
    ports: ["127.0.0.1:${port}:8080"]
    stop_grace_period: 1s
`,
  health: `  services: [web]
  http: [{ url: "http://127.0.0.1:${port}/health", retries: 5, interval: 1s }]
  timeout: 30s`,
});

before(async () => {
  await buildWebImage('gangway-test/web:v1', { version: 'v1' });
});
after(() => p.cleanup());

function actionsEnv() {
  const summary = join(tempDir('gangway-uigha-'), 'summary.md');
  writeFileSync(summary, '');
  return { summary, env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } };
}

test('a deploy: masks first, one group per host, the per-host table in the job summary', () => {
  const { summary, env } = actionsEnv();
  const r = gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--yes'], { env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const lines = r.stdout.split('\n');
  const firstOther = lines.findIndex((l) => !l.startsWith('::add-mask::'));
  const masks = lines.slice(0, firstOther);
  // Every canary line is masked (the multi-line one line by line), before any other line is printed.
  for (const secret of [CANARIES.DB_PASSWORD, CANARIES.API_TOKEN.trim(), ...CANARIES.MULTILINE_KEY.split('\n')])
    assert.ok(masks.includes(`::add-mask::${secret}`), `a mask for one canary is missing`);
  assert.equal(lines.slice(firstOther).filter((l) => l.startsWith('::add-mask::')).length, 0);
  // Apart from the masks themselves (which the runner hides), nothing carries a canary.
  const rest = lines.slice(firstOther).join('\n');
  assert.deepEqual(findLeaks({ stdout: rest, stderr: r.stderr }), []);
  const host = `root@127.0.0.1:2222`;
  const groups = lines.filter((l) => /^::(group|endgroup)::/.test(l));
  assert.deepEqual(groups, [
    `::group::gangway deploy e2e (${p.app}) — tag v1`,
    '::endgroup::',
    '::group::summary',
    '::endgroup::',
  ]);
  assert.ok(lines.includes(`  [ok] ${host} — serving v1`), rest);
  const text = readFileSync(summary, 'utf8');
  const row = new RegExp(`^\\| ${host.replaceAll('.', '\\.')} \\| none \\| v1 \\| ok \\| \\d+\\.\\d s \\|$`, 'm');
  assert.match(text, /^### gangway deploy e2e\n\n\| host \| from \| to \| result \| duration \|\n/);
  assert.match(text, row);
  assert.deepEqual(findLeaks({ summary: text }), []);
});

test('a failure is an ::error:: annotation with the code as its title', () => {
  const { env } = actionsEnv();
  const r = gangway(['-c', p.config, 'deploy', 'nosuch', '--tag', 'v1', '--yes'], { env });
  assert.equal(r.code, 2);
  const error = r.stdout.split('\n').find((l) => l.startsWith('::error'));
  assert.match(error ?? '', /^::error title=gangway E_\w+::.*nosuch/);
});

test('with --json the workflow commands go to stderr and stdout stays one JSON document', () => {
  const { env } = actionsEnv();
  const r = gangway(['-c', p.config, '--json', 'status'], { env });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { ok: boolean };
  assert.equal(doc.ok, true);
  assert.match(r.stderr, /^::add-mask::/m);
  const failed = gangway(['-c', p.config, '--json', 'status', 'nosuch'], { env });
  assert.equal((JSON.parse(failed.stdout) as { ok: boolean }).ok, false);
  assert.match(failed.stderr, /^::error title=gangway E_\w+::.*nosuch/m);
});

test('without GITHUB_ACTIONS no workflow command is printed', () => {
  const r = gangway(['-c', p.config, 'deploy', 'nosuch', '--tag', 'v1', '--yes']);
  assert.equal(r.code, 2);
  assert.doesNotMatch(r.stdout + r.stderr, /^::/m);
});
