import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { chainIds, planLayers, presentChains, type SavedLayer } from '../../src/delivery/layers.js';

const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

test("chain IDs as Docker computes them: the first is the diff ID, each next hashes 'previous diff'", () => {
  const [a, b, c] = chainIds([d(1), d(2), d(3)]);
  assert.equal(a, d(1));
  assert.equal(b, sha(`${d(1)} ${d(2)}`));
  assert.equal(c, sha(`${b} ${d(3)}`));
});

test('a layer is present only under the same parents: the same diff ID on another base is another chain', () => {
  const present = presentChains(`${JSON.stringify([d(1), d(2)])}\n${JSON.stringify([d(7)])}\nnot json\n`);
  assert.ok(present.has(d(1)) && present.has(d(7)));
  assert.ok(present.has(chainIds([d(1), d(2)])[1]!));
  assert.ok(!present.has(chainIds([d(7), d(2)])[1]!), 'd2 on top of d7 is not there');
});

test('the plan skips present layers, never a file another missing layer needs', () => {
  const chains = chainIds([d(1), d(2), d(3)]);
  const layers: SavedLayer[] = [
    { path: 'a/layer.tar', diffId: d(1), chainId: chains[0]!, bytes: 100 },
    { path: 'b/layer.tar', diffId: d(2), chainId: chains[1]!, bytes: 10 },
    { path: 'a/layer.tar', diffId: d(3), chainId: chains[2]!, bytes: 100 }, // same file, another place
  ];
  const plan = planLayers(layers, new Set([chains[0]!, chains[1]!]));
  assert.deepEqual([...plan.skip], ['b/layer.tar']);
  assert.deepEqual(
    plan.missing.map((l) => l.diffId),
    [d(3)],
  );
});
