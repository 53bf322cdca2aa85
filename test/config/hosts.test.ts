import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHostSpec } from '../../src/config/hosts.js';

test('host strings parse into user, host and port', () => {
  assert.deepEqual(parseHostSpec('local'), { kind: 'local', label: 'local' });
  assert.deepEqual(parseHostSpec('web1'), { kind: 'ssh', label: 'web1', host: 'web1' });
  assert.deepEqual(parseHostSpec('azureuser@203.0.113.10'), {
    kind: 'ssh',
    label: 'azureuser@203.0.113.10',
    host: '203.0.113.10',
    user: 'azureuser',
  });
  assert.deepEqual(parseHostSpec('deploy@web.example.com:2222'), {
    kind: 'ssh',
    label: 'deploy@web.example.com:2222',
    host: 'web.example.com',
    user: 'deploy',
    port: 2222,
  });
  assert.deepEqual(parseHostSpec('[::1]:22'), { kind: 'ssh', label: '[::1]:22', host: '::1', port: 22 });
});

test('bad host strings get a reason', () => {
  for (const [text, reason] of [
    ['a b', /not a valid host name/],
    ['u@h:0', /port "0"/],
    ['u@h:x', /port "x"/],
    ['-oProxyCommand=x', /not a valid host name/],
    ['bad user@h', /not a valid user name/],
    ['::1', /brackets/],
  ] as const) {
    const r = parseHostSpec(text);
    assert.ok('error' in r, text);
    assert.match(r.error, reason);
  }
});
