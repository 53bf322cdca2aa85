/**
 * `engine: swarm` against a real cluster (scripts/test-hosts.sh swarm 21 22 23: one manager and two workers, each
 * its own network namespace, dockerd and sshd, joined over a link of their own, an overlay network between them
 * and a registry every node pulls from), through the manager's real sshd: a first deploy (defaults added, a
 * versioned secret, env values in the services but in no process's argv), status/logs/releases/lock/check, a
 * changed secret, `gangway rollback`, a rolling v1 → v2 under load through the published port, a bad image that
 * Swarm rolls back, and a first manager that is unreachable.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { CANARIES, canaryEnvFile, findLeaks } from '../helpers/canary.js';
import { buildWebImage } from '../helpers/images.js';
import { startLoad, summarize } from '../helpers/load.js';
import {
  fetchText,
  nodeDocker,
  pushToCluster,
  sampleArgv,
  swarmCluster,
  SwarmProject,
  waitFor,
  type Cluster,
  type Run,
} from '../helpers/swarm.js';
import { testEnv, type TestHost } from '../helpers/testenv.js';

const TOKEN_ONE = 'canary-swarm-token-one "q" \\ value';
const TOKEN_TWO = 'canary-swarm-token-two "q" \\ value';
// This file's own env value: the argv sample sees every process on the machine, other test files' included, so it
// looks for values no other file uses.
const SWARM_PASSWORD = `canary-swarm-pw-${process.pid} "q" \\ $HOME`;
const SECRETS = { ...CANARIES, SWARM_PASSWORD, TOKEN_ONE, TOKEN_TWO };
const OWN_SECRETS = { SWARM_PASSWORD, TOKEN_ONE, TOKEN_TWO };

let cluster: Cluster;
let manager: TestHost;
const projects: SwarmProject[] = [];

before(async () => {
  cluster = swarmCluster();
  manager = cluster.manager;
  await buildWebImage('gangway-test/web:v1', { version: 'v1' });
  await buildWebImage('gangway-test/web:v2', { version: 'v2' });
  await buildWebImage('gangway-test/web:bad', { version: 'bad', healthy: false });
  for (const tag of ['v1', 'v2', 'bad']) await pushToCluster(cluster, `gangway-test/web:${tag}`, `sw/web:${tag}`);
  await pushToCluster(cluster, 'gangway-test/caddy:2', 'sw/caddy:2');
});
after(() => {
  for (const p of projects) p.cleanup();
});

const ok = (r: Run) => assert.equal(r.code, 0, r.stdout + r.stderr);
const last = (p: SwarmProject) => p.releases().at(-1)!;

/** The target: the manager, or the given hosts (in order), each pinned by its host key. */
function gangwayYml(app: string, health: string, hosts: { spec: string; fingerprint: string }[] = [manager]): string {
  return `app: ${app}
compose: docker-compose.yml
env: { file: .env }
image: { name: ${cluster.registry}/sw/web, delivery: registry }
health:
${health}
  timeout: 60s
keep: 5
records: records
targets:
  cluster:
    engine: swarm
    hosts: [${hosts.map((h) => JSON.stringify(h.spec)).join(', ')}]
    dir: ~/${app}
    ssh:
      key: ${testEnv().clientKey}
      fingerprint: [${hosts.map((h) => JSON.stringify(h.fingerprint)).join(', ')}]
      config: false
`;
}

// ---------------------------------------------------------------------------------------------------------------
// A web service on the manager (its port published there, mode host) with a secret, and a talker on a worker.

const WEB_PORT = 19510;
let basic: SwarmProject;

function basicProject(): SwarmProject {
  const p = new SwarmProject(cluster, {
    compose: `version: "3.8"
services:
  web:
    image: ${cluster.registry}/sw/web:\${IMAGE_TAG:?IMAGE_TAG required}
    environment:
      DB_PASSWORD: \${DB_PASSWORD}
      API_TOKEN: \${API_TOKEN}
      SWARM_PASSWORD: \${SWARM_PASSWORD}
    ports: [{ target: 8080, published: ${WEB_PORT}, mode: host }]
    stop_grace_period: 1s
    secrets: [{ source: token, target: /www/token }]
    deploy:
      placement: { constraints: ["node.labels.gw.host == 21"] }
  talker:
    image: ${cluster.registry}/sw/web:\${IMAGE_TAG}
    # A grumpy talker runs and is healthy, but logs a line the gate's fatal_logs reject.
    command:
      - /bin/busybox
      - sh
      - -c
      - >-
        echo talker says hello; [ $$TALKER_MOOD = grumpy ] && echo FATAL the talker is grumpy;
        exec /bin/busybox httpd -f -p 8080 -h /www
    environment: { TALKER_MOOD: "\${TALKER_MOOD:-calm}" }
    stop_grace_period: 1s
    deploy:
      placement: { constraints: ["node.labels.gw.host == 23"] }
secrets:
  token:
    file: ./token.txt
`,
    env: canaryEnvFile(`SWARM_PASSWORD='${SWARM_PASSWORD}'`),
    extra: { 'token.txt': TOKEN_ONE },
    gangway: (app) =>
      gangwayYml(
        app,
        `  services: [web, talker]
  http: [{ url: "http://127.0.0.1:${WEB_PORT}/health", retries: 5, interval: 1s }]
  fatal_logs: { patterns: ["FATAL"], tail: 50 }`,
      ),
  });
  projects.push(p);
  return p;
}

