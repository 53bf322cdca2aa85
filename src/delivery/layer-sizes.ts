/**
 * What layers cost on the wire: their files in the saved tar, gzip-compressed at the level delivery uses. `check`
 * says it per host; each file is measured once per saved image (many hosts lack the same layers), one pass at a time.
 */
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { GZIP_LEVEL } from './archive.js';
import type { SavedImage } from './saved-image.js';

const measured = new WeakMap<SavedImage, { sizes: Map<string, number>; pass: Promise<void> }>();

/** The gzip-compressed size of the files `paths` of the saved tar, together (each file counted once). */
export async function compressedSize(image: SavedImage, paths: Iterable<string>): Promise<number> {
  const wanted = new Set(paths);
  const state = measured.get(image) ?? { sizes: new Map<string, number>(), pass: Promise.resolve() };
  measured.set(image, state);
  state.pass = state.pass.then(() =>
    measure(
      image.file,
      [...wanted].filter((p) => !state.sizes.has(p)),
      state.sizes,
    ),
  );
  await state.pass;
  return [...wanted].reduce((n, p) => n + (state.sizes.get(p) ?? 0), 0);
}

async function measure(file: string, paths: string[], sizes: Map<string, number>): Promise<void> {
  if (paths.length === 0) return;
  const wanted = new Set(paths);
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    const name = header.name.replace(/^(\.\/)+/, '');
    if (!wanted.has(name) || sizes.has(name)) {
      body.on('end', next);
      body.resume();
      return;
    }
    let size = 0;
    const count = new Writable({
      write(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        done();
      },
    });
    pipeline(body, createGzip({ level: GZIP_LEVEL }), count).then(() => {
      sizes.set(name, size);
      next();
    }, next);
  });
  await pipeline(createReadStream(file), extract);
}
