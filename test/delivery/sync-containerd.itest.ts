/**
 * sync mode into a current engine with the containerd image store (scripts/test-hosts.sh host 3: Debian trixie's
 * dockerd 26.1 and containerd 1.7): an OCI layout without the layers the engine has — in its content store, or
 * only as snapshots (a layer that came in compressed under another digest); a layer lost after the listing gets
 * the whole image once. Its own host and images, so it runs beside sync.itest.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import tar from 'tar-stream';
import { deliverImage } from '../../src/delivery/index.js';
import { chainIds, HOST_LAYERS_SCRIPT, presentChains } from '../../src/delivery/layers.js';
import { savedImage } from '../../src/delivery/saved-image.js';
import type { ExecOptions, Host } from '../../src/hosts/host.js';
import { openHost } from '../../src/hosts/open-host.js';
import { corruptingLoads, withStaleListing } from './troubled-host.js';
import { buildImage, buildWebImage, removeImage } from '../helpers/images.js';
import { sshSettings, tempDir, testHost } from '../helpers/testenv.js';

const REPO = `gangway-test/sync-ctd-${process.pid}`;
const h3 = testHost(3);
const docker = (...args: string[]) => execFileSync('docker', ['-H', h3.docker, ...args], { encoding: 'utf8' });
const clearHost = () => {
  const containers = docker('ps', '-aq').split('\n').filter(Boolean);
  if (containers.length) docker('rm', '-f', ...containers);
  const ids = docker('image', 'ls', '-aq').split('\n').filter(Boolean);
  if (ids.length) docker('image', 'rm', '-f', ...new Set(ids));
  // by name too: `image ls` leaves out an image whose layers are there only as snapshots
  for (const v of ['v1', 'v2', 'v3'])
    execFileSync('docker', ['-H', h3.docker, 'image', 'rm', '-f', `${REPO}:${v}`], { stdio: 'ignore' });
};
const runs = (ref: string) => docker('run', '--rm', '--entrypoint', '/bin/busybox', ref, 'cat', '/www/version');
let host: Host;
const dir = tempDir('gangway-sync-ctd-');

before(async () => {
  assert.match(docker('info', '--format', '{{json .DriverStatus}}'), /io\.containerd\.snapshotter/);
  host = await openHost(
    { kind: 'ssh', label: h3.spec, host: h3.address, user: h3.user, port: 22 },
    sshSettings({ fingerprints: [h3.fingerprint] }),
  );
  for (const v of ['v1', 'v2', 'v3']) await buildWebImage(`${REPO}:${v}`, { version: v });
});
after(async () => {
  for (const v of ['v1', 'v2', 'v3', 'c1', 'c2']) await removeImage(`${REPO}:${v}`);
  clearHost();
  await host?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function sync(image: string, on: Host = host): Promise<{ bytesSent: number; imageId: string; log: string }> {
  const log: string[] = [];
  const r = await deliverImage(on, { image, mode: 'sync', onLog: (l) => log.push(l) });
  return { ...r, log: log.join('\n') };
}

test('a host with none of the layers gets them all; the next tag sends only its changed layer', async () => {
  clearHost();
  const first = await sync(`${REPO}:v1`);
  assert.ok(first.bytesSent > 500_000, `everything travelled: ${first.bytesSent}`);
  const second = await sync(`${REPO}:v2`);
  assert.match(second.log, /has 1 of 2 layers .*sending 1/);
  assert.doesNotMatch(second.log, /refused/);
  assert.ok(second.bytesSent < 20_000, `only the changed layer travelled: ${second.bytesSent} bytes`);
  assert.equal(docker('image', 'inspect', '-f', '{{.Id}}', `${REPO}:v2`).trim(), second.imageId);
  assert.equal(runs(`${REPO}:v2`), 'v2');
});

/** `docker save` of `ref` with its layer files gzip-compressed: loaded, its blobs get the compressed digests. */
async function compressedTar(ref: string): Promise<string> {
  const file = join(dir, `${ref.split(':').at(-1)}-compressed.tar`);
  const extract = tar.extract();
  const pack = tar.pack();
  extract.on('entry', (header, body, next) => {
    const chunks: Buffer[] = [];
    body.on('data', (c) => void chunks.push(c as Buffer));
    body.on('end', () => {
      const content = Buffer.concat(chunks);
      const data = /layer\.tar$/.test(header.name) ? gzipSync(content) : content;
      pack.entry({ ...header, size: data.length }, data, next);
    });
  });
  extract.on('finish', () => pack.finalize());
  const written = pipeline(pack, createWriteStream(file));
  await pipeline(createReadStream((await savedImage(ref)).file), extract);
  await written;
  return file;
}

test('layers the engine has only as snapshots (their blobs under other digests) need not travel', async () => {
  clearHost();
  execFileSync('docker', ['-H', h3.docker, 'load', '-i', await compressedTar(`${REPO}:v1`)], { stdio: 'ignore' });
  const r = await sync(`${REPO}:v2`);
  assert.match(r.log, /has 1 of 2 layers .*sending 1/);
  assert.doesNotMatch(r.log, /refused/);
  assert.ok(r.bytesSent < 20_000, `only the changed layer travelled: ${r.bytesSent} bytes`);
  assert.equal(runs(`${REPO}:v2`), 'v2');

  // Docker 26.1 leaves such an image out of `image ls`; a container of it still counts in the next listing.
  docker('create', '--name', `sync-ctd-${process.pid}`, `${REPO}:v2`);
  const diffIds = JSON.parse(docker('image', 'inspect', '-f', '{{json .RootFS.Layers}}', `${REPO}:v2`)) as string[];
  const listed = presentChains((await host.exec(['sh', '-c', HOST_LAYERS_SCRIPT])).stdout);
  assert.ok(listed.has(chainIds(diffIds).at(-1)!), 'the listing has the top layer of the image the container uses');
});

