/** copy-s3.ts's credentials: read by the names copy_to.s3 gives, secrets at once, refused with the name alone. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { credentialsText, s3Credentials } from '../../src/backup/s3-copy.js';
import type { S3CopyTo } from '../../src/config/config.js';
import { UsageError } from '../../src/errors.js';
import { Scrubber } from '../../src/redact/scrubber.js';

const TO: S3CopyTo = {
  kind: 's3',
  label: 's3://bkt/p',
  bucket: 'bkt',
  prefix: 'p',
  accessKeyEnv: 'BK_ACCESS',
  secretKeyEnv: 'BK_SECRET',
};
const SECRET = `canary "s3" \\secret 'x' end`;

test('s3Credentials: both values, registered as secrets; the stdin text is one line each', () => {
  const scrubber = new Scrubber();
  const c = s3Credentials(TO, { BK_ACCESS: 'AKIA-canary-1', BK_SECRET: SECRET }, scrubber);
  assert.equal(credentialsText(c), `AKIA-canary-1\n${SECRET}\n`);
  assert.equal(String(c.secretKey), '[secret BK_SECRET]');
  assert.equal(scrubber.scrub(`said ${SECRET} and AKIA-canary-1`).includes('canary'), false);
});

test('s3Credentials: an unset variable or one with a line break is refused by its name, never its value', () => {
  assert.throws(
    () => s3Credentials(TO, { BK_ACCESS: 'a' }),
    (e: unknown) => e instanceof UsageError && /BK_SECRET is not set in this environment/.test(e.message),
  );
  assert.throws(
    () => s3Credentials(TO, { BK_ACCESS: 'a', BK_SECRET: 'canary-one\ncanary-two' }),
    (e: unknown) =>
      e instanceof UsageError && /BK_SECRET holds a line break/.test(e.message) && !/canary/.test(e.message),
  );
});
