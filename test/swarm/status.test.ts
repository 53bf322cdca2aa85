import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeNodes, parseSwarmStatus, swarmVerdict, type SwarmStatus } from '../../src/swarm/status.js';

// What swarm-status.sh prints on a manager (sections `@@name`, fields split by `|`).
const OUTPUT = `@@node
gwh21|active|true
@@client
20.10.24+dfsg1
@@nodes
gwh21|Ready|Active|Leader
gwh22|Ready|Active|
gwh23|Down|Drain|
@@services
shop_web|replicated|1/2
shop_talker|replicated|1/1 (max 1 per node)
shop_agent|global|3/3
@@updates
shop_web|reg/web:v2@sha256:aa|rollback_completed|update rolled back due to failure or early termination | of task
shop_talker|reg/web:v2@sha256:aa|completed|update completed
shop_agent|reg/agent:1|none|
@@fatal
shop_web|2
shop_talker|0
`;

test('parseSwarmStatus: node, client, nodes, services with replicas, image, update state and fatal counts', () => {
  const s = parseSwarmStatus('shop', OUTPUT);
  assert.equal(s.node, 'gwh21');
  assert.equal(s.manager, true);
  assert.equal(s.client, '20.10.24+dfsg1');
  assert.deepEqual(s.nodes[2], { name: 'gwh23', status: 'Down', availability: 'Drain', manager: '' });
  assert.deepEqual(s.services[0], {
    service: 'web',
    name: 'shop_web',
    mode: 'replicated',
    running: 1,
    desired: 2,
    image: 'reg/web:v2@sha256:aa',
    update: 'rollback_completed',
    // A message that holds the separator stays whole.
    updateMessage: 'update rolled back due to failure or early termination | of task',
    fatalLines: 2,
  });
  assert.equal(s.services[1]!.desired, 1, 'replicas with a max-per-node note');
  assert.equal(s.services[2]!.update, 'none');
  assert.equal(s.services[2]!.updateMessage, undefined);
  assert.equal(s.services[2]!.fatalLines, 0, 'no fatal patterns given: no count');
});

test('parseSwarmStatus: a worker, or a stack with no services yet', () => {
  const s = parseSwarmStatus('shop', '@@node\ngwh22|active|false\n@@client\n20.10.24\n@@nodes\n');
  assert.equal(s.manager, false);
  assert.deepEqual(s.services, []);
  assert.deepEqual(s.nodes, []);
  assert.equal(parseSwarmStatus('shop', '').node, '');
});

test('swarmVerdict: short tasks, fatal lines, paused or running updates: NO-GO; a rollback, a down node: warn', () => {
  const v = swarmVerdict(parseSwarmStatus('shop', OUTPUT), true);
  assert.deepEqual(v.reasons, ['web: 1 of 2 tasks running', 'web: 2 fatal log line(s)']);
  assert.deepEqual(v.warnings, [
    'web: Swarm rolled its last update back (update rolled back due to failure or early termination | of task)',
    'node gwh23 is Down',
  ]);

  const base: SwarmStatus = { node: 'm', manager: true, client: '27', services: [], nodes: [] };
  const svc = { service: 'web', name: 's_web', mode: 'replicated', running: 1, desired: 1, image: 'i', fatalLines: 0 };
  const states = ['paused', 'rollback_paused', 'updating', 'rollback_started', 'completed'].map(
    (update) => swarmVerdict({ ...base, services: [{ ...svc, update }] }, true).reasons,
  );
  assert.deepEqual(states, [
    ['web: update paused'],
    ['web: update rollback_paused'],
    ['web: an update is in progress (updating)'],
    ['web: an update is in progress (rollback_started)'],
    [],
  ]);
  assert.deepEqual(swarmVerdict(base, true).reasons, ['no services of this stack in the Swarm']);
  assert.deepEqual(swarmVerdict(base, false).reasons, [], 'nothing deployed yet: nothing missing');
  const down = { name: 'm', status: 'Down', availability: 'Active', manager: 'Unreachable' };
  assert.deepEqual(swarmVerdict({ ...base, services: [{ ...svc, update: 'none' }], nodes: [down] }, true), {
    reasons: ['no node of the Swarm is ready'],
    warnings: ['node m is Down (manager, Unreachable)'],
  });
});

test('describeNodes: ready count, roles and what is not normal', () => {
  assert.equal(
    describeNodes(parseSwarmStatus('shop', OUTPUT).nodes),
    '2 ready of 3: gwh21 (Leader), gwh22, gwh23 (Down, Drain)',
  );
});
