import assert from 'node:assert/strict';
import { test } from 'node:test';
import { composeVariables, invalidInterpolations, unresolvedVariables } from '../../src/compose/variables.js';
import { interpolateTemplate } from '../../src/env/interpolate.js';
import { colOf, composeText } from './helpers.js';

const TEXT = `services:
  app:
    image: "registry/app:\${TAG:?set TAG}"
    command: echo $$HOME \${A:-\${B}} $C \${D?need D} \${E-x} \${F:+y} \${G+z} $$\{H} $5 $
    environment:
      \${KEY_VAR}: value
      PLAIN: no refs here
    labels:
      - >-
        folded \${LONG:-x}
        text $I
`;

test('every reference is found with its position, key path and kind, incl. nested and $$ escapes', () => {
  const refs = composeVariables([composeText(TEXT)]);
  const row = (r: (typeof refs)[number]) => [
    r.name,
    `${r.line}:${r.col}`,
    r.key,
    r.operator ?? '',
    r.required,
    r.hasDefault,
    (r.inside ?? []).map((x) => `${x.name}${x.operator}`).join(' '),
  ];
  assert.deepEqual(refs.map(row), [
    ['TAG', `3:${colOf(TEXT, 3, '${TAG')}`, 'services.app.image', ':?', true, false, ''],
    ['A', `4:${colOf(TEXT, 4, '${A')}`, 'services.app.command', ':-', false, true, ''],
    ['B', `4:${colOf(TEXT, 4, '${B')}`, 'services.app.command', '', false, false, 'A:-'],
    ['C', `4:${colOf(TEXT, 4, '$C')}`, 'services.app.command', '', false, false, ''],
    ['D', `4:${colOf(TEXT, 4, '${D')}`, 'services.app.command', '?', true, false, ''],
    ['E', `4:${colOf(TEXT, 4, '${E')}`, 'services.app.command', '-', false, true, ''],
    ['F', `4:${colOf(TEXT, 4, '${F')}`, 'services.app.command', ':+', false, true, ''],
    ['G', `4:${colOf(TEXT, 4, '${G')}`, 'services.app.command', '+', false, true, ''],
    ['KEY_VAR', `6:${colOf(TEXT, 6, '${KEY_VAR')}`, 'services.app.environment.${KEY_VAR}', '', false, false, ''],
    ['LONG', `10:${colOf(TEXT, 10, '${LONG')}`, 'services.app.labels[0]', ':-', false, true, ''],
    ['I', `11:${colOf(TEXT, 11, '$I')}`, 'services.app.labels[0]', '', false, false, ''],
  ]);
  assert.equal(refs.find((r) => r.name === 'KEY_VAR')?.inKey, true);
  assert.ok(!refs.some((r) => r.name === 'HOME' || r.name === 'H'), '$$ is an escape, not a reference');
});

test('substitution follows compose: defaults, alternatives, escapes; unset variables are listed', () => {
  const lookup = (n: string) => ({ A: 'a', EMPTY: '' })[n];
  const run = (t: string) => interpolateTemplate(t, lookup);
  assert.deepEqual(run('$$A ${A} $A ${X:-d} ${EMPTY:-d} ${EMPTY-d} ${A:+alt} ${X+alt} ${X:-${A}}'), {
    value: '$A a a d d  alt  a',
    unset: [],
    unsetUsed: [],
  });
  assert.deepEqual(run('${X}-${EMPTY?m}-${A:-${Y}}'), { value: '--a', unset: ['X', 'Y'], unsetUsed: ['X'] });
  assert.deepEqual(run('cost: $5 and $'), { value: 'cost: $5 and $', unset: [], unsetUsed: [] });
  // a required variable that is unset (or empty, for :?) fails the whole value, as in compose;
  // the message names it only
  for (const t of ['${EMPTY:?m}', '${Y?m}', '${A:-${Y:?m}}']) {
    const r = run(t);
    assert.equal(r.error?.kind, 'required-missing', t);
    assert.doesNotMatch(r.error.message, /\bm\b/);
  }
});

