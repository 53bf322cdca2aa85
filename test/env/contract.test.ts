import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkContract, templateKeys } from '../../src/env/contract.js';
import type { EnvEntry } from '../../src/env/parse.js';

const entry = (key: string, value: string, line: number): EnvEntry => ({ key, value, line, quote: 'none' });
const ENTRIES = [
  entry('KIS_APP_KEY', 'canary-contract-1', 1),
  entry('KIS_APP_SECRET', '', 2),
  entry('EXTRA', 'x', 3),
  entry('OBSERVER_STANDALONE', '1', 4),
];

test('template keys: KEY=, KEY=placeholder, bare KEY, export, comments and duplicates', () => {
  assert.deepEqual(templateKeys('\uFEFF# comment\nA=\nexport B=placeholder\nC\r\n  D : x\nA=\n\n'), [
    'A',
    'B',
    'C',
    'D',
  ]);
});

test('missing, empty-required, unknown and forbidden keys — names only', () => {
  const findings = checkContract(ENTRIES, {
    templateKeys: ['KIS_APP_KEY', 'KIS_APP_SECRET', 'DB_URL'],
    forbidden: { OBSERVER_STANDALONE: 'QTS_OBSERVER_STANDALONE' },
    strict: false,
  });
  assert.deepEqual(
    findings.map((f) => [f.code, f.key, f.severity, f.line]),
    [
      ['missing-key', 'DB_URL', 'error', undefined],
      ['empty-required', 'KIS_APP_SECRET', 'error', 2],
      ['forbidden-key', 'OBSERVER_STANDALONE', 'error', 4],
      ['unknown-key', 'EXTRA', 'warning', 3],
    ],
  );
  assert.match(findings[2]!.message, /use QTS_OBSERVER_STANDALONE/);
  for (const f of findings) assert.ok(!f.message.includes('canary'));
});

test('env.strict turns unknown keys into errors; `required` narrows the non-empty rule', () => {
  const strict = checkContract(ENTRIES, {
    templateKeys: ['KIS_APP_KEY', 'KIS_APP_SECRET', 'OBSERVER_STANDALONE'],
    required: ['KIS_APP_KEY'],
    forbidden: {},
    strict: true,
  });
  assert.deepEqual(
    strict.map((f) => [f.code, f.key, f.severity]),
    [['unknown-key', 'EXTRA', 'error']],
  );
});

test('without a template, required keys must still exist and be non-empty', () => {
  const findings = checkContract(ENTRIES, { required: ['KIS_APP_SECRET', 'NOPE'], forbidden: {}, strict: false });
  assert.deepEqual(
    findings.map((f) => [f.code, f.key]),
    [
      ['empty-required', 'KIS_APP_SECRET'],
      ['missing-key', 'NOPE'],
    ],
  );
});
