/**
 * Step `release` against a fake host: the files written into the release directory (path, content, mode) for
 * an upload under each strategy, and the server-side copy of a retained release (env-only, rollback).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareRelease } from '../../../src/deploy/steps/release.js';
import type { ApplyStep, DeliverStep, DeployPlan, ReleaseStep } from '../../../src/plan/plan-types.js';
import { PlanPayload } from '../../../src/plan/plan-types.js';
import { remoteLayout } from '../../../src/server/layout.js';
import { runScript, serverScript } from '../../../src/server/scripts.js';
import { parseServerState, type ServerState } from '../../../src/server/state.js';
import { COMPOSE } from '../../strategy/helpers.js';
import {
  applyOf,
  configOf,
  DIR,
  FilesHost,
  ID,
  LABEL,
  planWith,
  REL,
  scriptOf,
  stepContext,
  type Written,
} from './step-context.js';

const layout = remoteLayout(DIR);
const SECRET = 's3cret-value-1';
const UPLOAD: ReleaseStep = { kind: 'release', title: 'release', does: [], source: { kind: 'upload' } };
const DIGEST = `sha256:${'e'.repeat(64)}`;
const REGISTRY: DeliverStep = {
  kind: 'deliver',
  title: 'deliver',
  does: [],
  delivery: { mode: 'registry', image: 'ghcr.io/acme/shop:v2', byDigest: true, digest: DIGEST },
};
const IMAGE_ID = `sha256:${'a'.repeat(64)}`;

/** The files the step wrote, by name inside the release directory. */
function files(host: FilesHost): Map<string, Written> {
  return new Map([...host.written].map(([path, w]) => [path.slice(REL.length + 1), w]));
}

/** vars.sh's assignments as a map (values as written: quoted strings, bare numbers). */
function vars(host: FilesHost): Map<string, string> {
  const text = files(host).get('vars.sh')!.content;
  return new Map(
    text
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.split('=')[0]!, l.slice(l.indexOf('=') + 1)]),
  );
}

async function release(
  apply: ApplyStep,
  step: ReleaseStep,
  plan: DeployPlan,
  host: FilesHost,
  imageId?: string,
  state?: ServerState,
) {
  const r = await stepContext(host, plan, state ? { state } : {});
  if (imageId) r.ctx.results.imageId = imageId;
  const detail = await prepareRelease(r.ctx, step, apply);
  return { ...r, detail };
}

// apply.sh sources them
const HELPERS = ['layout.sh', 'common.sh', 'clean-env.sh', 'compose.sh', 'image-pin.sh', 'gate.sh', 'releases.sh'];
const COMMON = [
  'apply.sh',
  'json.sh',
  ...HELPERS,
  'vars.sh',
  'services',
  'checks',
  'fatal_patterns',
  '.mask',
  'metrics.sh',
];
const UPLOADED = ['docker-compose.yml', 'files', 'tag', 'manifest.json', '.env'];