test('first deploy: update defaults added and said, a versioned secret, env values in the services only', async () => {
  basic = basicProject();
  const argv = sampleArgv();
  const r = await basic.run(['deploy', '--tag', 'v1', '--yes']);
  const processes = argv.stop();
  ok(r);
  assert.match(r.stdout, /Swarm manager — gwh21@10\.77\.21\.2 \(node gwh21\)/);
  assert.match(r.stdout, /update defaults — no update_config in the compose files, gangway added one: web stop-first/);
  assert.match(r.stdout, /talker start-first/);
  assert.equal(fetchText(manager.address, WEB_PORT, '/version'), 'v1');
  assert.ok(fetchText(manager.address, WEB_PORT, '/token') === TOKEN_ONE, 'the secret is in the task');

  // Defaults: start-first where it can be; web publishes in mode host (two tasks cannot bind one port).
  const config = '{{.Spec.UpdateConfig.Order}} {{.Spec.UpdateConfig.FailureAction}} {{.Spec.RollbackConfig.Order}}';
  assert.equal(await basic.service('talker', config), 'start-first rollback start-first');
  assert.equal(await basic.service('web', config), 'stop-first rollback stop-first');
  assert.equal(await basic.service('talker', '{{.Spec.UpdateConfig.Monitor}}'), '5s');

  const [secret, ...more] = await basic.secrets();
  assert.equal(more.length, 0);
  assert.match(secret!, new RegExp(`^${basic.app}_token_[0-9a-f]{12}$`));

  // The env values reached the services through interpolation, exactly, and no process ever had one in its argv.
  const env = JSON.parse(await basic.service('web', '{{json .Spec.TaskTemplate.ContainerSpec.Env}}')) as string[];
  assert.ok(env.includes(`DB_PASSWORD=${CANARIES.DB_PASSWORD}`), 'DB_PASSWORD reached web as written');
  assert.ok(env.includes(`API_TOKEN=${CANARIES.API_TOKEN}`), 'API_TOKEN reached web as written');
  assert.ok(env.includes(`SWARM_PASSWORD=${SWARM_PASSWORD}`), 'SWARM_PASSWORD reached web as written');
  assert.ok(processes.includes(basic.app), 'the sample saw the deploy (its stack name is in argv)');
  assert.deepEqual(findLeaks({ argv: processes }, OWN_SECRETS), []);
  assert.deepEqual(findLeaks({ stdout: r.stdout, stderr: r.stderr, ...basic.written() }, SECRETS), []);

  const record = last(basic);
  assert.equal(record.status, 'succeeded');
  assert.equal(record.strategy, 'swarm');
  assert.equal(record.manager, 'gwh21');
  assert.deepEqual(record.services, { web: 'created', talker: 'created' });
  const nodes = await nodeDocker(manager, ['service', 'ps', '--format', '{{.Node}}', `${basic.app}_talker`]);
  assert.match(nodes, /gwh23/, 'talker placed on worker 23 by its constraint');
});

