import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostTable } from '../../src/output/host-table.js';

test('the host table aligns its columns and shows each host from → to, result and duration', () => {
  const lines = hostTable([
    { host: 'deploy@10.0.0.1', from: 'v1', to: 'v2', result: 'reverted', durationMs: 12_345 },
    { host: 'b', from: 'none', to: 'v2', result: 'rolled_back', durationMs: 900 },
    { host: 'c', from: 'v1', to: 'v1', result: 'unchanged', durationMs: 0 },
  ]);
  assert.deepEqual(lines, [
    'host             from → to  result       duration',
    'deploy@10.0.0.1  v1 → v2    reverted     12.3 s',
    'b                none → v2  rolled_back  0.9 s',
    'c                v1 → v1    unchanged    -',
  ]);
});
