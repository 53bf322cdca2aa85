import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePushDigest } from '../../src/image-build/push.js';

test('the digest docker push ends with', () => {
  const out = 'be83104f5664: Layer already exists\nv2: digest: sha256:' + 'a'.repeat(64) + ' size: 1150\n';
  assert.equal(parsePushDigest(out), `sha256:${'a'.repeat(64)}`);
  assert.equal(parsePushDigest('denied: requested access to the resource is denied\n'), undefined);
});