test('release (recreate, upload): compose, files, tag, manifest, env 0600, apply.sh and data; no command', async () => {
  const apply = applyOf(configOf('recreate'));
  const host = new FilesHost(() => ({ code: 127 }));
  const { ctx, detail } = await release(apply, UPLOAD, planWith([REGISTRY, UPLOAD, apply]), host, IMAGE_ID);
  assert.equal(detail, `release ${ID} (tag v2)`);
  assert.equal(ctx.results.tag, 'v2', 'the release records its tag');
  assert.deepEqual(host.calls, [], 'everything is a file write');
  const f = files(host);
  assert.deepEqual([...f.keys()].sort(), [...COMMON, ...UPLOADED, 'recreate.sh'].sort());
  assert.deepEqual(f.get('docker-compose.yml'), { content: COMPOSE, mode: 0o644 });
  assert.deepEqual(f.get('files'), { content: 'docker-compose.yml\n', mode: 0o644 });
  assert.deepEqual(f.get('tag'), { content: 'v2\n', mode: 0o644 });
  assert.deepEqual(f.get('.env'), { content: `API_KEY=${SECRET}\n`, mode: undefined }, 'the default: 0600');
  assert.deepEqual(f.get('.mask'), { content: `${SECRET}\n`, mode: 0o600 });
  assert.deepEqual(f.get('apply.sh'), { content: serverScript('apply.sh'), mode: 0o644 });
  assert.deepEqual(f.get('recreate.sh'), { content: serverScript('recreate.sh'), mode: 0o644 });
  assert.equal(f.get('services')!.content, 'web\n');
  for (const [name, w] of f) if (name !== '.env' && name !== '.mask') assert.ok(!w.content.includes(SECRET), name);

  const manifest = JSON.parse(f.get('manifest.json')!.content) as Record<string, unknown>;
  assert.ok(!Number.isNaN(Date.parse(String(manifest['created']))));
  assert.deepEqual(
    { ...manifest, created: 'x' },
    {
      id: ID,
      app: 'shop',
      tag: 'v2',
      image: 'ghcr.io/acme/shop:v2',
      image_id: IMAGE_ID,
      operation: 'deploy',
      who: 'ana@laptop',
      target: 'prod',
      host: LABEL,
      created: 'x',
      sha256: { compose: { 'docker-compose.yml': 'c0ffee' }, env: 'e0e0' },
    },
  );

  const v = vars(host);
  assert.equal(v.get('DIR'), DIR);
  assert.equal(v.get('TAG'), 'v2');
  assert.equal(v.get('STRATEGY'), 'recreate');
  assert.ok(
    files(host).get('vars.sh')!.content.includes(`\nCOMPOSE='docker\ncompose'\n`),
    "the host's compose argv, one word a line",
  );
  assert.equal(v.get('METRICS'), '1');
  const record = v.get('RECORD_TEMPLATE')!;
  for (const part of [
    '"strategy":"recreate"',
    '"rollout":"rollout-1"',
    '"delivery":"registry"',
    `"image_ids":["${IMAGE_ID}"]`,
    `"image_digest":"${DIGEST}"`,
  ])
    assert.ok(record.includes(part), part);
});

test('release (blue-green, upload): bluegreen.sh, colour.yml and the proxy route beside the common files', async () => {
  const apply = applyOf(configOf('blue-green'));
  const host = new FilesHost(() => ({ code: 127 }));
  await release(apply, UPLOAD, planWith([UPLOAD, apply]), host);
  const f = files(host);
  for (const name of ['bluegreen.sh', 'colour.yml', ...COMMON, ...UPLOADED]) assert.ok(f.has(name), name);
  assert.ok(!f.has('recreate.sh') && !f.has('swarm.sh'));
  assert.equal(vars(host).get('STRATEGY'), 'blue-green');
  assert.ok(vars(host).get('RECORD_TEMPLATE')!.includes('"delivery":"none"'), 'a plan without a deliver step');
  assert.ok(!vars(host).get('RECORD_TEMPLATE')!.includes('image_digest'));
});

test("release (swarm, upload): swarm.sh, its data, the env as exports 0600, this machine's secrets 0600", async () => {
  const apply = applyOf(configOf('swarm'));
  const host = new FilesHost(() => ({ code: 127 }));
  const payload = new PlanPayload(
    new Map([['docker-compose.yml', Buffer.from(COMPOSE)]]),
    `API_KEY=${SECRET}\n`,
    new Map([
      ['secret-db_password', Buffer.from('swarm-secret-9')],
      ['config-nginx', Buffer.from('server {}')],
    ]),
  );
  await release(apply, UPLOAD, planWith([UPLOAD, apply], { payload }), host);
  const f = files(host);
  for (const name of ['swarm.sh', 'swarm-defaults.yml', 'swarm-services', 'swarm-objects', ...COMMON, ...UPLOADED])
    assert.ok(f.has(name), name);
  assert.equal(f.get('.env.export')!.mode, 0o600);
  assert.match(f.get('.env.export')!.content, /^export API_KEY=s3cret-value-1$/m);
  assert.deepEqual(f.get('swarm-secret-db_password'), { content: 'swarm-secret-9', mode: undefined });
  assert.deepEqual(f.get('swarm-config-nginx'), { content: 'server {}', mode: undefined });
  assert.deepEqual(
    f.get('.mask')!.content.split('\n').filter(Boolean).sort(),
    [SECRET, 'swarm-secret-9'].sort(),
    'a secret of this machine is masked in the run log; a config is not',
  );
  assert.equal(vars(host).get('STRATEGY'), 'swarm');
});

