/** Which values are masked: the documented rule (README "Secrets"), at each of its edges. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMaskable, MIN_MASKED_LENGTH } from '../../src/redact/maskable.js';
import { CANARIES } from '../helpers/canary.js';

test('shorter than 4 characters is not masked; 4 and longer is', () => {
  assert.equal(MIN_MASKED_LENGTH, 4);
  for (const v of ['', 'a', 'ab', 'abc', 'x!"']) assert.equal(isMaskable(v), false, JSON.stringify(v));
  for (const v of ['abcd', 'p4ss', 'x!"\\']) assert.equal(isMaskable(v), true, JSON.stringify(v));
});

test('only digits: shorter than 6 (ports, counts) is not masked, 6 and longer (a PIN, an OTP seed) is', () => {
  for (const v of ['8080', '5432', '65535', '00000']) assert.equal(isMaskable(v), false, v);
  for (const v of ['123456', '000000', '4111111111111111']) assert.equal(isMaskable(v), true, v);
  // Not only digits: the digit rule does not apply.
  for (const v of ['-1234', '12.34', '1234a', '12 34']) assert.equal(isMaskable(v), true, v);
});

test('boolean and null words and common settings are not masked, in any case', () => {
  const common = ['true', 'False', 'YES', 'null', 'None', 'nil', 'enabled', 'DISABLED', 'info', 'Warning', 'fatal'];
  const settings = ['production', 'Staging', 'test', 'localhost', '127.0.0.1', '0.0.0.0', 'UTC', 'development'];
  for (const v of [...common, ...settings]) assert.equal(isMaskable(v), false, v);
});

test('whatever else, a value is masked: a word near a common one is not common', () => {
  for (const v of ['truex', 'prod-db-password', 'localhost2', '127.0.0.2', 'hunter2!', 'ghp_xxxxxxxxxxxx'])
    assert.equal(isMaskable(v), true, v);
});

test('the trimmed value is judged, so a value and its trimmed form get the same verdict', () => {
  for (const [padded, verdict] of [
    ['  true  ', false],
    [' 8080 ', false],
    ['\tabc\t', false],
    ['  localhost\n', false],
    ['  abcd  ', true],
    ['\t123456 ', true],
  ] as const) {
    assert.equal(isMaskable(padded), verdict, JSON.stringify(padded));
    assert.equal(isMaskable(padded.trim()), verdict, JSON.stringify(padded.trim()));
  }
});

test('every test canary (quotes, backslashes, spaces, several lines) is masked, trimmed and line by line', () => {
  for (const [name, value] of Object.entries(CANARIES))
    for (const part of [value, value.trim(), ...value.split('\n')]) assert.equal(isMaskable(part), true, name);
});
