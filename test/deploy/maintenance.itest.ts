/**
 * Maintenance mode and the proxy's headers and body limit against a real Caddy (Debian's 2.6), on a host of its
 * own (scripts/test-hosts.sh host 42). Under 4 keep-alive clients, `maintenance on` turns every answer into a 503
 * with the (escaped) page and Retry-After and `off` turns it back, with no other failed request at either edge;
 * the colours' health still answers, a deploy during maintenance keeps it on and `--end-maintenance` ends it.
 * Then the headers: TLS on (tls: internal) gives HSTS, nosniff and a referrer policy; proxy.headers adds and
 * removes; a body over proxy.max_body is refused with 413.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { killChildren } from '../helpers/children.js';
import { gangway, gangwayAsync } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { buildWebImage } from '../helpers/images.js';
import { startLoad, summarize } from '../helpers/load.js';
import { cleanupProxyHost, hostDocker, prepareProxyHost, proxyConfig } from '../helpers/proxy-host.js';
import { testHost, type TestHost } from '../helpers/testenv.js';

const HTTP = 18280;
const HTTPS = 18643;
const DOMAIN = 'maint.test';
const TLS_DOMAIN = 'maint-tls.test';
const HOSTILE = `Back at 5 "o'clock" <script>alert('x')</script> & C:\\temp\\new`;
let host: TestHost;
const projects: DeployProject[] = [];

const run = promisify(execFile);
const sh = (script: string) => execFileSync('sh', ['-c', script], { encoding: 'utf8' });

function project(app: string, extra: string): DeployProject {
  const p = deployProject({
    host,
    app,
    image: 'gangway-test/webmaint',
    delivery: 'sync',
    compose: () =>
      'services:\n  web:\n    image: gangway-test/webmaint:${IMAGE_TAG:?IMAGE_TAG required}\n' +
      '    environment:\n      APP_SECRET: ${APP_SECRET}\n    stop_grace_period: 1s\n',
    health: '  services: [web]\n  timeout: 60s',
    extra: proxyConfig({ http: HTTP, https: HTTPS, drain: '1s', more: extra }),
  });
  projects.push(p);
  return p;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request to the proxy on host 42, as a client sends it (Host header; SNI and the CA for HTTPS). */
function request(
  path: string,
  options: { domain?: string; method?: string; body?: Buffer; ca?: Buffer; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const domain = options.domain ?? DOMAIN;
  const secure = options.ca !== undefined;
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      {
        host: host.address,
        port: secure ? HTTPS : HTTP,
        path,
        method: options.method ?? 'GET',
        headers: { host: domain, ...options.headers },
        ...(secure && { ca: options.ca, servername: domain }),
        timeout: 10_000,
        // A connection of its own: a pooled idle one may have been closed by a redeploy's config reload.
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', (e) => reject(new Error(`${options.method ?? 'GET'} ${domain}${path}: ${e.message}`)));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(options.body);
  });
}

/**
 * The colour's health endpoint, from the proxy's network (where gangway's gate probes it). Asynchronous, as
 * every command run while the load runs: a synchronous one would stall the load's clients in this process.
 */
async function colourHealth(app: string, colour: string): Promise<string> {
  const url = `http://gangway-${app}-${colour}:8080/health`;
  const { stdout } = await run('sh', [
    '-c',
    `${hostDocker(host)} exec gangway-proxy wget -q -O - ${url}; echo " rc=$?"`,
  ]);
  return stdout;
}

before(async () => {
  host = testHost(42);
  for (const v of ['v1', 'v2']) await buildWebImage(`gangway-test/webmaint:${v}`, { version: v });
  prepareProxyHost(host);
});

after(() => {
  killChildren();
  if (host) cleanupProxyHost(host, projects);
});

