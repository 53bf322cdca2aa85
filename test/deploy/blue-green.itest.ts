/**
 * Blue/green behind a real Caddy (Debian's, scripts/caddy-image.sh) over the real sshd into dockerd, under a
 * steady load through the proxy: a deploy, a deploy whose gate fails (the standby it took made again), a rollback
 * that starts that standby and one that switches back to the colour still there — zero failed requests in each,
 * and the answers move from the old version to the new exactly once. Then a second app on the same proxy with
 * TLS from Caddy's internal CA, apps whose routes would take another app's traffic refused at preflight, a
 * failed first deploy that leaves no route, and a proxied service that would clash refused before anything changes.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { canaryEnvFile, findLeaks } from '../helpers/canary.js';
import { type DeployProject, deployProject } from '../helpers/deploy-project.js';
import { buildWebImage } from '../helpers/images.js';
import { startLoad, summarize, type LoadOptions, type LoadSummary } from '../helpers/load.js';
import { bounded, killChildren, tracked } from '../helpers/children.js';

const BIN = fileURLToPath(new URL('../../bin/gangway.js', import.meta.url));
const HTTP = 18180;
const HTTPS = 18543;
const projects: DeployProject[] = [];

const compose = (app: string) => `services:
  web:
    image: gangway-test/web:\${IMAGE_TAG:?IMAGE_TAG required}
    environment:
      APP_SECRET: \${APP_SECRET}
    volumes: [uploads:/uploads]
    stop_grace_period: 1s
  worker:
    image: gangway-test/web:v1
    networks: [back]
networks:
  back: {}
volumes:
  uploads: {}
# ${app}
`;

function blueGreenProject(
  app: string,
  proxyExtra = '',
  options: { compose?: string; envText?: string } = {},
): DeployProject {
  const p = deployProject({
    app,
    compose: () => options.compose ?? compose(app),
    ...(options.envText !== undefined && { envText: options.envText }),
    health: '  services: [web]\n  timeout: 30s',
    extra:
      `proxy:\n  service: web\n  port: 8080\n  listen: { http: ${HTTP}, https: ${HTTPS} }\n` +
      '  image: gangway-test/caddy:2\n  health: { path: /health, interval: 250ms, passes: 3 }\n' +
      `  drain: 5s\n${proxyExtra}`,
  });
  projects.push(p);
  return p;
}

function removeProxy(): void {
  execFileSync('sh', ['-c', 'docker rm -f gangway-proxy >/dev/null 2>&1; true']);
}

before(async () => {
  for (const v of ['v1', 'v2']) await buildWebImage(`gangway-test/web:${v}`, { version: v });
  await buildWebImage('gangway-test/web:bad', { version: 'bad', healthy: false });
  removeProxy();
});
after(() => {
  killChildren();
  for (const p of projects) {
    execFileSync('sh', [
      '-c',
      ['blue', 'green']
        .map((c) => `docker ps -aq --filter label=com.docker.compose.project=${p.app}-${c} | xargs -r docker rm -f`)
        .join('; ') + ' >/dev/null 2>&1; true',
    ]);
    p.cleanup();
  }
  removeProxy();
});

/** The CLI, asynchronously: the load generator runs in this process meanwhile. */
function gangway(args: string[]): Promise<{ code: number | null; out: string; stdout: string; ms: number }> {
  const started = Date.now();
  const cli = tracked(bounded(spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })));
  let out = '';
  let stdout = '';
  cli.stdout.on('data', (d) => ((out += d), (stdout += d)));
  cli.stderr.on('data', (d) => (out += d));
  return new Promise((resolve) => cli.on('close', (code) => resolve({ code, out, stdout, ms: Date.now() - started })));
}

/** Run a command while 4 clients load the proxy; the load starts before and ends after it. */
async function underLoad(
  args: string[],
  load: LoadOptions = { url: `http://127.0.0.1:${HTTP}/version` },
): Promise<{ code: number | null; out: string; stdout: string; ms: number; load: LoadSummary }> {
  const run = startLoad({ clients: 4, maxMs: 600_000, ...load });
  assert.ok(await run.answered(8), 'requests flowing before the command starts…');
  const result = await gangway(args);
  assert.ok(await run.answered(8), '…and answered after it ended');
  return { ...result, load: summarize(await run.stop()) };
}

