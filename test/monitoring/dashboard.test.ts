/**
 * The dashboard's panels: what the plan asks for, each query valid PromQL — promtool parses each one (as a
 * recording rule: `promtool check rules`); test/monitoring/monitoring.itest.ts runs them against a Prometheus.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { dashboardJson, dashboardPanels, TARGET_VARIABLE } from '../../src/monitoring/dashboard.js';
import { tempDir } from '../helpers/testenv.js';

const config = parseConfig(
  `app: shop
compose: compose.yml
proxy: { service: web, port: 8080, domains: [shop.example.com, "*.shop.example.com"] }
targets:
  prod: { hosts: ["deploy@203.0.113.10"], dir: /srv/shop }
`,
  '/p/gangway.yml',
);

test('every query parses (promtool check rules); $target is the only variable', () => {
  const exprs = dashboardPanels(config).flatMap((p) => p.queries.map((q) => q.expr));
  for (const e of exprs) assert.equal(e.replaceAll(TARGET_VARIABLE, '').includes('$'), false, e);
  const rules = exprs.map((e, i) => ({ record: `gangway:panel_${i}`, expr: e.replaceAll(TARGET_VARIABLE, 'prod') }));
  const dir = tempDir('gangway-dashboard-');
  writeFileSync(join(dir, 'panels.yml'), stringify({ groups: [{ name: 'panels', rules }] }));
  const r = spawnSync('promtool', ['check', 'rules', 'panels.yml'], { cwd: dir, encoding: 'utf8' });
  if (r.error) assert.fail(`promtool is missing (scripts/test-env.sh installs it): ${r.error.message}`);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test("the plan's panels, the app's proxy requests picked by its domains, one Grafana JSON", () => {
  const titles = dashboardPanels(config).map((p) => p.title);
  for (const want of [
    /Deploys/,
    /last good deploy/,
    /Health-gate/,
    /Bytes delivered/,
    /Requests per second/,
    /5xx/,
    /p99/,
    /Age of the newest good backup/,
    /Size of the newest good backup/,
    /Disk/,
    /Memory/,
    /CPU/,
  ])
    assert.ok(
      titles.some((t) => want.test(t)),
      `${want}: ${titles.join(', ')}`,
    );
  const json = JSON.parse(dashboardJson(config)) as {
    uid: string;
    panels: { gridPos: object; targets: { expr: string }[] }[];
    templating: { list: { name: string }[] };
  };
  assert.equal(json.uid, 'gangway-shop');
  assert.deepEqual(
    json.templating.list.map((v) => v.name),
    ['datasource', 'target'],
  );
  const requests = json.panels.flatMap((p) => p.targets).find((t) => t.expr.includes('caddy_http'))!.expr;
  assert.ok(
    requests.includes('host=~"((shop\\\\.example\\\\.com|[^.]+\\\\.shop\\\\.example\\\\.com)(:[0-9]+)?)?"'),
    requests,
  );
});
