/**
 * `gangway ui` driven by a real headless Chromium (Debian's, through playwright-core: nothing downloads a browser)
 * against a real deploy through the real sshd: the page shows the host and its tag, watches a deploy stream its
 * step log and finish, rolls back through the confirmation dialog and sees the tag change. Requests without the
 * token, with a foreign Host or Origin, and unconfirmed actions are refused; no canary reaches any page, event
 * stream, API answer or the dashboard's own output. Screenshots are kept as test artifacts.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CANARIES, canaryEnvFile, findLeaks } from '../helpers/canary.js';
import { gangway } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { buildWebImage } from '../helpers/images.js';
import { tempDir } from '../helpers/testenv.js';

const UI_PORT = 19460;
const BIN = fileURLToPath(new URL('../../bin/gangway.js', import.meta.url));
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
/** Where screenshots go: $GANGWAY_TEST_ARTIFACTS (CI keeps it), else a temp dir named in the test output. */
const ARTIFACTS = process.env.GANGWAY_TEST_ARTIFACTS ?? tempDir('gangway-ui-shots-');

let p: DeployProject;
let ui: ChildProcess;
let url: string;
let browser: Browser;
let page: Page;
const seen: Record<string, string> = {};
let events = '';
let stopEvents: () => void = () => undefined;

before(async () => {
  assert.ok(CHROMIUM, 'Chromium is missing: scripts/test-env.sh installs Debian\'s "chromium"');
  await buildWebImage('gangway-test/web:ui1', { version: 'ui1' });
  await buildWebImage('gangway-test/web:ui2', { version: 'ui2' });
  p = deployProject({
    app: `ui-${process.pid % 10000}`,
    port: 19461,
    envText: canaryEnvFile('APP_SECRET=canary-ui-secret-value'),
    // The hook prints a secret: the CLI masks it, so the step log the page streams must show *** only.
    extra: 'hooks:\n  before_deploy: [{ run: "grep DB_PASSWORD .env", on: local }]\n',
  });
  const first = gangway(['-c', p.config, 'deploy', '--tag', 'ui1', '--yes']);
  assert.equal(first.code, 0, first.stdout + first.stderr);
  ui = spawn(process.execPath, [BIN, '-c', p.config, 'ui', '--port', String(UI_PORT)], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  seen['ui stdout'] = '';
  seen['ui stderr'] = '';
  ui.stdout!.setEncoding('utf8').on('data', (d: string) => (seen['ui stdout'] += d));
  ui.stderr!.setEncoding('utf8').on('data', (d: string) => (seen['ui stderr'] += d));
  url = await waitFor(() => /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(seen['ui stdout']!)?.[1], 60_000);
  stopEvents = captureEvents(`${url.replace('/?', '/events?')}`, (chunk) => (events += chunk));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  stopEvents();
  await browser?.close();
  ui?.kill('SIGINT');
  p?.cleanup();
});

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Reads the event stream as a second client would, for the canary scan. */
function captureEvents(eventsUrl: string, onChunk: (chunk: string) => void): () => void {
  const req = request(eventsUrl, (res) => res.setEncoding('utf8').on('data', onChunk));
  req.on('error', () => undefined);
  req.end();
  return () => req.destroy();
}

/** A raw request, so that the Host and Origin headers are exactly the test's. */
function raw(
  path: string,
  headers: Record<string, string>,
  method = 'GET',
  body?: string,
  port = UI_PORT,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    // An answer that never ends (an event stream let through) fails the test instead of holding it for ever.
    const pathOnly = path.split('?')[0];
    const limit = setTimeout(
      () => req.destroy(new Error(`${method} ${pathOnly}: no whole answer in 2 minutes`)),
      120_000,
    ).unref();
    req.on('error', reject).on('close', () => clearTimeout(limit));
    req.end(body);
  });
}

const token = () => new URL(url).searchParams.get('token')!;
/** The host's label as gangway.yml names it (the page's row id). */
const hostLabel = () => /hosts: \["([^"]+)"\]/.exec(readFileSync(p.config, 'utf8'))![1]!;
const row = () => page.getByTestId(`host-e2e-${hostLabel()}`);

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  seen[`page ${name}`] = await page.content();
}

