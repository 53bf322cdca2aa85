import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headerOps } from '../../src/proxy/headers.js';

test('tls off: nothing by default; proxy.headers alone', () => {
  assert.deepEqual(headerOps('off', {}), { set: {}, delete: [] });
  assert.deepEqual(headerOps('off', { 'X-Frame-Options': 'DENY', '-Server': '' }), {
    set: { 'X-Frame-Options': ['DENY'] },
    delete: ['Server'],
  });
});

test('tls on: HSTS, nosniff and a referrer policy; a header named in proxy.headers replaces or removes one', () => {
  assert.deepEqual(Object.keys(headerOps('auto', {}).set), [
    'Strict-Transport-Security',
    'X-Content-Type-Options',
    'Referrer-Policy',
  ]);
  const ops = headerOps('internal', { 'strict-transport-security': 'max-age=60', '-Referrer-Policy': '' });
  assert.deepEqual(ops, {
    set: { 'strict-transport-security': ['max-age=60'], 'X-Content-Type-Options': ['nosniff'] },
    delete: ['Referrer-Policy'],
  });
});

test("values are literal: Caddy's placeholder braces are escaped, a backslash stays as it is", () => {
  const set = headerOps('off', { 'X-A': '{http.request.host}', 'X-B': 'a\\{b}' }).set;
  assert.deepEqual(set, { 'X-A': ['\\{http.request.host\\}'], 'X-B': ['a\\\\{b\\}'] });
});
