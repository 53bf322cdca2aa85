import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runDocker } from '../../src/docker/local-docker.js';
import { tempDir } from '../helpers/testenv.js';

/** A `docker` first on PATH that prints its environment's value and then hangs (a Docker that never answers). */
function hangingDocker(): string {
  const dir = tempDir('gangway-fake-docker-');
  const file = join(dir, 'docker');
  writeFileSync(file, '#!/bin/sh\necho "line one"\necho "value=$GW_VALUE" >&2\nexec sleep 600\n');
  chmodSync(file, 0o755);
  return dir;
}

test('a docker command that never answers is killed at its deadline; env reaches it, lines are handed on', async () => {
  const path = process.env.PATH;
  process.env.PATH = `${hangingDocker()}:${path}`;
  try {
    const lines: string[] = [];
    const started = Date.now();
    const result = await runDocker(['manifest', 'inspect', 'x'], {
      env: { GW_VALUE: 'from env' },
      onLine: (l) => lines.push(l),
      timeoutMs: 5_000, // the stand-in prints its two lines at once: well within this, even on a loaded machine
    });
    assert.equal(result.code, null);
    assert.ok(Date.now() - started < 60_000, 'killed, not waited out');
    assert.deepEqual(lines.sort(), ['line one', 'value=from env']);
  } finally {
    process.env.PATH = path;
  }
});
