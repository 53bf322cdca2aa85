/**
 * encodedForms: every way a secret can be printed (raw, URL-/form-encoded, JSON-escaped, Go-quoted, base64) must
 * contain one of the forms the scrubber masks. The printed forms here come from Node's own encoders or are copied
 * from the program that prints them (Python's urllib and json, Go's strconv and encoding/json), never from forms.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodedForms, formEncoded, goQuoted, jsonEscaped } from '../../src/redact/forms.js';
import { CANARIES } from '../helpers/canary.js';

/** The scrubber masks a form this short only when it is the value itself (scrubber.ts MIN_FRAGMENT). */
const MIN_FRAGMENT = 6;

/** Canaries with quotes, backslashes, spaces, a tab, URL-reserved and HTML characters, non-ASCII and an emoji. */
const VALUES: Record<string, string> = {
  ...CANARIES,
  reserved: "it's (a) s3cret!*~ x&y=z/q?#",
  html: 'pa<ss>&wo"rd\u2028line',
  unicode: 'pässwört-😀-ok',
  backslashes: 'C:\\new\\table "x"',
};

/** The fragment of `forms` a scrubber would find in `printed`, if any. */
function found(printed: string, value: string): string | undefined {
  return encodedForms(value).find((f) => (f.length >= MIN_FRAGMENT || f === value) && printed.includes(f));
}

/** RFC 3986 percent-encoding: all but A-Z a-z 0-9 - . _ ~ (MDN's fixedEncodeURIComponent). */
const rfc3986 = (v: string) =>
  encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const PRINTERS: Record<string, (v: string) => string> = {
  raw: (v) => v,
  encodeURIComponent: (v) => encodeURIComponent(v),
  'encodeURIComponent, spaces as +': (v) => encodeURIComponent(v).replace(/%20/g, '+'),
  'URLSearchParams (form body)': (v) => new URLSearchParams({ p: v }).toString().slice(2),
  'RFC 3986 (curl --data-urlencode, Python quote)': rfc3986,
  "RFC 3986, spaces as + (Go's url.QueryEscape, Python quote_plus)": (v) => rfc3986(v).replace(/%20/g, '+'),
  'JSON.stringify': (v) => JSON.stringify({ password: v }),
  'JSON.stringify, pretty': (v) => JSON.stringify({ env: { KEY: v } }, null, 2),
  base64: (v) => Buffer.from(v).toString('base64'),
  'base64, unpadded': (v) => Buffer.from(v).toString('base64').replace(/=+$/, ''),
  base64url: (v) => Buffer.from(v).toString('base64url'),
};

test('each canary printed raw, URL-encoded, form-encoded, JSON-escaped or base64 holds a masked form', () => {
  for (const [name, value] of Object.entries(VALUES))
    for (const [how, print] of Object.entries(PRINTERS))
      assert.ok(found(`before ${print(value)} after`, value), `${name} printed as ${how}`);
});

test('RFC 3986 and Go QueryEscape forms of reserved characters are masked (as Python and Go print them)', () => {
  const value = "it's (a) secret!*~ x";
  // python3: urllib.parse.quote(v, safe='') and quote_plus(v, safe=''); the latter is Go's url.QueryEscape too.
  for (const printed of ['it%27s%20%28a%29%20secret%21%2A~%20x', 'it%27s+%28a%29+secret%21%2A~+x'])
    assert.equal(found(`q=${printed}&x=1`, value), printed, printed);
});

test('JSON forms: as JSON.stringify writes them and as Go writes them (<, >, & and U+2028 as \\u escapes)', () => {
  assert.equal(jsonEscaped('a"b\\c\td\ne'), String.raw`a\"b\\c\td\ne`);
  const value = 'pa<ss>&wo"rd\u2028x';
  // Go: json.Marshal("pa<ss>&wo\"rd\u2028x")
  const goJson = String.raw`"pa\u003css\u003e\u0026wo\"rd\u2028x"`;
  assert.equal(found(goJson, value), goJson.slice(1, -1));
  // Python: json.dumps('Tr0ub4dor"&3\\x ü <&>') (ensure_ascii: ü as \u00fc)
  assert.ok(found(String.raw`"Tr0ub4dor\"&3\\x \u00fc <&>"`, 'Tr0ub4dor"&3\\x ü <&>'));
});

test('Go-quoted forms are strconv.Quote / QuoteToASCII exactly (as Compose prints them)', () => {
  // Copied from `docker compose config` (cpus: "${X}") with X set to this value.
  const value = 'Tr0ub4dor"&3\\x\t\x01\u00a0ü😀\x7f<&>';
  assert.equal(goQuoted(value), String.raw`Tr0ub4dor\"&3\\x\t\x01\u00a0ü😀\x7f<&>`);
  assert.equal(goQuoted(value, true), String.raw`Tr0ub4dor\"&3\\x\t\x01\u00a0\u00fc\U0001f600\x7f<&>`);
  assert.equal(goQuoted('\x07\b\f\n\r\v'), String.raw`\a\b\f\n\r\v`);
  const composeError = String.raw`strconv.ParseFloat: parsing "Tr0ub4dor\"&3\\x": invalid syntax`;
  assert.equal(found(composeError, 'Tr0ub4dor"&3\\x'), String.raw`Tr0ub4dor\"&3\\x`);
  // A Compose error inside a JSON document: Go-quoted, then JSON-escaped.
  const inJson = JSON.stringify({ error: composeError });
  assert.equal(found(inJson, 'Tr0ub4dor"&3\\x'), String.raw`Tr0ub4dor\\\"&3\\\\x`);
});

test('form encoding differs from encodeURIComponent where it matters', () => {
  assert.equal(formEncoded("a b!'()~*"), 'a+b%21%27%28%29%7E*');
  assert.ok(found('body=it%27s+%28a%29+secret%21&x=1', "it's (a) secret!"));
});

test('base64 of a longer text holding the value, at every byte alignment, holds a masked fragment', () => {
  for (const [name, value] of Object.entries(VALUES)) {
    for (const prefix of ['', 'u', 'us', 'use', 'user:', 'Basic:x']) {
      for (const suffix of ['', ':', ':t', ':tail']) {
        const printed = Buffer.from(`${prefix}${value}${suffix}`).toString('base64');
        for (const text of [printed, printed.replace(/\+/g, '-').replace(/\//g, '_')])
          assert.ok(found(text, value), `${name} after ${prefix.length} bytes, before ${suffix.length}`);
      }
    }
  }
});

test('the base64 fragment depends only on the value: other bytes around it give the same fragment', () => {
  const value = CANARIES.DB_PASSWORD;
  for (const [a, b] of [
    ['u:', 'x:'],
    ['ab:', 'zz!'],
  ] as const) {
    const one = found(Buffer.from(`${a}${value}:1`).toString('base64'), value);
    const two = found(Buffer.from(`${b}${value}:22`).toString('base64'), value);
    assert.ok(one && one === two, `prefix of ${a.length} bytes`);
  }
});
