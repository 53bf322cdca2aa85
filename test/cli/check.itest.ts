/** `gangway check` end to end: the local Docker engine and a real sshd, unknown host keys, exit codes. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CountsDocument } from '../../src/util/run-counts.js';
import { gangway } from '../helpers/cli.js';
import { copyExample } from '../helpers/example.js';
import { tempDir, testEnv, writeKnownHosts } from '../helpers/testenv.js';

test('the quickstart passes `gangway check local` against the local Docker engine and creates nothing', () => {
  // A copy: the checkout's examples/quickstart may hold the user's own deploy (README command 1).
  const quickstart = join(copyExample('quickstart'), 'gangway.yml');
  const r = gangway(['-c', quickstart, 'check', 'local']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\[ok\] Docker — Engine \d+/);
  assert.match(r.stdout, /\[ok\] Compose — docker compose \d/);
  assert.match(r.stdout, /preflight passed/);
  assert.ok(!existsSync(join(quickstart, '..', '.gangway')), 'check created no deploy directory');
});

function sshProject(knownHosts: string, extra = '', top = ''): string {
  const env = testEnv();
  const dir = tempDir();
  writeFileSync(join(dir, 'docker-compose.yml'), 'services: {}\n');
  writeFileSync(
    join(dir, 'gangway.yml'),
    `app: itest
compose: docker-compose.yml
${top}targets:
  test:
    hosts: ["root@${env.host}:${env.port}"]
    dir: /tmp/gangway-check-itest/app
    ssh: { key: ${env.clientKey}, known_hosts: ${knownHosts}, config: false${extra} }
`,
  );
  return join(dir, 'gangway.yml');
}

test('check over SSH: host key, Docker, Compose and a creatable deploy dir, with --json', () => {
  const knownHosts = writeKnownHosts(tempDir(), [{ port: testEnv().port, key: 'target' }]);
  const r = gangway(['-c', sshProject(knownHosts), '--json', 'check']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.ok, true);
  const items = doc.hosts[0].items as { title: string; status: string; detail: string }[];
  assert.deepEqual(
    items.map((i) => [i.title, i.status]),
    [
      ['SSH', 'ok'],
      ['Docker', 'ok'],
      ['Compose', 'ok'],
      ['deploy dir', 'ok'],
      ['disk space (images)', 'ok'],
      ['disk space (deploy dir)', 'ok'],
      ['compose config', 'ok'],
    ],
  );
  const root = dataRoot();
  const images = new RegExp(`^Docker data root ${root}: .* free on \\S+ \\(mounted on /.*\\); needs 2\\.0 GiB`);
  assert.match(items[4]!.detail, images);
  assert.match(items[5]!.detail, /^deploy dir \/tmp\/gangway-check-itest\/app: .* free on .*; needs 50\.0 MiB/);
  assert.match(items[0]!.detail, /host key ssh-ed25519 SHA256:\S+ \(known_hosts line 1\)/);
  assert.match(items[3]!.detail, /will be created/);
  assert.match(r.stderr, /\[ok\] Docker/, 'progress went to stderr');
});

test('check over SSH costs one connection and one round trip: the probe, Compose and `config -q` in one script', () => {
  const knownHosts = writeKnownHosts(tempDir(), [{ port: testEnv().port, key: 'target' }]);
  const r = gangway(['-c', sshProject(knownHosts), '--json', '-vv', 'check']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const { counts, hosts } = JSON.parse(r.stdout) as { counts: CountsDocument; hosts: { items: { title: string }[] }[] };
  const [host] = Object.values(counts.hosts);
  assert.deepEqual([host!.connections, host!.execs, host!.files], [1, 1, 0], JSON.stringify(host));
  assert.deepEqual(host!.commands, { 'sh -s': 1 });
  assert.ok(host!.docker >= 1 && host!.compose >= 1, `the script names docker and Compose: ${JSON.stringify(host)}`);
  assert.ok(hosts[0]!.items.some((i) => i.title === 'compose config'));
  assert.match(r.stderr, /^counts root@127\.0\.0\.1:\d+: 1 connection, 1 round trip \(commands\)/m);
});

test(
  'check over SSH with an unknown host key fails with exit 3 and shows the fingerprint; ' +
    '--accept-new-host-key records it',
  () => {
    const knownHosts = join(tempDir(), 'known_hosts');
    const config = sshProject(knownHosts);
    const refused = gangway(['-c', config, 'check', 'test']);
    assert.equal(refused.code, 3, refused.stdout + refused.stderr);
    assert.match(
      refused.stdout,
      /\[fail\] SSH — host key of root@\[127\.0\.0\.1\]:\d+ is not known \(ssh-ed25519 SHA256:/,
    );
    assert.match(refused.stderr, /preflight failed: 1 check failed/);
    assert.ok(!existsSync(knownHosts));

    const accepted = gangway(['-c', config, '--accept-new-host-key', 'check', 'test']);
    assert.equal(accepted.code, 0, accepted.stdout + accepted.stderr);
    assert.match(readFileSync(knownHosts, 'utf8'), /^\[127\.0\.0\.1\]:\d+ ssh-ed25519 /);
    assert.equal(gangway(['-c', config, 'check']).code, 0, 'trusted from now on');
  },
);

test('check reports missing local files and an unreachable host, each as a failure line', () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'gangway.yml'),
    `app: broken
compose: missing-compose.yml
env: { file: .env.missing }
targets:
  test:
    hosts: ["root@127.0.0.1:1"]
    dir: /srv/app
    ssh: { key: ${testEnv().clientKey}, known_hosts: ${join(dir, 'kh')}, config: false, connect_timeout: 1s }
`,
  );
  const r = gangway(['-c', join(dir, 'gangway.yml'), 'check']);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /\[fail\] compose file — missing-compose\.yml not found/);
  assert.match(r.stdout, /\[fail\] env file — \.env\.missing not found/);
  assert.match(r.stdout, /\[fail\] SSH — root@\[127\.0\.0\.1\]:1: connection refused/);
});

test('a configuration error exits 2 naming file, line and key', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'gangway.yml'), 'app: x\ncompose: a.yml\ntargets:\n  t: { hosts: [local], dri: x }\n');
  const r = gangway(['-c', join(dir, 'gangway.yml'), 'check']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /gangway\.yml:4:24 targets\.t\.dri: unknown key; did you mean "dir"\?/);
});

/**
 * What this check run could have changed on the server: its deploy dir, a leftover `/tmp/gangway-check.*`, and
 * the Docker objects of its own compose project and image. Scoped to those so that other runs on the same dockerd
 * and /tmp (other tests, other people) cannot make it differ.
 */
