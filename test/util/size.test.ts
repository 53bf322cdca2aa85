import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSize } from '../../src/util/size.js';

test('sizes: bytes, or KB/MB/GB of 1024, any case', () => {
  assert.equal(parseSize('512'), 512);
  assert.equal(parseSize('2KB'), 2048);
  assert.equal(parseSize('100mb'), 100 * 1024 * 1024);
  assert.equal(parseSize('1 GB'), 1024 ** 3);
  assert.throws(() => parseSize('10 MiB'), /not a size such as 100MB/);
  assert.throws(() => parseSize('-1MB'), /not a size/);
});