/** Click an action button, check the dialog's question, and confirm it. */
async function confirmAction(button: string, question: RegExp): Promise<void> {
  await page.getByTestId(button).click();
  const dialog = page.getByTestId('confirm');
  await dialog.waitFor({ state: 'visible' });
  assert.match((await dialog.textContent()) ?? '', question);
  await page.getByTestId('confirm-ok').click();
}

/** Waits for the action titled `title` (not the one before it, still on the page) to reach `state`. */
async function waitForAction(title: string, state: RegExp, timeoutMs = 180_000): Promise<string> {
  await page.getByTestId('action-title').filter({ hasText: title }).waitFor({ timeout: 60_000 });
  await page.getByTestId('action-state').filter({ hasText: state }).waitFor({ timeout: timeoutMs });
  return (await page.getByTestId('action-log').textContent()) ?? '';
}

test('the page shows the target, its host, the tag in service and the release history', async (t) => {
  t.diagnostic(`screenshots: ${ARTIFACTS}`);
  await page.goto(url);
  await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor();
  await row().getByTestId('serving').filter({ hasText: 'ui1' }).waitFor({ timeout: 60_000 });
  assert.equal(await row().getByTestId('verdict').textContent(), 'GO');
  assert.equal(await page.getByTestId('verdict-e2e').textContent(), 'GO');
  assert.equal(await row().getByTestId('lock').textContent(), 'free');
  assert.equal(await row().getByTestId('drift').textContent(), 'clean');
  assert.match((await page.getByTestId('releases-e2e').textContent()) ?? '', /ui1.*succeeded.*in service/);
  assert.equal(await page.getByTestId('app').textContent(), p.app);
  await shot('1-overview');
});

test('a deploy from the page: confirmed in the dialog, its step log streams live, the new tag serves', async () => {
  await page.getByTestId('tag-e2e').fill('ui2');
  await confirmAction('deploy-e2e', /Deploy ui2 to e2e\?/);
  await page.getByTestId('action-state').filter({ hasText: 'running' }).waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('deploy-e2e').isDisabled(), true, 'no second action while one runs');
  // The log grows while the deploy runs: the hook's masked line, then the gate.
  await page.getByTestId('action-log').filter({ hasText: 'DB_PASSWORD=***' }).waitFor({ timeout: 60_000 });
  await shot('2-deploying');
  const log = await waitForAction('deploy ui2 to e2e', /succeeded \(exit 0\)/);
  assert.match(log, /health/);
  await row().getByTestId('serving').filter({ hasText: 'ui2' }).waitFor({ timeout: 60_000 });
  assert.equal(p.serving(), 'ui2');
  await shot('3-deployed');
});

test('cancelling the dialog runs nothing; a rollback confirmed in it puts ui1 back', async () => {
  const before = p.releases().length;
  await page.getByTestId('rollback-e2e').click();
  await page.getByTestId('confirm-cancel').click();
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(p.releases().length, before, 'a cancelled dialog starts nothing');
  await page.getByTestId('tag-e2e').fill('');
  await confirmAction('rollback-e2e', /Roll e2e back to its last good release\?/);
  await waitForAction('roll e2e back', /succeeded \(exit 0\)/);
  await row().getByTestId('serving').filter({ hasText: 'ui1' }).waitFor({ timeout: 60_000 });
  assert.equal(p.serving(), 'ui1');
  assert.equal(p.releases().at(-1)!.status, 'rollback');
  await shot('4-rolled-back');
});