function serverState(app: string, image: string): string {
  const run = (cmd: string, args: string[]) =>
    execFileSync(cmd, args, { encoding: 'utf8' }).split('\n').sort().join('\n');
  const project = `label=com.docker.compose.project=${app}`;
  return [
    run('sh', ['-c', 'ls -A /tmp/gangway-check-itest 2>&1 || true']),
    run('docker', ['ps', '-aq', '--filter', project]),
    run('docker', ['volume', 'ls', '-q', '--filter', project]),
    run('docker', ['network', 'ls', '-q', '--filter', project]),
    run('docker', ['images', '-q', image]),
  ].join('\n---\n');
}

function checkTempDirs(): string[] {
  return readdirSync('/tmp').filter((name) => name.startsWith('gangway-check.'));
}

/**
 * Equal once a concurrent run's own temporary directory (removed when it ends) has gone: poll, with 30 s as a
 * backstop (not the expected wait: a loaded machine can take more than a few seconds to get there).
 */
async function settles(state: () => string, expected: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  let now = state();
  while (now !== expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    now = state();
  }
  return now;
}

test(
  'check changes nothing on the server: no temporary files left, no deploy dir, no containers, ' +
    'volumes, networks or images',
  async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.env'), 'GREETING=canary-untouched-value\n');
    const knownHosts = writeKnownHosts(tempDir(), [{ port: testEnv().port, key: 'target' }]);
    const config = sshProject(knownHosts, '', `env: { file: ${join(dir, '.env')} }\n`);
    const app = `itest-nochange-${process.pid}`;
    const image = `gangway-check-itest/nochange-${process.pid}`;
    writeFileSync(config, readFileSync(config, 'utf8').replace('app: itest', `app: ${app}`));
    writeFileSync(
      join(config, '..', 'docker-compose.yml'),
      `services:\n  web:\n    image: ${image}:\${IMAGE_TAG:-x}\n    environment: { GREETING: "\${GREETING}" }\n` +
        '    volumes: [data:/data]\nvolumes: { data: {} }\n',
    );
    const before = serverState(app, image);
    // Every check and deploy on this machine (other test files too) makes a /tmp/gangway-check.* for a moment:
    // what counts is that none is left that was not there before.
    const tmpBefore = new Set(checkTempDirs());
    const r = gangway(['-c', config, 'check']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\[ok\] compose config — valid for docker compose/);
    assert.equal(await settles(() => serverState(app, image), before), before);
    const left = () =>
      checkTempDirs()
        .filter((d) => !tmpBefore.has(d))
        .join(' ');
    assert.equal(await settles(left, ''), '');
  },
);

