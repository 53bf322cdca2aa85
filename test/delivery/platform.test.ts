import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatPlatform,
  hostPlatform,
  imagePlatform,
  platformMismatch,
  runsOn,
  type Platform,
} from '../../src/delivery/platform.js';

test("docker info's kernel architectures map to the platforms images declare", () => {
  assert.deepEqual(hostPlatform('linux', 'x86_64'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(hostPlatform('linux', 'aarch64'), { os: 'linux', architecture: 'arm64' });
  assert.deepEqual(hostPlatform('linux', 'armv7l'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.deepEqual(hostPlatform('linux', 'armv6l'), { os: 'linux', architecture: 'arm', variant: 'v6' });
  assert.deepEqual(hostPlatform('windows', 'x86_64'), { os: 'windows', architecture: 'amd64' });
  assert.deepEqual(hostPlatform('linux', 's390x'), { os: 'linux', architecture: 's390x' });
  assert.equal(hostPlatform('', 'x86_64'), undefined);
  assert.equal(hostPlatform('linux', ''), undefined);
});

test('an image config gives os/architecture/variant; no architecture, no platform', () => {
  assert.deepEqual(imagePlatform({ os: 'linux', architecture: 'arm64', variant: 'v8' }), {
    os: 'linux',
    architecture: 'arm64',
    variant: 'v8',
  });
  assert.deepEqual(imagePlatform({ architecture: 'amd64', variant: '' }), { os: 'linux', architecture: 'amd64' });
  assert.equal(imagePlatform({ os: 'linux' }), undefined);
  assert.equal(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' }), 'linux/arm/v7');
});

const p = (s: string): Platform => {
  const [os, architecture, variant] = s.split('/') as [string, string, string?];
  return { os, architecture, ...(variant && { variant }) };
};

test('what runs where: same platform, 386 on amd64, 32-bit ARM on arm64, older ARM variants on newer', () => {
  const runs: [string, string][] = [
    ['linux/amd64', 'linux/amd64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/386', 'linux/amd64'],
    ['linux/arm/v7', 'linux/arm64'],
    ['linux/arm/v6', 'linux/arm/v7'],
    ['linux/arm', 'linux/arm/v6'],
  ];
  const refused: [string, string][] = [
    ['linux/arm64', 'linux/amd64'],
    ['linux/amd64', 'linux/arm64'],
    ['linux/arm/v7', 'linux/arm/v6'],
    ['linux/arm64', 'linux/arm/v7'],
    ['windows/amd64', 'linux/amd64'],
    ['linux/amd64', 'linux/386'],
  ];
  for (const [image, host] of runs) assert.ok(runsOn(p(image), p(host)), `${image} runs on ${host}`);
  for (const [image, host] of refused) assert.ok(!runsOn(p(image), p(host)), `${image} does not run on ${host}`);
});

test('the mismatch message names image, host and both platforms, and the rebuild for the host', () => {
  const m = platformMismatch('app:1', p('linux/arm64'), 'web1', p('linux/amd64'));
  assert.equal(m.reason, 'image app:1 is linux/arm64, host web1 is linux/amd64');
  assert.match(m.fix, /image.build.platform: linux\/amd64.*docker buildx build --platform linux\/amd64/);
  assert.match(m.fix, /docker buildx build --platform linux\/amd64/);
});
