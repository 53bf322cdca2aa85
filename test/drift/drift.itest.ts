/**
 * gangway drift against a real deploy over SSH: a fresh deploy is clean; an edited .env (keys named, values never),
 * an edited compose file, a stray `docker run` container in the project, `chmod 644 .env` and a removed dir are
 * each reported by name (exit 1, --json); a deploy puts it all back and drift is clean again.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { findLeaks } from '../helpers/canary.js';
import { gangway } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { buildWebImage } from '../helpers/images.js';

const SECRET = 'canary-drift-Zq8#"value\\x';
const EDITED = 'canary-drift-edited-77 "q"';
const ADDED = 'canary-drift-added-99';
let p: DeployProject;
const stray = `obsdrift${process.pid}-stray`;

before(async () => {
  await buildWebImage('gangway-test/web:v1', { version: 'v1' });
  p = deployProject({
    app: `obsdrift${process.pid}`,
    port: 19310,
    envText: `APP_SECRET='${SECRET}'\nOTHER=kept\n`,
    extra: 'dirs: [data/uploads, logs]\n',
  });
  const r = gangway(['-c', p.config, 'deploy', '--tag', 'v1']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});
after(() => {
  execFileSync('sh', ['-c', `docker rm -f ${stray} >/dev/null 2>&1 || true`]);
  p.cleanup();
});

test('a fresh deploy: no drift, exit 0, --json says so', () => {
  const r = gangway(['-c', p.config, 'drift']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\[ok\] clean — matches the release in place/);
  const json = JSON.parse(gangway(['-c', p.config, '--json', 'drift']).stdout);
  assert.equal(json.drifted, false);
  assert.deepEqual(json.hosts[0].findings, []);
});

test('edits outside gangway: each reported by name, values never; exit 1; a deploy puts it back', () => {
  const env = join(p.serverDir, '.env');
  writeFileSync(env, `APP_SECRET='${EDITED}'\nOTHER=kept\nNEW_KEY=${ADDED}\n`);
  chmodSync(env, 0o644);
  appendFileSync(join(p.serverDir, 'docker-compose.yml'), '# edited by hand on the server\n');
  rmSync(join(p.serverDir, 'data/uploads'), { recursive: true });
  execFileSync('docker', [
    'run',
    '-d',
    '--name',
    stray,
    '--label',
    `com.docker.compose.project=${p.app}`,
    'gangway-test/web:v1',
  ]);

  const r = gangway(['-c', p.config, 'drift']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /\[fail\] env \.env — changed: APP_SECRET; added: NEW_KEY vs release/);
  assert.match(r.stdout, /\[fail\] mode \.env — mode 644, should be 600/);
  assert.match(r.stdout, /\[fail\] file docker-compose\.yml — changed since release/);
  assert.match(r.stdout, /\[fail\] dir data\/uploads — directory missing/);
  assert.match(r.stdout, new RegExp(`\\[fail\\] container ${stray} — not started by Compose`));
  assert.doesNotMatch(r.stdout, /\[fail\] dir logs/);
  assert.match(r.stderr, /error: drift on root@127\.0\.0\.1:\d+ \(5 finding\(s\)\)/);

  const json = gangway(['-c', p.config, '--json', 'drift']);
  assert.equal(json.code, 1);
  const doc = JSON.parse(json.stdout);
  assert.equal(doc.drifted, true);
  assert.equal(doc.error.code, 'E_DRIFT');
  const found = doc.hosts[0].findings.map((f: { kind: string; name: string }) => `${f.kind} ${f.name}`).sort();
  assert.deepEqual(found, [
    'container ' + stray,
    'dir data/uploads',
    'env .env',
    'file docker-compose.yml',
    'mode .env',
  ]);

  const leaks = findLeaks(
    { stdout: r.stdout, stderr: r.stderr, json: json.stdout, jsonErr: json.stderr },
    { SECRET, EDITED, ADDED },
  );
  assert.deepEqual(leaks, []);

  execFileSync('docker', ['rm', '-f', stray]);
  const again = gangway(['-c', p.config, 'deploy', '--tag', 'v1']);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  const clean = gangway(['-c', p.config, 'drift']);
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
});

test('a service recreated outside gangway (another image) and a one-off `compose run` container: drift', async () => {
  await buildWebImage('gangway-test/web:v2', { version: 'v2' });
  const compose = `cd ${p.serverDir} && docker compose -p ${p.app} --env-file .env -f docker-compose.yml`;
  // What an operator's hand-run `compose up` with another tag does: the container no longer matches the release.
  execFileSync('sh', ['-c', `${compose} up -d web >/dev/null 2>&1`], { env: { ...process.env, IMAGE_TAG: 'v2' } });
  execFileSync('sh', ['-c', `${compose} run -d --name ${p.app}-oneoff web >/dev/null 2>&1`], {
    env: { ...process.env, IMAGE_TAG: 'v1' },
  });
  try {
    const r = gangway(['-c', p.config, 'drift']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /web's configuration differs from release \S+ \(v1\) \(image gangway-test\/web:v2\)/);
    assert.match(r.stdout, new RegExp(`container ${p.app}-oneoff — a one-off \`compose run\` container of web`));
  } finally {
    execFileSync('docker', ['rm', '-f', `${p.app}-oneoff`]);
  }
  const back = gangway(['-c', p.config, 'deploy', '--tag', 'v1']);
  assert.equal(back.code, 0, back.stdout + back.stderr);
  assert.equal(gangway(['-c', p.config, 'drift']).code, 0);
});
