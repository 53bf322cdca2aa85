/**
 * The platform of the image a deploy is about to send: from a prebuilt archive (plain or gzip-compressed docker
 * save tar), and from the local engine's `docker image inspect` (a stub docker first on PATH).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { archivePlatform, localImagePlatform } from '../../src/delivery/image-platform.js';
import { tempDir } from '../helpers/testenv.js';

const sha = (data: string) => createHash('sha256').update(data).digest('hex');

interface Image {
  tags: string[];
  config: Record<string, unknown>;
}

/** A docker save tar (docker ≤ 24 layout) of these images, written to a file, gzip-compressed when asked. */
async function archive(images: Image[], gzip = false): Promise<string> {
  const pack = tar.pack();
  const manifest = images.map((image, i) => {
    const config = JSON.stringify({ ...image.config, rootfs: { type: 'layers', diff_ids: [] } });
    pack.entry({ name: `${sha(config)}.json` }, config);
    pack.entry({ name: `${String(i).repeat(64)}/layer.tar` }, Buffer.alloc(4096, i));
    return { Config: `${sha(config)}.json`, RepoTags: image.tags, Layers: [`${String(i).repeat(64)}/layer.tar`] };
  });
  pack.entry({ name: 'manifest.json' }, JSON.stringify(manifest));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  const bytes = Buffer.concat(chunks);
  const file = join(tempDir('gangway-platform-'), gzip ? 'image.tar.gz' : 'image.tar');
  writeFileSync(file, gzip ? gzipSync(bytes) : bytes);
  return file;
}

const ARM: Image = { tags: ['acme/web:v1'], config: { os: 'linux', architecture: 'arm64', variant: 'v8' } };
const AMD: Image = { tags: ['acme/worker:v1'], config: { os: 'linux', architecture: 'amd64' } };

test('a prebuilt archive: the platform of its config, plain or gzip-compressed', async () => {
  for (const gzip of [false, true]) {
    const file = await archive([ARM], gzip);
    assert.deepEqual(await archivePlatform(file, 'acme/web:v1'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
    // One image in the archive: it is the one sent, whatever its tag.
    assert.deepEqual(await archivePlatform(file, 'other/name:v9'), {
      os: 'linux',
      architecture: 'arm64',
      variant: 'v8',
    });
  }
});

test('an archive of several images: the one named (docker.io spelled or not)', async () => {
  const file = await archive([ARM, AMD]);
  assert.deepEqual(await archivePlatform(file, 'acme/worker:v1'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(await archivePlatform(file, 'docker.io/acme/web:v1'), {
    os: 'linux',
    architecture: 'arm64',
    variant: 'v8',
  });
  await assert.rejects(archivePlatform(file, 'acme/db:v1'), {
    message: `${file} holds no single image named acme/db:v1`,
  });
});

test('a config without an architecture is an error naming the archive and image', async () => {
  const file = await archive([{ tags: ['acme/web:v1'], config: { os: 'linux' } }]);
  await assert.rejects(archivePlatform(file, 'acme/web:v1'), {
    message: `${file}: the config of acme/web:v1 names no architecture`,
  });
});

test('a tar that is no image archive, and a file that is no tar, are refused', async () => {
  const pack = tar.pack();
  pack.entry({ name: 'hello.txt' }, 'hi');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  const dir = tempDir('gangway-platform-');
  const plain = join(dir, 'plain.tar');
  writeFileSync(plain, Buffer.concat(chunks));
  await assert.rejects(
    archivePlatform(plain, 'acme/web:v1'),
    new RegExp(`^Error: ${plain} is not a docker image archive`),
  );
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'not a tar at all\n'.repeat(100));
  await assert.rejects(archivePlatform(text, 'acme/web:v1'), { code: 'E_IMAGE_ARCHIVE' });
  await assert.rejects(archivePlatform(join(dir, 'missing.tar'), 'acme/web:v1'), { code: 'E_IMAGE_SOURCE' });
});

/** A stub `docker` first on PATH that prints `inspect` for `docker image inspect … REF` and logs its argv. */
function stubDocker(inspect: string, exitCode = 0): string {
  const bin = tempDir('gangway-docker-stub-');
  const log = join(bin, 'argv');
  writeFileSync(
    join(bin, 'docker'),
    `#!/bin/sh\nprintf '%s\\n' "$@" > '${log}'\nprintf '%s\\n' '${inspect}'\nexit ${exitCode}\n`,
    { mode: 0o755 },
  );
  process.env.PATH = `${bin}:${process.env.PATH}`;
  return log;
}

test("the local engine's image: its Os, Architecture and Variant, as docker image inspect gives them", async () => {
  const log = stubDocker(JSON.stringify({ Id: 'sha256:x', Os: 'linux', Architecture: 'arm', Variant: 'v7' }));
  assert.deepEqual(await localImagePlatform('acme/web:v1'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.equal(readFileSync(log, 'utf8'), 'image\ninspect\n--format\n{{json .}}\nacme/web:v1\n');
  stubDocker(JSON.stringify({ Id: 'sha256:x', Os: 'linux' }));
  await assert.rejects(localImagePlatform('acme/web:v1'), {
    message: 'local: docker image inspect acme/web:v1 names no architecture',
  });
});
