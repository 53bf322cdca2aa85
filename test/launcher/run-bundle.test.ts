/**
 * The launcher runs a bundle with V8's code cache of an earlier run of the same command (issue 27). Here with a
 * bundle of a few lines, through the built launcher (dist/bundle/launcher.js), each run its own process: a cache
 * is written when a run ends.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { commandOf, defaultCacheDir } from '../../src/launcher/run-bundle.js';
import { tempDir } from '../helpers/testenv.js';

const LAUNCHER = fileURLToPath(new URL('../../dist/bundle/launcher.js', import.meta.url));
const BUILD = `${process.version}-${process.arch}-0123456789abcdef`;

/** A bundle as scripts/bundle-cli.mjs writes one: its hash on top, `main` exported, import() rewritten. */
function bundle(dir: string): string {
  const file = join(dir, 'gangway.cjs');
  writeFileSync(
    file,
    '// gangway-bundle 0123456789abcdef\n"use strict";\n' +
      'module.exports.main = async (argv) => {\n' +
      '  const { sep } = await __gangwayImportEsm("node:path");\n' +
      '  console.log(`ran ${argv[2]} ${sep} ${new URL("x.js", __gangwayBundleUrl).pathname}`);\n' +
      '  if (argv.includes("--fail")) process.exitCode = 3;\n' +
      '};\n',
  );
  return file;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv) {
  const script =
    `import { runBundle } from ${JSON.stringify(LAUNCHER)};\n` + 'await runBundle(process.argv[1], process.argv);';
  // (argv: [node, the bundle, …args], the launcher's shape)
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, file, ...args], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("a command's second run uses the cache its first left; a cache V8 refuses is made again", () => {
  const dir = tempDir('gangway-launcher-');
  const file = bundle(dir);
  const env = { XDG_CACHE_HOME: join(dir, 'cache') };
  const first = run(file, ['check'], env);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, `ran check / ${join(dir, 'x.js')}\n`, 'import() and the bundle URL work');
  const cache = join(dir, 'cache', 'gangway', BUILD, 'check.ok');
  const made = readFileSync(cache).length;
  assert.equal(statSync(join(dir, 'cache', 'gangway')).mode & 0o777, 0o700);
  assert.equal(statSync(cache).mode & 0o777, 0o600);

  utimesSync(cache, 0, 0);
  assert.equal(run(file, ['check'], env).code, 0);
  assert.equal(statSync(cache).mtimeMs, 0, 'used as it was: V8 took it');
  assert.deepEqual(readdirSync(join(dir, 'cache', 'gangway', BUILD)), ['check.ok'], 'one per command');

  writeFileSync(cache, 'not a code cache');
  assert.equal(run(file, ['check'], env).code, 0);
  assert.equal(readFileSync(cache).length, made, 'made again');
  assert.equal(run(file, ['-c', 'x.yml', 'deploy', '--dry-run'], env).code, 0);
  assert.ok(existsSync(join(dir, 'cache', 'gangway', BUILD, 'deploy.ok')));
});

test("a failed run's cache is made again by the first run that succeeds (it ran more of the command)", () => {
  const dir = tempDir('gangway-launcher-');
  const file = bundle(dir);
  const env = { XDG_CACHE_HOME: join(dir, 'cache') };
  const cacheDir = join(dir, 'cache', 'gangway', BUILD);
  assert.equal(run(file, ['check', '--fail'], env).code, 3);
  assert.deepEqual(readdirSync(cacheDir), ['check.failed']);
  assert.equal(run(file, ['check', '--fail'], env).code, 3);
  assert.deepEqual(readdirSync(cacheDir), ['check.failed']);
  assert.equal(run(file, ['check'], env).code, 0);
  assert.deepEqual(readdirSync(cacheDir), ['check.ok']);
});

test('no cache where others may write, none when turned off, and old builds of this Node go', () => {
  const dir = tempDir('gangway-launcher-');
  const file = bundle(dir);
  const root = join(dir, 'cache', 'gangway');
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o777);
  assert.equal(run(file, ['check'], { XDG_CACHE_HOME: join(dir, 'cache') }).code, 0);
  assert.deepEqual(readdirSync(root), [], 'a directory others may write to is not used');

  assert.equal(run(file, ['check'], { XDG_CACHE_HOME: join(dir, 'off'), NODE_DISABLE_COMPILE_CACHE: '1' }).code, 0);
  assert.ok(!existsSync(join(dir, 'off')));

  chmodSync(root, 0o700);
  const old = join(root, `${process.version}-${process.arch}-fedcba9876543210`);
  const recent = join(root, `${process.version}-${process.arch}-1111111111111111`);
  const otherNode = join(root, `v1.0.0-${process.arch}-fedcba9876543210`);
  for (const d of [old, recent, otherNode]) mkdirSync(d);
  utimesSync(old, 0, 0);
  utimesSync(otherNode, 0, 0);
  assert.equal(run(file, ['check'], { XDG_CACHE_HOME: join(dir, 'cache') }).code, 0);
  assert.deepEqual(readdirSync(root).sort(), [BUILD, recent, otherNode].map((d) => d.replace(`${root}/`, '')).sort());
});

test('the cache is named after the command: its first word that is not an option or the value of -c', () => {
  const argv = (...words: string[]) => commandOf(['node', 'gangway', ...words]);
  assert.equal(argv('check'), 'check');
  assert.equal(argv('-c', 'prod.yml', '-vv', 'deploy', 'prod'), 'deploy');
  assert.equal(argv('--config', 'check', 'lock', 'status'), 'lock');
  assert.equal(argv('--json', '--config=x.yml', 'status'), 'status');
  assert.equal(argv('--version'), 'none');
  assert.equal(argv('../x/y'), 'other');
  assert.equal(argv('--', 'check'), 'none');
});

test('the cache lives under XDG_CACHE_HOME or ~/.cache, and NODE_DISABLE_COMPILE_CACHE turns it off', () => {
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/x/cache' }), join('/x/cache', 'gangway'));
  assert.match(defaultCacheDir({})!, /[/\\]\.cache[/\\]gangway$/);
  assert.equal(defaultCacheDir({ NODE_DISABLE_COMPILE_CACHE: '1', XDG_CACHE_HOME: '/x' }), undefined);
});
