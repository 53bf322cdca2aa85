import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ValidateFunction } from 'ajv';
import { loadComposeFiles } from '../../src/compose/compose-file.js';
import { compiledValidator, composeSchemaValidator, validateCompose } from '../../src/compose/validate.js';
import { FIXTURES, REPO, colOf, composeText } from './helpers.js';

const env = (vars: Record<string, string>) => (name: string) => vars[name];
const show = (ps: { line?: number; col?: number; key?: string; message: string }[]) =>
  ps.map((p) => `${p.line}:${p.col} ${p.key ?? ''}: ${p.message}`);

async function fixture(name: string) {
  const { files, problems } = await loadComposeFiles([join(FIXTURES, name)], FIXTURES);
  assert.deepEqual(problems, []);
  return files[0]!;
}

test('the vendored compose-spec schema is JSON with the service definition', () => {
  const schema = JSON.parse(readFileSync(join(REPO, 'schema/vendor/compose-spec.json'), 'utf8')) as {
    definitions: Record<string, unknown>;
  };
  for (const d of ['service', 'healthcheck', 'deployment', 'network', 'volume', 'list_or_dict'])
    assert.ok(schema.definitions[d], d);
});

test('the vendored schema accepts examples/quickstart/docker-compose.yml', async () => {
  const { files, problems } = await loadComposeFiles([join(REPO, 'examples/quickstart/docker-compose.yml')], REPO);
  assert.deepEqual(problems, []);
  const validate = composeSchemaValidator();
  assert.equal(validate(files[0]!.doc), true, JSON.stringify(validate.errors));
  assert.deepEqual(
    validateCompose(files[0]!, () => undefined),
    [],
  );
});

test('a valid file passes, with ${PORT} in ports and ${REPLICAS} in deploy.replicas, set or not', async () => {
  const file = await fixture('valid.yml');
  assert.deepEqual(
    validateCompose(file, env({ PORT: '8080', REPLICAS: '3', FRONT_PRIORITY: '5', IMAGE_TAG: 'v1' })),
    [],
  );
  assert.deepEqual(
    validateCompose(file, () => undefined),
    [],
  );
});

test('a type error on an interpolated value is left to compose (it converts), not reported', async () => {
  const file = await fixture('valid.yml');
  // Checked as written, `priority: ${FRONT_PRIORITY}` is a string where the schema wants a number.
  assert.equal(composeSchemaValidator()(file.doc), false);
  assert.deepEqual(validateCompose(file, env({ FRONT_PRIORITY: '5' })), []);
});

test('unknown keys, wrong types, enums and names: located, clear, and without the values', async () => {
  const file = await fixture('invalid.yml');
  const problems = validateCompose(file, () => undefined);
  assert.deepEqual(show(problems), [
    '4:5 services.web.enviroment: unknown key "enviroment"',
    '6:11 services.web.user: must be a string, found an integer',
    '7:18 services.web.pull_policy: must be one of: always, never, if_not_present, build, missing',
    '9:7 services.web.build.contxt: unknown key "contxt"',
    '10:12 services.web.ports: must be a list, found a string',
    '11:3 services.bad name: invalid name "bad name": names must match ^[a-zA-Z0-9._-]+$',
  ]);
  for (const p of problems) {
    assert.equal(p.file, 'invalid.yml');
    assert.doesNotMatch(p.message, /canary|987654321|8080/);
    assert.doesNotMatch(p.message, /did you mean/i);
  }
});

test('oneOf alternatives are folded into one message', () => {
  const text = `services:
  web:
    image: x
    build: 5
    environment:
      NESTED: { a: 1 }
    gpus: 3
    depends_on:
      db: { required: true }
`;
  const problems = validateCompose(composeText(text), () => undefined);
  assert.deepEqual(show(problems), [
    '4:12 services.web.build: must be a string or a mapping, found an integer',
    '6:15 services.web.environment.NESTED: must be a string, a number, a boolean or empty, found a mapping',
    '7:11 services.web.gpus: must be "all" or a list, found an integer',
    '9:11 services.web.depends_on.db: missing required key "condition"',
  ]);
});

test(
  'with variables set, real errors after interpolation are reported; unset ones are left to the ' + 'variable check',
  () => {
    const text = `services:
  web:
    image: x
    pull_policy: \${POLICY}
    ports:
      - "\${A}"
      - "\${B}"
`;
    const file = composeText(text);
    assert.deepEqual(
      validateCompose(file, () => undefined),
      [],
    );
    assert.deepEqual(validateCompose(file, env({ POLICY: 'always', A: '80', B: '81' })), []);
    const problems = validateCompose(file, env({ POLICY: 'canary-sometimes', A: '80', B: '80' }));
    assert.deepEqual(show(problems), [
      `4:${colOf(text, 4, '$')} services.web.pull_policy: ` +
        'must be one of: always, never, if_not_present, build, missing',
      `7:${colOf(text, 7, '"')} services.web.ports: items [0] and [1] are duplicates`,
    ]);
    assert.ok(problems.every((p) => !p.message.includes('canary')));
  },
);

test('an unset variable in a default that is not used does not hide an error in the value', () => {
  const text = `services:
  web:
    image: x
    pull_policy: \${POLICY:-\${FALLBACK}}
`;
  const file = composeText(text);
  assert.deepEqual(
    validateCompose(file, () => undefined),
    [],
  );
  const problems = validateCompose(file, env({ POLICY: 'canary-sometimes' }));
  assert.deepEqual(show(problems), [
    `4:${colOf(text, 4, '$')} services.web.pull_policy: must be one of: always, never, if_not_present, build, missing`,
  ]);
  assert.ok(problems.every((p) => !p.message.includes('canary')));
});

test('a top-level unknown key is located at the key itself', () => {
  const text = `services:
  web:
    image: x
volume:
  data: {}
`;
  assert.deepEqual(show(validateCompose(composeText(text), () => undefined)), ['4:1 volume: unknown key "volume"']);
});

test('the validator the build writes ahead of time is the compiled one: same verdicts, same errors', async () => {
  // Written by `npm run build` (scripts/build-compose-validator.mjs); the CLI loads it instead of compiling.
  const prebuilt = createRequire(import.meta.url)(
    join(REPO, 'dist/compose/compose-spec-validator.cjs'),
  ) as ValidateFunction;
  const compiled = compiledValidator();
  const documents: unknown[] = [
    { services: { web: { image: 'x', ports: [{ bad: 1 }], healthcheck: { interval: 5 } } } },
    { services: { web: { image: 'x', deploy: { replicas: 'two' }, restart: 'sometimes' } }, extra: true },
    { services: { web: { build: { context: '.', args: ['A=1'] }, depends_on: { db: { condition: 'x' } } } } },
  ];
  for (const name of ['valid.yml', 'invalid.yml', 'base.yml', 'override.yml'])
    documents.push((await fixture(name)).doc);
  for (const doc of documents) {
    assert.equal(prebuilt(doc), compiled(doc), JSON.stringify(doc));
    assert.deepEqual(prebuilt.errors ?? null, compiled.errors ?? null, JSON.stringify(doc));
  }
  assert.ok(
    documents.some((d) => !compiled(d)),
    'some documents are invalid',
  );
  // And the built CLI finds it (from source there is none: the schema is compiled).
  const built = (await import(
    join(REPO, 'dist/compose/validate.js')
  )) as typeof import('../../src/compose/validate.js');
  assert.equal(typeof built.prebuiltValidator(), 'function');
});
