import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { dirsCommand } from '../../../src/deploy/steps/dirs.js';
import { remoteLayout } from '../../../src/server/layout.js';

const root = mkdtempSync(join(tmpdir(), 'gangway-dirs-'));
after(() => rmSync(root, { recursive: true, force: true }));
const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

/** The step's argv run here under a session umask of 022 (what a server's SSH session has). */
function run(dir: string, dirs: string[], id: string): void {
  const [cmd, ...args] = dirsCommand(remoteLayout(dir), dirs, id);
  const r = spawnSync('sh', ['-c', 'umask 022 && exec "$@"', 'sh', cmd!, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

test('dirs: .gangway, releases, the release and runs 0700; <dir> and the dirs of gangway.yml the session umask', () => {
  const dir = join(root, 'srv', 'shop');
  run(dir, ['data', 'logs/app'], 'r1');
  assert.equal(mode(dir), '755');
  assert.equal(mode(join(dir, 'data')), '755', 'a data dir may be bind-mounted into a container of another user');
  assert.equal(mode(join(dir, 'logs', 'app')), '755');
  for (const p of ['.gangway', '.gangway/releases', '.gangway/releases/r1', '.gangway/runs'])
    assert.equal(mode(join(dir, p)), '700', p);
});

test('dirs: an older deploy directory (0755 .gangway) is made 0700; a path with spaces and quotes is one path', () => {
  const dir = join(root, `it's a "dir"`);
  mkdirSync(join(dir, '.gangway', 'runs'), { recursive: true });
  chmodSync(join(dir, '.gangway'), 0o755);
  chmodSync(join(dir, '.gangway', 'runs'), 0o755);
  run(dir, [], 'r2');
  for (const p of ['.gangway', '.gangway/releases', '.gangway/releases/r2', '.gangway/runs'])
    assert.equal(mode(join(dir, p)), '700', p);
});
