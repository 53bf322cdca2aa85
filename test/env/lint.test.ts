import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintEnv } from '../../src/env/lint.js';
import type { EnvProblem } from '../../src/env/parse.js';
import { CANARIES, canaryEnvFile, findLeaks } from '../helpers/canary.js';

/** `line severity code key` of each finding. */
const summary = (problems: EnvProblem[]) => problems.map((p) => `${p.line} ${p.severity} ${p.code} ${p.key ?? '-'}`);
const codes = (text: string) => summary(lintEnv(text));

test('a clean file has no findings', () => {
  assert.deepEqual(
    codes("# comment\nA=1\nexport B='x y'\nC=\"a\\nb\"\nD=\nE: e\nF='$literal'\nG=$$H\nI=price$1\n"),
    [],
  );
});

test('duplicate keys: an error naming both lines', () => {
  const problems = lintEnv('A=1\nB=2\nA=3\nA=4\n');
  assert.deepEqual(summary(problems), ['3 error duplicate-key A', '4 error duplicate-key A']);
  assert.match(problems[0]!.message, /line 1 .*line 3/);
  assert.match(problems[1]!.message, /line 3 .*line 4/);
  assert.deepEqual(codes('A=1\nexport A: 2\n'), ['2 error duplicate-key A']);
});

test('invalid keys: bad character, space, empty key, export with nothing after it', () => {
  assert.deepEqual(codes('A/B=1\nC=2\n'), ['1 error invalid-key -']);
  assert.deepEqual(codes('A B=1\n'), ['1 error invalid-key -']);
  assert.deepEqual(codes('=1\n'), ['1 error empty-key -']);
  assert.deepEqual(codes('A=1\nLAST'), ['2 error empty-key -']);
  assert.deepEqual(codes('A=1\nexport '), ['2 error invalid-key -']);
  assert.match(lintEnv('A/B=1\n')[0]!.message, /column 2/);
});

test('unterminated quotes', () => {
  assert.deepEqual(codes('A=1\nB="abc\nC=1\n'), ['2 error unterminated-quote B']);
  assert.deepEqual(codes("A='abc\n"), ['1 error unterminated-quote A']);
});

test('BOM and CRLF: accepted, reported as info; CRs inside a quoted multi-line value are a warning', () => {
  assert.deepEqual(codes('\uFEFFA=1\n'), ['1 info bom -']);
  assert.deepEqual(codes('A=1\nB=2\r\nC=3\r\n'), ['2 info crlf -']);
  assert.deepEqual(codes('A="x\r\ny"\r\n'), ['1 info crlf -', '1 warning crlf-in-value A']);
});

test('trailing whitespace after an unquoted value (not a CRLF, not before a comment, not inside quotes)', () => {
  assert.deepEqual(codes('A=b   \nB=c\t\n'), ['1 warning trailing-whitespace A', '2 warning trailing-whitespace B']);
  assert.deepEqual(codes('A=b\r\n'), ['1 info crlf -']);
  assert.deepEqual(codes('A=b \r\n'), ['1 info crlf -', '1 warning trailing-whitespace A']);
  assert.deepEqual(codes('A=\'b  \'\nB="c "\nC=   \n'), []);
});

test('inline comments and # inside values', () => {
  assert.deepEqual(codes('A=b # note\n'), ['1 warning inline-comment A']);
  assert.deepEqual(codes('A=a#b\nB=a\t#b\nC=#x\n'), [
    '1 info hash-in-value A',
    '2 info hash-in-value B',
    '3 info hash-in-value C',
  ]);
  // leading space is trimmed before the cut: the value is "# note", not empty
  assert.deepEqual(codes('A=  # note\n'), ['1 warning hash-in-value A']);
  assert.deepEqual(codes('A=x#y # z\n'), ['1 info hash-in-value A', '1 warning inline-comment A']);
  assert.deepEqual(codes('A="x # y"\nB=\'#\'\nC="v" # comment\n'), []);
});

