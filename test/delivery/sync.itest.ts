/**
 * sync mode into a host of its own (scripts/test-hosts.sh: its own network namespace, dockerd and sshd), so
 * what the host has is only what travelled: first everything, then only the changed layer; a host that lost a
 * layer after listing it gets the whole image once; a corrupt tar leaves nothing loaded.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { deliverImage, type DeliveryProgress } from '../../src/delivery/index.js';
import { savedImage } from '../../src/delivery/saved-image.js';
import { syncEstimate } from '../../src/delivery/sync.js';
import { imageId } from '../../src/docker/image.js';
import type { Host } from '../../src/hosts/host.js';
import { openHost } from '../../src/hosts/open-host.js';
import { corruptingLoads, withStaleListing } from './troubled-host.js';
import { gangway } from '../helpers/cli.js';
import { deployProject } from '../helpers/deploy-project.js';
import { buildImage, buildWebImage, removeImage } from '../helpers/images.js';
import { sshSettings, tempDir, testHost, testHosts, type TestHost } from '../helpers/testenv.js';

const REPO = `gangway-test/sync-${process.pid}`;
const MiB = 1024 * 1024;
const built = new Set<string>();
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
  for (const ref of built) await removeImage(ref);
  clearHost();
  await host?.close();
});

interface Synced {
  bytesSent: number;
  imageId: string;
  log: string[];
  progress: DeliveryProgress[];
}

async function sync(image: string, on: Host = host): Promise<Synced> {
  const log: string[] = [];
  const progress: DeliveryProgress[] = [];
  const r = await deliverImage(on, {
    image,
    mode: 'sync',
    onLog: (l) => log.push(l),
    onProgress: (p) => progress.push({ ...p }),
  });
  return { ...r, log, progress };
}

/** An image of the test's own, from Dockerfile lines and files (see buildImage). */
async function image(tag: string, dockerfile: string[], files: Record<string, string | Buffer>): Promise<string> {
  built.add(`${REPO}:${tag}`);
  await buildImage(`${REPO}:${tag}`, dockerfile, files);
  return `${REPO}:${tag}`;
}

/** Bytes sent into the host's network namespace: its end of the veth is named like its user (test-hosts.sh). */
const wireBytes = () => Number(readFileSync(`/sys/class/net/${target.user}/statistics/tx_bytes`, 'utf8'));

