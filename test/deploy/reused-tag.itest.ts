/**
 * A tag pushed again (`stable`, `latest`: the users' scripts do that) on Compose targets, both strategies, on test
 * host 45 (its own engine, pulling from the test registry through test/helpers/host-registry.ts): v1 pushed as
 * `stable` and deployed, v2 pushed as `stable` too and deployed, then `gangway rollback` must run v1's image again —
 * not what `stable` names on the host since the second deploy's `docker pull` moved it — and say so in `releases`
 * and `status`. An env-only deploy keeps the image in place; a new deploy of the tag takes what it names now; the
 * references gangway keeps per image go with the releases that named them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { killChildren } from '../helpers/children.js';
import { gangway } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { serveRegistryTo, type HostRegistry } from '../helpers/host-registry.js';
import { buildWebImage, pushImage, removeImage, tagImage } from '../helpers/images.js';
import { cleanupProxyHost, hostDocker, prepareProxyHost, proxyConfig } from '../helpers/proxy-host.js';
import { testEnv, testHost, type TestHost } from '../helpers/testenv.js';

const REPO = 'gangway-test/retag-web';
const HTTP = 18450;
let host: TestHost;
let registry: HostRegistry;
let recreate: DeployProject;
let blueGreen: DeployProject;
/** v1's and v2's image ids and manifest digests (`sha256:…`). */
const ids = { v1: '', v2: '' };
const digests = { v1: '', v2: '' };

const sh = (script: string) => execFileSync('sh', ['-c', script], { encoding: 'utf8' }).trim();
const pushedRef = () => `${testEnv().registry}/${REPO}:stable`;
const hostImage = () => `${registry.name}/${REPO}`;

/** Push a local image as REPO:stable; its manifest digest. */
async function pushAsStable(local: string): Promise<string> {
  await tagImage(local, pushedRef());
  await pushImage(pushedRef());
  const repoDigests = JSON.parse(sh(`docker image inspect -f '{{json .RepoDigests}}' ${pushedRef()}`)) as string[];
  const mine = repoDigests.find((d) => d.startsWith(`${testEnv().registry}/${REPO}@`));
  assert.ok(mine, `a digest of ${local} in ${REPO}: ${repoDigests.join(', ')}`);
  return mine.slice(mine.indexOf('@') + 1);
}

before(async () => {
  host = testHost(45);
  registry = await serveRegistryTo(host);
  ids.v1 = await buildWebImage('gangway-test/retag:v1', { version: 'v1' });
  ids.v2 = await buildWebImage('gangway-test/retag:v2', { version: 'v2' });
  prepareProxyHost(host);
  // What an earlier run left on the host: its pull would find v2 where this run pushes v1.
  sh(`${hostDocker(host)} image ls -q ${hostImage()} | sort -u | xargs -r ${hostDocker(host)} image rm -f >/dev/null`);
  const compose = (ports: string) => () =>
    `services:\n  web:\n    image: ${hostImage()}:\${IMAGE_TAG:?IMAGE_TAG required}\n` +
    `    environment: { MOOD: "\${MOOD:-none}" }\n${ports}    stop_grace_period: 1s\n`;
  recreate = deployProject({
    host,
    image: hostImage(),
    delivery: 'registry',
    port: 18460,
    // pull_policy always: Compose must never try to pull the reference gangway keeps (it is the host's alone).
    compose: compose('    ports: ["18460:8080"]\n    pull_policy: always\n'),
    envText: 'MOOD=calm\n',
  });
  blueGreen = deployProject({
    host,
    image: hostImage(),
    delivery: 'registry',
    compose: compose(''),
    envText: 'MOOD=calm\n',
    health: '  services: [web]\n  timeout: 60s',
    extra: proxyConfig({ http: HTTP, drain: '1s' }),
  });
});

after(async () => {
  killChildren();
  if (recreate && blueGreen) cleanupProxyHost(host, [recreate, blueGreen]);
  await registry?.stop();
  await removeImage(pushedRef());
});

const run = (p: DeployProject, args: string[]) => {
  const r = gangway(['-c', p.config, ...args, '--yes']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return r;
};
const read = (p: DeployProject, args: string[]) => {
  const r = gangway(['-c', p.config, ...args]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return r.stdout;
};
/** What the blue/green app answers through the proxy. */
const proxied = () => sh(`curl -fsS --max-time 30 http://${host.address}:${HTTP}/version`);
/** The image id of each running container of the app's projects (the app's own, its colours). */
function runningIds(p: DeployProject): string[] {
  const d = hostDocker(host);
  const out = sh(
    `${d} ps -q --filter label=com.docker.compose.service=web | ` +
      `xargs -r ${d} inspect -f '{{index .Config.Labels "com.docker.compose.project"}} {{.Image}}' 2>/dev/null || true`,
  );
  const projects = [p.app, `${p.app}-blue`, `${p.app}-green`];
  const ids = out.split('\n').flatMap((l) => (projects.includes(l.split(' ')[0]!) ? [l.split(' ')[1]!] : []));
  return [...new Set(ids)];
}
/**
 * What `read` gives once it gives `want` (or, after a minute, what it gives then): the CLI returns on the record,
 * while the server's apply still prunes (retention) and blue/green's old colour drains and stops.
 */
async function settled<T>(read: () => T, want: T): Promise<T> {
  const end = Date.now() + 60_000;
  let value = read();
  while (JSON.stringify(value) !== JSON.stringify(want) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 250));
    value = read();
  }
  return value;
}
const settledIds = (p: DeployProject, want: string[]) => settled(() => runningIds(p), want);
const last = (p: DeployProject) => p.releases().at(-1)!;
/** The server's log of the app's last run (a failed assertion's context). */
const runLog = (p: DeployProject) =>
  readFileSync(join(p.serverDir, '.gangway', 'runs', `${String(last(p).id)}.log`), 'utf8');
