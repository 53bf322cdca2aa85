import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoopback, proxyTlsCheck } from '../../../src/strategy/blue-green/tls-check.js';
import { proxySettings as proxy } from '../../helpers/proxy-settings.js';

test('tls off on every address, or on a public one: a warning that says how to fix it', () => {
  const all = proxyTlsCheck(proxy({ tls: 'off', listen: { http: 80, https: 443 } }))!;
  assert.equal(all.status, 'warn');
  assert.match(all.detail, /proxy\.tls is off and the proxy listens on every address of the host \(port 80\)/);
  assert.match(all.detail, /proxy\.listen\.address: 127\.0\.0\.1/);
  const lan = proxyTlsCheck(proxy({ tls: 'off', listen: { http: 8080, https: 8443, address: '10.0.0.5' } }))!;
  assert.equal(lan.status, 'warn');
  assert.match(lan.detail, /listens on 10\.0\.0\.5 \(port 8080\)/);
});

test('tls off on loopback only: fine; tls on: nothing to say', () => {
  for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])
    assert.equal(proxyTlsCheck(proxy({ tls: 'off', listen: { http: 80, https: 443, address } }))!.status, 'ok');
  assert.equal(proxyTlsCheck(proxy({ tls: 'internal', domains: ['a.lan'] })), undefined);
  assert.equal(proxyTlsCheck(proxy({ tls: 'auto', domains: ['a.example.com'] })), undefined);
  assert.ok(!isLoopback('128.0.0.1') && !isLoopback('::2') && !isLoopback('0.0.0.0'));
});
