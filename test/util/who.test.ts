/** whoAmI: who a lock, record or notice names — the CI run when there is one, else user@machine. */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { test } from 'node:test';
import { whoAmI } from '../../src/util/who.js';

test('GitHub Actions and GitLab CI: the repository, run and actor', () => {
  const github = { GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '42', GITHUB_ACTOR: 'ann' };
  assert.equal(whoAmI(github), 'CI github-actions acme/shop#42 (ann)');
  assert.equal(whoAmI({ GITHUB_ACTIONS: 'true' }), 'CI github-actions #? (unknown)');
  const gitlab = { GITLAB_CI: 'true', CI_PROJECT_PATH: 'acme/shop', CI_PIPELINE_ID: '7', GITLAB_USER_LOGIN: 'bob' };
  assert.equal(whoAmI(gitlab), 'CI gitlab acme/shop#7 (bob)');
});

test('another CI: marked as CI; a person: user@machine', () => {
  assert.equal(whoAmI({ CI: 'true', USER: 'runner' }), `CI runner@${hostname()}`);
  assert.match(whoAmI({}), new RegExp(`^[^@\\s]+@${hostname().replace(/\./g, '\\.')}$`));
});
