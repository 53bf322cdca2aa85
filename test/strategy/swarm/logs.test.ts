/** `gangway logs` on a swarm target: the stack's services listed on the manager, one `docker service logs` each. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { swarmLogCommands } from '../../../src/strategy/swarm/logs.js';
import { FakeHost } from '../../delivery/fake-host.js';

const LS = ['docker', 'service', 'ls', '--filter', 'label=com.docker.stack.namespace=shop', '--format', '{{.Name}}'];
const request = { app: 'shop', service: undefined, tail: 50, follow: false, label: 'deploy@manager' };
const stack = (names: string[]) =>
  new FakeHost((argv) => (argv[2] === 'ls' ? { stdout: names.map((n) => `${n}\n`).join('') } : { code: 127 }));

test('every service of the stack, each with its tail; --follow passed on', async () => {
  const host = stack(['shop_web', 'shop_db']);
  assert.deepEqual(await swarmLogCommands(host, request), [
    ['docker', 'service', 'logs', '--tail', '50', 'shop_web'],
    ['docker', 'service', 'logs', '--tail', '50', 'shop_db'],
  ]);
  assert.deepEqual(host.calls[0]!.argv, LS);
  assert.deepEqual(await swarmLogCommands(stack(['shop_web']), { ...request, service: 'web', follow: true }), [
    ['docker', 'service', 'logs', '--tail', '50', '--follow', 'shop_web'],
  ]);
});

test('no stack: E_NOTHING_DEPLOYED; a service the stack lacks: E_NO_SERVICE naming those it has', async () => {
  await assert.rejects(swarmLogCommands(stack([]), request), {
    code: 'E_NOTHING_DEPLOYED',
    message: 'deploy@manager: the Swarm has no stack shop',
  });
  await assert.rejects(swarmLogCommands(stack(['shop_web', 'shop_db']), { ...request, service: 'cache' }), {
    code: 'E_NO_SERVICE',
    message: 'deploy@manager: no service cache in the stack shop (services: web, db)',
  });
});
