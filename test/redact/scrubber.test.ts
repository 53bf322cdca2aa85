import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { test } from 'node:test';
import { isMaskable } from '../../src/redact/maskable.js';
import { MASK, Scrubber } from '../../src/redact/scrubber.js';
import { Secret } from '../../src/redact/secret.js';

const CANARY = 'canary-s3cr3t/value+with=odd&chars ü';

test('a Secret never prints its value', () => {
  const s = new Secret(CANARY, 'DB_PASSWORD');
  for (const shown of [String(s), `${s}`, inspect(s), JSON.stringify({ s }), inspect({ nested: [s] })]) {
    assert.ok(!shown.includes('canary'), shown);
    assert.match(shown, /\[secret DB_PASSWORD\]/);
  }
  assert.equal(s.reveal(), CANARY);
});

test('the exact value, its URL-encoded and base64 forms are masked', () => {
  const scrubber = new Scrubber();
  scrubber.add(new Secret(CANARY, 'X'));
  const forms = [
    CANARY,
    encodeURIComponent(CANARY),
    encodeURIComponent(CANARY).replace(/%20/g, '+'),
    Buffer.from(CANARY).toString('base64'),
    Buffer.from(CANARY).toString('base64url'),
  ];
  for (const form of forms) {
    const out = scrubber.scrub(`before ${form} after`);
    assert.equal(out, `before ${MASK} after`, `form ${forms.indexOf(form)}`);
  }
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

test('values too short or too common are not masked (documented rule)', () => {
  for (const v of ['1', 'abc', 'true', 'FALSE', 'on', '8080', '5432', 'info', 'production', 'localhost']) assert.equal(isMaskable(v), false, v);
  for (const v of ['hunter2!', '123456', 'p4ss', 'ghp_xxxxxxxxxxxx', 'prod-db-password']) assert.equal(isMaskable(v), true, v);
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
