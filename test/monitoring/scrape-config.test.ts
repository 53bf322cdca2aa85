import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { scrapeConfig, scrapeWarnings } from '../../src/monitoring/scrape-config.js';

const config = (proxy: string) =>
  parseConfig(
    `app: shop
compose: compose.yml
${proxy}targets:
  prod: { hosts: ["deploy@203.0.113.10:2222", "web2", "ops@[2001:db8::7]"], dir: /srv/shop/ }
`,
    '/p/gangway.yml',
  );

type Jobs = { scrape_configs: { job_name: string; static_configs: { targets: string[]; labels: object }[] }[] };

test('a node_exporter job for every host (no SSH port), labelled with app, target and host', () => {
  const c = config('');
  const text = scrapeConfig(c, c.targets.prod!);
  const jobs = (parse(text) as Jobs).scrape_configs;
  assert.deepEqual(
    jobs.map((j) => j.job_name),
    ['gangway-shop-prod-node'],
  );
  assert.deepEqual(jobs[0]!.static_configs, [
    {
      targets: ['203.0.113.10:9100'],
      labels: { gangway_app: 'shop', gangway_target: 'prod', gangway_host: 'deploy@203.0.113.10:2222' },
    },
    { targets: ['web2:9100'], labels: { gangway_app: 'shop', gangway_target: 'prod', gangway_host: 'web2' } },
    {
      targets: ['[2001:db8::7]:9100'],
      labels: { gangway_app: 'shop', gangway_target: 'prod', gangway_host: 'ops@[2001:db8::7]' },
    },
  ]);
  assert.match(text, /--collector\.textfile\.directory=\/srv\/shop\/\.gangway-metrics\n/);
  assert.match(text, /set proxy\.metrics/);
});

test("with proxy.metrics on a private address, a proxy job: each host's address and the port", () => {
  const priv = config('proxy: { service: web, port: 8080, metrics: "10.0.0.5:2020" }\n');
  const jobs = (parse(scrapeConfig(priv, priv.targets.prod!)) as Jobs).scrape_configs;
  assert.deepEqual(
    jobs[1]!.static_configs.map((s) => s.targets[0]),
    ['203.0.113.10:2020', 'web2:2020', '[2001:db8::7]:2020'],
  );
  assert.deepEqual(scrapeWarnings(priv, priv.targets.prod!), []);
});

test('loopback proxy.metrics: no proxy job (a central Prometheus would scrape itself), a comment, a warning', () => {
  for (const metrics of ['127.0.0.1:2020', '[::1]:2020']) {
    const loop = config(`proxy: { service: web, port: 8080, metrics: "${metrics}" }\n`);
    const text = scrapeConfig(loop, loop.targets.prod!);
    const jobs = (parse(text) as Jobs).scrape_configs;
    assert.deepEqual(
      jobs.map((j) => j.job_name),
      ['gangway-shop-prod-node'],
      'no job whose one address is each host in turn',
    );
    assert.ok(!text.includes(`- ${metrics}`), text);
    assert.match(text, new RegExp(`# .*${metrics.replace(/[[\]]/g, '\\$&')}.*reachable only on each host`));
    assert.match(text, /Run Prometheus on each host[\s\S]*set proxy\.metrics to a\n# private address/);
    const [warning, ...more] = scrapeWarnings(loop, loop.targets.prod!);
    assert.equal(more.length, 0);
    assert.match(warning!, /proxy\.metrics .* is loopback: reachable only on each host; no proxy scrape job written/);
  }
});
