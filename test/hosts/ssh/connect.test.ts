import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
