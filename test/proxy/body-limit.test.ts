import assert from 'node:assert/strict';
import { test } from 'node:test';
import { greaterThanPattern } from '../../src/proxy/body-limit.js';

test('greaterThanPattern matches exactly the numbers above the limit, leading zeros and all', () => {
  for (const limit of [0, 1, 9, 10, 99, 100, 109, 190, 999, 1000, 1024, 2099, 90909]) {
    const re = new RegExp(greaterThanPattern(limit));
    for (let n = 0; n <= 200_000; n += n < 3000 ? 1 : 997) {
      assert.equal(re.test(String(n)), n > limit, `${n} > ${limit}`);
      assert.equal(re.test(`00${n}`), n > limit, `00${n} > ${limit}`);
    }
    assert.ok(re.test('99999999999999999999'), 'a number beyond any limit');
    for (const bad of ['', '-5', '1e9', ' 5000000', 'abc']) assert.ok(!re.test(bad), `"${bad}" is not a number`);
  }
  assert.throws(() => greaterThanPattern(-1), RangeError);
});