test('status, logs, releases, lock and check on a swarm target', async () => {
  const status = await basic.run(['--json', 'status']);
  ok(status);
  const doc = JSON.parse(status.stdout) as {
    verdict: string;
    hosts: {
      swarm: {
        node: string;
        services: { service: string; running: number; desired: number }[];
        nodes: { status: string }[];
      };
    }[];
  };
  assert.equal(doc.verdict, 'GO');
  const swarm = doc.hosts[0]!.swarm;
  assert.equal(swarm.node, 'gwh21');
  assert.deepEqual(swarm.services.map((s) => `${s.service} ${s.running}/${s.desired}`).sort(), [
    'talker 1/1',
    'web 1/1',
  ]);
  assert.deepEqual(
    swarm.nodes.map((n) => n.status),
    ['Ready', 'Ready', 'Ready'],
  );

  const text = await basic.run(['status']);
  ok(text);
  assert.match(text.stdout, /service web — 1\/1 tasks running \(replicated\), update none/);
  assert.match(text.stdout, /nodes — 3 ready of 3: gwh21 \(Leader\), gwh22, gwh23/);

  const logs = await basic.run(['logs', 'cluster', 'talker', '--tail', '20']);
  ok(logs);
  assert.match(logs.stdout, /talker says hello/);
  const unknown = await basic.run(['logs', 'cluster', 'nope']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no service nope in the stack/);

  const releases = await basic.run(['releases']);
  ok(releases);
  assert.match(releases.stdout, /v1 {2}succeeded/);
  const lock = await basic.run(['lock', 'status']);
  ok(lock);
  assert.match(lock.stdout, /gwh21@10\.77\.21\.2 — not locked/);

  const check = await basic.run(['check']);
  ok(check);
  assert.match(check.stdout, /Swarm — node gwh21 is a manager/);
  assert.match(check.stdout, /nodes — 3 ready of 3/);
  assert.doesNotMatch(check.stdout, /Compose —/, 'a manager needs no Compose');

  // What runs in or compares Compose's containers is refused, before any host is contacted.
  for (const [args, what] of [
    [['exec', 'web', '--', 'true'], 'gangway exec'],
    [['drift'], 'gangway drift'],
    [['backup'], 'backups and restores'],
  ] as const) {
    const r = await basic.run([...args]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`${what}: not supported for swarm targets yet \\(targets\\.cluster\\.engine is swarm\\)`),
    );
  }
});

test('a changed secret: a new versioned secret, the task reads it, the old one pruned after success', async () => {
  const before = await basic.secrets();
  basic.write('token.txt', TOKEN_TWO);
  const r = await basic.run(['deploy', '--tag', 'v1', '--yes']);
  ok(r);
  assert.ok(fetchText(manager.address, WEB_PORT, '/token') === TOKEN_TWO, 'the task reads the new value');
  assert.deepEqual(last(basic).services, { web: 'completed', talker: 'unchanged' });
  // Pruned after the record, before the apply gives the lock back.
  await waitFor(async () => (await basic.secrets()).length === 1, 120_000, 'the old secret pruned');
  const [now] = await basic.secrets();
  assert.notEqual(now, before[0]);
  assert.match(now!, new RegExp(`^${basic.app}_token_[0-9a-f]{12}$`));
  assert.deepEqual(findLeaks({ stdout: r.stdout, stderr: r.stderr, ...basic.written() }, SECRETS), []);
});

test('gangway rollback: the release before, with its own secret value, through the same convergence', async () => {
  ok(await basic.run(['deploy', '--tag', 'v2', '--yes']));
  assert.equal(fetchText(manager.address, WEB_PORT, '/version'), 'v2');
  const r = await basic.run(['rollback', '--yes']);
  ok(r);
  assert.equal(fetchText(manager.address, WEB_PORT, '/version'), 'v1');
  assert.ok(fetchText(manager.address, WEB_PORT, '/token') === TOKEN_TWO, 'the secret of that release');
  const record = last(basic);
  assert.equal(record.status, 'rollback');
  assert.equal(record.strategy, 'swarm');
  const to = await basic.run(['rollback', '--to', 'v2', '--yes']);
  ok(to);
  assert.equal(fetchText(manager.address, WEB_PORT, '/version'), 'v2');
});

test('the gate fails after Swarm completed the update: gangway runs docker service rollback itself', async () => {
  const env = canaryEnvFile(`SWARM_PASSWORD='${SWARM_PASSWORD}'`);
  basic.write('.env', `${env}\nTALKER_MOOD=grumpy\n`);
  const r = await basic.run(['--json', 'deploy', '--tag', 'v2', '--yes']);
  basic.write('.env', env);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  type Host = { result: string; serving: string; reason: string; runLog: string };
  const host = (JSON.parse(r.stdout) as { hosts: Host[] }).hosts[0]!;
  assert.equal(host.result, 'rolled_back', JSON.stringify(host));
  assert.equal(host.serving, 'v2');
  assert.match(host.reason, /fatal|FATAL/);
  // Swarm had completed the update, so it had nothing to undo: gangway asked for the rollback.
  const runLog = readFileSync(host.runLog, 'utf8');
  assert.match(runLog, new RegExp(`docker service rollback ${basic.app}_talker\n`));
  assert.doesNotMatch(runLog, /Swarm already rolls back/);
  const record = last(basic);
  assert.equal(record.status, 'rolled_back');
  assert.deepEqual(record.services, { web: 'unchanged', talker: 'rollback_completed' });
  assert.equal(await basic.service('talker', '{{.UpdateStatus.State}}'), 'rollback_completed');
  const env2 = JSON.parse(await basic.service('talker', '{{json .Spec.TaskTemplate.ContainerSpec.Env}}')) as string[];
  assert.ok(env2.includes('TALKER_MOOD=calm'), `the talker is calm again: ${env2.filter((e) => e.startsWith('T'))}`);
  assert.equal(fetchText(manager.address, WEB_PORT, '/version'), 'v2');
  assert.deepEqual(findLeaks({ stdout: r.stdout, stderr: r.stderr, ...basic.written() }, SECRETS), []);
});

