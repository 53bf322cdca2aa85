import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  allowedOf,
  configProperties,
  configurationMarkdown,
  descriptionOf,
  exampleOf,
  typeOf,
} from '../../src/config/reference.js';

test('every property of the schema says what it does (a description of its own, not just "a duration")', () => {
  const properties = configProperties();
  assert.ok(properties.length >= 114, `only ${properties.length} properties found`);
  const missing = properties.filter((p) => descriptionOf(p.node) === undefined).map((p) => p.path);
  assert.deepEqual(missing, [], 'add .meta({ description }) in src/config/schema.ts');
});

test('every key that holds a value has an example (its own, its default, or derived from its type)', () => {
  const missing = configProperties()
    .filter((p) => !p.container && exampleOf(p.node) === undefined)
    .map((p) => p.path);
  assert.deepEqual(missing, [], 'add .meta({ examples: [...] }) in src/config/schema.ts');
});

test('type and allowed values come from the schema', () => {
  const byPath = new Map(configProperties().map((p) => [p.path, p.node]));
  const delivery = byPath.get('image.delivery')!;
  assert.equal(typeOf(delivery), 'string');
  assert.equal(allowedOf(delivery), '`registry`, `archive`, `build`, `sync`');
  assert.equal(typeOf(byPath.get('targets.<name>.ssh.connect_timeout')!), 'duration');
  assert.match(allowedOf(byPath.get('targets.<name>.ssh.connect_timeout')!), /at most 10m/);
  assert.equal(allowedOf(byPath.get('proxy.listen.http')!), '1–65535');
  assert.ok(byPath.has('health.http[].url') && byPath.has('backups[].keep.daily'));
});

test('docs/configuration.md is generated from the schema (run `npm run docs` after changing it)', () => {
  const committed = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(committed, configurationMarkdown());
});
