/**
 * image-pin.sh under apply.sh with the stub docker (fake-server.ts): each release of a Compose target runs the image
 * <image.name>:<tag> named at its apply, kept under gangway's own tag, so that a rollback, a restore, an env-only
 * deploy or a blue/green standby runs that same image after the tag was pushed again and pulled.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { composeFiles, FakeServer } from './fake-server.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const DIGEST_A = `sha256:${'d'.repeat(64)}`;
/** Compose's normalized `config` of the release: web and worker run the app's image, db does not. */
const CONFIG =
  'name: shop\nservices:\n  db:\n    image: postgres:15\n  web:\n    environment:\n      IMAGE: x\n' +
  "    image: acme/web:@TAG@\n  worker:\n    command:\n      - 'image: acme/web:@TAG@'\n" +
  '    image: "acme/web:@TAG@"\nnetworks:\n  default:\n    name: shop_default\n';
const PIN_A = 'acme/web:gangway-shop-aaaaaaaaaaaa';
const PIN_B = 'acme/web:gangway-shop-bbbbbbbbbbbb';
const pinFile = (ref: string) =>
  ['web', 'worker'].reduce(
    (t, s) => `${t}  "${s}":\n    image: "${ref}"\n    pull_policy: if_not_present\n`,
    'services:\n',
  );

let servers: FakeServer[] = [];
afterEach(() => {
  for (const s of servers) s.cleanup();
  servers = [];
});

/** A server whose engine has `acme/web:stable` as image A (pulled from the registry: digest A). */
function server(): FakeServer {
  const s = new FakeServer();
  servers.push(s);
  s.stubState('config', CONFIG);
  s.stubState('images', `acme/web:stable ${A}\n`);
  s.stubState('digests', `${A} acme/web@${DIGEST_A}\n`);
  return s;
}
const common = { imageName: 'acme/web' };
/** The second deploy's pull moved `stable` to image B. */
const pushedAgain = (s: FakeServer) => {
  const others = readFileSync(join(s.stub, 'images'), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('acme/web:stable '));
  s.stubState('images', [...others, `acme/web:stable ${B}`, ''].join('\n'));
};
const lastUp = (s: FakeServer) => s.composeCalls('up').at(-1)!;
const dockerCalls = (s: FakeServer, sub: string) =>
  s
    .calls()
    .filter((c) => c.name === 'docker' && c.argv[0] === sub)
    .map((c) => c.argv.slice(1));

test('a deploy keeps the image its tag names under gangway’s own tag and runs the services on it with that', () => {
  const s = server();
  s.release({ id: 'r1', tag: 'stable', ...common });
  const r = s.apply('r1');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.deepEqual(dockerCalls(s, 'tag'), [[A, PIN_A]]);
  assert.equal(s.read('releases/r1/image-pin.yml'), pinFile(PIN_A), 'web and worker, not db');
  assert.deepEqual([s.read('releases/r1/image-id'), s.read('releases/r1/image-digest')], [`${A}\n`, `${DIGEST_A}\n`]);
  assert.deepEqual(composeFiles(lastUp(s)), [join(s.dir, 'docker-compose.yml'), join(s.rel('r1'), 'image-pin.yml')]);
  const record = s.records().at(-1)!;
  assert.deepEqual([record.image_id, record.image_digest], [A, DIGEST_A]);
  assert.match(
    r.stdout,
    new RegExp(`web, worker: pinned to ${PIN_A} \\(image ${A} of acme/web:stable, ${DIGEST_A}\\)`),
  );
});

test('a rollback after the tag was pushed again runs the image its release ran, from the host alone', () => {
  const s = server();
  s.release({ id: 'r1', tag: 'stable', ...common });
  assert.equal(s.apply('r1').status, 0);
  pushedAgain(s);
  s.stubState('digests', undefined);
  s.release({ id: 'r2', tag: 'stable', ...common });
  assert.equal(s.apply('r2').status, 0);
  assert.equal(s.read('releases/r2/image-pin.yml'), pinFile(PIN_B));
  assert.equal(s.read('releases/r2/image-digest'), undefined, 'B came from no registry (archive, sync, build)');

  s.release({ id: 'r3', tag: '', operation: 'rollback', copyFrom: { id: 'r1', withEnv: true }, ...common });
  s.clearCalls();
  const r = s.apply('r3');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(s.read('releases/r3/image-pin.yml'), pinFile(PIN_A));
  assert.deepEqual(composeFiles(lastUp(s)).at(-1), join(s.rel('r3'), 'image-pin.yml'));
  assert.deepEqual(dockerCalls(s, 'pull'), [], 'no registry needed');
  const [r2, r3] = s.records().slice(-2);
  assert.deepEqual([r2!.image_id, r2!.image_digest], [B, undefined]);
  assert.deepEqual([r3!.status, r3!.image_id, r3!.image_digest], ['rollback', A, DIGEST_A]);
});

