/**
 * `gangway maintenance` before any host is touched: an app without proxy: (exit 2, E_NO_PROXY), a message that
 * cannot be shown, the wrong flag for `off`, and a host that cannot be reached (exit 1, E_MAINTENANCE, per host
 * in --json). The switch itself runs against a real Caddy in test/deploy/maintenance.itest.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { gangway } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/testenv.js';

let dir: string;
let host: string;

function configFile(name: string, proxy: boolean): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `app: shop
compose: docker-compose.yml
${proxy ? 'proxy: { service: web, port: 8080 }\n' : ''}targets:
  prod:
    hosts: ["${host}"]
    dir: /srv/shop
    ssh: { key: ./id, known_hosts: ./kh, config: false, connect_timeout: 5s }
`,
  );
  return file;
}

before(async () => {
  const probe = createServer(); // a port nothing listens on: taken, then given back
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  host = `ops@127.0.0.1:${(probe.address() as { port: number }).port}`;
  await new Promise<void>((r) => probe.close(() => r()));
  dir = tempDir('gangway-maintenance-');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id')]);
  writeFileSync(join(dir, 'docker-compose.yml'), 'services:\n  web:\n    image: nginx\n');
});

test('an app without proxy: is told maintenance mode is the proxy’s (exit 2), in text and in --json', () => {
  const config = configFile('plain.yml', false);
  const text = gangway(['-c', config, 'maintenance', 'on', '--yes']);
  assert.equal(text.code, 2, text.stdout + text.stderr);
  assert.match(text.stderr, /gangway maintenance is for apps behind the proxy, and shop has no proxy: in gangway\.yml/);
  assert.match(text.stderr, /\[E_NO_PROXY\]/);
  assert.doesNotMatch(text.stderr, /\n\s+at /, 'no stack trace');
  const json = gangway(['-c', config, '--json', 'maintenance', 'off']);
  assert.equal(json.code, 2);
  assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'E_NO_PROXY');
  const deploy = gangway(['-c', config, 'deploy', '--end-maintenance', '--yes']);
  assert.equal(deploy.code, 2, deploy.stdout + deploy.stderr);
  assert.match(deploy.stderr, /--end-maintenance is for apps behind the proxy/);
});

test('usage: a message that cannot be shown, --message with off, another word than on|off (exit 2)', () => {
  const config = configFile('proxied.yml', true);
  const control = gangway(['-c', config, 'maintenance', 'on', '--message', 'a\u001b[31mred', '--yes']);
  assert.equal(control.code, 2);
  assert.match(control.stderr, /--message must not contain control characters/);
  const off = gangway(['-c', config, 'maintenance', 'off', '--message', 'x']);
  assert.equal(off.code, 2);
  assert.match(off.stderr, /unknown option '--message'|--message is for maintenance on/);
  assert.equal(gangway(['-c', config, 'maintenance', 'sideways']).code, 2);
});

test('a host that cannot be reached: exit 1, E_MAINTENANCE, the host and why in --json', () => {
  const config = configFile('proxied.yml', true);
  const r = gangway(['-c', config, '--json', 'maintenance', 'on', '--message', 'Back <soon>', '--yes']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const doc = JSON.parse(r.stdout) as {
    ok: boolean;
    maintenance: string;
    error: { code: string };
    hosts: { host: string; ok: boolean; error: string }[];
  };
  assert.deepEqual([doc.ok, doc.maintenance, doc.error.code], [false, 'on', 'E_MAINTENANCE']);
  assert.deepEqual(
    doc.hosts.map((h) => [h.host, h.ok]),
    [[host, false]],
  );
  assert.ok(doc.hosts[0]!.error.length > 0);
});
