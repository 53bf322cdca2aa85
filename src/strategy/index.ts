/**
 * The registry of deploy strategies: which one a target uses (its engine, then the proxy), and the one that
 * planned an apply step. The only place that decides between them.
 */
import type { Config, Target } from '../config/config.js';
import type { ApplyStep } from '../plan/plan-types.js';
import { blueGreen } from './blue-green/index.js';
import { recreate } from './recreate/index.js';
import type { Strategy, StrategyName, Traffic } from './strategy.js';
import { swarm } from './swarm/index.js';

export type { Strategy, StrategyName } from './strategy.js';

const BY_NAME: { [N in StrategyName]: Strategy<N> } = { recreate, 'blue-green': blueGreen, swarm };

/** engine: swarm → swarm; `proxy:` → blue-green; else recreate. */
export function strategyFor(config: Pick<Config, 'proxy'>, target: Pick<Target, 'engine'>): Strategy {
  const name: StrategyName = target.engine === 'swarm' ? 'swarm' : config.proxy ? 'blue-green' : 'recreate';
  return BY_NAME[name] as Strategy;
}

/** The proxy in front of the app (monitoring covers all its targets): the first its targets' strategies name. */
export function appTraffic(config: Config): Traffic | undefined {
  for (const target of Object.values(config.targets)) {
    const traffic = strategyFor(config, target).traffic?.(config);
    if (traffic) return traffic;
  }
  return undefined;
}

/** The strategy that planned this apply step (its methods take exactly that step). */
export function strategyOf(step: ApplyStep): Strategy {
  return BY_NAME[step.strategy] as Strategy;
}
