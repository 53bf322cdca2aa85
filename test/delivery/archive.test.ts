/**
 * archive mode against a fake host: what is sent (the tar, gzip-compressed, byte for byte), and how the loaded
 * image is checked — including an engine on the containerd image store, which names images by a manifest
 * digest of its own when it loads a tar in Docker's older layout.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import tar from 'tar-stream';
import { deliverImage } from '../../src/delivery/index.js';
import { tempDir } from '../helpers/testenv.js';
import { FakeHost } from './fake-host.js';

const IMAGE = 'ghcr.io/acme/app:7';
const dir = tempDir('gangway-archive-unit-');
after(() => rmSync(dir, { recursive: true, force: true }));

const diffId = `sha256:${'d'.repeat(64)}`;
const imageConfig = {
  architecture: 'amd64',
  os: 'linux',
  created: '2026-11-22T04:00:00.123456789Z',
  config: { Cmd: ['/bin/app'], Env: ['PATH=/bin'], Labels: { 'org.example': 'x' }, ExposedPorts: { '8080/tcp': {} } },
  rootfs: { type: 'layers', diff_ids: [diffId] },
};
const configText = JSON.stringify(imageConfig);
const configHex = createHash('sha256').update(configText).digest('hex');
const configId = `sha256:${configHex}`;
const containerdId = `sha256:${'c'.repeat(64)}`;

async function dockerTar(): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name: `${'1'.repeat(64)}/layer.tar` }, Buffer.alloc(200_000, 1));
  pack.entry({ name: `${configHex}.json` }, configText);
  pack.entry(
    { name: 'manifest.json' },
    JSON.stringify([{ Config: `${configHex}.json`, RepoTags: [IMAGE], Layers: [`${'1'.repeat(64)}/layer.tar`] }]),
  );
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

/**
 * An engine that loads the tar and then reports `idAfterLoad` for IMAGE, with `docker info` saying which store it uses.
 */
function engine(options: { idAfterLoad: string; containerd: boolean; inspected?: object; unpackError?: string }) {
  let loaded = false;
  return new FakeHost((argv) => {
    const [, sub, a, b, c] = argv;
    if (sub === 'load') {
      loaded = true;
      return { stdout: `Loaded image: ${IMAGE}\n${options.unpackError ? `${options.unpackError}\n` : ''}` };
    }
    if (sub === 'info')
      return {
        stdout: options.containerd
          ? '[["driver-type","io.containerd.snapshotter.v1"]]\n'
          : '[["Backing Filesystem","extfs"]]\n',
      };
    if (sub === 'image' && a === 'inspect' && c === '{{.Id}}')
      return loaded ? { stdout: `${options.idAfterLoad}\n` } : { code: 1, stderr: `Error: No such image: ${IMAGE}\n` };
    if (sub === 'image' && a === 'inspect' && c === '{{json .}}')
      return { stdout: `${JSON.stringify(options.inspected)}\n` };
    if (sub === 'image' && a === 'rm') return { stdout: `Untagged: ${IMAGE}\n` };
    return { code: 127, stderr: `unexpected: ${argv.join(' ')} ${b ?? ''}` };
  });
}

const inspectedLike = (changes: { Labels?: object } = {}) => ({
  Id: containerdId,
  Architecture: 'amd64',
  Os: 'linux',
  Created: '2026-11-22T04:00:00.123456789Z',
  Config: {
    Cmd: ['/bin/app'],
    Entrypoint: null,
    Env: ['PATH=/bin'],
    Labels: { 'org.example': 'x' },
    ExposedPorts: { '8080/tcp': {} },
    WorkingDir: '',
    User: '',
    ...changes,
  },
  RootFS: { Type: 'layers', Layers: [diffId] },
});