/** A server with state.sh's sections and copy-release.sh's answer, and the retained release's files. */
/** The server's state, copy-release.sh's answer, and the file list (and env) of the release `from` it copies. */
function retained(
  state: string,
  copy: { stdout?: string; code?: number; stderr?: string },
  env?: string,
  from = layout.release(OLD),
): FilesHost {
  const files = new Map([[`${from}/files`, 'docker-compose.yml\n']]);
  if (env !== undefined) files.set(`${from}/.env`, env);
  return new FilesHost((argv) => {
    if (scriptOf(argv) === 'state.sh') return { stdout: state };
    if (scriptOf(argv) === 'copy-release.sh') return copy;
    return { code: 127 };
  }, files);
}
const OLD = '20261120-000000-0001';
const CUR = '20261121-000000-0002';
const rec = (id: string, tag: string) => JSON.stringify({ id, tag, status: 'succeeded', outcome: 'succeeded' });
const STATE = `@@current\n${CUR}\n@@retained\n${OLD} v1\n${CUR} v2\n@@records\n${rec(OLD, 'v1')}\n${rec(CUR, 'v2')}\n`;

test('release (env-only): the release in place copied on the server without its env, the new env sent', async () => {
  const apply = applyOf(configOf('recreate'));
  const step: ReleaseStep = { ...UPLOAD, source: { kind: 'env-only' } };
  const host = retained(STATE, { stdout: 'v2\n' }, undefined, layout.release(CUR));
  const plan = planWith([step, apply], { tag: { kind: 'in-place' }, operation: 'env-only' });
  const { ctx, detail, secrets } = await release(apply, step, plan, host);
  assert.deepEqual(
    host.calls.map((c) => scriptOf(c.argv)),
    ['state.sh', 'copy-release.sh'],
  );
  assert.deepEqual(host.calls[1]!.argv, runScript('copy-release.sh', [layout.state, CUR, REL, 'without-env']));
  assert.deepEqual(host.reads, [`${layout.release(CUR)}/files`], "the copy's file list, read at its source");
  assert.equal(detail, `release ${ID} (tag v2)`);
  assert.equal(ctx.results.tag, 'v2');
  const f = files(host);
  assert.ok(!f.has('docker-compose.yml') && !f.has('files'), 'the compose files come from the copy');
  assert.equal(f.get('.env')!.content, `API_KEY=${SECRET}\n`);
  assert.equal(f.get('tag')!.content, 'v2\n');
  assert.deepEqual(secrets, []);
});

test('release (env-only) with nothing deployed: E_NOTHING_DEPLOYED and nothing written', async () => {
  const apply = applyOf(configOf('recreate'));
  const step: ReleaseStep = { ...UPLOAD, source: { kind: 'env-only' } };
  const host = retained('@@current\n@@retained\n@@records\n', { stdout: 'v2\n' });
  const plan = planWith([step, apply], { tag: { kind: 'in-place' }, operation: 'env-only' });
  await assert.rejects(release(apply, step, plan, host), {
    code: 'E_NOTHING_DEPLOYED',
    message: `${LABEL}: nothing is deployed here yet: run a full deploy first`,
  });
  assert.equal(host.written.size, 0);
  assert.equal(host.calls.length, 1);
});

test('release (rollback, blue-green): the earlier good release copied with its env, its colour.yml kept', async () => {
  const apply = applyOf(configOf('blue-green'));
  const step: ReleaseStep = { ...UPLOAD, source: { kind: 'rollback' } };
  const oldEnv = 'API_KEY=old-secret-77\n';
  const host = retained(STATE, { stdout: 'v1\nenv\ncolour\n' }, oldEnv);
  const plan = planWith([step, apply], {
    tag: { kind: 'rollback' },
    operation: 'rollback',
    payload: new PlanPayload(new Map(), undefined),
  });
  const { ctx, secrets } = await release(apply, step, plan, host);
  assert.deepEqual(host.calls[1]!.argv, runScript('copy-release.sh', [layout.state, OLD, REL, 'with-env']));
  assert.deepEqual(
    host.reads,
    [`${layout.release(OLD)}/files`, `${layout.release(OLD)}/.env`],
    'read at the source while it is copied',
  );
  assert.deepEqual(secrets, [oldEnv], "the copied env's values are secrets of this run too");
  assert.equal(ctx.results.tag, 'v1');
  const f = files(host);
  assert.ok(!f.has('colour.yml'), "the retained release's colour file stays: it matches its compose files");
  assert.ok(!f.has('.env'), 'the copied env stays');
  assert.ok(f.has('bluegreen.sh'));
  assert.equal(f.get('.mask')!.content, 'old-secret-77\n');
  assert.equal(f.get('tag')!.content, 'v1\n');
});

