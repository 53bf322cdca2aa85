/**
 * The canary's state on a host: parsed for `gangway status`, and ended by `gangway rollback` (every canary marker
 * of the app goes, canary.end tells the deploy; the deploy's record is waited for) — on a LocalHost, real sh.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalHost } from '../../src/hosts/local-host.js';
import { endCanary, formatCanary, parseCanaryState } from '../../src/proxy/canary-state.js';
import { tempDir } from '../helpers/testenv.js';

const STATE = {
  colour: 'green',
  from: 'blue',
  share: 25,
  steps: '5 25 50 ',
  release: '20261207-101008-2741',
  since: '2026-12-07T10:10:10Z',
  conf: '',
  figures: 'new: 60 requests, 0.00% 5xx, p99 12ms; old: 180 requests, 0.00% 5xx, p99 11ms',
};

test('the state file, parsed and said', () => {
  const s = parseCanaryState(JSON.stringify(STATE))!;
  assert.equal(
    formatCanary(s),
    'release 20261207-101008-2741 on green: 25% of new clients (steps 5 25 50), the rest on blue; new: 60 ' +
      'requests, 0.00% 5xx, p99 12ms; old: 180 requests, 0.00% 5xx, p99 11ms (2026-12-07T10:10:10Z)',
  );
  assert.equal(parseCanaryState(''), undefined);
  assert.equal(parseCanaryState('{"share":"x"}'), undefined);
});

test("rollback ends the canary: this app's markers go, canary.end is left, the deploy's record is read", async () => {
  const dir = tempDir('gangway-canary-end-');
  const conf = join(dir, 'caddy');
  mkdirSync(join(conf, 'live'), { recursive: true });
  mkdirSync(join(dir, '.gangway', 'proxy'), { recursive: true });
  for (const m of ['shop.blue', 'shop.canary-green-25', 'other.canary-blue-5'])
    writeFileSync(join(conf, 'live', m), '');
  writeFileSync(join(dir, '.gangway', 'proxy', 'canary'), JSON.stringify({ ...STATE, conf }));
  writeFileSync(
    join(dir, '.gangway', 'releases.jsonl'),
    `{"id":"${STATE.release}","status":"rolled_back","reason":"ended by gangway rollback"}\n`,
  );
  const ended = await endCanary(new LocalHost(), dir, 'shop', 5000);
  assert.equal(ended?.canary.share, 25);
  assert.equal(ended?.status, 'rolled_back');
  assert.deepEqual(readdirSync(join(conf, 'live')).sort(), ['other.canary-blue-5', 'shop.blue']);
  assert.ok(existsSync(join(dir, '.gangway', 'proxy', 'canary.end')));
});

test('rollback with no canary in progress changes nothing', async () => {
  const dir = tempDir('gangway-canary-none-');
  mkdirSync(join(dir, '.gangway', 'proxy'), { recursive: true });
  assert.equal(await endCanary(new LocalHost(), dir, 'shop', 1000), undefined);
  assert.ok(!existsSync(join(dir, '.gangway', 'proxy', 'canary.end')));
});