const short = (digest: string) => digest.slice(0, 19);

test('v1 and then v2 pushed as stable, each deployed by both apps: v2 serves', async () => {
  digests.v1 = await pushAsStable('gangway-test/retag:v1');
  run(recreate, ['deploy', '--tag', 'stable']);
  run(blueGreen, ['deploy', '--tag', 'stable']);
  assert.equal(recreate.serving(), 'v1');
  assert.equal(proxied(), 'v1');

  digests.v2 = await pushAsStable('gangway-test/retag:v2');
  assert.notEqual(digests.v2, digests.v1);
  run(recreate, ['deploy', '--tag', 'stable']);
  run(blueGreen, ['deploy', '--tag', 'stable']);
  assert.equal(recreate.serving(), 'v2');
  assert.equal(proxied(), 'v2');
  assert.deepEqual(await settledIds(recreate, [ids.v2]), [ids.v2]);
});

test('recreate: gangway rollback runs the image its release ran, not what stable names on the host now', () => {
  run(recreate, ['rollback']);
  assert.equal(last(recreate).status, 'rollback');
  assert.equal(recreate.serving(), 'v1');
  assert.deepEqual(runningIds(recreate), [ids.v1]);
});

test('blue/green: gangway rollback switches to v1 again', async () => {
  run(blueGreen, ['rollback']);
  assert.equal(last(blueGreen).status, 'rollback');
  assert.equal(proxied(), 'v1');
  assert.deepEqual(await settledIds(blueGreen, [ids.v1]), [ids.v1], 'the colour in service runs v1, the other stops');
});

test('releases and status show the image each release ran and the one running', () => {
  for (const p of [recreate, blueGreen]) {
    assert.deepEqual(
      p.releases().map((r) => [r.operation, r.status, r.image_id, r.image_digest]),
      [
        ['deploy', 'succeeded', ids.v1, digests.v1],
        ['deploy', 'succeeded', ids.v2, digests.v2],
        ['rollback', 'rollback', ids.v1, digests.v1],
      ],
    );
    assert.match(read(p, ['releases']), new RegExp(`stable {2}rollback .*image ${short(digests.v1)}`));
    assert.match(read(p, ['status']), new RegExp(`service web .*image ${hostImage()}:${pin(p, ids.v1)}`));
  }
});

test('recreate: an env-only deploy keeps the image in place, though the tag names v2 on the host', () => {
  recreate.writeEnv('MOOD=grumpy\n');
  run(recreate, ['deploy', '--env-only']);
  assert.equal(recreate.serving(), 'v1');
  assert.deepEqual(runningIds(recreate), [ids.v1]);
  assert.equal(last(recreate).image_id, ids.v1);
});

test('a new deploy of the tag runs what it names now; the references kept are those of retained releases', async () => {
  for (const p of [recreate, blueGreen]) {
    run(p, ['deploy', '--tag', 'stable']);
    assert.deepEqual(await settledIds(p, [ids.v2]), [ids.v2]);
    assert.equal(last(p).image_id, ids.v2);
    // The release before (v1's env-only deploy, or its rollback) is retained: so is the reference to v1.
    const both = [pin(p, ids.v1), pin(p, ids.v2)].sort();
    assert.deepEqual(await settled(() => pins(p), both), both);
  }
  // keep: 3, one tag: the release in place and the one before are retained; v1's reference goes with its release.
  run(recreate, ['deploy', '--tag', 'stable']);
  const v2 = [pin(recreate, ids.v2)];
  assert.deepEqual(await settled(() => pins(recreate), v2), v2, runLog(recreate));
  assert.deepEqual(
    pins(blueGreen),
    [pin(blueGreen, ids.v1), pin(blueGreen, ids.v2)].sort(),
    'another app keeps its own',
  );
});

/** The references to the image gangway keeps on the host for an app: tags `gangway-<app>-<12 hex of the id>`. */
const pin = (p: DeployProject, id: string) => `gangway-${p.app}-${id.slice(7, 19)}`;
const pins = (p: DeployProject) =>
  sh(`${hostDocker(host)} image ls --format '{{.Tag}}' ${hostImage()}`)
    .split('\n')
    .filter((t) => t.startsWith(`gangway-${p.app}-`))
    .sort();
