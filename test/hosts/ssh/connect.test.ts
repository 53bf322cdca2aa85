import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import type { SshSettings } from '../../../src/config/config.js';
import { connectSsh } from '../../../src/hosts/ssh/connect.js';

const key = join(mkdtempSync(join(tmpdir(), 'gangway-key-')), 'id');
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
const settings: SshSettings = {
  key,
  passphraseEnv: 'GANGWAY_TEST_PASSPHRASE',
  knownHosts: '/nonexistent/known_hosts',
  fingerprints: [],
  configFile: false,
  connectTimeoutMs: 600,
  connectTimeoutFrom: 'targets.prod.ssh.connect_timeout in gangway.yml',
  keepaliveMs: 15000,
  maxChannels: 8,
};

test('a handshake that takes too long says which timeout it was and where it came from', async () => {
  const sockets: Socket[] = [];
  const silent = createServer((s) => sockets.push(s)); // accepts, never says a word
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as { port: number }).port;
  try {
    await assert.rejects(connectSsh({ host: '127.0.0.1', user: 'ops', port }, settings, { env: {} }), {
      code: 'E_SSH_CONNECT_TIMEOUT',
      message:
        `ops@[127.0.0.1]:${port}: no SSH handshake within 600 ms ` +
        '(targets.prod.ssh.connect_timeout in gangway.yml)',
    });
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

test('the TCP connection is under way while the key is still being read', async () => {
  const sockets: Socket[] = [];
  const silent = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as { port: number }).port;
  // A key that cannot be read until the test writes it: a named pipe.
  const fifo = join(mkdtempSync(join(tmpdir(), 'gangway-fifo-')), 'id');
  execFileSync('mkfifo', ['-m', '600', fifo]);
  try {
    const connecting = connectSsh({ host: '127.0.0.1', user: 'ops', port }, { ...settings, key: fifo }, { env: {} });
    const result = connecting.then(
      () => 'connected',
      (e: { code?: string }) => e.code,
    );
    const deadline = Date.now() + 20_000;
    while (sockets.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const acceptedBeforeKey = sockets.length;
    // Lets the key's reading finish (the silent server then times out). Not writeFileSync: the reader opens the
    // pipe later in the connection's async steps, which a blocked event loop would never reach.
    await writeFile(fifo, readFileSync(key));
    assert.equal(acceptedBeforeKey, 1, 'the server had the connection before the key was read');
    assert.equal(await result, 'E_SSH_CONNECT_TIMEOUT');
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
    rmSync(dirname(fifo), { recursive: true, force: true });
  }
});

test('a port that refuses: the same error as ever (ssh2 connects again on its own)', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as { port: number }).port;
  await new Promise((r) => closed.close(r));
  await assert.rejects(connectSsh({ host: '127.0.0.1', user: 'ops', port }, settings, { env: {} }), {
    code: 'E_SSH_REFUSED',
  });
});
