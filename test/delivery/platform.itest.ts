/**
 * The architecture check, end to end through the test sshd (its engine is the local one): a linux/arm64 image
 * (FROM scratch + a file: the classic builder needs no emulation for that) sent to this amd64 engine by archive
 * (a prebuilt tar, and docker save), by sync and by registry (its manifest, read from this machine) fails the
 * preflight with exit 3 before any change. An amd64 image then deploys. (When the registry cannot be read from
 * this machine (a docker here that cannot reach it), the host refuses the image right after its pull: exit 3 too,
 * the lock released.)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gangway } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { buildWebImage, localImageId, pushImage, removeImage, saveImage } from '../helpers/images.js';
import { tempDir, testEnv } from '../helpers/testenv.js';

const REPO = `gangway-test/platform-${process.pid}`;
const REMOTE = `${testEnv().registry}/gangway-test/platform-${process.pid}`;
const ENGINE = hostArch();
const projects: DeployProject[] = [];
const made: string[] = [];

function hostArch(): string {
  const arch = execFileSync('docker', ['info', '--format', '{{.Architecture}}'], { encoding: 'utf8' }).trim();
  return arch === 'x86_64' ? 'amd64' : arch === 'aarch64' ? 'arm64' : arch;
}
/** The platform this engine cannot run: arm64 on amd64 (the case), amd64 elsewhere. */
const FOREIGN = ENGINE === 'arm64' ? 'amd64' : 'arm64';

