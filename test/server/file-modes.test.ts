/**
 * Files gangway's server scripts create are their user's alone, whatever the SSH session's umask (022 here, as on
 * most servers): apply.sh, copy-release.sh and lock.sh under the local sh (fake-server.ts). The real servers'
 * version of this is test/server/file-modes.itest.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { serverScript } from '../../src/server/scripts.js';
import { FakeServer } from './fake-server.js';

let umask: number;
before(() => (umask = process.umask(0o022)));
after(() => process.umask(umask));
const servers: FakeServer[] = [];
after(() => servers.forEach((s) => s.cleanup()));

/** Every path under dir (dirs too), with its permission bits. */
function modes(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    out.set(p, statSync(p).mode & 0o777);
    if (e.isDirectory()) for (const [q, m] of modes(p)) out.set(q, m);
  }
  return out;
}

/** The paths created since `before` that others could read or enter (mode & 077), as `path mode`. */
function open(dir: string, before: Map<string, number>): string[] {
  return [...modes(dir)]
    .filter(([p, m]) => !before.has(p) && (m & 0o077) !== 0)
    .map(([p, m]) => `${p.slice(dir.length)} ${m.toString(8)}`);
}

test('apply.sh: every file and directory a deploy and its rollback create is 0600 / 0700 (session umask 022)', () => {
  const s = new FakeServer();
  servers.push(s);
  const env = 'API_KEY=first-secret-value\nSHORT=abc\n';
  s.release({ id: 'r1', tag: 'v1', env });
  // Compose echoes a value (masked in the logs, but the files that hold output must be closed all the same).
  s.stubState('up-out', 'warning: abc first-secret-value\n');
  s.stubState('unhealthy', 'v2\n');
  // (the lock and the release's notes are the harness's, as the CLI and start.sh write them)
  s.lock();
  s.noteStart('r1');
  const seen = modes(s.root);
  assert.equal(s.apply('r1', { lock: false }).status, 0);
  assert.deepEqual(open(s.root, seen), []);
  s.release({ id: 'r2', tag: 'v2', env: 'API_KEY=second-secret-value\n' });
  s.lock();
  s.noteStart('r2');
  const fresh = modes(s.root);
  assert.equal(s.apply('r2', { lock: false }).status, 1, 'v2 is unhealthy: rolled back');
  assert.deepEqual(open(s.root, fresh), []);
  assert.ok(modes(s.root).has(join(s.rel('r2'), 'failure.log')), 'the failure path ran');
});

test('copy-release.sh: the new release directory 0700, its .env 0600 (session umask 022)', () => {
  const s = new FakeServer();
  servers.push(s);
  s.release({ id: 'r1', tag: 'v1', env: 'API_KEY=first-secret-value\n' });
  const seen = modes(s.root);
  const r = s.sh(serverScript('copy-release.sh'), 'copy-release.sh', [s.g, 'r1', s.rel('r2'), 'with-env']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(modes(s.root).has(join(s.rel('r2'), '.env')));
  assert.deepEqual(open(s.root, seen), []);
});

test('lock.sh acquire: .gangway/ and the lock 0700, the deploy directory with the session umask', () => {
  const s = new FakeServer();
  servers.push(s);
  const dir = join(s.root, 'srv', 'fresh');
  const r = spawnSync('sh', ['-c', serverScript('lock.sh'), 'lock.sh', 'acquire', join(dir, '.gangway'), '{}', 'T']);
  assert.equal(r.status, 0, String(r.stderr));
  assert.equal(statSync(dir).mode & 0o777, 0o755, 'the deploy directory is the user’s');
  assert.equal(statSync(join(dir, '.gangway')).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, '.gangway', 'lock')).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, '.gangway', 'lock', 'info')).mode & 0o777, 0o600);
});
