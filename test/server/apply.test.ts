/**
 * apply.sh under the local sh, with a stub docker/docker-compose/curl first on PATH (fake-server.ts). Release
 * directories are written with the real applyFiles(), so the real vars.sh format is what apply.sh reads.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { chooseRollback } from '../../src/server/rollback-choice.js';
import { serverScript } from '../../src/server/scripts.js';
import { parseServerState } from '../../src/server/state.js';
import { composeFiles, composeSubcommand, DEFAULT_COMPOSE, FakeServer, type StartOptions } from './fake-server.js';
import { until } from '../helpers/until.js';

const ESC = '\x1b';
let servers: FakeServer[] = [];
afterEach(() => {
  for (const s of servers) s.cleanup();
  servers = [];
});

function server(dirName?: string): FakeServer {
  const s = new FakeServer(dirName);
  servers.push(s);
  return s;
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

/** The `::gangway::` events apply.sh printed, parsed (each must be valid JSON). */
function events(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('::gangway:: '))
    .map((l) => JSON.parse(l.slice('::gangway:: '.length)) as Record<string, unknown>);
}

/** The tags of the `compose up` calls, in order. */
function upTags(s: FakeServer): string[] {
  return s.composeCalls('up').map((c) => c.imageTag);
}

test('gate pass: recorded succeeded, last_good_tag and current set, lock and applying removed', () => {
  const s = server();
  s.release({
    id: 'r1',
    tag: 'v1',
    env: 'API_KEY=first-secret-value\n',
    health: { http: [{ url: 'http://127.0.0.1:8080/health', retries: 2, intervalMs: 1000 }] },
  });
  const r = s.apply('r1');
  assert.equal(r.status, 0, r.stdout + r.stderr);

  const [record, ...more] = s.records();
  assert.equal(more.length, 0);
  assert.equal(record?.id, 'r1');
  assert.equal(record?.tag, 'v1');
  assert.equal(record?.status, 'succeeded');
  assert.equal(record?.outcome, 'succeeded');
  assert.equal(record?.operation, 'deploy');
  assert.equal(record?.serving, 'v1');
  assert.equal(record?.who, 'tester@laptop');
  assert.equal(record?.failing_step, undefined);
  assert.equal(s.read('last_good_tag'), 'v1\n');
  assert.equal(s.read('current'), 'r1\n');
  assert.equal(existsSync(join(s.g, 'lock')), false, 'the apply releases the lock it owns');
  assert.equal(existsSync(join(s.g, 'applying')), false);
  assert.equal(s.read('releases/r1/prev'), '\n', 'nothing was in place before');

  assert.equal(readFileSync(join(s.dir, '.env'), 'utf8'), 'API_KEY=first-secret-value\n');
  assert.equal(mode(join(s.dir, '.env')), 0o600);
  assert.equal(readFileSync(join(s.dir, 'docker-compose.yml'), 'utf8'), DEFAULT_COMPOSE);

  const [up, ...moreUps] = s.composeCalls('up');
  assert.equal(moreUps.length, 0);
  assert.equal(up?.imageTag, 'v1');
  assert.deepEqual(up?.argv, [
    'compose',
    '-p',
    'shop',
    '--project-directory',
    s.dir,
    '-f',
    join(s.dir, 'docker-compose.yml'),
    '--env-file',
    join(s.dir, '.env'),
    'up',
    '-d',
    '--remove-orphans',
  ]);
  const curl = s.calls().filter((c) => c.name === 'curl');
  assert.equal(curl.length, 1);
  assert.equal(curl[0]?.argv.at(-1), 'http://127.0.0.1:8080/health');

  const result = events(r.stdout).find((e) => e.event === 'result');
  assert.deepEqual(
    { status: result?.status, outcome: result?.outcome, serving: result?.serving },
    { status: 'succeeded', outcome: 'succeeded', serving: 'v1' },
  );
});

