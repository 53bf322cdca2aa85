import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSecretEnv } from '../../src/image-build/build-secrets.js';
import { Scrubber } from '../../src/redact/scrubber.js';

const entry = (key: string, value: string, line: number) => ({ key, value, line, quote: 'none' as const });

test('from the environment first, else the env file (its last line); every value becomes a secret', () => {
  const scrubber = new Scrubber();
  const values = buildSecretEnv(
    ['A', 'B'],
    { path: '.env', entries: [entry('B', 'old', 1), entry('B', 'file " value', 2)] },
    scrubber,
    { A: 'from env \\ x' },
  );
  assert.deepEqual(values, { A: 'from env \\ x', B: 'file " value' });
  assert.equal(scrubber.scrub('x from env \\ x and file " value'), 'x *** and ***');
});

test('a secret set nowhere is a usage error naming it', () => {
  assert.throws(
    () => buildSecretEnv(['NPM_TOKEN'], undefined, new Scrubber(), {}),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, 'E_USAGE');
      assert.match(e.message, /image\.build\.secrets: NPM_TOKEN is set neither in the environment nor in an env file/);
      return true;
    },
  );
});
