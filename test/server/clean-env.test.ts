/** clean-env.sh under the local sh: the one way the server scripts run Docker and Compose with a clean environment. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { serverScript } from '../../src/server/scripts.js';

/** The environment `clean_env ARGS… env` prints, as NAME=VALUE lines, with the caller's environment set. */
function cleanEnv(args: string): string[] {
  const script = `${serverScript('clean-env.sh')}\nclean_env ${args} env`;
  const r = spawnSync('sh', ['-c', script], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: '/home/deploy',
      DOCKER_HOST: 'ssh://engine',
      DOCKER_CONFIG: '/etc/docker-config',
      DOCKER_CONTEXT: 'ctx',
      IMAGE_TAG: 'from-the-shell',
      COMPOSE_FILE: 'other.yml',
    },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').sort();
}

test("clean_env: what Docker needs and the assignments given, nothing else of the caller's environment", () => {
  assert.deepEqual(cleanEnv('IMAGE_TAG=v2'), [
    'DOCKER_CONFIG=/etc/docker-config',
    'DOCKER_CONTEXT=ctx',
    'DOCKER_HOST=ssh://engine',
    'HOME=/home/deploy',
    'IMAGE_TAG=v2',
    `PATH=${process.env.PATH}`,
  ]);
});

test('clean_env --host-only: DOCKER_HOST without DOCKER_CONFIG or DOCKER_CONTEXT (the proxy Compose run)', () => {
  assert.deepEqual(cleanEnv('--host-only'), [
    'DOCKER_HOST=ssh://engine',
    'HOME=/home/deploy',
    `PATH=${process.env.PATH}`,
  ]);
});

test('no server script but clean-env.sh writes the env -i prefix itself', () => {
  const dir = new URL('../../src/server/sh/', import.meta.url);
  const own = readdirSync(dir).filter(
    (f) => f.endsWith('.sh') && f !== 'clean-env.sh' && readFileSync(new URL(f, dir), 'utf8').includes('env -i'),
  );
  assert.deepEqual(own, []);
});
