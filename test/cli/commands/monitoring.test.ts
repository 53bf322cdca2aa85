/**
 * `gangway monitoring rules|dashboard` as SPEC.md writes them (no target) on a gangway.yml with several targets:
 * one rules file with a group per target, which Prometheus's own promtool accepts; one dashboard whose target
 * variable picks among them. With a target named, the rules are that target's alone. And `monitoring scrape` as a
 * user runs it (offline: gangway.yml only).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { parse } from 'yaml';
import { gangway } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/testenv.js';

let dir: string;

before(() => {
  dir = tempDir('gangway-monitoring-cli-');
  writeFileSync(
    join(dir, 'gangway.yml'),
    `app: shop
compose: docker-compose.yml
proxy: { service: web, port: 8080, domains: [shop.example.com], metrics: "127.0.0.1:2020" }
monitoring:
  alerts:
    http_5xx_ratio: 12%
    cpu_used: { above: 70%, for: 10m }
targets:
  prod: { hosts: ["deploy@127.0.0.1:1"], dir: /srv/shop }
  staging: { hosts: ["deploy@127.0.0.1:1"], dir: /srv/shop-staging }
`,
  );
});

interface RuleGroup {
  name: string;
  rules: { alert: string; expr: string; for: string; labels: Record<string, string> }[];
}

function promtoolCheck(file: string): void {
  const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
  if (r.error) assert.fail(`promtool is missing (scripts/test-env.sh installs it): ${r.error.message}`);
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
}

test('monitoring rules without a target, several targets: one file, a group per target, promtool-valid', () => {
  const r = gangway(['monitoring', 'rules', '--out', 'rules.yml'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const file = join(dir, 'rules.yml');
  promtoolCheck(file);
  const { groups } = parse(readFileSync(file, 'utf8')) as { groups: RuleGroup[] };
  assert.deepEqual(
    groups.map((g) => g.name),
    ['gangway-shop-prod', 'gangway-shop-staging'],
  );
  for (const g of groups) {
    const target = g.name.replace('gangway-shop-', '');
    assert.equal(g.rules.length, 8);
    assert.ok(g.rules.every((rule) => rule.labels.target === target && rule.expr.includes(`"${target}"`)));
    // the short form's thresholds (SPEC.md) are the rules'
    assert.match(g.rules.find((rule) => rule.alert === 'GangwayHighErrorRate')!.expr, / > 12$/);
    const cpu = g.rules.find((rule) => rule.alert === 'GangwayHighCpu')!;
    assert.deepEqual([cpu.expr.endsWith(' > 70'), cpu.for], [true, '10m']);
  }
  const json = gangway(['monitoring', 'rules', '--json'], { cwd: dir });
  assert.equal(json.code, 0, json.stderr);
  const result = JSON.parse(json.stdout) as { targets: string[]; alerts: { target: string }[] };
  assert.deepEqual(result.targets, ['prod', 'staging']);
  assert.equal(result.alerts.filter((a) => a.target === 'staging').length, 8);
});

test('monitoring rules with a target: that target alone', () => {
  const r = gangway(['monitoring', 'rules', 'staging'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const { groups } = parse(r.stdout) as { groups: RuleGroup[] };
  assert.deepEqual(
    groups.map((g) => g.name),
    ['gangway-shop-staging'],
  );
  const unknown = gangway(['monitoring', 'rules', 'nope'], { cwd: dir });
  assert.equal(unknown.code, 2, unknown.stderr);
});

test('monitoring dashboard, several targets: one dashboard, its target variable offers them all', () => {
  const r = gangway(['monitoring', 'dashboard', '--out', 'dashboard.json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const dashboard = JSON.parse(readFileSync(join(dir, 'dashboard.json'), 'utf8')) as {
    templating: { list: { name: string; includeAll?: boolean; multi?: boolean }[] };
    panels: { targets: { expr: string }[] }[];
  };
  const variable = dashboard.templating.list.find((v) => v.name === 'target');
  assert.deepEqual([variable?.includeAll, variable?.multi], [true, true]);
  assert.ok(dashboard.panels.flatMap((p) => p.targets).every((t) => t.expr.includes('gangway_target=~"$target"')));
});

test('scrape with proxy.metrics on loopback and two hosts: no 127.0.0.1 target, a warning on stderr', () => {
  const dir = tempDir('gangway-scrape-');
  writeFileSync(join(dir, 'compose.yml'), 'services:\n  web:\n    image: acme/web:${IMAGE_TAG}\n');
  writeFileSync(
    join(dir, 'gangway.yml'),
    'app: shop\ncompose: compose.yml\nproxy: { service: web, port: 8080, metrics: "127.0.0.1:2020" }\n' +
      'targets:\n  prod: { hosts: ["deploy@203.0.113.10", "web2"], dir: /srv/shop }\n',
  );
  const r = gangway(['monitoring', 'scrape', 'prod'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /^\s+- 127\.0\.0\.1:2020$/m, 'no target a central Prometheus would take for itself');
  assert.match(r.stdout, /203\.0\.113\.10:9100/, 'the node_exporter jobs stay');
  assert.match(r.stderr, /proxy\.metrics 127\.0\.0\.1:2020 is loopback: reachable only on each host/);
});
