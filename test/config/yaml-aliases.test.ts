/** Finding the alias to blame: one to no anchor, one inside its own anchor, the top of an alias bomb. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDocument } from 'yaml';
import { aliasUses, brokenAlias, largestAlias } from '../../src/config/yaml-aliases.js';
import { billionLaughs } from '../helpers/yaml-bomb.js';

const uses = (text: string) => aliasUses(parseDocument(text));

test('each alias with its key path and the anchored node it repeats', () => {
  const doc = parseDocument('base: &b { image: x }\nservices:\n  - web: *b\n  - [1, *b]\n');
  const found = aliasUses(doc);
  assert.deepEqual(
    found.map((u) => [u.alias.source, u.path, u.recursive]),
    [
      ['b', ['services', 0, 'web'], false],
      ['b', ['services', 1, 1], false],
    ],
  );
  const anchored = doc.get('base', true);
  for (const u of found) assert.equal(u.target, anchored);
  assert.deepEqual(uses('a: 1\nb: [2]\n'), []);
});

test('an anchor defined twice: an alias repeats the last one before it, as YAML resolves it', () => {
  const doc = parseDocument('one: &x 1\ntwo: &x 2\nthree: *x\n');
  const [use] = aliasUses(doc);
  assert.equal(use!.target, doc.get('two', true));
  assert.deepEqual(doc.toJS(), { one: 1, two: 2, three: 2 });
});

test('brokenAlias: an alias before its anchor, or to none, refers to no anchor', () => {
  for (const text of ['a: *later\nb: &later 1\n', 'a: [1, *nowhere]\n']) {
    const broken = brokenAlias(uses(text));
    assert.ok(broken, text);
    assert.match(broken.message, /^alias \*(later|nowhere) refers to no anchor \(&\1 must come before it\)$/);
  }
});

test('brokenAlias: an alias inside the node it repeats never ends', () => {
  const broken = brokenAlias(uses('x: &a { self: [*a] }\n'));
  assert.equal(broken?.message, 'alias *a is inside its own anchor &a (the document never ends)');
  assert.deepEqual(broken.use.path, ['x', 'self', 0]);
  assert.equal(broken.use.recursive, true);
});

test('brokenAlias: the first broken one in document order; none when every alias can be expanded', () => {
  const broken = brokenAlias(uses('ok: &o 1\nuse: *o\nfirst: *nope\nsecond: &r [*r]\n'));
  assert.deepEqual(broken?.use.path, ['first']);
  assert.equal(brokenAlias(uses('a: &a 1\nb: *a\n')), undefined);
});

test('largestAlias: the alias whose expansion is largest, counting aliases inside what it repeats', () => {
  const text = 'small: &s [1]\nbig: &b [*s, *s, *s, [1, 2, 3]]\nuse_small: *s\nuse_big: *b\n';
  assert.deepEqual(largestAlias(uses(text))?.path, ['use_big']);
  assert.equal(largestAlias([]), undefined);
});

test('largestAlias: the top of a billion-laughs bomb is its last level, found without expanding it', () => {
  const top = largestAlias(uses(billionLaughs()));
  assert.equal(top?.alias.source, 'l8');
  assert.deepEqual(top?.path, ['x-l9', 0]);
});

test('largestAlias ends on a recursive document (each node counted once)', () => {
  const top = largestAlias(uses('x: &a [1, 2, *a]\ny: *a\n'));
  assert.ok(top);
  assert.equal(top.alias.source, 'a');
});