test('malformed ${ is a located problem', () => {
  const text = `services:
  app:
    image: x
    command: ["ok \${A}", "bad \${1}", "open \${B:-x"]
`;
  const problems = invalidInterpolations([composeText(text)]);
  assert.deepEqual(
    problems.map((p) => `${p.line}:${p.col} ${p.key}: ${p.message}`),
    [
      `4:${colOf(text, 4, '${1')} services.app.command[1]: invalid variable reference: ` +
        '"${" must be followed by a variable name (write "$$" for a literal "$")',
      `4:${colOf(text, 4, '${B')} services.app.command[2]: unterminated variable reference to B: missing "}"`,
    ],
  );
});

test('required variables that are missing are errors, plain unset ones warnings, defaults fine', () => {
  const refs = composeVariables([composeText(TEXT)]);
  const set = new Set(['A', 'E', 'KEY_VAR', 'TAG']);
  const nonEmpty = new Set(['A']);
  const problems = unresolvedVariables(
    refs,
    (n) => set.has(n),
    (n) => nonEmpty.has(n),
  );
  assert.deepEqual(
    problems.map((p) => `${p.severity} ${p.variable} ${p.file}:${p.line}:${p.col} ${p.key}: ${p.message}`),
    [
      `error TAG compose.yml:3:${colOf(TEXT, 3, '${TAG')} services.app.image: ` +
        'required variable TAG is empty (${TAG:?…})',
      `warning C compose.yml:4:${colOf(TEXT, 4, '$C')} services.app.command: ` +
        'variable C is not set; compose substitutes an empty string',
      `error D compose.yml:4:${colOf(TEXT, 4, '${D')} services.app.command: ` +
        'required variable D is not set (${D?…})',
      `warning I compose.yml:11:${colOf(TEXT, 11, '$I')} services.app.labels[0]: ` +
        'variable I is not set; compose substitutes an empty string',
    ],
  );
  // B sits in A's default, and A is set: B does not matter. Once A is empty, it does.
  const withoutA = unresolvedVariables(
    refs,
    (n) => n === 'A',
    () => false,
  );
  assert.ok(withoutA.some((p) => p.variable === 'B' && p.severity === 'warning'));
  assert.ok(!problems.some((p) => p.variable === 'B'));
});

test('a ${ compose cannot read: spanning lines, or an outer reference whose "}" was taken by an inner one', () => {
  const text = `services:
  app:
    image: x
    command: |
      echo \${A:-x
      y}
    entrypoint: "run \${B:-\${C}"
`;
  const problems = invalidInterpolations([composeText(text)]);
  assert.deepEqual(
    problems.map((p) => `${p.line}:${p.col} ${p.key}: ${p.message}`),
    [
      `5:${colOf(text, 5, '${A')} services.app.command: unterminated variable reference to A: ` +
        'missing "}" on its line (a reference cannot span lines)',
      `7:${colOf(text, 7, '${B')} services.app.entrypoint: unterminated variable reference to B: missing "}"`,
    ],
  );
});

test('a required variable fails compose even in a default that is not used (compose substitutes it anyway)', () => {
  const text = `services:
  app:
    image: "x:\${TAG:-\${FALLBACK:?set one of them}}"
`;
  const refs = composeVariables([composeText(text)]);
  const problems = unresolvedVariables(
    refs,
    (n) => n === 'TAG',
    (n) => n === 'TAG',
  );
  assert.deepEqual(
    problems.map((p) => `${p.severity} ${p.line}:${p.col} ${p.message}`),
    [`error 3:${colOf(text, 3, '${FALLBACK')} required variable FALLBACK is not set (\${FALLBACK:?…})`],
  );
  assert.ok(problems.every((p) => !p.message.includes('set one of them')));
});