test('gate fail: the previous release is put back and gated, recorded rolled_back', () => {
  const s = server();
  s.release({ id: 'r1', tag: 'v1', env: 'API_KEY=first-secret-value\n' });
  assert.equal(s.apply('r1').status, 0);
  s.release({ id: 'r2', tag: 'v2', env: 'API_KEY=second-secret-value\n' });
  s.stubState('unhealthy', 'v2\n');
  s.stubState('logs', `${ESC}[31mERROR boom: cannot reach db${ESC}[0m\nweb | exiting\n`);
  s.clearCalls();

  const r = s.apply('r2');
  assert.equal(r.status, 1, 'a rolled-back release is a failed deploy');
  assert.deepEqual(upTags(s), ['v2', 'v1']);

  const record = s.records().at(-1);
  assert.equal(record?.id, 'r2');
  assert.equal(record?.status, 'rolled_back');
  assert.equal(record?.outcome, 'rolled_back');
  assert.equal(record?.serving, 'v1');
  assert.equal(record?.failing_step, 'health web');
  assert.match(String(record?.reason), /unhealthy/);
  assert.equal(s.read('current'), 'r1\n');
  assert.equal(s.read('last_good_tag'), 'v1\n', 'a failed release never becomes the last good tag');
  assert.equal(existsSync(join(s.g, 'lock')), false);
  assert.equal(existsSync(join(s.g, 'applying')), false);

  assert.equal(readFileSync(join(s.dir, '.env'), 'utf8'), 'API_KEY=first-secret-value\n', '.env restored');
  assert.equal(mode(join(s.dir, '.env')), 0o600);
  const backups = readdirSync(s.dir).filter((f) => f.startsWith('.env.bak-'));
  assert.equal(backups.length, 1);
  assert.equal(readFileSync(join(s.dir, backups[0]!), 'utf8'), 'API_KEY=first-secret-value\n');
  assert.equal(mode(join(s.dir, backups[0]!)), 0o600);

  const failureLog = join(s.rel('r2'), 'failure.log');
  assert.equal(mode(failureLog), 0o600);
  const failure = readFileSync(failureLog, 'utf8');
  assert.match(failure, /ERROR boom: cannot reach db/);
  assert.match(failure, /healthcheck: connection refused \(v2\)/, 'the healthcheck output of the failing tag');
  assert.ok(!failure.includes(ESC), 'ANSI codes stripped');
});

test('a first deploy that fails: recorded failed, serving none, containers stopped, current removed', () => {
  const s = server();
  s.release({ id: 'r1', tag: 'v1' });
  s.stubState('up-fails', 'v1\n');
  const r = s.apply('r1');
  assert.equal(r.status, 1);

  const [record] = s.records();
  assert.equal(record?.status, 'failed');
  assert.equal(record?.outcome, 'failed');
  assert.equal(record?.serving, 'none');
  assert.equal(record?.failing_step, 'compose up');
  assert.match(String(record?.reason), /first deploy, nothing to roll back to/);
  assert.equal(s.composeCalls('stop').length, 1);
  assert.equal(s.composeCalls('stop')[0]?.imageTag, 'v1');
  assert.equal(existsSync(join(s.g, 'current')), false);
  assert.equal(existsSync(join(s.g, 'last_good_tag')), false);
  assert.equal(existsSync(join(s.g, 'lock')), false);
  assert.equal(existsSync(join(s.g, 'applying')), false);
  assert.match(readFileSync(join(s.rel('r1'), 'failure.log'), 'utf8'), /pull access denied for v1/);
});