test(
  'interpolation: a warning for each value Compose v2 substitutes in, none for $$, \\$ in double ' +
    'quotes, or $ + non-name',
  () => {
    assert.deepEqual(codes('A=$H\nB="${U:-d}"\nC=x${D}y\n'), [
      '1 warning interpolation A',
      '2 warning interpolation B',
      '3 warning interpolation C',
    ]);
    assert.deepEqual(codes('A=$$H\nB="\\$H"\nC=$1\nD=a$\nE=$-x\nF=\'$H\'\nG="$$"\n'), []);
    const [p] = lintEnv('X=1\nA=$X/$Y/${Z:-d}\n');
    assert.equal(p!.code, 'interpolation');
    assert.match(p!.message, /\$X, \$Y, \$Z/);
    assert.match(p!.message, /single quotes or \$\$/);
    assert.match(p!.message, /blank: Y\)$/); // X is set above, Z has a default
    assert.doesNotMatch(lintEnv('A=$H\n', { lookup: (n) => (n === 'H' ? 'h' : undefined) })[0]!.message, /blank/);
  },
);

test('values interpolation would fail on are errors', () => {
  assert.deepEqual(codes('A=${U\n'), ['1 error invalid-interpolation A']);
  assert.deepEqual(codes('A="${1}"\n'), ['1 error invalid-interpolation A']);
  assert.deepEqual(codes('X=${A:-a #b}\n'), ['1 error invalid-interpolation X', '1 warning inline-comment X']);
  assert.deepEqual(codes('A=${U:?set it}\n'), ['1 error required-variable A']);
  assert.deepEqual(
    lintEnv('A=${U:?set it}\n', { lookup: (n) => (n === 'U' ? 'u' : undefined) }).map((p) => p.code),
    ['interpolation'],
  );
});

test('bare keys are an info: their value comes from the environment Compose runs in', () => {
  assert.deepEqual(codes('A\nB=1\n'), ['1 info bare-key -']); // not named: it may be a value pasted on its own line
});

test('a statement with a rejected key gets no other findings (its text may not be a key at all)', () => {
  assert.deepEqual(codes('BAD KEY=x # c\n'), ['1 error invalid-key -']);
  assert.deepEqual(codes('=$X # c\n'), ['1 error empty-key -']);
});

test('a key taken from the environment counts as set for later references', () => {
  const [p] = lintEnv('H\nA=$H\n', { lookup: () => undefined });
  assert.equal(p!.code, 'bare-key');
  assert.match(
    lintEnv('H\nA=$H\n', { lookup: (n) => (n === 'H' ? 'h' : undefined) })[1]!.message,
    /\$H in this unquoted value; use single quotes or \$\$ for a literal \$$/,
  );
});

test('findings come sorted by line, and lint goes on after an error', () => {
  const problems = lintEnv('A=1\nB C=2\nD=x # c\nA=2\n');
  assert.deepEqual(summary(problems), [
    '2 error invalid-key -',
    '3 warning inline-comment D',
    '4 error duplicate-key A',
  ]);
});

test('secrets: no finding carries a value', () => {
  const text = [
    canaryEnvFile(),
    `DB_PASSWORD=${CANARIES.DB_PASSWORD} # again`,
    `T1=${CANARIES.REGISTRY}   `,
    `T2=\${U:?${CANARIES.REGISTRY}}`,
    `T3="${CANARIES.REGISTRY}$X"`,
    CANARIES.REGISTRY,
    `BAD KEY=${CANARIES.REGISTRY}`,
    `${CANARIES.API_TOKEN}=x`,
    `T4=\${${CANARIES.REGISTRY}`,
    `T5="${CANARIES.DB_PASSWORD}`,
  ].join('\n');
  const problems = lintEnv(text);
  assert.ok(problems.length >= 8, `${problems.length} findings`);
  const places = Object.fromEntries(
    problems.map((p, i) => [`finding ${i} (${p.code})`, `${p.key ?? ''}\n${p.message}`]),
  );
  assert.deepEqual(findLeaks(places), []);
});
