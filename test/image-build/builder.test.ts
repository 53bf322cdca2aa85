import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cannotBuild, emulationNote, parseInspect, type LocalBuilder } from '../../src/image-build/builder.js';

const INSPECT = `Name:   default
Driver: docker

Nodes:
Name:             default
Endpoint:         default
Status:           running
BuildKit version: v0.8+unknown
Platforms:        linux/amd64, linux/386
`;

test('docker buildx inspect: the docker driver loads into the engine and exports no cache', () => {
  assert.deepEqual(parseInspect(INSPECT), {
    driver: 'docker',
    loadsIntoEngine: true,
    exportsCache: false,
    platforms: ['linux/amd64', 'linux/386'],
  });
  const container = parseInspect(
    INSPECT.replace('Driver: docker', 'Driver: docker-container').replace('linux/386', 'linux/arm64*'),
  );
  assert.equal(container.loadsIntoEngine, false);
  assert.equal(container.exportsCache, true);
  assert.deepEqual(container.platforms, ['linux/amd64', 'linux/arm64']);
});

const engine = { os: 'linux', architecture: 'amd64' };
const classic: LocalBuilder = { kind: 'classic', loadsIntoEngine: true, exportsCache: false, platforms: [], engine };
const buildx: LocalBuilder = { ...classic, kind: 'buildx', driver: 'docker', platforms: ['linux/amd64'] };

test('the classic builder: its own platform only, no secrets; each refusal names what to install', () => {
  assert.equal(cannotBuild(classic, 'linux/amd64', []), undefined);
  assert.equal(cannotBuild(classic, undefined, []), undefined);
  assert.match(cannotBuild(classic, 'linux/arm64', [])!, /linux\/arm64.*linux\/amd64.*apt-get install docker-buildx/);
  assert.match(cannotBuild(classic, 'linux/amd64', ['NPM_TOKEN'])!, /build secrets \(NPM_TOKEN\) need BuildKit/);
  assert.equal(cannotBuild(buildx, 'linux/arm64', ['NPM_TOKEN']), undefined);
});

test('buildx for a foreign platform: a note on emulation, or on the missing emulator', () => {
  assert.equal(emulationNote(buildx, 'linux/amd64'), undefined);
  assert.match(emulationNote(buildx, 'linux/arm64')!, /no linux\/arm64 emulator.*exec format error/);
  assert.match(emulationNote({ ...buildx, platforms: ['linux/amd64', 'linux/arm64'] }, 'linux/arm64')!, /emulation/);
});