test('env-only: the tag in place comes back up with the new env, recorded as env-only', () => {
  const s = server();
  s.release({ id: 'r1', tag: 'v1', env: 'API_KEY=first-secret-value\n' });
  assert.equal(s.apply('r1').status, 0);
  const copyFrom = { id: 'r1', withEnv: false };
  s.release({ id: 'r2', tag: '', operation: 'env-only', copyFrom, env: 'API_KEY=rotated-value\n' });
  s.clearCalls();

  const r = s.apply('r2');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.deepEqual(upTags(s), ['v1']);
  const record = s.records().at(-1);
  const { id, tag, operation, status, outcome } = record ?? {};
  assert.deepEqual(
    { id, tag, operation, status, outcome },
    { id: 'r2', tag: 'v1', operation: 'env-only', status: 'succeeded', outcome: 'succeeded' },
  );
  assert.equal(readFileSync(join(s.dir, '.env'), 'utf8'), 'API_KEY=rotated-value\n');
  assert.equal(s.read('current'), 'r2\n');
  assert.equal(s.read('last_good_tag'), 'v1\n');
});

test('.env is backed up only when it changes, 0600, and at most `keep` backups remain (they hold secrets)', () => {
  const s = server('my app'); // a space in the deploy dir: the pruning must not split paths
  const backups = () =>
    readdirSync(s.dir)
      .filter((f) => f.startsWith('.env.bak-'))
      .sort();
  s.release({ id: 'r1', tag: 'v1', env: 'API_KEY=first-secret-value\n', keep: 3 });
  assert.equal(s.apply('r1').status, 0);
  s.release({ id: 'r2', tag: 'v2', env: 'API_KEY=first-secret-value\n', keep: 3 });
  assert.equal(s.apply('r2').status, 0);
  assert.deepEqual(backups(), [], 'the same env again: no backup');

  const old = ['20200101-000000', '20200102-000000', '20200103-000000', '20200104-000000'];
  for (const t of old) writeFileSync(join(s.dir, `.env.bak-${t}`), `API_KEY=old-${t}\n`, { mode: 0o600 });
  s.release({ id: 'r3', tag: 'v3', env: 'API_KEY=rotated-secret-value\n', keep: 3 });
  const r = s.apply('r3');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const left = backups();
  assert.equal(left.length, 3, `keep: 3 backups at most, got ${left.join(' ')}`);
  assert.deepEqual(left.slice(0, 2), ['.env.bak-20200103-000000', '.env.bak-20200104-000000'], 'the oldest go');
  assert.equal(readFileSync(join(s.dir, left[2]!), 'utf8'), 'API_KEY=first-secret-value\n', 'the newest: the change');
  for (const f of left) assert.equal(mode(join(s.dir, f)), 0o600, f);
});

test('compose file names with spaces reach Compose as one argument each (docker-compose v1 too)', () => {
  const s = server('my app');
  s.release({
    id: 'r1',
    tag: 'v1',
    files: { 'a b.yml': DEFAULT_COMPOSE, 'c  d.override.yml': 'services: {}\n' },
    composeArgv: ['docker-compose'],
  });
  const r = s.apply('r1');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const [up] = s.composeCalls('up');
  assert.equal(up?.name, 'docker-compose');
  assert.deepEqual(composeFiles(up!), [join(s.dir, 'a b.yml'), join(s.dir, 'c  d.override.yml')]);
  assert.ok(!up?.argv.includes('--env-file'), 'no env file, no --env-file');
  assert.equal(up?.argv[up.argv.indexOf('--project-directory') + 1], s.dir);
  assert.equal(readFileSync(join(s.dir, 'a b.yml'), 'utf8'), DEFAULT_COMPOSE);
});

test("logs that cannot be read fail the fatal-logs gate (docker's error has no fatal pattern): rolled back", () => {
  const s = server();
  const health = { fatalLogs: { patterns: ['FATAL'], tail: 20 } };
  s.release({ id: 'r1', tag: 'v1', health });
  assert.equal(s.apply('r1').status, 0);
  s.release({ id: 'r2', tag: 'v2', health });
  s.stubState('logs-fail', '');
  const r = s.apply('r2');
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const record = s.records().at(-1)!;
  assert.equal(record.failing_step, 'fatal logs');
  assert.match(String(record.reason), /the logs of web cannot be read: Error response from daemon: cannot read logs/);
  assert.notEqual(record.status, 'succeeded');
});

