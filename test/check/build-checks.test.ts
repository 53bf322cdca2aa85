import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildArgChecks } from '../../src/check/build-checks.js';
import type { Config } from '../../src/config/config.js';

const config = (args: Record<string, string>) =>
  ({ image: { build: { args, secrets: [], cache: 'local' } } }) as unknown as Config;

test('a build arg named like an env key is a warning pointing at build secrets', () => {
  const [item] = buildArgChecks(config({ NODE_ENV: 'production', NPM_TOKEN: 'x' }), ['NPM_TOKEN', 'DB_URL']);
  assert.equal(item?.status, 'warn');
  assert.match(item!.detail!, /NPM_TOKEN is a key of the env file.*image\.build\.secrets/);
  assert.deepEqual(buildArgChecks(config({ NODE_ENV: 'production' }), ['NPM_TOKEN']), []);
});
