import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const BASE = `app: shop
compose: compose.yml
targets:
  prod: { hosts: ["deploy@203.0.113.10"], dir: /srv/shop }
`;

function problems(extra: string): string[] {
  try {
    parseConfig(BASE + extra, '/p/gangway.yml');
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems.map((p) => `${p.line}: ${p.key}: ${p.message}`);
  }
  return [];
}

test("monitoring.alerts defaults are the plan's numbers", () => {
  const a = parseConfig(BASE, '/p/gangway.yml').monitoring.alerts;
  assert.deepEqual(
    [a.error_rate.percent, a.disk.percent, a.memory.percent, a.response_time.seconds, a.cpu.percent],
    [5, 90, 95, 3, 80],
  );
  assert.deepEqual([a.response_time.for, a.cpu.for, a.database_down.metric], ['15m', '15m', 'pg_up']);
  assert.ok(Object.values(a).every((x) => x.enabled));
});

test('bad alert settings are located errors', () => {
  assert.match(problems('monitoring:\n  alerts:\n    cpu: { percent: 120 }\n').join('\n'), /^7: .*cpu\.percent/m);
  assert.match(problems('monitoring:\n  alerts:\n    disk: { for: 2d }\n').join('\n'), /disk\.for.*duration/);
  assert.match(problems('monitoring:\n  alerts:\n    pcu: {}\n').join('\n'), /pcu/);
});

test("monitoring.alerts as SPEC.md writes it: the plan's defaults", () => {
  const spec = `monitoring:
  alerts:
    http_5xx_ratio: 5%
    disk_used: 90%
    memory_used: 95%
    response_p99: 3s
    cpu_used: { above: 80%, for: 15m }
`;
  assert.deepEqual(problems(spec), []);
  assert.deepEqual(
    parseConfig(BASE + spec, '/p/gangway.yml').monitoring,
    parseConfig(BASE, '/p/gangway.yml').monitoring,
  );
});

test('the short form sets thresholds (a percentage, a number of percent, a duration) and for:', () => {
  const a = parseConfig(
    BASE +
      `monitoring:
  alerts:
    http_5xx_ratio: 2.5%
    disk_used: 85
    memory_used: { above: 97%, for: 2m }
    response_p99: 1500ms
    cpu_used: { above: 70%, for: 10m }
`,
    '/p/gangway.yml',
  ).monitoring.alerts;
  assert.deepEqual(
    [a.error_rate.percent, a.disk.percent, a.memory.percent, a.response_time.seconds, a.cpu.percent],
    [2.5, 85, 97, 1.5, 70],
  );
  assert.deepEqual([a.error_rate.for, a.memory.for, a.cpu.for], ['5m', '2m', '10m']);
  const off = parseConfig(BASE + 'monitoring:\n  alerts:\n    cpu_used: { enabled: false }\n', '/p/gangway.yml');
  assert.equal(off.monitoring.alerts.cpu.enabled, false);
});

test('the long form still works; one alert in both forms is a located error', () => {
  const a = parseConfig(BASE + 'monitoring:\n  alerts:\n    disk: { percent: 80 }\n', '/p/gangway.yml');
  assert.equal(a.monitoring.alerts.disk.percent, 80);
  assert.deepEqual(problems('monitoring:\n  alerts:\n    disk: { percent: 80 }\n    disk_used: 85%\n'), [
    '8: monitoring.alerts.disk_used: is also set as monitoring.alerts.disk: keep one (disk_used is its short form)',
  ]);
});

test('bad short-form values are located errors naming the key', () => {
  const bad = (key: string, value: string) => problems(`monitoring:\n  alerts:\n    ${key}: ${value}\n`).join('\n');
  assert.match(bad('http_5xx_ratio', '5 %'), /^7: monitoring\.alerts\.http_5xx_ratio: must be a percentage such as 5%/);
  assert.match(bad('disk_used', '120%'), /^7: monitoring\.alerts\.disk_used: must be at most 100%/);
  assert.match(bad('memory_used', '0'), /^7: monitoring\.alerts\.memory_used: must be above 0%/);
  assert.match(bad('memory_used', 'true'), /^7: monitoring\.alerts\.memory_used: must be a percentage such as 5%/);
  assert.match(
    bad('response_p99', '3'),
    /^7: monitoring\.alerts\.response_p99: must be a duration such as 3s or 800ms/,
  );
  assert.match(bad('response_p99', '0s'), /^7: monitoring\.alerts\.response_p99: must be at least 1ms/);
  assert.match(bad('cpu_used', '{ above: 80%, for: 2d }'), /^7: monitoring\.alerts\.cpu_used\.for: must be a duration/);
  assert.match(
    bad('cpu_used', '{ abve: 80% }'),
    /^7: monitoring\.alerts\.cpu_used\.abve: unknown key; did you mean "above"/,
  );
});

test('proxy.metrics: an address and port, never every interface, never the public listen port', () => {
  const proxy = (m: string) => `proxy: { service: web, port: 8080, metrics: "${m}" }\n`;
  assert.deepEqual(problems(proxy('127.0.0.1:2020')), []);
  assert.deepEqual(problems(proxy('[::1]:2020')), []);
  assert.match(problems(proxy('0.0.0.0:2020')).join('\n'), /proxy\.metrics: must not be 0\.0\.0\.0/);
  assert.match(problems(proxy('127.0.0.1:80')).join('\n'), /proxy\.metrics: must not be the port of proxy\.listen/);
  assert.match(problems(proxy('localhost:2020')).join('\n'), /proxy\.metrics: must be an IP address and a port/);
  assert.equal(parseConfig(BASE + proxy('10.0.0.5:2020'), '/p/gangway.yml').proxy?.metrics, '10.0.0.5:2020');
});