test('hostile tag, app, dir, URL and fatal pattern: nothing executed, every record line valid JSON', () => {
  const witness = server().root; // where an executed `$(touch …)` would leave a file
  const hostile = (what: string) =>
    `${what} it's "q" $(touch ${witness}/pwned-${what}) \`touch ${witness}/tick-${what}\` back\\slash\\ ;|&<>*`;
  const s = server(hostile('dir'));
  const url = `http://127.0.0.1/${hostile('url')}`;
  const pattern = hostile('pattern');
  const health = {
    http: [{ url, retries: 1, intervalMs: 1000 }],
    fatalLogs: { patterns: [pattern], tail: 20 },
  };
  const spec = { app: hostile('app'), imageName: hostile('image'), health, env: `KEY=${hostile('env')}\n` };
  s.release({ id: 'r1', tag: hostile('tag1'), ...spec });
  const first = s.apply('r1');
  assert.equal(first.status, 0, first.stdout + first.stderr);

  s.release({ id: 'r2', tag: hostile('tag2'), ...spec });
  s.stubState('logs', `web | ${pattern}\n`);
  const second = s.apply('r2');
  assert.equal(second.status, 1);

  const pwned = [witness, s.root].flatMap((d) => readdirSync(d).filter((f) => /pwned|tick/.test(f)));
  assert.deepEqual(pwned, [], 'no hostile value was executed');
  const records = s.records(); // JSON.parse on every line
  assert.equal(records.length, 2);
  assert.equal(records[0]?.tag, hostile('tag1'));
  assert.equal(records[0]?.status, 'succeeded');
  assert.equal(records[1]?.tag, hostile('tag2'));
  assert.equal(records[1]?.failing_step, 'fatal logs');
  assert.match(String(records[1]?.reason), /fatal patterns in the last 20 log lines of: web\(1\)/);
  events(first.stdout + second.stdout); // every event line parses

  const [up] = s.composeCalls('up');
  assert.equal(up?.imageTag, hostile('tag1'));
  assert.equal(up?.argv[up.argv.indexOf('-p') + 1], hostile('app'));
  assert.equal(up?.argv[up.argv.indexOf('--project-directory') + 1], s.dir);
  assert.equal(
    s
      .calls()
      .find((c) => c.name === 'curl')
      ?.argv.at(-1),
    url,
  );
  assert.equal(readFileSync(join(s.dir, '.env'), 'utf8'), `KEY=${hostile('env')}\n`);
});

test('env values in Compose output are masked in the run output, .up-out and failure.log', () => {
  const s = server();
  const env = 'API_KEY=s3cr3t-value-123\nDB_PASSWORD=hunter2-long-password\nPORT=8080\n';
  s.release({ id: 'r1', tag: 'v1', env });
  assert.equal(mode(join(s.rel('r1'), '.mask')), 0o600);
  s.stubState('up-out', 'WARN: resolved s3cr3t-value-123 and hunter2-long-password on 8080\n');
  s.stubState('up-fails', 'v1\n');
  const r = s.apply('r1');
  assert.equal(r.status, 1);

  for (const [name, text] of [
    ['stdout', r.stdout],
    ['stderr', r.stderr],
    ['.up-out', readFileSync(join(s.rel('r1'), '.up-out'), 'utf8')],
    ['failure.log', readFileSync(join(s.rel('r1'), 'failure.log'), 'utf8')],
  ] as const) {
    assert.ok(!text.includes('s3cr3t-value-123'), `${name} holds a secret value: ${text}`);
    assert.ok(!text.includes('hunter2-long-password'), `${name} holds a secret value: ${text}`);
  }
  assert.match(r.stdout, /WARN: resolved \*\*\* and \*\*\* on 8080/, 'short numbers are not masked');
});

