/** The host checks' one server script (facts, Compose, `config -q`), run by a real sh with a fake docker. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { serverFacts } from '../../src/check/server-facts.js';
import type { Config } from '../../src/config/config.js';
import { LocalHost } from '../../src/hosts/local-host.js';

const dir = mkdtempSync(join(tmpdir(), 'gangway-server-facts-'));
const bin = join(dir, 'bin');
const seen = join(dir, 'seen');
const calls = join(dir, 'calls');
const path = process.env.PATH;
// How the fake docker answers `info`: its stdout line, or (file `info-fails`) an error; `plugins-unknown`: a CLI
// from before plugins, refusing a template that names them. `await-config`: info waits (up to 20 s) for a
// `config -q` to be running, and notes in `overlap` that one was.
const docker = `#!/bin/sh
D=${dir}
echo "docker $*" >> $D/calls
if [ "$1" = info ] && [ -f $D/await-config ]; then
  i=0
  while [ ! -f $D/config-running ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done
  [ -f $D/config-running ] && : > $D/overlap
fi
if [ "$1" = info ]; then
  [ -f $D/info-fails ] && { echo "Cannot connect to the Docker daemon" >&2; exit 1; }
  case $3 in
    *ClientInfo*) [ -f $D/plugins-unknown ] && { echo "template: no ClientInfo" >&2; exit 64; }
      echo "25.0.1|$D|linux|x86_64|$(cat $D/plugin)" ;;
    *) echo "25.0.1|$D" ;;
  esac
  exit 0
fi
if [ "$1 $2" = "compose version" ]; then [ -f $D/no-v2 ] && exit 1; echo 2.98.0; exit 0; fi
: > $D/config-running; pwd > $D/seen/pwd; cp -p ./* ./.env $D/seen/ 2>/dev/null; echo "$IMAGE_TAG $*" > $D/seen/args
[ -f $D/seen/fail ] && { echo 'level=warning msg="version is obsolete"' >&2; echo "services.web: nope" >&2; exit 15; }
exit 0
`;
before(() => {
  mkdirSync(bin);
  writeFileSync(join(bin, 'docker'), docker, { mode: 0o755 });
  const v1 = `#!/bin/sh\necho "docker-compose $*" >> ${calls}\n[ -f ${dir}/no-v1 ] && exit 127\necho 1.29.2\n`;
  writeFileSync(join(bin, 'docker-compose'), v1, { mode: 0o755 });
  process.env.PATH = `${bin}:${path}`;
});
beforeEach(() => {
  for (const f of ['info-fails', 'plugins-unknown', 'no-v2', 'no-v1', 'calls', 'seen', 'await-config', 'overlap'])
    rmSync(join(dir, f), { recursive: true, force: true });
  mkdirSync(seen);
  writeFileSync(join(dir, 'plugin'), 'v2.99.0');
});
after(() => (process.env.PATH = path));

const config = { app: 'shop' } as Config;
// No last newline; text that the shell must not expand, quotes and a printf format among it.
const compose = Buffer.from("services:\n  web: { image: \"a:${IMAGE_TAG}\" }\n# 'it's' %s\\n $(not run) `nor this`");
const envText = 'A=\'$(touch /tmp/x)\'\r\nB="${HOME}"\n';
const files = [{ name: 'c.yml', content: compose }];
const ran = () => readFileSync(calls, 'utf8').trim().split('\n');
const v2 = (version: string) => ({ flavour: 'v2', version, argv: ['docker', 'compose'] });

test("one script: the facts, Compose from docker info's plugins, then config -q on the files as they are", async () => {
  const r = await serverFacts(new LocalHost(), join(dir, 'app'), config, { files, envText, tag: 'v7' });
  assert.deepEqual(r.facts.docker, {
    version: '25.0.1',
    rootDir: dir,
    platform: { os: 'linux', architecture: 'amd64' },
  });
  assert.deepEqual(r.facts.dir, { state: 'creatable', parent: dir });
  assert.deepEqual(r.compose.cli, v2('2.99.0'), 'the v of a release build is dropped, as `version --short` does');
  assert.deepEqual(r.compose.config, {
    title: 'compose config',
    status: 'ok',
    detail: 'valid for docker compose 2.99.0',
  });
  assert.equal(ran().length, 2, `docker info and compose config only: ${ran().join('; ')}`);
  assert.deepEqual(readFileSync(join(seen, 'c.yml')), compose, 'byte for byte, without a last newline too');
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

test('config -q runs while docker info runs: the two docker processes side by side, not in turn', async () => {
  writeFileSync(join(dir, 'await-config'), '');
  rmSync(join(dir, 'config-running'), { force: true });
  const r = await serverFacts(new LocalHost(), dir, config, { files, envText, tag: 'v7' });
  assert.ok(existsSync(join(dir, 'overlap')), 'config -q was running while docker info was');
  assert.deepEqual(r.compose.cli, v2('2.99.0'));
  assert.equal(r.compose.config?.status, 'ok');
});

test("Compose's first stderr line that is no warning is the failure; Docker's stderr stays Docker's", async () => {
  writeFileSync(join(seen, 'fail'), '');
  const failed = await serverFacts(new LocalHost(), dir, config, { files, tag: 'v7' });
  assert.equal(failed.compose.config?.status, 'fail');
  assert.equal(failed.compose.config?.detail, 'services.web: nope');
  assert.equal('error' in failed.facts.docker, false);

  writeFileSync(join(dir, 'info-fails'), '');
  const noDaemon = await serverFacts(new LocalHost(), dir, config, { files, tag: 'v7' });
  assert.deepEqual(noDaemon.facts.docker, { error: 'Cannot connect to the Docker daemon', code: 1 });
  assert.deepEqual(noDaemon.compose.cli, v2('2.98.0'), 'asked when docker info could not list the plugins');
  assert.equal(noDaemon.compose.config?.detail, 'services.web: nope');
});

test('Compose asked when docker info names no plugin: v2, then v1, else none; without files only found', async () => {
  writeFileSync(join(dir, 'plugin'), '');
  assert.deepEqual(await serverFacts(new LocalHost(), dir, config, undefined).then((r) => r.compose), {
    cli: v2('2.98.0'),
  });
  writeFileSync(join(dir, 'no-v2'), '');
  const v1 = await serverFacts(new LocalHost(), dir, config, { files, tag: 'v7' });
  assert.deepEqual(v1.compose.cli, { flavour: 'v1', version: '1.29.2', argv: ['docker-compose'] });
  assert.ok(
    ran().includes('docker-compose --project-name shop --project-directory . -f c.yml config -q'),
    ran().join('; '),
  );
  writeFileSync(join(dir, 'no-v1'), '');
  const none = await serverFacts(new LocalHost(), dir, config, { files, tag: 'v7' });
  assert.deepEqual(none.compose, {}, "v2's config -q, started before Compose was known, is not reported");
  const v1Runs = ran().filter((c) => c.startsWith('docker-compose ') && c.endsWith('config -q'));
  assert.equal(v1Runs.length, 1, "v1's config -q only where v1 is the Compose");
});

test('a Docker CLI from before plugins is asked again without them', async () => {
  writeFileSync(join(dir, 'plugins-unknown'), '');
  const r = await serverFacts(new LocalHost(), dir, config, undefined);
  assert.equal(r.facts.docker && 'version' in r.facts.docker && r.facts.docker.version, '25.0.1');
  assert.deepEqual(r.compose.cli, v2('2.98.0'));
});

test("no temporary directory: mktemp's complaint is the failure, and Compose is still found", async () => {
  const mktemp = join(bin, 'mktemp');
  writeFileSync(mktemp, '#!/bin/sh\necho "mktemp: No space left on device" >&2\nexit 1\n', { mode: 0o755 });
  try {
    const r = await serverFacts(new LocalHost(), dir, config, { files, tag: 'v7' });
    assert.deepEqual(r.compose.cli, v2('2.99.0'));
    assert.deepEqual(r.compose.config, {
      title: 'compose config',
      status: 'fail',
      detail: 'could not create a temporary directory: mktemp: No space left on device',
    });
    assert.equal('error' in r.facts.docker, false, "mktemp's stderr is not Docker's");
  } finally {
    rmSync(mktemp);
  }
});
