import assert from 'node:assert/strict';
import { test } from 'node:test';
import { platformCheck } from '../../src/check/platform-check.js';

const engine = (architecture: string) => ({
  docker: { version: '20.10.24', rootDir: '/var/lib/docker', platform: { os: 'linux', architecture } },
});
const arm64 = { ref: 'app:1', platforms: [{ os: 'linux', architecture: 'arm64' }] };

test('an image for another architecture fails the host check with the reason and the rebuild', () => {
  const item = platformCheck(arm64, engine('amd64'), 'web1');
  assert.equal(item.status, 'fail');
  assert.match(
    item.detail,
    /^image app:1 is linux\/arm64, host web1 is linux\/amd64: build the image .*--platform linux\/amd64/,
  );
});

test('a matching image passes; an unknown image or engine platform only warns', () => {
  assert.equal(platformCheck(arm64, engine('arm64'), 'web1').status, 'ok');
  assert.equal(platformCheck({ ref: 'app:1', error: 'no such image' }, engine('amd64'), 'web1').status, 'warn');
  assert.equal(platformCheck(arm64, { docker: { version: '1', rootDir: '/' } }, 'web1').status, 'warn');
});

test('a manifest list passes when one of its platforms runs there; an unreadable registry only warns', () => {
  const list = {
    ref: 'app:1',
    platforms: [
      { os: 'linux', architecture: 'arm64' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
    ],
  };
  assert.equal(platformCheck(list, engine('arm64'), 'web1').status, 'ok');
  const refused = platformCheck(list, engine('amd64'), 'web1');
  assert.equal(refused.status, 'fail');
  assert.match(refused.detail!, /^image app:1 is linux\/arm64, linux\/arm\/v7, host web1 is linux\/amd64/);
  const unread = platformCheck({ ref: 'app:1', error: 'unauthorized', registry: true }, engine('amd64'), 'web1');
  assert.equal(unread.status, 'warn');
  assert.match(
    unread.detail!,
    /cannot read app:1 from the registry here \(unauthorized\); web1 checks it after its pull/,
  );
});

test('a build fixed to another platform says so, and how to build for the host instead', () => {
  const fixed = { ref: 'app:1', platforms: [{ os: 'linux', architecture: 'arm64' }], fixed: true as const };
  const item = platformCheck(fixed, engine('amd64'), 'web1');
  assert.equal(item.status, 'fail');
  assert.match(item.detail!, /the build is set to linux\/arm64 .*leave it out .*or set linux\/amd64$/);
});
