import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { quote, quoteArgv } from '../../src/shell/quote.js';
import { HOSTILE } from '../helpers/hostile.js';

test('safe words stay bare, everything else is single-quoted', () => {
  assert.equal(quote('docker'), 'docker');
  assert.equal(quote('/srv/app/.env'), '/srv/app/.env');
  assert.equal(quote('user@host:2222'), 'user@host:2222');
  assert.equal(quote("it's"), `'it'\\''s'`);
  assert.equal(quote(''), "''");
  assert.equal(quote('-rf'), '-rf', 'a leading dash is no shell syntax');
  assert.equal(quote('a b'), "'a b'");
});

test('NUL bytes are refused (no shell can carry them)', () => {
  assert.throws(() => quote('a\0b'), /NUL/);
});

test('every hostile string survives a round trip through the local sh unchanged', () => {
  const script = `printf '%s\\0' ${quoteArgv(HOSTILE)}`;
  const result = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(result.stdout.split('\0').slice(0, -1), HOSTILE);
});

test('an empty argv is a programming error', () => {
  assert.throws(() => quoteArgv([]), /empty argv/);
});
