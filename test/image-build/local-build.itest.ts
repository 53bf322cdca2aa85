/**
 * image.build with real builders: Debian trixie's buildx (DOCKER_CONFIG=$GANGWAY_TESTENV/buildx) and the
 * classic builder (no buildx), a real registry, deploys through the real sshd. The build secret is a canary with
 * quotes, backslashes and spaces: the image proves it reached the build (its sha256), and it is found in no output,
 * record, server log, argv sample or image history.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CANARIES, findLeaks } from '../helpers/canary.js';
import { gangway } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { sampleArgv } from '../helpers/swarm.js';
import { testEnv } from '../helpers/testenv.js';

const TOKEN = ' build-canary "q" \\back slash\\ ';
const projects: DeployProject[] = [];
after(() => {
  for (const p of projects) p.cleanup();
});

/** A Docker config directory whose cli-plugins hold buildx (scripts/test-env.sh install_buildx). */
function buildxConfig(): string {
  const dir = join(testEnv().dir, 'buildx');
  assert.ok(existsSync(join(dir, 'cli-plugins', 'docker-buildx')), 'scripts/test-env.sh installs buildx there');
  return dir;
}

/** A web app with only a Dockerfile next to it: busybox httpd; the build secret's sha256 lands in /www/token.sha. */
function writeWebSource(dir: string, version: string, options: { secret?: boolean } = {}): void {
  const web = join(dir, 'web');
  mkdirSync(join(web, 'www'), { recursive: true });
  copyFileSync('/bin/busybox', join(web, 'busybox'));
  writeFileSync(join(web, 'www', 'version'), version);
  writeFileSync(join(web, 'www', 'health'), 'ok');
  writeFileSync(
    join(web, 'Dockerfile'),
    [
      'FROM scratch',
      'COPY busybox /bin/busybox',
      'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
      ...(options.secret
        ? ['RUN --mount=type=secret,id=BUILD_TOKEN mkdir -p /sha && sha256sum /run/secrets/BUILD_TOKEN > /sha/token']
        : []),
      'COPY www /www',
      'HEALTHCHECK --interval=2s --retries=3 CMD wget -qO- http://127.0.0.1:8080/health || exit 1',
      'USER 65534',
      'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]',
      '',
    ].join('\n'),
  );
}

function withBuild(p: DeployProject, delivery: string, build: string): void {
  const text = readFileSync(p.config, 'utf8');
  const next = text.replace(`delivery: ${delivery} }`, `delivery: ${delivery}, build: { context: web, ${build} } }`);
  assert.notEqual(next, text);
  writeFileSync(p.config, next);
}

const out = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

