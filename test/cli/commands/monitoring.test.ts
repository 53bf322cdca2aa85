/** `gangway monitoring scrape` as a user runs it (offline: gangway.yml only). */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gangway } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/testenv.js';

test('scrape with proxy.metrics on loopback and two hosts: no 127.0.0.1 target, a warning on stderr', () => {
  const dir = tempDir('gangway-scrape-');
  writeFileSync(join(dir, 'compose.yml'), 'services:\n  web:\n    image: acme/web:${IMAGE_TAG}\n');
  writeFileSync(
    join(dir, 'gangway.yml'),
    'app: shop\ncompose: compose.yml\nproxy: { service: web, port: 8080, metrics: "127.0.0.1:2020" }\n' +
      'targets:\n  prod: { hosts: ["deploy@203.0.113.10", "web2"], dir: /srv/shop }\n',
  );
  const r = gangway(['monitoring', 'scrape', 'prod'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /^\s+- 127\.0\.0\.1:2020$/m, 'no target a central Prometheus would take for itself');
  assert.match(r.stdout, /203\.0\.113\.10:9100/, 'the node_exporter jobs stay');
  assert.match(r.stderr, /proxy\.metrics 127\.0\.0\.1:2020 is loopback: reachable only on each host/);
});