test('image.build pushed and the host pulled by digest: the record names that digest once', () => {
  const s = server();
  s.release({ id: 'r1', tag: 'stable', ...common, record: { image_digest: DIGEST_A } });
  assert.equal(s.apply('r1').status, 0);
  const line = readFileSync(join(s.g, 'releases.jsonl'), 'utf8').trim();
  assert.equal(line.split('"image_digest"').length, 2, line);
  assert.deepEqual([s.records()[0]!.image_id, s.records()[0]!.image_digest], [A, DIGEST_A]);
});

test('an env-only deploy keeps the image in place; a new deploy of the tag takes what it names now', () => {
  const s = server();
  s.release({ id: 'r1', tag: 'stable', ...common });
  assert.equal(s.apply('r1').status, 0);
  pushedAgain(s);
  s.release({
    id: 'r2',
    tag: '',
    operation: 'env-only',
    env: 'MOOD=new\n',
    copyFrom: { id: 'r1', withEnv: false },
    ...common,
  });
  assert.equal(s.apply('r2').status, 0);
  assert.equal(s.read('releases/r2/image-pin.yml'), pinFile(PIN_A));
  s.release({ id: 'r3', tag: 'stable', ...common });
  assert.equal(s.apply('r3').status, 0);
  assert.equal(s.read('releases/r3/image-pin.yml'), pinFile(PIN_B));
});

test('a failed deploy puts the release before back with the image it pinned', () => {
  const s = server();
  s.release({ id: 'r1', tag: 'stable', ...common });
  assert.equal(s.apply('r1').status, 0);
  pushedAgain(s);
  s.release({
    id: 'r2',
    tag: 'stable',
    ...common,
    health: { http: [{ url: 'http://x/h', retries: 1, intervalMs: 1 }] },
  });
  s.stubState('http-fail', 'http://x/h\n');
  s.clearCalls();
  assert.equal(s.apply('r2').status, 1);
  const [deployUp, restoreUp] = s.composeCalls('up');
  assert.equal(composeFiles(deployUp!).at(-1), join(s.rel('r2'), 'image-pin.yml'));
  assert.equal(composeFiles(restoreUp!).at(-1), join(s.rel('r1'), 'image-pin.yml'));
  assert.equal(s.read('releases/r1/image-pin.yml'), pinFile(PIN_A));
});

test("a copied release's image that left the host is pulled again by its digest, then pinned", () => {
  const s = server();
  s.release({ id: 'r1', tag: 'stable', ...common });
  assert.equal(s.apply('r1').status, 0);
  s.stubState('images', `acme/web:stable ${B}\n`); // `docker image prune -a` took A
  s.stubState('registry', `acme/web@${DIGEST_A} ${A}\n`);
  s.release({ id: 'r2', tag: '', operation: 'rollback', copyFrom: { id: 'r1', withEnv: true }, ...common });
  s.clearCalls();
  const r = s.apply('r2');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.deepEqual(dockerCalls(s, 'pull'), [[`acme/web@${DIGEST_A}`]]);
  assert.deepEqual(dockerCalls(s, 'tag'), [[A, PIN_A]]);
  assert.equal(s.read('releases/r2/image-pin.yml'), pinFile(PIN_A));
});

test('an image that left the host and cannot come back fails the release (step image), nothing else runs', () => {
  for (const registry of [undefined, '']) {
    const s = server();
    if (registry === undefined) s.stubState('digests', undefined); // archive: no digest to pull it by
    s.release({ id: 'r1', tag: 'stable', ...common });
    assert.equal(s.apply('r1').status, 0);
    s.release({ id: 'r2', tag: 'other', ...common });
    s.stubState('images', `acme/web:other ${B}\n`);
    assert.equal(s.apply('r2').status, 0);
    s.stubState('images', `acme/web:other ${B}\n${PIN_B} ${B}\n`);
    s.release({ id: 'r3', tag: '', operation: 'rollback', copyFrom: { id: 'r1', withEnv: true }, ...common });
    s.clearCalls();
    assert.equal(s.apply('r3').status, 1);
    const record = s.records().at(-1)!;
    assert.deepEqual([record.status, record.failing_step, record.serving], ['failed', 'image', 'other']);
    const gone = `the image acme/web:stable ran as then \\(${A}\\) is no longer on this host, `;
    assert.match(
      String(record.reason),
      new RegExp(
        gone +
          (registry === undefined
            ? 'and it came from no registry'
            : `and docker pull acme/web@${DIGEST_A} failed: .*manifest unknown`),
      ),
    );
    assert.match(s.read('releases/r3/failure.log')!, new RegExp(`^::gangway-step-error:: ${gone}`), 'first error line');
    assert.deepEqual(
      s.composeCalls('up').map((c) => composeFiles(c).at(-1)),
      [join(s.rel('r2'), 'image-pin.yml')],
      'only the release in place came up again',
    );
  }
});

