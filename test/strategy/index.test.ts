import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appTraffic, strategyFor, strategyOf } from '../../src/strategy/index.js';
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

test('commands ask the strategy: only swarm picks a manager and refuses service commands', () => {
  const recreate = strategyFor(config(''), { engine: 'compose' });
  const blueGreen = strategyFor(config('proxy: { service: web, port: 8000 }'), { engine: 'compose' });
  const swarm = strategyFor(config('', 'swarm'), { engine: 'swarm' });
  for (const s of [recreate, blueGreen]) {
    assert.equal(s.chooseManager, undefined, s.name);
    assert.equal(s.refusesServiceCommands, undefined, s.name);
    assert.equal(s.logCommands, undefined, `${s.name}: Compose's logs`);
  }
  assert.equal(typeof swarm.chooseManager, 'function');
  assert.equal(
    swarm.refusesServiceCommands?.({ name: 'prod' }),
    'not supported for swarm targets yet (targets.prod.engine is swarm)',
  );
});

test('colouredService and traffic: the proxied service and the proxy (domains, metrics) of blue/green only', () => {
  const c = config('proxy: { service: web, port: 8000, domains: [shop.example.com], metrics: "10.0.0.5:2019" }');
  const blueGreen = strategyFor(c, { engine: 'compose' });
  assert.equal(blueGreen.colouredService?.(c), 'web');
  assert.deepEqual(blueGreen.traffic?.(c), { domains: ['shop.example.com'], metrics: '10.0.0.5:2019' });
  const noMetrics = config('proxy: { service: web, port: 8000 }');
  assert.deepEqual(strategyFor(noMetrics, { engine: 'compose' }).traffic?.(noMetrics), { domains: [] });
  const plain = config('');
  const recreate = strategyFor(plain, { engine: 'compose' });
  assert.equal(recreate.colouredService?.(plain), undefined);
  assert.equal(recreate.traffic?.(plain), undefined);
});

test("appTraffic: the proxy of the app's targets, or none", () => {
  const c = config('proxy: { service: web, port: 8000, domains: [shop.example.com] }');
  assert.deepEqual(appTraffic(c), { domains: ['shop.example.com'] });
  assert.equal(appTraffic(config('')), undefined);
  assert.equal(appTraffic(config('', 'swarm')), undefined);
});
