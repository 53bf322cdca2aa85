/** `gangway status --format prometheus`: one sample per host and fact; a fact not known has no sample, not 0. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatExposition, parseExposition } from '../../src/metrics/exposition.js';
import type { ServiceState } from '../../src/operate/inspect.js';
import { statusFamilies, type StatusForGauges } from '../../src/status/prometheus-gauges.js';

const service = (name: string, state: string, health: string, restarts = 0): ServiceState => ({
  service: name,
  container: `shop-${name}-1`,
  state,
  health,
  restarts,
  fatalLines: 0,
});

const GO: StatusForGauges = {
  host: 'deploy@a',
  verdict: 'GO',
  reasons: [],
  warnings: ['web restarted 2 times'],
  services: [
    service('web', 'running', 'healthy', 2),
    service('worker', 'running', ''),
    service('db', 'running', 'starting'),
    service('cron', 'exited', ''),
    service('api', 'running', 'unhealthy'),
  ],
  endpoints: [
    { url: 'http://localhost:8080/health', ok: true },
    { url: 'http://localhost:8080/smoke', ok: false },
  ],
  disk: { freePercent: 42.1875 },
  locked: false,
  drifted: false,
};

const NO_GO: StatusForGauges = {
  host: 'deploy@b',
  verdict: 'NO-GO',
  reasons: ['web is unhealthy', 'the deploy lock is held'],
  warnings: [],
  services: [],
  endpoints: [],
  lock: 'held by ci@runner',
  locked: true,
  drifted: true,
};

/** The value of `name` with these labels (app and target implied), or undefined when there is no such sample. */
function value(hosts: StatusForGauges[], name: string, labels: Record<string, string>): number | undefined {
  const family = statusFamilies('shop', 'prod', hosts).find((f) => f.name === name);
  assert.ok(family, name);
  const want = { app: 'shop', target: 'prod', ...labels };
  return family.samples.find((s) => JSON.stringify(Object.fromEntries(s.labels)) === JSON.stringify(want))?.value;
}

test('GO and NO-GO, how many reasons and warnings, per host', () => {
  const hosts = [GO, NO_GO];
  assert.equal(value(hosts, 'gangway_status_go', { host: 'deploy@a' }), 1);
  assert.equal(value(hosts, 'gangway_status_go', { host: 'deploy@b' }), 0);
  assert.equal(value(hosts, 'gangway_status_no_go_reasons', { host: 'deploy@b' }), 2);
  assert.equal(value(hosts, 'gangway_status_no_go_reasons', { host: 'deploy@a' }), 0);
  assert.equal(value(hosts, 'gangway_status_warnings', { host: 'deploy@a' }), 1);
});

test('a service is up when running and neither unhealthy nor starting; its restarts are counted', () => {
  const up = (s: string) => value([GO], 'gangway_status_service_up', { host: 'deploy@a', service: s });
  assert.deepEqual(['web', 'worker', 'db', 'cron', 'api'].map(up), [1, 1, 0, 0, 0]);
  assert.equal(value([GO], 'gangway_status_service_restarts', { host: 'deploy@a', service: 'web' }), 2);
});

test('endpoints by URL; disk free as a 0-1 ratio rounded to 0.1 %', () => {
  const url = (u: string) => value([GO], 'gangway_status_endpoint_up', { host: 'deploy@a', url: u });
  assert.equal(url('http://localhost:8080/health'), 1);
  assert.equal(url('http://localhost:8080/smoke'), 0);
  assert.equal(value([GO], 'gangway_status_disk_free_ratio', { host: 'deploy@a' }), 0.422);
});

test('lock and drift: 1 or 0 when known; no sample when the host could not be read', () => {
  assert.equal(value([GO, NO_GO], 'gangway_status_locked', { host: 'deploy@a' }), 0);
  assert.equal(value([GO, NO_GO], 'gangway_status_locked', { host: 'deploy@b' }), 1);
  assert.equal(value([GO, NO_GO], 'gangway_status_drifted', { host: 'deploy@a' }), 0);
  assert.equal(value([GO, NO_GO], 'gangway_status_drifted', { host: 'deploy@b' }), 1);
  const unreachable: StatusForGauges = {
    host: 'deploy@c',
    verdict: 'NO-GO',
    reasons: ['unreachable: timed out'],
    warnings: [],
    services: [],
    endpoints: [],
    locked: null,
    drifted: null,
  };
  for (const name of ['gangway_status_locked', 'gangway_status_drifted', 'gangway_status_disk_free_ratio'])
    assert.equal(value([unreachable], name, { host: 'deploy@c' }), undefined, name);
  assert.equal(value([unreachable], 'gangway_status_go', { host: 'deploy@c' }), 0);
  // Drift not read (a Swarm): no sample either.
  const { drifted: _, ...swarm } = GO;
  assert.equal(value([swarm], 'gangway_status_drifted', { host: 'deploy@a' }), undefined);
});

test('the exposition reads back with every sample, label values with quotes and backslashes intact', () => {
  const odd: StatusForGauges = {
    ...GO,
    host: 'deploy@"odd"\\host',
    endpoints: [{ url: 'http://x/?q="a"\\b', ok: true }],
  };
  const text = formatExposition(statusFamilies('shop', 'prod', [odd, NO_GO]));
  const { families, skipped } = parseExposition(text);
  assert.equal(skipped, 0);
  const endpoint = families.find((f) => f.name === 'gangway_status_endpoint_up')!;
  assert.deepEqual(endpoint.samples, [
    {
      labels: [
        ['app', 'shop'],
        ['target', 'prod'],
        ['host', 'deploy@"odd"\\host'],
        ['url', 'http://x/?q="a"\\b'],
      ],
      value: 1,
    },
  ]);
  for (const f of families) assert.equal(f.type, 'gauge');
});
