/** The exposition format: written, read back, labelled per host and merged (pure). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatExposition, mergeFamilies, parseExposition, withLabel } from '../../src/metrics/exposition.js';

const TEXT = `# HELP gangway_deploys_total Deploys, by status.
# TYPE gangway_deploys_total counter
gangway_deploys_total{app="a",status="succeeded"} 3
gangway_deploys_total{app="a",status="rolled_back"} 1
# HELP gangway_last_deploy_success 1 when it passed.
# TYPE gangway_last_deploy_success gauge
gangway_last_deploy_success{app="a"} 1
`;

test('what metrics.sh writes reads back and writes out the same', () => {
  const { families, skipped } = parseExposition(TEXT);
  assert.equal(skipped, 0);
  assert.equal(formatExposition(families), TEXT);
});

test('label values with quotes, backslashes and newlines survive; broken lines are skipped and counted', () => {
  const labels: [string, string][] = [['v', 'q"b\\n\nz']];
  const families = [{ name: 'x', type: 'gauge' as const, help: 'a\\b\nc', samples: [{ labels, value: 0.5 }] }];
  const text = formatExposition(families);
  assert.equal(text, '# HELP x a\\\\b\\nc\n# TYPE x gauge\nx{v="q\\"b\\\\n\\nz"} 0.5\n');
  assert.deepEqual(parseExposition(text).families, families);
  const broken = parseExposition('x{v="open 1\ny 2 extra words\nz NaN\nw{a="1",} +Inf\n');
  assert.equal(broken.skipped, 2);
  assert.deepEqual(
    broken.families.map((f) => [f.name, f.samples[0]!.value]),
    [
      ['z', NaN],
      ['w', Infinity],
    ],
  );
});

test('a host label first on every sample; families merged across hosts, HELP and TYPE once', () => {
  const a = withLabel(parseExposition(TEXT).families, 'host', 'ops@a');
  const b = withLabel(parseExposition(TEXT).families, 'host', 'ops@b');
  const text = formatExposition(mergeFamilies([a, b]));
  assert.equal(text.match(/# TYPE gangway_deploys_total counter/g)?.length, 1);
  assert.match(text, /gangway_deploys_total\{host="ops@a",app="a",status="succeeded"\} 3\n/);
  assert.match(
    text,
    /gangway_last_deploy_success\{host="ops@a",app="a"\} 1\ngangway_last_deploy_success\{host="ops@b"/,
  );
  assert.equal(text.split('\n').filter((l) => l.startsWith('gangway_')).length, 6);
});