test("release (rollback): the state read in the lock's round trip and the source read beside the copy", async () => {
  const apply = applyOf(configOf('recreate'));
  const step: ReleaseStep = { ...UPLOAD, source: { kind: 'rollback' } };
  const host = retained('@@current\n', { stdout: 'v1\nenv\n' }, 'API_KEY=old-secret-77\n');
  const plan = planWith([step, apply], { tag: { kind: 'rollback' }, operation: 'rollback' });
  const { ctx } = await release(apply, step, plan, host, undefined, parseServerState(STATE));
  assert.deepEqual(
    host.calls.map((c) => scriptOf(c.argv)),
    ['copy-release.sh'],
    'no state.sh of its own',
  );
  assert.deepEqual(host.calls[0]!.argv, runScript('copy-release.sh', [layout.state, OLD, REL, 'with-env']));
  assert.equal(ctx.results.tag, 'v1');
  assert.equal(files(host).get('.mask')!.content, 'old-secret-77\n');
});

test('release (rollback): a source whose files cannot be read beside the copy is read in the copy', async () => {
  const apply = applyOf(configOf('recreate'));
  const step: ReleaseStep = { ...UPLOAD, source: { kind: 'rollback' } };
  const host = retained(STATE, { stdout: 'v1\nenv\n' }, 'API_KEY=old-secret-77\n', REL);
  const plan = planWith([step, apply], { tag: { kind: 'rollback' }, operation: 'rollback' });
  const { ctx } = await release(apply, step, plan, host);
  assert.deepEqual(host.reads, [
    `${layout.release(OLD)}/files`,
    `${layout.release(OLD)}/.env`,
    `${REL}/files`,
    `${REL}/.env`,
  ]);
  assert.equal(ctx.results.tag, 'v1');
  assert.equal(files(host).get('.mask')!.content, 'old-secret-77\n');
});

test('release (rollback, swarm): the swarm data the copy brought are kept, swarm.sh written', async () => {
  const apply = applyOf(configOf('swarm'));
  const step: ReleaseStep = { ...UPLOAD, source: { kind: 'rollback', to: 'v1' } };
  const host = retained(STATE, { stdout: 'v1\nswarm\n' });
  const plan = planWith([step, apply], {
    tag: { kind: 'rollback', to: 'v1' },
    operation: 'rollback',
    payload: new PlanPayload(new Map(), undefined),
  });
  await release(apply, step, plan, host);
  const f = files(host);
  for (const kept of ['swarm-defaults.yml', 'swarm-defaults-added', 'swarm-services', 'swarm-objects'])
    assert.ok(!f.has(kept), kept);
  assert.ok(f.has('swarm.sh') && f.has('.env.export'));
});

test('release (rollback): a tag not retained or a release gone is E_ROLLBACK_TARGET before any copy', async () => {
  const apply = applyOf(configOf('recreate'));
  const plan = planWith([apply], { tag: { kind: 'rollback' }, operation: 'rollback' });
  const to: ReleaseStep = { ...UPLOAD, source: { kind: 'rollback', to: 'v0' } };
  const host = retained(STATE, { stdout: 'v1\n' });
  await assert.rejects(release(apply, to, plan, host), {
    code: 'E_ROLLBACK_TARGET',
    message: `${LABEL}: tag v0 is not retained as a good release (retained good tags: v1); nothing was changed`,
  });
  const gone: ReleaseStep = { ...UPLOAD, source: { kind: 'rollback', release: '20250101-000000-dead' } };
  const host2 = retained(STATE, { stdout: 'v1\n' });
  await assert.rejects(release(apply, gone, plan, host2), {
    code: 'E_ROLLBACK_TARGET',
    message: `${LABEL}: release 20250101-000000-dead is no longer retained here (keep: 4); nothing was changed`,
  });
  for (const h of [host, host2]) {
    assert.deepEqual(
      h.calls.map((c) => scriptOf(c.argv)),
      ['state.sh'],
    );
    assert.equal(h.written.size, 0);
  }
});

test('release: copy-release.sh failing is the command failure with its message; nothing written', async () => {
  const apply = applyOf(configOf('recreate'));
  const step: ReleaseStep = { ...UPLOAD, source: { kind: 'rollback', release: OLD } };
  const plan = planWith([apply], { tag: { kind: 'rollback' }, operation: 'rollback' });
  const host = retained(STATE, { code: 1, stderr: `release ${OLD} is not retained on this server\n` });
  await assert.rejects(release(apply, step, plan, host), new RegExp(`release ${OLD} is not retained on this server`));
  assert.equal(host.written.size, 0);
});
