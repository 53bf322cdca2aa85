/**
 * lock.sh under the local sh, run as gangway runs it: `sh -c "$(cat lock.sh)" lock.sh ACTION STATE …`.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { serverScript } from '../../src/server/scripts.js';

const LOCK_SH = serverScript('lock.sh');
const info = (token: string) => JSON.stringify({ who: `ci-${token}`, token });

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** A fresh state dir (`<dir>/.gangway`), not yet created. */
function stateDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'gangway-lock-'));
  dirs.push(root);
  return join(root, '.gangway');
}

function lock(...args: string[]): { code: number | null; lines: string[] } {
  const r = spawnSync('sh', ['-c', LOCK_SH, 'lock.sh', ...args], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.stderr, '');
  return { code: r.status, lines: r.stdout.split('\n').filter(Boolean) };
}

function lockAsync(...args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', LOCK_SH, 'lock.sh', ...args]);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(out.split('\n').filter(Boolean)));
  });
}

/** The pid of a process that has just exited. */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

/** Age a path's mtime (GNU touch). */
function age(path: string, when: string): void {
  const r = spawnSync('touch', ['-d', when, path]);
  assert.equal(r.status, 0);
}

test("acquire on a free lock, then held for everyone else with the holder's info", () => {
  const state = stateDir();
  assert.deepEqual(lock('acquire', state, info('A'), 'A').lines, ['acquired']);
  assert.equal(readFileSync(join(state, 'lock', 'info'), 'utf8'), `${info('A')}\n`);
  assert.ok(existsSync(join(state, 'lock', 'heartbeat')));
  assert.deepEqual(lock('acquire', state, info('B'), 'B').lines, ['held', info('A')]);
  assert.deepEqual(lock('probe', state).lines, ['live']);
});

test("release by token only; force releases anyone's; none when free", () => {
  const state = stateDir();
  lock('acquire', state, info('A'), 'A');
  assert.deepEqual(lock('release', state, 'B').lines, ['not-owner', info('A')]);
  assert.ok(existsSync(join(state, 'lock')));
  assert.deepEqual(lock('release', state, 'A').lines, ['released']);
  assert.equal(existsSync(join(state, 'lock')), false);
  assert.deepEqual(lock('release', state, 'A').lines, ['none']);
  assert.deepEqual(lock('probe', state).lines, ['free']);

  lock('acquire', state, info('A'), 'A');
  assert.deepEqual(lock('release', state, 'B', 'force').lines, ['released']);
  assert.deepEqual(lock('acquire', state, info('B'), 'B').lines, ['acquired']);
});

test("a token that is a prefix of the holder's is not the owner", () => {
  const state = stateDir();
  lock('acquire', state, info('abc123'), 'abc123');
  assert.equal(lock('release', state, 'abc').lines[0], 'not-owner');
});

test('heartbeat touches lock/heartbeat for the owner only', () => {
  const state = stateDir();
  lock('acquire', state, info('A'), 'A');
  const heartbeat = join(state, 'lock', 'heartbeat');
  age(heartbeat, '2 minutes ago');
  age(join(state, 'lock'), '2 minutes ago');
  assert.notEqual(lock('heartbeat', state, 'B').code, 0);
  assert.match(lock('probe', state).lines[0]!, /^stale no heartbeat/);
  assert.equal(lock('heartbeat', state, 'A').code, 0);
  assert.deepEqual(lock('probe', state).lines, ['live']);
});

test('no heartbeat for over a minute is stale; a heartbeat 30s ago is not', () => {
  const state = stateDir();
  lock('acquire', state, info('A'), 'A');
  age(join(state, 'lock', 'heartbeat'), '30 seconds ago');
  age(join(state, 'lock'), '30 seconds ago');
  assert.deepEqual(lock('probe', state).lines, ['live']);
  assert.deepEqual(lock('acquire', state, info('B'), 'B').lines, ['held', info('A')]);

  age(join(state, 'lock', 'heartbeat'), '2 minutes ago');
  age(join(state, 'lock'), '2 minutes ago');
  assert.deepEqual(lock('probe', state).lines, ['stale no heartbeat from its deploy for over a minute']);
  assert.deepEqual(lock('acquire', state, info('B'), 'B').lines, [
    'stale no heartbeat from its deploy for over a minute',
    info('A'),
  ]);
  assert.equal(readFileSync(join(state, 'lock', 'info'), 'utf8'), `${info('B')}\n`);
});

