/** The one-time codes `gangway ui --open` gives the browser instead of the token: single use, short-lived. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPEN_CODE_TTL_MS, OpenCodes } from '../../src/ui/open-code.js';

test('a code trades once; a second try, an unknown code or an expired one is refused', () => {
  let now = 1_000_000;
  const codes = new OpenCodes(OPEN_CODE_TTL_MS, () => now);
  const first = codes.issue();
  const second = codes.issue();
  assert.notEqual(first, second);
  assert.match(first, /^[\w-]{24}$/);
  assert.equal(codes.redeem(first), true);
  assert.equal(codes.redeem(first), false, 'single use');
  assert.equal(codes.redeem('x'.repeat(24)), false);
  assert.equal(codes.redeem(''), false);
  now += OPEN_CODE_TTL_MS + 1;
  assert.equal(codes.redeem(second), false, 'expired');
  const late = codes.issue();
  now += OPEN_CODE_TTL_MS;
  assert.equal(codes.redeem(late), true, 'still good at the end of its minute');
});
