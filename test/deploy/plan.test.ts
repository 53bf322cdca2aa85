/** buildPlan's JSON (what `--dry-run` prints), snapshot-style, from a temp project with a compose and an env file. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseConfig, selectTarget } from '../../src/config/load.js';
import { buildPlan } from '../../src/deploy/plan.js';
import type { DeployPlan, PlanTag } from '../../src/plan/plan-types.js';
import type { Operation } from '../../src/server/records.js';

const SECRET = 'canary-plan-secret-7f3a9c';
const COMPOSE = 'services:\n  web:\n    image: ghcr.io/acme/shop:${IMAGE_TAG}\n';
const ENV = `API_KEY=${SECRET}\nPORT=8000\n`;
const ID = '20261122-043012-1a2b';
const REL = `<dir>/.gangway/releases/${ID}`;

const project = mkdtempSync(join(tmpdir(), 'gangway-plan-'));
after(() => rmSync(project, { recursive: true, force: true }));
writeFileSync(join(project, 'docker-compose.yml'), COMPOSE);
writeFileSync(join(project, '.env.prod'), ENV);
const CONFIG = parseConfig(
  `app: shop
compose: docker-compose.yml
env: { file: .env.prod }
image: { name: ghcr.io/acme/shop, delivery: registry, registry: { username: acme, password_env: GHCR_TOKEN } }
dirs: [data, logs/app]
health:
  services: [web]
  http: [{ url: "http://localhost:8000/health", retries: 5, interval: 3s }]
  fatal_logs: { patterns: [FATAL, "panic:"], tail: 100 }
  timeout: 2m
keep: 4
targets:
  prod:
    hosts: ["deploy@203.0.113.10", "deploy@203.0.113.11"]
    dir: /srv/shop
`,
  join(project, 'gangway.yml'),
);

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

async function plan(operation: Operation, tag: PlanTag): Promise<DeployPlan> {
  const target = selectTarget(CONFIG, 'prod');
  return buildPlan({ config: CONFIG, target, operation, tag, releaseId: ID, who: 'ana@laptop' });
}

/** The plan as `--dry-run` prints it. */
const json = (p: DeployPlan) => JSON.parse(JSON.stringify(p)) as Record<string, unknown> & { hosts: HostJson[] };
type HostJson = { host: string; dir: string; steps: { kind: string; does: string[] }[] };

const HEALTH = {
  services: ['web'],
  http: [{ url: 'http://localhost:8000/health', retries: 5, intervalMs: 3000 }],
  smoke: [],
  fatalLogs: { patterns: ['FATAL', 'panic:'], tail: 100 },
  timeoutMs: 120_000,
};

const applyStep = (tag: string) => ({
  kind: 'apply',
  title: 'apply detached on the server, health gate, roll back on failure',
  health: HEALTH,
  keep: 4,
  strategy: 'recreate',
  does: [
    'back up a changed <dir>/.env to .env.bak-YYYYMMDD-HHMMSS; put the release in place',
    `IMAGE_TAG=${tag} compose -p shop up -d --remove-orphans`,
    'health gate within 120s: healthy: web; http://localhost:8000/health (5×); ' +
      'no FATAL/panic: in the last 100 log lines',
    'pass: last_good_tag, keep 4 good tags; fail: previous release back, gated again',
    `record: <dir>/.gangway/releases.jsonl; log: <dir>/.gangway/runs/${ID}.log`,
  ],
});

/** A release copied from a retained one runs the image that one ran (server/sh/image-pin.sh). */
const COPIED_PIN =
  'services on ghcr.io/acme/shop:<tag> run the image that release ran (ghcr.io/acme/shop:gangway-shop-<its id>; ' +
  'pulled by its digest if it is gone)';

const LOCK_STEP = {
  kind: 'lock',
  title: 'take the deploy lock (on every host before any host changes)',
  does: ['mkdir <dir>/.gangway/lock (atomic; owner token in lock/info; held: exit 4 or --lock-wait)'],
};
const DIRS_STEP = {
  kind: 'dirs',
  title: 'create directories',
  dirs: ['data', 'logs/app'],
  does: [
    'mkdir -p <dir> <dir>/data <dir>/logs/app',
    `mkdir -p ${REL}, 0700 with <dir>/.gangway, its releases/ and runs/ (env values and run logs are there)`,
  ],
};

