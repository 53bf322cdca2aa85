/** Early connections and passphrases: only the command that takes a connection may ask for one. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SshSettings } from '../../src/config/config.js';
import type { HostSpec } from '../../src/config/hosts.js';
import { closeEarlyHosts, startEarlyHost, takeEarlyHost } from '../../src/hosts/early-hosts.js';

const key = join(mkdtempSync(join(tmpdir(), 'gangway-early-key-')), 'id');
execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', key]);
const sockets: Socket[] = [];
const silent = createServer((s) => sockets.push(s.on('error', () => {})));
let spec: HostSpec;
const settings: SshSettings = {
  key,
  passphraseEnv: 'GANGWAY_TEST_EARLY_PASSPHRASE_UNSET',
  knownHosts: '/nonexistent/known_hosts',
  fingerprints: [],
  configFile: false,
  connectTimeoutMs: 1000,
  keepaliveMs: 15000,
  maxChannels: 8,
};
before(async () => {
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as { port: number }).port;
  spec = { kind: 'ssh', label: `ops@127.0.0.1:${port}`, host: '127.0.0.1', user: 'ops', port };
});
after(async () => {
  await closeEarlyHosts();
  for (const s of sockets) s.destroy();
  silent.close();
});

test('a key that needs its passphrase typed: the early connection stops, and the command asks, once', async () => {
  startEarlyHost(spec, settings, true);
  let asked = 0;
  const taken = takeEarlyHost(spec, settings, {
    promptPassphrase: async () => {
      asked++;
      return 'secret';
    },
  });
  assert.ok(taken, 'the early connection is there to take');
  // The passphrase opens the key; the server here never answers, so the handshake then times out.
  await assert.rejects(taken, { code: 'E_SSH_CONNECT_TIMEOUT' });
  assert.equal(asked, 1);
});

test('without a terminal the early connection fails as the command would, and is taken as it is', async () => {
  startEarlyHost(spec, settings, false);
  await assert.rejects(takeEarlyHost(spec, settings, {})!, { code: 'E_SSH_KEY_PASSPHRASE' });
  assert.equal(takeEarlyHost(spec, settings, {}), undefined, 'taken once');
});