test('maintenance on/off under keep-alive load: 503 + page + Retry-After while on, no other failure', async () => {
  const p = project('maint', `  domains: [${DOMAIN}]\n  tls: "off"\n`);
  const first = gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--yes']);
  assert.equal(first.code, 0, first.stdout + first.stderr);

  const load = startLoad({ url: `http://${host.address}:${HTTP}/version`, servername: DOMAIN, maxMs: 600_000 });
  assert.ok(await load.answered(8), 'the load flows before maintenance');
  const on = await gangwayAsync(['-c', p.config, 'maintenance', 'on', '--message', HOSTILE, '--yes']);
  assert.equal(on.code, 0, on.stdout + on.stderr);
  assert.match(on.stdout + on.stderr, /maintenance on/);
  const page = await request('/version');
  assert.equal(page.status, 503);
  assert.equal(page.headers['retry-after'], '120');
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.doesNotMatch(page.body, /<script/);
  assert.ok(page.body.includes('&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;'), page.body);
  assert.ok(page.body.includes('&#34;o&#39;clock&#34;') && page.body.includes('C:\\temp\\new'), page.body);
  // Not a 304 of the page for a client that has it; any method, any path: the same 503.
  const etag = String(page.headers.etag ?? '');
  assert.equal((await request('/x', { headers: { 'if-none-match': etag || '*' } })).status, 503);
  assert.equal((await request('/form', { method: 'POST', body: Buffer.from('a=1') })).status, 503);
  // The colour behind it still answers its health check (from the proxy's network, where gangway probes it).
  assert.match(await colourHealth('maint', 'blue'), /rc=0/);
  // status shows it, with the message, in text and in --json.
  const status = await gangwayAsync(['-c', p.config, '--json', 'status', '--no-notify']);
  const proxy = (JSON.parse(status.stdout) as { hosts: { proxy: { maintenance?: { message?: string } } }[] }).hosts[0]!
    .proxy;
  assert.equal(proxy.maintenance?.message, HOSTILE, status.stdout + status.stderr);
  const text = await gangwayAsync(['-c', p.config, 'status', '--no-notify']);
  assert.match(text.stdout, /maintenance — on since .*Back at 5/);

  const off = await gangwayAsync(['-c', p.config, 'maintenance', 'off', '--yes']);
  assert.equal(off.code, 0, off.stdout + off.stderr);
  assert.ok(await load.answered(8), 'the load flows again after maintenance');
  const samples = await load.stop();
  const summary = summarize(samples);
  // Every answer is the app's or the maintenance page: nothing refused, reset or timed out at either edge.
  const others = samples.filter((s) => !(s.status === 200 && s.body === 'v1') && s.status !== 503);
  assert.deepEqual(others, [], JSON.stringify(summary));
  const pages = samples.filter((s) => s.status === 503);
  assert.ok(pages.length > 0, `the clients saw the maintenance page (${JSON.stringify(summary)})`);
  assert.ok(pages.every((s) => s.body.includes('Down for maintenance')));
  // One stretch of 503s for each client: on, then off, never flipping back and forth. Per client, because a client's
  // requests follow one another; across clients, start times near an edge interleave with when the proxy routed them.
  for (const client of new Set(samples.map((s) => s.client))) {
    const mine = samples.filter((s) => s.client === client).sort((a, b) => a.start - b.start);
    const order = mine.map((s) => (s.status === 503 ? 'M' : 'A')).join('');
    assert.match(order.replace(/(.)\1+/g, '$1'), /^A?M?A?$/, `client ${client}: ${order}`);
  }
  assert.equal((await request('/version')).body.trim(), 'v1');
  assert.equal(gangway(['-c', p.config, 'maintenance', 'off', '--yes']).code, 0, 'off again: nothing to do');
});

test('a deploy during maintenance passes its gate and keeps it on; --end-maintenance ends it', async () => {
  const p = projects.find((x) => x.app === 'maint')!;
  assert.equal(gangway(['-c', p.config, 'maintenance', 'on', '--yes']).code, 0);
  const v2 = gangway(['-c', p.config, 'deploy', '--tag', 'v2', '--yes']);
  assert.equal(v2.code, 0, v2.stdout + v2.stderr);
  assert.match(v2.stdout + v2.stderr, /maintenance — still on/);
  const still = await request('/version');
  assert.equal(still.status, 503);
  assert.match(still.body, /This site is down for maintenance/);
  assert.match(await colourHealth('maint', 'green'), /rc=0/);

  const end = gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--end-maintenance', '--yes']);
  assert.equal(end.code, 0, end.stdout + end.stderr);
  assert.match(end.stdout + end.stderr, /maintenance — ended/);
  const back = await request('/version');
  assert.deepEqual([back.status, back.body.trim()], [200, 'v1']);
  const status = gangway(['-c', p.config, '--json', 'status', '--no-notify']);
  const proxy = (JSON.parse(status.stdout) as { hosts: { proxy: object }[] }).hosts[0]!.proxy;
  assert.ok(!('maintenance' in proxy), JSON.stringify(proxy));
});

