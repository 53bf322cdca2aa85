/**
 * bluegreen.sh under the local sh with the stub docker (fake-server.ts): the proxy shared by several apps on
 * one host — its home holds every app's route and TLS files, so one app's deploy must never leave a route
 * that breaks or takes another app's traffic — and the proxy lock between those apps' deploys.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { firstErrorLine } from '../../src/deploy/first-error-line.js';
import { composeFiles, composeSubcommand, FakeServer } from './fake-server.js';
import { until } from '../helpers/until.js';

// Caddy 2's own answer to two TLS automation policies for one host name (`caddy reload`, exit 1).
const CADDY_CONFLICT =
  'Error: sending configuration to instance: caddy responded with error: HTTP 400: {"error":"loading config: ' +
  'loading new config: loading tls app module: tls: invalid configuration: automation policy 1: cannot apply ' +
  'more than one automation policy to host: www.shop.test (first match in policy 0)"}\n';

const probe = { path: '/health', intervalMs: 100, passes: 1 };
// The probe's deadline: short only where the probe is meant to fail (the test then waits it out); where it is
// meant to pass, long enough for any machine (it ends with the last pass, not the deadline).
const FAILS_MS = 1_000;
const PASSES_MS = 60_000;
const BLUEGREEN = new URL('../../src/server/sh/bluegreen.sh', import.meta.url).pathname;
let servers: FakeServer[] = [];
const children: { kill(): void }[] = [];
afterEach(() => {
  for (const s of servers) s.cleanup();
  servers = [];
  for (const c of children.splice(0)) c.kill();
});

/** A server for the app `shop` whose proxy was installed by the app `blog` (its home is in blog's dir). */
function sharedProxy(): { s: FakeServer; home: string; blogFiles: () => Record<string, string> } {
  const s = new FakeServer();
  servers.push(s);
  const home = join(s.root, 'srv', 'blog', '.gangway', 'proxy', 'caddy');
  for (const d of ['live', 'apps', 'routes/http', 'routes/https', 'tls']) mkdirSync(join(home, d), { recursive: true });
  writeFileSync(join(home, 'listen'), '80 443\n');
  writeFileSync(join(home, 'routes/https/10-blog.json'), '{"@id":"gangway-blog","match":[{"host":["blog.test"]}]}\n');
  writeFileSync(join(home, 'tls/blog.json'), '{"@id":"gangway-blog-tls","subjects":["blog.test"]}\n');
  writeFileSync(join(home, 'apps/blog'), `${join(s.root, 'srv', 'blog')}\nblog.test\n`);
  writeFileSync(join(home, 'live/blog.blue'), '');
  s.stubState('proxy-home', home);
  const blogFiles = () =>
    Object.fromEntries(
      ['routes/https/10-blog.json', 'tls/blog.json', 'apps/blog', 'live/blog.blue'].map((f) => [
        f,
        readFileSync(join(home, f), 'utf8'),
      ]),
    );
  return { s, home, blogFiles };
}

/** Every file under the proxy home's routes/, tls/ and apps/, with its content. */
function routeFiles(home: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of ['routes/http', 'routes/https', 'tls', 'apps'])
    for (const f of readdirSync(join(home, d))) out[`${d}/${f}`] = readFileSync(join(home, d, f), 'utf8');
  return out;
}