test('the tar goes to docker load gzip-compressed, byte for byte; a classic engine: id = config digest', async () => {
  const bytes = await dockerTar();
  const file = join(dir, 'classic.tar');
  writeFileSync(file, bytes);
  const host = engine({ idAfterLoad: configId, containerd: false });
  const result = await deliverImage(host, { image: IMAGE, mode: 'archive', archive: file });
  assert.equal(result.imageId, configId);
  const load = host.calls.find((c) => c.argv[1] === 'load')!;
  assert.deepEqual(load.argv, ['docker', 'load']);
  const sent = Buffer.from(load.stdin!, 'latin1');
  assert.equal(result.bytesSent, sent.length);
  assert.deepEqual(gunzipSync(sent), bytes);
  assert.ok(!host.calls.some((c) => c.argv[1] === 'info'), 'the store is only asked about when the ids differ');
});

test(
  'a containerd-store engine that names the image by its own manifest digest: accepted when the ' +
    'content is the same',
  async () => {
    const file = join(dir, 'containerd.tar');
    writeFileSync(file, await dockerTar());
    const host = engine({ idAfterLoad: containerdId, containerd: true, inspected: inspectedLike() });
    const result = await deliverImage(host, { image: IMAGE, mode: 'archive', archive: file });
    assert.equal(result.imageId, containerdId);
  },
);

test('…and refused when the content differs (a changed label), the name then removed again', async () => {
  const file = join(dir, 'containerd-tampered.tar');
  writeFileSync(file, await dockerTar());
  const host = engine({
    idAfterLoad: containerdId,
    containerd: true,
    inspected: inspectedLike({ Labels: { 'org.example': 'changed' } }),
  });
  await assert.rejects(
    deliverImage(host, { image: IMAGE, mode: 'archive', archive: file }),
    (e: Error & { code: string }) => {
      assert.equal(e.code, 'E_IMAGE_MISMATCH');
      assert.match(
        e.message,
        new RegExp(
          /^deploy@fake-host: ghcr\.io\/acme\/app:7 loaded from archive .* is sha256:cccccccccccc, /.source +
            /but the archive says sha256:\w{12}: .*the name ghcr\.io\/acme\/app:7 was removed again/.source,
        ),
      );
      return true;
    },
  );
  assert.ok(host.calls.some((c) => c.argv.join(' ') === `docker image rm --no-prune ${IMAGE}`));
});

test('a classic engine with another id: a mismatch, with no content comparison', async () => {
  const file = join(dir, 'classic-other.tar');
  writeFileSync(file, await dockerTar());
  const host = engine({ idAfterLoad: containerdId, containerd: false, inspected: inspectedLike() });
  await assert.rejects(deliverImage(host, { image: IMAGE, mode: 'archive', archive: file }), {
    code: 'E_IMAGE_MISMATCH',
  });
  assert.ok(!host.calls.some((c) => c.argv.includes('{{json .}}')));
});

test('a containerd-store engine that loaded but could not unpack (exit 0): a load error, name removed', async () => {
  const file = join(dir, 'containerd-unpack.tar');
  writeFileSync(file, await dockerTar());
  const unpackError =
    `Error unpacking image ${IMAGE}: failed to extract layer ${diffId}: ` +
    `failed to get reader from content store: content digest ${diffId}: not found`;
  const host = engine({ idAfterLoad: containerdId, containerd: true, inspected: inspectedLike(), unpackError });
  await assert.rejects(
    deliverImage(host, { image: IMAGE, mode: 'archive', archive: file }),
    (e: Error & { code: string }) => {
      assert.equal(e.code, 'E_IMAGE_LOAD');
      assert.match(e.message, /failed \(exit 0, but not unpacked\): Error unpacking image ghcr\.io\/acme\/app:7: /);
      assert.match(e.message, /the name ghcr\.io\/acme\/app:7 was removed again$/);
      return true;
    },
  );
  assert.ok(host.calls.some((c) => c.argv.join(' ') === `docker image rm --no-prune ${IMAGE}`));
});
