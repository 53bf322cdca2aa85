/** What layers cost on the wire: their files in a saved tar, gzip-compressed at delivery's level, measured once. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { GZIP_LEVEL } from '../../src/delivery/archive.js';
import { compressedSize } from '../../src/delivery/layer-sizes.js';
import type { SavedImage } from '../../src/delivery/saved-image.js';
import { tempDir } from '../helpers/testenv.js';

/** Layer contents: compressible and not, so their gzip sizes differ a lot from their raw sizes. */
const FILES: Record<string, Buffer> = {
  'aaa/layer.tar': Buffer.alloc(200_000, 'a'),
  'bbb/layer.tar': randomBytes(50_000),
  'blobs/sha256/ccc': Buffer.concat([randomBytes(1000), Buffer.alloc(100_000, 0)]),
  'manifest.json': Buffer.from('[]'),
};
const gz = (name: string) => gzipSync(FILES[name]!, { level: GZIP_LEVEL }).length;

async function savedTar(names: Record<string, string> = {}): Promise<SavedImage> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(FILES)) pack.entry({ name: names[name] ?? name }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  const file = join(tempDir('gangway-layers-'), 'image.tar');
  writeFileSync(file, Buffer.concat(chunks));
  return { file, id: 'sha256:x', layers: [], oci: false, config: { path: 'manifest.json', bytes: Buffer.from('{}') } };
}

test('the gzip size of each file asked for, at the level delivery compresses with, summed', async () => {
  const image = await savedTar();
  assert.equal(await compressedSize(image, ['aaa/layer.tar']), gz('aaa/layer.tar'));
  assert.equal(
    await compressedSize(image, ['bbb/layer.tar', 'blobs/sha256/ccc']),
    gz('bbb/layer.tar') + gz('blobs/sha256/ccc'),
  );
  assert.ok(gz('aaa/layer.tar') < 2000, 'a compressible layer costs far less than its size');
});

test('a file asked for twice counts once; a file the tar does not hold counts 0; none asked is 0', async () => {
  const image = await savedTar();
  assert.equal(await compressedSize(image, ['aaa/layer.tar', 'aaa/layer.tar', 'zzz/layer.tar']), gz('aaa/layer.tar'));
  assert.equal(await compressedSize(image, []), 0);
});

test('entries written as ./name are found by their plain name', async () => {
  const image = await savedTar({ 'bbb/layer.tar': './bbb/layer.tar', 'aaa/layer.tar': '././aaa/layer.tar' });
  assert.equal(
    await compressedSize(image, ['bbb/layer.tar', 'aaa/layer.tar']),
    gz('bbb/layer.tar') + gz('aaa/layer.tar'),
  );
});

test('each file is measured once per image: later calls (for other hosts) do not read the tar again', async () => {
  const image = await savedTar();
  const both = gz('aaa/layer.tar') + gz('bbb/layer.tar');
  // Concurrent calls, as check runs one per host: one pass at a time, sharing what was measured.
  const sizes = await Promise.all([
    compressedSize(image, ['aaa/layer.tar', 'bbb/layer.tar']),
    compressedSize(image, ['bbb/layer.tar', 'aaa/layer.tar']),
    compressedSize(image, ['aaa/layer.tar']),
  ]);
  assert.deepEqual(sizes, [both, both, gz('aaa/layer.tar')]);
  rmSync(image.file);
  assert.equal(await compressedSize(image, ['bbb/layer.tar', 'aaa/layer.tar']), both, 'from what was measured');
  await assert.rejects(compressedSize(image, ['blobs/sha256/ccc']), { code: 'ENOENT' });
});
