/** drift.sh under the local sh with the stub docker (fake-server.ts), against a release apply.sh put in place. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
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

test('.env backups and backup files others may read are reported by mode (the globs expand under set -f)', () => {
  const s = new FakeServer('my app');
  servers.push(s);
  s.release({ id: 'r1', tag: 'v1', env: 'K=v\n' });
  assert.equal(s.apply('r1').status, 0);
  writeFileSync(join(s.dir, '.env.bak-20250101-000000'), 'K=old\n', { mode: 0o644 });
  writeFileSync(join(s.dir, '.env.bak-20250102-000000'), 'K=older\n', { mode: 0o600 });
  mkdirSync(join(s.dir, 'backups', 'db'), { recursive: true });
  writeFileSync(join(s.dir, 'backups', 'db', 'db-1.dump'), 'dump', { mode: 0o640 });
  const r = s.sh(serverScript('drift.sh'), 'drift.sh', [s.dir, 'shop', 'docker\ncompose', '', 'backups/db', '']);
  assert.equal(r.status, 0, r.stderr);
  const modes = r.stdout.split('\n').filter((l) => l.startsWith('mode\t'));
  assert.deepEqual(modes, ['mode\t.env.bak-20250101-000000\t644', 'mode\tbackups/db/db-1.dump\t640']);
});