/** The proxy's home (the dir of the app that installed it), from its container's label. */
const proxyHome = () =>
  execFileSync('docker', ['inspect', '-f', '{{index .Config.Labels "gangway.proxy.home"}}', 'gangway-proxy'], {
    encoding: 'utf8',
  }).trim();
/** Every app's route file in the proxy's home, `server/order-app.json`. */
const routeFiles = () =>
  ['http', 'https'].flatMap((d) => readdirSync(join(proxyHome(), 'routes', d)).map((f) => `${d}/${f}`)).sort();

const containerId = (name: string) =>
  execFileSync('docker', ['inspect', '-f', '{{.Id}}', name], { encoding: 'utf8' }).trim();
const containerHealth = (name: string) =>
  execFileSync('docker', ['inspect', '-f', '{{.State.Health.Status}}', name], { encoding: 'utf8' }).trim();
/** The proxied service's containers in the app's colour projects: "name state image". */
const containers = (app: string) =>
  execFileSync(
    'docker',
    ['ps', '-a', '--filter', 'label=com.docker.compose.service=web', '--format', '{{.Names}} {{.State}} {{.Image}}'],
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter((line) => line.startsWith(`${app}-blue-`) || line.startsWith(`${app}-green-`))
    .sort();

/** Polls a condition (every 200 ms) until it holds or the backstop deadline passes. */
async function until(condition: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!condition() && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
}

test('deploy, failed deploy and rollbacks under load through Caddy: no failed request, one switch each', async () => {
  const p = blueGreenProject('bgtest');
  const first = await gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--yes']);
  assert.equal(first.code, 0, first.out);
  assert.match(first.out, /switch — traffic goes to blue/);
  const blueV1 = containerId('bgtest-blue-web-1');

  // (1) v1 → v2: the new colour starts beside the old one, passes the gate, takes the traffic.
  const v2 = await underLoad(['-c', p.config, 'deploy', '--tag', 'v2', '--yes']);
  assert.equal(v2.code, 0, v2.out);
  assert.deepEqual(v2.load.failures, {}, JSON.stringify(v2.load));
  assert.deepEqual(v2.load.versions, ['v1', 'v2']);
  assert.equal(v2.load.flaps, 0);
  assert.ok(v2.load.requests > 100, `a steady load (${v2.load.requests} requests)`);
  const record = p.releases().at(-1)!;
  assert.deepEqual(
    [record.strategy, record.colour, record.previous_colour, record.status],
    ['blue-green', 'green', 'blue', 'succeeded'],
  );
  assert.match(String(record.switched_at), /^\d{4}-\d\d-\d\dT/);
  // The old colour drains and stops after the command returned (issue 25).
  await until(() => !containers('bgtest')[0]!.includes(' running '), 60_000);
  assert.deepEqual(containers('bgtest'), [
    'bgtest-blue-web-1 exited gangway-test/web:v1',
    'bgtest-green-web-1 running gangway-test/web:v2',
  ]);
  // The rest of the stack stays in the app's project, the proxied service at scale 0 there.
  const main = execFileSync('docker', ['ps', '-q', '--filter', 'label=com.docker.compose.project=bgtest'], {
    encoding: 'utf8',
  });
  assert.equal(main.trim().split('\n').length, 1, 'only the worker runs in the project bgtest');

  // (2) v2 → a release whose health fails: never switched, v2 keeps serving, the bad colour goes and v1's standby
  // (the colour it took) is made again, not started (proxy.standby: stopped).
  const bad = await underLoad(['-c', p.config, 'deploy', '--tag', 'bad', '--yes']);
  assert.equal(bad.code, 1, bad.out);
  assert.match(bad.out, /proxy health|health web/);
  assert.deepEqual(bad.load.failures, {}, JSON.stringify(bad.load));
  assert.deepEqual(bad.load.versions, ['v2']);
  assert.deepEqual([p.releases().at(-1)!.status, p.releases().at(-1)!.serving], ['rolled_back', 'v2']);
  assert.deepEqual(containers('bgtest'), [
    'bgtest-blue-web-1 created gangway-test/web:v1',
    'bgtest-green-web-1 running gangway-test/web:v2',
  ]);
  assert.ok(!existsSync(join(p.serverDir, '.gangway', 'lock')), 'the lock is free');
  const blueStandby = containerId('bgtest-blue-web-1');

  // (3) rollback to v1: the standby made again after the failed deploy is started; still no failure.
  const back = await underLoad(['-c', p.config, 'rollback', '--to', 'v1', '--yes']);
  assert.equal(back.code, 0, back.out);
  assert.deepEqual(back.load.failures, {}, JSON.stringify(back.load));
  assert.deepEqual(back.load.versions, ['v2', 'v1']);
  assert.equal(back.load.flaps, 0);
  assert.notEqual(containerId('bgtest-blue-web-1'), blueV1);
  assert.equal(containerId('bgtest-blue-web-1'), blueStandby, 'the standby, not a new container');

  // (4) rollback while the previous colour (v2, stopped) is there: the same container comes back, in seconds.
  const greenV2 = containerId('bgtest-green-web-1');
  const switchBack = await underLoad(['-c', p.config, 'rollback', '--yes']);
  assert.equal(switchBack.code, 0, switchBack.out);
  assert.deepEqual(switchBack.load.failures, {}, JSON.stringify(switchBack.load));
  assert.deepEqual(switchBack.load.versions, ['v1', 'v2']);
  assert.equal(switchBack.load.flaps, 0);
  assert.equal(containerId('bgtest-green-web-1'), greenV2, 'the retained colour, not a new container');
  const last = p.releases().at(-1)!;
  assert.deepEqual([last.operation, last.colour, last.serving], ['rollback', 'green', 'v2']);

  // status finds the proxied service in the colour in service and shows the colours and the proxy. The gate
  // trusts the proxy's probe over Docker's healthcheck (3 s apart in the test image); the command no longer waits
  // for the old colour's drain, so Docker's first check may still be due: status says `starting` until it ran.
  await until(() => containerHealth('bgtest-green-web-1') === 'healthy', 60_000);
  const status = await gangway(['-c', p.config, '--json', 'status']);
  assert.equal(status.code, 0, status.out);
  const host = (JSON.parse(status.stdout) as { hosts: Record<string, unknown>[] }).hosts[0]!;
  const proxy = host.proxy as { serving: string; proxy: string; colours: { colour: string; tag: string }[] };
  assert.deepEqual([proxy.serving, proxy.proxy], ['green', 'running']);
  assert.deepEqual(
    proxy.colours.map((c) => `${c.colour} ${c.tag}`),
    ['blue v1', 'green v2'],
  );
  const services = (host.services as { service: string; state: string }[]).map((x) => `${x.service} ${x.state}`);
  assert.deepEqual(services.sort(), ['web running', 'worker running']);
});

test('a second app without domains on the proxy: refused at preflight, the first keeps its traffic', async () => {
  const first = projects.find((p) => p.app === 'bgtest')!; // serving v2 for every host name (the test above)
  const routes = routeFiles();
  assert.ok(routes.includes('http/90-bgtest.json'), routes.join());
  const p = blueGreenProject('bgsecond');
  const r = await underLoad(['-c', p.config, 'deploy', '--tag', 'v1', '--yes']);
  assert.equal(r.code, 3, r.out);
  assert.match(r.out, new RegExp(`every host name to app bgtest \\(deployed to ${first.serverDir}\\)`));
  assert.match(r.out, /give bgsecond proxy\.domains/);
  assert.deepEqual(r.load.failures, {}, JSON.stringify(r.load));
  assert.deepEqual(r.load.versions, ['v2'], 'only the first app answered');
  assert.ok(r.load.requests > 20, `a steady load (${r.load.requests} requests)`);
  assert.deepEqual(routeFiles(), routes, 'no route of bgsecond');
  assert.ok(!existsSync(p.serverDir), 'nothing was created on the server');
});

test('a failed first deploy leaves no route: its host name is not held by an app serving nothing', async () => {
  const p = blueGreenProject('bgfirstbad', '  domains: [bgfirstbad.test]\n  tls: off\n');
  const routes = routeFiles();
  const r = await gangway(['-c', p.config, 'deploy', '--tag', 'bad', '--yes']);
  assert.equal(r.code, 1, r.out);
  assert.deepEqual([p.releases().at(-1)!.status, p.releases().at(-1)!.serving], ['failed', 'none']);
  assert.deepEqual(routeFiles(), routes, 'its route is gone');
  assert.ok(!existsSync(join(proxyHome(), 'apps', 'bgfirstbad')));
  // Its host name falls through to the catch-all app again, not to a 503 "no release is serving yet".
  const answer = execFileSync(
    'curl',
    ['-fsS', '--max-time', '30', '-H', 'Host: bgfirstbad.test', `http://127.0.0.1:${HTTP}/version`],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(answer.trim(), 'v2');
});

test("a second app on the same proxy, over HTTPS from Caddy's internal CA", async () => {
  const p = blueGreenProject('bgtls', '  domains: [bgtls.test]\n  tls: internal\n');
  const r = await gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--yes']);
  assert.equal(r.code, 0, r.out);
  // The proxy was installed by the first app: its home (and the CA's root) is there.
  const home = execFileSync(
    'docker',
    ['inspect', '-f', '{{index .Config.Labels "gangway.proxy.home"}}', 'gangway-proxy'],
    {
      encoding: 'utf8',
    },
  ).trim();
  const ca = readFileSync(join(home, 'data', 'caddy', 'pki', 'authorities', 'local', 'root.crt'));
  const tls = { url: `https://127.0.0.1:${HTTPS}/version`, ca, servername: 'bgtls.test' };
  const v2 = await underLoad(['-c', p.config, 'deploy', '--tag', 'v2', '--yes'], tls);
  assert.equal(v2.code, 0, v2.out);
  assert.deepEqual(v2.load.failures, {}, JSON.stringify(v2.load));
  assert.deepEqual(v2.load.versions, ['v1', 'v2']);
  assert.equal(v2.load.flaps, 0);
  // The first app still answers on plain HTTP (its route untouched by the second app's).
  assert.equal(
    execFileSync('curl', ['-fsS', '--max-time', '30', `http://127.0.0.1:${HTTP}/version`], { encoding: 'utf8' }).trim(),
    'v2',
  );

  // A third app for the same host name (any case): refused at preflight, naming bgtls and its dir.
  const dup = blueGreenProject('bgtlsdup', '  domains: [BGTLS.test]\n  tls: internal\n');
  const refused = await gangway(['-c', dup.config, 'deploy', '--tag', 'v1', '--yes']);
  assert.equal(refused.code, 3, refused.out);
  assert.match(refused.out, new RegExp(`app bgtls \\(deployed to ${p.serverDir}\\) already routes BGTLS\\.test`));
  assert.ok(!existsSync(dup.serverDir), 'nothing was created on the server');
});

test('a proxied service with a container_name and host ports: refused before any host changes', async () => {
  const p = deployProject({
    compose: (port) =>
      `services:\n  web:\n    image: gangway-test/web:\${IMAGE_TAG}\n    container_name: fixed\n` +
      `    ports: ["127.0.0.1:${port}:8080"]\n`,
    health: '  services: [web]\n  timeout: 30s',
    extra: 'proxy: { service: web, port: 8080, image: gangway-test/caddy:2 }\n',
  });
  projects.push(p);
  const r = await gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--yes']);
  assert.equal(r.code, 3, r.out);
  assert.match(r.out, /docker-compose\.yml:4:\d+ services\.web\.container_name: two colours run at once/);
  assert.match(r.out, /docker-compose\.yml:5:\d+ services\.web\.ports: the proxy publishes the ports/);
  assert.ok(!existsSync(p.serverDir), 'nothing was created on the server');
});

/** Every file under `dir` but the env files and their mask (which hold the values by design), by path. */
function filesUnder(dir: string, out: Record<string, string> = {}): Record<string, string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) filesUnder(path, out);
    else if (!/^\.env($|\.bak-|\.gangway-tmp)|^\.mask$/.test(name)) out[path] = readFileSync(path, 'latin1');
  }
  return out;
}

