/**
 * The generated rules, checked by Prometheus's own promtool (scripts/test-env.sh installs it): `check rules`, and
 * `test rules` with synthetic series where host h1 meets each alert's condition and host h2 does not — so each
 * alert is shown firing (h1, with its labels and summary) and not firing (h2, and before its `for:` elapsed).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { alertRules, alertRulesFile } from '../../src/monitoring/alert-rules.js';
import { tempDir } from '../helpers/testenv.js';

const CONFIG = `app: shop
compose: compose.yml
proxy: { service: web, port: 8080, domains: [shop.example.com], metrics: "127.0.0.1:2020" }
targets:
  prod: { hosts: ["deploy@203.0.113.10"], dir: /srv/shop }
`;

function promtool(args: string[], cwd: string): { code: number; out: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if (r.error) assert.fail(`promtool is missing (scripts/test-env.sh installs it): ${r.error.message}`);
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

const scope = (host: string) => `gangway_app="shop",gangway_target="prod",gangway_host="${host}"`;
const series = (name: string, labels: string, values: string) => ({ series: `${name}{${labels}}`, values });
const labelsOf = (severity: string, alertname: string, extra: Record<string, string>) => ({
  alertname,
  severity,
  app: 'shop',
  target: 'prod',
  ...extra,
});

/** Proxy series of one host: Caddy's labels (server, handler, code, host), gangway's scrape labels. */
const caddy = (host: string, extra: string) =>
  `${scope(host)},server="gangway-https",handler="subroute",method="GET",host="shop.example.com",${extra}`;

const INPUT = [
  // 5xx: h1 10% of the app's requests, h2 1% (plus another app's failures and a second handler's count of the
  // same requests, which must not count).
  series('caddy_http_request_duration_seconds_count', caddy('h1', 'code="200"'), '0+90x30'),
  series('caddy_http_request_duration_seconds_count', caddy('h1', 'code="500"'), '0+10x30'),
  series('caddy_http_request_duration_seconds_count', caddy('h2', 'code="200"'), '0+99x30'),
  series('caddy_http_request_duration_seconds_count', caddy('h2', 'code="500"'), '0+1x30'),
  series(
    'caddy_http_request_duration_seconds_count',
    caddy('h2', 'code="500"').replace('shop.example.com', 'other.example.com'),
    '0+500x30',
  ),
  series(
    'caddy_http_request_duration_seconds_count',
    caddy('h2', 'code="502"').replace('"subroute"', '"reverse_proxy"'),
    '0+500x30',
  ),
  // p99: h1's requests take 1-5 s, h2's under 0.5 s.
  ...['0.5', '1', '5', '+Inf'].flatMap((le) => [
    series(
      'caddy_http_request_duration_seconds_bucket',
      caddy('h1', `code="200",le="${le}"`),
      le === '0.5' || le === '1' ? '0x30' : '0+60x30',
    ),
    series('caddy_http_request_duration_seconds_bucket', caddy('h2', `code="200",le="${le}"`), '0+60x30'),
  ]),
  series('pg_up', scope('h1'), '0x30'),
  series('pg_up', scope('h2'), '1x30'),
  series('node_filesystem_avail_bytes', `${scope('h1')},mountpoint="/",fstype="ext4"`, '5x30'),
  series('node_filesystem_size_bytes', `${scope('h1')},mountpoint="/",fstype="ext4"`, '100x30'),
  series('node_filesystem_avail_bytes', `${scope('h2')},mountpoint="/",fstype="ext4"`, '50x30'),
  series('node_filesystem_size_bytes', `${scope('h2')},mountpoint="/",fstype="ext4"`, '100x30'),
  series('node_filesystem_avail_bytes', `${scope('h2')},mountpoint="/run",fstype="tmpfs"`, '1x30'),
  series('node_filesystem_size_bytes', `${scope('h2')},mountpoint="/run",fstype="tmpfs"`, '100x30'),
  series('node_memory_MemAvailable_bytes', scope('h1'), '3x30'),
  series('node_memory_MemTotal_bytes', scope('h1'), '100x30'),
  series('node_memory_MemAvailable_bytes', scope('h2'), '50x30'),
  series('node_memory_MemTotal_bytes', scope('h2'), '100x30'),
  // idle seconds per minute: h1 6 (90% busy), h2 54 (10% busy)
  series('node_cpu_seconds_total', `${scope('h1')},cpu="0",mode="idle"`, '0+6x30'),
  series('node_cpu_seconds_total', `${scope('h2')},cpu="0",mode="idle"`, '0+54x30'),
  series('gangway_backup_last_success', `${scope('h1')},app="shop",backup="db"`, '0x30'),
  series('gangway_backup_last_success', `${scope('h2')},app="shop",backup="db"`, '1x30'),
  series('gangway_last_deploy_success', `${scope('h1')},app="shop"`, '0x30'),
  series('gangway_last_deploy_success', `${scope('h2')},app="shop"`, '1x30'),
];

