/** SshHost against the real sshd of scripts/test-env.sh: exec, quoting through the server's sh, files. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { openHost } from '../../../src/hosts/open-host.js';
import type { Host } from '../../../src/hosts/host.js';
import { quoteArgv } from '../../../src/shell/quote.js';
import { HOSTILE } from '../../helpers/hostile.js';
import { until } from '../../helpers/until.js';
import { sshSettings, tempDir, testEnv, writeKnownHosts } from '../../helpers/testenv.js';

let host: Host;
const remoteDir = `/tmp/gangway-itest-${process.pid}`;

before(async () => {
  const env = testEnv();
  const knownHosts = writeKnownHosts(tempDir(), [{ port: env.port, key: 'target' }]);
  host = await openHost(
    { kind: 'ssh', label: 'itest', host: env.host, user: 'root', port: env.port },
    sshSettings({ knownHosts }),
  );
  await host.exec(['mkdir', '-p', remoteDir]);
});

after(async () => {
  await host.exec(['rm', '-rf', remoteDir]);
  await host.close();
});

test('a command round-trips: stdout, stderr and exit code', async () => {
  const r = await host.exec(['sh', '-c', 'echo out; echo err >&2; exit 7']);
  assert.deepEqual(r, { code: 7, stdout: 'out\n', stderr: 'err\n' });
});

test('hostile strings reach the server program byte for byte through its real sh', async () => {
  const marker = `${remoteDir}/pwned`;
  const args = [...HOSTILE, `$(touch ${marker})`, `\`touch ${marker}\``, `; touch ${marker}`];
  const r = await host.exec(['printf', '%s\\0', ...args]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\0').slice(0, -1), args);
  const probe = await host.exec(['test', '-e', marker]);
  assert.equal(probe.code, 1, 'no injected command ran on the server');
});

test('secrets travel on stdin, not in argv: the server process list never shows them', async () => {
  const secret = `canary-${process.pid}-stdin-secret`;
  const r = await host.exec(['sh', '-c', 'cat >/dev/null; ps -eo args'], { stdin: secret });
  assert.equal(r.code, 0);
  assert.ok(!r.stdout.includes(secret));
  const echoed = await host.exec(['cat'], { stdin: secret });
  assert.equal(echoed.stdout, secret);
});

test('stdin can be a stream and output is streamed to listeners as it comes', async () => {
  const chunks: string[] = [];
  const r = await host.exec(['sh', '-c', 'while read l; do echo "got $l"; done'], {
    stdin: Readable.from(['a\n', 'b\n']),
    onStdout: (c) => chunks.push(c.toString()),
  });
  assert.equal(r.stdout, 'got a\ngot b\n');
  assert.equal(chunks.join(''), r.stdout);
});

test('a command that overruns its timeout is reported at once, and the connection stays usable', async () => {
  // The remote command runs for two minutes, then leaves a mark: back well before that, with no mark, the caller
  // was not kept waiting for it (however slow the machine).
  const done = `${remoteDir}/overran`;
  const started = Date.now();
  await assert.rejects(host.exec(['sh', '-c', `sleep 120; touch ${done}`], { timeoutMs: 300 }), {
    code: 'E_EXEC_TIMEOUT',
  });
  assert.ok(Date.now() - started < 60_000, 'the caller is not kept waiting for the remote process');
  assert.equal((await host.exec(['test', '-e', done])).code, 1, 'back before the remote command ended');
  assert.equal((await host.exec(['echo', 'still here'])).stdout, 'still here\n');
});

test('many concurrent commands share the one connection within the channel bound', async () => {
  const results = await Promise.all(
    Array.from({ length: 40 }, (_, i) => host.exec(['sh', '-c', `sleep 0.05; echo ${i}`])),
  );
  assert.deepEqual(
    results.map((r) => Number(r.stdout)),
    Array.from({ length: 40 }, (_, i) => i),
  );
});

test('atomic write: the result is 0600 and replaces a wider file', async () => {
  const path = `${remoteDir}/.env`;
  await host.exec(['sh', '-c', `umask 000; echo old > ${quoteArgv([path])}; chmod 666 ${quoteArgv([path])}`]);
  await host.writeFileAtomic(path, 'KEY=new\n');
  const r = await host.exec(['stat', '-c', '%a %s', path]);
  assert.equal(r.stdout.trim(), '600 8');
  assert.equal((await host.readFile(path)).toString(), 'KEY=new\n');
  const leftovers = await host.exec(['sh', '-c', `ls -A ${quoteArgv([remoteDir])} | grep gangway- || true`]);
  assert.equal(leftovers.stdout, '', 'no temporary file left behind');
});

test('atomic write: while the upload runs, the temporary file is never wider than 0600', async () => {
  const path = `${remoteDir}/big.bin`;
  const chunk = Buffer.alloc(256 * 1024, 7);
  const modes = new Set<string>();
  let sent = 0;
  // The last chunk waits until the watcher has seen the temporary file (a condition, not a clock: on a loaded
  // machine one watcher round trip can take longer than the whole upload).
  const slow = new Readable({
    read() {
      if (sent >= 40) return this.push(null);
      sent++;
      if (sent < 40) return void setTimeout(() => this.push(chunk), 10);
      void until(() => modes.size > 0, 'the watcher to see the temporary file')
        .catch(() => undefined)
        .then(() => this.push(chunk));
    },
  });
  let writing = true;
  const watcher = (async () => {
    while (writing) {
      const r = await host.exec([
        'sh',
        '-c',
        `for f in ${quoteArgv([remoteDir])}/.big.bin.gangway-*; do [ -e "$f" ] && stat -c %a "$f"; done; true`,
      ]);
      for (const m of r.stdout.split('\n').filter(Boolean)) modes.add(m);
    }
  })();
  const progress: number[] = [];
  await host.writeFileAtomic(path, slow, { onProgress: (p) => progress.push(p.bytes) });
  writing = false;
  await watcher;
  assert.ok(modes.size > 0, 'the watcher saw the temporary file');
  assert.deepEqual([...modes], ['600']);
  assert.equal(progress.at(-1), 40 * chunk.length);
  assert.equal((await host.exec(['stat', '-c', '%a %s', path])).stdout.trim(), `600 ${40 * chunk.length}`);
});

test('uploadFile reports progress against the total and can set a final mode', async () => {
  const local = `${tempDir()}/compose.yml`;
  const { writeFileSync } = await import('node:fs');
  writeFileSync(local, 'services: {}\n'.repeat(1000));
  const seen: { bytes: number; total?: number }[] = [];
  await host.uploadFile(local, `${remoteDir}/compose.yml`, { mode: 0o644, onProgress: (p) => seen.push(p) });
  assert.equal(seen.at(-1)?.bytes, 13_000);
  assert.equal(seen.at(-1)?.total, 13_000);
  assert.equal((await host.exec(['stat', '-c', '%a', `${remoteDir}/compose.yml`])).stdout.trim(), '644');
});

test('a failing write names the path and leaves nothing behind', async () => {
  await assert.rejects(host.writeFileAtomic('/nonexistent-dir/x', 'data'), /writing \/nonexistent-dir\/x failed/);
});

test("~/ paths resolve against the SSH user's home", async () => {
  assert.equal(await host.resolvePath('~/app'), '/root/app');
  assert.equal(await host.resolvePath('/abs'), '/abs');
});
