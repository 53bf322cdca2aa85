/**
 * The traffic canary (proxy.canary) behind a real Caddy (Debian's 2.6, scripts/caddy-image.sh) on a host of its
 * own (41), under real load through the proxy: keep-alive clients that keep the proxy's cookie (as browsers do)
 * and clients that send none (split by the share). A good release goes through the steps to the new colour; a
 * release answering 5xx on 10 % of requests, and one slower than max_p99, are stopped at the first step and
 * every request goes back to the old colour; too few requests pass on the health gate alone, as documented.
 * Every wait is a condition (the load's answered requests, the canary's state file), never a fixed sleep.
 *
 * The thresholds leave room for a loaded machine (CI: load 12-16 on 2 cores): a 10 s interval (a 30 s wait for
 * min_requests), max_p99 3 s; the bad releases fail on every 10th request (counted, not random), so any judged
 * step of 20 or more requests sees them: the slow one takes 8 s there, far above max_p99.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { killChildren } from '../helpers/children.js';
import { gangwayAsync } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { buildWebImage } from '../helpers/images.js';
import { startLoad, type LoadSample } from '../helpers/load.js';
import { cleanupProxyHost, prepareProxyHost, proxyConfig } from '../helpers/proxy-host.js';
import { testHost, type TestHost } from '../helpers/testenv.js';

const HTTP = 18280;
const STEPS = [20, 50];
let host: TestHost;
let p: DeployProject;

const sh = (script: string) => execFileSync('sh', ['-c', script], { encoding: 'utf8' });
const url = () => `http://${host.address}:${HTTP}/cgi-bin/version`;

before(async () => {
  host = testHost(41);
  // Every release answers /cgi-bin/version; bad answers 500 on every 10th request, slow takes 8 s on every 10th
  // (max_p99 3000ms; with under 100 requests p99 is the slowest).
  await buildWebImage('gangway-test/webcanary:v1', { version: 'v1', cgi: {} });
  await buildWebImage('gangway-test/webcanary:v2', { version: 'v2', cgi: {} });
  await buildWebImage('gangway-test/webcanary:v3', { version: 'v3', cgi: {} });
  await buildWebImage('gangway-test/webcanary:bad', { version: 'bad', cgi: { errorEvery: 10 } });
  await buildWebImage('gangway-test/webcanary:slow', {
    version: 'slow',
    cgi: { delayMs: 8000, slowEvery: 10 },
  });
  prepareProxyHost(host);
  p = deployProject({
    host,
    image: 'gangway-test/webcanary',
    delivery: 'sync',
    compose: () =>
      'services:\n  web:\n    image: gangway-test/webcanary:${IMAGE_TAG:?IMAGE_TAG required}\n' +
      '    stop_grace_period: 1s\n',
    health: '  services: [web]\n  timeout: 60s',
    extra: proxyConfig({
      http: HTTP,
      // A backstop: the drain ends when no request is left on the colour, and a slow request (8 s, or a loaded
      // machine's) is let finish rather than cut.
      drain: '30s',
      more:
        `  canary: { steps: [${STEPS.join(', ')}], interval: 10s, max_error_rate: 2%, max_p99: 3000ms, ` +
        'min_requests: 20 }\n',
    }),
  });
});

after(() => {
  killChildren();
  if (p) cleanupProxyHost(host, [p]);
});

/** The CLI, asynchronously: the load generators run in this process meanwhile (a backstop: deploys under load
 * on a loaded machine take minutes). */
const gangway = (args: string[]) => gangwayAsync(args, { timeoutMs: 300_000 });

/** The canary's interval in the config (each test that changes it says why). */
const setCanaryInterval = (seconds: number) =>
  writeFileSync(p.config, readFileSync(p.config, 'utf8').replace(/interval: \d+s/, `interval: ${seconds}s`));

