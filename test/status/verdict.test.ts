/** judgeHost: every GO/NO-GO rule of `gangway status`, from facts to verdict (pure: no server). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackupConfig } from '../../src/config/config.js';
import type { ServiceState } from '../../src/operate/inspect.js';
import type { ReachedHost } from '../../src/status/facts.js';
import { judgeHost, serviceUp, type StatusPolicy } from '../../src/status/verdict.js';
import type { SwarmStatus } from '../../src/swarm/status.js';

const now = new Date('2026-11-22T12:00:00Z');
const policy: StatusPolicy = {
  status: { cpuPercent: 90, memoryPercent: 90, diskFreePercent: 10 },
  health: { fatalLogs: { tail: 200 } },
  backups: [],
};
const web: ServiceState = {
  service: 'web',
  container: 'app-web-1',
  state: 'running',
  health: 'healthy',
  restarts: 0,
  cpuPercent: 5,
  memoryPercent: 20,
  fatalLines: 0,
};
const GiB = 1024 ** 3;

/** A host that is GO: deployed, one healthy service, its endpoint answering, disk free, no lock. */
function healthy(): ReachedHost {
  return {
    host: 'web1',
    state: {
      current: { id: 'r2', tag: 'v2' },
      lastGoodTag: 'v2',
      retained: [],
      records: [{ id: 'r2', tag: 'v2', status: 'succeeded', outcome: 'succeeded', finished: '2026-11-22T11:00:00Z' }],
    },
    services: [web],
    disk: { availableBytes: 50 * GiB, totalBytes: 100 * GiB, mount: '/', filesystem: '/dev/sda1' },
    endpoints: [{ url: 'http://localhost:8080/health', ok: true, detail: 'HTTP 200' }],
    backupLog: [],
    drift: { findings: [] },
  };
}

const judge = (change: (h: ReachedHost) => void, p: StatusPolicy = policy) => {
  const facts = healthy();
  change(facts);
  return judgeHost(facts, p, now);
};
const withService = (s: Partial<ServiceState>) => (h: ReachedHost) => {
  h.services = [{ ...web, ...s }];
};

test('a healthy host is GO, with its tags, services, endpoints, disk and last run', () => {
  const s = judgeHost(healthy(), policy, now);
  assert.equal(s.verdict, 'GO');
  assert.deepEqual([s.reasons, s.warnings], [[], []]);
  assert.equal(s.reachable, true);
  assert.equal(s.locked, false);
  assert.equal(s.drifted, false);
  assert.deepEqual([s.currentTag, s.lastGoodTag], ['v2', 'v2']);
  assert.deepEqual(s.disk, { freeBytes: 50 * GiB, freePercent: 50, mount: '/' });
  assert.deepEqual(s.lastRun, { id: 'r2', tag: 'v2', status: 'succeeded', finished: '2026-11-22T11:00:00Z' });
  assert.equal(s.lock, undefined);
  assert.equal(s.backups, undefined);
  // `--json` prints the keys in this order.
  assert.deepEqual(Object.keys(s), [
    'host',
    'verdict',
    'reachable',
    'reasons',
    'warnings',
    'services',
    'endpoints',
    'locked',
    'currentTag',
    'lastGoodTag',
    'lastRun',
    'disk',
    'drifted',
  ]);
});

test('unreachable: NO-GO, and what needs the host is unknown (null), not none or false', () => {
  const s = judgeHost({ host: 'web1', unreachable: 'connect ECONNREFUSED' }, policy, now);
  assert.equal(s.verdict, 'NO-GO');
  assert.deepEqual(s.reasons, ['unreachable: connect ECONNREFUSED']);
  assert.equal(s.reachable, false);
  assert.deepEqual([s.currentTag, s.lastGoodTag, s.locked, s.drifted], [null, null, null, null]);
});

test('nothing deployed: NO-GO (and no drift is judged without a release)', () => {
  const s = judge((h) => {
    delete h.state.current;
    h.services = [];
    h.drift = { findings: [{ kind: 'release', name: '-', detail: 'nothing is deployed here' }] };
  });
  assert.deepEqual(s.reasons, ['nothing deployed here']);
  assert.equal(s.drifted, undefined);
  assert.deepEqual(s.warnings, []);
});

test('deployed but no containers of the app: NO-GO', () => {
  assert.deepEqual(judge((h) => (h.services = [])).reasons, ['no containers of this app']);
});

test('a service that is not running: NO-GO', () => {
  assert.deepEqual(judge(withService({ state: 'exited', health: 'unhealthy' })).reasons, ['web is exited']);
});

test('a service unhealthy or still starting: NO-GO; healthy or without a healthcheck: GO', () => {
  assert.deepEqual(judge(withService({ health: 'unhealthy' })).reasons, ['web is unhealthy']);
  assert.deepEqual(judge(withService({ health: 'starting' })).reasons, ['web is starting']);
  assert.equal(judge(withService({ health: 'none' })).verdict, 'GO');
  assert.equal(serviceUp({ ...web, health: 'none' }), true);
  assert.equal(serviceUp({ ...web, health: 'starting' }), false);
});

