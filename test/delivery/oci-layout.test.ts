import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fullImageName, ociManifest } from '../../src/delivery/oci-layout.js';

test('containerd names: Docker Hub gets docker.io (and library/), a registry host stays', () => {
  assert.equal(fullImageName('busybox:1'), 'docker.io/library/busybox:1');
  assert.equal(fullImageName('acme/app:v2'), 'docker.io/acme/app:v2');
  assert.equal(fullImageName('127.0.0.1:5000/acme/app:v2'), '127.0.0.1:5000/acme/app:v2');
  assert.equal(fullImageName('ghcr.io/acme/app:v2'), 'ghcr.io/acme/app:v2');
  assert.equal(fullImageName('localhost/app:v2'), 'localhost/app:v2');
});

test('the manifest names the config by its digest and each layer uncompressed, by its diff ID', () => {
  const diff = `sha256:${'a'.repeat(64)}`;
  const manifest = JSON.parse(
    ociManifest({
      file: '/nowhere',
      id: 'sha256:x',
      layers: [{ path: 'l/layer.tar', diffId: diff, chainId: diff, bytes: 42 }],
      config: { path: 'c.json', bytes: Buffer.from('{}') },
      oci: false,
    }).toString(),
  ) as { config: { digest: string; size: number }; layers: { mediaType: string; digest: string; size: number }[] };
  assert.equal(manifest.config.digest, 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  assert.equal(manifest.config.size, 2);
  assert.deepEqual(manifest.layers, [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: diff, size: 42 }]);
});
