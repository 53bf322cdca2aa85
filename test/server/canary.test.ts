/**
 * canary.sh under the local sh: the judge (figures → go / stop + why / wait), the figures of one interval read
 * from a Caddy access log (the proxy container stubbed), and the proxy config with the access log on, validated
 * by Debian's real Caddy 2.6 when it is installed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { appRouteFiles } from '../../src/proxy/caddy-route.js';
import { tempDir } from '../helpers/testenv.js';
import { proxySettings } from '../helpers/proxy-settings.js';

const SH = new URL('../../src/server/sh/', import.meta.url).pathname;
const LIMITS = { CANARY_MAX_ERR: '1', CANARY_MAX_P99: '800', CANARY_MIN: '50' };

function sh(script: string, env: Record<string, string> = {}, pre = ''): string {
  const r = spawnSync('sh', ['-c', `REL=${SH}; G=/nonexistent; ${pre}. ${SH}bluegreen.sh\n${script}`], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...LIMITS, ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/** The verdict on: new requests, new 5xx, new p99 (ms), old requests, old 5xx, old p99. */
const judge = (...f: number[]) => sh(`canary_judge ${f.join(' ')}`);

test('judge: a new colour within the limits and like the old one goes on', () => {
  assert.match(judge(100, 0, 120, 900, 1, 100), /^go new: 100 requests, 0\.00% 5xx, p99 120ms; old: 900/);
  // Exactly at the limits passes: a limit fails only when exceeded.
  assert.match(judge(100, 1, 800, 900, 9, 700), /^go /);
});

test('judge: above max_error_rate or max_p99 stops, saying which figure and the limit', () => {
  assert.match(judge(100, 10, 50, 900, 0, 50), /^stop error rate 10\.00% above max_error_rate 1% \(new: 100/);
  assert.match(judge(100, 0, 1200, 900, 0, 50), /^stop p99 1200ms above max_p99 800ms/);
});

test('judge: much worse than the old colour stops even under the limits', () => {
  // 0.8% where the old has 0.1%: over twice, and 0.7 points above (at least half of the 1% limit).
  assert.match(judge(1000, 8, 50, 1000, 1, 50), /^stop error rate 0\.80% much worse than the old colour's 0\.10%/);
  // 700ms where the old answers in 100ms: over twice, and 600ms above (at least half of 800ms).
  assert.match(judge(100, 0, 700, 900, 0, 100), /^stop p99 700ms much worse than the old colour's 100ms/);
  // Twice as bad but by less than half the limit: noise, not a regression.
  assert.match(judge(1000, 2, 300, 1000, 1, 140), /^go /);
  // The old colour with too few requests of its own is no yardstick.
  assert.match(judge(100, 0, 700, 10, 0, 100), /^go /);
});

test('judge: too few requests on the new colour waits, whatever its figures', () => {
  assert.match(judge(49, 40, 5000, 900, 0, 50), /^wait only 49 of 50 requests on the new colour/);
  assert.match(judge(0, 0, 0, 0, 0, 0), /^wait only 0 of 50/);
});

test('figures: per colour of this app, from the interval on, nearest-rank p99 and 5xx', () => {
  const dir = tempDir('gangway-canary-');
  const line = (ts: number, up: string, dur: number, status: number) =>
    JSON.stringify({
      level: 'info',
      ts,
      logger: 'http.log.access',
      duration: dur,
      status,
      resp_headers: {
        Server: ['Caddy'],
        'Gangway-Upstream': [up],
      },
    });
  const lines = [line(999, 'gangway-shop-green:8080', 9, 500)]; // before the interval
  for (let i = 1; i <= 100; i++)
    lines.push(line(1000 + i / 100, 'gangway-shop-green:8080', i / 1000, i <= 3 ? 502 : 200));
  for (let i = 1; i <= 10; i++) lines.push(line(1001, 'gangway-shop-blue:8080', 2e-5, 200));
  lines.push(line(1001, 'gangway-other-green:8080', 5, 500)); // another app on the same proxy
  lines.push('{"level":"info","ts":1001,"status":500}'); // not through a canary route
  writeFileSync(join(dir, 'access.log'), `${lines.join('\n')}\n`);
  // The proxy container stubbed: `docker exec gangway-proxy cat FILE` reads the fixture.
  const stub = `docker() { shift 2; [ "$1" = cat ] && cat ${dir}/access.log; }\n`;
  const out = sh(`APP=shop; NEW_COLOUR=green; OLD_COLOUR=blue; REL=${dir}; canary_figures 1000 0`, {}, stub);
  // green: 100 requests, 3 errors, p99 = the 99th of 1..100 ms; blue: 10 requests in ~0ms.
  assert.equal(out, '100 3 99 10 0 0');
});

test('proxy config: the access log is on while a route has canary routes, and Caddy 2.6 takes it', () => {
  const conf = tempDir('gangway-canary-conf-');
  for (const d of ['routes/http', 'routes/https', 'tls']) mkdirSync(join(conf, d), { recursive: true });
  const proxy = proxySettings();
  writeFileSync(join(conf, 'routes/http/90-shop.json'), appRouteFiles('shop', proxy).route);
  const env = { PROXY_HTTP: '19602', PROXY_HTTPS: '19603' };
  const plain = JSON.parse(sh(`CONF=${conf}; proxy_config`, env)) as { logging?: object };
  assert.equal(plain.logging, undefined);
  const canary = { steps: [5, 25, 50], intervalMs: 30_000, maxErrorRate: 1, maxP99Ms: 800, minRequests: 50 };
  writeFileSync(join(conf, 'routes/http/90-shop.json'), appRouteFiles('shop', { ...proxy, canary }).route);
  const text = sh(`CONF=${conf}; proxy_config`, env);
  const config = JSON.parse(text) as { logging: { logs: Record<string, { include?: string[] }> } };
  assert.deepEqual(config.logging.logs['gangway-access']?.include, ['http.log.access']);
  if (existsSync('/usr/bin/caddy')) {
    writeFileSync(join(conf, 'caddy.json'), text);
    const v = spawnSync('/usr/bin/caddy', ['validate', '--config', join(conf, 'caddy.json')], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stdout + v.stderr);
  }
});

test("putting the previous release back clears this app's canary: a dead apply's marker must not split traffic", () => {
  const conf = tempDir('gangway-canary-clear-');
  mkdirSync(join(conf, 'live'), { recursive: true });
  mkdirSync(join(conf, 'state'), { recursive: true });
  for (const m of ['shop.blue', 'shop.canary-green-25', 'other.canary-green-25'])
    writeFileSync(join(conf, 'live', m), '');
  for (const f of ['canary', 'canary.end']) writeFileSync(join(conf, 'state', f), '{}');
  sh(`APP=shop; CONF=${conf}; STATE_DIR=${conf}/state; set -f; canary_clear`, { CANARY_STEPS: '5\n25\n50' });
  assert.deepEqual(readdirSync(join(conf, 'live')).sort(), ['other.canary-green-25', 'shop.blue']);
  assert.deepEqual(readdirSync(join(conf, 'state')), []);
});