test('refused: no or a wrong token (401), a foreign Host (403) or Origin, an unconfirmed action', async () => {
  const host = `127.0.0.1:${UI_PORT}`;
  assert.equal((await raw('/', { host })).status, 401);
  assert.equal((await raw('/api/state?token=nope', { host })).status, 401);
  // One character changed (a token that began with x would otherwise be its own "wrong" one, 1 in 64).
  const wrong = `${token().startsWith('x') ? 'y' : 'x'}${token().slice(1)}`;
  assert.equal((await raw(`/events?token=${wrong}`, { host })).status, 401);
  // DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1 sends its own Host.
  assert.equal((await raw(`/api/state?token=${token()}`, { host: `evil.example:${UI_PORT}` })).status, 403);
  const ok = await raw(`/api/state?token=${token()}`, { host: `localhost:${UI_PORT}` });
  assert.equal(ok.status, 200);
  seen['api state'] = ok.body;
  const action = JSON.stringify({ kind: 'rollback', target: 'e2e', confirmed: true });
  const json = { host, 'content-type': 'application/json', 'x-gangway-token': token() };
  const foreign = await raw('/api/actions', { ...json, origin: 'http://evil.example' }, 'POST', action);
  assert.equal(foreign.status, 403);
  const unconfirmed = await raw('/api/actions', json, 'POST', JSON.stringify({ kind: 'rollback', target: 'e2e' }));
  assert.deepEqual(
    [unconfirmed.status, JSON.parse(unconfirmed.body)],
    [400, { ok: false, error: 'the action was not confirmed' }],
  );
  const badTag = await raw(
    '/api/actions',
    json,
    'POST',
    JSON.stringify({ kind: 'deploy', target: 'e2e', tag: '--force', confirmed: true }),
  );
  assert.equal(badTag.status, 400);
  assert.equal(p.serving(), 'ui1', 'nothing refused ran');
});

test('no canary in any page, event stream, API answer or the dashboard output', () => {
  stopEvents();
  assert.match(events, /event: log/, 'the event stream carried the step log');
  assert.match(events, /DB_PASSWORD=\*\*\*/);
  const places = { ...seen, 'event stream': events };
  writeFileSync(join(ARTIFACTS, 'events.txt'), events);
  assert.deepEqual(findLeaks(places, { ...CANARIES, APP_SECRET: 'canary-ui-secret-value' }), []);
});

test('--open hands the browser a one-time code, never the token; an unreachable host is unknown', async () => {
  const dir = tempDir('gangway-ui-open-');
  // A port nothing listens on: the target's one host cannot be reached.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const sshPort = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const host = `ops@127.0.0.1:${sshPort}`;
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id')]);
  writeFileSync(join(dir, 'docker-compose.yml'), 'services:\n  web:\n    image: nginx\n');
  const config = join(dir, 'gangway.yml');
  writeFileSync(
    config,
    `app: down\ncompose: docker-compose.yml\ntargets:\n  down:\n    hosts: ["${host}"]\n    dir: /srv/down\n` +
      '    ssh: { key: ./id, known_hosts: ./kh, config: false }\n',
  );
  // The "browser" xdg-open starts (it runs $BROWSER when there is no desktop): it notes the arguments it got.
  const argsFile = join(dir, 'browser-args');
  writeFileSync(join(dir, 'browser'), `#!/bin/sh\nprintf '%s\\n' "$@" >> '${argsFile}'\n`, { mode: 0o755 });
  const port = UI_PORT + 2;
  const opener = spawn(process.execPath, [BIN, '-c', config, 'ui', '--port', String(port), '--open'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, BROWSER: join(dir, 'browser') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  opener.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  opener.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const second = await browser.newPage();
  try {
    const printed = await waitFor(() => /\?token=([\w-]+)/.exec(out)?.[1], 60_000);
    const opened = await waitFor(
      () => (existsSync(argsFile) ? readFileSync(argsFile, 'utf8').trim() || undefined : undefined),
      60_000,
    );
    assert.match(opened, new RegExp(`^http://127\\.0\\.0\\.1:${port}/open\\?code=[\\w-]+$`));
    assert.ok(!opened.includes(printed), 'the browser command line holds no token');
    // The page trades the code for the token and lands on the dashboard.
    await second.goto(opened);
    assert.equal(new URL(second.url()).searchParams.get('token'), printed);
    const down = second.getByTestId(`host-down-${host}`);
    await down.getByTestId('verdict').filter({ hasText: 'NO-GO' }).waitFor({ timeout: 60_000 });
    for (const cell of ['lock', 'drift', 'serving'])
      assert.equal(await down.getByTestId(cell).textContent(), 'unknown (host unreachable)', cell);
    await second.screenshot({ path: join(ARTIFACTS, '5-unreachable.png'), fullPage: true });
    // Single use: the code seen in `ps` opens nothing afterwards.
    const url = new URL(opened);
    const again = await raw(`${url.pathname}${url.search}`, { host: url.host }, 'GET', undefined, port);
    assert.equal(again.status, 401);
  } finally {
    await second.close();
    opener.kill('SIGINT');
  }
});