const h1 = { gangway_host: 'h1' };
const full = (extra: Record<string, string>) => ({ gangway_app: 'shop', gangway_target: 'prod', ...h1, ...extra });

/** Each alert: when it must fire on h1 alone (its `for:` elapsed), and a time before that when nothing fires. */
const EXPECT = [
  {
    alertname: 'GangwayHighErrorRate',
    quiet: '3m',
    at: '12m',
    labels: labelsOf('critical', 'GangwayHighErrorRate', h1),
    summary: 'shop (prod) on h1: 10.0% of requests answer HTTP 5xx',
  },
  {
    alertname: 'GangwayDatabaseDown',
    quiet: '30s',
    at: '5m',
    labels: labelsOf('critical', 'GangwayDatabaseDown', h1),
    summary: 'shop (prod) on h1: the database does not accept connections',
  },
  {
    alertname: 'GangwayDiskFull',
    quiet: '4m',
    at: '6m',
    labels: labelsOf('critical', 'GangwayDiskFull', full({ mountpoint: '/', fstype: 'ext4' })),
    summary: 'shop (prod) on h1: / is 95% full',
  },
  {
    alertname: 'GangwayMemoryFull',
    quiet: '4m',
    at: '6m',
    labels: labelsOf('critical', 'GangwayMemoryFull', full({})),
    summary: 'shop (prod) on h1: 97% of memory is in use',
  },
  {
    alertname: 'GangwaySlowResponses',
    quiet: '10m',
    at: '20m',
    labels: labelsOf('warning', 'GangwaySlowResponses', h1),
    summary: 'shop (prod) on h1: p99 response time is 4.96s',
  },
  {
    alertname: 'GangwayHighCpu',
    quiet: '10m',
    at: '20m',
    labels: labelsOf('warning', 'GangwayHighCpu', h1),
    summary: 'shop (prod) on h1: CPU is 90% busy',
  },
  {
    alertname: 'GangwayBackupFailed',
    at: '1m',
    labels: labelsOf('warning', 'GangwayBackupFailed', full({ backup: 'db' })),
    summary: 'shop (prod) on h1: the newest run of backup db failed',
  },
  {
    alertname: 'GangwayDeployFailed',
    at: '1m',
    labels: labelsOf('warning', 'GangwayDeployFailed', full({})),
    summary: 'shop (prod) on h1: the last deploy failed its health gate or was rolled back',
  },
];

function runPromtool(configText: string, cases: unknown[], targets = ['prod']): { code: number; out: string } {
  const dir = tempDir('gangway-rules-');
  const config = parseConfig(configText, join(dir, 'gangway.yml'));
  writeFileSync(join(dir, 'rules.yml'), alertRulesFile(config, ...targets));
  const check = promtool(['check', 'rules', 'rules.yml'], dir);
  assert.equal(check.code, 0, check.out);
  const tests = [{ interval: '1m', input_series: INPUT, alert_rule_test: cases }];
  writeFileSync(join(dir, 'test.yml'), stringify({ rule_files: ['rules.yml'], evaluation_interval: '1m', tests }));
  return promtool(['test', 'rules', 'test.yml'], dir);
}

test('every alert of the plan passes promtool check rules and fires on h1 only, after its for:', () => {
  const description = Object.fromEntries(
    alertRules(parseConfig(CONFIG, '/p/gangway.yml'), 'prod').map((r) => [r.alert, r.annotations.description]),
  );
  assert.equal(Object.keys(description).length, EXPECT.length);
  const cases = EXPECT.flatMap((e) => [
    ...(e.quiet ? [{ eval_time: e.quiet, alertname: e.alertname, exp_alerts: [] }] : []),
    {
      eval_time: e.at,
      alertname: e.alertname,
      exp_alerts: [
        { exp_labels: e.labels, exp_annotations: { summary: e.summary, description: description[e.alertname] } },
      ],
    },
  ]);
  const r = runPromtool(CONFIG, cases);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /SUCCESS/);
});

