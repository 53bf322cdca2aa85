/**
 * The launcher runs the CLI bundled (scripts/bundle-cli.mjs, issue 27): a command loads a few files instead of
 * ~200, and the bundle has none of zod's 64 locales but English; what users see is what the compiled modules
 * (dist/cli/) print.
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
const BUNDLE = fileURLToPath(new URL('../../dist/bundle/gangway.cjs', import.meta.url));

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

test('check loads a few files, not hundreds, and the bundle none of zod’s locales but English', () => {
  const r = gangwayLoading(['check'], badProject());
  assert.equal(r.code, 2, r.stdout + r.stderr);
  // The ES modules (the bundle itself is read by the launcher, and compiled from its code cache).
  const files = r.loaded.filter((u) => u.startsWith('file:'));
  assert.ok(
    files.some((u) => u.endsWith('/dist/bundle/launcher.js')),
    files.join('\n'),
  );
  assert.ok(files.length < 10, `${files.length} files:\n${files.join('\n')}`);
  // A module is known in the bundle by esbuild's comment naming its path (the locales' index is left empty).
  const locales = new Set(readFileSync(BUNDLE, 'utf8').match(/zod\/v4\/locales\/(?!index\.js)[\w-]+\.js/g));
  assert.deepEqual([...locales], ['zod/v4/locales/en.js']);
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

test("a bundled package finds its own files where it is installed (ssh2's native crypto, Pageant's helper)", () => {
  const code = readFileSync(BUNDLE, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line)); // (comments may name them)
  const bundleDir = code.filter((line) => /\b__(dirname|filename)\b/.test(line));
  assert.deepEqual(bundleDir, [], 'the bundle’s own directory is nobody’s');
  assert.ok(code.some((line) => line.includes('require.resolve("ssh2/lib/agent.js")')));
  assert.ok(code.some((line) => line.includes('require("ssh2/lib/protocol/crypto/build/Release/sshcrypto.node")')));
});