test('fatal log lines: NO-GO, naming the tail that was read', () => {
  assert.deepEqual(judge(withService({ fatalLines: 3 })).reasons, ['web: 3 fatal log line(s) in the last 200']);
  const noTail = { ...policy, health: {} };
  assert.deepEqual(judge(withService({ fatalLines: 1 }), noTail).reasons, ['web: 1 fatal log line(s) in the last 0']);
});

test('CPU over the threshold: NO-GO; at it: GO', () => {
  assert.deepEqual(judge(withService({ cpuPercent: 95.25 })).reasons, ['web: CPU 95.3% over 90%']);
  assert.equal(judge(withService({ cpuPercent: 90 })).verdict, 'GO');
});

test('memory over the threshold: NO-GO; at it: GO', () => {
  assert.deepEqual(judge(withService({ memoryPercent: 91 })).reasons, ['web: memory 91.0% over 90%']);
  assert.equal(judge(withService({ memoryPercent: 90 })).verdict, 'GO');
});

test('restarts: a warning, still GO', () => {
  const s = judge(withService({ restarts: 2 }));
  assert.equal(s.verdict, 'GO');
  assert.deepEqual(s.warnings, ['web restarted 2 time(s)']);
});

test('a health or smoke URL that does not answer 2xx: NO-GO', () => {
  const s = judge((h) => h.endpoints.push({ url: 'http://localhost:8080/smoke', ok: false, detail: 'HTTP 503' }));
  assert.deepEqual(s.reasons, ['http://localhost:8080/smoke: HTTP 503']);
});

test('little disk free: a warning, still GO; an unreadable df: no disk figure', () => {
  const low = judge((h) => (h.disk = { availableBytes: 5 * GiB, totalBytes: 100 * GiB, mount: '/', filesystem: 'x' }));
  assert.equal(low.verdict, 'GO');
  assert.deepEqual(low.warnings, ['only 5% disk free (under 10%)']);
  const unread = judge((h) => (h.disk = { error: 'df: not found' }));
  assert.equal(unread.disk, undefined);
  assert.deepEqual(unread.warnings, []);
});

test('a live lock: NO-GO (a deploy is in progress), and who holds it', () => {
  const s = judge(
    (h) => (h.state.lock = { info: { who: 'ci@runner', since: '2026-11-22T11:59:00Z' }, applyPid: '42' }),
  );
  assert.deepEqual(s.reasons, ['a deploy is in progress']);
  assert.equal(s.locked, true);
  assert.equal(s.lock, 'held by ci@runner since 2026-11-22T11:59:00Z — an apply is running (pid 42)');
  const bare = judge((h) => (h.state.lock = {}));
  assert.equal(bare.lock, 'held by unknown holder');
});

test('a stale lock: shown, with how to release it, but GO', () => {
  const s = judge((h) => (h.state.lock = { info: { who: 'ann', since: 't0' }, stale: 'pid 7 is gone' }));
  assert.equal(s.verdict, 'GO');
  assert.equal(s.locked, true);
  assert.equal(s.lock, 'held by ann since t0 — stale: pid 7 is gone (`gangway lock release`)');
});

test('a release left unfinished by a dead apply: NO-GO, unless a live lock says it is still being worked on', () => {
  const reason =
    'release r3 was left unfinished by an apply that died: `gangway deploy` or `gangway rollback` recovers it';
  assert.deepEqual(judge((h) => (h.state.unfinished = 'r3')).reasons, [reason]);
  const stale = judge((h) => Object.assign(h.state, { unfinished: 'r3', lock: { stale: 'gone' } }));
  assert.deepEqual(stale.reasons, [reason]);
  const live = judge((h) => Object.assign(h.state, { unfinished: 'r3', lock: { applyPid: '9' } }));
  assert.deepEqual(live.reasons, ['a deploy is in progress']);
});

test('a rollout across hosts left behind: NO-GO, unless a live lock holds the host', () => {
  const rollout = {
    id: 'ro1',
    operation: 'deploy',
    tag: 'v3',
    target: 'production',
    who: 'ann',
    started: 't0',
    hosts: ['web1', 'web2'],
  };
  const reason =
    'rollout ro1 (deploy of v3 to 2 hosts by ann, started t0) did not finish: `gangway deploy` finishes it on ' +
    'every host, `gangway rollback` takes every host back';
  assert.deepEqual(judge((h) => (h.rollout = rollout)).reasons, [reason]);
  const live = judge((h) => Object.assign(h, { rollout, state: { ...h.state, lock: {} } }));
  assert.deepEqual(live.reasons, ['a deploy is in progress']);
});

