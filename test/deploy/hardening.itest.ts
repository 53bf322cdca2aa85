/**
 * The core's failure paths over the real sshd into dockerd: an apply killed with -9 (CLI connected or not),
 * connections cut before the apply, a project without an env file, retention of good tags, and a rollback
 * refused before any change.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gangway } from '../helpers/cli.js';
import { type DeployProject, deployProject } from '../helpers/deploy-project.js';
import { buildWebImage } from '../helpers/images.js';
import { testHost } from '../helpers/testenv.js';
import { bounded, killChildren, tracked } from '../helpers/children.js';

const BIN = fileURLToPath(new URL('../../bin/gangway.js', import.meta.url));
const projects: DeployProject[] = [];
const project = (...args: Parameters<typeof deployProject>) => {
  const p = deployProject(...args);
  projects.push(p);
  return p;
};

before(async () => {
  for (const v of ['v1', 'v2', 'v3']) await buildWebImage(`gangway-test/web:${v}`, { version: v });
  await buildWebImage('gangway-test/web:bad', { version: 'bad', healthy: false });
});
after(() => {
  killChildren();
  for (const p of projects) p.cleanup();
});

function startCli(args: string[]) {
  const cli = tracked(bounded(spawn(process.execPath, [BIN, ...args], { stdio: 'pipe' })));
  const out = { stdout: '', stderr: '' };
  cli.stdout.on('data', (d) => (out.stdout += d));
  cli.stderr.on('data', (d) => (out.stderr += d));
  const exit = new Promise<number | null>((r) => cli.on('exit', r));
  return { cli, out, exit };
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Kill the detached apply and everything it started (it leads its own session and process group). */
function killApply(p: DeployProject): void {
  const pid = readFileSync(join(p.serverDir, '.gangway', 'lock', 'apply.pid'), 'utf8').trim();
  execFileSync('kill', ['-KILL', '--', `-${pid}`]);
}

const lockDir = (p: DeployProject) => join(p.serverDir, '.gangway', 'lock');

test(
  'the apply killed with -9 while the CLI follows it: the last good release is put back and recorded ' + '"apply died"',
  async () => {
    const p = project();
    assert.equal(gangway(['-c', p.config, 'deploy', '--tag', 'v1']).code, 0);
    const run = startCli(['-c', p.config, 'deploy', '--tag', 'v2']);
    await waitFor(() => run.out.stdout.includes('start apply'), 120_000, 'the apply to start');
    killApply(p);
    const code = await run.exit;
    assert.equal(code, 1, run.out.stdout + run.out.stderr);
    assert.match(run.out.stdout, /start recovery/);
    assert.match(run.out.stdout, /rolled back: serving v1 — apply: apply died/);
    const last = p.releases().at(-1)!;
    assert.deepEqual([last.tag, last.status, last.serving], ['v2', 'failed', 'v1']);
    assert.match(String(last.reason), /apply died/);
    assert.equal(p.serving(), 'v1');
    assert.ok(!existsSync(lockDir(p)), 'the lock is free');
    assert.ok(!existsSync(join(p.serverDir, '.gangway', 'applying')));
  },
);

test('the apply and the CLI both killed: status says so (NO-GO), and the next deploy recovers it first', async () => {
  const p = project();
  assert.equal(gangway(['-c', p.config, 'deploy', '--tag', 'v1']).code, 0);
  const run = startCli(['-c', p.config, 'deploy', '--tag', 'v2']);
  await waitFor(() => run.out.stdout.includes('start apply'), 120_000, 'the apply to start');
  run.cli.kill('SIGKILL');
  killApply(p);
  await run.exit;
  const status = gangway(['-c', p.config, 'status']);
  assert.equal(status.code, 1, status.stdout + status.stderr);
  assert.match(status.stdout, /left unfinished by an apply that died/);
  const next = gangway(['-c', p.config, 'deploy', '--tag', 'v3']);
  assert.equal(next.code, 0, next.stdout + next.stderr);
  assert.match(next.stdout, /recovered a stale lock/);
  assert.match(next.stdout, /recover \S+ — its apply had died; recorded failed, serving v1/);
  assert.deepEqual(
    p.releases().map((r) => [r.tag, r.status]),
    [
      ['v1', 'succeeded'],
      ['v2', 'failed'],
      ['v3', 'succeeded'],
    ],
  );
  assert.equal(p.serving(), 'v3');
});

