/**
 * Fleets on four real, separate hosts (scripts/test-hosts.sh hosts 11–14: each its own network namespace,
 * dockerd, sshd and user, used by this file alone): canary and batches, every moved host put back when one
 * fails, `on_failure: stop`, a dropped SSH connection and a killed CLI mid-rollout, hooks, and `gangway exec`.
 * A host fails the gate only where a test puts `<dir>/flags/fail-<tag>`: the service's healthcheck looks for it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findLeaks } from '../helpers/canary.js';
import { buildWebImage } from '../helpers/images.js';
import { tempDir, testEnv, testHost, type TestHost } from '../helpers/testenv.js';
import { bounded, killChildren, tracked } from '../helpers/children.js';

const BIN = fileURLToPath(new URL('../../bin/gangway.js', import.meta.url));
const HOSTS = [11, 12, 13, 14].map(testHost);
const SECRET = 'canary-fleet "q" \\ value';
const projects: Fleet[] = [];
let counter = 0;

before(async () => {
  await buildWebImage('gangway-test/web:v1', { version: 'v1' });
  await buildWebImage('gangway-test/web:v2', { version: 'v2' });
});
after(() => {
  killChildren();
  for (const p of projects) p.cleanup();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

class Fleet {
  readonly app = `fleet${process.pid % 10000}x${++counter}`;
  readonly port = 18100 + counter;
  readonly dir = tempDir('gangway-fleet-');
  readonly config = join(this.dir, 'gangway.yml');

  constructor(rollout: string, extra = '') {
    const env = testEnv();
    writeFileSync(
      join(this.dir, 'docker-compose.yml'),
      `services:
  web:
    image: gangway-test/web:\${IMAGE_TAG:?IMAGE_TAG required}
    environment:
      APP_SECRET: \${APP_SECRET}
      TAG: \${IMAGE_TAG}
    ports: ["${this.port}:8080"]
    volumes: ["./flags:/flags:ro"]
    healthcheck:
      test: ["CMD-SHELL", "test ! -e /flags/fail-$$TAG && wget -qO /dev/null http://127.0.0.1:8080/health"]
      interval: 2s # ~20 containers' healthchecks on a shared two-core machine: each is a runc exec
      retries: 2
    stop_grace_period: 1s
`,
    );
    writeFileSync(join(this.dir, '.env'), `APP_SECRET=${JSON.stringify(SECRET)}\n`);
    writeFileSync(
      this.config,
      `app: ${this.app}
compose: docker-compose.yml
env: { file: .env }
image: { name: gangway-test/web, delivery: sync }
dirs: [flags]
health: { services: [web], timeout: 3m } # a backstop: a failing gate fails on its healthcheck in seconds
keep: 3
records: records
${extra}targets:
  fleet:
    hosts: [${HOSTS.map((h) => `"${h.spec}"`).join(', ')}]
    dir: ~/${this.app}
    ssh:
      key: ${env.clientKey}
      fingerprint: [${HOSTS.map((h) => `"${h.fingerprint}"`).join(', ')}]
      config: false
      connect_timeout: 30s # four sshd handshakes at once on a loaded two-core machine
    rollout: ${rollout}
`,
    );
    projects.push(this);
  }

  serverDir(h: TestHost): string {
    return join(h.home, this.app);
  }

  /** The gate fails on host h for this tag. */
  failOn(h: TestHost, tag: string): void {
    mkdirSync(join(this.serverDir(h), 'flags'), { recursive: true });
    writeFileSync(join(this.serverDir(h), 'flags', `fail-${tag}`), '');
  }

  serving(h: TestHost): string | undefined {
    try {
      return execFileSync('curl', ['-fsS', '--max-time', '20', `http://${h.address}:${this.port}/version`], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return undefined;
    }
  }

  fetch(h: TestHost, path: string): string | undefined {
    try {
      return execFileSync('curl', ['-fsS', '--max-time', '20', `http://${h.address}:${this.port}${path}`], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return undefined;
    }
  }

  releases(h: TestHost): Record<string, unknown>[] {
    const file = join(this.serverDir(h), '.gangway', 'releases.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** No lock and no rollout marker left on any host. */
  assertSettled(): void {
    for (const h of HOSTS) {
      assert.ok(!existsSync(join(this.serverDir(h), '.gangway', 'lock')), `${h.spec}: lock left`);
      assert.ok(!existsSync(join(this.serverDir(h), '.gangway', 'rollout.json')), `${h.spec}: rollout marker left`);
    }
  }

  start(args: string[]): { done: Promise<Run>; out: () => string; kill: () => void; interrupt: () => void } {
    const child = tracked(
      bounded(spawn(process.execPath, [BIN, '-c', this.config, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })),
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const done = new Promise<Run>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
    return {
      done,
      out: () => stdout + stderr,
      kill: () => child.kill('SIGKILL'),
      interrupt: () => child.kill('SIGINT'),
    };
  }

  run(args: string[]): Promise<Run> {
    return this.start(args).done;
  }

  cleanup(): void {
    for (const h of HOSTS) {
      const docker = `docker -H ${h.docker}`;
      execFileSync('sh', [
        '-c',
        `${docker} ps -aq --filter label=com.docker.compose.project=${this.app} | xargs -r ${docker} rm -f ` +
          `>/dev/null 2>&1; ${docker} network ls -q --filter label=com.docker.compose.project=${this.app} | ` +
          `xargs -r ${docker} network rm >/dev/null 2>&1; true`,
      ]);
      rmSync(this.serverDir(h), { recursive: true, force: true });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const ok = (r: Run) => assert.equal(r.code, 0, r.stdout + r.stderr);
const json = (r: Run) =>
  JSON.parse(r.stdout) as {
    rollout: string;
    hosts: { host: string; result: string; from: string; serving: string; failingStep?: string }[];
  };

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('the canary fails its gate: no other host is touched, the canary is back on v1, exit 1', async () => {
  const p = new Fleet('{ canary: 1, batch: 1 }');
  ok(await p.run(['deploy', '--tag', 'v1', '--yes']));
  p.failOn(HOSTS[0]!, 'v2');
  const r = await p.run(['--json', 'deploy', '--tag', 'v2', '--yes']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const doc = json(r);
  assert.deepEqual(
    doc.hosts.map((h) => h.result),
    ['rolled_back', 'unchanged', 'unchanged', 'unchanged'],
  );
  assert.deepEqual(
    doc.hosts.slice(1).map((h) => h.failingStep),
    ['not started', 'not started', 'not started'],
  );
  for (const h of HOSTS) assert.equal(p.serving(h), 'v1', h.spec);
  assert.equal(p.releases(HOSTS[0]!).at(-1)?.status, 'rolled_back');
  for (const h of HOSTS.slice(1)) assert.equal(p.releases(h).length, 1, `${h.spec} got no release of v2`);
  p.assertSettled();
});

test('batch 2 fails on one host: the canary and batch 1 go back to v1 too; the last batch never starts', async () => {
  const p = new Fleet('{ canary: 1, batch: 1 }');
  ok(await p.run(['deploy', '--tag', 'v1', '--yes']));
  p.failOn(HOSTS[2]!, 'v2');
  const r = await p.run(['deploy', '--tag', 'v2', '--yes']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  for (const h of HOSTS) assert.equal(p.serving(h), 'v1', h.spec);
  // The summary table: every host, from → to, result.
  assert.match(r.stdout, /host +from → to +result +duration/);
  for (const h of HOSTS.slice(0, 2)) assert.match(r.stdout, new RegExp(`${h.spec} +v1 → v2 +put back on v1`));
  assert.match(r.stdout, new RegExp(`${HOSTS[2]!.spec} +v1 → v2 +failed, rolled back`));
  assert.match(r.stdout, new RegExp(`${HOSTS[3]!.spec} +v1 → v2 +not changed`));
  assert.match(r.stdout, /gwh13@10\.77\.13\.2 failed: putting gwh11@10\.77\.11\.2, gwh12@10\.77\.12\.2 back/);
  // Records: the v2 release and the one that put the host back share the rollout id, per host.
  const moved = p.releases(HOSTS[0]!);
  const [v2, back] = moved.slice(-2);
  assert.equal(v2?.tag, 'v2');
  assert.equal(v2?.status, 'succeeded');
  assert.equal(back?.status, 'rollback');
  assert.equal(back?.tag, 'v1');
  assert.equal(back?.rollout, v2?.rollout);
  assert.equal(p.releases(HOSTS[2]!).at(-1)?.rollout, v2?.rollout);
  assert.equal(p.releases(HOSTS[3]!).length, 1);
  const log = readFileSync(join(p.dir, 'records', 'release.log'), 'utf8');
  assert.match(log, new RegExp(`rollout: ${String(v2?.rollout)}`));
  assert.match(log, /gwh11@10\.77\.11\.2 reverted \(v1 → tag v2, serving v1/);
  assert.match(log, /rolled back: yes, put back on v1 because another host failed/);
  p.assertSettled();
  // Another deploy goes ahead normally afterwards (nothing left locked or half-done).
  rmSync(join(p.serverDir(HOSTS[2]!), 'flags', 'fail-v2'));
  ok(await p.run(['deploy', '--tag', 'v2', '--yes']));
  for (const h of HOSTS) assert.equal(p.serving(h), 'v2', h.spec);
});

test('on_failure: stop leaves the hosts that moved on v2 and says so', async () => {
  const p = new Fleet('{ canary: 1, batch: 1, on_failure: stop }');
  ok(await p.run(['deploy', '--tag', 'v1', '--yes']));
  p.failOn(HOSTS[2]!, 'v2');
  const r = await p.run(['deploy', '--tag', 'v2', '--yes']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.deepEqual(
    HOSTS.map((h) => p.serving(h)),
    ['v2', 'v2', 'v1', 'v1'],
  );
  assert.match(r.stdout, /stay on the new release \(on_failure: stop\)/);
  assert.match(r.stdout, /kept on v2 \(on_failure: stop\)/);
  p.assertSettled();
});

test('SSH to one host drops mid-rollout: that host reconnects and the rollout completes, exit 0', async () => {
  const p = new Fleet('{ canary: 1 }');
  ok(await p.run(['deploy', '--tag', 'v1', '--yes']));
  const cli = p.start(['-v', 'deploy', '--tag', 'v2', '--yes']);
  const victim = HOSTS[2]!;
  await waitFor(() => cli.out().includes(`${victim.spec}: start apply`), 300_000, 'the apply on host 13');
  const sshdPid = readFileSync(join(victim.home, '..', 'sshd.pid'), 'utf8').trim();
  execFileSync('pkill', ['-KILL', '-P', sshdPid]);
  const r = await cli.done;
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /connection lost .*reconnecting/);
  for (const h of HOSTS) assert.equal(p.serving(h), 'v2', h.spec);
  p.assertSettled();
});

test('the CLI is killed mid-rollout: status reports the unfinished rollout, the next deploy finishes it', async () => {
  const p = new Fleet('{ canary: 1, batch: 1, pause: 0s }');
  ok(await p.run(['deploy', '--tag', 'v1', '--yes']));
  // A pause far longer than the test takes to see it and kill the CLI, however loaded the machine.
  writeFileSync(p.config, readFileSync(p.config, 'utf8').replace('pause: 0s', 'pause: 20m'));
  const cli = p.start(['deploy', '--tag', 'v2', '--yes']);
  await waitFor(() => cli.out().includes('pause 20m0s before the next batch'), 300_000, 'the canary');
  cli.kill(); // the laptop goes away after the canary moved
  await cli.done;
  assert.deepEqual(
    HOSTS.map((h) => p.serving(h)),
    ['v2', 'v1', 'v1', 'v1'],
  );
  // The CLI's lock heartbeat stopped: the locks go stale within a minute (the canary's apply handed its back).
  const status = await p.run(['status']);
  assert.equal(status.code, 1);
  assert.match(status.stdout, /NO-GO — a deploy is in progress/);
  // The next deploy (here without the pause) waits for the stale locks, then moves every host.
  writeFileSync(p.config, readFileSync(p.config, 'utf8').replace('pause: 20m', 'pause: 0s'));
  const next = await p.run(['deploy', '--tag', 'v2', '--yes', '--lock-wait', '5m']);
  assert.equal(next.code, 0, next.stdout + next.stderr);
  assert.match(
    next.stdout,
    /rollout \S+ \(deploy of v2 to 4 hosts by .*\) did not finish \(marker on gwh11@10\.77\.11\.2, gwh12@.*\); this/,
  );
  assert.match(next.stdout, /recovered a stale lock: no heartbeat from its deploy for over a minute/);
  for (const h of HOSTS) assert.equal(p.serving(h), 'v2', h.spec);
  p.assertSettled();
});

test('Ctrl-C after the canary: no batch starts, the canary goes back, every lock free at once, exit 130', async () => {
  const p = new Fleet('{ canary: 1, batch: 1, pause: 0s }');
  ok(await p.run(['deploy', '--tag', 'v1', '--yes']));
  // The pause holds the run after the canary until the test interrupts it (Ctrl-C ends a pause at once).
  writeFileSync(p.config, readFileSync(p.config, 'utf8').replace('pause: 0s', 'pause: 20m'));
  const cli = p.start(['--json', 'deploy', '--tag', 'v2', '--yes']);
  await waitFor(() => cli.out().includes('pause 20m0s before the next batch'), 300_000, 'the canary');
  assert.equal(p.serving(HOSTS[0]!), 'v2', 'the canary moved');
  cli.interrupt();
  const r = await cli.done;
  assert.equal(r.code, 130, r.stdout + r.stderr);
  p.assertSettled(); // at once: no lock waits to go stale, no rollout marker is left
  for (const h of HOSTS) assert.equal(p.serving(h), 'v1', h.spec);
  const doc = json(r);
  assert.deepEqual(
    doc.hosts.map((h) => h.result),
    ['reverted', 'unchanged', 'unchanged', 'unchanged'],
  );
  assert.match(r.stderr, /interrupted \(SIGINT\): no further host starts/);
  assert.match(r.stderr, /interrupted \(SIGINT\): putting gwh11@10\.77\.11\.2 back \(on_failure: rollback_all\)/);
  assert.doesNotMatch(r.stderr, /batch 1 of 3/);
  const back = p.releases(HOSTS[0]!).at(-1);
  assert.equal(back?.status, 'rollback');
  assert.equal(back?.tag, 'v1');
  for (const h of HOSTS.slice(1)) assert.equal(p.releases(h).length, 1, `${h.spec} got no release of v2`);
  const log = readFileSync(join(p.dir, 'records', 'release.log'), 'utf8');
  assert.match(log, /rolled back: yes, put back on v1 because the run was interrupted \(SIGINT\)/);
  assert.match(log, /what failed: not started — not started: the run was interrupted \(SIGINT\)/);
});

test('Ctrl-C while the canary is mid-apply: it finishes its gate, then goes back; no other host starts', async () => {
  const p = new Fleet('{ canary: 1, batch: 1 }');
  ok(await p.run(['deploy', '--tag', 'v1', '--yes']));
  const cli = p.start(['-v', '--json', 'deploy', '--tag', 'v2', '--yes']);
  const canary = HOSTS[0]!;
  await waitFor(() => cli.out().includes(`${canary.spec}: start apply`), 300_000, 'the apply on the canary');
  cli.interrupt();
  const r = await cli.done;
  assert.equal(r.code, 130, r.stdout + r.stderr);
  p.assertSettled();
  for (const h of HOSTS) assert.equal(p.serving(h), 'v1', h.spec);
  assert.deepEqual(
    json(r).hosts.map((h) => h.result),
    ['reverted', 'unchanged', 'unchanged', 'unchanged'],
  );
  // The canary's apply ran to the end of its gate (v2 recorded as succeeded), then the rollback put v1 back.
  assert.deepEqual(
    p.releases(canary).map((x) => `${String(x.tag)} ${String(x.status)}`),
    ['v1 succeeded', 'v2 succeeded', 'v1 rollback'],
  );
  for (const h of HOSTS.slice(1)) assert.equal(p.releases(h).length, 1, `${h.spec} got no release of v2`);
});

test('an unfinished rollout: status says so (NO-GO) and rollback takes back only what it moved', async () => {
  const p = new Fleet('{ canary: 1 }');
  ok(await p.run(['deploy', '--tag', 'v1', '--yes']));
  // What a CLI killed mid-rollout leaves once its locks went stale: a marker, and the fleet half moved.
  ok(await p.run(['deploy', '--tag', 'v2', '--yes', '--host', HOSTS[0]!.spec]));
  const id = String(p.releases(HOSTS[0]!).at(-1)?.rollout);
  const marker = { id, operation: 'deploy', tag: 'v2', target: 'fleet', who: 'ci@x', started: 'then' };
  writeFileSync(
    join(p.serverDir(HOSTS[0]!), '.gangway', 'rollout.json'),
    JSON.stringify({ ...marker, hosts: HOSTS.map((h) => h.spec) }),
  );
  const r = await p.run(['status']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /NO-GO — rollout \S+ \(deploy of v2 to 4 hosts by ci@x, started then\) did not finish/);
  assert.match(r.stdout, /hosts serve different tags: gwh11@10\.77\.11\.2 v2, gwh12@10\.77\.12\.2 v1/);
  const back = await p.run(['rollback', '--yes']);
  ok(back);
  for (const h of HOSTS) assert.equal(p.serving(h), 'v1', h.spec);
  assert.equal(p.releases(HOSTS[0]!).at(-1)?.status, 'rollback');
  for (const h of HOSTS.slice(1)) assert.equal(p.releases(h).length, 1, `${h.spec} was left as it was`);
  assert.match(back.stdout, new RegExp(`${HOSTS[1]!.spec} +v1 → \\S+ +left as it was`));
  p.assertSettled();
});

test('hooks: a failing before_deploy hook changes nothing; after_deploy runs in the service on each host', async () => {
  const failing = new Fleet(
    '{ canary: 1 }',
    `hooks:\n  before_deploy: [{ run: 'echo "before-hook $GANGWAY_TAG ${SECRET.replace(/"/g, '\\"')}"; exit 3' }]\n`,
  );
  const r = await failing.run(['deploy', '--tag', 'v1', '--yes']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /before_deploy\[0\] \(on: local\) \| before-hook v1 \*\*\*/);
  assert.match(r.stderr, /hook before_deploy\[0\] \(on: local\) failed: exit 3; nothing was changed on any host/);
  for (const h of HOSTS) assert.deepEqual(failing.releases(h), [], `${h.spec} has no release`);
  failing.assertSettled();
  assert.deepEqual(findLeaks({ stdout: r.stdout, stderr: r.stderr }, { SECRET }), []);

  const p = new Fleet(
    '{ canary: 1 }',
    `hooks:
  after_deploy:
    - { run: 'echo "migrated $GANGWAY_TAG on $GANGWAY_HOST" > /www/migrated', on: service, service: web }
    - { run: 'echo "$GANGWAY_RELEASE $GANGWAY_STATUS" > hook-ran', on: server }
`,
  );
  const deployed = await p.run(['--json', 'deploy', '--tag', 'v2', '--yes']);
  ok(deployed);
  const release = (JSON.parse(deployed.stdout) as { release: string }).release;
  for (const h of HOSTS) {
    assert.equal(p.fetch(h, '/migrated'), `migrated v2 on ${h.spec}`);
    assert.equal(readFileSync(join(p.serverDir(h), 'hook-ran'), 'utf8').trim(), `${release} succeeded`);
  }
});

test('exec runs in the service on every host or on one (--host), prefixed and masked; exit = the worst', async () => {
  const p = new Fleet('{ canary: 0 }');
  ok(await p.run(['deploy', '--tag', 'v1', '--yes']));
  const all = await p.run(['exec', 'web', '--', 'sh', '-c', 'cat /www/version; echo; echo "$APP_SECRET"']);
  ok(all);
  for (const h of HOSTS) {
    assert.match(all.stdout, new RegExp(`${h.spec} \\| v1`));
    assert.match(all.stdout, new RegExp(`${h.spec} \\| \\*\\*\\*`));
  }
  assert.deepEqual(findLeaks({ stdout: all.stdout, stderr: all.stderr }, { SECRET }), []);
  const one = await p.run(['--json', 'exec', 'fleet', 'web', '--host', HOSTS[1]!.address, '--', 'cat', '/www/version']);
  ok(one);
  const doc = JSON.parse(one.stdout) as { hosts: { host: string; lines: string[] }[] };
  assert.deepEqual(doc.hosts, [{ host: HOSTS[1]!.spec, code: 0, lines: ['v1'] }]);
  p.failOn(HOSTS[3]!, 'exit-test');
  const worst = await p.run(['exec', 'web', '--', 'sh', '-c', 'if test -e /flags/fail-exit-test; then exit 5; fi']);
  assert.equal(worst.code, 5, worst.stdout + worst.stderr);
  assert.match(worst.stderr, /exec in web: gwh14@10\.77\.14\.2 exit 5/);
});