test('canary secrets: nothing of the env values in the output, the run logs, the proxy files or its log', async () => {
  const p = blueGreenProject('bgcanary', '  domains: [bgcanary.test]\n  tls: off\n', {
    envText: canaryEnvFile(),
    compose:
      'services:\n  web:\n    image: gangway-test/web:${IMAGE_TAG:?}\n    environment:\n' +
      '      DB_PASSWORD: ${DB_PASSWORD}\n      API_TOKEN: ${API_TOKEN}\n      MULTILINE_KEY: ${MULTILINE_KEY}\n',
  });
  const runs = {
    v1: await gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--yes']),
    bad: await gangway(['-c', p.config, 'deploy', '--tag', 'bad', '--yes']),
    status: await gangway(['-c', p.config, '--json', 'status']),
    logs: await gangway(['-c', p.config, '--json', 'logs', 'e2e', 'web']),
  };
  assert.deepEqual(
    [runs.v1.code, runs.bad.code, runs.status.code, runs.logs.code],
    [0, 1, 0, 0],
    Object.values(runs)
      .map((r) => r.out)
      .join('\n'),
  );
  const home = execFileSync(
    'docker',
    ['inspect', '-f', '{{index .Config.Labels "gangway.proxy.home"}}', 'gangway-proxy'],
    {
      encoding: 'utf8',
    },
  ).trim();
  const places: Record<string, string> = {
    ...Object.fromEntries(Object.entries(runs).map(([k, r]) => [`gangway ${k}`, r.out])),
    ...filesUnder(p.serverDir),
    ...filesUnder(home),
    ...filesUnder(join(p.dir, 'records')),
    'docker logs gangway-proxy': execFileSync('sh', ['-c', 'docker logs gangway-proxy 2>&1'], { encoding: 'latin1' }),
  };
  assert.ok(
    Object.keys(places).some((k) => k.endsWith('failure.log')),
    'the failed release kept its output',
  );
  assert.deepEqual(findLeaks(places), []);
});