test('a layer listed by the host, then lost before the load: the whole image travels once, logged', async () => {
  clearHost();
  await sync(`${REPO}:v1`);
  const forgetful = await withStaleListing(host, clearHost);
  const r = await sync(`${REPO}:v3`, forgetful);
  assert.match(r.log, /refused the partial image .*sending all of it once/);
  assert.ok(r.bytesSent > 500_000, `the full image travelled: ${r.bytesSent}`);
  assert.equal(runs(`${REPO}:v3`), 'v3');
});

test('a stream corrupted on the way: the whole image once, then a clear error, and nothing loaded', async () => {
  clearHost();
  await sync(`${REPO}:v1`);
  const before = docker('image', 'ls', '-a', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}');
  const log: string[] = [];
  await assert.rejects(
    deliverImage(corruptingLoads(host, 300), { image: `${REPO}:v2`, mode: 'sync', onLog: (l) => log.push(l) }),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, 'E_IMAGE_LOAD');
      assert.match(e.message, /sending the whole image after the partial one was refused/);
      return true;
    },
  );
  assert.match(log.join('\n'), /refused the partial image .*sending all of it once/);
  assert.equal(docker('image', 'ls', '-a', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}'), before);
  assert.throws(() => docker('image', 'inspect', `${REPO}:v2`), /No such image/, 'not even an image it cannot run');
});

test('from a local engine on the containerd store (gzip blobs, its OCI layout): only what is missing', async () => {
  clearHost();
  for (const v of ['v1', 'v2']) {
    const file = await compressedTar(`${REPO}:${v}`);
    execFileSync('docker', ['-H', h3.docker, 'load', '-i', file], { stdio: 'ignore' });
  }
  const localId = docker('image', 'inspect', '-f', '{{.Id}}', `${REPO}:v2`).trim();
  // Host 3's engine is the local engine too: v2 leaves it once saved, so what it has after came through the sync.
  const forgetting = Object.create(host) as Host;
  forgetting.exec = (argv: readonly string[], options?: ExecOptions) => {
    if (argv[2] === HOST_LAYERS_SCRIPT) docker('image', 'rm', `${REPO}:v2`);
    return host.exec(argv, options);
  };
  const previous = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = h3.docker;
  try {
    const saved = await savedImage(`${REPO}:v2`);
    assert.ok(saved.oci, 'docker 26 saves an OCI layout too');
    assert.ok(saved.layers[0]!.path !== `blobs/sha256/${saved.layers[0]!.diffId.slice(7)}`, 'a compressed blob');
    const r = await sync(`${REPO}:v2`, forgetting);
    assert.match(r.log, /has 1 of 2 layers .*sending 1/);
    assert.doesNotMatch(r.log, /refused/);
    assert.ok(r.bytesSent < 20_000, `only the changed layer travelled: ${r.bytesSent} bytes`);
    assert.equal(r.imageId, localId, 'the id the local engine gives it');
  } finally {
    if (previous === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = previous;
  }
  assert.equal(runs(`${REPO}:v2`), 'v2');
});

test('from a local containerd-store engine to a classic one: Docker 20.10 takes its gzip layer files', async () => {
  clearHost();
  // Layers of their own (random bytes): the classic host, shared with other files, has none of them.
  for (const v of ['c1', 'c2']) {
    await buildImage(`${REPO}:${v}`, [`FROM ${REPO}:v1`, 'COPY blob /blob'], { blob: randomBytes(200_000) });
    const file = await compressedTar(`${REPO}:${v}`);
    execFileSync('docker', ['-H', h3.docker, 'load', '-i', file], { stdio: 'ignore' });
  }
  const classic = testHost(6); // shared with sync.itest.ts: only this file's images are loaded and removed there
  const onClassic = (...args: string[]) =>
    execFileSync('docker', ['-H', classic.docker, ...args], { encoding: 'utf8' });
  const removeThere = () => onClassic('image', 'rm', '-f', `${REPO}:c1`, `${REPO}:c2`);
  const target = await openHost(
    { kind: 'ssh', label: classic.spec, host: classic.address, user: classic.user, port: 22 },
    sshSettings({ fingerprints: [classic.fingerprint] }),
  );
  const previous = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = h3.docker;
  try {
    removeThere();
    await sync(`${REPO}:c1`, target);
    const r = await sync(`${REPO}:c2`, target);
    assert.match(r.log, /has 2 of 3 layers .*sending 1/);
    assert.ok(r.bytesSent > 200_000 && r.bytesSent < 220_000, `the random layer travelled: ${r.bytesSent}`);
    assert.doesNotMatch(r.log, /refused/);
    const config = JSON.parse(docker('image', 'inspect', '-f', '{{json .RootFS.Layers}}', `${REPO}:c2`)) as string[];
    assert.deepEqual(JSON.parse(onClassic('image', 'inspect', '-f', '{{json .RootFS.Layers}}', `${REPO}:c2`)), config);
    assert.equal(onClassic('image', 'inspect', '-f', '{{.Id}}', `${REPO}:c2`).trim(), r.imageId);
  } finally {
    if (previous === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = previous;
    removeThere();
    await target.close();
  }
});

test('the engine is the one scripts/test-hosts.sh took from Debian trixie', () => {
  assert.match(docker('version', '--format', '{{.Server.Version}}'), /^2[6-9]\./);
  assert.ok(readFileSync(join(h3.home, '..', 'daemon.json'), 'utf8').includes('containerd-snapshotter'));
});