test('recover: the release in place before is put back and the release recorded failed, lock untouched', () => {
  const s = server();
  s.release({ id: 'r1', tag: 'v1', env: 'API_KEY=first-secret-value\n' });
  assert.equal(s.apply('r1').status, 0);
  // r2's apply died after putting r2 in place: prev and applying written, current = r2, lock still held.
  s.release({ id: 'r2', tag: 'v2', env: 'API_KEY=second-secret-value\n' });
  s.lock('T');
  s.stubState('running', 'v2\n');
  writeFileSync(join(s.rel('r2'), 'prev'), 'r1\n');
  writeFileSync(join(s.g, 'applying'), 'r2\n');
  writeFileSync(join(s.g, 'current'), 'r2\n');
  const infoBefore = s.read('lock/info');
  s.clearCalls();

  const r = s.apply('r2', { action: 'recover' });
  assert.equal(r.status, 1);
  assert.deepEqual(upTags(s), ['v1']);
  const record = s.records().at(-1);
  assert.equal(record?.id, 'r2');
  assert.equal(record?.status, 'failed');
  assert.equal(record?.outcome, 'rolled_back');
  assert.equal(record?.serving, 'v1');
  assert.match(String(record?.reason), /apply died/);
  assert.equal(s.read('current'), 'r1\n');
  assert.equal(readFileSync(join(s.dir, '.env'), 'utf8'), 'API_KEY=first-secret-value\n');
  assert.equal(existsSync(join(s.g, 'applying')), false);
  assert.equal(s.read('lock/info'), infoBefore, 'recover leaves the lock to its caller');
});

test(
  'retention (KEEP=3): failed releases pruned first, one release per good tag plus the good release just before ' +
    'the one in place, images of dropped tags only',
  () => {
    const s = server();
    const common = { keep: 3, imageName: 'acme/web' };
    const state = () => {
      const lock = serverScript('lock.sh');
      const r = s.sh(serverScript('state.sh'), 'state.sh', [s.g, lock]);
      return parseServerState(r.stdout);
    };
    s.release({ id: 'r1', tag: 'v1', env: 'K=value-one\n', ...common });
    assert.equal(s.apply('r1').status, 0);
    s.release({ id: 'r2', tag: 'v2', env: 'K=value-two\n', ...common });
    assert.equal(s.apply('r2').status, 0);
    s.release({ id: 'r3', tag: 'bad', env: 'K=value-bad\n', ...common });
    s.stubState('unhealthy', 'bad\n');
    assert.equal(s.apply('r3').status, 1);
    assert.deepEqual(readdirSync(join(s.g, 'releases')).sort(), ['r1', 'r2', 'r3'], 'nothing pruned on a failure');

    const fromR2 = { id: 'r2', withEnv: false };
    s.release({ id: 'r4', tag: '', operation: 'env-only', copyFrom: fromR2, env: 'K=v2b\n', ...common });
    assert.equal(s.apply('r4').status, 0);
    assert.deepEqual(
      readdirSync(join(s.g, 'releases')).sort(),
      ['r1', 'r2', 'r4'],
      'r3 failed; r2 (v2, the env before) is the good release just before r4',
    );

    const choice = chooseRollback(state());
    assert.deepEqual(choice, { ok: true, id: 'r2', tag: 'v2' }, 'a rollback undoes the env-only change');
    s.release({ id: 'r5', tag: '', operation: 'rollback', copyFrom: { id: 'r2', withEnv: true }, ...common });
    const r5 = s.apply('r5');
    assert.equal(r5.status, 0, r5.stdout + r5.stderr);
    assert.equal(s.records().at(-1)?.status, 'rollback');
    assert.equal(readFileSync(join(s.dir, '.env'), 'utf8'), 'K=value-two\n', "the rollback brings v2's env back");

    const final = state();
    assert.deepEqual(final.retained, [
      { id: 'r5', tag: 'v2' },
      { id: 'r4', tag: 'v2' },
      { id: 'r1', tag: 'v1' },
    ]);
    assert.deepEqual(final.current, { id: 'r5', tag: 'v2' });
    assert.equal(final.lastGoodTag, 'v2');
    assert.deepEqual(chooseRollback(final), { ok: true, id: 'r4', tag: 'v2' }, 'a second rollback redoes the change');
    assert.deepEqual(chooseRollback(final, 'v1'), { ok: true, id: 'r1', tag: 'v1' });
    const removed = s
      .calls()
      .filter((c) => c.name === 'docker' && c.argv[0] === 'image')
      .map((c) => c.argv);
    assert.deepEqual(removed, [['image', 'rm', 'acme/web:bad']], 'v1 and v2 are still used by kept releases');
  },
);