test('buildx + registry: pushed, pulled by digest; the rebuild is cached; the secret never shows', async () => {
  const env = testEnv();
  const name = `${env.registry}/gangway-test/built-${process.pid}`;
  const p = deployProject({ image: name, delivery: 'registry' });
  projects.push(p);
  withBuild(p, 'registry', 'secrets: [BUILD_TOKEN]');
  // Credentials: the push logs in through stdin, into a Docker config of the run's own (the test registry takes
  // any login); the user's config is not written.
  writeFileSync(
    p.config,
    readFileSync(p.config, 'utf8').replace(
      'delivery: registry,',
      'delivery: registry, registry: { username: gangway-ci, password_env: GW_TEST_REGISTRY_PASSWORD },',
    ),
  );
  writeWebSource(p.dir, 'v1', { secret: true });
  const userConfig = buildxConfig();
  const runEnv = { DOCKER_CONFIG: userConfig, BUILD_TOKEN: TOKEN, GW_TEST_REGISTRY_PASSWORD: CANARIES.REGISTRY };
  const argv = sampleArgv();
  const dry = gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--dry-run'], { env: runEnv });
  assert.equal(dry.code, 0, out(dry));
  assert.match(
    dry.stdout,
    /docker buildx build --progress=plain --tag \S+:v1 --platform linux\/amd64 --secret id=BUILD_TOKEN,env=BUILD_TOKEN/,
  );
  assert.match(dry.stdout, /docker pull \S+@<digest of the push>/);

  const v1 = gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--yes'], { env: runEnv });
  assert.equal(v1.code, 0, out(v1));
  assert.equal(p.serving(), 'v1');
  writeWebSource(p.dir, 'v2', { secret: true });
  const v2 = gangway(['-c', p.config, '-v', 'deploy', '--tag', 'v2', '--yes'], { env: runEnv });
  const sampled = argv.stop();
  assert.equal(v2.code, 0, out(v2));
  assert.equal(p.serving(), 'v2');
  // Only www changed: the busybox layers come from the cache.
  assert.match(out(v2), /build \| #\d+ CACHED/);

  // The hosts pulled exactly the pushed manifest: the registry's digest of v2, in the record and the pull.
  const digest = execFileSync(
    'curl',
    [
      '-fsSI',
      '-H',
      'Accept: application/vnd.docker.distribution.manifest.v2+json',
      `http://${env.registry}/v2/gangway-test/built-${process.pid}/manifests/v2`,
    ],
    { encoding: 'utf8' },
  ).match(/docker-content-digest: (sha256:[0-9a-f]{64})/i)?.[1];
  assert.ok(digest);
  const record = p.releases().at(-1)!;
  assert.equal(record.image_digest, digest);
  assert.match(v2.stdout, new RegExp(`pushed ${digest}`));

  // The secret reached the build, and nowhere else.
  const image = `${name}:v2`;
  const sha = execFileSync('docker', ['run', '--rm', '--entrypoint', 'cat', image, '/sha/token'], { encoding: 'utf8' });
  assert.equal(sha.split(' ')[0], createHash('sha256').update(TOKEN).digest('hex'));
  const places: Record<string, string> = {
    dry: out(dry),
    v1: out(v1),
    v2: out(v2),
    argv: sampled,
    history: execFileSync('docker', ['history', '--no-trunc', image], { encoding: 'utf8' }),
    inspect: execFileSync('docker', ['image', 'inspect', image], { encoding: 'utf8' }),
    releases: readFileSync(join(p.serverDir, '.gangway', 'releases.jsonl'), 'utf8'),
  };
  for (const f of readdirSync(join(p.serverDir, '.gangway', 'runs')))
    places[f] = readFileSync(join(p.serverDir, '.gangway', 'runs', f), 'utf8');
  for (const f of readdirSync(join(p.dir, 'records'))) places[f] = readFileSync(join(p.dir, 'records', f), 'utf8');
  assert.deepEqual(findLeaks(places, { BUILD_TOKEN: TOKEN, REGISTRY: CANARIES.REGISTRY }), []);
  const userFile = join(userConfig, 'config.json');
  const written = existsSync(userFile) ? readFileSync(userFile, 'utf8') : '';
  assert.doesNotMatch(written, /auths|127\.0\.0\.1:5000/, "the user's Docker config gained no login");

  // gangway build alone (a CI build job), then a deploy that builds nothing.
  writeWebSource(p.dir, 'v3', { secret: true });
  const built = gangway(['-c', p.config, '--json', 'build', '--tag', 'v3'], { env: runEnv });
  assert.equal(built.code, 0, out(built));
  assert.match((JSON.parse(built.stdout) as { digest: string }).digest, /^sha256:[0-9a-f]{64}$/);
  const v3 = gangway(['-c', p.config, 'deploy', '--tag', 'v3', '--no-build', '--yes'], { env: runEnv });
  assert.equal(v3.code, 0, out(v3));
  assert.doesNotMatch(v3.stdout, /build /);
  assert.equal(p.serving(), 'v3');
});

test('a platform the hosts do not run is refused before anything changes; --platform linux/amd64 deploys', () => {
  const p = deployProject({ image: `gangway-test/built-arch-${process.pid}`, delivery: 'archive' });
  projects.push(p);
  withBuild(p, 'archive', 'platform: linux/arm64');
  writeWebSource(p.dir, 'v1');
  const runEnv = { DOCKER_CONFIG: buildxConfig() };
  // check knows the image is built for that platform before any image exists.
  const checked = gangway(['-c', p.config, 'check'], { env: runEnv });
  assert.equal(checked.code, 3, out(checked));
  assert.match(out(checked), /\[fail\] image platform — .*the build is set to linux\/arm64/);
  const refused = gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--yes'], { env: runEnv });
  assert.equal(refused.code, 3, out(refused));
  assert.match(out(refused), /image gangway-test\/built-arch-\d+:v1 is linux\/arm64, host \S+ is linux\/amd64/);
  assert.match(out(refused), /the build is set to linux\/arm64 \(--platform or image.build.platform\)/);
  assert.throws(() => readdirSync(join(p.serverDir, '.gangway')), /ENOENT/, 'nothing was created on the server');

  const ok = gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--platform', 'linux/amd64', '--yes'], { env: runEnv });
  assert.equal(ok.code, 0, out(ok));
  assert.equal(p.serving(), 'v1');
});

test('without buildx: the classic builder builds for its engine; build secrets are refused, naming the fix', () => {
  const p = deployProject({ image: `gangway-test/built-classic-${process.pid}`, delivery: 'archive' });
  projects.push(p);
  withBuild(p, 'archive', 'args: { UNUSED: "x y" }');
  writeWebSource(p.dir, 'v1');
  const noBuildx = { DOCKER_CONFIG: join(p.dir, 'no-docker-config') };
  const ok = gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--yes'], { env: noBuildx });
  assert.equal(ok.code, 0, out(ok));
  assert.match(ok.stdout, /docker build \(classic builder\)/);
  assert.equal(p.serving(), 'v1');

  writeFileSync(p.config, readFileSync(p.config, 'utf8').replace('args: { UNUSED: "x y" }', 'secrets: [BUILD_TOKEN]'));
  const refused = gangway(['-c', p.config, 'deploy', '--tag', 'v2', '--yes'], {
    env: { ...noBuildx, BUILD_TOKEN: TOKEN },
  });
  assert.equal(refused.code, 3, out(refused));
  assert.match(out(refused), /build secrets \(BUILD_TOKEN\) need BuildKit.*apt-get install docker-buildx/);
  assert.match(out(refused), /\[E_BUILD_UNSUPPORTED\]/);
  assert.equal(p.serving(), 'v1');
});
