/**
 * gangway.yml's validation messages in a user's words: what the value must be, with the form wanted, never the
 * value written. Each case runs a real zod schema with issueMessage as its error map, as load.ts does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as z from 'zod';
import { issueMessage } from '../../src/config/issue-message.js';
import { DURATION_PATTERN } from '../../src/util/duration.js';

/** The messages of every issue of `value` under `schema`. */
function messages(schema: z.ZodType, value: unknown): string[] {
  const r = schema.safeParse(value, { error: issueMessage });
  assert.ok(!r.success, `${JSON.stringify(value)} should be refused`);
  return r.error.issues.map((i) => i.message);
}
const message = (schema: z.ZodType, value: unknown): string => {
  const all = messages(schema, value);
  assert.equal(all.length, 1, all.join(' | '));
  return all[0]!;
};

test('a missing value is required', () => {
  assert.equal(message(z.object({ app: z.string() }), {}), 'is required');
  assert.equal(message(z.number(), undefined), 'is required');
});

test('text written as a number or boolean: quote it', () => {
  assert.equal(message(z.string(), 5), 'must be text: write it in quotes');
  assert.equal(message(z.string(), true), 'must be text: write it in quotes');
  assert.equal(message(z.string(), null), 'must be text, not empty');
  assert.equal(message(z.string(), ['a']), 'must be text, not a list');
  assert.equal(message(z.string(), { a: 1 }), 'must be text, not a mapping');
});

test('a number written in quotes: write it without; text that is no number: must be a number', () => {
  assert.equal(message(z.number(), '42'), 'must be a number: write it without quotes');
  assert.equal(message(z.int(), '7'), 'must be a number: write it without quotes');
  assert.equal(message(z.number(), 'abc'), 'must be a number');
  assert.equal(message(z.number(), '  '), 'must be a number');
  assert.equal(message(z.int(), 'x'), 'must be a number');
});

test('a fraction where a whole number is wanted says so, not "not a number"', () => {
  // retries: 2.5
  assert.equal(message(z.int().min(1), 2.5), 'must be a whole number, not a fraction');
});

test('YAML\'s .nan and .inf are refused as what they are, not as "not a number"', () => {
  for (const [schema, value] of [
    [z.number(), NaN],
    [z.number(), Infinity],
    [z.int(), -Infinity],
    [z.int(), NaN],
  ] as const) {
    const m = message(schema, value);
    assert.match(m, /^must be a (whole )?number \(not \.nan or \.inf\)$/, `${value}: ${m}`);
  }
});

test('a whole number past the safe range is too big, in words', () => {
  assert.equal(message(z.int(), 1e30), `must be at most ${Number.MAX_SAFE_INTEGER}`);
  assert.equal(message(z.int(), -1e30), `must be at least ${Number.MIN_SAFE_INTEGER}`);
});

test('booleans, lists and mappings', () => {
  assert.equal(message(z.boolean(), 'true'), 'must be true or false, without quotes');
  assert.equal(message(z.boolean(), 'false'), 'must be true or false, without quotes');
  assert.equal(message(z.boolean(), 'yes'), 'must be true or false, not text');
  assert.equal(message(z.boolean(), 1), 'must be true or false, not a number');
  const list = 'must be a list: [a, b], or one "- item" line per item below the key';
  assert.equal(message(z.array(z.string()), 'a'), list);
  assert.equal(message(z.array(z.string()), 3), list);
  assert.equal(message(z.array(z.string()), { a: 1 }), 'must be a list, not a mapping');
  const mapping = 'must be a mapping: its keys on indented lines below it, or { key: value }';
  assert.equal(message(z.object({ a: z.string() }), 'x'), mapping);
  assert.equal(message(z.record(z.string(), z.string()), 'x'), 'must be a mapping, not text');
});

test('a duration written as a bare number is told to add a unit', () => {
  const duration = z.string().regex(DURATION_PATTERN, 'must be a duration such as 500ms, 3s, 2m or 1h');
  assert.equal(
    message(duration, 120),
    'write a duration such as 120s, 500ms, 2m or 1h (a number needs a unit: ms, s, m or h)',
  );
  // The schema's own message for the pattern is kept.
  assert.equal(message(duration, '2 minutes'), 'must be a duration such as 500ms, 3s, 2m or 1h');
  // A plain string field given a number is not told about durations.
  assert.equal(message(z.string().regex(/^[a-z]+$/), 120), 'must be text: write it in quotes');
});

test('sizes: empty, too few and too many items, numbers out of range, text too long', () => {
  assert.equal(message(z.string().min(1), ''), 'must not be empty');
  assert.equal(message(z.array(z.string()).min(1), []), 'needs at least 1 item');
  assert.equal(message(z.array(z.string()).min(2), []), 'needs at least 2 items');
  assert.equal(message(z.array(z.string()).max(1), ['a', 'b']), 'may have at most 1 item');
  assert.equal(message(z.array(z.string()).max(3), ['a', 'b', 'c', 'd']), 'may have at most 3 items');
  assert.equal(message(z.int().min(1), 0), 'must be at least 1');
  assert.equal(message(z.int().min(1).max(65535), 70000), 'must be at most 65535');
  assert.equal(message(z.number().max(10), 11), 'must be at most 10');
  assert.equal(message(z.string().max(5), 'abcdefgh'), 'must be at most 5 characters');
});

test('one of a set: the choices, and the nearest one when the value is a near miss', () => {
  const strategy = z.enum(['recreate', 'blue-green', 'swarm']);
  assert.equal(
    message(strategy, 'bluegreen'),
    'must be one of: recreate, blue-green, swarm (did you mean "blue-green"?)',
  );
  assert.equal(message(strategy, 'zzzzzzzzz'), 'must be one of: recreate, blue-green, swarm');
  assert.equal(message(strategy, 5), 'must be one of: recreate, blue-green, swarm');
  assert.equal(message(z.literal(3), 4), 'must be one of: 3');
});

test('a union names the shapes it takes when each failed on its type alone', () => {
  assert.equal(message(z.union([z.string(), z.array(z.string())]), 5), 'must be text or a list');
  assert.equal(message(z.union([z.string(), z.number()]), null), 'must be text or a number');
  assert.equal(message(z.union([z.boolean(), z.array(z.string())]), 5), 'must be true or false or a list');
  assert.equal(message(z.union([z.int(), z.number()]), 'x'), 'must be a number', 'each shape named once');
  // A branch that failed deeper (inside the mapping) is not a type mismatch: zod's own message stays.
  assert.notEqual(message(z.union([z.object({ a: z.string() }), z.string()]), { a: 1 }), 'must be a mapping or text');
});

test('URLs and email addresses get an example; other formats keep the schema message', () => {
  assert.equal(message(z.url(), 'not a url'), 'must be a URL such as http://localhost:8080/health');
  assert.equal(message(z.email(), 'x@'), 'must be an email address such as ops@example.com');
  assert.equal(message(z.uuid(), 'x'), 'Invalid UUID');
});

test('no message repeats the value written (it may be a secret pasted into the wrong key)', () => {
  const secret = 'hunter2-S3cr3t-value';
  const schemas: z.ZodType[] = [
    z.number(),
    z.int(),
    z.boolean(),
    z.array(z.string()),
    z.object({ a: z.string() }),
    z.enum(['recreate', 'blue-green']),
    z.union([z.number(), z.boolean()]),
    z.url(),
    z.email(),
    z.string().max(5),
  ];
  for (const schema of schemas)
    for (const m of messages(schema, secret)) assert.ok(!m.includes('hunter2'), `${schema.def.type}: ${m}`);
});
