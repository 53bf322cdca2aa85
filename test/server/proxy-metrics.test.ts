/**
 * proxy-metrics.sh with bluegreen.sh's proxy_config under the local sh, docker stubbed: the proxy's metrics
 * server, metrics per server for Caddy 2.6-2.8 and per host for 2.9+ (the image's version asked once), the
 * published address, and another app asking for a different address. The 2.6 config is validated by Debian's
 * real Caddy 2.6 when it is installed (scripts/caddy-image.sh installs it).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/testenv.js';

const SH = new URL('../../src/server/sh/', import.meta.url).pathname;

function home(metrics: string | undefined): string {
  const conf = tempDir('gangway-proxy-metrics-');
  for (const d of ['routes/http', 'routes/https', 'tls']) mkdirSync(join(conf, d), { recursive: true });
  writeFileSync(join(conf, 'routes/http/90-shop.json'), '{"handle":[{"handler":"static_response","status_code":200}]}');
  if (metrics !== undefined) writeFileSync(join(conf, 'metrics'), `${metrics}\n`);
  return conf;
}

/** Runs SCRIPT after sourcing bluegreen.sh; docker answers `caddy version` with VERSION and counts the runs. */
function run(conf: string, script: string, env: Record<string, string> = {}): string {
  const stub = `docker() {
  case "$1 $2" in
    'image inspect') echo sha256:caddyimage ;;
    'run --rm') echo run >> "$CONF/.runs"; printf '%s h1:x=\\n' "$VERSION" ;;
    *) return 1 ;;
  esac
}
`;
  const r = spawnSync(
    'sh',
    ['-c', `REL=${SH}; G=${conf}/g; ${stub}. ${SH}bluegreen.sh; . ${SH}proxy-metrics.sh\nCONF=${conf}\n${script}`],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, PROXY_HTTP: '19602', PROXY_HTTPS: '19603', PROXY_IMAGE: 'caddy:2', ...env },
    },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

type CaddyJson = {
  apps: { http: { metrics?: { per_host?: boolean }; servers: Record<string, { listen: string[]; metrics?: object }> } };
};

test('Caddy 2.6: metrics per traffic server, served by a server of their own on the chosen port', () => {
  const conf = home('10.0.0.5:2020');
  const text = run(conf, 'own=1; proxy_config', { VERSION: '2.6.2' });
  const http = (JSON.parse(text) as CaddyJson).apps.http;
  assert.deepEqual(http.servers['gangway-http']?.metrics, {});
  assert.deepEqual(http.servers['gangway-metrics']?.listen, [':2020']);
  assert.equal(http.metrics, undefined);
  if (existsSync('/usr/bin/caddy')) {
    writeFileSync(join(conf, 'caddy.json'), text);
    const v = spawnSync('/usr/bin/caddy', ['validate', '--config', join(conf, 'caddy.json')], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stdout + v.stderr);
  }
});

test('Caddy 2.9 and later: per_host in the http app (apps told apart by host); the version is asked once', () => {
  const conf = home('127.0.0.1:2020');
  const text = run(conf, 'own=1; proxy_config > /dev/null; proxy_config', { VERSION: 'v2.10.0' });
  const http = (JSON.parse(text) as CaddyJson).apps.http;
  assert.deepEqual(http.metrics, { per_host: true });
  assert.equal(http.servers['gangway-http']?.metrics, undefined);
  assert.deepEqual(http.servers['gangway-metrics']?.listen, [':2020']);
  assert.equal(readFileSync(join(conf, '.runs'), 'utf8'), 'run\n');
});

test('without proxy.metrics the config and the ports are as before: no metrics anywhere', () => {
  const conf = home('');
  const text = run(conf, 'own=1; proxy_config; metrics_ports', { VERSION: 'v2.10.0' });
  assert.doesNotMatch(text, /metrics/);
  assert.equal(existsSync(join(conf, '.runs')), false, 'no version asked');
});

test('the ports entry publishes the metrics on the chosen address only', () => {
  assert.equal(run(home('10.0.0.5:2020'), 'metrics_ports'), ', "10.0.0.5:2020:2020"');
});

test("an app on another app's proxy may ask for the same metrics address or none, not another", () => {
  const conf = home('10.0.0.5:2020');
  assert.equal(run(conf, 'own=; metrics_conflict', { PROXY_METRICS: '10.0.0.5:2020' }), '');
  assert.equal(run(conf, 'own=; metrics_conflict', { PROXY_METRICS: '' }), '');
  assert.equal(run(conf, 'own=1; metrics_conflict', { PROXY_METRICS: '127.0.0.1:9' }), '');
  assert.match(
    run(conf, 'own=; metrics_conflict', { PROXY_METRICS: '127.0.0.1:2021' }),
    /serves metrics on 10\.0\.0\.5:2020; set proxy\.metrics to match/,
  );
});
