import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ComposeByHost, type ComposeCli } from '../../src/docker/compose-cli.js';
import type { ExecResult, Host } from '../../src/hosts/host.js';

/** A host with the Compose v2 plugin that records each command it is asked to run. */
function hostWithCompose(label: string, ran: string[]): Host {
  return {
    label,
    kind: 'ssh',
    exec: async (argv): Promise<ExecResult> => {
      ran.push(argv.join(' '));
      return { code: 0, stdout: '2.29.1\n', stderr: '' };
    },
    writeFileAtomic: async () => {},
    uploadFile: async () => {},
    readFile: async () => Buffer.from(''),
    resolvePath: async (p) => p,
    close: async () => {},
  };
}

const V2: ComposeCli = { flavour: 'v2', version: '2.29.1', argv: ['docker', 'compose'] };

test('ComposeByHost: what the preflight found is the answer, with no command run on the host', async () => {
  const ran: string[] = [];
  const compose = new ComposeByHost();
  compose.remember('deploy@a', V2);
  compose.remember('deploy@b', undefined);
  assert.deepEqual(await compose.find(hostWithCompose('deploy@a', ran)), V2);
  assert.equal(await compose.find(hostWithCompose('deploy@b', ran)), undefined, 'none found is an answer too');
  assert.deepEqual(ran, []);
});

test('ComposeByHost: a host not seen yet is asked once, however often and concurrently it is looked up', async () => {
  const ran: string[] = [];
  const compose = new ComposeByHost();
  const host = hostWithCompose('deploy@c', ran);
  const [a, b] = await Promise.all([compose.find(host), compose.find(host)]);
  assert.deepEqual(a, V2);
  assert.deepEqual(b, V2);
  assert.deepEqual(await compose.find(host), V2);
  assert.deepEqual(ran, ['docker compose version --short']);
  // Another run (another ComposeByHost) asks again: nothing is kept across runs.
  await new ComposeByHost().find(host);
  assert.equal(ran.length, 2);
});