test('retention (KEEP=1): the good release just before the one in place stays, with its image', () => {
  const s = server();
  const common = { keep: 1, imageName: 'acme/web' };
  for (const [id, tag] of [
    ['r1', 'v1'],
    ['r2', 'v2'],
    ['r3', 'v3'],
  ] as const) {
    s.release({ id, tag, ...common });
    assert.equal(s.apply(id).status, 0);
  }
  assert.deepEqual(readdirSync(join(s.g, 'releases')).sort(), ['r2', 'r3'], 'r1 pruned; r2 is the way back');
  const removed = s
    .calls()
    .filter((c) => c.name === 'docker' && c.argv[0] === 'image')
    .map((c) => c.argv);
  assert.deepEqual(removed, [['image', 'rm', 'acme/web:v1']]);
});

test('an HTTP check without a 2xx answer fails the gate; the release before comes back', () => {
  const s = server();
  const health = { http: [{ url: 'http://127.0.0.1:8080/health', retries: 1, intervalMs: 1000 }] };
  s.release({ id: 'r1', tag: 'v1', health });
  assert.equal(s.apply('r1').status, 0);
  s.release({ id: 'r2', tag: 'v2', health });
  s.stubState('http-fail', 'http://127.0.0.1:8080/health\n');
  s.clearCalls();
  const r = s.apply('r2');
  assert.equal(r.status, 1);
  const record = s.records().at(-1);
  assert.equal(record?.failing_step, 'http http://127.0.0.1:8080/health');
  assert.match(String(record?.reason), /^no 2xx after 1 attempt\(s\): HTTP 503; the previous release v1 also failed/);
  assert.equal(record?.status, 'failed', 'the check fails for v1 too: nothing serves');
  assert.equal(record?.serving, 'v1 (unhealthy)');
  assert.equal(s.calls().filter((c) => c.name === 'curl').length, 2, 'one attempt per gate');
});

test('a rollback operation that fails is recorded failed (outcome rolled_back)', () => {
  const s = server();
  s.release({ id: 'r1', tag: 'v1' });
  assert.equal(s.apply('r1').status, 0);
  s.release({ id: 'r2', tag: 'v2' });
  assert.equal(s.apply('r2').status, 0);
  s.release({ id: 'r3', tag: '', operation: 'rollback', copyFrom: { id: 'r1', withEnv: true } });
  s.stubState('unhealthy', 'v1\n');
  assert.equal(s.apply('r3').status, 1);
  const record = s.records().at(-1);
  assert.deepEqual(
    { status: record?.status, outcome: record?.outcome, serving: record?.serving },
    { status: 'failed', outcome: 'rolled_back', serving: 'v2' },
  );
  assert.equal(s.read('current'), 'r2\n');
});

test("a rollback to the previous release runs Compose with that release's own compose files", () => {
  const s = server();
  s.release({ id: 'r1', tag: 'v1', files: { 'docker-compose.yml': DEFAULT_COMPOSE } });
  assert.equal(s.apply('r1').status, 0);
  s.release({ id: 'r2', tag: 'v2', files: { 'docker-compose.yml': DEFAULT_COMPOSE, 'extra.yml': 'services: {}\n' } });
  s.stubState('unhealthy', 'v2\n');
  s.clearCalls();
  assert.equal(s.apply('r2').status, 1);
  const rollbackUp = s.composeCalls('up').find((c) => c.imageTag === 'v1');
  assert.deepEqual(composeFiles(rollbackUp!), [join(s.dir, 'docker-compose.yml')]);
});