test(
  'every SSH connection cut right after the lock is taken: the CLI reconnects, retries, deploys, frees ' + 'the lock',
  async () => {
    // On test host 4, whose sshd only this file uses: killing its sessions cuts no other file's connection.
    const host = testHost(4);
    const p = project({ host, delivery: 'sync' });
    assert.equal(gangway(['-c', p.config, 'deploy', '--tag', 'v1']).code, 0);
    const sshdPid = readFileSync(join(host.home, '..', 'sshd.pid'), 'utf8').trim();
    const run = startCli(['-c', p.config, '-v', 'deploy', '--tag', 'v2']);
    await waitFor(() => existsSync(join(lockDir(p), 'heartbeat')), 120_000, 'the lock');
    execFileSync('pkill', ['-KILL', '-P', sshdPid]);
    const code = await run.exit;
    assert.equal(code, 0, run.out.stdout + run.out.stderr);
    assert.match(run.out.stderr, /connection lost .*reconnecting/);
    assert.equal(p.serving(), 'v2');
    assert.ok(!existsSync(lockDir(p)), 'the lock is free');
  },
);

test('a project without an env file deploys (no --env-file is passed to Compose)', () => {
  const p = project();
  const text = readFileSync(p.config, 'utf8').replace('env: { file: .env }\n', '');
  writeFileSync(p.config, text);
  writeFileSync(
    join(p.dir, 'docker-compose.yml'),
    readFileSync(join(p.dir, 'docker-compose.yml'), 'utf8').replace(/ {4}environment:\n(?: {6}.*\n)+/, ''),
  );
  const r = gangway(['-c', p.config, 'deploy', '--tag', 'v1']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(p.serving(), 'v1');
  assert.ok(!existsSync(join(p.serverDir, '.env')));
});

test(
  'keep: 3 keeps good tags: after v1, v2, a failed bad, an env-only change and a rollback, v1 and v2 ' +
    'stay reachable',
  () => {
    const p = project();
    for (const tag of ['v1', 'v2']) assert.equal(gangway(['-c', p.config, 'deploy', '--tag', tag]).code, 0);
    assert.equal(gangway(['-c', p.config, 'deploy', '--tag', 'bad']).code, 1);
    p.writeEnv('APP_SECRET=canary-e2e-secret-value-2\n');
    assert.equal(gangway(['-c', p.config, 'deploy', '--env-only']).code, 0);
    // A rollback undoes the last change: the env-only one, so v2 with its previous env (issue 21), not v1.
    const back = gangway(['-c', p.config, 'rollback']);
    assert.equal(back.code, 0, back.stdout + back.stderr);
    assert.equal(p.serving(), 'v2');
    const refused = gangway(['-c', p.config, 'rollback', '--to', 'bad']);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stdout + refused.stderr,
      /tag bad is not retained as a good release \(retained good tags: [^)]*\bv1\b[^)]*\)/,
    );
    for (const tag of ['v1', 'v2']) {
      const r = gangway(['-c', p.config, 'rollback', '--to', tag]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(p.serving(), tag);
    }
    const records = p.releases();
    assert.deepEqual(
      records.map((x) => x.operation),
      ['deploy', 'deploy', 'deploy', 'env-only', 'rollback', 'rollback', 'rollback'],
    );
    assert.equal(records[3]!.tag, 'v2', 'an env-only record carries the real tag');
    assert.ok(records.every((x) => !String(x.image ?? '').match(/:current$|:last good$/)));
  },
);

test('a rollback refused before any change says nothing changed (not that a gate failed)', () => {
  const p = project();
  assert.equal(gangway(['-c', p.config, 'deploy', '--tag', 'v1']).code, 0);
  const r = gangway(['-c', p.config, 'rollback', '--to', 'v9']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /nothing changed — .*tag v9 is not retained/);
  assert.doesNotMatch(r.stdout + r.stderr, /health gate/);
  assert.ok(!existsSync(lockDir(p)));
  assert.equal(p.serving(), 'v1');
});
