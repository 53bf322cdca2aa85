import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const BASE = `app: shop
compose: compose.yml
targets:
  prod: { hosts: ["deploy@203.0.113.10"], dir: /srv/shop }
proxy:
  service: web
  port: 8080
`;

function problems(extra: string): string[] {
  try {
    parseConfig(BASE + extra, '/p/gangway.yml');
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems.map((p) => `${p.file}:${p.line}: ${p.key}: ${p.message}`);
  }
  return [];
}

test('proxy.canary is off by default', () => {
  assert.equal(parseConfig(BASE, '/p/gangway.yml').proxy?.canary, undefined);
});

test("proxy.canary: {} takes the issue's defaults, in ms and percent", () => {
  const c = parseConfig(`${BASE}  canary: {}\n`, '/p/gangway.yml').proxy?.canary;
  assert.deepEqual(c, { steps: [5, 25, 50], intervalMs: 30_000, maxErrorRate: 1, maxP99Ms: 800, minRequests: 50 });
  const d = parseConfig(`${BASE}  canary: { max_error_rate: 0.5%, interval: 2s, steps: [20] }\n`, '/p/gangway.yml');
  assert.deepEqual(
    [d.proxy?.canary?.maxErrorRate, d.proxy?.canary?.intervalMs, d.proxy?.canary?.steps],
    [0.5, 2000, [20]],
  );
  const n = parseConfig(`${BASE}  canary: { max_error_rate: 2 }\n`, '/p/gangway.yml');
  assert.equal(n.proxy?.canary?.maxErrorRate, 2);
});

test('bad proxy.canary settings are errors naming the file, line and key', () => {
  const at = (yaml: string) => problems(`  canary:\n${yaml}`).join('\n');
  assert.match(at('    steps: [25, 5]\n'), /gangway\.yml:9: proxy\.canary\.steps: must go up/);
  assert.match(at('    steps: [0, 100]\n'), /proxy\.canary\.steps\[0\]: must be at least 1/);
  assert.match(at('    max_error_rate: lots\n'), /gangway\.yml:9: proxy\.canary\.max_error_rate: .*percentage/);
  assert.match(at('    max_error_rate: 120%\n'), /proxy\.canary\.max_error_rate: must be at most 100%/);
  assert.match(at('    interval: 500ms\n'), /proxy\.canary\.interval: must be at least 1s/);
  assert.match(at('    max_p99: fast\n'), /proxy\.canary\.max_p99: must be a duration/);
  assert.match(at('    min_requests: 0\n'), /proxy\.canary\.min_requests/);
  assert.match(at('    stpes: [5]\n'), /stpes/);
});
