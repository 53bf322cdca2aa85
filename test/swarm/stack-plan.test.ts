import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { parseComposeFile } from '../../src/compose/compose-file.js';
import {
  defaultsFile,
  defaultsSummary,
  describeDefaults,
  planStack,
  ROLLBACK_DEFAULTS,
  UPDATE_DEFAULTS,
} from '../../src/swarm/stack-plan.js';
import { composeText } from '../compose/helpers.js';

test('a service without update_config gets start-first defaults; one with its own keeps it', () => {
  const plan = planStack('shop', [
    composeText(`services:
  web: { image: web }
  worker:
    image: worker
    deploy: { update_config: { order: stop-first } }
`),
  ]);
  assert.deepEqual(plan.services, ['web', 'worker']);
  assert.deepEqual(plan.defaults, [{ service: 'web', order: 'start-first' }]);
  assert.deepEqual(plan.notes, []);
});

test('a port published in mode host makes the order stop-first, and says why; ingress ports do not', () => {
  const plan = planStack('shop', [
    composeText(`services:
  web:
    image: web
    ports: [{ target: 8080, published: 80, mode: host }, { target: 9090, published: 9090 }]
  api:
    image: api
    ports: ["8081:8080", { target: 8080, published: 8082 }]
`),
  ]);
  assert.deepEqual(plan.defaults, [
    {
      service: 'web',
      order: 'stop-first',
      why: 'publishes port 80 in mode host: two tasks cannot bind it on one node',
    },
    { service: 'api', order: 'start-first' },
  ]);
});

test('override files: update_config takes the defaults away, a host port makes them stop-first', () => {
  const plan = planStack('shop', [
    composeText('services:\n  web: { image: web }\n  api: { image: api }\n'),
    composeText(
      `services:
  web: { deploy: { update_config: { parallelism: 2 } } }
  api: { ports: [{ target: 80, published: 8080, mode: host }] }
`,
      'compose.override.yml',
    ),
  ]);
  assert.deepEqual(
    plan.defaults.map((d) => `${d.service} ${d.order}`),
    ['api stop-first'],
  );
});

test('compose versions: below 3.7 no defaults (no rollback_config), below 3.5 no versioned names', () => {
  const files = (version: string) => [
    composeText(`version: "${version}"
services: { web: { image: web, secrets: [token] } }
secrets: { token: { file: ./token.txt } }
`),
  ];
  const v36 = planStack('shop', files('3.6'));
  assert.deepEqual(v36.defaults, []);
  assert.equal(v36.version, '3.6');
  assert.deepEqual(v36.notes, ['compose file version 3.6 has no rollback_config (3.7): no update defaults were added']);
  assert.equal(v36.objects.length, 1);

  const v34 = planStack('shop', files('3.4'));
  assert.deepEqual(v34.objects, []);
  assert.equal(v34.notes.length, 2);
  assert.match(v34.notes[1]!, /cannot name secrets \(3\.5\)/);

  const v38 = planStack('shop', files('3.8'));
  assert.deepEqual(v38.notes, []);
  assert.equal(v38.defaults.length, 1);
  // No version at all (the Compose specification): everything applies.
  assert.equal(planStack('shop', [composeText('services: { web: { image: web } }\n')]).defaults.length, 1);
});

test('secrets and configs with file: get versioned names; external, named and odd keys do not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gangway-stack-plan-'));
  try {
    writeFileSync(join(dir, 'token.txt'), 'value');
    const text = `services: { web: { image: web } }
secrets:
  token: { file: ./token.txt }
  remote: { file: ./not-here.txt }
  shared: { external: true }
  fixed: { file: ./token.txt, name: fixed_name }
  "bad key!": { file: ./token.txt }
configs:
  caddy: { file: ./Caddyfile }
`;
    const { file } = parseComposeFile(text, join(dir, 'docker-compose.yml'), 'docker-compose.yml');
    const plan = planStack('shop', [file!]);
    assert.deepEqual(plan.objects, [
      { kind: 'secret', key: 'token', file: './token.txt', localPath: join(dir, 'token.txt') },
      { kind: 'secret', key: 'remote', file: './not-here.txt' },
      { kind: 'config', key: 'caddy', file: './Caddyfile' },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a later file that makes a secret external takes it out of gangway hands; a later file: replaces the path', () => {
  const plan = planStack('shop', [
    composeText(`services: { web: { image: web } }
secrets:
  a: { file: ./a.txt }
  b: { file: ./b.txt }
`),
    composeText(
      `secrets:
  a: { external: true }
  b: { file: ./b-prod.txt }
`,
      'compose.prod.yml',
    ),
  ]);
  assert.deepEqual(
    plan.objects.map((o) => `${o.key} ${o.file}`),
    ['b ./b-prod.txt'],
  );
});

test('defaultsFile: a compose file with the user version and the full update and rollback config', () => {
  const plan = planStack('shop', [
    composeText(`version: "3.8"
services:
  web: { image: web, ports: [{ target: 80, published: 80, mode: host }] }
  "odd: name": { image: worker }
`),
  ]);
  const doc = parse(defaultsFile(plan)) as {
    version: string;
    services: Record<string, { deploy: { update_config: object; rollback_config: object } }>;
  };
  assert.equal(doc.version, '3.8');
  assert.deepEqual(Object.keys(doc.services), ['web', 'odd: name']);
  assert.deepEqual(doc.services.web!.deploy.update_config, { ...UPDATE_DEFAULTS, order: 'stop-first' });
  assert.deepEqual(doc.services.web!.deploy.rollback_config, { ...ROLLBACK_DEFAULTS, order: 'stop-first' });
  assert.deepEqual(doc.services['odd: name']!.deploy.update_config, { ...UPDATE_DEFAULTS, order: 'start-first' });
});

test('defaultsFile with nothing to add is still a valid compose file; the summary is then empty', () => {
  const plan = planStack('shop', [
    composeText('version: "3.8"\nservices: { web: { image: web, deploy: { update_config: {} } } }\n'),
  ]);
  assert.deepEqual(parse(defaultsFile(plan)), { version: '3.8', services: {} });
  assert.equal(defaultsSummary(plan), '');
});

test('defaultsSummary and describeDefaults name each service, its order and why', () => {
  const plan = planStack('shop', [
    composeText(`services:
  web: { image: web, ports: [{ target: 80, published: 80, mode: host }] }
  talker: { image: talker }
`),
  ]);
  assert.equal(
    defaultsSummary(plan),
    'no update_config in the compose files, gangway added one: web stop-first (publishes port 80 in mode host: ' +
      'two tasks cannot bind it on one node), talker start-first; parallelism 1, failure_action rollback, ' +
      'monitor 5s; rollback_config failure_action pause',
  );
  assert.equal(
    describeDefaults(plan.defaults[1]!),
    'talker: update_config { parallelism: 1, delay: "0s", failure_action: "rollback", monitor: "5s", ' +
      'max_failure_ratio: 0, order: "start-first" }, rollback_config { parallelism: 1, delay: "0s", ' +
      'failure_action: "pause", monitor: "5s", order: "start-first" }',
  );
});