test('headers: the TLS defaults, proxy.headers added and removed; a body over max_body refused with 413', async () => {
  // The plain-HTTP app: no TLS defaults, its own headers map, a 64 KB body limit.
  const plain = projects.find((x) => x.app === 'maint')!;
  // (its gangway.yml gets headers and max_body: rewrite the proxy block and deploy again)
  const yml = readFileSync(plain.config, 'utf8').replace(
    '  tls: "off"\n',
    '  tls: "off"\n  max_body: 64KB\n' +
      '  headers: { X-Frame-Options: DENY, -Server: "", X-Note: "{not} a placeholder" }\n',
  );
  execFileSync('sh', ['-c', 'cat > "$1"', 'sh', plain.config], { input: yml });
  const redeploy = gangway(['-c', plain.config, 'deploy', '--tag', 'v1', '--yes']);
  assert.equal(redeploy.code, 0, redeploy.stdout + redeploy.stderr);
  const answer = await request('/version');
  assert.equal(answer.status, 200);
  assert.equal(answer.headers['x-frame-options'], 'DENY');
  assert.equal(answer.headers['x-note'], '{not} a placeholder');
  assert.equal(answer.headers.server, undefined, 'Server removed');
  assert.equal(answer.headers['strict-transport-security'], undefined, 'no HSTS over plain HTTP');
  // check warns: TLS off, and the proxy published on every address of the host.
  const check = gangway(['-c', plain.config, 'check']);
  assert.match(check.stdout, /\[warn\] proxy TLS — proxy\.tls is off and the proxy listens on every address/);
  const big = await request('/version', { method: 'POST', body: Buffer.alloc(64 * 1024 + 1, 'a') });
  assert.equal(big.status, 413, big.body);
  const small = await request('/version', { method: 'POST', body: Buffer.alloc(1024, 'a') });
  assert.notEqual(small.status, 413);

  // An app with TLS from Caddy's internal CA on the same proxy: the security headers by default.
  const tls = project('mainttls', `  domains: [${TLS_DOMAIN}]\n  tls: internal\n`);
  const deploy = gangway(['-c', tls.config, 'deploy', '--tag', 'v1', '--yes']);
  assert.equal(deploy.code, 0, deploy.stdout + deploy.stderr);
  const home = sh(
    `${hostDocker(host)} inspect -f '{{index .Config.Labels "gangway.proxy.home"}}' gangway-proxy`,
  ).trim();
  const ca = readFileSync(join(home, 'data', 'caddy', 'pki', 'authorities', 'local', 'root.crt'));
  const secure = await request('/version', { domain: TLS_DOMAIN, ca });
  assert.deepEqual([secure.status, secure.body.trim()], [200, 'v1']);
  assert.equal(secure.headers['strict-transport-security'], 'max-age=31536000');
  assert.equal(secure.headers['x-content-type-options'], 'nosniff');
  assert.equal(secure.headers['referrer-policy'], 'strict-origin-when-cross-origin');
  // Plain HTTP for that name goes to HTTPS (Caddy's automatic redirect).
  const redirect = await request('/version', { domain: TLS_DOMAIN });
  assert.ok([301, 302, 307, 308].includes(redirect.status), String(redirect.status));
  assert.match(String(redirect.headers.location), new RegExp(`^https://${TLS_DOMAIN.replace('.', '\\.')}`));
  // The default limit (100MB) lets an ordinary body through; the other app's headers are not this one's.
  assert.equal(secure.headers['x-frame-options'], undefined);
});