// ---------------------------------------------------------------------------------------------------------------
// Two web replicas on the workers behind a proxy on the manager (its port published there), over an overlay
// network: the published port stays the same while Swarm replaces the tasks one at a time, start-first.

const LB_PORT = 19520;
// Known when the file loads (test options are): without vxlan in the kernel these two cannot run, and say so.
const noOverlay =
  !swarmCluster().overlay && 'this kernel runs no overlay networks (no vxlan): see scripts/test-hosts.sh';
let fronted: SwarmProject;

function frontedProject(): SwarmProject {
  const p = new SwarmProject(cluster, {
    compose: `version: "3.8"
services:
  proxy:
    image: ${cluster.registry}/sw/caddy:2
    command: ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
    ports: [{ target: 80, published: ${LB_PORT}, mode: host }]
    configs: [{ source: caddyfile, target: /etc/caddy/Caddyfile }]
    networks: [front]
    deploy:
      placement: { constraints: ["node.labels.gw.host == 21"] }
  web:
    image: ${cluster.registry}/sw/web:\${IMAGE_TAG:?IMAGE_TAG required}
    networks: [front]
    stop_grace_period: 1s
    deploy:
      replicas: 2
      endpoint_mode: dnsrr
      placement: { constraints: ["node.labels.gw.host != 21"] }
networks:
  front: { driver: overlay }
configs:
  caddyfile:
    file: ./Caddyfile
`,
    extra: {
      Caddyfile: `{
  admin off
  auto_https off
}
:80 {
  reverse_proxy web:8080 {
    lb_try_duration 10s
    lb_try_interval 100ms
  }
}
`,
    },
    gangway: (app) =>
      gangwayYml(app, `  http: [{ url: "http://127.0.0.1:${LB_PORT}/health", retries: 10, interval: 1s }]`),
  });
  projects.push(p);
  return p;
}

test(
  'v1 → v2 rolling, start-first, under load through the published port: failed requests counted',
  { skip: noOverlay },
  async (t) => {
    fronted = frontedProject();
    ok(await fronted.run(['deploy', '--tag', 'v1', '--yes']));
    assert.equal(fetchText(manager.address, LB_PORT, '/version'), 'v1');
    const tasks = await nodeDocker(manager, ['service', 'ps', '--format', '{{.Node}}', `${fronted.app}_web`]);
    assert.doesNotMatch(tasks, /gwh21/, 'web runs on the workers only');

    const load = startLoad({ url: `http://${manager.address}:${LB_PORT}/version`, clients: 4, maxMs: 600_000 });
    assert.ok(await load.answered(20), 'requests flowing before the deploy starts…');
    const r = await fronted.run(['deploy', '--tag', 'v2', '--yes']);
    assert.ok(await load.answered(20), '…and answered after it ended');
    const summary = summarize(await load.stop());
    ok(r);
    t.diagnostic(`swarm rolling v1 → v2 under load: ${JSON.stringify(summary)}`);
    assert.deepEqual(summary.versions, ['v1', 'v2']);
    assert.ok(summary.requests > 100, `${summary.requests} requests`);
    assert.equal(summary.failed, 0, `failed requests: ${JSON.stringify(summary.failures)}`);
    assert.equal(await fronted.service('web', '{{.UpdateStatus.State}}'), 'completed');
    assert.equal(
      await fronted.service('web', '{{.Spec.UpdateConfig.Order}}'),
      'start-first',
      'the default gangway added',
    );
    assert.deepEqual(last(fronted).services, { proxy: 'unchanged', web: 'completed' });
  },
);

