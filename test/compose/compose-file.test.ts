import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadComposeFiles, parseComposeFile } from '../../src/compose/compose-file.js';
import { ConfigError } from '../../src/errors.js';
import { FIXTURES } from './helpers.js';
import { billionLaughs } from '../helpers/yaml-bomb.js';

test('files load in order, named relative to the display base; missing and broken files are problems', async () => {
  const paths = ['valid.yml', 'missing.yml', 'broken.yml', 'base.yml'].map((n) => join(FIXTURES, n));
  const { files, problems } = await loadComposeFiles(paths, join(FIXTURES, '..'));
  assert.deepEqual(
    files.map((f) => f.file),
    ['compose/valid.yml', 'compose/base.yml'],
  );
  assert.equal(files[0]!.path, join(FIXTURES, 'valid.yml'));
  assert.deepEqual(problems, [
    { file: 'compose/missing.yml', message: 'compose file not found' },
    {
      file: 'compose/broken.yml',
      line: 4,
      col: 1,
      message:
        'All mapping items must start at the same column: indent every key of one mapping (and every "- " item of ' +
        'one list) by the same number of spaces',
    },
  ]);
});

test('a directory is not a compose file', async () => {
  const { files, problems } = await loadComposeFiles([FIXTURES], join(FIXTURES, '..'));
  assert.deepEqual(files, []);
  assert.deepEqual(problems, [{ file: 'compose', message: 'is a directory, not a compose file' }]);
});

test('merge keys are applied, !reset entries removed and !override tags accepted', () => {
  const text = `x-base: &base
  restart: always
  image: base
services:
  web:
    <<: *base
    image: web
    healthcheck: !reset {}
    ports: !override ["80:80"]
`;
  const { file, problems } = parseComposeFile(text, '/p/compose.yml', 'compose.yml');
  assert.deepEqual(problems, []);
  assert.deepEqual(file?.doc, {
    'x-base': { restart: 'always', image: 'base' },
    services: { web: { restart: 'always', image: 'web', ports: ['80:80'] } },
  });
  assert.deepEqual(file?.resets, [['services', 'web', 'healthcheck']]);
  assert.deepEqual(file?.overrides, [['services', 'web', 'ports']]);
});

test('an empty file is a problem; other YAML tags still warn', () => {
  assert.deepEqual(parseComposeFile('', '/p/c.yml', 'c.yml').problems, [
    { file: 'c.yml', message: 'the file is empty (compose needs at least a services mapping)' },
  ]);
  const odd = parseComposeFile('services:\n  web: !weird {}\n', '/p/c.yml', 'c.yml');
  assert.deepEqual(odd.problems, [{ file: 'c.yml', line: 2, col: 8, message: 'Unresolved tag: !weird' }]);
  assert.ok(odd.file);
});

test('an alias bomb ("billion laughs") is a configuration error at the alias that expands it, not a crash', () => {
  const text = `services:\n  web: { image: nginx }\n${billionLaughs()}`;
  assert.throws(
    () => parseComposeFile(text, '/p/c.yml', 'c.yml'),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.exitCode, 2);
      const message = 'alias *l8 expands the document too far (an alias bomb?); gangway refuses it';
      assert.deepEqual(e.problems, [{ file: 'c.yml', line: 12, col: 12, key: 'x-l9[0]', message }]);
      return true;
    },
  );
});

test('an alias inside its own anchor is a configuration error (compose refuses it too)', () => {
  assert.throws(
    () => parseComposeFile('services: &s\n  web: { image: nginx, x: *s }\n', '/p/c.yml', 'c.yml'),
    /c\.yml:2:27 services\.web\.x: alias \*s is inside its own anchor/,
  );
});
