import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verbosity } from '../../src/cli/main.js';

test('verbosity: -v, --verbose and -vv count, up to `--` (an exec command may take its own -v)', () => {
  assert.equal(verbosity(['node', 'gangway', 'deploy']), 0);
  assert.equal(verbosity(['node', 'gangway', '-v', 'deploy']), 1);
  assert.equal(verbosity(['node', 'gangway', '-vv', 'deploy', '--verbose']), 3);
  assert.equal(verbosity(['node', 'gangway', 'exec', 'web', '--', 'grep', '-v', 'x']), 0);
  assert.equal(verbosity(['node', 'gangway', '--version']), 0);
});