/** The host's image ids and its engine's layer store (classic store: one directory per chain ID). */
function hostState(): { images: string; layers: string[] } {
  const root = join(dirname(new URL(target.docker).pathname), 'docker', 'image');
  const layerdb = join(root, readdirSync(root)[0]!, 'layerdb', 'sha256');
  const images = onHost('image', 'ls', '-aq', '--no-trunc').split('\n').sort().join('\n');
  return { images, layers: readdirSync(layerdb).sort() };
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
  await sync(`${REPO}:v2`); // the host has its layers, and lists them
  const forgetful = await withStaleListing(host, clearHost);
  const r = await sync(`${REPO}:v3`, forgetful);
  assert.match(r.log.join('\n'), /refused the partial image .*sending all of it once/);
  assert.ok(r.bytesSent > 500_000, `the full image travelled: ${r.bytesSent}`);
  const sent = r.progress.map((p) => p.sent);
  assert.deepEqual(
    sent,
    [...sent].sort((a, b) => a - b),
    'the bytes sent never go back',
  );
  assert.equal(sent.at(-1), r.bytesSent, 'both attempts counted');
  assert.equal(r.progress.at(-1)!.note, 'the whole image (the partial one was refused)');
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

test('gangway check says what a sync would move; deploys with delivery: sync serve each tag', async (t) => {
  clearHost();
  const p = deployProject({ image: REPO, delivery: 'sync', host: target, app: `sync${process.pid % 10000}` });
  try {
    // check uses the literal tag of gangway.yml
    writeFileSync(p.config, readFileSync(p.config, 'utf8').replace('delivery: sync }', 'delivery: sync, tag: v1 }'));
    const check = gangway(['-c', p.config, 'check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /image sync — 2 of 2 layers of \S+ to send: [\d.]+ [KM]iB gzip-compressed, /);
    const v1 = gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--yes']);
    assert.equal(v1.code, 0, v1.stdout + v1.stderr);
    assert.equal(p.serving(), 'v1');
    const v2 = gangway(['-c', p.config, 'deploy', '--tag', 'v2', '--yes']);
    assert.equal(v2.code, 0, v2.stdout + v2.stderr);
    assert.match(v2.stdout, /deliver — sha256:\S+, [\d.]+ KiB sent; has 1 of 2 layers .*; sending 1 /);
    assert.equal(p.serving(), 'v2');

    // The next tag's only change is a 1 MiB layer: the whole deploy moves little more than that layer.
    const { layer } = await appImages();
    const app1 = gangway(['-c', p.config, 'deploy', '--tag', 'app1', '--yes']);
    assert.equal(app1.code, 0, app1.stdout + app1.stderr);
    const before = wireBytes();
    const app2 = gangway(['-c', p.config, '--json', 'deploy', '--tag', 'app2', '--yes']);
    const wire = wireBytes() - before;
    assert.equal(app2.code, 0, app2.stdout + app2.stderr);
    const sent = (JSON.parse(app2.stdout) as { hosts: { bytesSent: number }[] }).hosts[0]!.bytesSent;
    t.diagnostic(`deploy of app2: deliver sent ${sent} B, ${wire} B on the link, layer ${layer} B`);
    assert.ok(sent >= layer && sent <= 1.02 * layer, `the deliver step sent ${sent} for a ${layer} layer`);
    // Beyond the layer: the SSH session and the release's files, server scripts included (about 100 KB: each deploy
    // uploads them whole; sending only those the server lacks is the next saving).
    assert.ok(wire <= 1.15 * layer, `the whole deploy moved ${wire} bytes for a ${layer} layer`);
    assert.equal(p.serving(), 'v1', "app2 serves v1's pages (it adds only a blob)");
    // The container runs app2's image (under the reference gangway keeps of it: <repo>:gangway-<app>-<12 hex of id>).
    const app2Id = onHost('image', 'inspect', '-f', '{{.Id}}', `${REPO}:app2`).trim();
    const running = onHost('ps', '-q').split('\n').filter(Boolean);
    assert.deepEqual(
      running.map((c) => onHost('inspect', '-f', '{{.Image}}', c).trim()),
      running.map(() => app2Id),
    );
  } finally {
    p.cleanup();
  }
});

/** app1 and app2: the web image v1 and a 1 MiB layer of random bytes each; `layer` is the second's gzip size. */
let apps: Promise<{ app1: string; app2: string; layer: number }> | undefined;
function appImages(): Promise<{ app1: string; app2: string; layer: number }> {
  apps ??= (async () => {
    const blobs = [randomBytes(MiB), randomBytes(MiB)];
    const [app1, app2] = await Promise.all(
      blobs.map((blob, i) => image(`app${i + 1}`, [`FROM ${REPO}:v1`, 'COPY blob /blob'], { blob })),
    );
    return { app1: app1!, app2: app2!, layer: gzipSync(blobs[1]!, { level: 1 }).length };
  })();
  return apps;
}

test('v2 after v1 of an app whose only change is a 1 MiB layer: only that layer crosses the link', async (t) => {
  clearHost();
  const { app1, app2, layer } = await appImages(); // random bytes: gzip cannot shrink the layer
  const wire0 = wireBytes();
  const first = await sync(app1);
  const wire1 = wireBytes();
  assert.match(first.log.join('\n'), /has 0 of 3 layers .*sending 3/);
  const estimate = await syncEstimate(host, app2); // what `check` says
  assert.equal(estimate.layers, 1);
  const wire1b = wireBytes();
  const second = await sync(app2);
  const wire2 = wireBytes() - (wire1b - wire1);
  assert.match(second.log.join('\n'), /has 2 of 3 layers .*sending 1/);
  assert.equal(second.progress.at(-1)!.note, '1 of 3 layers', 'progress says what is sent');
  assert.equal(second.progress.at(-1)!.sent, second.bytesSent);
  assert.equal(onHost('image', 'inspect', '-f', '{{.Id}}', app2).trim(), second.imageId);

  t.diagnostic(`v1 ${wire1 - wire0} B on the link; v2 ${second.bytesSent} B sent, ${wire2 - wire1} B on the link`);
  assert.ok(wire1 - wire0 > 1.5 * MiB, `v1: busybox and the blob crossed the link: ${wire1 - wire0} bytes`);
  assert.ok(second.bytesSent >= layer && second.bytesSent <= 1.02 * layer, `sent ${second.bytesSent} for ${layer}`);
  assert.ok(Math.abs(estimate.compressed - second.bytesSent) < 0.02 * layer, `estimated ${estimate.compressed}`);
  // On the link: SSH and TCP framing, the commands, and the acknowledgements of what the host answered.
  assert.ok(wire2 - wire1 >= layer, `the layer crossed the link: ${wire2 - wire1} bytes`);
  assert.ok(wire2 - wire1 <= 1.1 * layer, `≤ 1.1 × the changed layer (${layer}) on the link: ${wire2 - wire1} bytes`);
});

test('an image on a base the host lacks: every layer travels, also one the host has on another base', async () => {
  clearHost();
  const top = { 'top.bin': randomBytes(64 * 1024) }; // at the root: a new directory would get the build's time
  const alone = await image('top-alone', ['FROM scratch', 'COPY top.bin /'], top);
  const based = await image('top-based', ['FROM scratch', 'COPY base.bin /', 'COPY top.bin /'], {
    ...top,
    'base.bin': randomBytes(64 * 1024),
  });
  const layers = (ref: string) =>
    JSON.parse(
      execFileSync('docker', ['image', 'inspect', '-f', '{{json .RootFS.Layers}}', ref], { encoding: 'utf8' }),
    );
  const [topLayer] = layers(alone) as string[];
  assert.equal((layers(based) as string[])[1], topLayer, 'the same layer, on another base');

  await sync(alone);
  const r = await sync(based);
  assert.match(r.log.join('\n'), /has 0 of 2 layers .*sending 2/);
  assert.ok(r.bytesSent > 128 * 1024, `both layers travelled: ${r.bytesSent}`);
  assert.equal(onHost('image', 'inspect', '-f', '{{.Id}}', based).trim(), r.imageId);
  assert.deepEqual(JSON.parse(onHost('image', 'inspect', '-f', '{{json .RootFS.Layers}}', based)), layers(based));
});

test('a stream corrupted on the way: the whole image once, then a clear error, and nothing half-loaded', async () => {
  clearHost();
  const [app1, app2] = await Promise.all(
    [1, 2].map((i) => image(`torn${i}`, [`FROM ${REPO}:v1`, 'COPY blob /blob'], { blob: randomBytes(256 * 1024) })),
  );
  await sync(app1!);
  const before = hostState();
  const log: string[] = [];
  await assert.rejects(
    deliverImage(corruptingLoads(host, 20_000), { image: app2!, mode: 'sync', onLog: (l) => log.push(l) }),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, 'E_IMAGE_LOAD');
      assert.match(e.message, new RegExp(`^${target.spec}: docker load of ${app2} \\(docker save .*\\) failed`));
      assert.match(e.message, /sending the whole image after the partial one was refused/);
      return true;
    },
  );
  assert.match(log.join('\n'), /refused the partial image .*sending all of it once/);
  assert.deepEqual(hostState(), before, 'no image and no layer more than before');
});

test('to two hosts the local docker save happens once; each host gets what it lacks', async () => {
  const other = testHost(6); // shared with sync-containerd.itest.ts: only this test's image goes there
  const ref = await image('once', ['FROM scratch', 'COPY data /data'], { data: randomBytes(128 * 1024) });
  const shim = tempDir('gangway-sync-shim-');
  writeFileSync(join(shim, 'docker'), `#!/bin/sh\necho "$1" >>${join(shim, 'calls')}\nexec /usr/bin/docker "$@"\n`);
  chmodSync(join(shim, 'docker'), 0o755);
  const path = process.env.PATH;
  process.env.PATH = `${shim}:${path}`;
  const second = await openHost(
    { kind: 'ssh', label: other.spec, host: other.address, user: other.user, port: 22 },
    sshSettings({ fingerprints: [other.fingerprint] }),
  );
  try {
    const [a, b] = await Promise.all([sync(ref), sync(ref, second)]);
    assert.equal(a.imageId, b.imageId);
    const saves = readFileSync(join(shim, 'calls'), 'utf8')
      .split('\n')
      .filter((c) => c === 'save');
    assert.equal(saves.length, 1, 'one docker save for both hosts');
  } finally {
    process.env.PATH = path;
    await second.close();
    execFileSync('docker', ['-H', other.docker, 'image', 'rm', '-f', ref], { stdio: 'ignore' });
    rmSync(shim, { recursive: true, force: true });
  }
});
