/** Which values are secrets: every env file value, and the registry password read from the variable named. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Config } from '../../src/config/config.js';
import { parseEnv } from '../../src/env/parse.js';
import {
  registerConfigSecrets,
  registerEnvSecrets,
  registryPassword,
  secretFromEnv,
} from '../../src/redact/register.js';
import { MASK, Scrubber } from '../../src/redact/scrubber.js';
import { canaryEnvFile, CANARIES, findLeaks } from '../helpers/canary.js';

const withRegistry = (password_env?: string) =>
  ({ image: { registry: { ...(password_env && { password_env }) } } }) as unknown as Config;

test('every value of an env file is masked, whatever its key is called', () => {
  const scrubber = new Scrubber();
  registerEnvSecrets(scrubber, parseEnv(canaryEnvFile('COLOR=blue-ish-value')).entries);
  const { DB_PASSWORD, API_TOKEN, MULTILINE_KEY } = CANARIES; // the canaries canaryEnvFile writes
  const inFile = { DB_PASSWORD, API_TOKEN, MULTILINE_KEY };
  const text = Object.values(inFile).join(' | ');
  assert.deepEqual(findLeaks({ scrubbed: scrubber.scrub(text) }, inFile), []);
  assert.equal(scrubber.scrub('color is blue-ish-value'), `color is ${MASK}`);
});

test('the registry password comes from the variable gangway.yml names, as a Secret named after it', () => {
  const env = { REG_PASS: 'canary-registry-pw-42' };
  const secret = registryPassword(withRegistry('REG_PASS'), env);
  assert.equal(secret?.reveal(), 'canary-registry-pw-42');
  assert.equal(String(secret), '[secret REG_PASS]');
  assert.equal(registryPassword(withRegistry('UNSET_VAR'), env), undefined);
  assert.equal(registryPassword(withRegistry(), env), undefined);
  assert.equal(registryPassword({} as Config, env), undefined);
});

test('secretFromEnv: an empty value is still a (set) value; no name or an unset variable is none', () => {
  assert.equal(secretFromEnv('X', { X: '' })?.reveal(), '');
  assert.equal(secretFromEnv('X', {}), undefined);
  assert.equal(secretFromEnv(undefined, { X: 'v' }), undefined);
});

test('registerConfigSecrets masks the registry password, and only registers when it is set', () => {
  const scrubber = new Scrubber();
  registerConfigSecrets(scrubber, withRegistry('REG_PASS'), { REG_PASS: 'canary-registry-pw-42' });
  assert.equal(scrubber.scrub('login canary-registry-pw-42'), `login ${MASK}`);
  const none = new Scrubber();
  registerConfigSecrets(none, withRegistry('REG_PASS'), {});
  assert.equal(none.size, 0);
});
