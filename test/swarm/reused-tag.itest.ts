/**
 * A tag pushed again (`stable`, `latest`: users' scripts do that) on the test Swarm (see swarm.itest.ts): v1 pushed
 * as `stable` and deployed, v2 pushed as `stable` too and deployed, then `gangway rollback` must run v1's manifest
 * digest again — not what `stable` names in the registry by then — and an env-only deploy must keep the digest in
 * place. Every release record names the digest its services ran.
 */
import assert from 'node:assert/strict';
import { before, after, test } from 'node:test';
import { buildWebImage } from '../helpers/images.js';
import {
  fetchText,
  nodeDocker,
  pushToCluster,
  swarmCluster,
  SwarmProject,
  type Cluster,
  type Run,
} from '../helpers/swarm.js';
import { testEnv } from '../helpers/testenv.js';

const PORT = 19560;
const REPO = 'sw/pinned';
let cluster: Cluster;
let project: SwarmProject;
const digests: Record<'v1' | 'v2', string> = { v1: '', v2: '' };

/** Push a local image to the cluster as `REPO:stable`; the manifest digest the registry now has for that tag. */
async function pushAsStable(local: string): Promise<string> {
  const ref = await pushToCluster(cluster, local, `${REPO}:stable`);
  const repoDigests = JSON.parse(
    await nodeDocker(cluster.manager, ['image', 'inspect', '-f', '{{json .RepoDigests}}', ref]),
  ) as string[];
  const mine = repoDigests.filter((d) => d.startsWith(`${cluster.registry}/${REPO}@`));
  assert.equal(mine.length, 1, `one digest of ${local} in ${REPO}: ${repoDigests.join(', ')}`);
  return mine[0]!.slice(mine[0]!.indexOf('@') + 1);
}

before(async () => {
  cluster = swarmCluster();
  await buildWebImage('gangway-test/web:v1', { version: 'v1' });
  await buildWebImage('gangway-test/web:v2', { version: 'v2' });
  project = new SwarmProject(cluster, {
    compose: `services:
  web:
    image: ${cluster.registry}/${REPO}:\${IMAGE_TAG:?IMAGE_TAG required}
    environment: { MOOD: "\${MOOD:-calm}" }
    ports: [{ target: 8080, published: ${PORT}, mode: host }]
    stop_grace_period: 1s
    deploy:
      placement: { constraints: ["node.labels.gw.host == 21"] }
`,
    env: 'MOOD=calm\n',
    gangway: (app) => gangwayYml(app, `${cluster.registry}/${REPO}`, 'registry', PORT),
  });
});
after(() => project?.cleanup());

/** A target of the manager alone, deploying `image` delivered as `delivery`, gated on the port it publishes. */
function gangwayYml(app: string, image: string, delivery: string, port: number): string {
  return `app: ${app}
compose: docker-compose.yml
env: { file: .env }
image: { name: ${image}, delivery: ${delivery} }
health:
  http: [{ url: "http://127.0.0.1:${port}/health", retries: 5, interval: 1s }]
  timeout: 60s
keep: 5
records: records
targets:
  cluster:
    engine: swarm
    hosts: [${JSON.stringify(cluster.manager.spec)}]
    dir: ~/${app}
    ssh: { key: ${testEnv().clientKey}, fingerprint: ${JSON.stringify(cluster.manager.fingerprint)}, config: false }
`;
}

const ok = (r: Run) => assert.equal(r.code, 0, r.stdout + r.stderr);
const last = () => project.releases().at(-1)!;
const running = () => project.service('web', '{{.Spec.TaskTemplate.ContainerSpec.Image}}');

test('v1 pushed as stable and deployed, then v2 pushed as stable and deployed: v2 serves', async () => {
  digests.v1 = await pushAsStable('gangway-test/web:v1');
  ok(await project.run(['deploy', '--tag', 'stable', '--yes']));
  assert.equal(fetchText(cluster.manager.address, PORT, '/version'), 'v1');
  assert.equal(await running(), `${cluster.registry}/${REPO}:stable@${digests.v1}`);

  digests.v2 = await pushAsStable('gangway-test/web:v2');
  assert.notEqual(digests.v2, digests.v1);
  ok(await project.run(['deploy', '--tag', 'stable', '--yes']));
  assert.equal(fetchText(cluster.manager.address, PORT, '/version'), 'v2');
  assert.equal(await running(), `${cluster.registry}/${REPO}:stable@${digests.v2}`);
});