test('the apply refuses to run when the lock is not held with its token', () => {
  const s = server();
  s.release({ id: 'r1', tag: 'v1' });
  s.lock('SOMEONE-ELSE');
  const r = s.apply('r1', { lock: false });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /the deploy lock is not held by this release's deploy; nothing done/);
  assert.deepEqual(s.calls(), []);
  assert.deepEqual(s.records(), []);
  assert.match(String(s.read('lock/info')), /"token":"SOMEONE-ELSE"/, 'the other holder keeps its lock');
  assert.equal(existsSync(join(s.g, 'lock', 'apply.pid')), false);
  assert.equal(existsSync(join(s.g, 'applying')), false);
  assert.equal(existsSync(join(s.g, 'current')), false);
});

test('shellcheck -s sh passes on every server script', () => {
  const dir = new URL('../../src/server/sh/', import.meta.url).pathname;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sh'))
    .map((f) => join(dir, f));
  assert.ok(files.length >= 5, `server scripts: ${files.join(', ')}`);
  const r = spawnSync('shellcheck', ['-s', 'sh', ...files], { encoding: 'utf8' });
  assert.equal(r.error, undefined, 'shellcheck is installed');
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('composeSubcommand reads past the global options (harness self-check)', () => {
  const call = { name: 'docker', imageTag: '', argv: ['compose', '-p', 'up', '-f', 'ps', 'logs', '--tail', '5'] };
  assert.equal(composeSubcommand(call), 'logs');
});

test('apply-hold (a fleet): the outcome is recorded as usual, and the lock goes back to the CLI, not away', () => {
  const s = server();
  s.release({ id: 'r1', tag: 'v1' });
  const r = s.apply('r1', { action: 'apply-hold' }); // apply.sh writes its own pid into lock/apply.pid
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(s.records()[0]?.status, 'succeeded');
  assert.match(String(s.read('lock/info')), /"token":"T"/, 'still held with the same token');
  assert.equal(existsSync(join(s.g, 'lock', 'apply.pid')), false, 'no apply holds it any more');
  assert.ok(existsSync(join(s.g, 'lock', 'heartbeat')), 'touched: fresh for the CLI that resumes its heartbeat');
});

const stubFile = (s: FakeServer, name: string) => readOrUndefined(join(s.root, 'stub', name));
const readOrUndefined = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);
/** Running, that is: a zombie (ended, not yet reaped by init) is not. */
const isRunning = (pid: number) =>
  /^\s*[^Z\s]/.test(spawnSync('ps', ['-o', 'stat=', '-p', String(pid)]).stdout.toString());

/**
 * v1 in place; the apply of v2 (started by the real start.sh) is killed with -9 while its `compose up` runs;
 * that compose up, its child, lives on until the recovery.
 */
async function killedDuringComposeUp(s: FakeServer, how: StartOptions = {}): Promise<number> {
  s.release({ id: 'r1', tag: 'v1' });
  assert.equal(s.apply('r1').status, 0);
  s.release({ id: 'r2', tag: 'v2' });
  s.stubState('up-hold', 'v2\n');
  s.lock('T');
  const pid = s.start('r2', 'apply', 'T', how);
  const held = Number(await until(() => stubFile(s, 'up-held.pid'), "the apply's compose up"));
  process.kill(pid, 'SIGKILL');
  return held;
}

async function recovered(s: FakeServer, how: StartOptions = {}): Promise<Record<string, unknown>> {
  const pid = s.start('r2', 'recover', 'T2', how);
  const record = await until(() => s.records().find((r) => r.id === 'r2'), 'the recovery to record r2', 60_000);
  // It goes on after the record (lock, metrics, retention): the test's cleanup must not race it.
  await until(() => (isRunning(pid) ? undefined : true), 'the recovery to finish', 120_000);
  return record;
}

test("recover ends the killed apply's compose up (its whole process group) before its own compose up", async () => {
  const s = server();
  const held = await killedDuringComposeUp(s);
  const record = await recovered(s);
  assert.deepEqual(
    [record.status, record.outcome, record.serving, record.reason],
    ['failed', 'rolled_back', 'v1', 'apply died before it finished'],
  );
  assert.equal(stubFile(s, 'up-overlap'), undefined, "the recovery's compose up began while the dead one ran");
  assert.equal(isRunning(held), false, "the dead apply's compose up was ended");
  assert.equal(stubFile(s, 'running'), 'v1\n');
  assert.match(readFileSync(s.runLog('r2'), 'utf8'), /start: ended \d+ process\(es\) an earlier run of this release/);
});

test('compose up tripping over a container name a killed Compose run left is run again, once', () => {
  const s = server();
  s.release({ id: 'r1', tag: 'v1' });
  s.stubState('up-conflict', '1\n');
  const r = s.apply('r1');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.deepEqual(upTags(s), ['v1', 'v1']);
  assert.match(r.stdout, /compose up v1 again: a container left by an interrupted Compose run was in the way/);
  assert.equal(s.records()[0]?.status, 'succeeded');

  s.release({ id: 'r2', tag: 'v2' });
  s.stubState('up-conflict', '2\n');
  s.clearCalls();
  assert.equal(s.apply('r2').status, 1);
  assert.deepEqual(upTags(s), ['v2', 'v2', 'v1'], 'once only; then the release before comes back');
  const record = s.records().at(-1);
  assert.deepEqual([record?.failing_step, record?.status, record?.serving], ['compose up', 'rolled_back', 'v1']);
  assert.match(readFileSync(join(s.rel('r2'), 'failure.log'), 'utf8'), /Conflict\. The container name/);

  s.release({ id: 'r3', tag: 'v3' });
  s.stubState('up-fails', 'v3\n');
  s.clearCalls();
  assert.equal(s.apply('r3').status, 1);
  assert.deepEqual(upTags(s), ['v3', 'v1'], 'any other failure of compose up is not run again');
});

/** A PATH with everything of /usr/bin but setsid (a server whose userland has none). */
function pathWithoutSetsid(s: FakeServer): string {
  const dir = join(s.root, 'no-setsid');
  mkdirSync(dir);
  for (const name of readdirSync('/usr/bin'))
    if (name !== 'setsid') symlinkSync(join('/usr/bin', name), join(dir, name));
  return dir;
}

test('without setsid, the group of the session sshd made for start.sh is ended the same way', async () => {
  const s = server();
  const path = pathWithoutSetsid(s);
  const held = await killedDuringComposeUp(s, { path, leads: 'session' });
  const record = await recovered(s, { path });
  assert.deepEqual([record.status, record.serving], ['failed', 'v1']);
  assert.equal(stubFile(s, 'up-overlap'), undefined, "the recovery's compose up began while the dead one ran");
  assert.equal(isRunning(held), false, "the dead apply's compose up was ended");
});

test('without setsid, a group start.sh does not lead a session of is not noted (it may hold the caller)', async () => {
  const s = server();
  s.release({ id: 'r1', tag: 'v1' });
  s.lock('T');
  const pid = s.start('r1', 'apply', 'T', { path: pathWithoutSetsid(s), leads: 'group' });
  assert.ok(pid > 0);
  assert.equal(existsSync(join(s.rel('r1'), 'groups')), false);
  // The apply goes on writing into the server dir: the test's cleanup must not remove it from under it.
  await until(() => (isRunning(pid) ? undefined : true), 'the detached apply to finish', 120_000);
});
