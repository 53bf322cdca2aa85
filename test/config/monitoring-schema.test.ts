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

test('proxy.metrics: an address and port, never every interface, never the public listen port', () => {
  const proxy = (m: string) => `proxy: { service: web, port: 8080, metrics: "${m}" }\n`;
  assert.deepEqual(problems(proxy('127.0.0.1:2020')), []);
  assert.deepEqual(problems(proxy('[::1]:2020')), []);
  assert.match(problems(proxy('0.0.0.0:2020')).join('\n'), /proxy\.metrics: must not be 0\.0\.0\.0/);
  assert.match(problems(proxy('127.0.0.1:80')).join('\n'), /proxy\.metrics: must not be the port of proxy\.listen/);
  assert.match(problems(proxy('localhost:2020')).join('\n'), /proxy\.metrics: must be an IP address and a port/);
  assert.equal(parseConfig(BASE + proxy('10.0.0.5:2020'), '/p/gangway.yml').proxy?.metrics, '10.0.0.5:2020');
});
