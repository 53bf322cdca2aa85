import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadComposeFiles } from '../../src/compose/compose-file.js';
import { composeServices } from '../../src/compose/services.js';
import { FIXTURES, composeText } from './helpers.js';

test('services merge across files in order: image overridden, build added, healthcheck merged', async () => {
  const { files, problems } = await loadComposeFiles(
    [join(FIXTURES, 'base.yml'), join(FIXTURES, 'override.yml')],
    FIXTURES,
  );
  assert.deepEqual(problems, []); // `!reset` is compose's tag, not a YAML warning
  const services = composeServices(files);
  const summary = Object.fromEntries(
    [...services].map(([name, s]) => [name, [s.image ?? '-', s.build, s.healthcheck, `${s.file}:${s.line}:${s.col}`]]),
  );
  assert.deepEqual(summary, {
    web: ['example/web:${IMAGE_TAG:?IMAGE_TAG is required}', true, 'defined', 'base.yml:2:3'],
    worker: ['example/worker', false, 'disabled', 'base.yml:7:3'],
    db: ['postgres:16', false, 'disabled', 'base.yml:11:3'],
    cache: ['redis:7', false, 'none', 'base.yml:13:3'],
    extra: ['-', true, 'none', 'override.yml:14:3'],
  });
  assert.deepEqual(services.get('web')?.imageAt, { file: 'override.yml', line: 3, col: 12 });
});

test('healthcheck states within one file', () => {
  const file = composeText(`services:
  a: { image: x, healthcheck: { test: "curl -f http://localhost" } }
  b: { image: x, healthcheck: { test: ["NONE"] } }
  c: { image: x, healthcheck: { disable: true, test: ["CMD", "true"] } }
  d: { image: x, healthcheck: { interval: 5s } }
  e: { image: x }
`);
  const states = Object.fromEntries([...composeServices([file])].map(([n, s]) => [n, s.healthcheck]));
  assert.deepEqual(states, { a: 'defined', b: 'disabled', c: 'disabled', d: 'none', e: 'none' });
});

test('!override replaces a healthcheck, !reset removes a service', () => {
  const base = composeText(
    `services:
  web: { image: x, healthcheck: { disable: true } }
  tmp: { image: y }
`,
    'base.yml',
  );
  const over = composeText(
    `services:
  web:
    healthcheck: !override { test: ["CMD", "true"] }
  tmp: !reset
`,
    'over.yml',
  );
  const services = composeServices([base, over]);
  assert.deepEqual([...services.keys()], ['web']);
  assert.equal(services.get('web')?.healthcheck, 'defined');
});
