import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appRouteFiles } from '../../src/proxy/caddy-route.js';
import { canaryRoutes, shareEntries } from '../../src/proxy/canary-route.js';
import { proxySettings } from '../helpers/proxy-settings.js';

const PROXY = proxySettings();
const CANARY = { steps: [5, 25, 50], intervalMs: 30_000, maxErrorRate: 1, maxP99Ms: 800, minRequests: 50 };

type Route = {
  match: { file: { try_files: string[] } }[];
  handle: { upstreams: { dial: string }[]; load_balancing: { selection_policy: { policy: string; name: string } } }[];
};

test('a share becomes the fewest upstream entries of each colour', () => {
  assert.deepEqual(shareEntries(5), { newer: 1, older: 19 });
  assert.deepEqual(shareEntries(25), { newer: 1, older: 3 });
  assert.deepEqual(shareEntries(50), { newer: 1, older: 1 });
  assert.deepEqual(shareEntries(33), { newer: 33, older: 67 });
});

test('no canary: no canary routes, the route as before', () => {
  assert.deepEqual(canaryRoutes('shop', PROXY), []);
  assert.doesNotMatch(appRouteFiles('shop', PROXY).route, /canary|Gangway-Upstream/);
});

test('one route per new colour and step, behind its marker, sticky by cookie, ahead of the colour routes', () => {
  const routes = canaryRoutes('shop', { ...PROXY, canary: CANARY }) as Route[];
  assert.equal(routes.length, 6);
  const green25 = routes.find((r) => r.match[0]!.file.try_files[0] === 'shop.canary-green-25')!;
  const dials = green25.handle[0]!.upstreams.map((u) => u.dial);
  assert.deepEqual(dials, [
    'gangway-shop-green:8080',
    'gangway-shop-blue:8080',
    'gangway-shop-blue:8080',
    'gangway-shop-blue:8080',
  ]);
  assert.deepEqual(green25.handle[0]!.load_balancing.selection_policy, {
    policy: 'cookie',
    name: 'gangway-shop',
    secret: 'shop',
  });
  const route = appRouteFiles('shop', { ...PROXY, canary: CANARY }).route;
  assert.ok(route.indexOf('shop.canary-blue-5') < route.indexOf('"shop.blue"'));
  assert.match(route, /"Gangway-Upstream":\["\{http\.reverse_proxy\.upstream\.hostport\}"\]/);
});
