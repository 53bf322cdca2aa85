import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureProxyImage } from '../../src/proxy/proxy-image.js';
import { FakeHost } from '../delivery/fake-host.js';

const sent = { imageId: 'sha256:caddy', bytesSent: 42, durationMs: 5 };

test('a server that has the proxy image gets nothing sent', async () => {
  const host = new FakeHost(() => ({ code: 0, stdout: 'sha256:caddy\n' }));
  const sends: string[] = [];
  const r = await ensureProxyImage(host, 'caddy:2', async (image) => (sends.push(image), sent));
  assert.equal(r, undefined);
  assert.deepEqual(sends, []);
  assert.deepEqual(host.calls[0]!.argv, ['docker', 'image', 'inspect', '--format', '{{.Id}}', 'caddy:2']);
});

test('a server without it gets it sent once, the way the app image travels', async () => {
  const host = new FakeHost(() => ({ code: 1, stderr: 'Error: No such image: caddy:2' }));
  const sends: string[] = [];
  const r = await ensureProxyImage(host, 'caddy:2', async (image) => (sends.push(image), sent));
  assert.deepEqual(r, sent);
  assert.deepEqual(sends, ['caddy:2']);
});
