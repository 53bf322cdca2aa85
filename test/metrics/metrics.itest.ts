/**
 * Textfile metrics from real applies and a real backup, validated by Prometheus's own `promtool check metrics`
 * (scripts/test-env.sh installs it): after a succeeded deploy, a rolled-back one and a backup, the file each wrote
 * on the server, `gangway metrics` (every host, a host label) and `status --format prometheus`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CANARIES, findLeaks } from '../helpers/canary.js';
import { gangway } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { buildWebImage } from '../helpers/images.js';
import { postgresCompose, postgresImage } from '../helpers/postgres.js';

const PASSWORD = CANARIES.DB_PASSWORD;
let p: DeployProject;
const file = () => join(p.serverDir, '.gangway', 'metrics.prom');
const texts: Record<string, string> = {};

/** promtool's verdict: it exits non-zero on a format error or a lint problem (names, units, _total). */
function promtool(label: string, text: string): void {
  texts[label] = text;
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) assert.fail(`promtool is missing (scripts/test-env.sh installs it): ${r.error.message}`);
  assert.equal(r.status, 0, `promtool check metrics (${label}):\n${r.stdout}${r.stderr}\n${text}`);
}

/** The value of the one sample whose name and labels include these, or undefined. */
function value(text: string, name: string, ...labels: string[]): number | undefined {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && labels.every((x) => l.slice(0, l.lastIndexOf('}')).includes(x)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

before(async () => {
  await buildWebImage('gangway-test/web:v1', { version: 'v1' });
  await buildWebImage('gangway-test/web:bad', { version: 'bad', healthy: false });
  const pg = postgresImage();
  p = deployProject({
    app: `obsmetrics${process.pid}`,
    port: 19340,
    compose: (port) =>
      postgresCompose(pg.repository, {
        dbImage: `${pg.repository}:${pg.tag}`,
        web:
          '    image: gangway-test/web:${IMAGE_TAG:?IMAGE_TAG required}\n' +
          `    ports: ["127.0.0.1:${port}:8080"]\n    stop_grace_period: 1s\n`,
      }),
    envText: `POSTGRES_USER=app\nPOSTGRES_DB=appdb\nPOSTGRES_PASSWORD=${PASSWORD}\n`,
    health: '  services: [db, web]\n  timeout: 90s',
    extra: `backups:
  - name: db
    service: db
    database: \${POSTGRES_DB}
    user: \${POSTGRES_USER}
    password: \${POSTGRES_PASSWORD}
metrics: { textfile: true }
`,
  });
});
after(() => {
  spawnSync('sh', ['-c', `docker volume rm ${p.app}_pgdata >/dev/null 2>&1`]);
  p.cleanup();
});

test('a succeeded deploy writes metrics.prom (0644) that promtool accepts', () => {
  const r = gangway(['-c', p.config, 'deploy', '--tag', 'v1']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(statSync(file()).mode & 0o777, 0o644);
  const text = readFileSync(file(), 'utf8');
  promtool('after deploy', text);
  assert.equal(value(text, 'gangway_deploys_total', 'operation="deploy"', 'status="succeeded"'), 1);
  assert.equal(value(text, 'gangway_last_deploy_success'), 1);
  assert.equal(value(text, 'gangway_rollbacks_total', 'kind="automatic"'), 0);
  assert.equal(value(text, 'gangway_release_info', 'tag="v1"'), 1);
  assert.ok(value(text, 'gangway_last_deploy_step_duration_seconds', 'phase="deploy"', 'step="compose up"')! > 0);
  assert.ok(value(text, 'gangway_last_health_gate_duration_seconds')! > 0);
  assert.equal(value(text, 'gangway_last_deploy_delivered_bytes'), 0, 'registry delivery: nothing sent');
  const now = Date.now() / 1000;
  assert.ok(Math.abs(value(text, 'gangway_last_good_timestamp_seconds')! - now) < 300);
});

test('a deploy rolled back by its gate: counted, last success 0, the restore phase timed; promtool accepts', () => {
  const r = gangway(['-c', p.config, 'deploy', '--tag', 'bad']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const text = readFileSync(file(), 'utf8');
  promtool('after rollback', text);
  assert.equal(value(text, 'gangway_deploys_total', 'status="rolled_back"'), 1);
  assert.equal(value(text, 'gangway_deploys_total', 'status="succeeded"'), 1);
  assert.equal(value(text, 'gangway_rollbacks_total', 'kind="automatic"'), 1);
  assert.equal(value(text, 'gangway_last_deploy_success'), 0);
  assert.equal(value(text, 'gangway_release_info', 'tag="v1"'), 1, 'v1 is back in place');
  assert.ok(value(text, 'gangway_last_deploy_step_duration_seconds', 'phase="restore"', 'step="health gate"')! > 0);
  assert.notEqual(
    value(text, 'gangway_last_deploy_step_duration_seconds', 'phase="deploy"', 'step="health gate"'),
    undefined,
  );
});

test('a backup adds its age, size and count; promtool accepts', () => {
  const r = gangway(['-c', p.config, 'backup']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const text = readFileSync(file(), 'utf8');
  promtool('after backup', text);
  assert.equal(value(text, 'gangway_backups_total', 'backup="db"', 'outcome="succeeded"'), 1);
  assert.ok(value(text, 'gangway_backup_last_size_bytes', 'backup="db"')! > 0);
  assert.ok(
    Math.abs(value(text, 'gangway_backup_last_success_timestamp_seconds', 'backup="db"')! - Date.now() / 1000) < 300,
  );
  assert.equal(value(text, 'gangway_deploys_total', 'status="rolled_back"'), 1, 'the deploy metrics stay');
});

test('gangway metrics: every sample with its host label; status --format prometheus: the go/no-go gauges', () => {
  const r = gangway(['-c', p.config, 'metrics']);
  assert.equal(r.code, 0, r.stderr);
  promtool('gangway metrics', r.stdout);
  const samples = r.stdout.split('\n').filter((l) => l && !l.startsWith('#'));
  assert.ok(samples.length > 10);
  for (const s of samples) assert.match(s, /^gangway_\w+\{host="root@127\.0\.0\.1:\d+",app="/);
  const json = JSON.parse(gangway(['-c', p.config, '--json', 'metrics']).stdout);
  assert.equal(json.exposition, r.stdout);

  const status = gangway(['-c', p.config, 'status', '--format', 'prometheus']);
  assert.equal(status.code, 0, status.stderr);
  promtool('status --format prometheus', status.stdout);
  assert.equal(value(status.stdout, 'gangway_status_go', `app="${p.app}"`, 'target="e2e"'), 1);
  assert.equal(value(status.stdout, 'gangway_status_service_up', 'service="db"'), 1);
  assert.equal(value(status.stdout, 'gangway_status_drifted'), 0);
  assert.deepEqual(findLeaks(texts, { PASSWORD }), []);
});
