/** Connecting to the real sshd: host key policy, jump host, agent, passphrase keys, ssh_config, timeouts. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { ChangedHostKeyError, UnknownHostKeyError } from '../../../src/errors.js';
import { connectSsh, type ConnectOptions } from '../../../src/hosts/ssh/connect.js';
import { fingerprintOf } from '../../../src/hosts/ssh/host-key.js';
import type { SshSettings } from '../../../src/config/config.js';
import { sshSettings, tempDir, testEnv, writeKnownHosts } from '../../helpers/testenv.js';

const env = testEnv();
const target = { host: env.host, user: 'root', port: env.port };
const targetFingerprint = fingerprintOf(Buffer.from(env.hostKeyPub('target').base64, 'base64'));

async function roundTrip(settings: SshSettings, options: ConnectOptions = {}, endpoint = target) {
  const connection = await connectSsh(endpoint, settings, { env: {}, ...options });
  try {
    const out = await new Promise<string>((resolve, reject) =>
      connection.client.exec('echo connected', (err, ch) => {
        if (err) return reject(err);
        let data = '';
        ch.on('data', (d: Buffer) => (data += d));
        ch.on('close', () => resolve(data));
      }),
    );
    assert.equal(out, 'connected\n');
    return connection;
  } finally {
    connection.close();
  }
}

test('a host key found in known_hosts is trusted', async () => {
  const knownHosts = writeKnownHosts(tempDir(), [{ port: env.port, key: 'target' }]);
  const c = await roundTrip(sshSettings({ knownHosts }));
  assert.equal(c.hostKey.fingerprint, targetFingerprint);
  assert.equal(c.hostKey.trustedBy, 'known_hosts line 1');
});

test("Nagle's algorithm is off: a small SSH message never waits for the ACK of the one before", async () => {
  const knownHosts = writeKnownHosts(tempDir(), [{ port: env.port, key: 'target' }]);
  const turnedOff: number[] = [];
  const setNoDelay = Socket.prototype.setNoDelay;
  Socket.prototype.setNoDelay = function (this: Socket, noDelay?: boolean) {
    if (noDelay === true) turnedOff.push(this.remotePort ?? 0);
    return setNoDelay.call(this, noDelay);
  };
  try {
    await roundTrip(sshSettings({ knownHosts }));
  } finally {
    Socket.prototype.setNoDelay = setNoDelay;
  }
  assert.deepEqual(turnedOff, [env.port]);
});

test('an unknown host key is refused, showing its fingerprint', async () => {
  const knownHosts = join(tempDir(), 'known_hosts');
  await assert.rejects(connectSsh(target, sshSettings({ knownHosts }), { env: {} }), (e: unknown) => {
    assert.ok(e instanceof UnknownHostKeyError);
    assert.equal(e.fingerprint, targetFingerprint);
    assert.match(e.message, new RegExp(targetFingerprint.replace(/[+/]/g, '\\$&')));
    assert.match(e.hints.join(' '), /--accept-new-host-key/);
    return true;
  });
});

test('--accept-new-host-key records the key, which is then trusted', async () => {
  const knownHosts = join(tempDir(), 'ssh', 'known_hosts');
  const warnings: string[] = [];
  await roundTrip(sshSettings({ knownHosts }), { acceptNewHostKey: true, warn: (m) => warnings.push(m) });
  const recorded = readFileSync(knownHosts, 'utf8');
  assert.equal(recorded, `[${env.host}]:${env.port} ssh-ed25519 ${env.hostKeyPub('target').base64}\n`);
  assert.match(warnings.join('\n'), /recorded new host key/);
  const again = await roundTrip(sshSettings({ knownHosts }));
  assert.equal(again.hostKey.trustedBy, 'known_hosts line 1');
  // OpenSSH's own client accepts the line gangway wrote.
  const found = execFileSync('ssh-keygen', ['-F', `[${env.host}]:${env.port}`, '-f', knownHosts], { encoding: 'utf8' });
  assert.match(found, /ssh-ed25519/);
});

test('a changed host key is refused, even with --accept-new-host-key', async () => {
  const knownHosts = writeKnownHosts(tempDir(), [{ port: env.port, key: 'other' }]);
  await assert.rejects(
    connectSsh(target, sshSettings({ knownHosts }), { env: {}, acceptNewHostKey: true }),
    (e: unknown) => {
      assert.ok(e instanceof ChangedHostKeyError);
      assert.equal(e.code, 'E_HOST_KEY_CHANGED');
      assert.match(e.message, /HAS CHANGED/);
      assert.equal(e.fingerprint, targetFingerprint);
      return true;
    },
  );
  assert.equal(readFileSync(knownHosts, 'utf8').split('\n').filter(Boolean).length, 1, 'known_hosts untouched');
});

test('a hashed known_hosts (ssh-keygen -H) is accepted', async () => {
  const knownHosts = writeKnownHosts(tempDir(), [{ port: env.port, key: 'target' }]);
  execFileSync('ssh-keygen', ['-H', '-f', knownHosts], { stdio: 'ignore' });
  const text = readFileSync(knownHosts, 'utf8');
  assert.match(text, /^\|1\|/, 'ssh-keygen hashed the entry');
  assert.ok(!text.includes('127.0.0.1'));
  const c = await roundTrip(sshSettings({ knownHosts }));
  assert.equal(c.hostKey.fingerprint, targetFingerprint);
});

test('a key marked @revoked is refused', async () => {
  const knownHosts = writeKnownHosts(tempDir(), [
    { port: env.port, key: 'target' },
    { port: env.port, key: 'target', marker: '@revoked' },
  ]);
  await assert.rejects(connectSsh(target, sshSettings({ knownHosts }), { env: {} }), {
    code: 'E_HOST_KEY_CHANGED',
    message: /revoked/,
  });
});

test('a pinned fingerprint is enough on its own; a wrong pin is refused', async () => {
  const pinned = await roundTrip(sshSettings({ fingerprints: [targetFingerprint] }));
  assert.equal(pinned.hostKey.trustedBy, 'pinned fingerprint');
  const wrong = fingerprintOf(Buffer.from(env.hostKeyPub('other').base64, 'base64'));
  await assert.rejects(
    connectSsh(target, sshSettings({ fingerprints: [wrong] }), { env: {}, acceptNewHostKey: true }),
    { code: 'E_HOST_KEY_CHANGED' },
  );
});

test('a jump host: the target is reached through a second sshd', async () => {
  const knownHosts = writeKnownHosts(tempDir(), [
    { port: env.port, key: 'target' },
    { port: env.jumpPort, key: 'jump' },
  ]);
  const jumpLog = join(env.dir, 'sshd-jump.log');
  const before = readFileSync(jumpLog, 'utf8').split('Accepted publickey').length;
  const c = await roundTrip(sshSettings({ knownHosts, jump: `root@${env.host}:${env.jumpPort}` }));
  assert.equal(c.hostKey.fingerprint, targetFingerprint);
  const afterCount = readFileSync(jumpLog, 'utf8').split('Accepted publickey').length;
  assert.equal(afterCount, before + 1, 'the jump sshd authenticated one connection');
});

test("the jump host's own key is checked too", async () => {
  const knownHosts = writeKnownHosts(tempDir(), [{ port: env.port, key: 'target' }]);
  await assert.rejects(
    connectSsh(target, sshSettings({ knownHosts, jump: `root@${env.host}:${env.jumpPort}` }), { env: {} }),
    { code: 'E_HOST_KEY_UNKNOWN', message: new RegExp(`${env.jumpPort}`) },
  );
});

test('a jump host that cannot reach the target says so', async () => {
  const knownHosts = writeKnownHosts(tempDir(), [{ port: env.jumpPort, key: 'jump' }]);
  await assert.rejects(
    connectSsh({ ...target, port: 1 }, sshSettings({ knownHosts, jump: `root@${env.host}:${env.jumpPort}` }), {
      env: {},
    }),
    { code: 'E_SSH_JUMP' },
  );
});

test('ssh-agent authentication with a key that exists only in the agent', async () => {
  const knownHosts = writeKnownHosts(tempDir(), [{ port: env.port, key: 'target' }]);
  const { key: _none, ...noKey } = sshSettings({ knownHosts });
  // No key file configured and an empty HOME-independent key list: only the agent can authenticate.
  const settings: SshSettings = { ...noKey, configFile: join(tempDir(), 'no-config') };
  await roundTrip(settings, { env: { SSH_AUTH_SOCK: env.agentSocket } });
});

test('an encrypted key works with its passphrase from the environment, and fails clearly without it', async () => {
  const knownHosts = writeKnownHosts(tempDir(), [{ port: env.port, key: 'target' }]);
  const settings = sshSettings({ knownHosts, key: env.passphraseKey, passphraseEnv: 'MY_PASS' });
  await roundTrip(settings, { env: { MY_PASS: 'test-passphrase' } });
  await assert.rejects(connectSsh(target, settings, { env: {} }), {
    code: 'E_SSH_KEY_PASSPHRASE',
    message: /protected by a passphrase/,
  });
  await assert.rejects(connectSsh(target, settings, { env: { MY_PASS: 'wrong' } }), {
    code: 'E_SSH_KEY_PASSPHRASE',
    message: /passphrase is wrong/,
  });
  const prompted: string[] = [];
  await roundTrip(settings, {
    promptPassphrase: async (file) => {
      prompted.push(file);
      return 'test-passphrase';
    },
  });
  assert.deepEqual(prompted, [env.passphraseKey]);
});

test('a private key readable by others draws a warning', async () => {
  const knownHosts = writeKnownHosts(tempDir(), [{ port: env.port, key: 'target' }]);
  const loose = join(tempDir(), 'id_loose');
  copyFileSync(env.clientKey, loose);
  chmodSync(loose, 0o644);
  const warnings: string[] = [];
  await roundTrip(sshSettings({ knownHosts, key: loose }), { warn: (m) => warnings.push(m) });
  assert.match(warnings.join('\n'), /readable by group or others \(mode 644\); run: chmod 600/);
});

test('~/.ssh/config supplies HostName, User, Port, IdentityFile and ProxyJump for an alias', async () => {
  const dir = tempDir();
  const knownHosts = writeKnownHosts(dir, [
    { port: env.port, key: 'target' },
    { port: env.jumpPort, key: 'jump' },
  ]);
  const configFile = join(dir, 'config');
  writeFileSync(
    configFile,
    [
      'Host gw-bastion',
      `  HostName ${env.host}`,
      `  Port ${env.jumpPort}`,
      '  User root',
      `  IdentityFile ${env.clientKey}`,
      '',
      'Host gw-app',
      `  HostName ${env.host}`,
      `  Port ${env.port}`,
      '  User root',
      `  IdentityFile ${env.clientKey}`,
      '  ProxyJump gw-bastion',
      '',
    ].join('\n'),
  );
  const { key: _k, ...noKey } = sshSettings({ knownHosts, configFile });
  const c = await roundTrip(noKey, {}, { host: 'gw-app' } as typeof target);
  assert.equal(c.address, `root@[${env.host}]:${env.port}`);
});

test('a ProxyJump in a Host * block reaches the target through the jump host, which connects directly', async () => {
  const dir = tempDir();
  const knownHosts = writeKnownHosts(dir, [
    { port: env.port, key: 'target' },
    { port: env.jumpPort, key: 'jump' },
  ]);
  const configFile = join(dir, 'config');
  const bastion = `Host gw-bastion\n  HostName ${env.host}\n  Port ${env.jumpPort}\n  User root\n`;
  const app = `Host gw-app\n  HostName ${env.host}\n  Port ${env.port}\n  User root\n`;
  writeFileSync(configFile, `${bastion}\n${app}\nHost *\n  ProxyJump gw-bastion\n`);
  const jumpLog = join(env.dir, 'sshd-jump.log');
  const before = readFileSync(jumpLog, 'utf8').split('Accepted publickey').length;
  const c = await roundTrip(sshSettings({ knownHosts, configFile }), {}, { host: 'gw-app' } as typeof target);
  assert.equal(c.address, `root@[${env.host}]:${env.port}`);
  const after = readFileSync(jumpLog, 'utf8').split('Accepted publickey').length;
  assert.equal(after, before + 1, 'went through the jump sshd');
});

test('--accept-new-host-key on a known_hosts without a final newline keeps both lines readable', async () => {
  const knownHosts = join(tempDir(), 'known_hosts');
  const jumpKey = env.hostKeyPub('jump');
  writeFileSync(knownHosts, `[${env.host}]:${env.jumpPort} ${jumpKey.type} ${jumpKey.base64}`);
  await roundTrip(sshSettings({ knownHosts }), { acceptNewHostKey: true });
  for (const port of [env.port, env.jumpPort]) {
    const found = execFileSync('ssh-keygen', ['-F', `[${env.host}]:${port}`, '-f', knownHosts], { encoding: 'utf8' });
    assert.match(found, /ssh-ed25519/, `port ${port}`);
  }
});

test('connect timeout: a port that accepts but never answers fails within the timeout', async () => {
  const sockets: Socket[] = [];
  const silent = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as { port: number }).port;
  const started = Date.now();
  try {
    await assert.rejects(
      connectSsh({ host: '127.0.0.1', user: 'root', port }, sshSettings({ connectTimeoutMs: 800 }), { env: {} }),
      {
        code: 'E_SSH_CONNECT_TIMEOUT',
        message: /no SSH handshake within 800 ms/,
      },
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 700 && elapsed < 10_000, `took ${elapsed} ms`);
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

test('a closed port is refused at once with a clear message', async () => {
  await assert.rejects(connectSsh({ host: '127.0.0.1', user: 'root', port: 1 }, sshSettings(), { env: {} }), {
    code: 'E_SSH_REFUSED',
  });
});

test('a key the server does not accept fails authentication', async () => {
  const knownHosts = writeKnownHosts(tempDir(), [{ port: env.port, key: 'target' }]);
  const stranger = join(tempDir(), 'id_stranger');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
  await assert.rejects(connectSsh(target, sshSettings({ knownHosts, key: stranger }), { env: {} }), {
    code: 'E_SSH_AUTH',
  });
});
