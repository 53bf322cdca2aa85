/** writtenValues: the values as written in the env file, registered as secrets next to the parsed ones. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writtenValues } from '../../src/env/env-file.js';

test('each KEY=value right-hand side, trimmed, and without its quotes', () => {
  const text = [
    'A=plain value  ',
    "export B = 'single'",
    'C: "double"',
    '  D=\t"unterminated',
    'E=',
    '# F=comment',
    'no assignment here',
    'G="',
    'H=a=b',
  ].join('\n');
  assert.deepEqual(writtenValues(text), [
    'plain value',
    "'single'",
    'single',
    '"double"',
    'double',
    '"unterminated',
    '"',
    'a=b',
  ]);
});

test('linear in the line length: 200k-character lines of spaces take milliseconds, not minutes', () => {
  const n = 200_000;
  const lines = [
    `KEY=x${' '.repeat(n)}x`, // the shape that was quadratic: spaces inside the value (40k took 2 s, this ~50 s)
    `KEY=${' '.repeat(n)}x${' '.repeat(n)}`,
    `${' '.repeat(n)}KEY${' '.repeat(n)}=`,
    `export${' '.repeat(n)}`,
    ' '.repeat(n),
    `${'k'.repeat(n)} `,
  ];
  const started = performance.now();
  const values = writtenValues(lines.join('\n'));
  const ms = performance.now() - started;
  assert.deepEqual(values, [`x${' '.repeat(n)}x`, 'x']);
  // A generous bound (about 700 times the time it takes, room for a loaded machine): the quadratic version needs
  // tens of seconds.
  assert.ok(ms < 15_000, `${Math.round(ms)} ms`);
});
