/**
 * swarm.sh's docker calls under the local sh, as apply.sh runs them (IFS a newline, globbing off), against a stub
 * `docker` that writes down its argv and environment: what reaches the CLI as arguments, and what does not.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { envExport } from '../../src/strategy/swarm/release.js';
import { serverScript } from '../../src/server/scripts.js';
import { HOSTILE } from '../helpers/hostile.js';

const root = mkdtempSync(join(tmpdir(), 'gangway-swarm-sh-'));
after(() => rmSync(root, { recursive: true, force: true }));
const bin = join(root, 'bin');
const rel = join(root, 'srv', 'shop', '.gangway', 'releases', 'r1');
const log = join(root, 'docker.log');
mkdirSync(bin);
mkdirSync(rel, { recursive: true });
writeFileSync(join(rel, 'swarm.sh'), serverScript('swarm.sh'));
writeFileSync(join(rel, 'clean-env.sh'), serverScript('clean-env.sh')); // sourced by apply.sh before swarm.sh
writeFileSync(join(rel, 'json.sh'), serverScript('json.sh'));
// The stub writes to a fixed path: swarm.sh calls docker with a cleaned environment.
writeFileSync(
  join(bin, 'docker'),
  `#!/bin/sh\n[ "$2 $3" = "deploy --help" ] && exit 0\n` +
    `{ printf 'argv'; printf '\\0%s' "$@"; printf '\\nenv\\0'; env -0; printf '\\n'; } >> '${log}'\n`,
);
chmodSync(join(bin, 'docker'), 0o755);

interface Call {
  argv: string[];
  env: Map<string, string>;
}

/** Run `body` after sourcing swarm.sh the way apply.sh does; the docker calls it made. */
function run(body: string, extraEnv: Record<string, string> = {}): Call[] {
  writeFileSync(log, '');
  const script = `set -u; set -f; IFS='\n'; APP=shop; DIR=${root}/srv/shop; FILES='docker-compose.yml'
SWARM_RESOLVE=always; SWARM_REGISTRY_AUTH=1; . "${rel}/clean-env.sh"; . "${rel}/swarm.sh"; ${body}`;
  const r = spawnSync('sh', ['-c', script], {
    encoding: 'utf8',
    env: { PATH: `${bin}:${process.env.PATH}`, HOME: root, DOCKER_HOST: 'unix:///run/test.sock', ...extraEnv },
  });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(log, 'utf8')
    .split('argv\0')
    .filter(Boolean)
    .map((entry) => {
      const [argv = '', env = ''] = entry.split('\nenv\0');
      return {
        argv: argv.split('\0'),
        env: new Map(
          env
            .split('\0')
            .filter((kv) => kv.includes('='))
            .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string]),
        ),
      };
    });
}

test('strategy_logs: --since as one word under a newline IFS (the gate read nothing before), none without it', () => {
  const [since, plain] = run(
    'SW_LOGS_SINCE=1795387980; strategy_logs web v1 50; SW_LOGS_SINCE=; strategy_logs web v1 7',
  );
  assert.deepEqual(since!.argv, ['service', 'logs', '--no-task-ids', '--tail', '50', '--since=1795387980', 'shop_web']);
  assert.deepEqual(plain!.argv, ['service', 'logs', '--no-task-ids', '--tail', '7', 'shop_web']);
});

test('sw_docker: a clean environment (the engine address kept), whatever the caller exported', () => {
  const [call] = run('sw_docker node ls', { DB_PASSWORD: 'hunter2-password', DOCKER_CONFIG: '/cfg' });
  assert.deepEqual(call!.argv, ['node', 'ls']);
  assert.equal(call!.env.get('DOCKER_HOST'), 'unix:///run/test.sock');
  assert.equal(call!.env.get('DOCKER_CONFIG'), '/cfg');
  assert.equal(call!.env.has('DB_PASSWORD'), false);
});

