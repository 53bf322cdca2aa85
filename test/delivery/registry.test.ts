/** registry mode against a fake host: the password goes to docker login's stdin and nowhere else. */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { test } from 'node:test';
import { deliverImage } from '../../src/delivery/index.js';
import { DeliveryError } from '../../src/delivery/errors.js';
import { Secret } from '../../src/redact/secret.js';
import { CANARIES, findLeaks } from '../helpers/canary.js';
import { FakeHost } from './fake-host.js';

const IMAGE = 'registry.example.com/acme/app:1.2.3';
const ID = `sha256:${'ab'.repeat(32)}`;
const PASSWORD = CANARIES.REGISTRY;
const registry = {
  server: 'registry.example.com',
  username: 'acme-bot',
  password: new Secret(PASSWORD, 'registry password'),
};

const happy = (argv: readonly string[]) => {
  if (argv[1] === 'login') return { stdout: 'Login Succeeded\n' };
  if (argv[1] === 'pull')
    return {
      stdoutChunks: ['1.2.3: Pulling from acme/app\nDigest: sha256:', 'ffff\nStatus: Downloaded newer image\n'],
    };
  if (argv[1] === 'image' && argv[2] === 'inspect') return { stdout: `${ID}\n` };
  if (argv[0] === 'sh') return { stdout: platforms('amd64') };
  return { code: 127, stderr: `unexpected ${argv.join(' ')}` };
};

/** What the platform check's script prints: the engine's os|arch, then the pulled image's inspect JSON. */
function platforms(image: string, variant = ''): string {
  return `linux|x86_64\n${JSON.stringify({ Id: ID, Os: 'linux', Architecture: image, Variant: variant })}\n`;
}

test('with credentials: docker login --password-stdin gets the password on stdin only, then docker pull', async () => {
  const host = new FakeHost(happy);
  const lines: string[] = [];
  const result = await deliverImage(host, { image: IMAGE, mode: 'registry', registry, onLog: (l) => lines.push(l) });

  assert.equal(result.imageId, ID);
  assert.equal(result.bytesSent, 0);
  assert.deepEqual(
    host.calls.map((c) => c.argv),
    [
      ['docker', 'login', '--username', 'acme-bot', '--password-stdin', 'registry.example.com'],
      ['docker', 'image', 'inspect', '--format', '{{.Id}}', IMAGE],
      ['docker', 'pull', IMAGE],
      host.calls[3]!.argv, // the platform check (below)
      ['docker', 'image', 'inspect', '--format', '{{.Id}}', IMAGE],
    ],
  );
  assert.equal(host.calls[3]!.argv[0], 'sh');
  assert.equal(host.calls[0]!.stdin, PASSWORD, 'the password is the whole of login stdin');
  for (const call of host.calls) {
    assert.deepEqual(findLeaks({ argv: call.argv.join('\0') }, { PASSWORD }), [], `argv of ${call.argv[1]}`);
  }
  assert.deepEqual(
    host.calls.slice(1).map((c) => c.stdin),
    [undefined, undefined, undefined, undefined],
    'only login reads stdin',
  );
  assert.deepEqual(lines, ['1.2.3: Pulling from acme/app', 'Digest: sha256:ffff', 'Status: Downloaded newer image']);
});

test('without credentials there is no login', async () => {
  const host = new FakeHost(happy);
  await deliverImage(host, { image: IMAGE, mode: 'registry' });
  assert.deepEqual(
    host.calls.map((c) => c.argv[1]),
    ['image', 'pull', '-c', 'image'],
  );
});

