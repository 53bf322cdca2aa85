/** What the dashboard accepts as an action, and the CLI arguments it becomes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActionError, actionArgs, describeAction, parseAction } from '../../src/ui/actions.js';

const TARGETS = ['prod', 'staging'];

test('each action becomes the CLI command a user would type, with --yes for the confirmed dialog', () => {
  const deploy = parseAction({ kind: 'deploy', target: 'prod', tag: ' v1.2 ', confirmed: true }, TARGETS);
  assert.deepEqual(actionArgs(deploy), ['deploy', 'prod', '--tag', 'v1.2', '--yes']);
  assert.equal(describeAction(deploy), 'deploy v1.2 to prod');
  const rollback = parseAction({ kind: 'rollback', target: 'staging', tag: '', confirmed: true }, TARGETS);
  assert.deepEqual(actionArgs(rollback), ['rollback', 'staging', '--yes']);
  const to = parseAction({ kind: 'rollback', target: 'prod', tag: 'v1.1', confirmed: true }, TARGETS);
  assert.deepEqual(actionArgs(to), ['rollback', 'prod', '--to', 'v1.1', '--yes']);
  const unlock = parseAction({ kind: 'unlock', target: 'prod', confirmed: true }, TARGETS);
  assert.deepEqual(actionArgs(unlock), ['lock', 'release', 'prod', '--yes']);
  assert.equal(describeAction(unlock), 'release the lock of prod');
});

test('refused: unknown kinds and targets, tags that could be options, unconfirmed requests', () => {
  const refused: [unknown, RegExp][] = [
    [null, /not a JSON object/],
    [{ kind: 'exec', target: 'prod', confirmed: true }, /kind must be deploy, rollback or unlock/],
    [{ kind: 'deploy', target: 'other', confirmed: true }, /target must be one of prod, staging/],
    [{ kind: 'deploy', target: 'prod', tag: '--force', confirmed: true }, /"--force" is not a valid image tag/],
    [{ kind: 'deploy', target: 'prod', tag: 'a b', confirmed: true }, /not a valid image tag/],
    [{ kind: 'unlock', target: 'prod', tag: 'v1', confirmed: true }, /unlock takes no tag/],
    [{ kind: 'rollback', target: 'prod' }, /was not confirmed/],
    [{ kind: 'rollback', target: 'prod', confirmed: 'yes' }, /was not confirmed/],
  ];
  for (const [body, message] of refused)
    assert.throws(
      () => parseAction(body, TARGETS),
      (e: Error) => e instanceof ActionError && message.test(e.message),
    );
});