test('sw_stack_deploy: the files and flags as arguments, every env value only in its environment', () => {
  const env = new Map<string, string>(HOSTILE.map((v, i) => [`V${i}`, v]));
  writeFileSync(join(rel, '.env.export'), envExport(env), { mode: 0o600 });
  writeFileSync(join(rel, 'swarm-defaults.yml'), 'services: {}\n');
  writeFileSync(join(rel, 'swarm-names.yml'), 'secrets:\n  "token":\n    name: "shop_token_0123456789ab"\n');
  const [call] = run(`sw_stack_deploy '${rel}' v2`, { LEAK: 'from-the-caller' });
  assert.deepEqual(call!.argv, [
    'stack',
    'deploy',
    '-c',
    `${root}/srv/shop/docker-compose.yml`,
    '-c',
    `${rel}/swarm-defaults.yml`,
    '-c',
    `${rel}/swarm-names.yml`,
    '--resolve-image',
    'always',
    '--with-registry-auth',
    'shop',
  ]);
  assert.equal(call!.env.get('IMAGE_TAG'), 'v2');
  HOSTILE.forEach((v, i) => {
    // env -0 cannot show a value with a NUL, and none has one; a newline inside a value stays in it.
    assert.equal(call!.env.get(`V${i}`), v, JSON.stringify(v));
  });
  assert.equal(call!.env.has('LEAK'), false, 'only the release env and the engine address');
});

test('sw_objects + sw_stack_deploy: no file: secrets or configs, no names file (current CLIs refuse it empty)', () => {
  writeFileSync(join(rel, '.env.export'), '', { mode: 0o600 });
  writeFileSync(join(rel, 'swarm-defaults.yml'), 'services: {}\n');
  writeFileSync(join(rel, 'swarm-objects'), '');
  for (const version of ['', '3.8']) {
    // Docker CLI 26 and later: `top-level object must be a mapping` for an empty -c file.
    const [call] = run(
      `json_str() { printf '%s' "$1"; }; SWARM_VERSION='${version}'; REL='${rel}'; sw_objects '${rel}' && ` +
        `sw_stack_deploy '${rel}' v1`,
    );
    const files = call!.argv.filter((_, i) => call!.argv[i - 1] === '-c');
    assert.deepEqual(
      files,
      [`${root}/srv/shop/docker-compose.yml`, `${rel}/swarm-defaults.yml`],
      `version '${version}'`,
    );
  }
});

const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const DIGEST_B = `sha256:${'b'.repeat(64)}`;
/** A release copied from one whose deploy read these images (swarm-images), pinned for OPERATION. */
function pins(operation: string, images: string, version = '3.8'): { pins?: string; files: string[]; said: string } {
  writeFileSync(join(rel, 'swarm-services'), 'web\ntalker\ndb\ncache\n');
  writeFileSync(join(rel, 'swarm-images'), images);
  writeFileSync(join(rel, 'swarm-pins.yml'), 'services: { stale: { image: copied-from-the-source } }\n');
  writeFileSync(join(rel, 'swarm-defaults.yml'), 'services: {}\n');
  rmSync(join(rel, 'swarm-names.yml'), { force: true });
  const said = join(root, 'said');
  writeFileSync(said, '');
  const [call] = run(
    `DATA='${rel}'; . '${rel}/json.sh'; say() { echo "$*" >> '${said}'; }; OPERATION=${operation}; TAG=stable; ` +
      `IMAGE_NAME=docker.io/acme/web; SWARM_VERSION='${version}'; sw_pins '${rel}' && sw_stack_deploy '${rel}' v1`,
  );
  assert.equal(existsSync(join(rel, 'swarm-images')), false, "the copy is not taken for this deploy's images");
  const pinned = join(rel, 'swarm-pins.yml');
  return {
    ...(existsSync(pinned) && { pins: readFileSync(pinned, 'utf8') }),
    files: call!.argv.filter((_, i) => call!.argv[i - 1] === '-c'),
    said: readFileSync(said, 'utf8'),
  };
}