test("retention removes gangway's tag of a pruned release's image unless a retained release names it too", () => {
  const s = server();
  const images = [`acme/web:v1 ${A}`, `acme/web:v2 ${B}`, `acme/web:v3 ${B}`, `acme/web:v4 ${A}`];
  s.stubState('images', `${images.join('\n')}\n`);
  for (const [id, tag] of [
    ['r1', 'v1'],
    ['r2', 'v2'],
    ['r3', 'v3'],
  ] as const) {
    s.release({ id, tag, keep: 1, ...common });
    assert.equal(s.apply(id).status, 0);
  }
  assert.deepEqual(readdirSync(join(s.g, 'releases')).sort(), ['r2', 'r3']);
  assert.deepEqual(
    dockerCalls(s, 'image').filter((a) => a[0] === 'rm'),
    [
      ['rm', 'acme/web:v1'],
      ['rm', PIN_A],
    ],
  );
  s.clearCalls();
  s.release({ id: 'r4', tag: 'v4', keep: 1, ...common });
  assert.equal(s.apply('r4').status, 0);
  assert.deepEqual(readdirSync(join(s.g, 'releases')).sort(), ['r3', 'r4']);
  assert.deepEqual(
    dockerCalls(s, 'image').filter((a) => a[0] === 'rm'),
    [['rm', 'acme/web:v2']],
    "r2's image B is r3's too: its tag stays",
  );
});

test('nothing is pinned without image.name, when no service runs it, or for a release an older gangway made', () => {
  const s = server();
  s.release({ id: 'r1', tag: 'stable' });
  assert.equal(s.apply('r1').status, 0);
  s.release({ id: 'r2', tag: 'stable', imageName: 'acme/other' });
  assert.equal(s.apply('r2').status, 0);
  for (const id of ['r1', 'r2']) assert.equal(existsSync(join(s.rel(id), 'image-pin.yml')), false, id);
  assert.deepEqual(dockerCalls(s, 'tag'), []);
  s.release({ id: 'r3', tag: '', operation: 'rollback', copyFrom: { id: 'r1', withEnv: true }, ...common });
  const r = s.apply('r3');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /noted no image \(an older gangway\): acme\/web:stable runs as the host has it now/);
  assert.equal(existsSync(join(s.rel('r3'), 'image-pin.yml')), false);
  assert.equal(s.records().at(-1)!.image_id, undefined);
});

test('blue/green: the standby a failed deploy gives back is made with the image its release pinned', async () => {
  const s = server();
  const home = join(s.root, 'proxy');
  for (const d of ['live', 'apps', 'routes/http', 'routes/https', 'tls']) mkdirSync(join(home, d), { recursive: true });
  writeFileSync(join(home, 'listen'), '80 443\n');
  s.stubState('proxy-home', home);
  const proxy = { domains: ['shop.test'], health: { path: '/health', intervalMs: 100, passes: 1, timeoutMs: 1_000 } };
  s.release({ id: 'r1', tag: 'stable', proxy, ...common });
  assert.equal(s.apply('r1').status, 0);
  pushedAgain(s);
  s.release({ id: 'r2', tag: 'stable', proxy, ...common });
  assert.equal(s.apply('r2').status, 0);
  await parked(s);
  s.release({ id: 'r3', tag: 'stable', proxy, ...common });
  s.stubState('wget-fails', 'wget: server returned error: HTTP/1.1 500 Internal Server Error\n');
  s.clearCalls();
  assert.equal(s.apply('r3').status, 1);
  const standby = s.calls().filter((c) => c.argv.includes('shop-blue') && c.argv.includes('--no-start'));
  assert.equal(standby.length, 1, 'the standby of r1 was made again');
  assert.deepEqual(composeFiles(standby[0]!).slice(-2), [
    join(s.rel('r1'), 'image-pin.yml'),
    join(s.rel('r1'), 'colour.yml'),
  ]);
  assert.equal(readFileSync(join(s.rel('r1'), 'image-pin.yml'), 'utf8'), pinFile(PIN_A));
});

/** Until the old colour's park (drain and stop after the command) is over: its note goes. */
async function parked(s: FakeServer): Promise<void> {
  const until = Date.now() + 30_000;
  while (s.read('proxy/.parking') !== undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  assert.equal(s.read('proxy/.parking'), undefined, 'the park ended');
}
