/**
 * bench/switch-back.sh's driver: per build of gangway (this checkout's, and a baseline's when given), a fresh app
 * on test host 43: v1 → v2 → `bad` (its health fails: rolled back to v2) → `gangway rollback` to v1, the
 * rollback under 4 keep-alive clients through the proxy. Prints one table; figures, not a test.
 */
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deployProject, type DeployProject } from '../test/helpers/deploy-project.js';
import { buildWebImage } from '../test/helpers/images.js';
import { startLoad, summarize } from '../test/helpers/load.js';
import { testHost } from '../test/helpers/testenv.js';

const HERE = fileURLToPath(new URL('../bin/gangway.js', import.meta.url));
const HTTP = 18390;
const host = testHost(43);
const sh = (script: string) => execFileSync('sh', ['-c', script], { encoding: 'utf8' });
const hostDocker = `docker -H ${host.docker}`;

/** SWITCH_BACK_TRACE=1: the rollback runs with -vv and its lines are printed with the ms since it started. */
const TRACE = process.env.SWITCH_BACK_TRACE === '1';

function gangway(bin: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const start = performance.now();
  const cli = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const add = (d: Buffer) => {
    const ms = Math.round(performance.now() - start);
    out += TRACE ? d.toString('utf8').replace(/^(?=.)/gm, `${String(ms).padStart(6)} ms  `) : d;
  };
  cli.stdout.on('data', add);
  cli.stderr.on('data', add);
  return new Promise((resolve) => cli.on('close', (code) => resolve({ code, out })));
}

interface Measured {
  toV1S: number;
  commandS: number;
  requests: number;
  failed: number;
}

function project(app: string): DeployProject {
  return deployProject({
    app,
    host,
    image: 'gangway-test/websb',
    delivery: 'sync',
    compose: () => 'services:\n  web:\n    image: gangway-test/websb:${IMAGE_TAG:?}\n    stop_grace_period: 1s\n',
    health: '  services: [web]\n  timeout: 30s',
    extra:
      `proxy: { service: web, port: 8080, listen: { http: ${HTTP}, https: ${HTTP + 1} }, ` +
      'image: gangway-test/caddy:2, health: { path: /health, interval: 250ms, passes: 3 }, drain: 5s, ' +
      `standby: stopped, domains: [${app}.test], tls: off }\n`,
  });
}

function cleanup(p: DeployProject): void {
  sh(
    `for c in blue green; do ${hostDocker} ps -aq --filter label=com.docker.compose.project=${p.app}-$c ` +
      `| xargs -r ${hostDocker} rm -f; done >/dev/null 2>&1; true`,
  );
  p.cleanup();
}

async function measure(bin: string, app: string): Promise<Measured> {
  const p = project(app);
  try {
    for (const tag of ['v1', 'v2', 'bad']) {
      const r = await gangway(bin, ['-c', p.config, 'deploy', '--tag', tag, '--yes']);
      if (r.code !== (tag === 'bad' ? 1 : 0)) throw new Error(`deploy ${tag}: exit ${r.code}\n${r.out}`);
    }
    const load = startLoad({ url: `http://${host.address}:${HTTP}/version`, clients: 4, servername: `${app}.test` });
    await load.answered(8);
    const start = performance.now();
    const r = await gangway(bin, ['-c', p.config, 'rollback', '--yes', ...(TRACE ? ['-vv'] : [])]);
    const commandS = (performance.now() - start) / 1000;
    if (r.code !== 0) throw new Error(`rollback: exit ${r.code}\n${r.out}`);
    if (TRACE) console.log(r.out);
    await load.answered(8);
    const samples = await load.stop();
    const firstV1 = samples.filter((s) => s.body === 'v1' && s.start >= start).sort((a, b) => a.end - b.end)[0];
    const summary = summarize(samples);
    return {
      toV1S: firstV1 ? (firstV1.end - start) / 1000 : NaN,
      commandS,
      requests: summary.requests,
      failed: summary.failed,
    };
  } finally {
    cleanup(p);
  }
}

async function main(): Promise<void> {
  const baseline = process.argv[2];
  for (const v of ['v1', 'v2']) await buildWebImage(`gangway-test/websb:${v}`, { version: v });
  await buildWebImage('gangway-test/websb:bad', { version: 'bad', healthy: false });
  sh(`docker save gangway-test/caddy:2 | ${hostDocker} load -q >/dev/null`);
  sh(`${hostDocker} rm -f gangway-proxy >/dev/null 2>&1; true`);
  const rows: [string, Measured][] = [];
  try {
    if (baseline) rows.push([`baseline (${baseline})`, await measure(baseline, 'sbbase')]);
    rows.push(['this checkout', await measure(HERE, 'sbhere')]);
  } finally {
    sh(`${hostDocker} rm -f gangway-proxy >/dev/null 2>&1; true`);
  }
  console.log('v1 → v2 → failed bad → gangway rollback; the rollback under 4 keep-alive clients (host 43)');
  console.log(`${'gangway'.padEnd(50)} to v1 s  command s  requests  failed`);
  for (const [name, m] of rows)
    console.log(
      `${name.slice(0, 50).padEnd(50)} ${m.toV1S.toFixed(2).padStart(7)}  ${m.commandS.toFixed(2).padStart(9)}  ` +
        `${String(m.requests).padStart(8)}  ${String(m.failed).padStart(6)}`,
    );
  console.log('targets: clients on v1 < 3 s after the rollback starts, the command < 10 s');
}

await main();
