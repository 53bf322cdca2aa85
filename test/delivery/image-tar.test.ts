/** Reading which image an image tar holds, from the bytes as they stream by: Docker's layout and OCI's. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import tar from 'tar-stream';
import { familiarRef } from '../../src/docker/image.js';
import { imageTarSniffer, pickImage, type ImageTarContents } from '../../src/delivery/image-tar.js';

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

async function makeTar(files: [string, string | Buffer][]): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of files) pack.entry({ name }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

/** Feed `buffer` in small uneven chunks, as a network stream would. */
async function sniff(buffer: Buffer, chunk = 777): Promise<ImageTarContents> {
  const { stream, result } = imageTarSniffer();
  for (let i = 0; i < buffer.length; i += chunk) {
    if (!stream.write(buffer.subarray(i, i + chunk))) await new Promise((r) => stream.once('drain', r));
  }
  stream.end();
  return result;
}

const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
const configHex = sha(config);
const layer = Buffer.alloc(300_000, 7); // a "layer": skipped, never kept

test('docker ≤ 24 layout: manifest.json → Config <hex>.json and RepoTags', async () => {
  const bytes = await makeTar([
    [`${'1'.repeat(64)}/layer.tar`, layer],
    [`${configHex}.json`, config],
    [
      'manifest.json',
      JSON.stringify([
        {
          Config: `${configHex}.json`,
          RepoTags: ['127.0.0.1:5000/gangway-test/web:v1'],
          Layers: [`${'1'.repeat(64)}/layer.tar`],
        },
      ]),
    ],
    ['repositories', '{}'],
  ]);
  const r = await sniff(bytes);
  assert.ok(r.ok);
  assert.deepEqual(r.images, [
    {
      configId: `sha256:${configHex}`,
      ids: [`sha256:${configHex}`],
      repoTags: ['127.0.0.1:5000/gangway-test/web:v1'],
      config: JSON.parse(config),
    },
  ]);
});

test(
  'OCI layout (docker ≥ 25): index.json → manifest blob → config; manifest and index digests are ids ' + 'too',
  async () => {
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { digest: `sha256:${configHex}`, size: config.length },
      layers: [],
    });
    const attestation = JSON.stringify({
      schemaVersion: 2,
      config: { digest: `sha256:${'9'.repeat(64)}` },
      layers: [],
    });
    const nested = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          digest: `sha256:${sha(attestation)}`,
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
        },
        { digest: `sha256:${sha(manifest)}`, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    });
    const index = JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          digest: `sha256:${sha(nested)}`,
          annotations: {
            'io.containerd.image.name': 'docker.io/library/busybox:latest',
            'org.opencontainers.image.ref.name': 'latest',
          },
        },
      ],
    });
    const bytes = await makeTar([
      [`blobs/sha256/${'2'.repeat(64)}`, layer],
      [`blobs/sha256/${configHex}`, config],
      [`blobs/sha256/${sha(manifest)}`, manifest],
      [`blobs/sha256/${sha(attestation)}`, attestation],
      [`blobs/sha256/${sha(nested)}`, nested],
      ['index.json', index],
      ['oci-layout', '{"imageLayoutVersion":"1.0.0"}'],
      [
        'manifest.json',
        JSON.stringify([{ Config: `blobs/sha256/${configHex}`, RepoTags: ['busybox:latest'], Layers: [] }]),
      ],
    ]);
    const r = await sniff(bytes, 4096);
    assert.ok(r.ok);
    assert.equal(r.images.length, 1);
    assert.equal(r.images[0]!.configId, `sha256:${configHex}`);
    assert.deepEqual(
      new Set(r.images[0]!.ids),
      new Set([`sha256:${configHex}`, `sha256:${sha(nested)}`, `sha256:${sha(manifest)}`]),
    );
    assert.deepEqual(r.images[0]!.repoTags, ['busybox:latest']);
    assert.deepEqual(r.images[0]!.config, JSON.parse(config));
  },
);

test('an OCI layout without manifest.json is read from index.json alone', async () => {
  const manifest = JSON.stringify({ schemaVersion: 2, config: { digest: `sha256:${configHex}` }, layers: [] });
  const index = JSON.stringify({
    manifests: [
      { digest: `sha256:${sha(manifest)}`, annotations: { 'io.containerd.image.name': 'ghcr.io/acme/app:7' } },
    ],
  });
  const r = await sniff(
    await makeTar([
      [`blobs/sha256/${sha(manifest)}`, manifest],
      ['index.json', index],
    ]),
  );
  assert.ok(r.ok);
  assert.deepEqual(
    r.images,
    [
      {
        configId: `sha256:${configHex}`,
        ids: [`sha256:${configHex}`, `sha256:${sha(manifest)}`],
        repoTags: ['ghcr.io/acme/app:7'],
      },
    ],
    'no config blob in this tar',
  );
});

test('not an image tar: garbage, an empty stream, a tar without a manifest, a bad manifest', async () => {
  const cases: [string, Buffer, RegExp][] = [
    ['garbage', Buffer.from('this is not a tar at all'.repeat(100)), /not a valid tar/],
    ['empty', Buffer.alloc(0), /not a valid tar|empty/],
    ['no manifest', await makeTar([['hello.txt', 'hi']]), /no manifest\.json or index\.json/],
    ['manifest not a list', await makeTar([['manifest.json', '{"Config":"x"}']]), /not a list/],
    [
      'config not a digest',
      await makeTar([['manifest.json', '[{"Config":"../../etc/passwd"}]']]),
      /not a sha256 digest/,
    ],
  ];
  for (const [name, bytes, reason] of cases) {
    const r = await sniff(bytes);
    assert.equal(r.ok, false, name);
    if (!r.ok) assert.match(r.reason, reason, name);
  }
});

test('a truncated tar is reported, not taken for a complete one', async () => {
  const full = await makeTar([
    [`${configHex}.json`, config],
    [`${'1'.repeat(64)}/layer.tar`, layer],
    ['manifest.json', '[]'],
  ]);
  const r = await sniff(full.subarray(0, 100_000));
  assert.equal(r.ok, false);
});

test('pickImage: the image named by the ref, else the only one; several unnamed ones are ambiguous', () => {
  const a = { configId: 'sha256:a', ids: ['sha256:a'], repoTags: ['app:1'] };
  const b = { configId: 'sha256:b', ids: ['sha256:b'], repoTags: ['app:2', 'busybox:latest'] };
  assert.equal(pickImage([a, b], 'app:2'), b);
  assert.equal(pickImage([a, b], 'docker.io/library/busybox'), b);
  assert.equal(pickImage([a], 'app:renamed'), a, 'a tar saved under another name');
  assert.equal(pickImage([a, b], 'app:3'), undefined);
});

test('familiarRef: the form docker save writes in RepoTags', () => {
  assert.equal(familiarRef('docker.io/library/busybox:latest'), 'busybox:latest');
  assert.equal(familiarRef('busybox'), 'busybox:latest');
  assert.equal(familiarRef('docker.io/acme/app:1'), 'acme/app:1');
  assert.equal(familiarRef('127.0.0.1:5000/gangway-test/web'), '127.0.0.1:5000/gangway-test/web:latest');
  assert.equal(familiarRef('127.0.0.1:5000/gangway-test/web:v1'), '127.0.0.1:5000/gangway-test/web:v1');
  assert.equal(familiarRef('ghcr.io/acme/app@sha256:abc'), 'ghcr.io/acme/app@sha256:abc');
});
