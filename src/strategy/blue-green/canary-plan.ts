/** What proxy.canary adds to a blue/green release: its server-side variables, its plan line, its longest run. */
import type { ProxySettings } from '../../config/config.js';
import type { StrategyRelease } from '../strategy.js';

type Canary = NonNullable<ProxySettings['canary']>;

/** canary.sh's settings: whole seconds (the interval rounds up), the shares one a line (apply.sh splits on lines). */
export function canaryVars(canary: Canary | undefined): StrategyRelease['vars'] {
  if (!canary) return [];
  return [
    ['CANARY_STEPS', canary.steps.join('\n')],
    ['CANARY_INTERVAL', Math.ceil(canary.intervalMs / 1000)],
    ['CANARY_MAX_ERR', String(canary.maxErrorRate)],
    ['CANARY_MAX_P99', canary.maxP99Ms],
    ['CANARY_MIN', canary.minRequests],
  ];
}

/** Each step may wait up to 3 × its interval for enough requests; a stopped canary drains the new colour. */
export const canaryMaxMs = (p: ProxySettings) =>
  p.canary ? p.canary.steps.length * 3 * Math.ceil(p.canary.intervalMs / 1000) * 1000 + p.drainMs : 0;

export function canaryPlanLine(p: ProxySettings): string[] {
  const c = p.canary;
  if (!c) return [];
  return [
    `canary (when a colour serves already): ${c.steps.map((s) => `${s}%`).join(', ')} of new clients to the new ` +
      `colour, ${Math.ceil(c.intervalMs / 1000)}s each, judged on the proxy's access log: 5xx share ≤ ` +
      `${c.maxErrorRate}%, p99 ≤ ${c.maxP99Ms}ms, not much worse than the old colour (at least ${c.minRequests} ` +
      `requests, else up to 3 intervals, then the health gate alone); a failed step: all traffic back to the old ` +
      `colour, the deploy fails`,
  ];
}
