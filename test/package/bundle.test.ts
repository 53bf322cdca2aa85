/**
 * The launcher runs the CLI bundled (scripts/bundle-cli.mjs, issue 27): a command loads a few files instead of
 * ~200, zod's 64 locales among them; what users see is what the compiled modules (dist/cli/) print.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gangwayLoading } from '../helpers/loaded-files.js';
import { tempDir } from '../helpers/testenv.js';

const COMPILED_MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** A project whose gangway.yml is wrong in ways zod words: a type, an unknown key, a value out of a set. */
function badProject(): string {
  const dir = tempDir('gangway-bundle-');
  writeFileSync(join(dir, 'compose.yml'), 'services:\n  web:\n    image: nginx\n');
  writeFileSync(
    join(dir, 'gangway.yml'),
    'app: [1]\ncompose: compose.yml\nbogus: 1\ntargets:\n  prod:\n    hosts: [5]\n    strategy: sideways\n',
  );
  return dir;
}

test('check loads none of zod’s locales and a few dozen files, not hundreds', () => {
  const r = gangwayLoading(['check'], badProject());
  assert.equal(r.code, 2, r.stdout + r.stderr);
  const files = r.loaded.filter((u) => u.startsWith('file:'));
  // A module is known by its URL, or bundled, by esbuild's comment naming its path.
  const code = [...files, ...files.map((u) => readFileSync(fileURLToPath(u), 'utf8'))].join('\n');
  const locales = new Set(code.match(/zod\/v4\/locales\/[\w-]+\.js/g));
  assert.deepEqual([...locales], ['zod/v4/locales/en.js']);
  assert.ok(files.length < 60, `${files.length} files:\n${files.join('\n')}`);
});

test('the bundled CLI prints what the compiled modules print for a wrong gangway.yml', () => {
  const dir = badProject();
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, args, {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      encoding: 'utf8',
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  for (const json of [[], ['--json']]) {
    const bundled = gangwayLoading(['check', ...json], dir);
    const compiled = run([
      '--input-type=module',
      '-e',
      // Under -e, argv has no script path: the launcher's shape is put back for commander.
      `const m = await import(${JSON.stringify(COMPILED_MAIN)}); ` +
        `await m.main([process.argv[0], 'gangway', ...process.argv.slice(1)]);`,
      '--',
      'check',
      ...json,
    ]);
    assert.match(bundled.stderr + bundled.stdout, /app/);
    assert.deepEqual({ code: bundled.code, stdout: bundled.stdout, stderr: bundled.stderr }, compiled);
  }
});
