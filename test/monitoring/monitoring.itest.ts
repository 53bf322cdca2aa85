/**
 * The monitoring plan against real parts, on a host of its own (scripts/test-hosts.sh host 32): a blue/green app
 * behind a real Caddy (Debian's) with proxy.metrics on the host's private address, a real PostgreSQL backup, and
 * Debian's node_exporter — run as `nobody`, not the deploy user — reading the metrics.prom copy gangway wrote.
 * A real Prometheus (Debian's) scrapes them with the jobs of `gangway monitoring scrape` and loads the rules of
 * `gangway monitoring rules`; after traffic through the proxy, every query of `gangway monitoring dashboard`
 * must parse and return series, and every rule must evaluate without error.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { CANARIES, findLeaks } from '../helpers/canary.js';
import { killChildren, tracked } from '../helpers/children.js';
import { gangway } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { buildWebImage } from '../helpers/images.js';
import { postgresCompose, postgresImage } from '../helpers/postgres.js';
import { cleanupProxyHost, hostDocker, prepareProxyHost, proxyConfig } from '../helpers/proxy-host.js';
import { tempDir, testHost, type TestHost } from '../helpers/testenv.js';

const HTTP = 19610;
const METRICS = 19612;
const PROMETHEUS = 19480;
const DOMAIN = 'mon.test';
let host: TestHost;
let p: DeployProject;
let work: string;
const outputs: Record<string, string> = {};

const sh = (script: string) => execFileSync('sh', ['-c', script], { encoding: 'utf8' });

/** Polls `check` until it returns a value (not undefined) or the deadline passes; then fails with `what`. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface PromAnswer {
  status: string;
  error?: string;
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

async function query(expr: string): Promise<PromAnswer> {
  const url = `http://127.0.0.1:${PROMETHEUS}/api/v1/query?query=${encodeURIComponent(expr)}`;
  return (await (await fetch(url)).json()) as PromAnswer;
}

/** Requests through the proxy's public port, as a client sends them (curl's URL ranges: one process). */
function traffic(n: number): void {
  sh(`curl -s --max-time 30 -o /dev/null -H 'Host: ${DOMAIN}' 'http://${host.address}:${HTTP}/version?[1-${n}]'`);
}

before(async () => {
  host = testHost(32);
  work = tempDir('gangway-monitoring-');
  await buildWebImage('gangway-test/webmon:v1', { version: 'v1' });
  const pg = postgresImage();
  // The database's image is not delivered by gangway either: it comes into the host's engine with the proxy's.
  prepareProxyHost(host, [`${pg.repository}:${pg.tag}`]);
  p = deployProject({
    host,
    image: 'gangway-test/webmon',
    delivery: 'sync',
    compose: () =>
      postgresCompose(pg.repository, {
        dbImage: `${pg.repository}:${pg.tag}`,
        web: '    image: gangway-test/webmon:${IMAGE_TAG:?IMAGE_TAG required}\n    stop_grace_period: 1s\n',
      }),
    envText: `POSTGRES_USER=app\nPOSTGRES_DB=appdb\nPOSTGRES_PASSWORD=${CANARIES.DB_PASSWORD}\n`,
    health: '  services: [db, web]\n  timeout: 90s',
    extra: `${proxyConfig({
      http: HTTP,
      drain: '1s',
      more: `  domains: [${DOMAIN}]\n  tls: "off"\n  metrics: "${host.address}:${METRICS}"\n`,
    })}backups:
  - name: db
    service: db
    database: \${POSTGRES_DB}
    user: \${POSTGRES_USER}
    password: \${POSTGRES_PASSWORD}
`,
  });
});

after(() => {
  killChildren();
  if (p) cleanupProxyHost(host, [p], [`${p.app}_pgdata`]);
});

