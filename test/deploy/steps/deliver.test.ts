/**
 * Step `deliver` against a fake host: the request it makes of the delivery (login through stdin, a pinned
 * digest, a prebuilt archive), what it records in the results, and blue/green's proxy image beside the app's.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import tar from 'tar-stream';
import type { Config } from '../../../src/config/config.js';
import { deliver } from '../../../src/deploy/steps/deliver.js';
import type { Deliver, DeliveryRequest } from '../../../src/delivery/index.js';
import { PlanPayload, type DeliverStep, type Delivery } from '../../../src/plan/plan-types.js';
import { applyOf, configOf, FilesHost, planWith, stepContext } from './step-context.js';

const IMAGE = 'ghcr.io/acme/shop:v2';
const ID = `sha256:${'ab'.repeat(32)}`;
const PASSWORD_ENV = 'GANGWAY_STEP_TEST_REGISTRY_PASSWORD';
const PASSWORD = 'canary-registry-pw-5e1d';

const dir = mkdtempSync(join(tmpdir(), 'gangway-deliver-step-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
  delete process.env[PASSWORD_ENV];
});

const step = (delivery: Delivery): DeliverStep => ({ kind: 'deliver', title: 'deliver', does: [], delivery });

/** What the platform check's script prints: the engine's os|arch, then the pulled image's inspect JSON. */
const PLATFORMS = `linux|x86_64\n${JSON.stringify({ Id: ID, Os: 'linux', Architecture: 'amd64', Variant: '' })}\n`;

const NO_SUCH = { code: 1, stderr: `Error: No such image: ${IMAGE}\n` };

/** An engine that logs in, pulls and then has the image (ID); `pull` overrides the pull's answer. */
function registryHost(pull: { code?: number; stderr?: string } = {}): FilesHost {
  let pulled = false;
  return new FilesHost((argv) => {
    if (argv[1] === 'login') return { stdout: 'Login Succeeded\n' };
    if (argv[1] === 'pull') return pull.code ? pull : ((pulled = true), { stdout: 'Status: Downloaded\n' });
    if (argv[1] === 'tag') return {};
    if (argv[1] === 'image' && argv[2] === 'inspect') return pulled ? { stdout: `${ID}\n` } : NO_SUCH;
    if (argv[0] === 'sh') return { stdout: PLATFORMS };
    return { code: 127, stderr: `unexpected ${argv.join(' ')}` };
  });
}

const inspect = (image: string) => ['docker', 'image', 'inspect', '--format', '{{.Id}}', image];

async function run(host: FilesHost, delivery: Delivery, config: Config = configOf('recreate')) {
  const s = step(delivery);
  const r = await stepContext(host, planWith([s, applyOf(config)]));
  const detail = await deliver(r.ctx, s);
  return { ...r, detail };
}

test('deliver (registry, no credentials): docker pull, then the image id recorded; nothing sent', async () => {
  const host = registryHost();
  const { ctx, detail, logs, progress } = await run(host, { mode: 'registry', image: IMAGE });
  assert.deepEqual(
    host.calls.map((c) => c.argv),
    [inspect(IMAGE), ['docker', 'pull', IMAGE], host.calls[2]!.argv, inspect(IMAGE)],
  );
  assert.equal(host.calls[2]!.argv[0], 'sh', 'the pulled platform checked');
  assert.deepEqual(ctx.results, { bytesSent: 0, imageId: ID });
  assert.equal(detail, ID.slice(0, 19));
  assert.deepEqual(logs, ['Status: Downloaded'], "docker's output goes to the run's log");
  assert.deepEqual(progress, [`deliver ${IMAGE}`]);
});

test('deliver (registry, login): the password from its env var on docker login stdin only; pinned digest', async () => {
  process.env[PASSWORD_ENV] = PASSWORD;
  const base = configOf('recreate');
  const config = { ...base, image: { ...base.image!, registry: { username: 'acme', password_env: PASSWORD_ENV } } };
  const digest = `sha256:${'d'.repeat(64)}`;
  const host = registryHost();
  const login = { server: 'ghcr.io', username: 'acme', passwordEnv: PASSWORD_ENV };
  const { ctx } = await run(host, { mode: 'registry', image: IMAGE, login, byDigest: true, digest }, config as Config);
  const pinned = `ghcr.io/acme/shop@${digest}`;
  assert.deepEqual(
    host.calls.map((c) => c.argv.slice(0, 3)),
    [
      ['docker', 'login', '--username'],
      ['docker', 'image', 'inspect'],
      ['docker', 'pull', pinned],
      ['docker', 'tag', pinned],
      ['sh', '-c', host.calls[4]!.argv[2]],
      ['docker', 'image', 'inspect'],
    ],
  );
  assert.deepEqual(host.calls[0]!.argv, ['docker', 'login', '--username', 'acme', '--password-stdin', 'ghcr.io']);
  assert.equal(host.calls[0]!.stdin, PASSWORD);
  for (const c of host.calls.slice(1)) assert.equal(c.stdin, undefined);
  for (const c of host.calls) assert.ok(!c.argv.join(' ').includes(PASSWORD));
  assert.equal(ctx.results.imageId, ID);
});

