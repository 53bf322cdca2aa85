/**
 * No file gangway writes on a server that holds a value is readable by other users, and `.gangway/` and the
 * release directories are 0700 (SPEC "Guarantees of part 3"): after a Compose deploy and a backup (the loopback
 * sshd), a blue/green deploy and its switch to a second release (host 21's engine, a proxy on ports of its own) and
 * a Swarm deploy with a file: secret (the test Swarm), every file under each deploy directory that others can read
 * is scanned for the canaries (quotes, backslashes, spaces, a tab) in every form they could take.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CANARIES, canaryEnvFile, findLeaks } from '../helpers/canary.js';
import { gangway } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { buildWebImage, localImageId } from '../helpers/images.js';
import { postgresCompose, postgresImage } from '../helpers/postgres.js';
import { nodeDocker, pushToCluster, swarmCluster, SwarmProject, type Cluster } from '../helpers/swarm.js';
import { testEnv, testHost, type TestHost } from '../helpers/testenv.js';

const TOKEN = `canary-fm-token-${process.pid} "q" \\ with spaces`;
const SECRETS = { ...CANARIES, TOKEN };
/** Ports of this file's own proxy on host 21 (blue-green.itest.ts has the main engine's 18180/18543). */
const PROXY_HTTP = 19540;
const PROXY_HTTPS = 19541;
const SWARM_PORT = 19550;

const projects: { cleanup(): void }[] = [];
let cluster: Cluster;
let h21: TestHost;

/** Every file under dir: its mode, and whether it holds a canary (by name, never the value). */
function scan(dir: string): { files: number; holding: string[]; open: string[]; dirs: Map<string, number> } {
  const holding: string[] = [];
  const open: string[] = [];
  const dirs = new Map<string, number>();
  let files = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const mode = statSync(p).mode & 0o777;
      if (e.isDirectory()) {
        dirs.set(p.slice(dir.length + 1), mode);
        walk(p);
      } else if (e.isFile()) {
        files++;
        const leaks = findLeaks({ [p.slice(dir.length + 1)]: readFileSync(p, 'latin1') }, SECRETS);
        if (leaks.length === 0) continue;
        holding.push(p.slice(dir.length + 1));
        if ((mode & 0o077) !== 0) open.push(`${leaks.join(', ')} (mode ${mode.toString(8)})`);
      }
    }
  };
  walk(dir);
  return { files, holding, open, dirs };
}

/** `find DIR -perm /077` finds no file that holds a canary; .gangway, releases, each release and runs are 0700. */
function assertClosed(dir: string, expectHolding: RegExp[]): void {
  const { holding, open, dirs } = scan(dir);
  assert.deepEqual(open, [], `files others can read hold a canary under ${dir}`);
  for (const re of expectHolding)
    assert.ok(
      holding.some((f) => re.test(f)),
      `no file matching ${re} holds a canary (scanned: ${holding.join(', ')})`,
    );
  const own = [...dirs].filter(([d]) => /^\.gangway(\/releases(\/[^/]+)?|\/runs)?$/.test(d));
  assert.ok(own.length >= 4, own.map(([d]) => d).join(', '));
  assert.deepEqual(
    own.filter(([, m]) => m !== 0o700).map(([d, m]) => `${d} ${m.toString(8)}`),
    [],
    '.gangway/, releases/, the releases and runs/ are 0700',
  );
}

/** A local image on another engine (loaded once; same id: nothing to do). */
async function loadInto(host: TestHost, ref: string): Promise<void> {
  const id = await localImageId(ref);
  const there = await nodeDocker(host, ['image', 'inspect', '-f', '{{.Id}}', ref]).catch(() => '');
  if (there.trim() === id) return;
  execFileSync('sh', ['-c', `docker save "$1" | docker -H "$2" load -q >/dev/null`, 'sh', ref, host.docker]);
}

before(async () => {
  cluster = swarmCluster();
  h21 = testHost(21);
  for (const v of ['v1', 'v2']) await buildWebImage(`gangway-test/web:${v}`, { version: v });
  for (const ref of ['gangway-test/web:v1', 'gangway-test/web:v2', 'gangway-test/caddy:2']) await loadInto(h21, ref);
  await pushToCluster(cluster, 'gangway-test/web:v1', 'sw/web:v1');
});
after(() => {
  for (const p of projects) p.cleanup();
  spawnSync('docker', ['-H', h21.docker, 'rm', '-f', 'gangway-proxy'], { stdio: 'ignore' });
});

