import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCommand, type BuildCommandInput } from '../../src/image-build/build-command.js';
import type { LocalBuilder } from '../../src/image-build/builder.js';

const buildx: LocalBuilder = {
  kind: 'buildx',
  driver: 'docker',
  loadsIntoEngine: true,
  exportsCache: false,
  platforms: [],
};
const container: LocalBuilder = { ...buildx, driver: 'docker-container', loadsIntoEngine: false, exportsCache: true };
const classic: LocalBuilder = { kind: 'classic', loadsIntoEngine: true, exportsCache: false, platforms: [] };
const input = (over: Partial<BuildCommandInput> = {}): BuildCommandInput => ({
  settings: { context: '/p/web', args: {}, secrets: [], cache: 'local' },
  builder: buildx,
  image: 'ghcr.io/a/web:v1',
  imageName: 'ghcr.io/a/web',
  platform: 'linux/arm64',
  baseDir: '/p',
  ...over,
});

test('buildx: tag, dockerfile, target, platform, args, secrets by name only, context last', () => {
  const argv = buildCommand(
    input({
      settings: {
        context: '/p/web',
        dockerfile: 'Dockerfile.prod',
        target: 'runtime',
        args: { NODE_ENV: 'production' },
        secrets: ['NPM_TOKEN'],
        cache: 'local',
      },
    }),
  );
  assert.deepEqual(argv, [
    'docker',
    'buildx',
    'build',
    '--progress=plain',
    '--tag',
    'ghcr.io/a/web:v1',
    '--file',
    '/p/web/Dockerfile.prod',
    '--target',
    'runtime',
    '--platform',
    'linux/arm64',
    '--build-arg',
    'NODE_ENV=production',
    '--secret',
    'id=NPM_TOKEN,env=NPM_TOKEN',
    '/p/web',
  ]);
});

test('the classic builder gets no --platform and no cache flags', () => {
  assert.deepEqual(buildCommand(input({ builder: classic })), [
    'docker',
    'build',
    '--tag',
    'ghcr.io/a/web:v1',
    '/p/web',
  ]);
});

test('cache: the docker driver keeps its own; a container builder exports to .gangway/cache and needs --load', () => {
  assert.ok(!buildCommand(input()).some((a) => a.startsWith('--cache')));
  const argv = buildCommand(input({ builder: container }));
  assert.ok(argv.includes('type=local,src=/p/.gangway/cache'));
  assert.ok(argv.includes('type=local,dest=/p/.gangway/cache,mode=max'));
  assert.ok(argv.includes('--load'));
});

test('cache: registry is inline with the docker driver, exported by a container builder; none is --no-cache', () => {
  const settings = { context: '/p/web', args: {}, secrets: [], cache: 'registry' as const };
  const inline = buildCommand(input({ settings }));
  assert.deepEqual(inline.slice(inline.indexOf('--cache-from'), -1), [
    '--cache-from',
    'type=registry,ref=ghcr.io/a/web:buildcache',
    '--cache-to',
    'type=inline',
  ]);
  const exported = buildCommand(input({ settings, builder: container }));
  assert.ok(exported.includes('type=registry,ref=ghcr.io/a/web:buildcache,mode=max'));
  assert.ok(buildCommand(input({ settings: { ...settings, cache: 'none' } })).includes('--no-cache'));
});
