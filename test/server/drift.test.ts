/** drift.sh under the local sh with the stub docker (fake-server.ts), against a release apply.sh put in place. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { serverScript } from '../../src/server/scripts.js';
import { composeFiles, FakeServer } from './fake-server.js';

let servers: FakeServer[] = [];
afterEach(() => {
  for (const s of servers) s.cleanup();
  servers = [];
});

test("the hashes expected of the release's services are Compose's with the image it pinned, as it ran them", () => {
  const s = new FakeServer();
  servers.push(s);
  s.stubState('config', 'services:\n  web:\n    image: acme/web:@TAG@\n');
  s.stubState('images', `acme/web:v1 sha256:${'a'.repeat(64)}\n`);
  s.release({ id: 'r1', tag: 'v1', imageName: 'acme/web' });
  assert.equal(s.apply('r1').status, 0);
  s.clearCalls();
  const r = s.sh(serverScript('drift.sh'), 'drift.sh', [s.dir, 'shop', 'docker\ncompose', '', '', '']);
  assert.equal(r.status, 0, r.stderr);
  const hashes = s.composeCalls('config');
  assert.equal(hashes.length, 1);
  assert.deepEqual(composeFiles(hashes[0]!), [join(s.dir, 'docker-compose.yml'), join(s.rel('r1'), 'image-pin.yml')]);
});
