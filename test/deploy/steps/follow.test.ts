/** One read of a detached apply's run log, run here as on a server: it waits for new output, not a fixed poll. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readCommand } from '../../../src/deploy/steps/follow.js';
import { LocalHost } from '../../../src/hosts/local-host.js';

const dir = mkdtempSync(join(tmpdir(), 'gangway-follow-'));
const host = new LocalHost();
const children: { kill(): void }[] = [];
after(() => {
  for (const c of children) c.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** A stand-in for the apply: a process that runs until killed. */
function apply(): { pid: string; stop(): Promise<void> } {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  children.push(child);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return { pid: String(child.pid), stop: () => (child.kill(), exited) };
}

test('a read with nothing new waits on the server and returns as soon as the log grows', async () => {
  const log = join(dir, 'grows.log');
  writeFileSync(log, 'line 1\n');
  const { pid } = apply();
  const started = performance.now();
  // A generous wait (60 s): the read must come back because of the write, long before that.
  const read = host.exec(readCommand(pid, 7, log, 60));
  setTimeout(() => appendFileSync(log, 'line 2\n'), 300);
  const r = await read;
  assert.equal(r.stdout, 'line 2\n');
  assert.match(r.stderr, /alive/);
  assert.ok(performance.now() - started < 30_000, 'came back with the new line, not at the end of its wait');
});

test('a read returns at once when there is output already, and says when the apply is gone', async () => {
  const log = join(dir, 'done.log');
  writeFileSync(log, 'a\nb\n');
  const run = apply();
  const r = await host.exec(readCommand(run.pid, 2, log, 60));
  assert.equal(r.stdout, 'b\n');
  assert.match(r.stderr, /alive/);
  const waiting = host.exec(readCommand(run.pid, 4, log, 60));
  await run.stop();
  const last = await waiting;
  assert.equal(last.stdout, '');
  assert.doesNotMatch(last.stderr, /alive/, 'the apply is gone: the read ends without waiting it out');
});

test('with nothing written and the apply alive, a read ends after its wait', async () => {
  const log = join(dir, 'quiet.log');
  writeFileSync(log, '');
  const { pid } = apply();
  const r = await host.exec(readCommand(pid, 0, log, 0.4));
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /alive/);
});