test("a refused reload puts this app's route and TLS files back; the error names the app and Caddy's conflict", () => {
  const { s, home, blogFiles } = sharedProxy();
  const proxy = { domains: ['shop.test'], tls: 'internal' as const };
  s.release({ id: 'r1', tag: 'v1', proxy });
  assert.equal(s.apply('r1').status, 0, 'the first deploy passes');
  const before = routeFiles(home);
  const config = readFileSync(join(home, 'caddy.json'), 'utf8');
  assert.match(before['routes/https/10-shop.json']!, /"shop\.test"/);
  assert.ok(before['tls/shop.json'], "shop's TLS policy is in the home");
  assert.equal(before['apps/shop'], `${s.dir}\nshop.test\n`, 'whose route it is, for the next app on this proxy');

  s.release({ id: 'r2', tag: 'v2', proxy: { ...proxy, domains: ['shop.test', 'www.shop.test'] } });
  s.stubState('reload-fails', CADDY_CONFLICT);
  const r = s.apply('r2');
  assert.equal(r.status, 1, r.stdout);
  const record = s.records().at(-1)!;
  assert.deepEqual([record.status, record.serving, record.failing_step], ['rolled_back', 'v1', 'proxy']);
  assert.equal(
    record.reason,
    'the proxy refused the routes of shop (put back as they were): tls: invalid configuration: automation ' +
      'policy 1: cannot apply more than one automation policy to host: www.shop.test (first match in policy 0)',
  );
  // Exactly as before the refused deploy: the next reload (of any app) carries no rejected route.
  assert.deepEqual(routeFiles(home), before);
  assert.equal(readFileSync(join(home, 'caddy.json'), 'utf8'), config);
  assert.deepEqual(
    readdirSync(home).filter((f) => f.startsWith('.')),
    [],
    'no lock, no set-aside files left',
  );
  assert.match(blogFiles()['routes/https/10-blog.json']!, /blog\.test/);
});

test('a second app without domains on the proxy is refused before it writes a route, naming the other app', () => {
  const { s, home, blogFiles } = sharedProxy();
  writeFileSync(join(home, 'routes/http/90-blog.json'), '{"@id":"gangway-blog"}\n'); // blog takes every host
  const blog = blogFiles();
  const before = routeFiles(home);
  s.release({ id: 'r1', tag: 'v1', proxy: {} });
  const r = s.apply('r1');
  assert.equal(r.status, 1, r.stdout);
  const record = s.records().at(-1)!;
  assert.equal(record.failing_step, 'proxy');
  assert.match(
    String(record.reason),
    new RegExp(`every host name to app blog \\(deployed to ${join(s.root, 'srv', 'blog')}\\): give shop proxy.domains`),
  );
  assert.deepEqual(routeFiles(home), before, 'no route of shop');
  assert.deepEqual(blogFiles(), blog);
  assert.ok(!existsSync(join(home, '.lock')), 'the proxy lock is free');
});

test("a first deploy whose proxy probe fails: its route goes, and the first error line is the probe's answer", () => {
  const { s, home } = sharedProxy();
  const before = routeFiles(home);
  s.release({ id: 'r1', tag: 'v1', proxy: { domains: ['shop.test'], health: { ...probe, timeoutMs: FAILS_MS } } });
  s.stubState('logs', 'web | ok\n'); // the app's own log: its last line says nothing of the failure
  s.stubState('wget-fails', 'wget: server returned error: HTTP/1.1 503 Service Unavailable\n');
  const r = s.apply('r1');
  assert.equal(r.status, 1, r.stdout);
  const record = s.records().at(-1)!;
  assert.deepEqual([record.status, record.serving, record.failing_step], ['failed', 'none', 'proxy health']);
  assert.deepEqual(routeFiles(home), before, 'no route, TLS policy or app file of shop is left');
  assert.doesNotMatch(readFileSync(join(home, 'caddy.json'), 'utf8'), /gangway-shop/);
  assert.equal(
    firstErrorLine(readFileSync(join(s.rel('r1'), 'failure.log'), 'utf8'), []),
    'http://gangway-shop-blue:8080/health: wget: server returned error: HTTP/1.1 503 Service Unavailable',
  );
});
/**
 * proxy_lock from bluegreen.sh on CONF=$1, with a nap that counts: after 200 naps (well over the
 * 120 after which the old rule took the lock by wait time alone) it says it is still waiting.
 */
function lockContender(conf: string, then = ''): string {
  // IFS as apply.sh sets it (a newline) while bluegreen.sh runs.
  // REL: where bluegreen.sh finds proxy-metrics.sh, beside it as in a release.
  const script = `G=/nonexistent
REL=\${2%/*}
. "$2"
CONF=$1
IFS='
'
naps=0
say() { echo "$*"; }
nap() { naps=$((naps + 1)); [ "$naps" -lt 200 ] || { echo "still waiting after $naps naps"; exit 0; }; }
proxy_lock
echo "acquired after $naps naps"
${then}`;
  const r = spawnSync('sh', ['-c', script, 'sh', conf, BLUEGREEN], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function lockDir(): string {
  const s = new FakeServer();
  servers.push(s);
  const conf = join(s.root, 'caddy');
  mkdirSync(join(conf, '.lock'), { recursive: true });
  return conf;
}

/** A process's start time (field 22 of /proc/PID/stat), as bluegreen.sh records it beside the pid. */
const startTime = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/.*\) /s, '').split(' ')[19];

