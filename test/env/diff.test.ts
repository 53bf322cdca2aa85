/** Which env keys differ between the local file and the server's — by name only, never a value. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffEnv } from '../../src/env/diff.js';
import { parseEnv } from '../../src/env/parse.js';
import { CANARIES, canaryEnvFile, findLeaks } from '../helpers/canary.js';

const env = (text: string) => parseEnv(text).entries;

test('added, removed and changed keys, sorted; the rest counted as unchanged', () => {
  const local = env('B=1\nA=new\nSAME=x\nZ_NEW=1\nEMPTY=\n');
  const remote = env('A=old\nB=1\nSAME=x\nGONE=1\nEMPTY=\n');
  assert.deepEqual(diffEnv(local, remote), { added: ['Z_NEW'], removed: ['GONE'], changed: ['A'], unchanged: 3 });
  assert.deepEqual(diffEnv([], []), { added: [], removed: [], changed: [], unchanged: 0 });
});

test('an empty value is a value: set to empty is a change, not a removal', () => {
  assert.deepEqual(diffEnv(env('A=\n'), env('A=x\n')), { added: [], removed: [], changed: ['A'], unchanged: 0 });
});

test('a key written twice counts as its last value (as Compose reads it)', () => {
  assert.deepEqual(diffEnv(env('A=1\nA=2\n'), env('A=2\n')).unchanged, 1);
  assert.deepEqual(diffEnv(env('A=2\nA=1\n'), env('A=2\n')).changed, ['A']);
});

test('keys are case-sensitive; values compared exactly (spaces, quotes, non-ASCII)', () => {
  assert.deepEqual(diffEnv(env('key=1\n'), env('KEY=1\n')), {
    added: ['key'],
    removed: ['KEY'],
    changed: [],
    unchanged: 0,
  });
  assert.deepEqual(diffEnv(env("A='x '\n"), env('A=x\n')).changed, ['A']);
  assert.deepEqual(diffEnv(env('A=ü\n'), env('A=u\n')).changed, ['A']);
});

test('the result names keys only: no canary value in any form, nor its digest', () => {
  const local = env(canaryEnvFile());
  const remote = env(canaryEnvFile().replace(CANARIES.DB_PASSWORD, 'canary-other-value-123'));
  const diff = diffEnv(local, remote);
  assert.deepEqual(diff.changed, ['DB_PASSWORD']);
  const shown = JSON.stringify(diff);
  assert.deepEqual(findLeaks({ diff: shown }), []);
  assert.doesNotMatch(shown, /[0-9a-f]{64}/, 'no sha256 digest');
});
