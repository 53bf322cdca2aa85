import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { HostPool } from '../../src/hosts/host-pool.js';
import type { ExecResult, Host } from '../../src/hosts/host.js';
import { commandName, namedPrograms, RunCounts } from '../../src/util/run-counts.js';

test('namedPrograms: the program of an argv, and each docker / Compose call of an sh -c script', () => {
  assert.deepEqual(namedPrograms(['docker', 'info']), { docker: 1, compose: 0, sh: 0 });
  assert.deepEqual(namedPrograms(['docker', 'compose', 'version']), { docker: 0, compose: 1, sh: 0 });
  assert.deepEqual(namedPrograms(['/usr/bin/docker-compose', 'up']), { docker: 0, compose: 1, sh: 0 });
  assert.deepEqual(namedPrograms(['mkdir', '-p', 'x']), { docker: 0, compose: 0, sh: 0 });
  const script = 'docker info >/dev/null && docker  compose version\ndocker-compose ps; cd /srv/docker && ls $docker';
  assert.deepEqual(namedPrograms(['sh', '-c', script, 'sh']), { docker: 1, compose: 2, sh: 1 });
  assert.deepEqual(namedPrograms(['sh', '/srv/apply.sh']), { docker: 0, compose: 0, sh: 1 });
  // `sh -s`: the script is its stdin, when it was given whole
  assert.deepEqual(namedPrograms(['sh', '-s', '/srv'], script), { docker: 1, compose: 2, sh: 1 });
  assert.deepEqual(namedPrograms(['sh', '-s']), { docker: 0, compose: 0, sh: 1 });
  assert.deepEqual(namedPrograms(['env', 'IMAGE_TAG=b', 'docker', 'compose', 'config']), {
    ...{ docker: 0, compose: 1, sh: 0 },
  });
});

test('commandName: a server script by its name, docker and Compose by their subcommand, else the program', () => {
  assert.equal(commandName(['sh', '-c', 'set -u …', 'lock.sh', 'acquire', '/srv/.gangway']), 'lock.sh');
  assert.equal(commandName(['sh', '-c', 'mkdir -p -- "$@"', 'sh', '/srv']), 'sh -c');
  assert.equal(commandName(['sh', '-s']), 'sh -s');
  assert.equal(commandName(['docker', 'compose', 'version', '--short']), 'docker compose version');
  assert.equal(commandName(['docker', 'compose', '-p', 'x', 'up']), 'docker compose');
  assert.equal(commandName(['docker', 'info', '--format', 'x']), 'docker info');
  assert.equal(commandName(['docker-compose', 'version']), 'docker-compose version');
  assert.equal(commandName(['/usr/bin/true']), 'true');
});

/** A host that answers every command with exit 0 and counts nothing itself. */
function fakeHost(label: string): Host {
  const ok: ExecResult = { code: 0, stdout: '', stderr: '' };
  return {
    label,
    kind: 'ssh',
    exec: async () => ok,
    writeFileAtomic: async () => {},
    uploadFile: async () => {},
    readFile: async () => Buffer.from(''),
    resolvePath: async (p) => p,
    close: async () => {},
  };
}

test('a host pool counts per host: one connection however often it is leased, each command and file', async () => {
  const counts = new RunCounts();
  const pool = new HostPool(async (key) => fakeHost(key), counts);
  const a = await pool.get('a@h1');
  await a.exec(['docker', 'compose', 'version']);
  await a.exec(['sh', '-c', 'docker info && docker compose version', 'sh']);
  await a.exec(['sh', '-s'], { stdin: Buffer.from('docker info') });
  await a.writeFileAtomic('/x', 'y');
  await a.readFile('/x');
  const again = await pool.get('a@h1');
  await again.exec(['true']);
  await (await pool.get('b@h2')).uploadFile('/l', '/r');
  await pool.closeAll();
  assert.deepEqual(counts.toJSON().hosts, {
    'a@h1': {
      ...{ connections: 1, execs: 4, files: 2, docker: 2, compose: 2, sh: 2 },
      commands: { 'docker compose version': 1, 'sh -c': 1, 'sh -s': 1, true: 1 },
    },
    'b@h2': { connections: 1, execs: 0, files: 1, docker: 0, compose: 0, sh: 0, commands: {} },
  });
  assert.match(counts.lines()[0]!, /^counts a@h1: 1 connection, 4 round trips \(commands\) \+ 2 files; named: /);
  assert.match(counts.lines()[0]!, /; docker compose version ×1, sh -c ×1, sh -s ×1, true ×1$/);
});

test('a failed connection is not counted; a reopened one is', async () => {
  const counts = new RunCounts();
  let fail = true;
  const pool = new HostPool(async (key) => {
    if (fail) throw new Error('refused');
    return fakeHost(key);
  }, counts);
  await assert.rejects(pool.get('h'), /refused/);
  fail = false;
  await pool.get('h');
  await pool.reopen('h');
  assert.equal(counts.toJSON().hosts.h?.connections, 2);
});

test('local processes: every child spawned while watched, by program; none after', async () => {
  const counts = new RunCounts();
  const stop = counts.watchLocalProcesses();
  await promisify(execFile)('true', ['docker', 'compose']);
  await new Promise((resolve) => spawn('sh', ['-c', 'true']).on('close', resolve));
  // A program that does not exist was still a spawn attempt.
  await new Promise((resolve) => spawn('docker-compose-missing-for-test', []).on('error', resolve));
  stop();
  await promisify(execFile)('true');
  assert.deepEqual(counts.local, { processes: 3, docker: 0, compose: 0 });
  assert.equal(counts.empty, false);
  assert.equal(new RunCounts().empty, true);
});

test('local docker and Compose calls are told apart', async () => {
  const counts = new RunCounts();
  counts.localProcess(['docker', 'compose', 'config']);
  counts.localProcess(['docker', 'image', 'inspect', 'x']);
  assert.deepEqual(counts.local, { processes: 2, docker: 1, compose: 1 });
  assert.equal(counts.lines().at(-1), 'counts local: 2 processes (docker 1, compose 1)');
});
