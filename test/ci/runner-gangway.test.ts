import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { gangwayOnRunner } from '../../src/ci/runner-gangway.js';
import { tempDir } from '../helpers/testenv.js';

function repo(files: Record<string, string>): string {
  const dir = tempDir('gangway-ci-runner-');
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const REGISTRY = { from: 'registry', version: '1.2.3' };

test('no package.json: the pinned published package', async () => {
  assert.deepEqual(await gangwayOnRunner(repo({}), '1.2.3'), REGISTRY);
});

test("gangway-deploy declared and locked: the project's own install", async () => {
  const lock = { 'package-lock.json': '{}' };
  const dev = JSON.stringify({ devDependencies: { 'gangway-deploy': '^1.2.0' } });
  assert.deepEqual(await gangwayOnRunner(repo({ 'package.json': dev, ...lock }), '1.2.3'), { from: 'project' });
  const dep = JSON.stringify({ dependencies: { 'gangway-deploy': '1.2.3' } });
  assert.deepEqual(await gangwayOnRunner(repo({ 'package.json': dep, ...lock }), '1.2.3'), { from: 'project' });
});

test('the other package named gangway, no lock file, or an unreadable package.json: the pinned package', async () => {
  const other = JSON.stringify({ devDependencies: { gangway: '^2.2.0' } });
  assert.deepEqual(
    await gangwayOnRunner(repo({ 'package.json': other, 'package-lock.json': '{}' }), '1.2.3'),
    REGISTRY,
  );
  const unlocked = JSON.stringify({ devDependencies: { 'gangway-deploy': '^1.2.0' } });
  assert.deepEqual(await gangwayOnRunner(repo({ 'package.json': unlocked }), '1.2.3'), REGISTRY);
  assert.deepEqual(await gangwayOnRunner(repo({ 'package.json': '{', 'package-lock.json': '{}' }), '1.2.3'), REGISTRY);
});
