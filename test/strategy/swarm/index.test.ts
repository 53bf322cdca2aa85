import assert from 'node:assert/strict';
import { test } from 'node:test';
import { swarm } from '../../../src/strategy/swarm/index.js';
import { config, planInput } from '../helpers.js';

const step = swarm.planApply(planInput(config('', 'swarm')));

test('swarm plans the stack from the compose files, the images resolved by the registry', () => {
  assert.equal(step.swarm.stack.stack, 'shop');
  assert.equal(step.swarm.resolveImage, 'always');
  assert.match(step.title, /^apply detached on the Swarm manager: docker stack deploy/);
  assert.ok(step.does.some((d) => d.startsWith('IMAGE_TAG=v2 docker stack deploy -c <compose files>')));
});

test('swarm: one manager, no Compose needed, four health timeouts and five minutes, its data kept', () => {
  assert.deepEqual(swarm.deployHosts(['m1', 'm2']), ['m1']);
  assert.equal(swarm.composeStandIn?.version, 'not needed (Swarm manager)');
  assert.equal(swarm.pullsByDigest, false);
  assert.equal(swarm.deadlineMs(step), 4 * 120_000 + 300_000);
  assert.equal(swarm.kept?.flag, 'swarm');
  assert.ok(swarm.kept?.files.has('swarm-services'));
  const release = swarm.release(step, new Map([['A', '1']]));
  assert.deepEqual(release.vars[0], ['STRATEGY', 'swarm']);
  assert.ok(release.files.some((f) => f.name === 'swarm.sh'));
});
