/**
 * Each delivery mode through `gangway deploy` into the real sshd + dockerd: deploy v1, deploy v2, deploy a bad
 * image that never gets healthy — automatic rollback to v2, v2 serving, exit 1.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CANARIES, findLeaks } from '../helpers/canary.js';
import { gangway, type CliResult } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { buildWebImage, pushImage, removeImage, saveImage } from '../helpers/images.js';
import { testEnv } from '../helpers/testenv.js';

const projects: DeployProject[] = [];
after(() => {
  for (const p of projects) p.cleanup();
});

const VERSIONS = [
  { tag: 'v1', healthy: true },
  { tag: 'v2', healthy: true },
  { tag: 'bad', healthy: false },
] as const;

/** Deploy v1, v2, bad with `prepare(tag)` before each; then assert the rollback story. */
function threeDeploys(
  p: DeployProject,
  prepare: (tag: string) => Promise<void> | void,
  env?: NodeJS.ProcessEnv,
): Promise<CliResult[]> {
  return (async () => {
    const results: CliResult[] = [];
    for (const v of VERSIONS) {
      await prepare(v.tag);
      results.push(gangway(['-c', p.config, 'deploy', '--tag', v.tag], { ...(env && { env }) }));
    }
    const [v1, v2, bad] = results;
    assert.equal(v1!.code, 0, v1!.stdout + v1!.stderr);
    assert.equal(v2!.code, 0, v2!.stdout + v2!.stderr);
    assert.equal(bad!.code, 1, bad!.stdout + bad!.stderr);
    assert.match(bad!.stdout, /rolled back: serving v2/);
    assert.equal(p.serving(), 'v2');
    assert.deepEqual(
      p.releases().map((r) => [r.tag, r.status]),
      [
        ['v1', 'succeeded'],
        ['v2', 'succeeded'],
        ['bad', 'rolled_back'],
      ],
    );
    return results;
  })();
}

test('registry: pulled from the local registry, docker login with the password on stdin only', async () => {
  const env = testEnv();
  const name = `${env.registry}/gangway-test/web`;
  for (const v of VERSIONS) {
    await buildWebImage(`${name}:${v.tag}`, { version: v.tag, healthy: v.healthy });
    await pushImage(`${name}:${v.tag}`);
  }
  const p = deployProject({ image: name, delivery: 'registry' });
  projects.push(p);
  writeFileSync(
    p.config,
    readFileSync(p.config, 'utf8').replace(
      'delivery: registry }',
      `delivery: registry, registry: { username: gangway-ci, password_env: GW_TEST_REGISTRY_PASSWORD } }`,
    ),
  );
  const runs = await threeDeploys(p, (tag) => removeImage(`${name}:${tag}`), {
    GW_TEST_REGISTRY_PASSWORD: CANARIES.REGISTRY,
  });
  assert.match(runs[0]!.stdout, /\[ok\] deliver — sha256:/);
  const places: Record<string, string> = {};
  for (const [i, r] of runs.entries()) places[`run ${i}`] = r.stdout + r.stderr;
  for (const f of readdirSync(join(p.dir, 'records'))) places[f] = readFileSync(join(p.dir, 'records', f), 'utf8');
  places.releases = readFileSync(join(p.serverDir, '.gangway', 'releases.jsonl'), 'utf8');
  for (const f of readdirSync(join(p.serverDir, '.gangway', 'runs')))
    places[f] = readFileSync(join(p.serverDir, '.gangway', 'runs', f), 'utf8');
  assert.deepEqual(findLeaks(places, { REGISTRY: CANARIES.REGISTRY }), []);
});

test("archive from a prebuilt tar (seed 000's observer-image.tar)", async () => {
  const name = 'gangway-test/archive-web';
  const p = deployProject({ image: name, delivery: 'archive' });
  projects.push(p);
  writeFileSync(
    p.config,
    readFileSync(p.config, 'utf8').replace('delivery: archive }', 'delivery: archive, archive: image.tar }'),
  );
  const runs = await threeDeploys(p, async (tag) => {
    const v = VERSIONS.find((x) => x.tag === tag)!;
    await buildWebImage(`${name}:${tag}`, { version: tag, healthy: v.healthy });
    await saveImage(`${name}:${tag}`, join(p.dir, 'image.tar'));
    await removeImage(`${name}:${tag}`); // the server (same engine here) must get it from the tar
  });
  assert.match(runs[1]!.stdout, /\[ok\] deliver — sha256:\S+, [\d.]+ (KiB|MiB) sent/);
});

test('archive from docker save (no archive file)', async () => {
  const name = 'gangway-test/save-web';
  const p = deployProject({ image: name, delivery: 'archive' });
  projects.push(p);
  await threeDeploys(p, async (tag) => {
    const v = VERSIONS.find((x) => x.tag === tag)!;
    await buildWebImage(`${name}:${tag}`, { version: tag, healthy: v.healthy });
  });
});

test('build: the git-tracked build context streamed into docker build on the server', async () => {
  const name = 'gangway-test/build-web';
  const p = deployProject({ image: name, delivery: 'build' });
  projects.push(p);
  const ctx = join(p.dir, 'web');
  mkdirSync(join(ctx, 'www'), { recursive: true });
  copyFileSync('/bin/busybox', join(ctx, 'busybox'));
  // The healthcheck every 3 s, as test/helpers/images.ts's: each check is a runc exec, and every second across the
  // suite's containers saturates 2 cores. The bad tag is still unhealthy within seconds (2 retries, health 404s).
  // A \ at the end of a line in the template below is a JS line continuation: the text has no line break there.
  writeFileSync(
    join(ctx, 'Dockerfile'),
    `FROM scratch
COPY busybox /bin/busybox
COPY www /www
RUN ["/bin/busybox", "--install", "-s", "/bin"]
HEALTHCHECK --interval=3s --timeout=10s --retries=2 \
CMD ["/bin/wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/health"]
CMD ["/bin/httpd", "-f", "-p", "8080", "-h", "/www"]
`,
  );
  writeFileSync(
    p.config.replace('gangway.yml', 'docker-compose.yml'),
    readFileSync(p.config.replace('gangway.yml', 'docker-compose.yml'), 'utf8').replace(
      '    environment:',
      '    build: ./web\n    environment:',
    ),
  );
  execFileSync('git', ['init', '-q'], { cwd: p.dir });
  await threeDeploys(p, async (tag) => {
    writeFileSync(join(ctx, 'www', 'version'), `${tag}\n`);
    rmSync(join(ctx, 'www', 'health'), { force: true });
    if (tag !== 'bad') writeFileSync(join(ctx, 'www', 'health'), 'ok\n');
    await removeImage(`${name}:${tag}`).catch(() => {});
  });
});
