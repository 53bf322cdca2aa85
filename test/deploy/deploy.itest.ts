/**
 * The deploy pipeline end to end through the real sshd into the real dockerd with Compose v2: success,
 * automatic rollback, first deploy failing, --env-only, --dry-run, the lock, a dropped connection.
 * Images are built on the engine the sshd reaches (already "on the server"); delivery modes have their own tests.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gangway } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { findLeaks } from '../helpers/canary.js';
import { buildWebImage } from '../helpers/images.js';
import { testEnv, testHost } from '../helpers/testenv.js';
import { killChildren, tracked } from '../helpers/children.js';
import { fingerprintOf } from '../../src/hosts/ssh/host-key.js';

const IMAGE = 'gangway-test/web';
const projects: DeployProject[] = [];
const project = (...args: Parameters<typeof deployProject>) => {
  const p = deployProject(...args);
  projects.push(p);
  return p;
};

before(async () => {
  await buildWebImage(`${IMAGE}:v1`, { version: 'v1' });
  await buildWebImage(`${IMAGE}:v2`, { version: 'v2' });
  await buildWebImage(`${IMAGE}:bad`, { version: 'bad', healthy: false });
});
// Each test's containers go when it ends: fewer containers running healthchecks on a loaded machine.
const cleanup = () => {
  for (const p of projects.splice(0)) p.cleanup();
};
afterEach(cleanup);
after(() => {
  killChildren();
  cleanup();
});

/** Every wait below ends on a condition; these deadlines are backstops for a machine that is very slow. */
const BACKSTOP_MS = 300_000;

/** The CLI in the background, with its output so far. */
interface RunningCli {
  child: ChildProcess;
  out(): string;
  err(): string;
  exit: Promise<number | null>;
}

function startCli(args: string[]): RunningCli {
  const child = tracked(
    spawn(process.execPath, [fileURLToPath(new URL('../../bin/gangway.js', import.meta.url)), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), BACKSTOP_MS);
  const exit = new Promise<number | null>((r) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      r(code);
    }),
  );
  return { child, out: () => out, err: () => err, exit };
}

/**
 * A web service whose healthcheck fails while `<dir>/gate/hold-<version>` exists (and its start period keeps
 * it "starting", not unhealthy): a test holds an apply in its health gate for exactly as long as it needs.
 * `gate` is one of gangway.yml's `dirs`, so gangway creates it (owned by the deploy user).
 */
function heldProject(options: Parameters<typeof deployProject>[0] = {}) {
  const published = options.host ? '' : '127.0.0.1:';
  const p = project({
    ...options,
    compose: (port) => `services:
  web:
    image: gangway-test/web:\${IMAGE_TAG:?IMAGE_TAG required}
    environment:
      APP_SECRET: \${APP_SECRET}
    volumes: ["./gate:/gate:ro"]
    healthcheck:
      test: ["CMD-SHELL", "test ! -e /gate/hold-$$(cat /www/version)"]
      interval: 2s # each check is a runc exec: every second, across the suite's containers, saturates 2 cores
      start_period: 10m
    ports: ["${published}${port}:8080"]
    stop_grace_period: 1s
`,
    health: '  services: [web]\n  timeout: 10m',
    extra: 'dirs: [gate]\n',
  });
  const hold = (version: string) => join(p.serverDir, 'gate', `hold-${version}`);
  return {
    p,
    hold: (version: string) => writeFileSync(hold(version), ''),
    release: (version: string) => rmSync(hold(version), { force: true }),
  };
}

