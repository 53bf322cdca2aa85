/**
 * A host that cannot be reached is unknown, not free and not clean: `status`, `lock status`, `drift` and the
 * Prometheus gauges say "unknown (host unreachable)" or carry null, never "not locked" or false.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { gangway } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/testenv.js';

let config: string;
let host: string;

before(async () => {
  // A port nothing listens on: taken, then given back.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  host = `ops@127.0.0.1:${port}`;
  const dir = tempDir('gangway-unreachable-');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id')]);
  writeFileSync(join(dir, 'docker-compose.yml'), 'services:\n  web:\n    image: nginx\n');
  config = join(dir, 'gangway.yml');
  writeFileSync(
    config,
    `app: down
compose: docker-compose.yml
targets:
  prod:
    hosts: ["${host}"]
    dir: /srv/down
    ssh: { key: ./id, known_hosts: ./kh, config: false }
`,
  );
});

const UNKNOWN = 'unknown (host unreachable)';

test('status: the lock and the tags of an unreachable host are unknown, in text and in --json (null)', () => {
  const text = gangway(['-c', config, '--no-color', 'status', '--no-notify']);
  assert.equal(text.code, 1, text.stdout + text.stderr);
  assert.match(text.stdout, new RegExp(`lock — ${UNKNOWN.replace(/[()]/g, '\\$&')}`));
  assert.match(text.stdout, new RegExp(`tags — ${UNKNOWN.replace(/[()]/g, '\\$&')}`));
  assert.doesNotMatch(text.stdout, /not locked|current none/);
  const doc = JSON.parse(gangway(['-c', config, '--json', 'status', '--no-notify']).stdout) as {
    hosts: Record<string, unknown>[];
  };
  const [h] = doc.hosts;
  assert.equal(h!.reachable, false);
  for (const key of ['locked', 'drifted', 'currentTag', 'lastGoodTag']) assert.equal(h![key], null, key);
  assert.match(String((h!.reasons as string[])[0]), /^unreachable: .*connection refused/);
});

test('status --format prometheus: no lock or drift sample for a host that was not read', () => {
  const r = gangway(['-c', config, 'status', '--no-notify', '--format', 'prometheus']);
  assert.match(r.stdout, /gangway_status_go\{[^}]*\} 0/);
  assert.doesNotMatch(r.stdout, /gangway_status_locked\{/);
  assert.doesNotMatch(r.stdout, /gangway_status_drifted\{/);
});

test('lock status: unknown for an unreachable host (exit 1), --json locked null', () => {
  const text = gangway(['-c', config, '--no-color', 'lock', 'status']);
  assert.equal(text.code, 1, text.stdout + text.stderr);
  assert.match(text.stdout + text.stderr, new RegExp(`${host}.*lock ${UNKNOWN.replace(/[()]/g, '\\$&')}`));
  assert.doesNotMatch(text.stdout, /not locked/);
  const doc = JSON.parse(gangway(['-c', config, '--json', 'lock', 'status']).stdout) as {
    hosts: Record<string, unknown>[];
  };
  assert.equal(doc.hosts[0]!.locked, null);
  assert.equal(doc.hosts[0]!.reachable, false);
});

test('drift: unknown for an unreachable host, --json drifted null (not false)', () => {
  const text = gangway(['-c', config, '--no-color', 'drift']);
  assert.equal(text.code, 1, text.stdout + text.stderr);
  assert.match(text.stdout, new RegExp(`drift — ${UNKNOWN.replace(/[()]/g, '\\$&')}`));
  const doc = JSON.parse(gangway(['-c', config, '--json', 'drift']).stdout) as {
    drifted: unknown;
    hosts: Record<string, unknown>[];
  };
  assert.equal(doc.hosts[0]!.drifted, null);
  assert.equal(doc.drifted, null);
});