test('deliver (registry, login planned but its password env var unset): no login, a plain pull', async () => {
  delete process.env[PASSWORD_ENV];
  const host = registryHost();
  const login = { server: 'ghcr.io', username: 'acme', passwordEnv: PASSWORD_ENV };
  await run(host, { mode: 'registry', image: IMAGE, login });
  assert.ok(!host.calls.some((c) => c.argv[1] === 'login'));
});

test('deliver (registry): a failed pull is E_IMAGE_PULL naming the host, and no image id is recorded', async () => {
  const host = registryHost({ code: 1, stderr: 'Error response from daemon: manifest unknown\n' });
  const s = step({ mode: 'registry', image: IMAGE });
  const { ctx } = await stepContext(host, planWith([s]));
  await assert.rejects(deliver(ctx, s), {
    code: 'E_IMAGE_PULL',
    message: `deploy@fake-host: docker pull ${IMAGE} failed (exit 1): Error response from daemon: manifest unknown`,
  });
  assert.deepEqual(ctx.results, { bytesSent: 0 });
});

test("deliver (registry, blue-green): the server pulls the proxy's image itself; nothing more is sent", async () => {
  const host = registryHost();
  const { detail } = await run(host, { mode: 'registry', image: IMAGE }, configOf('blue-green'));
  assert.equal(host.calls.length, 4, 'the same four commands as recreate');
  assert.equal(detail, ID.slice(0, 19));
});

// A prebuilt archive (image.archive): a docker-save tar of IMAGE, made here.
const configText = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
const configHex = createHash('sha256').update(configText).digest('hex');
const CONFIG_ID = `sha256:${configHex}`;
async function imageTar(): Promise<string> {
  const pack = tar.pack();
  pack.entry({ name: `${configHex}.json` }, configText);
  pack.entry(
    { name: 'manifest.json' },
    JSON.stringify([{ Config: `${configHex}.json`, RepoTags: [IMAGE], Layers: [] }]),
  );
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  const file = join(dir, 'shop.tar');
  writeFileSync(file, Buffer.concat(chunks));
  return file;
}

test('deliver (archive, blue-green): the tar into docker load, bytes recorded; a proxy image there kept', async () => {
  const archive = await imageTar();
  const config = configOf('blue-green');
  const apply = applyOf(config);
  assert.ok(apply.strategy === 'blue-green');
  const proxyImage = apply.proxy.settings.image;
  let loaded = false;
  const host = new FilesHost((argv) => {
    if (argv[1] === 'load') return ((loaded = true), { stdout: `Loaded image: ${IMAGE}\n` });
    if (argv[1] === 'image' && argv[2] === 'inspect' && argv[5] === proxyImage) return { stdout: 'sha256:proxy\n' };
    if (argv[1] === 'image' && argv[2] === 'inspect') return loaded ? { stdout: `${CONFIG_ID}\n` } : NO_SUCH;
    return { code: 127, stderr: `unexpected ${argv.join(' ')}` };
  });
  const { ctx, detail } = await run(host, { mode: 'archive', image: IMAGE, archive }, config);
  const load = host.calls.find((c) => c.argv[1] === 'load')!;
  assert.deepEqual(load.argv, ['docker', 'load']);
  assert.ok(gunzipSync(Buffer.from(load.stdin!, 'latin1')).length > 0, 'the tar, gzip-compressed, on stdin');
  assert.deepEqual(host.calls.at(-1)!.argv, inspect(proxyImage), 'asked last whether the proxy image is there');
  assert.equal(host.calls.filter((c) => c.argv[1] === 'load').length, 1, 'the proxy image is not sent again');
  assert.equal(ctx.results.imageId, CONFIG_ID);
  assert.equal(ctx.results.bytesSent, Buffer.byteLength(load.stdin!, 'latin1'));
  assert.match(detail, new RegExp(`^${CONFIG_ID.slice(0, 19)}, \\d+ B sent$`));
});

