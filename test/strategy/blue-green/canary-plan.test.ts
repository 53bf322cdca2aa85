import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canaryMaxMs, canaryPlanLine, canaryVars } from '../../../src/strategy/blue-green/canary-plan.js';
import { proxySettings } from '../../helpers/proxy-settings.js';

const PROXY = proxySettings();
const CANARY = { steps: [5, 25, 50], intervalMs: 2500, maxErrorRate: 0.5, maxP99Ms: 800, minRequests: 50 };

test('no canary: no variables, no plan line, no extra time', () => {
  assert.deepEqual([canaryVars(undefined), canaryPlanLine(PROXY), canaryMaxMs(PROXY)], [[], [], 0]);
});

test("canary.sh's variables: shares one a line, whole seconds rounded up, percent and ms as numbers", () => {
  assert.deepEqual(canaryVars(CANARY), [
    ['CANARY_STEPS', '5\n25\n50'],
    ['CANARY_INTERVAL', 3],
    ['CANARY_MAX_ERR', '0.5'],
    ['CANARY_MAX_P99', 800],
    ['CANARY_MIN', 50],
  ]);
});

test('the deadline allows every step its 3 intervals and a drain of the new colour', () => {
  assert.equal(canaryMaxMs({ ...PROXY, canary: CANARY }), 3 * 3 * 3000 + 30_000);
  assert.match(canaryPlanLine({ ...PROXY, canary: CANARY })[0]!, /5%, 25%, 50% of new clients .* 3s each/);
});
