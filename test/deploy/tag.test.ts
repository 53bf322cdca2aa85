/** Tag rules: --tag, git (exact tag, else short SHA), date, timestamp, a literal; Docker's grammar enforced. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveTag, validateTag } from '../../src/deploy/tag.js';

const NOW = new Date(2026, 10, 22, 4, 5, 6);

test('date and timestamp rules use local time, zero-padded', async () => {
  assert.equal(await resolveTag('date', '.', NOW), '2026.11.22');
  assert.equal(await resolveTag('timestamp', '.', NOW), '20261122_040506');
});

test('--tag wins over the rule; a literal rule is used as it is', async () => {
  assert.equal(await resolveTag('date', '.', NOW, 'v1.2.3'), 'v1.2.3');
  assert.equal(await resolveTag('stable', '.', NOW), 'stable');
});

test('git: the exact tag on HEAD, else the short SHA; outside a work tree a clear usage error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gangway-tag-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir });
  await assert.rejects(resolveTag('git', dir, NOW), /not a git work tree with a commit/);
  git('init', '-q');
  writeFileSync(join(dir, 'f'), 'x');
  git('add', 'f');
  git('commit', '-qm', 'x');
  assert.match(await resolveTag('git', dir, NOW), /^[0-9a-f]{7,}$/);
  git('tag', 'v9.0.0');
  assert.equal(await resolveTag('git', dir, NOW), 'v9.0.0');
});

test('tags Docker would reject or with shell metacharacters are refused', () => {
  for (const bad of ['v1;rm -rf /', '$(id)', '-v1', '.v1', 'a'.repeat(129), 'v 1', '']) {
    assert.throws(() => validateTag(bad, '--tag'), /is not a valid image tag/, bad);
  }
  assert.equal(validateTag('v1.2_3-rc', '--tag'), 'v1.2_3-rc');
});