test('sw_pins: a rollback pins every service to the digest its release ran, last of the files given to the CLI', () => {
  const images =
    `web\tacme/web:stable@${DIGEST_A}\ntalker\tacme/web:stable@${DIGEST_A}\ndb\tpostgres:16@${DIGEST_B}\n` +
    `cache\tredis:7\ngone\tacme/gone:1@${DIGEST_B}\n`;
  const r = pins('rollback', images);
  assert.equal(
    r.pins,
    `version: "3.8"\nservices:\n  "web":\n    image: "acme/web:stable@${DIGEST_A}"\n` +
      `  "talker":\n    image: "acme/web:stable@${DIGEST_A}"\n  "db":\n    image: "postgres:16@${DIGEST_B}"\n`,
    'redis:7 has no digest to pin (never resolved), gone is no service of this release',
  );
  assert.deepEqual(r.files, [
    `${root}/srv/shop/docker-compose.yml`,
    `${rel}/swarm-defaults.yml`,
    `${rel}/swarm-pins.yml`,
  ]);
  assert.match(r.said, new RegExp(`^web pinned to acme/web:stable@${DIGEST_A} \\(what its release ran\\)$`, 'm'));
  // No version in the compose files: none in the pins either.
  assert.match(pins('rollback', images, '').pins!, /^services:\n {2}"web":/);
});

test("sw_pins: env-only pins gangway's own image at the tag only (a changed env value may name another image)", () => {
  const images = `web\tacme/web:stable@${DIGEST_A}\ndb\tpostgres:16@${DIGEST_B}\ntalker\tacme/web:other@${DIGEST_B}\n`;
  assert.equal(
    pins('env-only', images).pins,
    `version: "3.8"\nservices:\n  "web":\n    image: "acme/web:stable@${DIGEST_A}"\n`,
  );
});

test('sw_pins: no digest (image.delivery archive or sync), no images copied: no pins file, a copied one gone', () => {
  for (const images of ['web\tacme/web:stable\ndb\tpostgres:16\n', undefined]) {
    if (images === undefined) rmSync(join(rel, 'swarm-images'), { force: true });
    const r = images === undefined ? pinsWithoutImages() : pins('rollback', images);
    assert.equal(r.pins, undefined, String(images));
    assert.ok(!r.files.some((f) => f.endsWith('swarm-pins.yml')));
  }
});

function pinsWithoutImages(): { pins?: string; files: string[] } {
  writeFileSync(join(rel, 'swarm-pins.yml'), 'services: { stale: { image: copied-from-the-source } }\n');
  const [call] = run(`OPERATION=rollback; sw_pins '${rel}' && sw_stack_deploy '${rel}' v1`);
  const pinned = join(rel, 'swarm-pins.yml');
  return {
    ...(existsSync(pinned) && { pins: readFileSync(pinned, 'utf8') }),
    files: call!.argv.filter((_, i) => call!.argv[i - 1] === '-c'),
  };
}

test("sw_images + the record: each service's image as its spec names it; image_digest is gangway's image's", () => {
  writeFileSync(join(rel, 'swarm-services'), 'db\nweb\ncache\ngone\n');
  const imagesBin = join(root, 'images-bin');
  mkdirSync(imagesBin, { recursive: true });
  // `docker service inspect -f … shop_<service>`: the spec's image; the service gone meanwhile: no such service.
  writeFileSync(
    join(imagesBin, 'docker'),
    `#!/bin/sh\ncase "$5" in shop_db) echo "postgres:16@${DIGEST_B}" ;;\n` +
      `shop_web) echo "acme/web:stable@${DIGEST_A}" ;;\n` +
      `shop_cache) echo "redis:7" ;; *) echo "no such service: $5" >&2; exit 1 ;; esac\n`,
    { mode: 0o755 },
  );
  const script =
    `set -u; set -f; IFS='\n'; APP=shop; REL='${rel}'; DATA='${rel}'; TAG=stable; ` +
    `. "${rel}/json.sh"; . "${rel}/clean-env.sh"; . "${rel}/swarm.sh"; `;
  const record = (imageName: string) => {
    const r = spawnSync(
      'sh',
      [
        '-c',
        `${script} IMAGE_NAME='${imageName}'; sw_images '${rel}' && sw_record_extra gwh21 ''; echo "$RECORD_EXTRA"`,
      ],
      { encoding: 'utf8', env: { PATH: `${imagesBin}:${process.env.PATH}` } },
    );
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(`{${r.stdout.trim().slice(1)}}`) as Record<string, unknown>;
  };
  assert.deepEqual(record('docker.io/acme/web'), {
    manager: 'gwh21',
    services: {},
    images: { db: `postgres:16@${DIGEST_B}`, web: `acme/web:stable@${DIGEST_A}`, cache: 'redis:7' },
    image_digest: DIGEST_A,
  });
  assert.equal(readFileSync(join(rel, 'swarm-images'), 'utf8').split('\n')[1], `web\tacme/web:stable@${DIGEST_A}`);
  // Another image name (or none): the images, but no digest of gangway's.
  assert.equal(record('ghcr.io/acme/web').image_digest, undefined);
  assert.equal(record('').image_digest, undefined);
});