test('the apply killed -9 after the switch: the recovery switches back to the previous colour', async () => {
  const p = blueGreenProject('bgkill', '  domains: [bgkill.test]\n  tls: off\n'); // bgtest has every other name
  assert.equal((await gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--yes'])).code, 0);
  // The apply records right after its switch (the old colour drains after the command), so it is held there: the
  // serving note the switch writes next is a FIFO nobody reads until the test has killed it.
  const servingNote = join(p.serverDir, '.gangway', 'proxy', 'serving');
  rmSync(servingNote, { force: true });
  execFileSync('mkfifo', [servingNote]);
  const cli = tracked(
    bounded(spawn(process.execPath, [BIN, '-c', p.config, 'deploy', '--tag', 'v2', '--yes'], { stdio: 'pipe' })),
  );
  let out = '';
  cli.stdout.on('data', (d) => (out += d));
  cli.stderr.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((r) => cli.on('close', r));
  const version = () => {
    try {
      return execFileSync(
        'curl',
        ['-fsS', '--max-time', '30', '-H', 'Host: bgkill.test', `http://127.0.0.1:${HTTP}/version`],
        {
          encoding: 'utf8',
        },
      ).trim();
    } catch {
      return '';
    }
  };
  const deadline = Date.now() + 120_000;
  while (version() !== 'v2') {
    assert.ok(Date.now() < deadline, `the switch never came:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // Switched, and held on the note: a plain file takes the FIFO's place (what the switch writes) before the kill,
  // so the recovery finds one. The apply leads its own process group.
  rmSync(servingNote);
  writeFileSync(servingNote, 'green\n');
  const pid = readFileSync(join(p.serverDir, '.gangway', 'lock', 'apply.pid'), 'utf8').trim();
  execFileSync('kill', ['-KILL', '--', `-${pid}`]);
  assert.equal(await exit, 1, out);
  assert.match(out, /start recovery/);
  const last = p.releases().at(-1)!;
  assert.deepEqual([last.tag, last.status, last.serving], ['v2', 'failed', 'v1']);
  assert.match(String(last.reason), /apply died/);
  const answer = execFileSync(
    'curl',
    ['-fsS', '--max-time', '30', '-H', 'Host: bgkill.test', `http://127.0.0.1:${HTTP}/version`],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(answer.trim(), 'v1');
  assert.deepEqual(containers('bgkill'), ['bgkill-blue-web-1 running gangway-test/web:v1']);
  assert.ok(!existsSync(join(p.serverDir, '.gangway', 'lock')), 'the lock is free');
});
