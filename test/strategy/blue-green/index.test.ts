import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseComposeFile } from '../../../src/compose/compose-file.js';
import { blueGreen } from '../../../src/strategy/blue-green/index.js';
import { COMPOSE, config, planInput } from '../helpers.js';

const c = config('proxy: { service: web, port: 8000, drain: 10s, health: { timeout: 30s } }');
const step = blueGreen.planApply(planInput(c));

test('blue-green plans the colour file and route, and says every phase of the switch', () => {
  assert.equal(step.proxy.settings.service, 'web');
  assert.match(step.proxy.colourFile, /web/);
  assert.match(step.title, /^apply detached on the server: blue\/green for web behind the proxy/);
  assert.equal(step.does.length, 9);
  assert.match(step.does[1]!, /^IMAGE_TAG=v2 compose -p shop up -d --remove-orphans --scale web=0 /);
  assert.match(step.does[3]!, /^IMAGE_TAG=v2 compose -p shop-<the idle colour> up -d web /);
  assert.match(step.does[5]!, /drain the old one up to 10s/);
  assert.match(step.does[7]!, /^maintenance mode \(if on\) stays on/);
});

test('deploy --end-maintenance: the plan says so, and vars.sh carries it to bluegreen.sh', () => {
  const ending = blueGreen.planApply({ ...planInput(c), endMaintenance: true });
  assert.match(ending.does[7]!, /^maintenance mode \(if on\) ends once the new colour serves/);
  const value = (s: typeof step) => blueGreen.release(s, new Map()).vars.find(([k]) => k === 'PROXY_END_MAINTENANCE');
  assert.deepEqual(
    [value(ending), value(step)],
    [
      ['PROXY_END_MAINTENANCE', 1],
      ['PROXY_END_MAINTENANCE', ''],
    ],
  );
});

test("blue-green's deadline: recreate's plus two probes from the proxy and the drain", () => {
  assert.equal(blueGreen.deadlineMs(step), 2 * 120_000 + 2 * 30_000 + 10_000 + 300_000);
});

test('blue-green release: bluegreen.sh and the proxy files; STRATEGY first, then the PROXY_ values', () => {
  const release = blueGreen.release(step, new Map());
  assert.deepEqual(release.vars[0], ['STRATEGY', 'blue-green']);
  assert.deepEqual(
    release.vars.map(([k]) => k).filter((k) => !k.startsWith('PROXY_')),
    ['STRATEGY'],
  );
  assert.deepEqual(
    release.files.map((f) => f.name),
    [
      'bluegreen.sh',
      'standby.sh',
      'proxy-metrics.sh',
      'canary.sh',
      'colour.yml',
      'proxy-route.json',
      'proxy-tls.json',
      'proxy-domains',
    ],
  );
  assert.deepEqual(blueGreen.kept, { flag: 'colour', files: new Set(['colour.yml']) });
});

test('blue-green preflight: the proxied service must run twice; Compose v1 is refused', () => {
  const files = [parseComposeFile(COMPOSE, 'docker-compose.yml', 'docker-compose.yml').file!];
  assert.deepEqual(
    blueGreen.composeFileChecks!(files, c).map((i) => i.status),
    ['ok'],
  );
  const fixed = parseComposeFile(
    'services:\n  web:\n    image: x\n    container_name: web\n',
    'docker-compose.yml',
    'docker-compose.yml',
  ).file!;
  assert.deepEqual(
    blueGreen.composeFileChecks!([fixed], c).map((i) => i.status),
    ['fail'],
  );
  assert.equal(blueGreen.needsComposeV2, 'proxy (blue/green)');
});