test('thresholds and for: come from monitoring.alerts; a disabled alert is left out', () => {
  const config = `${CONFIG}monitoring:
  alerts:
    memory: { percent: 98 }
    disk: { percent: 94, for: 10m }
    cpu: { enabled: false }
`;
  const rules = alertRules(parseConfig(config, '/p/gangway.yml'), 'prod');
  assert.equal(
    rules.find((r) => r.alert === 'GangwayHighCpu'),
    undefined,
  );
  assert.equal(rules.find((r) => r.alert === 'GangwayDiskFull')?.for, '10m');
  const r = runPromtool(config, [
    // h1 uses 97% of its memory: under 98, no alert; its disk is 95% full (over 94) but only after 10m
    { eval_time: '20m', alertname: 'GangwayMemoryFull', exp_alerts: [] },
    { eval_time: '8m', alertname: 'GangwayDiskFull', exp_alerts: [] },
  ]);
  assert.equal(r.code, 0, r.out);
  // The same series at 11m: the disk alert fires (a failing expectation proves the case above is not vacuous).
  const fires = runPromtool(config, [{ eval_time: '11m', alertname: 'GangwayDiskFull', exp_alerts: [] }]);
  assert.notEqual(fires.code, 0, fires.out);
  assert.match(fires.out, /GangwayDiskFull/);
});

test('a summary names the app, the target and the host; rules carry severity, app and target labels', () => {
  const rules = alertRules(parseConfig(CONFIG, '/p/gangway.yml'), 'prod');
  for (const r of rules) {
    assert.match(r.annotations.summary, /^shop \(prod\) on \{\{ \$labels\.gangway_host \}\}: /, r.alert);
    assert.ok(['critical', 'warning'].includes(r.labels.severity!), r.alert);
    assert.deepEqual([r.labels.app, r.labels.target], ['shop', 'prod']);
  }
});

test('the short form of monitoring.alerts (SPEC.md) sets the thresholds the rules use', () => {
  const config = `${CONFIG}monitoring:
  alerts:
    http_5xx_ratio: 12%
    disk_used: 94%
    memory_used: 98
    response_p99: 6s
    cpu_used: { above: 95%, for: 10m }
`;
  const rules = Object.fromEntries(alertRules(parseConfig(config, '/p/gangway.yml'), 'prod').map((r) => [r.alert, r]));
  assert.match(rules.GangwayHighErrorRate!.expr, / > 12$/);
  assert.match(rules.GangwayDiskFull!.expr, / > 94$/);
  assert.match(rules.GangwayMemoryFull!.expr, / > 98$/);
  assert.match(rules.GangwaySlowResponses!.expr, / > 6$/);
  assert.match(rules.GangwayHighCpu!.expr, / > 95$/);
  assert.equal(rules.GangwayHighCpu!.for, '10m');
  // h1: 10% 5xx, 97% memory, p99 4.96s, 90% CPU — each under its threshold here: nothing fires
  const quiet = ['GangwayHighErrorRate', 'GangwayMemoryFull', 'GangwaySlowResponses', 'GangwayHighCpu'];
  const r = runPromtool(config, [...quiet.map((alertname) => ({ eval_time: '25m', alertname, exp_alerts: [] }))]);
  assert.equal(r.code, 0, r.out);
});

test("several targets in one file: each target's group fires on its own series only", () => {
  const config = CONFIG.replace(
    'targets:\n',
    'targets:\n  staging: { hosts: ["deploy@203.0.113.20"], dir: /srv/shop }\n',
  );
  const cpu = alertRules(parseConfig(config, '/p/gangway.yml'), 'prod').find((r) => r.alert === 'GangwayHighCpu')!;
  // The series are prod's: the staging group's rule must not fire on them, so the alert is there once, not twice.
  const r = runPromtool(
    config,
    [
      {
        eval_time: '20m',
        alertname: 'GangwayHighCpu',
        exp_alerts: [
          {
            exp_labels: labelsOf('warning', 'GangwayHighCpu', h1),
            exp_annotations: {
              summary: 'shop (prod) on h1: CPU is 90% busy',
              description: cpu.annotations.description,
            },
          },
        ],
      },
    ],
    ['prod', 'staging'],
  );
  assert.equal(r.code, 0, r.out);
});
