/**
 * archive mode over the real sshd into the real dockerd. The SSH server's commands reach the same dockerd as
 * the local engine, so every test removes the image between making the tar and loading it: what the host
 * has afterwards can only have come through the transfer.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { deliverImage, type DeliveryProgress } from '../../src/delivery/index.js';
import { imageId } from '../../src/docker/image.js';
import type { ExecOptions, Host } from '../../src/hosts/host.js';
import { LocalHost } from '../../src/hosts/local-host.js';
import { openHost } from '../../src/hosts/open-host.js';
import { buildWebImage, localImageId, removeImage, saveImage, tagImage } from '../helpers/images.js';
import { sshSettings, tempDir, testEnv, writeKnownHosts } from '../helpers/testenv.js';

const REPO = `gangway-test/delivery-archive-${process.pid}`;
const created = new Set<string>();
let host: Host;
let dir: string;

before(async () => {
  const env = testEnv();
  dir = tempDir('gangway-archive-');
  const knownHosts = writeKnownHosts(dir, [{ port: env.port, key: 'target' }]);
  host = await openHost(
    { kind: 'ssh', label: 'root@itest', host: env.host, user: 'root', port: env.port },
    sshSettings({ knownHosts }),
  );
});

after(async () => {
  for (const ref of created) await removeImage(ref);
  await host?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh web image `REPO:tag`, saved to a tar, then removed from the engine. */
async function savedImage(tag: string, version: string): Promise<{ ref: string; id: string; tar: string }> {
  const ref = `${REPO}:${tag}`;
  created.add(ref);
  const id = await buildWebImage(ref, { version });
  const tar = join(dir, `${tag}.tar`);
  await saveImage(ref, tar);
  await removeImage(ref);
  assert.equal(await localImageId(ref), undefined);
  return { ref, id, tar };
}

function progressRecorder(): { events: DeliveryProgress[]; onProgress: (p: DeliveryProgress) => void } {
  const events: DeliveryProgress[] = [];
  return { events, onProgress: (p) => events.push({ ...p }) };
}

function assertGrowing(events: DeliveryProgress[]): void {
  assert.ok(events.length >= 2, `progress events: ${events.length}`);
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i]!.bytes >= events[i - 1]!.bytes, 'bytes never go back');
    assert.ok(events[i]!.sent >= events[i - 1]!.sent, 'sent never goes back');
  }
}

test('a prebuilt tar: streamed compressed into docker load, id verified, tag present, progress reported', async () => {
  const { ref, id, tar } = await savedImage('prebuilt', 'prebuilt-1');
  const { events, onProgress } = progressRecorder();
  const lines: string[] = [];
  const result = await deliverImage(host, {
    image: ref,
    mode: 'archive',
    archive: tar,
    onProgress,
    onLog: (l) => lines.push(l),
  });

  assert.equal(result.imageId, id);
  assert.equal(await imageId(host, ref), id);
  const size = statSync(tar).size;
  assertGrowing(events);
  const last = events.at(-1)!;
  assert.equal(last.bytes, size, 'every byte of the tar was read');
  assert.equal(last.total, size);
  assert.equal(result.bytesSent, last.sent);
  assert.ok(last.sent > 0 && last.sent < size, `compressed: ${last.sent} of ${size}`);
  assert.ok(
    lines.some((l) => l.includes(`Loaded image: ${ref}`)),
    lines.join('\n'),
  );
});

test('a prebuilt tar saved under another name gets the requested name on the host', async () => {
  const { ref: savedAs, id, tar } = await savedImage('saved-as', 'renamed-1');
  const wanted = `${REPO}:wanted`;
  created.add(wanted);
  await removeImage(wanted);
  const result = await deliverImage(host, { image: wanted, mode: 'archive', archive: tar });
  assert.equal(result.imageId, id);
  assert.equal(await imageId(host, wanted), id);
  assert.equal(await imageId(host, savedAs), id, 'docker load also restores the name it was saved under');
});

test('a prebuilt .tar.gz is sent as it is', async () => {
  const { ref, id, tar } = await savedImage('gz', 'gz-1');
  const gz = `${tar}.gz`;
  writeFileSync(gz, gzipSync(readFileSync(tar), { level: 6 }));
  const { events, onProgress } = progressRecorder();
  const result = await deliverImage(host, { image: ref, mode: 'archive', archive: gz, onProgress });
  assert.equal(result.imageId, id);
  assert.equal(result.bytesSent, statSync(gz).size);
  assert.equal(events.at(-1)!.bytes, statSync(gz).size);
});

/**
 * The host, except that `docker load` gets its whole stdin first, and `image` is removed from the (shared)
 * engine before the load starts: so `docker save` of the local engine can be tested against the same engine.
 */
function removingBeforeLoad(inner: Host, image: string): Host {
  return {
    label: inner.label,
    kind: inner.kind,
    writeFileAtomic: inner.writeFileAtomic.bind(inner),
    uploadFile: inner.uploadFile.bind(inner),
    readFile: inner.readFile.bind(inner),
    resolvePath: inner.resolvePath.bind(inner),
    close: inner.close.bind(inner),
    async exec(argv: readonly string[], options: ExecOptions = {}) {
      if (argv[1] !== 'load' || !(options.stdin instanceof Readable)) return inner.exec(argv, options);
      const chunks: Buffer[] = [];
      for await (const c of options.stdin) chunks.push(c as Buffer);
      await removeImage(image);
      assert.equal(await localImageId(image), undefined);
      return inner.exec(argv, { ...options, stdin: Buffer.concat(chunks) });
    },
  };
}

