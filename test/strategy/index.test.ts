import assert from 'node:assert/strict';
import { test } from 'node:test';
import { strategyFor, strategyOf } from '../../src/strategy/index.js';
import { config, planInput } from './helpers.js';

test('strategyFor: engine swarm → swarm; a proxy → blue-green; else recreate', () => {
  assert.equal(strategyFor(config(''), { engine: 'swarm' }).name, 'swarm');
  assert.equal(strategyFor(config('proxy: { service: web, port: 8000 }'), { engine: 'compose' }).name, 'blue-green');
  assert.equal(strategyFor(config(''), { engine: 'compose' }).name, 'recreate');
});

test('strategyOf: the strategy that planned the apply step', () => {
  for (const [extra, engine] of [
    ['', 'compose'],
    ['proxy: { service: web, port: 8000 }', 'compose'],
    ['', 'swarm'],
  ] as const) {
    const c = config(extra, engine);
    const strategy = strategyFor(c, { engine });
    const step = strategy.planApply(planInput(c));
    assert.equal(step.strategy, strategy.name);
    assert.equal(strategyOf(step), strategy);
  }
});
