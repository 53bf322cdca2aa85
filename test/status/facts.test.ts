/**
 * What `gangway status` reads on one host (a FakeHost whose files and command answers the test sets): an
 * unreachable host is only that; a reached one has its server env masked first, backups read only when
 * configured, a rollout left behind, and a drift that cannot be read is left out rather than failing status.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Config, Target } from '../../src/config/config.js';
import { parseConfig } from '../../src/config/load.js';
import type { HostSpec } from '../../src/config/hosts.js';
import type { ExecResult } from '../../src/hosts/host.js';
import { MASK, Scrubber } from '../../src/redact/scrubber.js';
import { gatherHostFacts } from '../../src/status/facts.js';
import { FakeHost } from '../delivery/fake-host.js';

const BASE = `app: shop
compose: docker-compose.yml
targets:
  prod:
    hosts: ["deploy@203.0.113.10"]
    dir: /srv/shop
`;

function setup(extra = '') {
  const config: Config = parseConfig(`${BASE}${extra}`, '/project/gangway.yml');
  const target: Target = config.targets.prod!;
  return { config, target, spec: target.hosts[0]! as HostSpec };
}

/** A host whose files are `files` (others missing) and whose commands answer `answer` (default: exit 0, nothing). */
class ServerWith extends FakeHost {
  readonly read: string[] = [];
  constructor(
    private readonly files: Record<string, string>,
    answer: (argv: readonly string[]) => Partial<ExecResult> = () => ({}),
  ) {
    super(answer);
  }
  override async readFile(path: string): Promise<Buffer> {
    this.read.push(path);
    const text = this.files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return Buffer.from(text);
  }
}

test('a host that cannot be opened is unreachable, with why, and nothing else', async () => {
  const { config, target, spec } = setup();
  const reach = { scrubber: new Scrubber(), openHost: () => Promise.reject(new Error('connect ETIMEDOUT')) };
  assert.deepEqual(await gatherHostFacts(reach, config, target, spec), {
    host: 'deploy@203.0.113.10',
    unreachable: 'connect ETIMEDOUT',
  });
});

test("the server's own .env values are masked before anything is read", async () => {
  const { config, target, spec } = setup();
  const host = new ServerWith({ '/srv/shop/.env': 'DB_PASSWORD=hunter2-on-the-server\n' });
  const scrubber = new Scrubber();
  await gatherHostFacts({ scrubber, openHost: async () => host }, config, target, spec);
  assert.equal(scrubber.scrub('pw hunter2-on-the-server'), `pw ${MASK}`);
  assert.equal(host.read[0], '/srv/shop/.env');
});

test('nothing deployed: empty state, no services, the disk error kept; no backup log without backups', async () => {
  const { config, target, spec } = setup();
  const host = new ServerWith({});
  const facts = await gatherHostFacts({ scrubber: new Scrubber(), openHost: async () => host }, config, target, spec);
  assert.ok(!('unreachable' in facts));
  assert.deepEqual(facts.state.records, []);
  assert.equal(facts.state.current, undefined);
  assert.deepEqual(facts.services, []);
  assert.deepEqual(facts.endpoints, []);
  assert.deepEqual(facts.backupLog, []);
  assert.ok('error' in facts.disk);
  for (const key of ['rollout', 'proxy', 'swarm']) assert.ok(!(key in facts), key);
  assert.ok(!host.read.some((p) => p.endsWith('backups.jsonl')), host.read.join(', '));
});

test('configured backups: their log is read; a rollout left behind is reported', async () => {
  const { config, target, spec } = setup(
    'backups:\n  - { name: db, service: db, database: d, user: u, schedule: "0 2 * * *" }\n',
  );
  const marker = { id: 'r1', operation: 'deploy', tag: 'v2', target: 'prod', who: 'me', started: 't', hosts: ['a'] };
  const backup = { op: 'backup', name: 'db', outcome: 'succeeded', file: 'db-1.dump' };
  const host = new ServerWith({
    '/srv/shop/.gangway/backups.jsonl': `${JSON.stringify(backup)}\n{torn\n`,
    '/srv/shop/.gangway/rollout.json': JSON.stringify(marker),
  });
  const facts = await gatherHostFacts({ scrubber: new Scrubber(), openHost: async () => host }, config, target, spec);
  assert.ok(!('unreachable' in facts));
  assert.deepEqual(facts.backupLog, [backup]);
  assert.deepEqual(facts.rollout, marker);
});

test('drift that cannot be read is left out: status still answers', async () => {
  const { config, target, spec } = setup();
  const host = new ServerWith({}, (argv) => (argv[3] === 'drift.sh' ? { code: 1, stderr: 'compose failed' } : {}));
  const facts = await gatherHostFacts({ scrubber: new Scrubber(), openHost: async () => host }, config, target, spec);
  assert.ok(!('unreachable' in facts));
  assert.equal(facts.drift, undefined);
  assert.ok(
    host.calls.some((c) => c.argv[3] === 'drift.sh'),
    'drift was asked for',
  );
});