test('no archive: docker save of the local engine, streamed (no temporary file), loaded on the host', async () => {
  const ref = `${REPO}:saved`;
  created.add(ref);
  const id = await buildWebImage(ref, { version: 'docker-save-1' });
  const { events, onProgress } = progressRecorder();
  const result = await deliverImage(removingBeforeLoad(host, ref), { image: ref, mode: 'archive', onProgress });
  assert.equal(result.imageId, id);
  assert.equal(await imageId(host, ref), id);
  assertGrowing(events);
  assert.equal(events.at(-1)!.total, undefined, 'the size of a docker save stream is not known in advance');
  assert.ok(result.bytesSent > 0 && result.bytesSent < events.at(-1)!.bytes);
});

test('no archive and the local engine lacks the image: E_IMAGE_SOURCE before anything is sent', async () => {
  const ref = `${REPO}:never-built`;
  await assert.rejects(deliverImage(host, { image: ref, mode: 'archive' }), (e: Error & { code: string }) => {
    assert.equal(e.code, 'E_IMAGE_SOURCE');
    assert.match(e.message, /local Docker engine has no image gangway-test\/delivery-archive-\d+:never-built/);
    return true;
  });
});

test('the local host and no archive: the image is already in that engine, nothing is sent', async () => {
  const ref = `${REPO}:local`;
  created.add(ref);
  const id = await buildWebImage(ref, { version: 'local-1' });
  const result = await deliverImage(new LocalHost(), { image: ref, mode: 'archive' });
  assert.deepEqual({ ...result, durationMs: 0 }, { imageId: id, bytesSent: 0, durationMs: 0 });
});

test(
  'a tampered archive (config changed, manifest not): E_IMAGE_MISMATCH, and the name goes back to what ' + 'it was',
  async () => {
    const { ref, id, tar } = await savedImage('tampered', 'tampered-1');
    // Unpack, add a label to the config (the diff_ids stay valid, so docker load accepts it), pack again.
    const unpacked = join(dir, 'tampered');
    execFileSync('mkdir', ['-p', unpacked]);
    execFileSync('tar', ['-xf', tar, '-C', unpacked]);
    const configFile = join(unpacked, `${id.slice('sha256:'.length)}.json`);
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as { config: { Labels: Record<string, string> } };
    config.config.Labels.tampered = 'yes';
    writeFileSync(configFile, JSON.stringify(config));
    const tampered = join(dir, 'tampered.tar');
    execFileSync('tar', ['-cf', tampered, '-C', unpacked, '.']);

    // The host's name points at another image before the deploy; it must point there again afterwards.
    const other = `${REPO}:other`;
    created.add(other);
    const otherId = await buildWebImage(other, { version: 'other-1' });
    await tagImage(other, ref);

    let loadedId: string | undefined;
    await assert.rejects(
      deliverImage(host, { image: ref, mode: 'archive', archive: tampered }),
      (e: Error & { code: string; details?: Record<string, unknown> }) => {
        assert.equal(e.code, 'E_IMAGE_MISMATCH');
        loadedId = e.details?.actual as string;
        assert.match(
          e.message,
          new RegExp(
            /^root@itest: .*delivery-archive-\d+:tampered loaded from archive .*tampered\.tar/.source +
              / is sha256:\w{12}, but the archive says sha256:\w{12}/.source,
          ),
        );
        assert.equal(e.details?.expected, id);
        return true;
      },
    );
    assert.equal(await imageId(host, ref), otherId, 'the name was restored');
    assert.match(loadedId ?? '', /^sha256:/);
    await removeImage(loadedId!); // the tampered image, nameless now
  },
);

test('files that are not image archives fail before or at the load, naming the file', async () => {
  const notTar = join(dir, 'notes.txt');
  writeFileSync(notTar, 'just some text\n'.repeat(100));
  await assert.rejects(
    deliverImage(host, { image: `${REPO}:x`, mode: 'archive', archive: notTar }),
    (e: Error & { code: string }) => {
      assert.equal(e.code, 'E_IMAGE_ARCHIVE');
      assert.match(e.message, /notes\.txt is not an image archive/);
      return true;
    },
  );
  await assert.rejects(deliverImage(host, { image: `${REPO}:x`, mode: 'archive', archive: join(dir, 'missing.tar') }), {
    code: 'E_IMAGE_SOURCE',
    message: /cannot read the image archive .*missing\.tar: ENOENT/,
  });

  const { ref, tar } = await savedImage('truncated', 'truncated-1');
  const truncated = join(dir, 'truncated.tar');
  writeFileSync(truncated, readFileSync(tar).subarray(0, 600_000));
  await assert.rejects(
    deliverImage(host, { image: ref, mode: 'archive', archive: truncated }),
    (e: Error & { code: string }) => {
      assert.equal(e.code, 'E_IMAGE_LOAD');
      assert.match(
        e.message,
        /^root@itest: docker load of .*:truncated \(archive .*truncated\.tar\) failed \(exit 1\): .*EOF/,
      );
      return true;
    },
  );
  assert.equal(await imageId(host, ref), undefined);
});

test('a prebuilt tar through the local host: loaded uncompressed into the local engine', async () => {
  const { ref, id, tar } = await savedImage('local-prebuilt', 'local-prebuilt-1');
  const result = await deliverImage(new LocalHost(), { image: ref, mode: 'archive', archive: tar });
  assert.equal(result.imageId, id);
  assert.equal(await localImageId(ref), id);
  assert.equal(result.bytesSent, statSync(tar).size);
});
