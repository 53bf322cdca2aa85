import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { LocalHost } from '../../src/hosts/local-host.js';
import { HOSTILE } from '../helpers/hostile.js';
import { tempDir } from '../helpers/testenv.js';

const host = new LocalHost();

test('exec runs argv without a shell: hostile strings arrive unchanged', async () => {
  const r = await host.exec(['printf', '%s\\0', ...HOSTILE]);
  assert.equal(r.code, 0);
  assert.deepEqual(r.stdout.split('\0').slice(0, -1), HOSTILE);
});

test('exec passes stdin and reports exit code and stderr', async () => {
  const r = await host.exec(['sh', '-c', 'cat; echo oops >&2; exit 4'], { stdin: 'in' });
  assert.deepEqual(r, { code: 4, stdout: 'in', stderr: 'oops\n' });
});

test('exec stops a command at its timeout', async () => {
  await assert.rejects(host.exec(['sleep', '10'], { timeoutMs: 200 }), { code: 'E_EXEC_TIMEOUT' });
});

test('a missing program is an error, not a hang', async () => {
  await assert.rejects(host.exec(['gangway-no-such-program']), /ENOENT/);
});

test('writeFileAtomic: 0600, replaces a wider file, leaves no temp file, creates the directory', async () => {
  const dir = join(tempDir(), 'deep', 'dir');
  const path = join(dir, '.env');
  await host.writeFileAtomic(path, 'A=1\n');
  writeFileSync(path, 'old');
  chmodSync(path, 0o666);
  await host.writeFileAtomic(path, Readable.from([Buffer.from('A=2\n')]));
  assert.equal(readFileSync(path, 'utf8'), 'A=2\n');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir), ['.env']);
});

test('uploadFile copies with progress and an explicit final mode', async () => {
  const dir = tempDir();
  const source = join(dir, 'src.yml');
  writeFileSync(source, 'x'.repeat(5000));
  const seen: number[] = [];
  await host.uploadFile(source, join(dir, 'out', 'dst.yml'), { mode: 0o644, onProgress: (p) => seen.push(p.bytes) });
  assert.equal(statSync(join(dir, 'out', 'dst.yml')).mode & 0o777, 0o644);
  assert.equal(seen.at(-1), 5000);
});

test('a failing source leaves no temp file behind', async () => {
  const dir = tempDir();
  const failing = new Readable({
    read() {
      this.destroy(new Error('source broke'));
    },
  });
  await assert.rejects(host.writeFileAtomic(join(dir, 'x'), failing), /source broke/);
  assert.deepEqual(readdirSync(dir), []);
});
