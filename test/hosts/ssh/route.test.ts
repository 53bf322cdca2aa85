import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SshSettings } from '../../../src/config/config.js';
import { ConfigError } from '../../../src/errors.js';
import { MAX_JUMPS, planRoute, type RouteHop } from '../../../src/hosts/ssh/route.js';

function settings(sshConfig: string | false, overrides: Partial<SshSettings> = {}): SshSettings {
  let configFile: SshSettings['configFile'] = false;
  if (sshConfig !== false) {
    configFile = join(mkdtempSync(join(tmpdir(), 'gangway-route-')), 'config');
    writeFileSync(configFile, sshConfig);
  }
  const timing = { connectTimeoutMs: 5000, keepaliveMs: 15000, maxChannels: 8 };
  return {
    passphraseEnv: 'P',
    knownHosts: '/nonexistent/kh',
    fingerprints: ['SHA256:pin'],
    configFile,
    ...timing,
    ...overrides,
  };
}

const names = (route: RouteHop[]) => route.map((h) => `${h.username}@${h.host}:${h.port}`);

test('no jump host: the route is the host itself, resolved through ssh_config', () => {
  const s = settings('Host app\n  HostName 10.0.0.5\n  User deploy\n  Port 2200\n');
  assert.deepEqual(names(planRoute({ host: 'app' }, s)), ['deploy@10.0.0.5:2200']);
});

test('a Host * ProxyJump does not apply to the jump host itself (no endless recursion)', () => {
  const s = settings('Host bastion\n  HostName 192.0.2.1\n  User ops\n\nHost *\n  ProxyJump bastion\n');
  const route = planRoute({ host: 'app', user: 'deploy' }, s);
  assert.deepEqual(names(route), ['ops@192.0.2.1:22', 'deploy@app:22']);
  assert.deepEqual(route[0]!.settings.fingerprints, [], "the target's pins are not the jump host's");
  assert.deepEqual(route[1]!.settings.fingerprints, ['SHA256:pin']);
});

test('jump hosts chain through their own ProxyJump; a,b passes a to b like ssh -J', () => {
  // inner is reached with `-J first`, which overrides its own ProxyJump; first follows its own.
  const s = settings('Host inner\n  ProxyJump unused\nHost app\n  ProxyJump first,inner\nHost first\n  ProxyJump 0\n');
  const hosts = planRoute({ host: 'app', user: 'u' }, s).map((h) => h.endpoint.host);
  assert.deepEqual(hosts, ['0', 'first', 'inner', 'app']);
  const viaYaml = settings('Host j2\n  ProxyJump j3\n', { jump: 'j1,j2' });
  assert.deepEqual(
    planRoute({ host: 'app' }, viaYaml).map((h) => h.endpoint.host),
    ['j1', 'j2', 'app'],
  );
});

test('a loop of jump hosts is a configuration error naming the ssh_config and the loop', () => {
  const s = settings('Host a\n  ProxyJump b\nHost b\n  ProxyJump a\nHost app\n  ProxyJump a\n');
  assert.throws(
    () => planRoute({ host: 'app' }, s),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.exitCode, 2);
      assert.equal(e.problems[0]!.file, s.configFile);
      assert.match(e.message, /ProxyJump: jump hosts loop: app -> a -> b -> a$/);
      return true;
    },
  );
});

test('a jump host in gangway.yml that is the target itself is a loop', () => {
  const s = settings(false, { jump: 'app' });
  assert.throws(() => planRoute({ host: 'app' }, s), /gangway\.yml ssh\.jump: jump hosts loop: app -> app$/);
});

test('the chain is bounded', () => {
  const hops = Array.from({ length: MAX_JUMPS + 2 }, (_, i) => `Host h${i}\n  ProxyJump h${i + 1}\n`).join('');
  const tooMany = new RegExp(`more than ${MAX_JUMPS} jump hosts in a row`);
  assert.throws(() => planRoute({ host: 'h0' }, settings(hops)), tooMany);
});

test('a ProxyJump that is no host is a configuration error', () => {
  const s = settings('Host app\n  ProxyJump a@b@c\n');
  assert.throws(() => planRoute({ host: 'app' }, s), /ProxyJump: "a@b@c" is not a jump host/);
});