test('deliver: bytes sent add up across steps of one run (results are the run so far)', async () => {
  const host = registryHost();
  const s = step({ mode: 'registry', image: IMAGE });
  const { ctx } = await stepContext(host, planWith([s]));
  ctx.results.bytesSent = 100;
  await deliver(ctx, s);
  assert.equal(ctx.results.bytesSent, 100);
  assert.equal(ctx.results.imageId, ID);
});

/** A delivery standing in for docker on both ends: records each request, answers `bytes` sent per image. */
function fakeSend(bytes: Record<string, number>) {
  const requests: DeliveryRequest[] = [];
  const send: Deliver = async (_host, request) => {
    requests.push(request);
    return { imageId: `sha256:${request.image.length}`, bytesSent: bytes[request.image] ?? 0, durationMs: 1 };
  };
  return { send, requests };
}

for (const mode of ['archive', 'sync'] as const)
  test(`deliver (${mode}, blue-green): a proxy image missing there sent too`, async () => {
    const config = configOf('blue-green');
    const apply = applyOf(config);
    assert.ok(apply.strategy === 'blue-green');
    const proxyImage = apply.proxy.settings.image;
    const host = new FilesHost((argv) =>
      argv[1] === 'image' && argv[2] === 'inspect' && argv[5] === proxyImage
        ? { code: 1, stderr: `Error: No such image: ${proxyImage}\n` }
        : { code: 127, stderr: `unexpected ${argv.join(' ')}` },
    );
    const { send, requests } = fakeSend({ [IMAGE]: 1000, [proxyImage]: 2048 });
    const s = step({ mode, image: IMAGE, ...(mode === 'archive' && { archive: '/x/shop.tar' }) });
    const { ctx, progress } = await stepContext(host, planWith([s, apply]));
    const detail = await deliver(ctx, s, send);
    assert.deepEqual(
      requests.map((r) => [r.image, r.mode, r.archive]),
      [
        [IMAGE, mode, mode === 'archive' ? '/x/shop.tar' : undefined],
        [proxyImage, mode, undefined], // not the app's archive: docker save of the proxy's image
      ],
    );
    assert.deepEqual(progress, [`deliver ${IMAGE}`, `deliver ${proxyImage}`]);
    assert.deepEqual(
      host.calls.map((c) => c.argv),
      [inspect(proxyImage)],
      'asked once whether the server has it',
    );
    assert.equal(ctx.results.bytesSent, 1000 + 2048);
    assert.match(detail, new RegExp(`; proxy image ${proxyImage.replace(/[.:/]/g, '\\$&')} sent \\(2\\.0 KiB\\)$`));
  });

test("deliver (archive, recreate): no image but the app's is sent, and the server is not asked for one", async () => {
  const host = new FilesHost((argv) => ({ code: 127, stderr: `unexpected ${argv.join(' ')}` }));
  const { send, requests } = fakeSend({ [IMAGE]: 1000 });
  const s = step({ mode: 'archive', image: IMAGE });
  const { ctx } = await stepContext(host, planWith([s, applyOf(configOf('recreate'))]));
  await deliver(ctx, s, send);
  assert.deepEqual(
    requests.map((r) => r.image),
    [IMAGE],
  );
  assert.equal(host.calls.length, 0);
});

test("deliver (build): the build source is the plan's (read when planning), not gangway.yml's", async () => {
  const host = new FilesHost((argv) => ({ code: 127, stderr: `unexpected ${argv.join(' ')}` }));
  const { send, requests } = fakeSend({ [IMAGE]: 10 });
  const s = step({ mode: 'build', image: IMAGE });
  const source = { context: '/x/app', dockerfile: 'Dockerfile.prod', exclude: ['/x/.env.prod'] };
  const plan = planWith([s]);
  const payload = new PlanPayload(plan.payload.compose, plan.payload.envText, undefined, source);
  const { ctx } = await stepContext(host, { ...plan, payload });
  await deliver(ctx, s, send);
  assert.deepEqual(
    requests.map((r) => [r.mode, r.context, r.dockerfile, r.exclude]),
    [['build', '/x/app', 'Dockerfile.prod', ['/x/.env.prod']]],
  );
});