test('an empty apply.pid (being written) is not a dead apply: the heartbeat rule decides', () => {
  const state = stateDir();
  lock('acquire', state, info('A'), 'A');
  writeFileSync(join(state, 'lock', 'apply.pid'), '');
  assert.deepEqual(lock('probe', state).lines, ['live']);
  assert.equal(lock('acquire', state, info('B'), 'B').lines[0], 'held');
  age(join(state, 'lock', 'heartbeat'), '1 hour ago');
  age(join(state, 'lock'), '1 hour ago');
  assert.deepEqual(lock('probe', state).lines, ['stale no heartbeat from its deploy for over a minute']);
});

test('a live apply.pid keeps the lock however old its heartbeat; a dead one makes it stale', () => {
  const state = stateDir();
  lock('acquire', state, info('A'), 'A');
  writeFileSync(join(state, 'lock', 'apply.pid'), `${process.pid}\n`);
  age(join(state, 'lock', 'heartbeat'), '1 hour ago');
  age(join(state, 'lock'), '1 hour ago');
  assert.deepEqual(lock('probe', state).lines, ['live']);

  const pid = deadPid();
  writeFileSync(join(state, 'lock', 'apply.pid'), `${pid}\n`);
  assert.deepEqual(lock('probe', state).lines, [`stale its apply process ${pid} is gone`]);
});