test(
  'v2 → a bad image: Swarm rolls it back, gangway sees it, records rolled_back, exit 1, v2 serving',
  { skip: noOverlay },
  async (t) => {
    const load = startLoad({ url: `http://${manager.address}:${LB_PORT}/version`, clients: 4, maxMs: 600_000 });
    assert.ok(await load.answered(8), 'requests flowing before the deploy starts');
    const r = await fronted.run(['--json', 'deploy', '--tag', 'bad', '--yes']);
    const summary = summarize(await load.stop());
    t.diagnostic(`swarm v2 → bad (rolled back) under load: ${JSON.stringify(summary)}`);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const doc = JSON.parse(r.stdout) as {
      hosts: { result: string; serving: string; failingStep: string; reason: string; firstErrorLine?: string }[];
    };
    const host = doc.hosts[0]!;
    assert.equal(host.result, 'rolled_back');
    assert.equal(host.serving, 'v2');
    assert.equal(host.failingStep, 'update web');
    assert.match(host.reason, /ended rollback_(started|completed)/);
    assert.match(host.firstErrorLine ?? '', /unhealthy|exit/);
    const record = last(fronted);
    assert.equal(record.status, 'rolled_back');
    assert.deepEqual(record.services, { proxy: 'unchanged', web: 'rollback_completed' });
    assert.equal(fetchText(manager.address, LB_PORT, '/version'), 'v2');
    assert.equal(await fronted.service('web', '{{.UpdateStatus.State}}'), 'rollback_completed');
    assert.match(await fronted.service('web', '{{.Spec.TaskTemplate.ContainerSpec.Image}}'), /\/sw\/web:v2@/);
    assert.deepEqual(summary.versions, ['v2'], 'only v2 answered');
    const status = await fronted.run(['status']);
    ok(status);
    assert.match(status.stdout, /Swarm rolled its last update back/);
  },
);

// ---------------------------------------------------------------------------------------------------------------

test('the nodes run a current docker CLI in their SSH sessions (what gangway uses there)', () => {
  // scripts/test-hosts.sh puts Debian trixie's CLI first on the nodes' PATH: newer CLIs refuse files that Debian
  // 12's 20.10 accepts (an empty compose file), and the deploys here must meet them.
  const hostKeyOpts = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR'];
  for (const node of [manager, ...cluster.workers]) {
    const version = execFileSync(
      'ssh',
      [
        '-i',
        testEnv().clientKey,
        '-o',
        'BatchMode=yes',
        ...hostKeyOpts,
        node.spec,
        'docker version -f {{.Client.Version}}',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    ).trim();
    assert.ok(Number(/^(\d+)\./.exec(version)?.[1]) >= 26, `${node.spec}: docker CLI ${version}`);
  }
});

test('the first manager unreachable, the next a worker: the one after is used; none at all: exit 3', async () => {
  const [w22, w23] = cluster.workers;
  const unreachable = { spec: `${w22!.user}@${w22!.address}:2200`, fingerprint: w22!.fingerprint };
  // A compose file as written today: no `version:`, and no file: secrets or configs (nothing for swarm-names.yml).
  const p = new SwarmProject(cluster, {
    compose: `services:
  web:
    image: ${cluster.registry}/sw/web:\${IMAGE_TAG:?IMAGE_TAG required}
    ports: [{ target: 8080, published: 19530, mode: host }]
    stop_grace_period: 1s
    deploy:
      placement: { constraints: ["node.labels.gw.host == 21"] }
`,
    gangway: (app) =>
      gangwayYml(app, `  http: [{ url: "http://127.0.0.1:19530/health", retries: 5, interval: 1s }]`, [
        unreachable,
        w23!,
        manager,
      ]),
  });
  projects.push(p);
  const r = await p.run(['deploy', '--tag', 'v1', '--yes']);
  ok(r);
  assert.match(r.stdout, /manager gwh22@10\.77\.22\.2:2200 — passed over: unreachable/);
  assert.match(r.stdout, /manager gwh23@10\.77\.23\.2 — passed over: a Swarm worker \(node gwh23\), not a manager/);
  assert.match(r.stdout, /Swarm manager — gwh21@10\.77\.21\.2 \(node gwh21\)/);
  assert.equal(last(p).host, 'gwh21@10.77.21.2');
  assert.equal(fetchText(manager.address, 19530, '/version'), 'v1');
  ok(await p.run(['status']));

  p.write('gangway.yml', gangwayYml(p.app, '  services: []', [unreachable, w23!]));
  const none = await p.run(['deploy', '--tag', 'v2', '--yes']);
  assert.equal(none.code, 3, none.stdout + none.stderr);
  assert.match(none.stderr, /no reachable Swarm manager among its hosts; nothing was changed/);
  assert.equal(fetchText(manager.address, 19530, '/version'), 'v1');
  const status = await p.run(['status']);
  assert.equal(status.code, 1);
});