test('deploy: the whole plan', async () => {
  const p = json(await plan('deploy', { kind: 'given', value: 'v1.2.3' }));
  const steps = [
    LOCK_STEP,
    DIRS_STEP,
    {
      kind: 'deliver',
      title: 'deliver ghcr.io/acme/shop:v1.2.3 (registry)',
      delivery: {
        mode: 'registry',
        image: 'ghcr.io/acme/shop:v1.2.3',
        login: { username: 'acme', passwordEnv: 'GHCR_TOKEN', server: 'ghcr.io' },
      },
      does: [
        'docker login --username acme --password-stdin (password from $GHCR_TOKEN, on stdin)',
        'docker pull ghcr.io/acme/shop:v1.2.3',
      ],
    },
    {
      kind: 'release',
      title: 'upload compose files and env into a new release',
      source: { kind: 'upload' },
      does: [
        `${REL}/docker-compose.yml (sha256 ${sha(COMPOSE).slice(0, 12)}…)`,
        `${REL}/.env 0600, written atomically (sha256 ${sha(ENV).slice(0, 12)}…)`,
        `${REL}/apply.sh, vars.sh, manifest.json`,
        'services on ghcr.io/acme/shop:<tag> run the image it names once delivered, kept as ' +
          'ghcr.io/acme/shop:gangway-shop-<its id>: a rollback to this release runs that image again, wherever the ' +
          'tag moved',
      ],
    },
    applyStep('v1.2.3'),
  ];
  assert.deepEqual(p, {
    app: 'shop',
    target: 'prod',
    operation: 'deploy',
    tag: { kind: 'given', value: 'v1.2.3' },
    imageName: 'ghcr.io/acme/shop',
    releaseId: ID,
    rolloutId: ID,
    who: 'ana@laptop',
    composeFiles: [
      {
        name: 'docker-compose.yml',
        localPath: join(project, 'docker-compose.yml'),
        sha256: sha(COMPOSE),
        bytes: COMPOSE.length,
      },
    ],
    env: { name: '.env', localPath: join(project, '.env.prod'), sha256: sha(ENV), bytes: ENV.length },
    hosts: [
      { host: 'deploy@203.0.113.10', dir: '/srv/shop', steps },
      { host: 'deploy@203.0.113.11', dir: '/srv/shop', steps },
    ],
    metricsTextfile: true,
  });
});

test('env-only: no delivery; compose files and tag come from the release in place', async () => {
  const p = json(await plan('env-only', { kind: 'in-place' }));
  const steps = p.hosts[0]!.steps;
  assert.deepEqual(
    steps.map((s) => s.kind),
    ['lock', 'dirs', 'release', 'apply'],
  );
  assert.deepEqual(steps[2], {
    kind: 'release',
    title: 'upload the env file into a new release',
    source: { kind: 'env-only' },
    does: [
      `compose files and tag copied from the release in place into ${REL}/`,
      `${REL}/.env 0600, written atomically (sha256 ${sha(ENV).slice(0, 12)}…)`,
      `${REL}/apply.sh, vars.sh, manifest.json`,
      COPIED_PIN,
    ],
  });
  assert.deepEqual(steps[3], applyStep('<tag>'));
  assert.equal((p.env as { sha256: string }).sha256, sha(ENV));
});

test('rollback: no delivery, the env file is not even read', async () => {
  const p = json(await plan('rollback', { kind: 'rollback', to: 'v1.2.2' }));
  assert.equal(p.env, undefined);
  const steps = p.hosts[0]!.steps;
  assert.deepEqual(
    steps.map((s) => s.kind),
    ['lock', 'dirs', 'release', 'apply'],
  );
  assert.deepEqual(steps[2], {
    kind: 'release',
    title: 'choose the release to go back to (tag v1.2.2)',
    source: { kind: 'rollback', to: 'v1.2.2' },
    does: [
      `its compose files, .env and tag copied on the server into ${REL}/`,
      `${REL}/apply.sh, vars.sh, manifest.json`,
      COPIED_PIN,
    ],
  });
  const last = json(await plan('rollback', { kind: 'rollback' })).hosts[0]!.steps[2];
  const title = (last as { title?: string }).title;
  assert.equal(title, 'choose the release to go back to (the last good one before the release in place)');
});

test("the env file's content never appears in the plan JSON; the payload carries it for the executor", async () => {
  for (const [operation, tag] of [
    ['deploy', { kind: 'given', value: 'v1.2.3' }],
    ['env-only', { kind: 'in-place' }],
    ['rollback', { kind: 'rollback' }],
  ] as const) {
    const p = await plan(operation, tag);
    const text = JSON.stringify(p);
    assert.ok(!text.includes(SECRET), `${operation}: the plan JSON holds the env value`);
    assert.ok(!text.includes('API_KEY'), `${operation}: the plan JSON holds an env key`);
    assert.ok(!text.includes('payload'), `${operation}: the payload is not serialised`);
    assert.equal(p.payload.envText, operation === 'rollback' ? undefined : ENV);
    assert.equal(p.payload.compose.get('docker-compose.yml')?.toString('utf8'), COMPOSE);
  }
});

test("blue/green with proxy.metrics: the plan says where the proxy's metrics are served", async () => {
  const config = parseConfig(
    `app: shop
compose: docker-compose.yml
proxy: { service: web, port: 8000, metrics: "10.0.0.5:2020" }
targets:
  prod: { hosts: ["deploy@203.0.113.10"], dir: /srv/shop }
`,
    join(project, 'gangway.yml'),
  );
  const target = selectTarget(config, 'prod');
  const p = await buildPlan({
    config,
    target,
    operation: 'deploy',
    tag: { kind: 'given', value: 'v1' },
    releaseId: ID,
    who: 'ana@laptop',
  });
  const does = json(p).hosts[0]!.steps.flatMap((s) => s.does);
  assert.ok(
    does.some((d) => /^proxy gangway-proxy .*; Prometheus metrics on 10\.0\.0\.5:2020$/.test(d)),
    does.join('\n'),
  );
});
