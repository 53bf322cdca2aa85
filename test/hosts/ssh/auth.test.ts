import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentPath, authMethods } from '../../../src/hosts/ssh/auth.js';

test('the agent comes from SSH_AUTH_SOCK, else on Windows the OpenSSH agent pipe', () => {
  assert.equal(agentPath({ SSH_AUTH_SOCK: '/tmp/agent.sock' }, 'linux'), '/tmp/agent.sock');
  assert.equal(agentPath({}, 'linux'), undefined);
  assert.equal(agentPath({}, 'win32'), '\\\\.\\pipe\\openssh-ssh-agent');
  assert.equal(agentPath({ SSH_AUTH_SOCK: 'pageant' }, 'win32'), 'pageant');
});

test('a configured key that does not exist is a clear error', async () => {
  await assert.rejects(
    authMethods({ username: 'u', explicitKey: '/nonexistent/id_ed25519', configKeys: [], passphraseEnv: 'P', env: {} }),
    {
      code: 'E_SSH_KEY_UNREADABLE',
      message: /\/nonexistent\/id_ed25519 cannot be read \(ENOENT\)/,
    },
  );
});

test('with no key anywhere and no agent, the error says where keys come from', async () => {
  await assert.rejects(
    authMethods({ username: 'u', configKeys: ['/nonexistent/a'], passphraseEnv: 'P', env: {} }),
    (e: { code: string; hints: string[] }) => {
      assert.equal(e.code, 'E_SSH_NO_KEY');
      assert.match(e.hints.join('\n'), /ssh\.key.*ssh-agent/);
      return true;
    },
  );
});
