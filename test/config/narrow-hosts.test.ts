import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Target } from '../../src/config/config.js';
import { parseHostSpec, type HostSpec } from '../../src/config/hosts.js';
import { narrowTarget } from '../../src/config/narrow-hosts.js';
import { UsageError } from '../../src/errors.js';

const target = (...specs: string[]): Target =>
  ({ name: 'prod', dir: '/srv/app', hosts: specs.map((s) => parseHostSpec(s) as HostSpec) }) as Target;

test('--host keeps the named hosts, in the order given; by label or by host name', () => {
  const t = target('deploy@a.example:2222', 'deploy@b.example', 'deploy@c.example');
  assert.deepEqual(
    narrowTarget(t, ['c.example', 'deploy@a.example:2222']).hosts.map((h) => h.label),
    ['deploy@c.example', 'deploy@a.example:2222'],
  );
  assert.equal(narrowTarget(t, []), t, 'no --host: the whole target');
});

test('an unknown or ambiguous --host is a usage error that lists the hosts', () => {
  const t = target('deploy@a.example', 'root@a.example:2222');
  assert.throws(
    () => narrowTarget(t, ['b.example']),
    (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /--host b\.example: not a host of target prod .*hosts: deploy@a\.example, root@a/);
      return true;
    },
  );
  assert.throws(() => narrowTarget(t, ['a.example']), /names 2 hosts of target prod; use one as written/);
});