test('the proxy lock stays with a live holder however long it holds it (pulling an image, waiting for Caddy)', () => {
  const conf = lockDir();
  const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(holder);
  writeFileSync(join(conf, '.lock/holder'), `${holder.pid} ${startTime(holder.pid!)}\n`);
  assert.match(lockContender(conf), /^still waiting after 200 naps$/m);
  assert.equal(readFileSync(join(conf, '.lock/holder'), 'utf8').split(' ')[0], String(holder.pid));
});

test('the proxy lock is taken over once its holder is gone (a dead pid, or the pid of another process now)', () => {
  const dead = spawnSync('true').pid;
  for (const holderLine of [`${dead} 12345`, `${process.pid} 1`]) {
    const conf = lockDir();
    writeFileSync(join(conf, '.lock/holder'), `${holderLine}\n`);
    const out = lockContender(conf, 'cat "$CONF/.lock/holder"; proxy_unlock; ls -a "$CONF"');
    assert.match(out, new RegExp(`took the proxy lock over: its holder \\(pid ${holderLine.split(' ')[0]}\\) is gone`));
    assert.match(out, /^acquired after 0 naps$/m);
    assert.match(out, /^\d+ \d+$/m, 'the new holder wrote its pid and start time');
    assert.doesNotMatch(out, /^\.lock/m, 'and released it');
  }
});

test('a proxy lock that names no holder (an older gangway) is taken over after a minute, not before', () => {
  const conf = lockDir();
  assert.match(lockContender(conf), /^still waiting after 200 naps$/m);
  const old = new Date(Date.now() - 120_000);
  utimesSync(join(conf, '.lock'), old, old);
  assert.match(lockContender(conf), /took the proxy lock over: it names no holder and is over a minute old/);
});

test("proxy_unlock leaves another holder's lock alone", () => {
  const conf = lockDir();
  writeFileSync(join(conf, '.lock/holder'), `${process.pid} ${startTime(process.pid)}\n`);
  const script = 'G=/x; REL=${2%/*}; . "$2"; CONF=$1; proxy_unlock; ls -a "$CONF"';
  const r = spawnSync('sh', ['-c', script, 'sh', conf, BLUEGREEN], { encoding: 'utf8' });
  assert.match(r.stdout, /^\.lock$/m);
});

