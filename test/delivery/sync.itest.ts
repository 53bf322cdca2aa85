/**
 * sync mode into a host of its own (scripts/test-hosts.sh: its own network namespace, dockerd and sshd), so
 * what the host has is only what travelled: first everything, then only the changed layer; a host that lost a
 * layer after listing it gets the whole image once; a corrupt tar leaves nothing loaded.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { deliverImage } from '../../src/delivery/index.js';
import { HOST_LAYERS_SCRIPT } from '../../src/delivery/layers.js';
import { savedImage } from '../../src/delivery/saved-image.js';
import { imageId } from '../../src/docker/image.js';
import type { ExecOptions, Host } from '../../src/hosts/host.js';
import { openHost } from '../../src/hosts/open-host.js';
import { gangway } from '../helpers/cli.js';
import { deployProject } from '../helpers/deploy-project.js';
import { buildWebImage, removeImage } from '../helpers/images.js';
import { sshSettings, testHost, testHosts, type TestHost } from '../helpers/testenv.js';

const REPO = `gangway-test/sync-${process.pid}`;
let target: TestHost;
let host: Host;

/** docker on the test host's own engine (not through gangway). */
const onHost = (...args: string[]) =>
  execFileSync('docker', ['-H', target.docker, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const clearHost = () => {
  const ids = onHost('image', 'ls', '-aq').split('\n').filter(Boolean);
  if (ids.length) onHost('image', 'rm', '-f', ...new Set(ids));
};

before(async () => {
  target = testHosts()[0]!;
  host = await openHost(
    { kind: 'ssh', label: target.spec, host: target.address, user: target.user, port: 22 },
    sshSettings({ fingerprints: [target.fingerprint] }),
  );
  for (const v of ['v1', 'v2', 'v3']) await buildWebImage(`${REPO}:${v}`, { version: v });
  clearHost();
});
after(async () => {
  for (const v of ['v1', 'v2', 'v3', 'corrupt']) await removeImage(`${REPO}:${v}`);
  clearHost();
  await host?.close();
});

async function sync(image: string, on: Host = host): Promise<{ bytesSent: number; imageId: string; log: string[] }> {
  const log: string[] = [];
  const r = await deliverImage(on, { image, mode: 'sync', onLog: (l) => log.push(l) });
  return { ...r, log };
}

test('a host with none of the layers gets them all; the next tag sends only its changed layer', async () => {
  const first = await sync(`${REPO}:v1`);
  assert.match(first.log.join('\n'), /has 0 of 2 layers .*sending 2/);
  assert.ok(first.bytesSent > 500_000, `busybox travelled compressed: ${first.bytesSent} bytes`);
  assert.equal(first.imageId, await imageId(host, `${REPO}:v1`));

  const second = await sync(`${REPO}:v2`);
  assert.match(second.log.join('\n'), /has 1 of 2 layers .*sending 1/);
  assert.ok(second.bytesSent < 20_000, `only the changed layer travelled: ${second.bytesSent} bytes`);
  assert.equal(onHost('image', 'inspect', '-f', '{{.Id}}', `${REPO}:v2`).trim(), second.imageId);

  const again = await sync(`${REPO}:v2`);
  assert.equal(again.bytesSent, 0, 'nothing travels for an image the host has');
});

test('a layer listed by the host, then lost before the load: the whole image travels once, logged', async () => {
  const stale = (await host.exec(['sh', '-c', HOST_LAYERS_SCRIPT])).stdout;
  clearHost();
  // The host answers the layer listing from before its images went.
  const forgetful: Host = Object.create(host) as Host;
  forgetful.exec = (argv: readonly string[], options?: ExecOptions) =>
    argv[2] === HOST_LAYERS_SCRIPT ? Promise.resolve({ code: 0, stdout: stale, stderr: '' }) : host.exec(argv, options);
  const r = await sync(`${REPO}:v3`, forgetful);
  assert.match(r.log.join('\n'), /refused the partial image .*sending all of it once/);
  assert.ok(r.bytesSent > 500_000, `the full image travelled: ${r.bytesSent}`);
  assert.equal(onHost('image', 'inspect', '-f', '{{.Id}}', `${REPO}:v3`).trim(), r.imageId);
});

test('a corrupt saved image: a clear error, and nothing half-loaded on the host', async () => {
  clearHost();
  // An image of its own: the saved file is cached for the run, and this test breaks it.
  await buildWebImage(`${REPO}:corrupt`, { version: 'corrupt' });
  const saved = await savedImage(`${REPO}:corrupt`);
  truncateSync(saved.file, 700_000); // inside the busybox layer
  await assert.rejects(sync(`${REPO}:corrupt`), (e: Error & { code?: string }) => {
    assert.match(String(e.code), /^E_IMAGE_/);
    return true;
  });
  assert.equal(onHost('image', 'ls', '-q').trim(), '', 'the host has no image');
});

test('gangway check says what a sync would move; deploys with delivery: sync serve each tag', async () => {
  clearHost();
  const p = deployProject({ image: REPO, delivery: 'sync', host: target, app: `sync${process.pid % 10000}` });
  try {
    // check uses the literal tag of gangway.yml
    writeFileSync(p.config, readFileSync(p.config, 'utf8').replace('delivery: sync }', 'delivery: sync, tag: v1 }'));
    const check = gangway(['-c', p.config, 'check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /image sync — 2 of 2 layers of \S+ to send/);
    const v1 = gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--yes']);
    assert.equal(v1.code, 0, v1.stdout + v1.stderr);
    assert.equal(p.serving(), 'v1');
    const v2 = gangway(['-c', p.config, 'deploy', '--tag', 'v2', '--yes']);
    assert.equal(v2.code, 0, v2.stdout + v2.stderr);
    assert.match(v2.stdout, /deliver — sha256:\S+, [\d.]+ KiB sent; has 1 of 2 layers .*; sending 1 /);
    assert.equal(p.serving(), 'v2');
  } finally {
    p.cleanup();
  }
});

test('a current engine with the containerd image store: an OCI layout without the layers it has', async () => {
  const h3 = testHost(3);
  const docker = (...args: string[]) => execFileSync('docker', ['-H', h3.docker, ...args], { encoding: 'utf8' });
  assert.match(docker('info', '--format', '{{json .DriverStatus}}'), /io\.containerd\.snapshotter/);
  const ids = docker('image', 'ls', '-aq').split('\n').filter(Boolean);
  if (ids.length) docker('image', 'rm', '-f', ...new Set(ids));
  const on = await openHost(
    { kind: 'ssh', label: h3.spec, host: h3.address, user: h3.user, port: 22 },
    sshSettings({ fingerprints: [h3.fingerprint] }),
  );
  try {
    const first = await sync(`${REPO}:v1`, on);
    assert.ok(first.bytesSent > 500_000, `everything travelled: ${first.bytesSent}`);
    const second = await sync(`${REPO}:v2`, on);
    assert.match(second.log.join('\n'), /has 1 of 2 layers .*sending 1/);
    assert.doesNotMatch(second.log.join('\n'), /refused/);
    assert.ok(second.bytesSent < 20_000, `only the changed layer travelled: ${second.bytesSent} bytes`);
    assert.equal(docker('image', 'inspect', '-f', '{{.Id}}', `${REPO}:v2`).trim(), second.imageId);
    const version = docker('run', '--rm', '--entrypoint', '/bin/busybox', `${REPO}:v2`, 'cat', '/www/version');
    assert.equal(version, 'v2');
  } finally {
    await on.close();
  }
});
