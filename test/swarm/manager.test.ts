import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Target } from '../../src/config/config.js';
import type { HostSpec } from '../../src/config/hosts.js';
import { ExitCode, GangwayError } from '../../src/errors.js';
import { chooseManager } from '../../src/swarm/manager.js';
import { FakeHost } from '../delivery/fake-host.js';

const spec = (host: string): HostSpec => ({ kind: 'ssh', label: `deploy@${host}`, host, user: 'deploy' });

/** Only what chooseManager reads of a target (the rest belongs to the connection, faked here). */
function target(engine: 'compose' | 'swarm', hosts: string[]): Target {
  return { name: 'prod', engine, hosts: hosts.map(spec) } as Target;
}

/** Each host answers `docker info` as given; `unreachable` fails to connect. */
function opener(answers: Record<string, string | { code: number; stderr: string } | 'unreachable'>) {
  const opened: string[] = [];
  const hosts: FakeHost[] = [];
  const open = async (_t: Target, s: HostSpec) => {
    const answer = answers[s.label.slice('deploy@'.length)]!;
    opened.push(s.label);
    if (answer === 'unreachable') throw new Error('connect ECONNREFUSED');
    const host = new FakeHost(() => (typeof answer === 'string' ? { stdout: `${answer}\n` } : answer));
    hosts.push(host);
    return host;
  };
  return { open, opened, hosts };
}

test('the first reachable manager is chosen; the hosts before it are passed over, each with why', async () => {
  const o = opener({
    a: 'unreachable',
    b: { code: 1, stderr: '\nCannot connect to the Docker daemon at unix:///var/run/docker.sock\n' },
    c: 'inactive|false|c-node',
    d: 'active|false|d-node',
    e: 'active|true|e-node',
    f: 'active|true|f-node',
  });
  const choice = await chooseManager(target('swarm', ['a', 'b', 'c', 'd', 'e', 'f']), o.open);
  assert.equal(choice.node, 'e-node');
  assert.deepEqual(choice.target.hosts, [spec('e')], 'the run talks to that manager alone');
  assert.deepEqual(choice.skipped, [
    { host: 'deploy@a', reason: 'unreachable: connect ECONNREFUSED' },
    {
      host: 'deploy@b',
      reason: 'docker info failed: Cannot connect to the Docker daemon at unix:///var/run/docker.sock',
    },
    { host: 'deploy@c', reason: 'not part of a Swarm (state inactive)' },
    { host: 'deploy@d', reason: 'a Swarm worker (node d-node), not a manager' },
  ]);
  assert.deepEqual(o.opened, ['deploy@a', 'deploy@b', 'deploy@c', 'deploy@d', 'deploy@e'], 'f is never contacted');
  assert.deepEqual(o.hosts[0]!.calls[0]!.argv, [
    'docker',
    'info',
    '--format',
    '{{.Swarm.LocalNodeState}}|{{.Swarm.ControlAvailable}}|{{.Name}}',
  ]);
});

test('no manager at all: a preflight error (exit 3) naming every host and why, nothing changed', async () => {
  const o = opener({ a: 'unreachable', b: 'active|false|b-node' });
  await assert.rejects(chooseManager(target('swarm', ['a', 'b']), o.open), (e: unknown) => {
    assert.ok(e instanceof GangwayError);
    assert.equal(e.code, 'E_NO_MANAGER');
    assert.equal(e.exitCode, ExitCode.preflight);
    assert.equal(e.message, 'prod: no reachable Swarm manager among its hosts; nothing was changed');
    assert.deepEqual(e.hints, [
      'deploy@a: unreachable: connect ECONNREFUSED',
      'deploy@b: a Swarm worker (node b-node), not a manager',
    ]);
    return true;
  });
});

test('a compose target is left as it is, and no host is contacted', async () => {
  const o = opener({});
  const t = target('compose', ['a', 'b']);
  const choice = await chooseManager(t, o.open);
  assert.equal(choice.target, t);
  assert.deepEqual(choice.skipped, []);
  assert.deepEqual(o.opened, []);
});
