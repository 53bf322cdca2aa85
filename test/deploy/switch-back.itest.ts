/**
 * Issue 25's fast switch-back, behind a real Caddy on a host of its own (43), under 4 keep-alive clients:
 * v1 → v2 → a release whose health fails → `gangway rollback`. The failed deploy takes the idle colour, which
 * held v1's standby: once v2 serves again, v1's standby is there again (created, not started: proxy.standby
 * stopped), and the rollback only starts that container — 0 failed requests, the clients end on v1.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { killChildren } from '../helpers/children.js';
import { gangwayAsync } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { buildWebImage } from '../helpers/images.js';
import { startLoad, summarize } from '../helpers/load.js';
import { cleanupProxyHost, hostDocker, prepareProxyHost, proxyConfig } from '../helpers/proxy-host.js';
import { testHost, type TestHost } from '../helpers/testenv.js';

const HTTP = 18380;
let host: TestHost;
let p: DeployProject;

const sh = (script: string) => execFileSync('sh', ['-c', script], { encoding: 'utf8' });

before(async () => {
  host = testHost(43);
  for (const v of ['v1', 'v2']) await buildWebImage(`gangway-test/websb:${v}`, { version: v });
  await buildWebImage('gangway-test/websb:bad', { version: 'bad', healthy: false });
  prepareProxyHost(host);
  p = deployProject({
    host,
    image: 'gangway-test/websb',
    delivery: 'sync',
    compose: () =>
      'services:\n  web:\n    image: gangway-test/websb:${IMAGE_TAG:?IMAGE_TAG required}\n' +
      '    environment: { GREETING: "${GREETING:-none}" }\n    stop_grace_period: 1s\n',
    envText: 'GREETING=hello\n',
    health: '  services: [web]\n  timeout: 30s',
    extra: proxyConfig({ http: HTTP, drain: '2s', more: '  standby: stopped\n' }),
  });
});

after(() => {
  killChildren();
  if (p) cleanupProxyHost(host, [p]);
});

/** The CLI, asynchronously: the load generators run in this process meanwhile (a backstop: deploys under load
 * on a loaded machine take minutes). */
const gangway = (args: string[]) => gangwayAsync(args, { timeoutMs: 300_000 });

/** The proxied service's containers in the app's colour projects on host 43: "colour state image id". */
function colours(): string[] {
  const out = sh(
    `${hostDocker(host)} ps -a --filter label=com.docker.compose.service=web ` +
      `--format '{{.Label "com.docker.compose.project"}} {{.State}} {{.Image}} {{.ID}}'`,
  );
  return out
    .split('\n')
    .filter((l) => l.startsWith(`${p.app}-`))
    .map((l) => l.slice(p.app.length + 1))
    .sort();
}

/**
 * A colour's line when its container runs the image TAG named: each release runs the reference gangway keeps of its
 * image (`<name>:gangway-<app>-<12 hex of the id>`, so a tag pushed again cannot change it), not the tag itself.
 */
function ran(colourAndState: string, tag: string): RegExp {
  const id = sh(`${hostDocker(host)} image inspect -f '{{.Id}}' gangway-test/websb:${tag}`).trim();
  return new RegExp(`^${colourAndState} gangway-test/websb:gangway-${p.app}-${id.slice('sha256:'.length, 19)} `);
}

test('after a failed deploy, the standby of the release before stays, and a rollback only starts it', async () => {
  const url = `http://${host.address}:${HTTP}/version`;
  for (const tag of ['v1', 'v2']) {
    const r = await gangway(['-c', p.config, 'deploy', '--tag', tag, '--yes']);
    assert.equal(r.code, 0, r.out);
  }
  // The old colour drains and stops after the command returned.
  const end = Date.now() + 60_000;
  while (!colours()[0]?.startsWith('blue exited') && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
  const [blueBefore] = colours();
  assert.match(blueBefore!, ran('blue exited', 'v1'), colours().join('\n'));

  const load = startLoad({ url, clients: 4, maxMs: 600_000, timeoutMs: 30_000 });
  assert.ok(await load.answered(8), 'requests flowing before the failed deploy');
  const bad = await gangway(['-c', p.config, 'deploy', '--tag', 'bad', '--yes']);
  assert.equal(bad.code, 1, bad.out);
  assert.deepEqual([p.releases().at(-1)!.status, p.releases().at(-1)!.serving], ['rolled_back', 'v2']);
  const afterBad = colours();
  assert.match(afterBad[0]!, ran('blue created', 'v1'), `v1's standby is back: ${afterBad.join('\n')}`);
  assert.match(afterBad[1]!, ran('green running', 'v2'));
  assert.ok(!existsSync(join(p.serverDir, '.gangway', 'lock')), 'the lock is free');
  const standbyId = afterBad[0]!.split(' ')[3];

  const back = await gangway(['-c', p.config, 'rollback', '--yes']);
  assert.equal(back.code, 0, back.out);
  assert.match(back.out, /traffic goes to blue/);
  assert.ok(await load.answered(8), 'requests answered after the rollback');
  const summary = summarize(await load.stop());
  assert.deepEqual(summary.failures, {}, JSON.stringify(summary));
  assert.deepEqual(summary.versions, ['v2', 'v1'], 'the clients moved back to v1 once, never saw bad');
  assert.equal(summary.flaps, 0);
  const afterBack = colours();
  assert.match(afterBack[0]!, ran('blue running', 'v1'), afterBack.join('\n'));
  assert.equal(afterBack[0]!.split(' ')[3], standbyId, 'the standby container was started, not made anew');
  const env = sh(`${hostDocker(host)} inspect -f '{{range .Config.Env}}{{println .}}{{end}}' ${standbyId}`);
  assert.match(env, /^GREETING=hello$/m, "v1's own env");
});
