/** registry mode over the real sshd: the host pulls from the local registry (127.0.0.1:5000, no auth). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { deliverImage } from '../../src/delivery/index.js';
import { imageId } from '../../src/docker/image.js';
import type { Host } from '../../src/hosts/host.js';
import { openHost } from '../../src/hosts/open-host.js';
import { buildWebImage, localImageId, pushImage, removeImage } from '../helpers/images.js';
import { sshSettings, tempDir, testEnv, writeKnownHosts } from '../helpers/testenv.js';

let host: Host;
let ref: string;

before(async () => {
  const env = testEnv();
  ref = `${env.registry}/gangway-test/delivery-registry:${process.pid}`;
  const knownHosts = writeKnownHosts(tempDir(), [{ port: env.port, key: 'target' }]);
  host = await openHost(
    { kind: 'ssh', label: 'root@itest', host: env.host, user: 'root', port: env.port },
    sshSettings({ knownHosts }),
  );
});

after(async () => {
  await removeImage(ref);
  await host?.close();
});

test('the host pulls the pushed image: present afterwards with the same id', async () => {
  const id = await buildWebImage(ref, { version: 'registry-1' });
  await pushImage(ref);
  await removeImage(ref);
  assert.equal(await localImageId(ref), undefined, 'removed from the shared engine, so the pull must fetch it');

  const lines: string[] = [];
  const result = await deliverImage(host, { image: ref, mode: 'registry', onLog: (l) => lines.push(l) });
  assert.equal(result.imageId, id);
  assert.equal(result.bytesSent, 0);
  assert.equal(await imageId(host, ref), id);
  assert.ok(
    lines.some((l) => /Pulling from gangway-test\/delivery-registry|Downloaded newer image/.test(l)),
    lines.join('\n'),
  );
});

test('a tag the registry does not have: E_IMAGE_PULL naming the image and host', async () => {
  const missing = `${testEnv().registry}/gangway-test/delivery-registry:no-such-tag-${process.pid}`;
  await assert.rejects(deliverImage(host, { image: missing, mode: 'registry' }), (e: Error & { code: string }) => {
    assert.equal(e.code, 'E_IMAGE_PULL');
    assert.ok(e.message.startsWith(`root@itest: docker pull ${missing} failed (exit 1): `), e.message);
    assert.match(e.message, /not found|manifest unknown/);
    return true;
  });
});
