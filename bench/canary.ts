/**
 * bench/canary.sh's driver: two apps on host 41's proxy (told apart by host name), each deployed v1 → v2 under
 * the same load (4 keep-alive clients without cookies): one with a plain blue/green switch, one with the canary.
 * Prints one table; figures, not a test.
 */
import { execFileSync, spawn } from 'node:child_process';
import { deployProject, type DeployProject } from '../test/helpers/deploy-project.js';
import { buildWebImage } from '../test/helpers/images.js';
import { startLoad, summarize } from '../test/helpers/load.js';
import { testHost } from '../test/helpers/testenv.js';

const BIN = new URL('../bin/gangway.js', import.meta.url).pathname;
const HTTP = 18380;
const interval = process.argv[2] ?? '5s';
const host = testHost(41);
const hostDocker = `docker -H ${host.docker}`;

function gangway(args: string[]): Promise<{ code: number | null; out: string }> {
  const cli = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  cli.stdout.on('data', (d) => (out += d));
  cli.stderr.on('data', (d) => (out += d));
  return new Promise((resolve) => cli.on('close', (code) => resolve({ code, out })));
}

const project = (app: string, domain: string, canary: string) =>
  deployProject({
    host,
    app,
    image: 'gangway-test/webbench',
    delivery: 'sync',
    compose: () => 'services:\n  web:\n    image: gangway-test/webbench:${IMAGE_TAG:?}\n    stop_grace_period: 1s\n',
    health: '  services: [web]\n  timeout: 60s',
    extra:
      `proxy: { service: web, port: 8080, listen: { http: ${HTTP}, https: ${HTTP + 1} }, domains: [${domain}], ` +
      `tls: "off", image: gangway-test/caddy:2, health: { path: /health, interval: 250ms, passes: 2 }, ` +
      `drain: 2s${canary} }\n`,
  });

async function measure(p: DeployProject, domain: string) {
  const url = `http://${host.address}:${HTTP}/cgi-bin/version`;
  const run = startLoad({ url, clients: 4, servername: domain, maxMs: 600_000 });
  await run.answered(8);
  const start = performance.now();
  const r = await gangway(['-c', p.config, 'deploy', '--tag', 'v2', '--yes']);
  const commandS = (performance.now() - start) / 1000;
  await run.answered(8);
  const samples = (await run.stop()).filter((s) => s.start >= start && s.end <= start + commandS * 1000);
  if (r.code !== 0) throw new Error(`deploy of ${p.app} failed:\n${r.out}`);
  // Full rollout: from the command's start to the last v1 answer (every request after it went to v2).
  const lastOld = Math.max(start, ...samples.filter((s) => s.body === 'v1').map((s) => s.end));
  const count = (v: string) => samples.filter((s) => s.body === v).length;
  return { commandS, fullS: (lastOld - start) / 1000, v1: count('v1'), v2: count('v2'), load: summarize(samples) };
}

async function main(): Promise<void> {
  for (const v of ['v1', 'v2']) await buildWebImage(`gangway-test/webbench:${v}`, { version: v, cgi: {} });
  execFileSync('sh', ['-c', `docker save gangway-test/caddy:2 | ${hostDocker} load -q >/dev/null`]);
  execFileSync('sh', ['-c', `${hostDocker} rm -f gangway-proxy >/dev/null 2>&1; true`]);
  const plain = project('benchplain', 'plain.test', '');
  const canary = project('benchcanary', 'canary.test', `, canary: { interval: ${interval}, min_requests: 20 }`);
  try {
    for (const p of [plain, canary]) {
      const first = await gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--yes']);
      if (first.code !== 0) throw new Error(first.out);
    }
    const a = await measure(plain, 'plain.test');
    const b = await measure(canary, 'canary.test');
    const row = (name: string, m: typeof a) =>
      `${name.padEnd(32)} ${m.fullS.toFixed(1).padStart(12)} ${m.commandS.toFixed(1).padStart(10)} ` +
      `${String(m.v1).padStart(8)} ${String(m.v2).padStart(8)} ${String(m.load.failed).padStart(7)}`;
    console.log(`same deploy (v1 → v2), same load: 4 keep-alive clients without cookies, host 41's proxy`);
    console.log(`${'strategy'.padEnd(32)} full rollout s  command s  v1 reqs  v2 reqs  failed`);
    console.log(row('blue/green, one switch', a));
    console.log(row(`canary 5/25/50 %, ${interval} each`, b));
  } finally {
    for (const p of [plain, canary]) {
      execFileSync('sh', [
        '-c',
        `for c in blue green; do ${hostDocker} ps -aq --filter label=com.docker.compose.project=${p.app}-$c ` +
          `| xargs -r ${hostDocker} rm -f; done >/dev/null 2>&1; true`,
      ]);
      p.cleanup();
    }
    execFileSync('sh', ['-c', `${hostDocker} rm -f gangway-proxy >/dev/null 2>&1; true`]);
  }
}

await main();
