/**
 * bench/zero-downtime.sh's driver: the same deploy (v1 → v2 of a small web image) under the same steady load
 * (4 keep-alive clients on loopback), once with the recreate strategy (the service publishes its port) and once
 * blue/green behind the proxy; then a switch-back rollback. Prints one table; figures, not a test.
 */
import { spawn } from 'node:child_process';
import { deployProject, type DeployProject } from '../test/helpers/deploy-project.js';
import { buildWebImage } from '../test/helpers/images.js';
import { startLoad, summarize, type LoadSample, type LoadSummary } from '../test/helpers/load.js';

const BIN = new URL('../bin/gangway.js', import.meta.url).pathname;
const PROXY_HTTP = 18280;

function gangway(args: string[]): Promise<{ code: number | null; out: string }> {
  const cli = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  cli.stdout.on('data', (d) => (out += d));
  cli.stderr.on('data', (d) => (out += d));
  return new Promise((resolve) => cli.on('close', (code) => resolve({ code, out })));
}

const signed = (n: number) => `${n >= 0 ? '+' : ''}${n}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Measured {
  steady: LoadSummary;
  during: LoadSummary;
  /** Seconds from the command's start to the first answer of the new version. */
  switchS: number;
  commandS: number;
}

async function measure(url: string, args: string[], newVersion: string, host?: string): Promise<Measured> {
  const steadyRun = startLoad({ url, clients: 4, ...(host && { servername: host }) });
  await sleep(3000);
  const steady = summarize(await steadyRun.stop());
  const run = startLoad({ url, clients: 4, ...(host && { servername: host }) });
  await sleep(500);
  const start = performance.now();
  const r = await gangway(args);
  const commandS = (performance.now() - start) / 1000;
  if (r.code !== 0) throw new Error(`gangway ${args.join(' ')} failed:\n${r.out}`);
  await sleep(500);
  const samples: LoadSample[] = await run.stop();
  const firstNew = samples.filter((s) => s.body === newVersion).sort((a, b) => a.end - b.end)[0];
  return { steady, during: summarize(samples), switchS: firstNew ? (firstNew.end - start) / 1000 : NaN, commandS };
}

function cleanup(p: DeployProject): void {
  spawn('sh', [
    '-c',
    `for c in blue green; do docker ps -aq --filter label=com.docker.compose.project=${p.app}-$c ` +
      '| xargs -r docker rm -f; done >/dev/null 2>&1',
  ]);
  p.cleanup();
}

async function main(): Promise<void> {
  for (const v of ['v1', 'v2']) await buildWebImage(`gangway-test/web:${v}`, { version: v });
  await new Promise<void>((r) =>
    spawn('docker', ['rm', '-f', 'gangway-proxy'], { stdio: 'ignore' }).on('close', () => r()),
  );

  const recreate = deployProject({ app: 'zdrecreate' });
  const proxied = (app: string, standby: string, domain: string) =>
    deployProject({
      app,
      compose: () =>
        'services:\n  web:\n    image: gangway-test/web:${IMAGE_TAG:?}\n' +
        '    environment:\n      APP_SECRET: ${APP_SECRET}\n' +
        '    stop_grace_period: 1s\n',
      health: '  services: [web]\n  timeout: 30s',
      extra:
        `proxy: { service: web, port: 8080, listen: { http: ${PROXY_HTTP}, https: 18643 },` +
        ' image: gangway-test/caddy:2, health: { path: /health, interval: 250ms, passes: 3 }, drain: 5s,' +
        ` standby: ${standby}, domains: [${domain}],` +
        ' tls: off }\n',
    });
  const blueGreen = proxied('zdbluegreen', 'stopped', 'stopped.test');
  const running = proxied('zdrunning', 'running', 'running.test');
  try {
    for (const p of [recreate, blueGreen, running]) {
      const first = await gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--yes']);
      if (first.code !== 0) throw new Error(first.out);
    }
    const a = await measure(
      `http://127.0.0.1:${recreate.port}/version`,
      ['-c', recreate.config, 'deploy', '--tag', 'v2', '--yes'],
      'v2',
    );
    const proxyUrl = `http://127.0.0.1:${PROXY_HTTP}/version`;
    const b = await measure(proxyUrl, ['-c', blueGreen.config, 'deploy', '--tag', 'v2', '--yes'], 'v2', 'stopped.test');
    const back = await measure(proxyUrl, ['-c', blueGreen.config, 'rollback', '--yes'], 'v1', 'stopped.test');
    const deployRunning = await measure(
      proxyUrl,
      ['-c', running.config, 'deploy', '--tag', 'v2', '--yes'],
      'v2',
      'running.test',
    );
    const backRunning = await measure(proxyUrl, ['-c', running.config, 'rollback', '--yes'], 'v1', 'running.test');
    if (deployRunning.during.failed > 0) throw new Error('the standby: running deploy failed requests');

    const row = (name: string, m: Measured) =>
      `${name.padEnd(34)} ${String(m.during.requests).padStart(8)} ${String(m.during.failed).padStart(7)}  ` +
      `${`${m.during.p50}/${m.during.p99}/${m.during.max}`.padStart(14)}  ${`${m.steady.p99}`.padStart(9)}  ` +
      `${m.switchS.toFixed(2).padStart(8)}  ${m.commandS.toFixed(2).padStart(8)}  ${JSON.stringify(m.during.failures)}`;
    console.log('same deploy (v1 → v2), same load: 4 keep-alive clients, loopback');
    console.log(`${'strategy'.padEnd(34)} requests  failed  p50/p99/max ms  steady p99  switch s  command s  failures`);
    console.log(row('recreate (today)', a));
    console.log(row('blue-green behind Caddy', b));
    console.log(row('blue-green rollback (switch-back)', back));
    console.log(row('  the same, standby: running', backRunning));
    console.log(
      `\nblue-green p99 during the deploy: ${signed(b.during.p99 - b.steady.p99)} ms over steady state ` +
        `(target ≤ +50); failed requests: recreate ${a.during.failed} vs blue-green ${b.during.failed}; ` +
        `switch-back seen by clients ${back.switchS.toFixed(2)} s after \`gangway rollback\` started ` +
        `(${backRunning.switchS.toFixed(2)} s with the previous colour left running; target < 3 s)`,
    );
  } finally {
    cleanup(recreate);
    cleanup(blueGreen);
    cleanup(running);
    spawn('docker', ['rm', '-f', 'gangway-proxy'], { stdio: 'ignore' });
  }
}

await main();
