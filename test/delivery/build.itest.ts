/**
 * build mode over the real sshd: the context (git-tracked + untracked-not-ignored files, minus .dockerignore,
 * plus what .dockerignore re-includes) streamed into docker build on the host.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { deliverImage, type DeliveryProgress } from '../../src/delivery/index.js';
import { imageId } from '../../src/docker/image.js';
import type { Host } from '../../src/hosts/host.js';
import { LocalHost } from '../../src/hosts/local-host.js';
import { openHost } from '../../src/hosts/open-host.js';
import { removeImage } from '../helpers/images.js';
import { sshSettings, tempDir, testEnv, writeKnownHosts } from '../helpers/testenv.js';

const REPO = `gangway-test/delivery-build-${process.pid}`;
const created = new Set<string>();
let host: Host;
let context: string;

function write(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

before(async () => {
  const env = testEnv();
  const knownHosts = writeKnownHosts(tempDir(), [{ port: env.port, key: 'target' }]);
  host = await openHost(
    { kind: 'ssh', label: 'root@itest', host: env.host, user: 'root', port: env.port },
    sshSettings({ knownHosts }),
  );

  context = tempDir('gangway-build-');
  write(context, {
    Dockerfile: 'FROM scratch\nCOPY bin/busybox /bin/busybox\nCOPY . /ctx\nCMD ["/bin/busybox", "true"]\n',
    '.gitignore': 'bin/\n*.secret\n',
    // bin/busybox is .gitignored (like a binary built before the deploy): re-included here, so it is sent.
    '.dockerignore': 'docs/\n!bin/busybox\n',
    'app/tracked.txt': 'tracked content\n',
    'docs/readme.md': 'tracked, but .dockerignored\n',
  });
  mkdirSync(join(context, 'bin'));
  copyFileSync('/bin/busybox', join(context, 'bin', 'busybox'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: context,
      stdio: 'pipe',
    });
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'context');
  write(context, {
    'app/untracked.txt': 'untracked, not ignored\n',
    'token.secret': 'TOKEN=must-not-leave-this-machine\n',
  });
});

after(async () => {
  for (const ref of created) await removeImage(ref);
  await host?.close();
  rmSync(context, { recursive: true, force: true });
});

async function run(image: string, argv: string[]): Promise<string> {
  const r = await host.exec(['docker', 'run', '--rm', '--network', 'none', image, ...argv]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test('the image is built on the host from the context tar; what is in it is what the rules say', async () => {
  const image = `${REPO}:ctx`;
  created.add(image);
  await removeImage(image);
  const lines: string[] = [];
  const events: DeliveryProgress[] = [];
  const result = await deliverImage(host, {
    image,
    mode: 'build',
    context,
    onLog: (l) => lines.push(l),
    onProgress: (p) => events.push({ ...p }),
  });

  assert.match(result.imageId, /^sha256:[a-f0-9]{64}$/);
  assert.equal(await imageId(host, image), result.imageId);
  const files = (await run(image, ['/bin/busybox', 'find', '/ctx', '-type', 'f'])).split('\n').filter(Boolean).sort();
  assert.deepEqual(files, [
    '/ctx/.dockerignore',
    '/ctx/.gitignore',
    '/ctx/Dockerfile',
    '/ctx/app/tracked.txt',
    '/ctx/app/untracked.txt',
    '/ctx/bin/busybox',
  ]);
  assert.equal(await run(image, ['/bin/busybox', 'cat', '/ctx/app/tracked.txt']), 'tracked content\n');
  assert.ok(
    lines.some((l) => /Step 1\/4 : FROM scratch|FROM scratch/.test(l)),
    lines.join('\n'),
  );
  assert.ok(events.length >= 1);
  const last = events.at(-1)!;
  assert.ok(last.bytes > statSync('/bin/busybox').size, 'busybox went through the tar');
  assert.equal(result.bytesSent, last.sent);
  assert.ok(last.sent < last.bytes, 'the context is compressed');
});

test('a build that needs a .gitignored file fails with a hint that says how to send it', async () => {
  const image = `${REPO}:missing`;
  created.add(image);
  write(context, {
    'Dockerfile.generated': 'FROM scratch\nCOPY generated.bin /generated.bin\n',
    'generated.bin': 'built before the deploy',
  });
  writeFileSync(join(context, '.gitignore'), 'bin/\n*.secret\n*.bin\n');
  await assert.rejects(
    deliverImage(host, { image, mode: 'build', context, dockerfile: 'Dockerfile.generated' }),
    (e: Error & { code: string; hints: string[] }) => {
      assert.equal(e.code, 'E_IMAGE_BUILD');
      assert.match(
        e.message,
        new RegExp(`^root@itest: docker build of ${REPO}:missing failed \\(exit 1\\): .*generated\\.bin`),
      );
      assert.match(
        e.hints.join('\n'),
        /generated\.bin is ignored by git.*add the line "!generated\.bin" to .*\.dockerignore/,
      );
      return true;
    },
  );
  assert.equal(await imageId(host, image), undefined);
});

test('a context that cannot be read fails locally with E_IMAGE_SOURCE before the host builds anything', async () => {
  await assert.rejects(
    deliverImage(host, { image: `${REPO}:nope`, mode: 'build', context: join(context, 'no-such-dir') }),
    {
      code: 'E_IMAGE_SOURCE',
      message: /build context .*no-such-dir is not a directory/,
    },
  );
});

test('the same build through the local host (uncompressed into the local engine)', async () => {
  const image = `${REPO}:local`;
  created.add(image);
  await removeImage(image);
  const result = await deliverImage(new LocalHost(), { image, mode: 'build', context });
  assert.equal(await imageId(host, image), result.imageId);
  assert.equal(await run(image, ['/bin/busybox', 'cat', '/ctx/app/untracked.txt']), 'untracked, not ignored\n');
  assert.ok(result.bytesSent > statSync('/bin/busybox').size, 'not compressed');
});

test('a context file that changes while it is sent stops the host command and fails with E_IMAGE_SOURCE', async () => {
  const plain = tempDir('gangway-build-shrink-');
  write(plain, { Dockerfile: 'FROM scratch\nCOPY . /ctx\n', 'zz-last.dat': 'x'.repeat(8 * 1024 * 1024) });
  copyFileSync('/bin/busybox', join(plain, 'busybox'));
  const image = `${REPO}:shrink`;
  created.add(image);
  let truncated = false;
  const onProgress = () => {
    // Sent in path order: zz-last.dat comes after busybox, so it shrinks before it is read.
    if (!truncated) writeFileSync(join(plain, 'zz-last.dat'), 'short');
    truncated = true;
  };
  await assert.rejects(deliverImage(host, { image, mode: 'build', context: plain, onProgress }), {
    code: 'E_IMAGE_SOURCE',
    message: /build context of .*:shrink: zz-last\.dat changed while it was being sent/,
  });
  assert.equal(await imageId(host, image), undefined);
  rmSync(plain, { recursive: true, force: true });
});