/** `docker build --platform linux/<FOREIGN>` of FROM scratch + a file. */
function buildForeign(ref: string): void {
  const dir = tempDir('gangway-platform-');
  writeFileSync(join(dir, 'hello'), 'built elsewhere\n');
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY hello /hello\nCMD ["/hello"]\n');
  execFileSync('docker', ['build', '-q', '--platform', `linux/${FOREIGN}`, '-t', ref, dir], {
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  made.push(ref);
  const os = execFileSync('docker', ['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', ref]);
  assert.equal(os.toString().trim(), `linux/${FOREIGN}`, 'the test image is for the other platform');
}

function project(delivery: string, image = REPO, archive?: string): DeployProject {
  const p = deployProject({ image, delivery, app: `gwtplat${process.pid % 10000}${delivery[0]}${projects.length}` });
  projects.push(p);
  if (archive) {
    const yml = readFileSync(p.config, 'utf8').replace(
      `delivery: ${delivery} }`,
      `delivery: ${delivery}, archive: ${archive} }`,
    );
    writeFileSync(p.config, yml);
  }
  return p;
}

/** Nothing of the app on the server: no deploy dir (so no lock, no release), no container. */
function untouched(p: DeployProject): void {
  assert.equal(existsSync(p.serverDir), false, `${p.serverDir} was not created`);
  const containers = execFileSync('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${p.app}`]);
  assert.equal(containers.toString().trim(), '', 'no container of the app');
}

const MESSAGE = new RegExp(`image \\S+:arm is linux/${FOREIGN}, host \\S+ is linux/${ENGINE}`);

before(() => buildForeign(`${REPO}:arm`));

after(async () => {
  for (const p of projects) p.cleanup();
  for (const ref of made) await removeImage(ref).catch(() => {});
});

test('archive (docker save): the preflight refuses the foreign image with exit 3 and the rebuild to do', () => {
  const p = project('archive');
  const r = gangway(['-c', p.config, 'deploy', '--tag', 'arm', '--yes']);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  const out = r.stdout + r.stderr;
  assert.match(out, MESSAGE);
  assert.match(out, new RegExp(`docker buildx build --platform linux/${ENGINE}`));
  assert.match(out, /nothing was changed/);
  assert.doesNotMatch(out, /at \S+\.js:\d+/, 'no stack trace');
  untouched(p);
});

test('archive (a prebuilt tar): read from the tar, refused, and nothing is loaded', async () => {
  const ref = `${REPO}-tar:arm`;
  buildForeign(ref);
  const tar = join(tempDir('gangway-platform-'), 'app.tar');
  await saveImage(ref, tar);
  await removeImage(ref);
  const p = project('archive', `${REPO}-tar`, tar);
  const check = gangway(['-c', p.config, 'check']);
  assert.equal(check.code, 3, check.stdout + check.stderr);
  // `check` has no tag here; a prebuilt archive is looked at all the same.
  assert.match(
    check.stdout + check.stderr,
    new RegExp(`image platform.*is linux/${FOREIGN}, host \\S+ is linux/${ENGINE}`),
  );
  const r = gangway(['-c', p.config, 'deploy', '--tag', 'arm', '--yes']);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, MESSAGE);
  assert.equal(await localImageId(ref), undefined, 'the archive was not loaded');
  untouched(p);
});

test('sync: the config of the saved tar is compared before anything is sent', () => {
  const p = project('sync');
  const r = gangway(['-c', p.config, 'deploy', '--tag', 'arm', '--yes']);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, MESSAGE);
  untouched(p);
});

/** The arm64 image pushed to the test registry, and no copy of it left on this machine. */
async function armInRegistryOnly(): Promise<void> {
  await removeImage(`${REMOTE}:arm`);
  execFileSync('docker', ['tag', `${REPO}:arm`, `${REMOTE}:arm`]);
  made.push(`${REMOTE}:arm`);
  await pushImage(`${REMOTE}:arm`);
  await removeImage(`${REMOTE}:arm`);
}

test('registry: the manifest in the registry is read before anything changes; refused with exit 3', async () => {
  await armInRegistryOnly();
  const p = project('registry', REMOTE);
  const r = gangway(['-c', p.config, 'deploy', '--tag', 'arm', '--yes']);
  const out = r.stdout + r.stderr;
  assert.equal(r.code, 3, out);
  assert.match(out, MESSAGE);
  assert.match(out, new RegExp(`docker buildx build --platform linux/${ENGINE}`));
  assert.equal(await localImageId(`${REMOTE}:arm`), undefined, 'nothing was pulled');
  untouched(p);
});

/** A `docker` for this machine only that cannot read any registry (the host's own docker is untouched). */
function noRegistryHere(): NodeJS.ProcessEnv {
  const real = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim();
  const bin = tempDir('gangway-platform-bin-');
  const shim = join(bin, 'docker');
  writeFileSync(
    shim,
    `#!/bin/sh\n[ "$1" = manifest ] && { echo 'no route to host' >&2; exit 1; }\nexec ${real} "$@"\n`,
  );
  chmodSync(shim, 0o755);
  return { PATH: `${bin}:${process.env.PATH ?? ''}` };
}

test('registry unreadable from here: the host refuses after its pull, exit 3, lock released', async () => {
  await armInRegistryOnly();
  const p = project('registry', REMOTE);
  const env = noRegistryHere();
  const r = gangway(['-c', p.config, 'deploy', '--tag', 'arm', '--yes'], { env });
  const out = r.stdout + r.stderr;
  assert.equal(r.code, 3, out);
  assert.match(out, MESSAGE);
  assert.match(out, /deploy of arm refused: image/);
  assert.match(out, /nothing was changed on any host/);
  assert.equal(await localImageId(`${REMOTE}:arm`), undefined, 'the pulled name was removed again');
  const containers = execFileSync('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${p.app}`]);
  assert.equal(containers.toString().trim(), '', 'no container of the app');
  const lock = gangway(['-c', p.config, 'lock', 'status'], { env });
  assert.equal(lock.code, 0, lock.stdout + lock.stderr);
  assert.match(lock.stdout + lock.stderr, /not locked/, 'the lock was released');
  const log = readFileSync(join(p.dir, 'records', 'release.log'), 'utf8');
  assert.match(log, /TAG arm .*result: unchanged/, 'the run is in the local release log, nothing changed');
});

test('an image for the engine deploys by archive, sync and registry', async () => {
  await buildWebImage(`${REPO}:ok`, { version: 'platform-ok' });
  made.push(`${REPO}:ok`);
  for (const delivery of ['archive', 'sync']) {
    const p = project(delivery);
    const r = gangway(['-c', p.config, 'deploy', '--tag', 'ok', '--yes']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(p.serving(), 'platform-ok');
    p.cleanup();
  }
  execFileSync('docker', ['tag', `${REPO}:ok`, `${REMOTE}:ok`]);
  made.push(`${REMOTE}:ok`);
  await pushImage(`${REMOTE}:ok`);
  const p = project('registry', REMOTE);
  const r = gangway(['-c', p.config, 'deploy', '--tag', 'ok', '--yes']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(p.serving(), 'platform-ok');
});