test('Compose deploy and a backup (session umask 022): no file holding a value is readable by others', () => {
  const image = postgresImage();
  const p = deployProject({
    app: `fm-pg-${process.pid % 10000}`,
    compose: postgresCompose(image.repository, { web: '    image: gangway-test/web:v1\n    stop_grace_period: 1s\n' }),
    envText:
      `POSTGRES_USER=app\nPOSTGRES_DB=appdb\nPOSTGRES_PASSWORD=${CANARIES.DB_PASSWORD}\n` +
      `API_TOKEN='${CANARIES.API_TOKEN}'\n`,
    health: '  services: [db]\n  timeout: 90s',
    extra: `backups:
  - name: db
    service: db
    database: \${POSTGRES_DB}
    user: \${POSTGRES_USER}
    password: \${POSTGRES_PASSWORD}
`,
  });
  projects.push({
    cleanup: () => {
      p.cleanup();
      execFileSync('sh', [
        '-c',
        `docker volume ls -q --filter label=com.docker.compose.project=${p.app} | xargs -r docker volume rm >/dev/null`,
      ]);
    },
  });
  // The loopback sshd's sessions have the usual umask (022): what the files get is gangway's doing.
  const deploy = gangway(['-c', p.config, 'deploy', '--tag', image.tag, '--yes']);
  assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
  const backup = gangway(['-c', p.config, 'backup', 'db']);
  assert.equal(backup.code, 0, backup.stdout + backup.stderr);
  assertClosed(p.serverDir, [/^\.env$/, /^\.gangway\/releases\/[^/]+\/\.env$/, /^\.gangway\/backup\/db\/password$/]);
  const dumps = readdirSync(join(p.serverDir, 'backups', 'db'));
  assert.equal(dumps.length, 1);
  assert.equal(statSync(join(p.serverDir, 'backups', 'db', dumps[0]!)).mode & 0o777, 0o600);
  assert.equal(statSync(join(p.serverDir, 'backups', 'db')).mode & 0o777, 0o700);
});

test('blue/green deploys v1 then v2 (another host, its own proxy): no file holding a value is readable', () => {
  const p: DeployProject = deployProject({
    app: `fm-bg-${process.pid % 10000}`,
    host: h21,
    compose: `services:
  web:
    image: gangway-test/web:\${IMAGE_TAG:?IMAGE_TAG required}
    environment:
      DB_PASSWORD: \${DB_PASSWORD}
      API_TOKEN: \${API_TOKEN}
      TOKEN: \${TOKEN}
    stop_grace_period: 1s
`,
    envText: canaryEnvFile(`TOKEN='${TOKEN}'`),
    health: '  services: [web]\n  timeout: 60s',
    extra:
      `proxy:\n  service: web\n  port: 8080\n  listen: { http: ${PROXY_HTTP}, https: ${PROXY_HTTPS} }\n` +
      '  image: gangway-test/caddy:2\n  health: { path: /health, interval: 250ms, passes: 3 }\n  drain: 1s\n',
  });
  projects.push({
    cleanup: () => {
      execFileSync('sh', [
        '-c',
        ['blue', 'green']
          .map(
            (c) =>
              `docker -H ${h21.docker} ps -aq --filter label=com.docker.compose.project=${p.app}-${c} | ` +
              `xargs -r docker -H ${h21.docker} rm -f`,
          )
          .join('; ') + ' >/dev/null 2>&1; true',
      ]);
      p.cleanup();
    },
  });
  for (const tag of ['v1', 'v2']) {
    const r = gangway(['-c', p.config, 'deploy', '--tag', tag, '--yes']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
  const answer = execFileSync('curl', ['-fsS', '--max-time', '5', `http://${h21.address}:${PROXY_HTTP}/version`], {
    encoding: 'utf8',
  });
  assert.equal(answer.trim(), 'v2');
  assertClosed(p.serverDir, [/^\.env$/, /^\.gangway\/releases\/[^/]+\/\.env$/, /^\.gangway\/releases\/[^/]+\/\.mask$/]);
});

test('Swarm deploy with a file: secret: .mask, the secret and .env.export are closed, the dirs 0700', async () => {
  const p = new SwarmProject(cluster, {
    compose: `services:
  web:
    image: ${cluster.registry}/sw/web:\${IMAGE_TAG:?IMAGE_TAG required}
    environment:
      DB_PASSWORD: \${DB_PASSWORD}
      API_TOKEN: \${API_TOKEN}
    ports: [{ target: 8080, published: ${SWARM_PORT}, mode: host }]
    stop_grace_period: 1s
    secrets: [{ source: token, target: /www/token }]
    deploy:
      placement: { constraints: ["node.labels.gw.host == 21"] }
secrets:
  token:
    file: ./token.txt
`,
    env: canaryEnvFile(),
    extra: { 'token.txt': TOKEN },
    gangway: (app) => `app: ${app}
compose: docker-compose.yml
env: { file: .env }
image: { name: ${cluster.registry}/sw/web, delivery: registry }
health:
  http: [{ url: "http://127.0.0.1:${SWARM_PORT}/health", retries: 5, interval: 1s }]
  timeout: 60s
records: records
targets:
  cluster:
    engine: swarm
    hosts: [${JSON.stringify(cluster.manager.spec)}]
    dir: ~/${app}
    ssh: { key: ${testEnv().clientKey}, fingerprint: ${JSON.stringify(cluster.manager.fingerprint)}, config: false }
`,
  });
  projects.push(p);
  const r = await p.run(['deploy', '--tag', 'v1', '--yes']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assertClosed(p.serverDir, [
    /^\.gangway\/releases\/[^/]+\/\.mask$/,
    /^\.gangway\/releases\/[^/]+\/swarm-secret-token$/,
    /^\.gangway\/releases\/[^/]+\/\.env\.export$/,
  ]);
});
