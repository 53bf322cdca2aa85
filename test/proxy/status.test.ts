/**
 * Blue/green as it stands on a host: the read script run for real under the local sh (a stub docker plays the
 * proxy and Caddy's admin API), and what readProxyStatus makes of it — and of output that is missing or torn.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalHost } from '../../src/hosts/local-host.js';
import { readProxyStatus } from '../../src/proxy/status.js';
import { FakeHost } from '../delivery/fake-host.js';
import { stubProxy } from './stub-proxy.js';

const proxy = stubProxy();
const host = new LocalHost();
const proxyState = join(proxy.state, 'proxy');

const UPSTREAMS = `${JSON.stringify([
  { address: 'gangway-shop-blue:8080', num_requests: 3, fails: 1 },
  { address: 'gangway-shop-green:8080' },
  { address: 'gangway-other-blue:8080', num_requests: 9, fails: 0 }, // another app behind the same proxy
  { address: 'gangway-shopx-blue:8080', num_requests: 9, fails: 0 },
])}\n`; // Caddy's admin API ends its JSON with a newline (Go's json.Encoder)

/** The state files, each ending in a newline as bluegreen.sh, canary.sh and maintenance.sh write them. */
function writeState(files: Record<string, string>) {
  rmSync(proxyState, { recursive: true, force: true });
  mkdirSync(proxyState, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(proxyState, name), `${text.trimEnd()}\n`);
}

test("the serving colour, each colour's release, the proxy's state and only this app's upstreams", async () => {
  proxy.set({ upstreams: UPSTREAMS });
  writeState({ serving: 'green\n', blue: 'r1 v1\n', green: 'r2 v2\n' });
  assert.deepEqual(await readProxyStatus(host, proxy.state, 'shop'), {
    serving: 'green',
    colours: [
      { colour: 'blue', releaseId: 'r1', tag: 'v1' },
      { colour: 'green', releaseId: 'r2', tag: 'v2' },
    ],
    proxy: 'running',
    upstreams: [
      { address: 'gangway-shop-blue:8080', numRequests: 3, fails: 1 },
      { address: 'gangway-shop-green:8080', numRequests: 0, fails: 0 },
    ],
  });
});

test('a canary in progress and maintenance mode are read from their files', async () => {
  const canary = {
    colour: 'green',
    from: 'blue',
    share: 5,
    steps: '5 25 100',
    release: 'r2',
    since: 't',
    figures: 'ok',
  };
  const info = { since: '2026-11-22T10:00:00Z', by: 'ops@laptop', message: 'back soon' };
  proxy.set({});
  writeState({
    serving: 'blue',
    blue: 'r1 v1',
    canary: JSON.stringify(canary),
    'maintenance.json': JSON.stringify(info),
  });
  mkdirSync(join(proxy.home, 'maintenance'), { recursive: true });
  writeFileSync(join(proxy.home, 'maintenance', 'shop.html'), '<p>x</p>');
  try {
    const status = await readProxyStatus(host, proxy.state, 'shop');
    assert.deepEqual(status.canary, canary);
    assert.deepEqual(status.maintenance, info);
    // Another app's page on the same proxy is not this app's maintenance.
    assert.equal((await readProxyStatus(host, proxy.state, 'other')).maintenance, undefined);
  } finally {
    rmSync(join(proxy.home, 'maintenance'), { recursive: true });
  }
});

test('nothing deployed yet: no colour serving, none held, the proxy missing, no upstreams', async () => {
  proxy.set({ exists: false });
  writeState({});
  const status = await readProxyStatus(host, proxy.state, 'shop');
  assert.deepEqual(status, { colours: [], proxy: 'missing', upstreams: [] });
});

test('a stopped proxy is reported as such; a colour file without a tag gives an empty tag', async () => {
  proxy.set({ running: false, upstreams: '' });
  writeState({ serving: 'purple', blue: 'r1' });
  const status = await readProxyStatus(host, proxy.state, 'shop');
  assert.equal(status.proxy, 'exited');
  assert.equal(status.serving, undefined, 'not a colour');
  assert.deepEqual(status.colours, [{ colour: 'blue', releaseId: 'r1', tag: '' }]);
  assert.deepEqual(status.upstreams, []);
});

test('torn upstream JSON or canary state reads as none; the script gets the state dir and app', async () => {
  const fake = new FakeHost(() => ({
    stdout: '@@serving\nblue\n@@blue\nr1 v1\n@@green\n@@proxy\nrunning\n@@canary\n{"share":\n@@upstreams\n[{"addr\n',
  }));
  const status = await readProxyStatus(fake, '/srv/shop/.gangway', 'shop');
  assert.deepEqual(status, {
    serving: 'blue',
    colours: [{ colour: 'blue', releaseId: 'r1', tag: 'v1' }],
    proxy: 'running',
    upstreams: [],
  });
  assert.deepEqual(fake.calls[0]!.argv.slice(3), ['sh', '/srv/shop/.gangway', 'shop']);
});