test('maintenance outlives a deploy (said as a step) and ends with --end-maintenance once the switch is done', () => {
  const { s, home } = sharedProxy();
  const page = join(home, 'maintenance', 'shop.html');
  mkdirSync(join(home, 'maintenance'));
  writeFileSync(page, '<p>down</p>');
  writeFileSync(join(home, 'maintenance', 'blog.html'), '<p>blog is down</p>'); // another app's: never touched
  mkdirSync(join(s.g, 'proxy'), { recursive: true });
  writeFileSync(join(s.g, 'proxy', 'maintenance.json'), '{"message":"down"}\n');
  s.release({ id: 'r1', tag: 'v1', proxy: { domains: ['shop.test'] } });
  const kept = s.apply('r1');
  assert.equal(kept.status, 0, kept.stdout);
  assert.match(kept.stdout, /"step":"maintenance","status":"ok","detail":"still on: the proxy answers 503/);
  assert.ok(existsSync(page), 'still in maintenance');

  s.release({ id: 'r2', tag: 'v2', proxy: { domains: ['shop.test'] }, endMaintenance: true });
  const ended = s.apply('r2');
  assert.equal(ended.status, 0, ended.stdout);
  assert.match(ended.stdout, /"step":"switch".*"step":"maintenance","status":"ok","detail":"ended/s);
  assert.ok(!existsSync(page) && !existsSync(join(s.g, 'proxy', 'maintenance.json')), 'page and note gone');
  assert.ok(existsSync(join(home, 'maintenance', 'blog.html')), "the other app's maintenance stays");
});

test('proxy.listen.address is part of what the shared proxy listens on: a different one is refused', () => {
  const { s, home } = sharedProxy();
  s.release({
    id: 'r1',
    tag: 'v1',
    proxy: { domains: ['shop.test'], listen: { http: 80, https: 443, address: '127.0.0.1' } },
  });
  const r = s.apply('r1');
  assert.equal(r.status, 1, r.stdout);
  assert.match(String(s.records().at(-1)!.reason), /listens on 80 443; set proxy\.listen to match/);
  writeFileSync(join(home, 'listen'), '80 443 127.0.0.1\n');
  s.release({
    id: 'r2',
    tag: 'v1',
    proxy: { domains: ['shop.test'], listen: { http: 80, https: 443, address: '127.0.0.1' } },
  });
  assert.equal(s.apply('r2').status, 0);
});

// Issue 25: a failed deploy takes the idle colour, which held the standby of the release before the serving one;
// once the serving release is back, that standby is made again from its own release's files (not started when
// proxy.standby is stopped), so a later `gangway rollback` only starts its container.
test('a failed deploy gives the idle colour back to the standby it took (made from that release)', async () => {
  for (const standby of ['stopped', 'running'] as const) {
    const { s } = sharedProxy();
    const proxy = { domains: ['shop.test'], standby, health: { ...probe, timeoutMs: PASSES_MS } };
    s.release({ id: 'r1', tag: 'v1', proxy, env: 'GREETING=one\n' });
    assert.equal(s.apply('r1').status, 0, 'v1 serves on blue');
    s.release({ id: 'r2', tag: 'v2', proxy, env: 'GREETING=two\n' });
    assert.equal(s.apply('r2').status, 0, 'v2 serves on green, v1 stands by on blue');
    assert.equal(s.read('proxy/blue'), 'r1 v1\n');
    await parked(s);
    s.release({ id: 'r3', tag: 'bad', proxy: { ...proxy, health: { ...probe, timeoutMs: FAILS_MS } } });
    s.stubState('wget-fails', 'wget: server returned error: HTTP/1.1 500 Internal Server Error\n');
    s.clearCalls();
    assert.equal(s.apply('r3').status, 1);
    const record = s.records().at(-1)!;
    assert.deepEqual([record.status, record.serving], ['rolled_back', 'v2']);
    const blue = s.calls().filter((c) => c.argv.includes('shop-blue'));
    assert.deepEqual(
      blue.map((c) => [composeSubcommand(c), c.imageTag]),
      [
        ['up', 'bad'],
        ['logs', 'bad'],
        ['rm', 'v2'],
        ['up', 'v1'],
      ],
      'the bad release came and went, then the standby of v1',
    );
    const made = blue.at(-1)!;
    assert.deepEqual(
      made.argv.slice(-3),
      standby === 'stopped' ? ['--no-start', '--no-deps', 'web'] : ['-d', '--no-deps', 'web'],
    );
    const r1 = s.rel('r1');
    assert.deepEqual(composeFiles(made).slice(0, 1), [join(r1, 'docker-compose.yml')], "v1's own compose file");
    assert.equal(made.argv[made.argv.indexOf('--env-file') + 1], join(r1, '.env'), "and v1's own env");
    assert.equal(made.argv[made.argv.indexOf('--project-directory') + 1], s.dir, 'relative paths as v1 had them');
    assert.equal(s.read('proxy/blue'), 'r1 v1\n', 'blue is the standby of r1 again');
    assert.equal(s.read('proxy/serving'), 'green\n');
  }
});

/** Until the old colour's park (drain and stop after the command) is over: its note goes. */
async function parked(s: FakeServer): Promise<void> {
  const until = Date.now() + 30_000;
  while (s.read('proxy/.parking') !== undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  assert.equal(s.read('proxy/.parking'), undefined, 'the park ended');
}

// Issue 25: the old colour's drain and stop no longer hold the command; the next deploy waits for them first.
test('the old colour drains and stops after the record, on its own; the next deploy waits for it', async () => {
  const { s } = sharedProxy();
  const proxy = { domains: ['shop.test'], drainMs: 0 };
  s.release({ id: 'r1', tag: 'v1', proxy });
  assert.equal(s.apply('r1').status, 0);
  s.release({ id: 'r2', tag: 'v2', proxy });
  const r = s.apply('r2');
  assert.equal(r.status, 0, r.stdout);
  const result = r.stdout.indexOf('"event":"result"');
  assert.ok(result > 0 && r.stdout.indexOf('drains (up to 0s) and stops after this command') > result, r.stdout);
  assert.deepEqual(s.records().at(-1)!.status, 'succeeded');
  assert.ok(!existsSync(join(s.g, 'lock')), 'the deploy lock is free');
  await parked(s);
  const stops = s.composeCalls('stop').filter((c) => c.argv.includes('shop-blue'));
  assert.deepEqual(
    stops.map((c) => c.imageTag),
    ['v1'],
  );
  assert.match(readFileSync(join(s.rel('r2'), '.park-out'), 'utf8'), /drained blue\n.*stopped the blue colour/s);

  // A park still running (here a stand-in process that runs until the test ends it) holds the next deploy.
  const park = spawn('sleep', ['600'], { stdio: 'ignore' });
  children.push(park);
  writeFileSync(join(s.g, 'proxy', '.parking'), `${park.pid} ${startTime(park.pid!)}\n`);
  s.release({ id: 'r3', tag: 'v3', proxy });
  const next = s.applyAsync('r3');
  children.push(next.child);
  const waiting = /waiting for the previous deploy's old colour to stop/;
  await until(() => waiting.test(next.stdout()), 'the deploy to wait for the park');
  let finished = false;
  void next.done.then(() => (finished = true));
  // Held while the park runs. (The pause only gives a deploy that wrongly went on time to show it; the test
  // passes however long the machine takes.)
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(finished, false, next.stdout());
  assert.ok(!upsOf(s, 'shop-blue').includes('v3'), 'no colour started while the park ran');
  assert.notEqual(s.read('proxy/.parking'), undefined, 'the park is still noted');
  park.kill();
  const ended = await next.done;
  assert.equal(ended.status, 0, next.stdout());
  assert.deepEqual(upsOf(s, 'shop-blue').at(-1), 'v3', 'the deploy went on once the park had ended');
});

test("the gate ends with the probe's last pass, not a poll of the container later", () => {
  const { s } = sharedProxy();
  s.release({
    id: 'r1',
    tag: 'v1',
    proxy: { domains: ['shop.test'], health: { ...probe, passes: 2, timeoutMs: PASSES_MS } },
  });
  // The container's watch beside the probe polls slowly (10 minutes, ended by the test's cleanup): the first
  // health inspect is the gate's own. A slow poll that had ended would leave inspect-done.
  s.stubState('inspect-hold', '1 600\n');
  const r = s.apply('r1');
  assert.equal(r.status, 0, r.stdout);
  assert.ok(!existsSync(join(s.stub, 'inspect-done')), 'the switch did not wait for the watch');
  assert.match(r.stdout, /answered 2 times in a row/);
});

// Issue 25's fast switch-back: a rollback to the release the idle colour stands by with starts its container as it
// is (no Compose run) and switches on one check; the gate confirms it after the switch.
const V1 = 'acme/web:v1 sha256:one';
const V2 = 'acme/web:v2 sha256:two';

/**
 * v1 (r1) then v2 (r2) behind the proxy; v1's container stands by on blue (exited, or running as `blue` says);
 * then the rollback r3, copied from r1 as the release step copies it (or with an env of its own).
 */
async function standingBy(
  blue: 'exited' | 'running',
  options: { env?: string; services?: string[]; failsAfterSwitch?: boolean } = {},
) {
  const { s, home } = sharedProxy();
  const proxy = {
    domains: ['shop.test'],
    standby: blue === 'running' ? ('running' as const) : ('stopped' as const),
    health: { ...probe, passes: 2, timeoutMs: PASSES_MS },
  };
  s.release({ id: 'r1', tag: 'v1', proxy, env: 'GREETING=one\n' });
  assert.equal(s.apply('r1').status, 0);
  s.release({ id: 'r2', tag: 'v2', proxy, env: 'GREETING=two\n' });
  assert.equal(s.apply('r2').status, 0);
  await parked(s);
  assert.equal(s.read('proxy/blue'), 'r1 v1\n');
  s.stubState('containers', `shop-blue c-blue ${blue} ${V1} healthy\nshop-green c-green running ${V2} healthy\n`);
  s.stubState('images', 'acme/web:v1 sha256:one\nacme/web:v2 sha256:two\n');
  s.release({
    id: 'r3',
    tag: 'v1',
    operation: 'rollback',
    ...(options.services && { health: { services: options.services } }),
    copyFrom: { id: 'r1', withEnv: options.env === undefined },
    proxy: options.failsAfterSwitch ? { ...proxy, health: { ...proxy.health, timeoutMs: FAILS_MS } } : proxy,
    ...(options.env !== undefined && { env: options.env }),
  });
  s.clearCalls();
  return { s, home };
}

/** The run log's lines and step events, in order, as short words. */
function story(out: string): string[] {
  return out
    .split('\n')
    .map((l) => {
      const event = /"step":"([^"]+)","status":"([^"]+)"/.exec(l);
      if (event) return `${event[1]} ${event[2]}`;
      const said = /^[\d:.]+ (ok .*|confirming .*|health gate .*)$/.exec(l);
      return said?.[1];
    })
    .filter((l): l is string => l !== undefined);
}

const docker = (s: FakeServer, sub: string) => s.calls().filter((c) => c.name === 'docker' && c.argv[0] === sub);
const upsOf = (s: FakeServer, project: string) =>
  s
    .composeCalls('up')
    .filter((c) => c.argv.includes(project))
    .map((c) => c.imageTag);

test('rollback to the stopped standby: started as it is (no Compose), switched on its first answer', async () => {
  const { s, home } = await standingBy('exited');
  const r = s.apply('r3');
  assert.equal(r.status, 0, r.stdout);
  assert.deepEqual(
    docker(s, 'start').map((c) => c.argv.slice(1)),
    [['c-blue']],
  );
  assert.deepEqual(upsOf(s, 'shop-blue'), [], 'no Compose run for the colour');
  const told = story(r.stdout);
  const at = (line: string) => told.findIndex((l) => l.startsWith(line));
  assert.ok(at('start standby ok') >= 0, told.join('\n'));
  assert.ok(at('ok http://gangway-shop-blue:8080/health answered once') < at('switch ok'), told.join('\n'));
  assert.ok(at('switch ok') < at('confirming v1 on blue after the switch'), told.join('\n'));
  assert.ok(at('confirming') < at('ok http://gangway-shop-blue:8080/health answered 2 times in a row'));
  assert.ok(at('health gate ok') > at('switch ok'));
  assert.ok(existsSync(join(home, 'live', 'shop.blue')), 'blue takes the traffic');
  const record = s.records().at(-1)!;
  assert.deepEqual([record.status, record.serving, record.colour], ['rollback', 'v1', 'blue']);
  assert.equal(s.read('proxy/blue'), 'r3 v1\n');
  await parked(s);
});

test('rollback to a standby that runs and is healthy: switched on that one check, no probe before it', async () => {
  const { s, home } = await standingBy('running', { services: ['web', 'db'] });
  const r = s.apply('r3');
  assert.equal(r.status, 0, r.stdout);
  assert.deepEqual(docker(s, 'start'), [], 'nothing to start');
  assert.deepEqual(upsOf(s, 'shop-blue'), []);
  const told = story(r.stdout);
  assert.deepEqual(told.slice(told.indexOf('ok the blue colour is running and healthy')).slice(0, 4), [
    'ok the blue colour is running and healthy',
    'ok db healthy',
    'switch ok',
    'confirming v1 on blue after the switch',
  ]);
  assert.ok(existsSync(join(home, 'live', 'shop.blue')));
  assert.equal(s.records().at(-1)!.status, 'rollback');
});

test('a standby made with another image than the tag names now, or from other files: Compose makes it', async () => {
  const image = await standingBy('exited');
  image.s.stubState('images', 'acme/web:v1 sha256:new\n');
  const r = image.s.apply('r3');
  assert.equal(r.status, 0, r.stdout);
  assert.match(r.stdout, /the blue colour's standby does not hold the image v1 names now: Compose makes it anew/);
  assert.deepEqual(upsOf(image.s, 'shop-blue'), ['v1']);
  assert.equal(image.s.records().at(-1)!.status, 'rollback');
  await parked(image.s);

  const env = await standingBy('exited', { env: 'GREETING=changed\n' });
  const r2 = env.s.apply('r3');
  assert.equal(r2.status, 0, r2.stdout);
  assert.deepEqual(docker(env.s, 'start'), [], 'not started: its env is not this release’s');
  assert.deepEqual(upsOf(env.s, 'shop-blue'), ['v1']);
  assert.doesNotMatch(r2.stdout, /start standby/);
  await parked(env.s);

  // A release that pins its image (image-pin.yml) is the standby's twin only with the same pin.
  const pin = await standingBy('exited');
  writeFileSync(join(pin.s.rel('r1'), 'image-pin.yml'), 'services: { web: { image: "acme/web:pin-one" } }\n');
  writeFileSync(join(pin.s.rel('r3'), 'image-pin.yml'), 'services: { web: { image: "acme/web:pin-two" } }\n');
  const r3 = pin.s.apply('r3');
  assert.equal(r3.status, 0, r3.stdout);
  assert.deepEqual(docker(pin.s, 'start'), []);
  assert.deepEqual(upsOf(pin.s, 'shop-blue'), ['v1']);
  await parked(pin.s);
});

test('the confirmation failing after the switch puts the old colour back at once; the rollback fails', async () => {
  const { s, home } = await standingBy('running', { failsAfterSwitch: true });
  s.stubState('wget-fails', 'wget: server returned error: HTTP/1.1 500 Internal Server Error\n');
  s.stubState('wget-fails-for', 'gangway-shop-blue\n');
  const r = s.apply('r3');
  assert.equal(r.status, 1, r.stdout);
  const switches = story(r.stdout).filter((l) => l === 'switch ok');
  assert.equal(switches.length, 2, 'to blue, then back to green');
  assert.match(r.stdout, /traffic goes to blue \(was green\).*traffic goes to green \(was blue\)/s);
  assert.ok(existsSync(join(home, 'live', 'shop.green')) && !existsSync(join(home, 'live', 'shop.blue')));
  const record = s.records().at(-1)!;
  assert.deepEqual([record.status, record.outcome, record.serving], ['failed', 'rolled_back', 'v2']);
  assert.equal(record.failing_step, 'proxy health');
  assert.equal(s.read('proxy/blue'), 'r1 v1\n', 'the standby of v1 is made again');
});

test('a rollback killed after its switch, while it confirms: the recovery puts v2 and the standby back', async () => {
  const { s, home } = await standingBy('exited');
  s.stubState('wget-hold', '1\n'); // the first answer passes; the confirmation's probe then hangs
  s.lock('T');
  const pid = s.start('r3', 'apply', 'T');
  await until(() => existsSync(join(s.root, 'stub', 'wget-held.pid')), "the confirmation's probe");
  assert.ok(existsSync(join(home, 'live', 'shop.blue')), 'switched to blue before it was killed');
  process.kill(pid, 'SIGKILL');
  s.stubState('wget-release', '');
  const recovery = s.start('r3', 'recover', 'T2');
  const record = await until(() => s.records().find((r) => r.id === 'r3'), 'the recovery to record r3');
  await until(() => !running(recovery), 'the recovery to finish');
  assert.deepEqual(
    [record.status, record.outcome, record.serving, record.reason],
    ['failed', 'rolled_back', 'v2', 'apply died before it finished'],
  );
  assert.ok(existsSync(join(home, 'live', 'shop.green')) && !existsSync(join(home, 'live', 'shop.blue')));
  assert.equal(s.read('proxy/blue'), 'r1 v1\n', "v1's standby is made again");
  assert.equal(s.read('proxy/green'), 'r2 v2\n');
});

/** Running, that is: a zombie (ended, not yet reaped by init) is not. */
const running = (pid: number) =>
  /^\s*[^Z\s]/.test(spawnSync('ps', ['-o', 'stat=', '-p', String(pid)]).stdout.toString());
