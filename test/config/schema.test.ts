import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { jsonSchemaText } from '../../src/config/json-schema.js';
import { didYouMean, editDistance } from '../../src/config/did-you-mean.js';

test('schema/gangway.schema.json is generated from the zod schema (run `npm run schema` after changing it)', () => {
  const committed = readFileSync(new URL('../../schema/gangway.schema.json', import.meta.url), 'utf8');
  assert.equal(committed, jsonSchemaText());
});

test('the JSON Schema describes the keys editors complete', () => {
  const schema = JSON.parse(jsonSchemaText());
  assert.deepEqual(schema.required, ['app', 'compose', 'targets']);
  assert.equal(schema.additionalProperties, false);
  assert.ok(schema.properties.targets.additionalProperties.properties.ssh.properties.fingerprint);
});

test('did-you-mean: close typos suggest, unrelated words do not', () => {
  assert.equal(editDistance('kye', 'key'), 1);
  assert.equal(didYouMean('tagets', ['targets', 'app']), 'targets');
  assert.equal(didYouMean('HEALTH', ['health']), 'health');
  assert.equal(didYouMean('zzzz', ['health', 'app']), undefined);
});