/** The canary's state file (canary.sh), polled: when each share began, in this process's clock. */
function watchShares(): { stop(): { at: number; share: number | undefined }[] } {
  const file = join(p.serverDir, '.gangway', 'proxy', 'canary');
  const seen: { at: number; share: number | undefined }[] = [];
  const poll = setInterval(() => {
    let share: number | undefined;
    try {
      share = (JSON.parse(readFileSync(file, 'utf8')) as { share: number }).share;
    } catch {
      share = undefined;
    }
    if (seen.at(-1)?.share !== share) seen.push({ at: performance.now(), share });
  }, 50);
  return { stop: () => (clearInterval(poll), seen) };
}

/** A deploy of TAG under two loads: 4 keep-alive clients with cookies, 4 without. */
async function deployUnderLoad(tag: string) {
  const sticky = startLoad({ url: url(), clients: 4, cookies: true, maxMs: 600_000, timeoutMs: 30_000 });
  const plain = startLoad({ url: url(), clients: 4, maxMs: 600_000, timeoutMs: 30_000 });
  // Requests flowing before the command starts…
  assert.deepEqual(await Promise.all([sticky.answered(8), plain.answered(8)]), [true, true], 'no load before');
  const shares = watchShares();
  const result = await gangway(['-c', p.config, 'deploy', '--tag', tag, '--yes']);
  const changes = shares.stop();
  // …and answered after it ended.
  assert.deepEqual(await Promise.all([sticky.answered(8), plain.answered(8)]), [true, true], 'no load after');
  return { ...result, sticky: await sticky.stop(), plain: await plain.stop(), changes };
}

/** The share in force for the whole of a request (undefined: outside the canary, or across a change). */
function shareOf(s: LoadSample, changes: { at: number; share: number | undefined }[]): number | undefined {
  let i = changes.length - 1;
  while (i >= 0 && changes[i]!.at > s.start) i--;
  if (i < 0 || (changes[i + 1] && changes[i + 1]!.at <= s.end + 100)) return undefined;
  return changes[i]!.share;
}

const lastRecord = () => p.releases().at(-1)!;
const failures = (samples: LoadSample[]) => samples.filter((s) => s.status < 200 || s.status >= 400);

test('a good release: shares follow the steps, each client keeps its colour, 0 failed requests', async () => {
  const first = await gangway(['-c', p.config, 'deploy', '--tag', 'v1', '--yes']);
  assert.equal(first.code, 0, first.out);
  assert.doesNotMatch(first.out, /canary \d+%/, 'a first deploy has nothing to compare with: one switch');

  const r = await deployUnderLoad('v2');
  assert.equal(r.code, 0, r.out);
  for (const share of STEPS) assert.match(r.out, new RegExp(`canary ${share}% — new: \\d+ requests`), r.out);
  assert.deepEqual(failures([...r.sticky, ...r.plain]), []);
  assert.deepEqual(
    r.changes.map((c) => c.share).filter((s) => s !== undefined),
    STEPS,
  );

  // Clients without the cookie: the new colour's share of each step's requests, within a tolerance.
  for (const share of STEPS) {
    const during = r.plain.filter((s) => shareOf(s, r.changes) === share);
    const observed = during.filter((s) => s.body === 'v2').length / during.length;
    const sigma = Math.sqrt(((share / 100) * (1 - share / 100)) / during.length);
    assert.ok(during.length >= 20, `${during.length} requests at ${share}%`);
    assert.ok(
      Math.abs(observed - share / 100) <= Math.max(0.1, 4 * sigma),
      `${share}%: observed ${(observed * 100).toFixed(1)}% of ${during.length} requests`,
    );
  }
  // Clients with the cookie: once the proxy set it, one colour for the rest of the rollout.
  for (let client = 0; client < 4; client++) {
    const mine = r.sticky.filter((s) => s.client === client && s.hadCookie && shareOf(s, r.changes) !== undefined);
    assert.ok(mine.length > 0, `client ${client} sent no request with its cookie during the rollout`);
    assert.equal(new Set(mine.map((s) => s.body)).size, 1, `client ${client}: ${mine.map((s) => s.body)}`);
  }
  // It ends on the new colour, for every client.
  assert.equal(r.plain.at(-1)!.body, 'v2');
  assert.ok(r.sticky.slice(-8).every((s) => s.body === 'v2'));
  assert.deepEqual(lastRecord().canary, { share: 100, verdict: 'passed' });
});

