/** status (GO / NO-GO) and logs against a real stack over SSH. */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gangway } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { buildWebImage } from '../helpers/images.js';
import { bounded, killChildren, tracked } from '../helpers/children.js';

const SECRET = 'canary-logs-secret-77';
let p: DeployProject;

before(async () => {
  await buildWebImage('gangway-test/web:v1', { version: 'v1' });
  // A \ at the end of a line in the template below is a JS line continuation: the text has no line break there.
  // The talker ticks only once the follow test asks it to (/tick): its first lines (the FATAL one) stay in any tail
  // however long the tests before take on a loaded machine.
  p = deployProject({
    envText: `APP_SECRET=${SECRET}\n`,
    compose: (port) => `services:
  web:
    image: gangway-test/web:\${IMAGE_TAG:?IMAGE_TAG required}
    ports: ["127.0.0.1:${port}:8080"]
    stop_grace_period: 1s
  talker:
    image: gangway-test/web:\${IMAGE_TAG:?IMAGE_TAG required}
    environment: { APP_SECRET: "\${APP_SECRET}" }
    command: ["/bin/sh", "-c", "echo starting with $$APP_SECRET; echo FATAL: disk on fire; \
while true; do [ -e /tick ] && echo tick; sleep 1; done"]
    healthcheck: { disable: true }
    stop_grace_period: 1s
`,
    health: '  services: [web]\n  timeout: 30s',
  });
  const r = gangway(['-c', p.config, 'deploy', '--tag', 'v1']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});
after(() => {
  killChildren();
  p.cleanup();
});

test('status: GO with tags, services, disk and lock; --json', () => {
  const r = gangway(['-c', p.config, 'status']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /host root@.*: GO/);
  assert.match(r.stdout, /tags — current v1, last good v1/);
  assert.match(r.stdout, /\[ok\] service web — running, health healthy, 0 restarts, CPU [\d.]+%, memory [\d.]+%/);
  assert.match(r.stdout, /\[ok\] disk — .* free/);
  assert.match(r.stdout, /\[ok\] lock — not locked/);
  const json = JSON.parse(gangway(['-c', p.config, '--json', 'status']).stdout);
  assert.equal(json.verdict, 'GO');
  assert.deepEqual(json.hosts[0].services.map((s: { service: string }) => s.service).sort(), ['talker', 'web']);
});

test('status: NO-GO (exit 1) for fatal log lines when configured, and for a stopped service', () => {
  const text = execFileSync('cat', [p.config], { encoding: 'utf8' });
  execFileSync('sh', ['-c', `cat > ${p.config}`], {
    input: text.replace('  timeout: 30s', '  timeout: 30s\n  fatal_logs: { patterns: ["FATAL"], tail: 50 }'),
  });
  const fatal = gangway(['-c', p.config, 'status']);
  assert.equal(fatal.code, 1, fatal.stdout);
  assert.match(fatal.stdout, /\[fail\] NO-GO — talker: 1 fatal log line\(s\) in the last 50/);
  execFileSync('sh', ['-c', `cat > ${p.config}`], { input: text });

  execFileSync('sh', [
    '-c',
    `docker stop -t 1 $(docker ps -q --filter label=com.docker.compose.project=${p.app} ` +
      '--filter label=com.docker.compose.service=web)',
  ]);
  const stopped = gangway(['-c', p.config, '--json', 'status']);
  assert.equal(stopped.code, 1);
  const doc = JSON.parse(stopped.stdout);
  assert.equal(doc.verdict, 'NO-GO');
  assert.ok(doc.hosts[0].reasons.includes('web is exited'), doc.hosts[0].reasons.join('; '));
  execFileSync('sh', [
    '-c',
    `docker start $(docker ps -aq --filter label=com.docker.compose.project=${p.app} ` +
      '--filter label=com.docker.compose.service=web)',
  ]);
});

test('logs: prefixed by host, --tail, one service, secrets masked', () => {
  const r = gangway(['-c', p.config, 'logs', 'e2e', 'talker', '--tail', '500']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^root@127\.0\.0\.1:\d+ \| .*starting with \*\*\*$/m);
  assert.match(r.stdout, /FATAL: disk on fire/);
  assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET));
  const tail = gangway(['-c', p.config, 'logs', 'e2e', 'talker', '--tail', '2']);
  assert.equal(tail.stdout.trim().split('\n').length, 2);
});

test('logs -f follows until interrupted, then exits cleanly', async () => {
  execFileSync('sh', [
    '-c',
    `docker exec $(docker ps -q --filter label=com.docker.compose.project=${p.app} ` +
      '--filter label=com.docker.compose.service=talker) touch /tick',
  ]);
  // (ended by the Ctrl-C below; killed, and the test failed by name, if it outlives that by minutes)
  const cli = tracked(
    bounded(
      spawn(
        process.execPath,
        [
          fileURLToPath(new URL('../../bin/gangway.js', import.meta.url)),
          '-c',
          p.config,
          'logs',
          'e2e',
          'talker',
          '-f',
          '--tail',
          '1',
        ],
        { stdio: 'pipe' },
      ),
      180_000,
    ),
  );
  let out = '';
  cli.stdout.on('data', (d) => (out += d));
  const deadline = Date.now() + 60_000;
  while ((out.match(/tick/g) ?? []).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  assert.ok((out.match(/tick/g) ?? []).length >= 3, 'new lines kept arriving');
  cli.kill('SIGINT');
  const code = await new Promise<number | null>((r) => cli.on('exit', r));
  assert.equal(code, 0);
});