test('a deploy and a backup leave metrics.prom where another user (node_exporter) can read it', () => {
  const deploy = gangway(['-c', p.config, 'deploy', '--tag', 'v1']);
  outputs.deploy = deploy.stdout + deploy.stderr;
  assert.equal(deploy.code, 0, outputs.deploy);
  const backup = gangway(['-c', p.config, 'backup']);
  outputs.backup = backup.stdout + backup.stderr;
  assert.equal(backup.code, 0, outputs.backup);
  const copy = join(p.serverDir, '.gangway-metrics', 'metrics.prom');
  assert.equal(statSync(copy).mode & 0o777, 0o644);
  assert.match(readFileSync(copy, 'utf8'), /gangway_backup_last_size_bytes\{/);
  assert.equal(statSync(join(p.serverDir, '.gangway')).mode & 0o777, 0o700);
  // The proxy publishes its metrics on the private address alone; the public port answers with the app.
  assert.match(
    sh(`${hostDocker(host)} port gangway-proxy`),
    new RegExp(`${METRICS}/tcp -> ${host.address}:${METRICS}`),
  );
  traffic(1);
  const pub = sh(`curl -s --max-time 30 -H 'Host: ${DOMAIN}' http://${host.address}:${HTTP}/metrics`);
  assert.doesNotMatch(pub, /caddy_http/);
  assert.match(
    sh(`curl -fsS --max-time 30 http://${host.address}:${METRICS}/metrics`),
    /caddy_http_request_duration_seconds/,
  );
});

test('every dashboard query answers with series from a real Prometheus; every rule evaluates', async () => {
  // node_exporter inside the host's network namespace, as nobody: it reads only the world-readable copy.
  const textfileDir = join(p.serverDir, '.gangway-metrics');
  tracked(
    spawn(
      'nsenter',
      [
        '--net=/run/netns/gw-h32',
        'setpriv',
        '--reuid=nobody',
        '--regid=nogroup',
        '--clear-groups',
        'prometheus-node-exporter',
        `--web.listen-address=${host.address}:9100`,
        '--collector.disable-defaults',
        '--collector.textfile',
        `--collector.textfile.directory=${textfileDir}`,
        '--collector.filesystem',
        '--collector.meminfo',
        '--collector.cpu',
      ],
      { stdio: 'ignore' },
    ),
  );
  const scrape = gangway(['-c', p.config, 'monitoring', 'scrape', 'e2e']);
  assert.equal(scrape.code, 0, scrape.stderr);
  const rulesFile = join(work, 'rules.yml');
  const rules = gangway(['-c', p.config, 'monitoring', 'rules', 'e2e', '--out', rulesFile]);
  assert.equal(rules.code, 0, rules.stderr);
  const dashboardFile = join(work, 'grafana', 'dashboard.json');
  const dashboard = gangway(['-c', p.config, 'monitoring', 'dashboard', '--out', dashboardFile]);
  assert.equal(dashboard.code, 0, dashboard.stderr);
  Object.assign(outputs, {
    scrape: scrape.stdout,
    rules: readFileSync(rulesFile, 'utf8'),
    dashboard: readFileSync(dashboardFile, 'utf8'),
  });
  const jobs = (parse(scrape.stdout) as { scrape_configs: Record<string, unknown>[] }).scrape_configs;
  assert.deepEqual(
    jobs.map((j) => j.job_name),
    [`gangway-${p.app}-e2e-node`, `gangway-${p.app}-e2e-proxy`],
  );
  writeFileSync(
    join(work, 'prometheus.yml'),
    stringify({
      // 5 s: a scrape's timeout is its interval, and a loaded machine's proxy can take over 1 s to answer one.
      global: { scrape_interval: '5s', evaluation_interval: '1s' },
      rule_files: [rulesFile],
      scrape_configs: jobs,
    }),
  );
  tracked(
    spawn(
      'prometheus',
      [
        `--config.file=${join(work, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(work, 'data')}`,
        `--web.listen-address=127.0.0.1:${PROMETHEUS}`,
      ],
      { stdio: 'ignore' },
    ),
  );
  await waitFor('both jobs up', async () => {
    const up = await query(`up{gangway_app="${p.app}"} == 1`);
    return up.data.result.length === 2 ? true : undefined;
  });
  traffic(20);
  // Each request counted once for the app (its route's subroute handler), and Prometheus has seen them all.
  const counted = await waitFor('the requests in Prometheus', async () => {
    const r = await query(
      `sum(caddy_http_request_duration_seconds_count{gangway_app="${p.app}",handler="subroute",code="200"})`,
    );
    const n = Number(r.data.result[0]?.value[1] ?? 0);
    return n >= 21 ? n : undefined;
  });
  assert.equal(counted, 21);

  const panels = (
    JSON.parse(outputs.dashboard ?? '{}') as { panels: { title: string; targets: { expr: string }[] }[] }
  ).panels.flatMap((panel) =>
    panel.targets.map((t) => ({ title: panel.title, expr: t.expr.replace(/\$target/g, 'e2e') })),
  );
  assert.ok(panels.length >= 13);
  for (const { title, expr } of panels) {
    const series = await waitFor(`series for "${title}"`, async () => {
      const r = await query(expr);
      assert.equal(r.status, 'success', `${title}: ${r.error}\n${expr}`);
      return r.data.result.length > 0 ? r.data.result : undefined;
    });
    assert.ok(
      series.every((s) => s.metric.gangway_host === undefined || s.metric.gangway_host === host.spec),
      title,
    );
  }

  const ruleNames = await waitFor('every rule evaluated', async () => {
    const r = (await (await fetch(`http://127.0.0.1:${PROMETHEUS}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
    };
    const all = r.data.groups.flatMap((g) => g.rules);
    for (const rule of all) assert.notEqual(rule.health, 'err', `${rule.name}: ${rule.lastError}`);
    return all.length > 0 && all.every((rule) => rule.health === 'ok') ? all.map((rule) => rule.name) : undefined;
  });
  assert.equal(ruleNames.length, 8);
});

test('no canary in the rules, the dashboard, the scrape jobs or any output', () => {
  assert.ok(Object.keys(outputs).length >= 5);
  assert.deepEqual(findLeaks(outputs), []);
  const r = spawnSync('grep', ['-rlF', 'canary-', join(p.serverDir, '.gangway-metrics')], { encoding: 'utf8' });
  assert.equal(r.stdout, '');
});