test('sw_objects under a session umask of 022: .mask (env values and the secret) stays 0600', () => {
  // (the reproduction: sourced alone, with a 0600 .mask and one file: secret already in the release)
  writeFileSync(join(rel, '.mask'), 'an-env-value-1234\n', { mode: 0o600 });
  writeFileSync(join(rel, 'swarm-objects'), 'secret\ttoken\tlocal\ttoken.txt\n');
  writeFileSync(join(rel, 'swarm-secret-token'), 'the-secret-content\n', { mode: 0o600 });
  run(`umask 022; json_str() { printf '%s' "$1"; }; say() { :; }; SWARM_VERSION=; REL='${rel}'; sw_objects '${rel}'`);
  assert.equal(statSync(join(rel, '.mask')).mode & 0o777, 0o600);
  assert.match(readFileSync(join(rel, '.mask'), 'utf8'), /the-secret-content/);
});

test('fatal_logs: logs that cannot be read fail the gate, naming the service; fatal lines are counted', () => {
  writeFileSync(join(rel, 'fatal_patterns'), 'FATAL\n');
  writeFileSync(join(rel, 'swarm-services'), 'web\ntalker\n');
  // gate.sh's fatal_logs (over swarm.sh's strategy_logs and strategy_services) and the helpers it uses, reduced to
  // what the test reads.
  const fatalLogs = /^fatal_logs\(\) \{[\s\S]*?^\}$/m.exec(serverScript('gate.sh'))![0];
  const helpers = `DATA='${rel}'; REL='${rel}'; FATAL_TAIL=50; FAIL_SERVICE=; say() { echo "say $*"; }
fail() { echo "fail $1: $2"; }; strip_ansi() { cat; }; mask() { sed 's/hunter2/***/g'; }
${fatalLogs}`;
  const gateBin = join(root, 'gate-bin');
  mkdirSync(gateBin, { recursive: true });
  const gate = (docker: string) => {
    writeFileSync(join(gateBin, 'docker'), `#!/bin/sh\n${docker}\n`, { mode: 0o755 });
    const script = `set -u; set -f; IFS='\n'; APP=shop; . "${rel}/clean-env.sh"; . "${rel}/swarm.sh"; ${helpers}
if fatal_logs v1; then echo passed; else echo "failed $FAIL_SERVICE"; fi`;
    const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { PATH: `${gateBin}:${process.env.PATH}` } });
    return r.stdout.trim().split('\n');
  };
  assert.deepEqual(gate('echo "$5 | all good"'), ['say ok no fatal log lines', 'passed']);
  assert.deepEqual(gate('[ "$6" = shop_talker ] && echo "FATAL boom" && echo "FATAL again"; true'), [
    'fail fatal logs: fatal patterns in the last 50 log lines of: talker(2)',
    'failed talker',
  ]);
  assert.deepEqual(gate('echo "Error: no such service: $6 hunter2" >&2; exit 1'), [
    'fail fatal logs: the logs of web cannot be read: Error: no such service: shop_web ***',
    'failed web',
  ]);
});
