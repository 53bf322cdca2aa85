import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProxySettings } from '../../src/config/config.js';
import { appRouteFiles } from '../../src/proxy/caddy-route.js';
import { proxySettings } from '../helpers/proxy-settings.js';

const settings = (over: Partial<ProxySettings> = {}): ProxySettings =>
  proxySettings({
    port: 8000,
    health: { path: '/health', intervalMs: 1000, passes: 3, timeoutMs: 60_000 },
    maxBodyBytes: 1024,
    ...over,
  });

type Handler = Record<string, unknown> & { handler: string };
interface SubRoute {
  '@id'?: string;
  match?: Record<string, Record<string, unknown>>[];
  handle: Handler[];
}
interface Route {
  '@id': string;
  match?: unknown;
  handle: (Handler & { routes?: SubRoute[] })[];
}
const parsed = (over: Partial<ProxySettings> = {}, app = 'shop') =>
  JSON.parse(appRouteFiles(app, settings(over)).route) as Route;
const subroutes = (route: Route) => route.handle.find((h) => h.handler === 'subroute')!.routes!;

test('each colour is behind a file matcher on its marker; no marker: 503, never an empty 200', () => {
  const files = appRouteFiles('shop', settings());
  assert.deepEqual([files.server, files.order, files.tlsPolicy], ['http', '90', '']);
  const route = parsed();
  assert.equal(route['@id'], 'gangway-shop');
  assert.equal(route.match, undefined, 'no domains: any host name');
  const [, , blue, green, none] = subroutes(route);
  assert.deepEqual(blue!.match![0]!.file!.try_files, ['shop.blue']);
  assert.deepEqual(green!.match![0]!.file!.try_files, ['shop.green']);
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

test('maintenance first: while shop.html is in the maintenance dir, 503 with that page and Retry-After', () => {
  const [maintenance] = subroutes(parsed());
  assert.equal(maintenance!['@id'], 'gangway-shop-maintenance');
  assert.deepEqual(maintenance!.match, [{ file: { root: '/gangway/maintenance', try_files: ['shop.html'] } }]);
  const [headers, rewrite, files, gone] = maintenance!.handle;
  assert.deepEqual((headers!.response as { set: Record<string, string[]> }).set, {
    'Retry-After': ['120'],
    'Cache-Control': ['no-store'],
  });
  assert.ok((headers!.request as { delete: string[] }).delete.includes('If-None-Match'), 'never a 304');
  assert.deepEqual(rewrite, { handler: 'rewrite', uri: '/shop.html' });
  assert.deepEqual(files, { handler: 'file_server', root: '/gangway/maintenance', status_code: 503, pass_thru: true });
  // the page gone between the match and the read: still a 503, never the file server's 404
  assert.deepEqual(gone, {
    handler: 'static_response',
    status_code: 503,
    headers: { 'Content-Type': ['text/plain; charset=utf-8'] },
    body: 'Down for maintenance\n',
  });
});

test('the body limit: request_body cuts at max_body, a longer Content-Length is answered 413 at once', () => {
  const route = parsed({ maxBodyBytes: 2048 });
  assert.deepEqual(
    route.handle.find((h) => h.handler === 'request_body'),
    { handler: 'request_body', max_size: 2048 },
  );
  const tooLarge = subroutes(route)[1]!;
  const pattern = (tooLarge.match![0]!.header_regexp as Record<string, { pattern: string }>)['Content-Length']!;
  assert.ok(new RegExp(pattern.pattern).test('2049') && !new RegExp(pattern.pattern).test('2048'));
  assert.equal(tooLarge.handle[0]!.status_code, 413);
});

test('tls off and no proxy.headers: no headers handler; tls on: the security defaults, proxy.headers over them', () => {
  assert.equal(parsed().handle[0]!.handler, 'request_body');
  const on = parsed({
    domains: ['shop.lan'],
    tls: 'internal',
    headers: { 'referrer-policy': 'no-referrer', '-Server': '', 'X-Note': 'a {b}' },
  });
  assert.deepEqual(on.handle[0], {
    handler: 'headers',
    response: {
      set: {
        'Strict-Transport-Security': ['max-age=31536000'],
        'X-Content-Type-Options': ['nosniff'],
        'referrer-policy': ['no-referrer'],
        'X-Note': ['a \\{b\\}'],
      },
      delete: ['Server'],
      deferred: true,
    },
  });
});