test("a refused login names the host, server and user with docker's first line, and never the password", async () => {
  // A hypothetical docker that echoed the password (raw and base64) must still not leak it.
  const echoed =
    'Error response from daemon: Get "https://registry.example.com/v2/": unauthorized: ' +
    `bad ${PASSWORD} ${Buffer.from(`acme-bot:${PASSWORD}`).toString('base64')}`;
  const host = new FakeHost((argv) =>
    argv[1] === 'login' ? { code: 1, stderr: `${echoed}\nsecond line\n` } : happy(argv),
  );
  const lines: string[] = [];
  const error = await deliverImage(host, {
    image: IMAGE,
    mode: 'registry',
    registry,
    onLog: (l) => lines.push(l),
  }).catch((e: unknown) => e);
  assert.ok(error instanceof DeliveryError);
  assert.equal(error.code, 'E_REGISTRY_LOGIN');
  assert.match(
    error.message,
    new RegExp(
      /^deploy@fake-host: docker login to registry\.example\.com as acme-bot failed \(exit 1\): /.source +
        /Error response from daemon: .*unauthorized/.source,
    ),
  );
  assert.ok(!error.message.includes('second line'));
  const shown = {
    message: error.message,
    hints: error.hints.join('\n'),
    inspect: inspect(error),
    json: JSON.stringify(error),
    log: lines.join('\n'),
  };
  assert.deepEqual(findLeaks(shown, { PASSWORD }), []);
  assert.equal(host.calls.length, 1, 'no pull after a failed login');
});

test('a failed pull names the image and host, with the first stderr line and a hint', async () => {
  const host = new FakeHost((argv) =>
    argv[1] === 'pull'
      ? {
          code: 1,
          stderr:
            'Error response from daemon: pull access denied for registry.example.com/acme/app, ' +
            "repository does not exist or may require 'docker login'\n",
        }
      : happy(argv),
  );
  await assert.rejects(deliverImage(host, { image: IMAGE, mode: 'registry' }), (e: DeliveryError) => {
    assert.equal(e.code, 'E_IMAGE_PULL');
    assert.match(
      e.message,
      new RegExp(
        /^deploy@fake-host: docker pull registry\.example\.com\/acme\/app:1\.2\.3 failed \(exit 1\): /.source +
          /Error response from daemon: pull access denied/.source,
      ),
    );
    assert.match(e.hints.join('\n'), /password_env/);
    return true;
  });
});

test('a pull that leaves no image is an error, not an empty id', async () => {
  const host = new FakeHost((argv) =>
    argv[2] === 'inspect' ? { code: 1, stderr: `Error: No such image: ${IMAGE}\n` } : happy(argv),
  );
  await assert.rejects(deliverImage(host, { image: IMAGE, mode: 'registry' }), { code: 'E_IMAGE_MISSING' });
});

test('an image reference that docker would take for an option is refused before anything runs', async () => {
  const host = new FakeHost(happy);
  for (const image of ['--help', '-q', 'app:1 --privileged', '']) {
    await assert.rejects(deliverImage(host, { image, mode: 'registry' }), { code: 'E_USAGE' });
  }
  assert.equal(host.calls.length, 0);
});

test('an image pulled for another architecture is refused, named as before, with the rebuild to do', async () => {
  const OLD = `sha256:${'cd'.repeat(32)}`;
  let pulled = false;
  const host = new FakeHost((argv) => {
    if (argv[1] === 'pull') pulled = true;
    if (argv[0] === 'sh') return { stdout: platforms('arm64', 'v8') };
    if (argv[1] === 'image' && argv[2] === 'inspect') return { stdout: `${pulled ? ID : OLD}\n` };
    if (argv[1] === 'tag') return {};
    return happy(argv);
  });
  const error = await deliverImage(host, { image: IMAGE, mode: 'registry' }).catch((e: unknown) => e);
  assert.ok(error instanceof DeliveryError);
  assert.equal(error.code, 'E_IMAGE_PLATFORM');
  assert.equal(error.exitCode, 3, 'a refusal before anything the app runs changed: exit 3, as for every delivery mode');
  assert.match(
    error.message,
    /^image registry\.example\.com\/acme\/app:1\.2\.3 is linux\/arm64\/v8, host \S+ is linux\/amd64 \(/,
  );
  assert.match(error.message, /image.build.platform: linux\/amd64.*docker buildx build --platform linux\/amd64/);
  assert.deepEqual(host.calls.at(-1)!.argv, ['docker', 'tag', OLD, IMAGE], 'the name points at the old image again');
});

test('an amd64 image, or an engine that cannot say, passes the platform check', async () => {
  for (const answer of [{ stdout: platforms('amd64') }, { code: 1, stderr: 'unknown flag: --format' }]) {
    const host = new FakeHost((argv) => (argv[0] === 'sh' ? answer : happy(argv)));
    const result = await deliverImage(host, { image: IMAGE, mode: 'registry' });
    assert.equal(result.imageId, ID);
  }
});
