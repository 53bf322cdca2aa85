/** The README's main job: the quickstart example deployed to the `local` target (the local Docker engine). */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { gangway } from '../helpers/cli.js';
import { copyExample } from '../helpers/example.js';

// A copy, so the checkout (and a user's own deploy of the example in it) is left as it was.
const DIR = copyExample('quickstart');

after(() => {
  execFileSync('sh', [
    '-c',
    'docker ps -aq --filter label=com.docker.compose.project=quickstart | xargs -r docker rm -f >/dev/null 2>&1; ' +
      'docker network rm quickstart_default >/dev/null 2>&1 || true',
  ]);
  rmSync(dirname(DIR), { recursive: true, force: true });
});

test('prepare.sh + `gangway deploy local` builds the quickstart image, serves it and passes the health gate', () => {
  execFileSync(join(DIR, 'prepare.sh'));
  const r = gangway(['-c', join(DIR, 'gangway.yml'), 'deploy', 'local']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\[ok\] deliver — sha256:/);
  assert.match(r.stdout, /\[ok\] health gate — \d{8}_\d{6} passed/);
  assert.match(r.stdout, /\[ok\] local — serving \d{8}_\d{6}/);
  const page = execFileSync('curl', ['-fsS', '--max-time', '30', 'http://127.0.0.1:8080/'], { encoding: 'utf8' });
  assert.match(page, /gangway quickstart/);
  assert.ok(existsSync(join(DIR, '.gangway', 'local', '.gangway', 'releases.jsonl')));
  assert.ok(existsSync(join(DIR, '.gangway', 'records', 'release.log')));
});