test('gangway rollback runs the digest its release ran, not the one the tag names in the registry now', async () => {
  const r = await project.run(['rollback', '--yes']);
  ok(r);
  assert.equal(last().status, 'rollback');
  assert.equal(await running(), `${cluster.registry}/${REPO}:stable@${digests.v1}`);
  assert.equal(fetchText(cluster.manager.address, PORT, '/version'), 'v1');
  const status = await project.run(['status']);
  ok(status);
  assert.match(status.stdout, new RegExp(`service web — .*/${REPO}:stable \\(${digests.v1.slice(0, 19)}\\)`));
});

test('an env-only deploy keeps the digest in place (the tag moved on in the registry meanwhile)', async () => {
  project.write('.env', 'MOOD=grumpy\n');
  ok(await project.run(['deploy', '--env-only', '--yes']));
  const env = JSON.parse(await project.service('web', '{{json .Spec.TaskTemplate.ContainerSpec.Env}}')) as string[];
  assert.ok(env.includes('MOOD=grumpy'), `the env change reached the service: ${env.join(' ')}`);
  assert.equal(await running(), `${cluster.registry}/${REPO}:stable@${digests.v1}`);
  assert.equal(fetchText(cluster.manager.address, PORT, '/version'), 'v1');
});

test('every release record names the digest its services ran; `gangway releases` shows it', async () => {
  const records = project.releases();
  assert.deepEqual(
    records.map((r) => [r.operation, r.status, r.image_digest]),
    [
      ['deploy', 'succeeded', digests.v1],
      ['deploy', 'succeeded', digests.v2],
      ['rollback', 'rollback', digests.v1],
      ['env-only', 'succeeded', digests.v1],
    ],
  );
  const text = await project.run(['releases']);
  ok(text);
  assert.match(text.stdout, new RegExp(`stable {2}rollback .*image ${digests.v1.slice(0, 19)}`));
});

test('a new deploy of the tag takes what the registry names now', async () => {
  ok(await project.run(['deploy', '--tag', 'stable', '--yes']));
  assert.equal(await running(), `${cluster.registry}/${REPO}:stable@${digests.v2}`);
  assert.equal(fetchText(cluster.manager.address, PORT, '/version'), 'v2');
  assert.equal(last().image_digest, digests.v2);
});

test('image.delivery archive (no digest: never resolved): deploy, deploy, rollback as before', async () => {
  const port = PORT + 1;
  const archived = new SwarmProject(cluster, {
    compose: `services:
  web:
    image: gangway-test/web:\${IMAGE_TAG:?IMAGE_TAG required}
    ports: [{ target: 8080, published: ${port}, mode: host }]
    stop_grace_period: 1s
    deploy:
      placement: { constraints: ["node.labels.gw.host == 21"] }
`,
    gangway: (app) => gangwayYml(app, 'gangway-test/web', 'archive', port),
  });
  try {
    ok(await archived.run(['deploy', '--tag', 'v1', '--yes']));
    ok(await archived.run(['deploy', '--tag', 'v2', '--yes']));
    assert.equal(fetchText(cluster.manager.address, port, '/version'), 'v2');
    ok(await archived.run(['rollback', '--yes']));
    assert.equal(fetchText(cluster.manager.address, port, '/version'), 'v1');
    assert.equal(await archived.service('web', '{{.Spec.TaskTemplate.ContainerSpec.Image}}'), 'gangway-test/web:v1');
    assert.deepEqual(
      archived.releases().map((r) => [r.status, r.images, r.image_digest]),
      [
        ['succeeded', { web: 'gangway-test/web:v1' }, undefined],
        ['succeeded', { web: 'gangway-test/web:v2' }, undefined],
        ['rollback', { web: 'gangway-test/web:v1' }, undefined],
      ],
    );
  } finally {
    archived.cleanup();
  }
});
