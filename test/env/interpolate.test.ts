import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findVariables, interpolate, interpolateTemplate, scanTemplate } from '../../src/env/interpolate.js';

const lookup = (n: string) => ({ H: 'host', EMPTY: '' })[n];

test('interpolateTemplate: interpolate plus the unset variables the value really uses', () => {
  const t = '$U1 ${H:-${U2}} ${EMPTY:-${U3}} ${H:+${U4}} ${U5:+${U6}} ${U7-x}${U8}';
  const r = interpolateTemplate(t, lookup);
  assert.deepEqual(r, {
    value: ' host    x',
    unset: ['U1', 'U2', 'U3', 'U4', 'U6', 'U8'],
    unsetUsed: ['U1', 'U3', 'U4', 'U8'],
  });
  // interpolate is the same minus unsetUsed
  assert.deepEqual(interpolate(t, lookup), { value: r.value, unset: r.unset });
  assert.deepEqual(interpolateTemplate('${H:-${U:?x}}', lookup).error?.kind, 'required-missing');
});

test('scanTemplate: findVariables plus where each reference ends and what it is nested in', () => {
  const text = 'a ${A:-${B:-x} ${C}} $D ${E?${F}}';
  const { references, issues } = scanTemplate(text);
  assert.deepEqual(issues, []);
  assert.deepEqual(
    references.map((r) => [
      r.name,
      text.slice(r.offset, r.end),
      r.inside.map((i) => `${i.name}${i.operator}`).join(' '),
    ]),
    [
      ['A', '${A:-${B:-x} ${C}}', ''],
      ['B', '${B:-x}', 'A:-'],
      ['C', '${C}', 'A:-'],
      ['D', '$D', ''],
      ['E', '${E?${F}}', ''],
      ['F', '${F}', 'E?'],
    ],
  );
  assert.deepEqual(
    references.map(({ end: _end, inside: _inside, ...r }) => r),
    findVariables(text),
  );
  // a sibling after a closed reference is not inside it
  assert.deepEqual(
    scanTemplate('${A:-x} ${B}').references.map((r) => [r.name, r.inside.length]),
    [
      ['A', 0],
      ['B', 0],
    ],
  );
});

test('scanTemplate: every rejected ${ with an offset and a reason, never the text around it', () => {
  const issues = (t: string) => scanTemplate(t).issues.map((i) => `${i.offset} ${i.message}`);
  const noName = 'invalid variable reference: "${" must be followed by a variable name (write "$$" for a literal "$")';
  assert.deepEqual(issues('${1} ${A.B} ${'), [
    `0 ${noName}`,
    '5 invalid variable reference to A: expected "}" or one of :- :+ :? - + ? after the name',
    `12 ${noName}`,
  ]);
  assert.deepEqual(issues('x ${A:-d'), ['2 unterminated variable reference to A: missing "}"']);
  assert.deepEqual(issues('${A:-x\ny}'), [
    '0 unterminated variable reference to A: missing "}" on its line (a reference cannot span lines)',
  ]);
  // the inner reference took the only "}": the outer one is reported as unclosed, once
  assert.deepEqual(issues('${A:-${B:-${C}'), ['0 unterminated variable reference to A: missing "}"']);
  assert.deepEqual(issues('${A:-x} ${B:-${C}'), ['8 unterminated variable reference to B: missing "}"']);
  assert.deepEqual(issues('$${A $5 $ ${A}'), []);
  // exactly the values interpolate rejects
  for (const t of [
    '${U',
    '${1}',
    '${A.B}',
    '${}',
    '${U:-${B}',
    '${U:-{}}|${U-a?b}',
    '${U:-{x}|${H}',
    'ab${',
    '${A:-x\ny}',
  ]) {
    assert.equal(interpolate(t, lookup).error?.kind, 'invalid-template', t);
    assert.ok(scanTemplate(t).issues.length > 0, t);
  }
  for (const t of ['${H:-{x}}|${U:-{}}', '${U:-{x}}|${H}', '${U:-http://x:80/p?q=1}|${U-a?b}', '$1$-$ $$ $$H']) {
    assert.equal(interpolate(t, lookup).error, undefined, t);
    assert.deepEqual(scanTemplate(t).issues, [], t);
  }
  const secret = scanTemplate('${A:-s3cr3t-value ${B.s3cr3t}').issues;
  assert.ok(secret.length > 0 && secret.every((i) => !i.message.includes('s3cr3t')));
});
