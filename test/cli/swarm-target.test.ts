/** Commands' choice of hosts, asked of the target's strategy: a Swarm manager, or a refusal of service commands. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CommandContext } from '../../src/cli/context.js';
import { composeOnly, managerTarget } from '../../src/cli/swarm-target.js';
import { config } from '../strategy/helpers.js';

test('composeOnly: a compose target passes; a swarm target is refused naming the command and the engine', () => {
  const compose = config('');
  assert.equal(composeOnly(compose, compose.targets['prod']!, 'gangway exec'), compose.targets['prod']);
  const swarm = config('', 'swarm');
  assert.throws(() => composeOnly(swarm, swarm.targets['prod']!, 'gangway exec'), {
    name: 'UsageError',
    message: 'gangway exec: not supported for swarm targets yet (targets.prod.engine is swarm)',
  });
});

test('managerTarget: a compose target is every host, and none is contacted', async () => {
  const c = config('proxy: { service: web, port: 8000 }');
  const opened: string[] = [];
  const ctx = {
    openHost: async (_t: unknown, spec: { label: string }) => {
      opened.push(spec.label);
      throw new Error('not reached');
    },
  } as unknown as CommandContext;
  assert.equal(await managerTarget(ctx, c, c.targets['prod']!), c.targets['prod']);
  assert.deepEqual(opened, []);
});
