/** The scripts as they travel: a script run as `sh -c` carries the text of what it reads as `. ./NAME.sh`. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { serverScript, type ServerScript } from '../../src/server/scripts.js';

const SH_C: ServerScript[] = ['drift.sh', 'start.sh', 'lock.sh', 'state.sh', 'copy-release.sh', 'service-container.sh'];

test('a script run as sh -c has layout.sh (and drift.sh clean-env.sh) in place of its `. ./NAME.sh` lines', () => {
  for (const name of SH_C) {
    const text = serverScript(name);
    assert.doesNotMatch(text, /^\. \.\//m, `${name} sources nothing beside it`);
    assert.match(text, /^layout_state\(\) \{/m, `${name} carries layout.sh`);
  }
  assert.match(serverScript('drift.sh'), /^clean_env\(\) \{/m);
});

test('service-container.sh as sent finds the serving colour in the layout: its container comes first', () => {
  const root = mkdtempSync(join(tmpdir(), 'gangway-scripts-'));
  try {
    mkdirSync(join(root, 'state', 'proxy'), { recursive: true });
    writeFileSync(join(root, 'state', 'proxy', 'serving'), 'green\n');
    mkdirSync(join(root, 'bin'));
    // `docker ps … --filter label=com.docker.compose.project=P …`: a container for the project shop-green only.
    writeFileSync(
      join(root, 'bin', 'docker'),
      '#!/bin/sh\ncase "$*" in *project=shop-green\\ *) echo green-cid ;; esac\n',
      { mode: 0o755 },
    );
    const args = ['-c', serverScript('service-container.sh'), 'sc', join(root, 'state'), 'shop', 'web'];
    const r = spawnSync('sh', args, { encoding: 'utf8', env: { PATH: `${join(root, 'bin')}:${process.env.PATH}` } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'green-cid\n');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
