import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseVerboseManifest } from '../../src/delivery/registry-platform.js';

const entry = (platform: object) => ({ Ref: 'r', Descriptor: { mediaType: 'm', digest: 'd', size: 1, platform } });

test('docker manifest inspect --verbose: one manifest, or a list (attestations left out)', () => {
  assert.deepEqual(parseVerboseManifest(JSON.stringify(entry({ architecture: 'arm64', os: 'linux' }))), [
    { os: 'linux', architecture: 'arm64' },
  ]);
  const list = [
    entry({ architecture: 'amd64', os: 'linux' }),
    entry({ architecture: 'arm', os: 'linux', variant: 'v7' }),
    entry({ architecture: 'unknown', os: 'unknown' }),
  ];
  assert.deepEqual(parseVerboseManifest(JSON.stringify(list)), [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm', variant: 'v7' },
  ]);
  assert.throws(() => parseVerboseManifest('{"Ref":"r","Descriptor":{}}'), /names no platform/);
});
