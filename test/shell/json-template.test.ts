/**
 * renderTemplate: TypeScript shapes a JSON document with slots, json_fill (json.sh, under the local sh) puts the
 * values in. What comes out must be the JSON the shape describes, whatever the values hold.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { rawSlot, renderTemplate, strSlot, type Slots } from '../../src/shell/json-template.js';
import { serverScript } from '../../src/server/scripts.js';

/** `json_fill TEMPLATE NAME VALUE…` as apply.sh and backup.sh run it. */
const fill = (template: string, values: Record<string, string>): unknown =>
  JSON.parse(
    execFileSync(
      'sh',
      ['-c', `${serverScript('json.sh')}\njson_fill "$@"`, 'sh', template, ...Object.entries(values).flat()],
      {
        encoding: 'utf8',
      },
    ),
  );

test('string, raw, number and field slots are filled where the shape put them, in its order', () => {
  const template = renderTemplate((s) => ({
    status: s.str('status'),
    note: `took ${s.str('took')} on ${s.str('host')}`,
    reason: s.raw('reason'),
    duration_s: s.num('duration_s'),
    nested: { list: [s.num('n'), 'fixed'] },
    ...s.fields('extra'),
  }));
  const filled = fill(template, {
    status: 'failed',
    took: '7.5 s',
    host: 'web-1',
    reason: String.raw`exit 1: \"boom\"`,
    duration_s: '7.5',
    n: '3',
    extra: ',"serving":"blue","kept":2',
  });
  assert.deepEqual(filled, {
    status: 'failed',
    note: 'took 7.5 s on web-1',
    reason: 'exit 1: "boom"',
    duration_s: 7.5,
    nested: { list: [3, 'fixed'] },
    serving: 'blue',
    kept: 2,
  });
  assert.deepEqual(Object.keys(filled as object), [
    'status',
    'note',
    'reason',
    'duration_s',
    'nested',
    'serving',
    'kept',
  ]);
});

test('a filled string value with quotes, backslashes and a newline stays inside its string', () => {
  const template = renderTemplate((s) => ({ reason: s.str('reason'), after: 'kept' }));
  const hostile = 'say "hi" \\ "},"status":"succeeded\nnext';
  assert.deepEqual(fill(template, { reason: hostile }), {
    reason: 'say "hi" \\ "},"status":"succeeded next',
    after: 'kept',
  });
});

test('an empty field run leaves a valid object', () => {
  const template = renderTemplate((s) => ({ a: 1, ...s.fields('extra') }));
  assert.deepEqual(fill(template, { extra: '' }), { a: 1 });
});

test('fixed values that look like slots, hold control characters or long digit runs come out as written', () => {
  const fixed = {
    us: `${strSlot('status')}`,
    rs: `${rawSlot('extra')}`,
    digest: 'sha256:8000000000000000000123456789012345678901234567890',
    big: 8000000000001234,
    quote: 'a "b" \\ c',
  };
  const template = renderTemplate((s) => ({ ...fixed, status: s.str('status'), ...s.fields('extra') }));
  assert.deepEqual(fill(template, { status: 'ok', extra: ',"x":1' }), { ...fixed, status: 'ok', x: 1 });
});

test('a slot is the slot text of its kind, so json_fill can find it', () => {
  const template = renderTemplate((s) => ({ a: s.str('a'), b: s.raw('b'), c: s.num('c'), ...s.fields('d') }));
  assert.equal(template, `{"a":"${strSlot('a')}","b":"${rawSlot('b')}","c":${rawSlot('c')}${rawSlot('d')}}`);
});

test('a slot name other than lowercase letters and _ is refused', () => {
  for (const name of ['Status', 'a-b', 'x1', '', 'a b', 'a"b'])
    assert.throws(() => renderTemplate((s) => ({ v: s.str(name) })), TypeError, JSON.stringify(name));
  assert.throws(() => renderTemplate((s) => ({ v: s.num('N') })), TypeError);
  assert.throws(() => renderTemplate((s) => ({ ...s.fields('a-b') })), TypeError);
});

test('a number computed on or dropped, or fields not spread in, is an error, not a template missing them', () => {
  assert.throws(() => renderTemplate((s) => ({ v: s.num('n') + 1 })), /slot was not placed/);
  assert.throws(() => renderTemplate((s) => ({ v: String(s.num('n')).length })), /slot was not placed/);
  assert.throws(() => renderTemplate((s) => ({ v: 1, f: s.fields('extra') })), /slot was not placed/);
  const dropped = (s: Slots) => {
    s.num('n');
    return { v: 1 };
  };
  assert.throws(() => renderTemplate(dropped), /slot was not placed/);
});

test('a shape that is not JSON is refused', () => {
  assert.throws(() => renderTemplate(() => undefined), /nothing to render/);
});
