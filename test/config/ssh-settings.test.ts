/**
 * The top-level `ssh:` (SPEC.md: `ssh: { connect_timeout: 30s }`): every target inherits it, and a target's own
 * `ssh:` overrides it key by key.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const FILE = '/project/deploy/gangway.yml';

const config = (ssh: string, own = '') => `app: shop
compose: compose.yml
${ssh}
targets:
  prod:
    hosts: ["deploy@203.0.113.10"]
    dir: /srv/shop
${own}  staging:
    hosts: ["deploy@203.0.113.20"]
    dir: /srv/shop
`;

test("SPEC.md's top-level ssh: { connect_timeout: 30s } is accepted and reaches every target", () => {
  const { targets } = parseConfig(config('ssh: { connect_timeout: 45s }'), FILE);
  for (const t of [targets.prod!, targets.staging!]) {
    assert.equal(t.ssh.connectTimeoutMs, 45_000);
    assert.equal(t.ssh.connectTimeoutFrom, 'ssh.connect_timeout in gangway.yml');
  }
});

test("a target's own ssh: overrides the top-level one key by key", () => {
  const { targets } = parseConfig(
    config(
      'ssh: { key: keys/deploy, connect_timeout: 45s, keepalive: 20s, max_channels: 4, config: false }',
      '    ssh: { connect_timeout: 10s, max_channels: 6 }\n',
    ),
    FILE,
  );
  const [prod, staging] = [targets.prod!.ssh, targets.staging!.ssh];
  assert.deepEqual(
    [prod.key, prod.connectTimeoutMs, prod.keepaliveMs, prod.maxChannels, prod.configFile],
    ['/project/deploy/keys/deploy', 10_000, 20_000, 6, false],
  );
  assert.equal(prod.connectTimeoutFrom, 'targets.prod.ssh.connect_timeout in gangway.yml');
  assert.deepEqual(
    [staging.key, staging.connectTimeoutMs, staging.keepaliveMs, staging.maxChannels, staging.configFile],
    ['/project/deploy/keys/deploy', 45_000, 20_000, 4, false],
  );
});

test('without any ssh: the defaults stay (15s keepalive, 8 channels, 30s connect timeout)', () => {
  const { prod } = parseConfig(config(''), FILE).targets;
  assert.deepEqual([prod!.ssh.connectTimeoutMs, prod!.ssh.keepaliveMs, prod!.ssh.maxChannels], [30_000, 15_000, 8]);
});

test('a bad top-level ssh value is a located error', () => {
  try {
    parseConfig(config('ssh:\n  connect_timeout: 0s\n  kye: id'), FILE);
    assert.fail('expected a ConfigError');
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    assert.deepEqual(
      e.problems.map((p) => `${p.line}:${p.col} ${p.key}: ${p.message}`),
      ['4:20 ssh.connect_timeout: must be at least 1s', '5:3 ssh.kye: unknown key; did you mean "key"?'],
    );
  }
});
