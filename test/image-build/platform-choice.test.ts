import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseBuildPlatform } from '../../src/image-build/platform-choice.js';

const amd = { os: 'linux', architecture: 'amd64' };
const arm = { os: 'linux', architecture: 'arm', variant: 'v7' };

test('explicit wins; else the one platform of the hosts; unknown hosts leave it to the builder', () => {
  assert.deepEqual(
    chooseBuildPlatform({ value: 'linux/arm64', source: '--platform' }, [{ host: 'a', platform: amd }]),
    {
      platform: 'linux/arm64',
      why: '--platform',
    },
  );
  assert.equal(
    (chooseBuildPlatform(undefined, [{ host: 'a', platform: arm }]) as { platform: string }).platform,
    'linux/arm/v7',
  );
  assert.deepEqual(chooseBuildPlatform(undefined, [{ host: 'a' }]), {
    why: "the hosts did not say their platform: this machine's",
  });
});

test('hosts of different platforms are refused, naming each', () => {
  const choice = chooseBuildPlatform(undefined, [
    { host: 'a', platform: amd },
    { host: 'b', platform: arm },
    { host: 'c', platform: amd },
  ]);
  assert.ok('error' in choice);
  assert.match(choice.error, /linux\/amd64 \(a, c\), linux\/arm\/v7 \(b\)/);
  assert.match(choice.hints[0]!, /split the target/);
});