function stat(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

test('v1, v2, then a bad image: automatic rollback to v2, exit 1, the failure recorded everywhere', () => {
  const p = project();
  const v1 = gangway(['-c', p.config, 'deploy', '--tag', 'v1']);
  assert.equal(v1.code, 0, v1.stdout + v1.stderr);
  assert.equal(p.serving(), 'v1');
  p.writeEnv('APP_SECRET=canary-e2e-secret-value-2\n'); // a change of .env: backed up once (SPEC: one per change)
  const v2 = gangway(['-c', p.config, 'deploy', '--tag', 'v2']);
  assert.equal(v2.code, 0, v2.stdout + v2.stderr);
  assert.equal(p.serving(), 'v2');

  const bad = gangway(['-c', p.config, 'deploy', '--tag', 'bad']);
  assert.equal(bad.code, 1, bad.stdout + bad.stderr);
  assert.match(bad.stdout, /\[fail\] health web — container reports unhealthy/);
  assert.match(bad.stdout, /rolled back: serving v2/);
  assert.match(bad.stderr, /deploy of bad failed: root@.* rolled back to v2/);
  assert.equal(p.serving(), 'v2');

  // Server: files of SPEC "On each server".
  const state = join(p.serverDir, '.gangway');
  assert.equal(readFileSync(join(state, 'last_good_tag'), 'utf8').trim(), 'v2');
  assert.equal(stat(join(p.serverDir, '.env')), '600');
  const backups = readdirSync(p.serverDir).filter((f) => f.startsWith('.env.bak-'));
  assert.ok(
    backups.length === 1 &&
      backups.every((f) => /^\.env\.bak-\d{8}-\d{6}$/.test(f) && stat(join(p.serverDir, f)) === '600'),
    backups.join(','),
  );
  assert.ok(!existsSync(join(state, 'lock')), 'the apply released the lock');
  const records = p.releases();
  assert.deepEqual(
    records.map((r) => [r.tag, r.status, r.serving]),
    [
      ['v1', 'succeeded', 'v1'],
      ['v2', 'succeeded', 'v2'],
      ['bad', 'rolled_back', 'v2'],
    ],
  );
  const failed = records[2]!;
  assert.equal(failed.failing_step, 'health web');
  for (const field of ['id', 'started', 'finished', 'duration_s', 'who', 'target', 'host', 'delivery', 'sha256'])
    assert.ok(field in failed, field);
  for (const r of readdirSync(join(state, 'releases'))) {
    assert.equal(stat(join(state, 'releases', r, '.env')), '600');
    assert.ok(existsSync(join(state, 'releases', r, 'manifest.json')));
  }
  const runLog = readFileSync(join(state, 'runs', `${String(failed.id)}.log`), 'utf8');
  assert.match(runLog, /rolled back: release \S+ is serving v2|rolled back/);

  // Local records.
  const releaseLog = readFileSync(join(p.dir, 'records', 'release.log'), 'utf8');
  assert.match(releaseLog, /TAG bad {2}target e2e {2}result: rolled_back/);
  assert.match(
    releaseLog,
    new RegExp(
      /Minimum Failure Record \(root@.*\):\n {2}what failed: health web — container reports unhealthy\n/.source +
        / {2}first error line: .+\n {2}rolled back: yes, to v2/.source,
    ),
  );
  const deployLogs = readdirSync(join(p.dir, 'records')).filter((f) => /^deploy_\d{8}-\d{6}\.log$/.test(f));
  assert.ok(deployLogs.length >= 1);
  const places: Record<string, string> = {
    v1: v1.stdout + v1.stderr,
    v2: v2.stdout + v2.stderr,
    bad: bad.stdout + bad.stderr,
    releaseLog,
    runLog,
    releases: readFileSync(join(state, 'releases.jsonl'), 'utf8'),
  };
  for (const f of deployLogs) places[f] = readFileSync(join(p.dir, 'records', f), 'utf8');
  assert.deepEqual(findLeaks(places, { APP_SECRET: 'canary-e2e-secret-value' }), []);
});

test('a first deploy that fails stops its containers and says nothing was there to roll back to', () => {
  const p = project();
  const r = gangway(['-c', p.config, 'deploy', '--tag', 'bad']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /failed, serving none/);
  assert.equal(p.releases()[0]?.status, 'failed');
  assert.match(
    String(p.releases()[0]?.reason),
    /first deploy, nothing to roll back to: the new containers were stopped/,
  );
  const running = execFileSync('docker', ['ps', '-q', '--filter', `label=com.docker.compose.project=${p.app}`], {
    encoding: 'utf8',
  });
  assert.equal(running.trim(), '');
});

test('--dry-run prints the plan and touches nothing on the server', () => {
  const p = project();
  const r = gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /plan: release \d{8}-\d{6}-[0-9a-f]{4}, deploy, tag v1/);
  assert.match(r.stdout, /take the deploy lock[\s\S]*upload compose files and env[\s\S]*health gate within 120s/);
  assert.ok(!existsSync(p.serverDir), 'no deploy directory was created');
  assert.ok(!existsSync(join(p.dir, 'records')), 'no local records for a dry run');
  const json = gangway(['-c', p.config, '--json', 'deploy', '--tag', 'v1', '--dry-run']);
  assert.deepEqual(
    JSON.parse(json.stdout).plan.hosts[0].steps.map((s: { kind: string }) => s.kind),
    ['lock', 'dirs', 'release', 'apply'],
  );
});

