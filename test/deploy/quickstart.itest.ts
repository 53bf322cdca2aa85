/** The README's main job: the quickstart example deployed to the `local` target (the local Docker engine). */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gangway } from '../helpers/cli.js';

const DIR = fileURLToPath(new URL('../../examples/quickstart/', import.meta.url));

after(() => {
  execFileSync('sh', ['-c', 'docker ps -aq --filter label=com.docker.compose.project=quickstart | xargs -r docker rm -f >/dev/null 2>&1; docker network rm quickstart_default >/dev/null 2>&1 || true']);
  rmSync(join(DIR, '.gangway'), { recursive: true, force: true });
  rmSync(join(DIR, 'web', 'busybox'), { force: true });
});

test('prepare.sh + `gangway deploy local` builds the quickstart image, serves it and passes the health gate', () => {
  execFileSync(join(DIR, 'prepare.sh'));
  const r = gangway(['-c', join(DIR, 'gangway.yml'), 'deploy', 'local']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\[ok\] deliver — sha256:/);
  assert.match(r.stdout, /\[ok\] health gate — \d{8}_\d{6} passed/);
  assert.match(r.stdout, /\[ok\] local — serving \d{8}_\d{6}/);
  const page = execFileSync('curl', ['-fsS', 'http://127.0.0.1:8080/'], { encoding: 'utf8' });
  assert.match(page, /gangway quickstart/);
  assert.ok(existsSync(join(DIR, '.gangway', 'local', '.gangway', 'releases.jsonl')));
  assert.ok(existsSync(join(DIR, '.gangway', 'records', 'release.log')));
});