test('drift: a warning naming what changed, still GO; unknown drift: no figure', () => {
  const s = judge(
    (h) =>
      (h.drift = {
        findings: [
          { kind: 'file', name: 'docker-compose.yml', detail: 'changed' },
          { kind: 'container', name: 'stray', detail: 'not started by Compose' },
        ],
      }),
  );
  assert.equal(s.verdict, 'GO');
  assert.equal(s.drifted, true);
  assert.deepEqual(s.warnings, ['drift: file docker-compose.yml, container stray (gangway drift)']);
  const unknown = judge((h) => delete h.drift);
  assert.equal(unknown.drifted, undefined);
});

test('a last run that did not pass its health gate: a warning, still GO; its failing step is shown', () => {
  const s = judge((h) =>
    h.state.records.push({
      id: 'r3',
      tag: 'v3',
      status: 'rolled_back',
      outcome: 'rolled_back',
      failing_step: 'health',
      reason: 'web unhealthy',
    }),
  );
  assert.equal(s.verdict, 'GO');
  assert.deepEqual(s.warnings, ['the last run (v3) ended rolled_back']);
  assert.deepEqual(s.lastRun, {
    id: 'r3',
    tag: 'v3',
    status: 'rolled_back',
    failing_step: 'health',
    reason: 'web unhealthy',
  });
});

test('blue/green: a stopped proxy or no colour serving is NO-GO; a colour behind a running proxy is GO', () => {
  const proxy = { serving: 'blue' as const, colours: [], proxy: 'running', upstreams: [] };
  const good = judge((h) => (h.proxy = proxy));
  assert.equal(good.verdict, 'GO');
  assert.equal(good.proxy, proxy);
  const down = judge((h) => (h.proxy = { colours: [], proxy: 'exited', upstreams: [] }));
  assert.deepEqual(down.reasons, ['the proxy gangway-proxy is exited', 'no colour is serving behind the proxy']);
  const fresh = judge((h) => {
    delete h.state.current;
    h.proxy = { colours: [], proxy: 'running', upstreams: [] };
  });
  assert.deepEqual(fresh.reasons, ['nothing deployed here']); // no colour serves before the first deploy
});

test("swarm: the stack's verdict counts, and no Compose containers is expected there", () => {
  const stack: SwarmStatus = {
    node: 'gwh21',
    manager: true,
    client: '27.0',
    services: [
      {
        service: 'web',
        name: 'app_web',
        mode: 'replicated',
        running: 1,
        desired: 2,
        image: 'i',
        update: 'none',
        fatalLines: 0,
      },
    ],
    nodes: [{ name: 'gwh21', status: 'Ready', availability: 'Active', manager: 'Leader' }],
  };
  const short = judge((h) => Object.assign(h, { services: [], swarm: stack }));
  assert.deepEqual(short.reasons, ['web: 1 of 2 tasks running']);
  assert.equal(short.swarm, stack);
  const full = { ...stack, services: stack.services.map((s) => ({ ...s, running: 2 })) };
  assert.equal(judge((h) => Object.assign(h, { services: [], swarm: full })).verdict, 'GO');
});

test('backups: NO-GO without a good backup within rpo; a summary per backup', () => {
  const db = { name: 'db', rpoMs: 24 * 3_600_000 } as BackupConfig;
  const withBackups = { ...policy, backups: [db] };
  const none = judge(() => undefined, withBackups);
  assert.deepEqual(none.reasons, ['backup db: no good backup yet']);
  assert.deepEqual(none.warnings, ['backup db: no successful restore test in the last 7 days']);
  assert.deepEqual(none.backups, [{ name: 'db' }]);
  const fresh = judge((h) => {
    h.backupLog = [
      { op: 'backup', name: 'db', outcome: 'succeeded', file: 'db-1.dump', finished: '2026-11-22T02:00:00Z' },
      { op: 'verify', name: 'db', outcome: 'succeeded', file: 'db-1.dump', finished: '2026-11-22T02:01:00Z' },
    ];
  }, withBackups);
  assert.equal(fresh.verdict, 'GO');
  assert.deepEqual(fresh.backups, [
    { name: 'db', newest: 'db-1.dump', at: '2026-11-22T02:00:00Z', lastVerified: '2026-11-22T02:01:00Z' },
  ]);
});

test('every reason is listed, in the order of the checklist', () => {
  const s = judge((h) => {
    h.proxy = { serving: 'blue', colours: [], proxy: 'exited', upstreams: [] };
    h.services = [{ ...web, health: 'unhealthy', restarts: 1, cpuPercent: 99 }];
    h.endpoints = [{ url: 'u', ok: false, detail: 'HTTP 500' }];
    h.state.lock = { applyPid: '1' };
  });
  assert.equal(s.verdict, 'NO-GO');
  assert.deepEqual(s.reasons, [
    'the proxy gangway-proxy is exited',
    'web is unhealthy',
    'web: CPU 99.0% over 90%',
    'u: HTTP 500',
    'a deploy is in progress',
  ]);
  assert.deepEqual(s.warnings, ['web restarted 1 time(s)']);
});
