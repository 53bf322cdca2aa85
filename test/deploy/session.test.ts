import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostSession } from '../../src/deploy/session.js';
import type { ExecResult, Host } from '../../src/hosts/host.js';

/** A host whose every command fails as a dropped connection does, or answers exit 0. */
function fakeHost(label: string, dropped: boolean): Host {
  return {
    label,
    kind: 'ssh',
    exec: async (): Promise<ExecResult> => {
      if (dropped) throw new Error('Not connected');
      return { code: 0, stdout: label, stderr: '' };
    },
    writeFileAtomic: async () => {},
    uploadFile: async () => {},
    readFile: async () => Buffer.from(''),
    resolvePath: async (p) => p,
    close: async () => {},
  };
}

test('two steps at once that both see the connection drop share one reconnect', async () => {
  let reopened = 0;
  const session = new HostSession(
    'deploy@a',
    async () => fakeHost('first', true),
    async () => fakeHost(`again-${++reopened}`, false),
    { onLog: () => {} },
  );
  await session.open();
  const read = () => session.retrying(async (host) => (await host.exec(['cat', 'x'])).stdout);
  const [a, b] = await Promise.all([read(), read()]);
  assert.equal(reopened, 1, 'one new connection');
  assert.deepEqual([a, b], ['again-1', 'again-1']);
  assert.equal(session.host.label, 'again-1');
});
