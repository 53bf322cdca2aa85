/**
 * `kill -9` of the server-side apply (only its main process: its children, `docker compose up` among them, live
 * on) at ten points of a deploy of v2 over v1, over the real sshd into the real dockerd. Each point is a
 * condition observed, not a delay: a line of the run log, the server's .env, a container event of the app's
 * project, the gate's request reaching this test. After each kill the CLI recovers: v1 answers on the app's
 * port, the release is recorded failed ("apply died"), the lock is free and nothing of v2 is left behind.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gangway } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { buildWebImage } from '../helpers/images.js';

const BIN = fileURLToPath(new URL('../../bin/gangway.js', import.meta.url));
const V1_ENV = 'APP_SECRET=kill-test-v1-env\n';
const V2_ENV = 'APP_SECRET=kill-test-v2-env\n';
/** Generous backstops for a loaded machine; every wait ends on its condition first. */
const STEP_MS = 120_000;

/** The gate's last HTTP check: it reaches this server, which never answers 2xx, so the gate holds there. */
let gateHits = 0;
let gate: Server;
let p: DeployProject;

before(async () => {
  for (const v of ['v1', 'v2']) await buildWebImage(`gangway-test/web:${v}`, { version: v });
  gate = createServer((_req, res) => {
    gateHits++;
    res.writeHead(503).end('held by the test\n');
  });
  await new Promise<void>((r) => gate.listen(0, '127.0.0.1', r));
  const gatePort = (gate.address() as AddressInfo).port;
  const health = (extra: string) =>
    `  services: [web]\n  http:\n    - { url: "http://127.0.0.1:PORT/health", retries: 30, interval: 1s }\n${extra}` +
    '  timeout: 120s';
  // The web server is PID 1 and ignores SIGTERM: every stop takes the grace period, so the compose up of a
  // killed apply is still at work when its recovery starts (as a real app's graceful shutdown would keep it).
  const compose = (port: number) => `services:
  web:
    image: gangway-test/web:\${IMAGE_TAG:?IMAGE_TAG required}
    environment: { APP_SECRET: "\${APP_SECRET}" }
    ports: ["127.0.0.1:${port}:8080"]
    stop_grace_period: 2s
`;
  p = deployProject({ envText: V1_ENV, health: health(''), compose });
  const config = () => readFileSync(p.config, 'utf8');
  writeFileSync(p.config, config().replaceAll('PORT', String(p.port)));
  const v1 = gangway(['-c', p.config, 'deploy', '--tag', 'v1']);
  assert.equal(v1.code, 0, v1.stdout + v1.stderr);
  // From now on each deploy of v2 has a gate that waits on this test (and an env of its own); v1's release,
  // which every recovery puts back, keeps its own gate.
  const held = `    - { url: "http://127.0.0.1:${gatePort}/hold", retries: 1000, interval: 1s }\n`;
  writeFileSync(p.config, config().replace('  timeout: 120s', `${held}  timeout: 120s`));
  p.writeEnv(V2_ENV);
});

after(async () => {
  p?.cleanup();
  await new Promise((r) => gate?.close(r));
});

const state = (file: string) => join(p.serverDir, '.gangway', file);
const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

interface Watch {
  /** Container events of the app's project since the deploy started: `ACTION NAME`, in order. */
  events: string[];
  runLog(): string;
}

/** Where the apply is killed: a condition on what the deploy of v2 has done so far. */
const points: { name: string; reached: (w: Watch) => boolean }[] = [
  { name: 'env swap: the .env backed up', reached: (w) => w.runLog().includes('backed up .env') },
  { name: "env swap: v2's .env in place", reached: () => read(join(p.serverDir, '.env')) === V2_ENV },
  { name: 'compose up: started', reached: (w) => w.runLog().includes('compose up v2') },
  ...['create', 'kill', 'die', 'destroy', 'rename'].map((action) => ({
    name: `compose up: container event ${action}`,
    reached: (w: Watch) => w.events.some((e) => e.startsWith(`${action} `)),
  })),
  { name: 'gate: waiting for the service', reached: (w) => w.runLog().includes('health gate for v2') },
  { name: "gate: the HTTP checks (the test's URL asked)", reached: () => gateHits > 0 },
];

for (const point of points)
  test(
    `apply killed at "${point.name}": v1 serves, the release is recorded failed, the lock is free`,
    {
      timeout: 5 * STEP_MS,
    },
    async () => {
      const events = watchEvents(p.app);
      gateHits = 0;
      const cli = startCli(['-c', p.config, '-v', 'deploy', '--tag', 'v2']);
      try {
        await waitFor(() => cli.out.stdout.includes('start apply') || cli.exited, STEP_MS, 'the apply to start');
        const pid = Number(read(state('lock/apply.pid')).trim());
        const id = read(state('applying')).trim();
        assert.ok(pid > 0 && id, `apply pid ${pid}, release ${id}\n${cli.out.stdout}${cli.out.stderr}`);
        const watch: Watch = { events: events.lines, runLog: () => read(state(`runs/${id}.log`)) };
        await waitFor(() => point.reached(watch) || cli.exited, STEP_MS, point.name);
        assert.ok(!cli.exited, `the deploy ended before "${point.name}":\n${cli.out.stdout}${cli.out.stderr}`);
        process.kill(pid, 'SIGKILL');

        const code = await cli.exit;
        const containerEvents = events.lines.filter((e) => !e.startsWith('exec_')).join(', ');
        const output = `${cli.out.stdout}${cli.out.stderr}\nrun log:\n${watch.runLog()}\nevents: ${containerEvents}`;
        assert.equal(code, 1, output);
        assert.match(cli.out.stdout, /rolled back: serving v1 — apply: apply died/, output);
        assert.equal(p.serving(), 'v1', output);
        const last = p.releases().at(-1)!;
        assert.deepEqual([last.id, last.tag, last.status, last.serving], [id, 'v2', 'failed', 'v1'], output);
        assert.ok(!existsSync(state('lock')), 'the lock is free');
        assert.ok(!existsSync(state('applying')), 'no apply is under way');
        assert.equal(read(join(p.serverDir, '.env')), V1_ENV, "v1's env is back");
        const containers = projectContainers(p.app);
        assert.deepEqual(
          containers.map((c) => `${c.image} ${c.state}`),
          ['gangway-test/web:v1 running'],
          `one container, v1, running: ${JSON.stringify(containers)}\n${output}`,
        );
      } finally {
        events.stop();
        cli.child.kill('SIGKILL');
      }
    },
  );

function startCli(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const cli = {
    child,
    out,
    exited: false,
    exit: new Promise<number | null>((r) =>
      child.on('exit', (code) => {
        cli.exited = true;
        r(code);
      }),
    ),
  };
  return cli;
}

/** `docker events` of the project's containers from now on (`--since` now: none missed while it connects). */
function watchEvents(project: string): { lines: string[]; stop(): void } {
  const since = (Date.now() / 1000).toFixed(3);
  const child: ChildProcess = spawn(
    'docker',
    [
      'events',
      '--since',
      since,
      '--filter',
      'type=container',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--format',
      '{{.Action}} {{.Actor.Attributes.name}}',
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const lines: string[] = [];
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  return { lines, stop: () => child.kill() };
}

/** The project's containers (every state): image and state of each. */
function projectContainers(project: string): { image: string; state: string; name: string }[] {
  const out = execFileSync(
    'docker',
    ['ps', '-a', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{json .}}'],
    { encoding: 'utf8' },
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { Image: string; State: string; Names: string })
    .map((c) => ({ image: c.Image, state: c.State, name: c.Names }));
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