/** A bad release: stopped at the first step, everything back on the old colour, exit 1, a record with figures. */
async function rejected(tag: string, why: RegExp) {
  const r = await deployUnderLoad(tag);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, new RegExp(`canary ${STEPS[0]}%.*${why.source}`), r.out);
  assert.doesNotMatch(r.out, new RegExp(`canary ${STEPS[1]}%`));
  const record = lastRecord();
  assert.equal(record.status, 'rolled_back');
  assert.equal(record.failing_step, `canary ${STEPS[0]}%`);
  assert.match(String(record.reason), why);
  assert.match(String(record.reason), /new: \d+ requests, \d+\.\d+% 5xx, p99 \d+ms; old: \d+ requests/);
  assert.equal(record.serving, 'v2');
  const newColour = String(record.colour);
  // Failed requests: only the new colour's own 500s; none on the old colour, none for want of an upstream.
  for (const s of failures([...r.sticky, ...r.plain])) {
    assert.equal(s.status, 500, JSON.stringify(s));
    assert.match(s.upstream ?? '', new RegExp(`-${newColour}:`), JSON.stringify(s));
  }
  // Every client is back on the old release.
  assert.ok(r.plain.slice(-8).every((s) => s.body === 'v2'));
  assert.ok(r.sticky.slice(-8).every((s) => s.body === 'v2'));
  return { r, record };
}

test('a release answering 5xx on 10 % of requests is stopped at the first step, with its error rate', async () => {
  const { record } = await rejected('bad', /error rate \d+\.\d+% above max_error_rate 2%/);
  assert.match(JSON.stringify(record.canary), /"share":20/);
});

test('a release slower than max_p99 is stopped at the first step the same way', async () => {
  await rejected('slow', /p99 \d+ms above max_p99 3000ms/);
});

test('too few requests: each step waits 3 intervals, says so and passes on the health gate alone', async () => {
  // No load at all: no interval is long enough to see requests, so a short one keeps the test short.
  setCanaryInterval(2);
  const r = await gangway(['-c', p.config, 'deploy', '--tag', 'v3', '--yes']);
  assert.equal(r.code, 0, r.out);
  for (const share of STEPS)
    assert.match(r.out, new RegExp(`canary ${share}% — too few requests within 6s to judge, passed on the health`));
  assert.equal(lastRecord().status, 'succeeded');
});

test('gangway status shows a rollout in progress; gangway rollback ends it at once, all on the old one', async () => {
  const state = join(p.serverDir, '.gangway', 'proxy', 'canary');
  // No load, long steps: each step waits 3 intervals for requests, time enough (on any machine) to look at it
  // and end it; the rollback ends the wait at once.
  setCanaryInterval(100);
  const deploy = gangway(['-c', p.config, 'deploy', '--tag', 'v2', '--yes']);
  const end = Date.now() + 180_000;
  while (!existsSync(state) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  assert.ok(existsSync(state), 'the canary never started');
  const status = await gangway(['-c', p.config, 'status']);
  assert.match(
    status.out,
    /canary — rollout in progress: release \S+ on (blue|green): 20% of new clients \(steps 20 50\)/,
    status.out,
  );
  assert.match(status.out, /colours — .*(blue|green) v2 \(release \S+\), canary \(20%\)/, status.out);
  const rollback = await gangway(['-c', p.config, 'rollback', '--yes']);
  assert.equal(rollback.code, 0, rollback.out);
  assert.match(rollback.out, /canary ended — release \S+ stopped at 20%: all traffic back on/, rollback.out);
  assert.match(rollback.out, /the deploy recorded it rolled_back/, rollback.out);
  const done = await deploy;
  assert.equal(done.code, 1, done.out);
  assert.match(String(lastRecord().reason), /ended by gangway rollback/);
  assert.equal(lastRecord().serving, 'v3');
  assert.equal(sh(`curl -fsS --max-time 30 http://${host.address}:${HTTP}/cgi-bin/version`), 'v3');
});
