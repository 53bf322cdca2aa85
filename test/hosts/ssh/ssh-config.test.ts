/** What ~/.ssh/config says about a host, as OpenSSH reads it: first value wins, tokens expanded, no Match exec. */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readSshConfig } from '../../../src/hosts/ssh/ssh-config.js';
import { tempDir } from '../../helpers/testenv.js';

function configFile(text: string): string {
  const file = join(tempDir('gangway-sshcfg-'), 'config');
  writeFileSync(file, text);
  return file;
}

const HOME = homedir();
const ME = userInfo().username;

test('a Host block gives HostName, User, Port, IdentityFile and ProxyJump', () => {
  const file = configFile(`Host web
  HostName 203.0.113.10
  User deploy
  Port 2222
  IdentityFile ~/.ssh/web_ed25519
  ProxyJump ops@bastion:2200
`);
  assert.deepEqual(readSshConfig(file, 'web'), {
    hostName: '203.0.113.10',
    user: 'deploy',
    port: 2222,
    identityFiles: [join(HOME, '.ssh/web_ed25519')],
    proxyJump: 'ops@bastion:2200',
  });
});

test('the first value of each keyword wins; every IdentityFile is kept, in order; Host * fills in the rest', () => {
  const file = configFile(`Host web
  User first
  IdentityFile /keys/one
Host web*
  User second
  Port 2200
  IdentityFile /keys/two
Host *
  User fallback
  IdentityFile /keys/default
`);
  assert.deepEqual(readSshConfig(file, 'web'), {
    user: 'first',
    port: 2200,
    identityFiles: ['/keys/one', '/keys/two', '/keys/default'],
  });
  assert.deepEqual(readSshConfig(file, 'db'), { user: 'fallback', identityFiles: ['/keys/default'] });
});

test('keywords are read in any case', () => {
  const file = configFile('Host web\n  HOSTNAME 10.0.0.3\n  proxyjump a,b\n  pOrT 2022\n');
  assert.deepEqual(readSshConfig(file, 'web'), {
    hostName: '10.0.0.3',
    port: 2022,
    identityFiles: [],
    proxyJump: 'a,b',
  });
});

test('tokens: %h in HostName is the alias; in IdentityFile, the host name after HostName; %r %u %d %%', () => {
  const file = configFile(`Host web
  HostName %h.example.com
  User deploy
  IdentityFile ~/.ssh/id_%h_%r
  IdentityFile /keys/%u/%d/100%%
`);
  assert.deepEqual(readSshConfig(file, 'web'), {
    hostName: 'web.example.com',
    user: 'deploy',
    identityFiles: [join(HOME, '.ssh/id_web.example.com_deploy'), `/keys/${ME}/${HOME}/100%`],
  });
  // No HostName: %h is the alias; no User: %r is the local user.
  const plain = configFile('Host db\n  IdentityFile /k/%h-%r\n');
  assert.deepEqual(readSshConfig(plain, 'db').identityFiles, [`/k/db-${ME}`]);
});

test('ProxyJump none and a port that is no number are as if unset', () => {
  const file = configFile('Host web\n  ProxyJump none\n  Port ssh\nHost *\n  ProxyJump bastion\n');
  assert.deepEqual(readSshConfig(file, 'web'), { identityFiles: [] });
});

test('Match exec is never run (gangway runs no command a config names), and does not match', () => {
  const dir = tempDir('gangway-sshcfg-');
  const marker = join(dir, 'ran');
  const file = configFile(`Match exec "touch ${marker}"\n  User matched\n`);
  assert.deepEqual(readSshConfig(file, 'web'), { identityFiles: [] });
  assert.equal(existsSync(marker), false);
});

test('no config file (false, or one that does not exist) is nothing known', () => {
  assert.deepEqual(readSshConfig(false, 'web'), { identityFiles: [] });
  assert.deepEqual(readSshConfig(join(tempDir('gangway-sshcfg-'), 'missing'), 'web'), { identityFiles: [] });
});
