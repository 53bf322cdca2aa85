/** The keys a schema allows at a key path, and where below it a misplaced key belongs: "did you mean …?". */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as z from 'zod';
import { allowedKeysAt, keyPathsBelow } from '../../src/config/schema-keys.js';
import { configSchema } from '../../src/config/schema.js';

const SCHEMA = z
  .object({
    app: z.string(),
    health: z
      .object({
        timeout: z.string().optional(),
        http: z.array(z.object({ url: z.string(), timeout: z.string() })).default([]),
      })
      .optional(),
    targets: z.record(
      z.string(),
      z.object({ dir: z.string(), ssh: z.object({ key: z.string(), timeout: z.string() }).optional() }),
    ),
    compose: z.union([z.string(), z.array(z.string())]),
    image: z.union([z.string(), z.object({ name: z.string(), build: z.object({ context: z.string() }) })]),
    piped: z.object({ a: z.string() }).transform((x) => x),
    deep: z.object({ l1: z.object({ l2: z.object({ l3: z.object({ timeout: z.string() }) }) }) }),
  })
  .strict();

test('allowed keys through optionals, defaults, arrays, records and pipes', () => {
  assert.deepEqual(allowedKeysAt(SCHEMA, []), ['app', 'health', 'targets', 'compose', 'image', 'piped', 'deep']);
  assert.deepEqual(allowedKeysAt(SCHEMA, ['health']), ['timeout', 'http']);
  assert.deepEqual(allowedKeysAt(SCHEMA, ['health', 'http', 3]), ['url', 'timeout']);
  assert.deepEqual(allowedKeysAt(SCHEMA, ['targets', 'any-name']), ['dir', 'ssh']);
  assert.deepEqual(allowedKeysAt(SCHEMA, ['targets', 'any-name', 'ssh']), ['key', 'timeout']);
  assert.deepEqual(allowedKeysAt(SCHEMA, ['piped']), ['a']);
});

test("a union: its mapping alternative's keys, and below it that mapping's children", () => {
  assert.deepEqual(allowedKeysAt(SCHEMA, ['image']), ['name', 'build']);
  assert.deepEqual(allowedKeysAt(SCHEMA, ['image', 'build']), ['context']);
  assert.deepEqual(allowedKeysAt(SCHEMA, ['compose']), [], 'no mapping alternative');
});

test('no keys where there is no mapping: a scalar, a list of scalars, a path the schema does not have', () => {
  assert.deepEqual(allowedKeysAt(SCHEMA, ['app']), []);
  assert.deepEqual(allowedKeysAt(SCHEMA, ['compose', 0]), []);
  assert.deepEqual(allowedKeysAt(SCHEMA, ['nope', 'x']), []);
  assert.deepEqual(allowedKeysAt(SCHEMA, ['app', 'x']), []);
});

test('keyPathsBelow: every place below the path a key of that name is allowed, nearest first', () => {
  assert.deepEqual(keyPathsBelow(SCHEMA, [], 'timeout'), [
    'health.timeout',
    'health.http[].timeout',
    'targets.<name>.ssh.timeout',
  ]);
  assert.deepEqual(keyPathsBelow(SCHEMA, [], 'key'), ['targets.<name>.ssh.key']);
  assert.deepEqual(keyPathsBelow(SCHEMA, [], 'context'), ['image.build.context'], 'through a union');
  assert.deepEqual(keyPathsBelow(SCHEMA, ['health'], 'timeout'), ['http[].timeout'], 'not the level itself');
});

test('keyPathsBelow: only a few levels down, never the level itself, nothing for an unknown path', () => {
  assert.deepEqual(keyPathsBelow(SCHEMA, [], 'timeout', 2), ['health.timeout', 'health.http[].timeout']);
  assert.ok(!keyPathsBelow(SCHEMA, [], 'timeout').some((p) => p.startsWith('deep.')), 'five levels is too far');
  assert.deepEqual(keyPathsBelow(SCHEMA, [], 'app'), []);
  assert.deepEqual(keyPathsBelow(SCHEMA, ['nope'], 'x'), []);
});

test("gangway.yml's schema: the keys of a target, of a health check, and where ssh's key goes", () => {
  assert.ok(allowedKeysAt(configSchema, []).includes('targets'));
  assert.deepEqual(allowedKeysAt(configSchema, ['targets', 'anything']), ['hosts', 'dir', 'ssh', 'engine', 'rollout']);
  assert.ok(allowedKeysAt(configSchema, ['health', 'http', 0]).includes('retries'));
  assert.deepEqual(keyPathsBelow(configSchema, ['targets', 'prod'], 'key'), ['ssh.key']);
});