test('an apply that dies while the lock is checked is gone, not live (a race with its reaping)', async () => {
  const state = stateDir();
  const root = join(state, '..');
  lock('acquire', state, info('A'), 'A');
  // The apply: a process whose parent reaps it the moment it dies. The stub ps kills it and waits until it is
  // reaped, then answers as ps does for a pid that is no more: it dies exactly while lock.sh asks ps about it.
  const parent = spawn('sh', ['-c', 'sleep 600 & echo $! > "$1"; wait', 'sh', join(root, 'apply-pid')]);
  const exited = new Promise((r) => parent.on('exit', r));
  try {
    const pid = await waitForFile(join(root, 'apply-pid'));
    const bin = join(root, 'bin');
    mkdirSync(bin);
    const stub = [
      '#!/bin/sh',
      `kill -KILL ${pid} 2>/dev/null`,
      `n=0; while kill -0 ${pid} 2>/dev/null && [ $n -lt 200 ]; do sleep 0.1; n=$((n + 1)); done`,
      'exit 1',
    ];
    writeFileSync(join(bin, 'ps'), `${stub.join('\n')}\n`, { mode: 0o755 });
    writeFileSync(join(state, 'lock', 'apply.pid'), `${pid}\n`);
    const r = spawnSync('sh', ['-c', LOCK_SH, 'lock.sh', 'acquire', state, info('B'), 'B'], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
    assert.equal(r.stdout.split('\n')[0], `stale its apply process ${pid} is gone`, r.stdout + r.stderr);
  } finally {
    parent.kill('SIGKILL');
    await exited;
  }
});

async function waitForFile(path: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  while (!existsSync(path) || readFileSync(path, 'utf8').trim() === '') {
    if (Date.now() > deadline) throw new Error(`${path} did not appear`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return readFileSync(path, 'utf8').trim();
}

test('unfinished RELEASE_ID follows acquire and probe while <state>/applying exists', () => {
  const state = stateDir();
  mkdirSync(state, { recursive: true });
  writeFileSync(join(state, 'applying'), '20261122-043012-1a2b\n');
  assert.deepEqual(lock('probe', state).lines, ['free', 'unfinished 20261122-043012-1a2b']);
  assert.deepEqual(lock('acquire', state, info('A'), 'A').lines, ['acquired', 'unfinished 20261122-043012-1a2b']);
  writeFileSync(join(state, 'lock', 'apply.pid'), `${deadPid()}\n`);
  const stale = lock('acquire', state, info('B'), 'B').lines;
  assert.match(stale[0]!, /^stale its apply process \d+ is gone$/);
  assert.deepEqual(stale.slice(1), [info('A'), 'unfinished 20261122-043012-1a2b']);
});

test('a recovery guard left by a dead contender is itself stale after a minute', () => {
  const state = stateDir();
  lock('acquire', state, info('A'), 'A');
  writeFileSync(join(state, 'lock', 'apply.pid'), `${deadPid()}\n`);
  mkdirSync(join(state, 'lock.recovering'));
  assert.deepEqual(lock('acquire', state, info('B'), 'B').lines, ['held', info('A')], 'a fresh guard is respected');
  age(join(state, 'lock.recovering'), '2 minutes ago');
  assert.match(lock('acquire', state, info('B'), 'B').lines[0]!, /^stale /);
  assert.equal(existsSync(join(state, 'lock.recovering')), false);
});

test('a stale lock with 4 concurrent contenders: exactly one winner per round (50 rounds)', async () => {
  const state = stateDir();
  for (let round = 0; round < 50; round++) {
    rmSync(state, { recursive: true, force: true });
    mkdirSync(join(state, 'lock'), { recursive: true });
    writeFileSync(join(state, 'lock', 'info'), `${info('old')}\n`);
    writeFileSync(join(state, 'lock', 'apply.pid'), `${deadPid()}\n`);
    const tokens = ['c0', 'c1', 'c2', 'c3'].map((t) => `${t}r${round}`);
    const outs = await Promise.all(tokens.map((t) => lockAsync('acquire', state, info(t), t)));
    const winners = tokens.filter((_, i) => outs[i]![0] === 'acquired' || outs[i]![0]!.startsWith('stale '));
    assert.equal(winners.length, 1, `round ${round}: ${JSON.stringify(outs)}`);
    for (const out of outs) assert.match(out[0]!, /^(acquired|stale its apply process \d+ is gone|held)$/);
    assert.equal(readFileSync(join(state, 'lock', 'info'), 'utf8'), `${info(winners[0]!)}\n`, `round ${round}`);
    assert.equal(existsSync(join(state, 'lock.recovering')), false, `round ${round}: guard left behind`);
  }
});

test('a lock whose holder lets go between our mkdir and our read of its info is taken, not an error', () => {
  const state = stateDir();
  mkdirSync(state, { recursive: true });
  // A mkdir that fails once for the lock directory, as if a holder had it then (and released it at once).
  const bin = join(state, '..', 'bin');
  mkdirSync(bin);
  const realMkdir = spawnSync('sh', ['-c', 'command -v mkdir'], { encoding: 'utf8' }).stdout.trim();
  writeFileSync(
    join(bin, 'mkdir'),
    `#!/bin/sh\nfor a; do last=$a; done\ncase "$last" in */lock) [ -e "${bin}/once" ] || { : > "${bin}/once"; ` +
      `exit 1; } ;; esac\nexec ${realMkdir} "$@"\n`,
    { mode: 0o755 },
  );
  const r = spawnSync('sh', ['-c', LOCK_SH, 'lock.sh', 'acquire', state, info('B'), 'B'], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  assert.ok(existsSync(join(bin, 'once')), 'the stub refused the first mkdir');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.deepEqual(r.stdout.split('\n').filter(Boolean), ['acquired']);
  assert.equal(readFileSync(join(state, 'lock', 'info'), 'utf8'), `${info('B')}\n`);
});

test('a lock just taken whose info is not written yet is held (unknown holder), not an error', () => {
  const state = stateDir();
  mkdirSync(join(state, 'lock'), { recursive: true });
  assert.deepEqual(lock('acquire', state, info('B'), 'B'), { code: 0, lines: ['held'] });
});