test('not enough disk for twice the image archive fails the disk check', () => {
  const knownHosts = writeKnownHosts(tempDir(), [{ port: testEnv().port, key: 'target' }]);
  const config = sshProject(knownHosts, '', 'image: { name: itest/app, delivery: archive, archive: huge.tar }\n');
  execFileSync('truncate', ['-s', '8T', join(config, '..', 'huge.tar')]); // sparse: costs no disk
  const r = gangway(['-c', config, 'check']);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /\[ok\] image archive — huge\.tar 8\.0 TiB/);
  const root = dataRoot().replaceAll('/', '\\/');
  const images = `\\[fail\\] disk space \\(images\\) — Docker data root ${root}: .* free on .*; needs 16\\.0 TiB`;
  assert.match(r.stdout, new RegExp(`${images} \\(2 × the 8\\.0 TiB image archive`));
  assert.match(r.stdout, /\[ok\] disk space \(deploy dir\) — deploy dir \/tmp\/gangway-check-itest\/app: /);
});

/** The test sshd's dockerd is the local one: its data root as `docker info` gives it. */
function dataRoot(): string {
  return execFileSync('docker', ['info', '--format', '{{.DockerRootDir}}'], { encoding: 'utf8' }).trim();
}

test("images need room in Docker's data root, not in the deploy dir's filesystem: a smaller data root fails", () => {
  // A docker that puts its data root on /dev/shm (a tmpfs: another filesystem than the deploy dir's /tmp).
  const dir = tempDir();
  const bin = join(dir, 'bin');
  const realDocker = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim();
  execFileSync('mkdir', [bin]);
  const fake = `#!/bin/sh\n[ "$1" = info ] && { echo "99.0.0|/dev/shm"; exit 0; }\nexec ${realDocker} "$@"\n`;
  writeFileSync(join(bin, 'docker'), fake, { mode: 0o755 });
  const df = (p: string) => execFileSync('sh', ['-c', `df -Pk ${p} | tail -n 1`], { encoding: 'utf8' });
  const free = (p: string) => Number(df(p).trim().split(/\s+/)[3]) * 1024;
  // An archive twice as big as /dev/shm's free space needs, yet that fits the deploy dir's filesystem.
  const archive = Math.ceil(free('/dev/shm') / 2) + 1024 ** 2;
  assert.ok(2 * archive < free(dir), 'precondition: /tmp has more room than /dev/shm');
  execFileSync('truncate', ['-s', String(archive), join(dir, 'big.tar')]); // sparse: costs no disk
  writeFileSync(join(dir, 'docker-compose.yml'), 'services: {}\n');
  writeFileSync(
    join(dir, 'gangway.yml'),
    `app: itest-dataroot
compose: docker-compose.yml
image: { name: itest/app, delivery: archive, archive: big.tar }
targets:
  local: { hosts: [local], dir: ${join(dir, 'deploy')} }
`,
  );
  const r = gangway(['-c', join(dir, 'gangway.yml'), 'check'], { env: { PATH: `${bin}:${process.env.PATH}` } });
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout, /\[ok\] Docker — Engine 99\.0\.0, data root \/dev\/shm/);
  assert.match(r.stdout, /\[fail\] disk space \(images\) — Docker data root \/dev\/shm: .* \(mounted on \/dev\/shm/);
  assert.match(r.stdout, /\[ok\] disk space \(deploy dir\) — deploy dir \/tmp\/\S+\/deploy: .*; needs 50\.0 MiB/);
});
