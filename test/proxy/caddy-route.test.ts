import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProxySettings } from '../../src/config/config.js';
import { appRouteFiles } from '../../src/proxy/caddy-route.js';

const settings = (over: Partial<ProxySettings> = {}): ProxySettings => ({
  service: 'web',
  port: 8000,
  domains: [],
  tls: 'off',
  listen: { http: 80, https: 443 },
  health: { path: '/health', intervalMs: 1000, passes: 3, timeoutMs: 60_000 },
  drainMs: 30_000,
  standby: 'stopped',
  image: 'caddy:2',
  ...over,
});

test('each colour is behind a file matcher on its marker; no marker: 503, never an empty 200', () => {
  const files = appRouteFiles('shop', settings());
  assert.deepEqual([files.server, files.order, files.tlsPolicy], ['http', '90', '']);
  const route = JSON.parse(files.route) as {
    '@id': string;
    match?: unknown;
    handle: { routes: { match?: { file: { try_files: string[] } }[]; handle: Record<string, unknown>[] }[] }[];
  };
  assert.equal(route['@id'], 'gangway-shop');
  assert.equal(route.match, undefined, 'no domains: any host name');
  const [blue, green, none] = route.handle[0]!.routes;
  assert.deepEqual(blue!.match![0]!.file.try_files, ['shop.blue']);
  assert.deepEqual(green!.match![0]!.file.try_files, ['shop.green']);
  assert.deepEqual((blue!.handle[0]!.upstreams as { dial: string }[])[0], { dial: 'gangway-shop-blue:8000' });
  assert.equal(none!.handle[0]!.status_code, 503);
});

test('tls internal: the https server, host-matched first, and an internal-issuer policy for the domains', () => {
  const files = appRouteFiles('shop', settings({ domains: ['shop.lan'], tls: 'internal' }));
  assert.deepEqual([files.server, files.order], ['https', '10']);
  assert.deepEqual(JSON.parse(files.route).match, [{ host: ['shop.lan'] }]);
  assert.deepEqual(JSON.parse(files.tlsPolicy), {
    '@id': 'gangway-shop-tls',
    subjects: ['shop.lan'],
    issuers: [{ module: 'internal' }],
  });
});
