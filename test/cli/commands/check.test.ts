/**
 * `gangway check` starts its SSH handshakes before the checks' code loads, and that code leaves out what a check
 * without an image build, sync or archive never runs (issue 27: the CLI's own start is most of check's time).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../helpers/testenv.js';

const DIST = fileURLToPath(new URL('../../../dist/', import.meta.url));

/** The files a fresh node process loads for `entries` of the build (dist/, as the CLI runs them). */
function modulesLoadedBy(entries: string[]): string[] {
  const dir = tempDir('gangway-imports-');
  writeFileSync(
    join(dir, 'hooks.mjs'),
    'export async function resolve(s, c, next) { const r = await next(s, c); ' +
      'process.stderr.write(`loaded ${r.url}\\n`); return r; }\n',
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`,
  );
  const imports = entries.map((e) => `await import(${JSON.stringify(join(DIST, e))});`).join(' ');
  const r = spawnSync(process.execPath, ['--import', join(dir, 'register.mjs'), '--input-type=module', '-e', imports], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stderr.split('\n').flatMap((l) => (l.startsWith('loaded ') ? [l.slice(7)] : []));
}

test('the check command and its preflight load no image build, sync, archive or registry code', () => {
  const loaded = modulesLoadedBy(['cli/commands/check.js', 'check/preflight.js']);
  assert.ok(
    loaded.some((u) => u.endsWith('/check/host-checks.js')),
    'the hook saw the preflight load',
  );
  const unneeded = loaded.filter((u) =>
    /\/(image-build\/|delivery\/(sync|image-platform|registry-platform)\.js)|tar-stream/.test(u),
  );
  assert.deepEqual(unneeded, []);
});

test('the check command itself loads only what it needs before it connects', () => {
  const loaded = modulesLoadedBy(['cli/commands/check.js']);
  assert.ok(!loaded.some((u) => u.endsWith('/check/preflight.js')), 'the preflight loads once the handshakes started');
});
