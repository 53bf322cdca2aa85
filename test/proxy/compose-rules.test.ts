import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxiedServiceProblems } from '../../src/proxy/compose-rules.js';
import { composeText } from '../compose/helpers.js';

test('a proxied service with container_name, ports and network_mode: one problem each, at its key', () => {
  const file = composeText(
    [
      'services:',
      '  web:',
      '    image: app:${IMAGE_TAG}',
      '    container_name: web',
      '    ports: ["80:8000"]',
      '    network_mode: host',
    ].join('\n'),
  );
  const problems = proxiedServiceProblems([file], 'web');
  assert.deepEqual(
    problems.map((p) => [p.file, p.line, p.key]),
    [
      ['compose.yml', 4, 'services.web.container_name'],
      ['compose.yml', 5, 'services.web.ports'],
      ['compose.yml', 6, 'services.web.network_mode'],
    ],
  );
});

test('another service that depends on the proxied one is refused (it runs in its own colour projects)', () => {
  const file = composeText(
    [
      'services:',
      '  web: { image: app }',
      '  worker:',
      '    image: app',
      '    depends_on: { web: { condition: service_started } }',
    ].join('\n'),
  );
  const [problem, ...rest] = proxiedServiceProblems([file], 'web');
  assert.equal(rest.length, 0);
  assert.equal(problem!.key, 'services.worker.depends_on');
  assert.equal(problem!.line, 5);
});

test('an unknown proxied service names the services there are', () => {
  const file = composeText('services:\n  web: { image: app }\n  db: { image: pg }\n');
  const [problem] = proxiedServiceProblems([file], 'api');
  assert.match(problem!.message, /"api" is not a service of the compose files \(services: web, db\)/);
});

test('a clean service across two files has no problem', () => {
  const base = composeText('services:\n  web: { image: app }\n  db: { image: pg }\n');
  const override = composeText('services:\n  web: { environment: { A: "1" } }\n', 'override.yml');
  assert.deepEqual(proxiedServiceProblems([base, override], 'web'), []);
});
