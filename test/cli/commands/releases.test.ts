import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imageDigest } from '../../../src/cli/commands/releases.js';

const digest = `sha256:${'d'.repeat(64)}`;
const id = `sha256:${'a'.repeat(64)}`;

test('a release line names the digest the release ran, else the image id a Compose host pinned, else nothing', () => {
  const r = { id: 'r1', tag: 'stable', status: 'succeeded' };
  assert.equal(imageDigest({ ...r, image_digest: digest, image_id: id }), `, image sha256:${'d'.repeat(12)}`);
  assert.equal(imageDigest({ ...r, image_id: id }), `, image id sha256:${'a'.repeat(12)}`);
  assert.equal(imageDigest({ ...r, image_id: 'not an id' }), '');
  assert.equal(imageDigest(r), '');
});
