/** The launcher: the bundle, with Node's compile cache turned on where Node has one. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const BIN = fileURLToPath(new URL('../../bin/gangway.js', import.meta.url));

test('the compile cache is turned on when Node has one (22.8+), and older Node runs without it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gangway-launcher-'));
  // Node 22.8+'s call, stood in for on any Node: says that it was called.
  const withCache = join(dir, 'with-cache.mjs');
  writeFileSync(withCache, "import m from 'node:module';\nm.enableCompileCache = () => console.error('cache on');\n");
  const withoutCache = join(dir, 'without-cache.mjs');
  writeFileSync(withoutCache, "import m from 'node:module';\ndelete m.enableCompileCache;\n");

  const on = spawnSync(process.execPath, ['--import', withCache, BIN, '--version'], { encoding: 'utf8' });
  assert.equal(on.status, 0, on.stderr);
  assert.equal(on.stderr, 'cache on\n');
  assert.match(on.stdout, /^\d+\.\d+\.\d+/);
  const off = spawnSync(process.execPath, ['--import', withoutCache, BIN, '--version'], { encoding: 'utf8' });
  assert.equal(off.status, 0, off.stderr);
  assert.match(off.stdout, /^\d+\.\d+\.\d+/);
});
