import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hostsOverlap, proxyCheck } from '../../../src/strategy/blue-green/proxy-conflicts.js';
import type { ProxySettings } from '../../../src/config/config.js';
import { LocalHost } from '../../../src/hosts/local-host.js';

const root = mkdtempSync(join(tmpdir(), 'gangway-proxy-check-'));
after(() => rmSync(root, { recursive: true, force: true }));

/**
 * A host whose shared proxy (home in blog's dir) routes blog as a catch-all (a route of an older gangway: no
 * apps/ file) and shop for shop.test; `docker inspect` answers with the home, or fails without a proxy.
 */
function host(withProxy = true): string {
  const dir = mkdtempSync(join(root, 'host-'));
  const home = join(dir, 'srv', 'blog', '.gangway', 'proxy', 'caddy');
  for (const d of ['routes/http', 'routes/https', 'apps']) mkdirSync(join(home, d), { recursive: true });
  writeFileSync(join(home, 'routes/http/90-blog.json'), '{"@id":"gangway-blog","terminal":true}\n');
  writeFileSync(
    join(home, 'routes/https/10-shop.json'),
    '{"@id":"gangway-shop",\n"match":[{"host":["shop.test","www.shop.test"]}]}\n',
  );
  writeFileSync(join(home, 'apps/shop'), '/srv/shop\nshop.test\nwww.shop.test\n');
  writeFileSync(join(home, 'apps/gone'), '/srv/gone\n'); // no route: not routed any more
  mkdirSync(join(dir, 'bin'));
  const answer = withProxy ? `echo ${JSON.stringify(home)}` : 'echo "Error: No such object: gangway-proxy" >&2; exit 1';
  writeFileSync(join(dir, 'bin', 'docker'), `#!/bin/sh\n${answer}\n`, { mode: 0o755 });
  return dir;
}

async function check(dir: string, app: string, appDir: string, domains: string[]) {
  const path = process.env.PATH;
  process.env.PATH = `${join(dir, 'bin')}:${path}`;
  try {
    return await proxyCheck(new LocalHost(), app, appDir, { domains } as unknown as ProxySettings);
  } finally {
    process.env.PATH = path;
  }
}

test('a second catch-all app is refused, naming the app that has every host name and where it is', async () => {
  const dir = host();
  const item = await check(dir, 'news', '/srv/news', []);
  assert.equal(item.status, 'fail');
  assert.match(item.detail, /the proxy already sends every host name to app blog \(its dir is not recorded\)/);
  assert.match(item.detail, /give news proxy\.domains \(or remove .*\/srv\/blog\/\.gangway\/proxy\/caddy\/routes\//);
});

test("an app routing another app's host name is refused (any case; wildcards as Caddy matches)", async () => {
  const dir = host();
  for (const domains of [['SHOP.test'], ['news.test', '*.shop.test'], ['*.test']]) {
    const item = await check(dir, 'news', '/srv/news', domains);
    assert.equal(item.status, 'fail', domains.join());
    assert.match(item.detail, /^app shop \(deployed to \/srv\/shop\) already routes .*\.test on this proxy/);
  }
});

test('its own route, other host names, or no proxy yet: passed', async () => {
  const dir = host();
  assert.equal((await check(dir, 'news', '/srv/news', ['news.test'])).status, 'ok');
  assert.equal((await check(dir, 'shop', '/srv/shop/', ['shop.test'])).status, 'ok', 'a redeploy of shop');
  const none = await check(host(false), 'news', '/srv/news', []);
  assert.deepEqual([none.status, none.detail], ['ok', 'no gangway proxy on this host yet: this deploy installs it']);
});

test('one app name from two deploy dirs: refused (one would replace the routes of the other)', async () => {
  const item = await check(host(), 'shop', '/srv/shop-staging', ['staging.shop.test']);
  assert.equal(item.status, 'fail');
  assert.match(item.detail, /app shop \(deployed to \/srv\/shop\) has the same app name/);
});

test('hostsOverlap: one label per *, case-insensitive', () => {
  assert.ok(hostsOverlap('a.example.com', 'A.Example.com'));
  assert.ok(hostsOverlap('*.example.com', 'a.example.com'));
  assert.ok(!hostsOverlap('*.example.com', 'example.com'));
  assert.ok(!hostsOverlap('*.example.com', 'a.b.example.com'));
  assert.ok(!hostsOverlap('a.example.com', 'b.example.com'));
});
