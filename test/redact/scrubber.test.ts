import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { test } from 'node:test';
import { goQuoted } from '../../src/redact/forms.js';
import { MASK, own, Scrubber, scrubDeep } from '../../src/redact/scrubber.js';
import { Secret } from '../../src/redact/secret.js';

/** With `"`, `\`, a tab and surrounding spaces: what JSON, Go's %q and trimming change. */
const CANARY = '  canary-s3cr3t/value+with=odd&chars ü "q"\t\\x!(~)  ';
const TRIMMED = CANARY.trim();
/** Percent-encoding of all but A-Z a-z 0-9 - . _ ~ (MDN's fixedEncodeURIComponent). */
const rfc3986 = (v: string) =>
  encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

test('a Secret never prints its value', () => {
  const s = new Secret(CANARY, 'DB_PASSWORD');
  for (const shown of [String(s), `${s}`, inspect(s), JSON.stringify({ s }), inspect({ nested: [s] })]) {
    assert.ok(!shown.includes('canary'), shown);
    assert.match(shown, /\[secret DB_PASSWORD\]/);
  }
  assert.equal(s.reveal(), CANARY);
});

test('the value, untrimmed and trimmed, and its URL-, form-, JSON-, Go- and base64-encoded forms are masked', () => {
  const scrubber = new Scrubber();
  scrubber.add(new Secret(CANARY, 'X'));
  for (const value of [CANARY, TRIMMED]) {
    const forms = [
      value,
      encodeURIComponent(value),
      encodeURIComponent(value).replace(/%20/g, '+'),
      new URLSearchParams({ v: value }).toString().slice(2),
      rfc3986(value), // curl --data-urlencode, Python's quote
      rfc3986(value).replace(/%20/g, '+'), // Go's url.QueryEscape
      JSON.stringify(value).slice(1, -1),
      goQuoted(value),
      goQuoted(value, true),
      Buffer.from(value).toString('base64'),
      Buffer.from(value).toString('base64url'),
    ];
    for (const [i, form] of forms.entries()) {
      const which = `form ${i} of the ${value === CANARY ? 'untrimmed' : 'trimmed'} value`;
      assert.equal(scrubber.scrub(`before ${form} after`), `before ${MASK} after`, which);
    }
  }
});

test('a value Compose quotes in an error (Go %q) is masked inside the quotes (forms: forms.test.ts)', () => {
  const scrubber = new Scrubber();
  scrubber.add('Tr0ub4dor"&3\\x');
  const composeError = String.raw`strconv.ParseFloat: parsing "Tr0ub4dor\"&3\\x": invalid syntax`;
  assert.equal(scrubber.scrub(composeError), `strconv.ParseFloat: parsing "${MASK}": invalid syntax`);
});

test('a form-encoded value in a request body is masked up to its neighbours', () => {
  const scrubber = new Scrubber();
  scrubber.add("it's (a) secret!");
  assert.equal(scrubber.scrub('body=it%27s+%28a%29+secret%21&x=1'), `body=${MASK}&x=1`);
});

test('scrubDeep masks every string of a document, keys and toJSON results included, before it is serialised', () => {
  const scrubber = new Scrubber();
  scrubber.add(CANARY);
  const doc = { list: [`a ${CANARY} b`, 3, null], [TRIMMED]: { when: new Date(0), ok: true } };
  const json = JSON.stringify(scrubDeep(doc, scrubber.scrub));
  const when = '1970-01-01T00:00:00.000Z';
  assert.deepEqual(JSON.parse(json), { list: [`a ${MASK} b`, 3, null], [MASK]: { when, ok: true } });
});

test('a value with surrounding spaces is masked as written and trimmed; maskable judges the trimmed value', () => {
  const scrubber = new Scrubber();
  scrubber.add('   padded-secret-1   ');
  assert.equal(scrubber.scrub('x=padded-secret-1;'), `x=${MASK};`);
  assert.equal(scrubber.scrub('[   padded-secret-1   ]'), `[${MASK}]`);
  const none = new Scrubber();
  for (const v of ['  true  ', ' 8080 ', '\tabc\t', '  localhost ']) none.add(v);
  assert.equal(none.size, 0);
});

test('base64 of a longer string holding the secret (e.g. basic auth user:password) does not reveal it', () => {
  const scrubber = new Scrubber();
  scrubber.add(CANARY);
  for (const prefix of ['', 'u:', 'us:', 'user:']) {
    const encoded = Buffer.from(`${prefix}${CANARY}:tail`).toString('base64');
    const out = scrubber.scrub(encoded);
    assert.ok(out.includes(MASK), `prefix "${prefix}"`);
    // What remains cannot be decoded back to the secret.
    assert.ok(!Buffer.from(out.replace(MASK, ''), 'base64').toString('utf8').includes('s3cr3t'));
  }
});

test('each line of a multi-line value is masked on its own', () => {
  const scrubber = new Scrubber();
  scrubber.add('-----BEGIN KEY-----\nMIIEowIBAAKCAQEA1234\nabcdEFGH5678\n-----END KEY-----');
  const out = scrubber.scrub('log: abcdEFGH5678 and MIIEowIBAAKCAQEA1234');
  assert.equal(out, `log: ${MASK} and ${MASK}`);
});

test('the longest match wins, so no tail of a longer secret leaks', () => {
  const scrubber = new Scrubber();
  scrubber.add('abcdef');
  scrubber.add('abcdefghijkl');
  assert.equal(scrubber.scrub('x abcdefghijkl y'), `x ${MASK} y`);
});

test('values too short or too common are not registered (the rule: maskable.test.ts)', () => {
  const scrubber = new Scrubber();
  scrubber.add('true');
  scrubber.add('8080');
  assert.equal(scrubber.size, 0);
  assert.equal(scrubber.scrub('listening on 8080: true'), 'listening on 8080: true');
});

test('regex metacharacters in secrets are matched literally', () => {
  const scrubber = new Scrubber();
  scrubber.add('a.b*c(d)$');
  assert.equal(scrubber.scrub('aXb*c(d)$ a.b*c(d)$'), `aXb*c(d)$ ${MASK}`);
});

test("gangway's own words are never masked, even where a value equals one of them; values around them are", () => {
  const s = new Scrubber();
  s.add('quoted');
  const message = 'API_KEY: "-quoted value is never closed (Compose: "unterminated quoted value")';
  const line = `API_KEY=quoted: ${own(message)}`;
  assert.equal(
    s.scrub(line),
    'API_KEY=***: API_KEY: "-quoted value is never closed (Compose: "unterminated quoted value")',
  );
  assert.equal(new Scrubber().scrub(own('no secrets registered')), 'no secrets registered', 'the marks always go');
  assert.equal(s.scrub(`quoted${own('')}quoted`), '******');
});

test('a value holding the own-words marks cannot unmask itself: then nothing is protected', () => {
  const sneaky = '\uE000hunter2-secret\uE001';
  const s = new Scrubber();
  s.add(sneaky);
  s.add('hunter2-secret');
  assert.equal(s.scrub(`pw=${sneaky} ${own('hunter2-secret and more')}`), 'pw=*** *** and more');
});
