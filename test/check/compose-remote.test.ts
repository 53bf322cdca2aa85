/** The server-side Compose script, run by a real sh with a fake docker that records what it was given. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { composeOnServer } from '../../src/check/compose-remote.js';
import type { Config } from '../../src/config/config.js';
import { LocalHost } from '../../src/hosts/local-host.js';

const dir = mkdtempSync(join(tmpdir(), 'gangway-compose-remote-'));
const seen = join(dir, 'seen');
const path = process.env.PATH;
before(() => {
  mkdirSync(join(dir, 'bin'));
  mkdirSync(seen);
  writeFileSync(
    join(dir, 'bin', 'docker'),
    `#!/bin/sh
if [ "$1 $2" = "compose version" ]; then echo 2.99.0; exit 0; fi
pwd > ${seen}/pwd; cp -p ./* ./.env ${seen}/ 2>/dev/null; echo "$IMAGE_TAG $*" > ${seen}/args
if [ -f ${seen}/fail ]; then echo "services.web: additional property nope" >&2; exit 15; fi
`,
    { mode: 0o755 },
  );
  process.env.PATH = `${join(dir, 'bin')}:${path}`;
});
after(() => (process.env.PATH = path));

const config = { app: 'shop' } as Config;
// No last newline; text that a here-document must not end at or expand.
const compose = Buffer.from('services:\n  web: { image: "a:${IMAGE_TAG}" }\n# GANGWAY_EOF_ $(not run) `nor this`');
const envText = 'A=\'$(touch /tmp/x)\'\r\nB="${HOME}"\n';

test('one round trip: finds Compose, writes the files as they are in a private temp dir, runs config -q', async () => {
  const files = [{ name: 'c.yml', content: compose }];
  const r = await composeOnServer(new LocalHost(), config, { files, envText, tag: 'v7' });
  assert.deepEqual(r.cli, { flavour: 'v2', version: '2.99.0', argv: ['docker', 'compose'] });
  assert.deepEqual(r.config, { title: 'compose config', status: 'ok', detail: 'valid for docker compose 2.99.0' });
  assert.equal(readFileSync(join(seen, 'c.yml'), 'utf8'), `${compose}\n`, 'a missing last newline is added');
  assert.equal(readFileSync(join(seen, '.env'), 'utf8'), envText);
  assert.equal(statSync(join(seen, '.env')).mode & 0o777, 0o600);
  assert.equal(
    readFileSync(join(seen, 'args'), 'utf8').trim(),
    'v7 compose --project-name shop --project-directory . -f c.yml --env-file .env config -q',
  );
  const temp = readFileSync(join(seen, 'pwd'), 'utf8').trim();
  assert.match(temp, /^\/tmp\/gangway-check\.\w{8}$/);
  assert.ok(!existsSync(temp), 'the temporary directory is removed');
});

test("Compose's first stderr line is the failure; without inputs only Compose is found", async () => {
  writeFileSync(join(seen, 'fail'), '');
  const files = [{ name: 'c.yml', content: compose }];
  const failed = await composeOnServer(new LocalHost(), config, { files, tag: 'v7' });
  assert.equal(failed.config?.status, 'fail');
  assert.equal(failed.config?.detail, 'services.web: additional property nope');
  const found = await composeOnServer(new LocalHost(), config, undefined);
  assert.deepEqual(found, { cli: { flavour: 'v2', version: '2.99.0', argv: ['docker', 'compose'] } });
});