test('tags Docker would reject, or with shell metacharacters, are refused before anything runs', () => {
  const p = project();
  for (const tag of ['v1;rm -rf /', '$(id)', '-v1', 'a'.repeat(129), 'v 1']) {
    const r = gangway(['-c', p.config, 'deploy', '--tag', tag]);
    assert.equal(r.code, 2, tag);
    assert.match(r.stderr, /is not a valid image tag/);
  }
  assert.ok(!existsSync(p.serverDir));
});

test('--env-only: recreates only the service whose environment changed; a failing gate puts the old env back', () => {
  // A \ at the end of a line in the template below is a JS line continuation: the text has no line break there.
  const compose = (port: number) => `services:
  web:
    image: gangway-test/web:\${IMAGE_TAG:?IMAGE_TAG required}
    environment: { APP_SECRET: "\${APP_SECRET}" }
    healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/\${HEALTH_PATH}"], \
interval: 2s, retries: 2 }
    ports: ["127.0.0.1:${port}:8080"]
    stop_grace_period: 1s
  other:
    image: gangway-test/web:\${IMAGE_TAG:?IMAGE_TAG required}
    stop_grace_period: 1s
`;
  const p = project({ compose, envText: 'APP_SECRET=canary-env-only-1\nHEALTH_PATH=health\n' });
  assert.equal(gangway(['-c', p.config, 'deploy', '--tag', 'v1']).code, 0);
  const ids = () =>
    execFileSync(
      'docker',
      [
        'ps',
        '--no-trunc',
        '--filter',
        `label=com.docker.compose.project=${p.app}`,
        '--format',
        '{{.Label "com.docker.compose.service"}}={{.ID}}',
      ],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n')
      .sort();
  const before = ids();

  p.writeEnv('APP_SECRET=canary-env-only-2\nHEALTH_PATH=health\n');
  const ok = gangway(['-c', p.config, 'deploy', '--env-only']);
  assert.equal(
    ok.code,
    0,
    `${ok.stdout}${ok.stderr}${readFileSync(
      join(
        p.serverDir,
        '.gangway',
        'runs',
        readdirSync(join(p.serverDir, '.gangway', 'runs'))
          .sort()
          .at(-1)!,
      ),
      'utf8',
    )}`,
  );
  const afterOk = ids();
  assert.equal(
    afterOk.find((l) => l.startsWith('other=')),
    before.find((l) => l.startsWith('other=')),
    'other kept its container',
  );
  assert.notEqual(
    afterOk.find((l) => l.startsWith('web=')),
    before.find((l) => l.startsWith('web=')),
    'web was recreated',
  );
  assert.match(readFileSync(join(p.serverDir, '.env'), 'utf8'), /canary-env-only-2/);
  assert.equal(p.releases().at(-1)?.tag, 'v1');

  p.writeEnv('APP_SECRET=canary-env-only-3\nHEALTH_PATH=missing\n');
  const bad = gangway(['-c', p.config, 'deploy', '--env-only']);
  assert.equal(bad.code, 1, bad.stdout + bad.stderr);
  assert.match(readFileSync(join(p.serverDir, '.env'), 'utf8'), /canary-env-only-2/, 'the previous env is back');
  assert.equal(p.releases().at(-1)?.status, 'rolled_back');
  assert.equal(p.serving(), 'v1');
  assert.deepEqual(
    findLeaks(
      { ok: ok.stdout + ok.stderr, bad: bad.stdout + bad.stderr },
      { A: 'canary-env-only-2', B: 'canary-env-only-3' },
    ),
    [],
  );
});

test('two deploys at once: the second exits 4 naming the holder, or waits with --lock-wait', async () => {
  // A before_deploy hook (run once the lock is held) keeps the first deploy, and its lock, until the test says.
  const p = project({
    extra: 'hooks:\n  before_deploy: [{ run: "while [ ! -e gate-open ]; do sleep 0.2; done", on: local }]\n',
  });
  const first = startCli(['-c', p.config, 'deploy', '--tag', 'v1']);
  try {
    await waitFor(
      () => /hook before_deploy/.test(first.out()),
      BACKSTOP_MS,
      () => first.out() + first.err(),
    );
    const second = gangway(['-c', p.config, 'deploy', '--tag', 'v2']);
    assert.equal(second.code, 4, second.stdout + second.stderr);
    assert.match(second.stderr, /the deploy lock is held by .+ since .+ \(deploying v1\)/);
    const waiting = startCli(['-c', p.config, 'deploy', '--tag', 'v2', '--lock-wait', '10m']);
    await waitFor(
      () => /held by .*; waiting/.test(waiting.out()),
      BACKSTOP_MS,
      () => waiting.out() + waiting.err(),
    );
    writeFileSync(join(p.dir, 'gate-open'), '');
    assert.equal(await first.exit, 0, first.out() + first.err());
    assert.equal(await waiting.exit, 0, waiting.out() + waiting.err());
    assert.equal(p.serving(), 'v2');
    assert.deepEqual(
      p.releases().map((r) => [r.tag, r.status]),
      [
        ['v1', 'succeeded'],
        ['v2', 'succeeded'],
      ],
    );
  } finally {
    writeFileSync(join(p.dir, 'gate-open'), '');
  }
});

test(
  'the SSH connection killed during the apply: the server still ends healthy, records it and frees the ' + 'lock',
  async () => {
    const { p, hold, release } = heldProject();
    assert.equal(gangway(['-c', p.config, 'deploy', '--tag', 'v1']).code, 0);
    hold('v2'); // the apply of v2 waits in its health gate until the CLI is gone
    const cli = startCli(['-c', p.config, 'deploy', '--tag', 'v2']);
    await waitFor(
      () => cli.out().includes('start apply'),
      BACKSTOP_MS,
      () => cli.out() + cli.err(),
    );
    cli.child.kill('SIGKILL'); // the laptop goes away mid-apply
    await cli.exit;
    assert.equal(p.releases().length, 1, 'the apply had not finished when the CLI went away');
    release('v2');
    await waitFor(() => p.releases().length === 2, BACKSTOP_MS);
    assert.equal(p.releases()[1]?.status, 'succeeded');
    assert.equal(p.serving(), 'v2');
    await waitFor(() => !existsSync(join(p.serverDir, '.gangway', 'lock')), BACKSTOP_MS);
  },
);

/** Poll `condition` until it holds; `timeoutMs` is a backstop, never the expected wait. */
async function waitFor(condition: () => boolean, timeoutMs: number, context?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${context ? `:\n${context()}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test(
  'the server drops the SSH connection mid-apply: the CLI reconnects, follows the log to the end, exit ' + '0',
  async () => {
    // On test host 2, whose sshd only this file uses: killing its sessions cuts no other file's connection.
    const host = testHost(2);
    const { p, hold, release } = heldProject({ host, delivery: 'sync' });
    assert.equal(gangway(['-c', p.config, 'deploy', '--tag', 'v1']).code, 0);
    hold('v2'); // the apply of v2 waits in its health gate while the connection drops
    const cli = startCli(['-c', p.config, '-v', 'deploy', '--tag', 'v2']);
    try {
      await waitFor(
        () => cli.out().includes('start apply'),
        BACKSTOP_MS,
        () => cli.out() + cli.err(),
      );
      // Kill the per-connection sshd processes of the target sshd: the network side of the session is gone.
      const sshdPid = readFileSync(join(host.home, '..', 'sshd.pid'), 'utf8').trim();
      execFileSync('pkill', ['-KILL', '-P', sshdPid]);
      await waitFor(
        () => /connection lost/.test(cli.err()),
        BACKSTOP_MS,
        () => cli.out() + cli.err(),
      );
      assert.equal(p.releases().length, 1, 'the connection dropped before the apply finished');
    } finally {
      release('v2');
    }
    const code = await cli.exit;
    const out = cli.out();
    const err = cli.err();
    assert.equal(code, 0, out + err);
    assert.match(err, /connection lost .*reconnecting/);
    assert.match(err, /reconnected/);
    assert.match(out, /serving v2/);
    assert.equal(p.releases().at(-1)?.status, 'succeeded');
  },
);

test('several hosts: one unreachable host fails the preflight (exit 3) and no host is touched', () => {
  const p = project();
  const text = readFileSync(p.config, 'utf8');
  writeFileSync(p.config, text.replace(/hosts: \["(root@[^"]+)"\]/, 'hosts: ["$1", "root@127.0.0.1:1"]'));
  const r = gangway(['-c', p.config, 'deploy', '--tag', 'v1']);
  // Preflight sees the unreachable host first: nothing is deployed anywhere.
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout, /host root@127\.0\.0\.1:1\n {2}\[fail\] SSH — .*connection refused/);
  assert.ok(!existsSync(p.serverDir), 'the reachable host was not touched either');
});

test(
  'every file gangway wrote on the server and locally is free of the env values (besides the env files ' +
    'themselves)',
  () => {
    const p = project({ envText: 'APP_SECRET=canary-files-scan-1\nOTHER="canary-files-scan-2"\n' });
    assert.equal(gangway(['-c', p.config, 'deploy', '--tag', 'v1']).code, 0);
    assert.equal(gangway(['-c', p.config, 'deploy', '--tag', 'bad']).code, 1);
    const places: Record<string, string> = {};
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (!/^\.env(\.bak-.*)?$|^\.mask$/.test(entry.name)) places[path] = readFileSync(path, 'utf8');
      }
    };
    walk(p.serverDir);
    walk(join(p.dir, 'records'));
    assert.ok(
      Object.keys(places).some((f) => f.endsWith('apply.sh')) &&
        Object.keys(places).some((f) => f.endsWith('manifest.json')),
    );
    assert.deepEqual(findLeaks(places, { A: 'canary-files-scan-1', B: 'canary-files-scan-2' }), []);
  },
);

test('one SSH connection per host for the whole deploy: preflight, upload and apply share it', () => {
  // Host 2 (scripts/test-hosts.sh) has an sshd of its own that no other test file connects to while this runs
  // (the loopback sshd's log counts other files' connections too); the image travels over the same connection.
  const host = testHost(2);
  const p = project({ host, delivery: 'sync' });
  const log = join(host.home, '..', 'sshd.log');
  const accepted = () => readFileSync(log, 'utf8').split('Accepted publickey').length - 1;
  const before = accepted();
  const r = gangway(['-c', p.config, 'deploy', '--tag', 'v1']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(accepted() - before, 1);
});

test('--host narrows deploy and status to one host of a target: the other host is not touched', () => {
  const h2 = testHost(2);
  const env = testEnv();
  const p = project({ host: h2, delivery: 'sync' });
  const loopbackFingerprint = fingerprintOf(Buffer.from(env.hostKeyPub('target').base64, 'base64'));
  const text = readFileSync(p.config, 'utf8')
    .replace(`hosts: ["${h2.spec}"]`, `hosts: ["${h2.spec}", "root@${env.host}:${env.port}"]`)
    .replace(`dir: ${p.serverDir}`, `dir: ~/${p.app}`)
    .replace(`fingerprint: "${h2.fingerprint}"`, `fingerprint: ["${h2.fingerprint}", "${loopbackFingerprint}"]`);
  writeFileSync(p.config, text);
  const r = gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--host', h2.address, '--yes']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(p.serving(), 'v1');
  assert.ok(!existsSync(`/root/${p.app}`), 'the other host of the target was not touched');
  const status = gangway(['-c', p.config, '--json', 'status', '--host', h2.spec]);
  assert.equal(status.code, 0, status.stdout + status.stderr);
  assert.deepEqual(
    (JSON.parse(status.stdout) as { hosts: { host: string }[] }).hosts.map((h) => h.host),
    [h2.spec],
  );
  const wrong = gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--host', 'nowhere', '--yes']);
  assert.equal(wrong.code, 2);
  assert.match(
    wrong.stderr,
    /--host nowhere: not a host of target e2e .*hosts: gwh2@10\.77\.2\.2, root@127\.0\.0\.1:2222/,
  );
});
