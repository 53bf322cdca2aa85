/**
 * Maintenance mode on one host: maintenance.sh run for real under the local sh (a stub docker plays the proxy),
 * and what setMaintenance and parseMaintenanceRead make of its output.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Host } from '../../src/hosts/host.js';
import { LocalHost } from '../../src/hosts/local-host.js';
import { MaintenanceRefused, parseMaintenanceRead, setMaintenance } from '../../src/proxy/maintenance.js';
import { FakeHost } from '../delivery/fake-host.js';
import { stubProxy } from './stub-proxy.js';

const proxy = stubProxy();
const host: Host = new LocalHost();
const ROUTES = ['gangway-shop', 'gangway-shop-maintenance'];
const PAGE = `<p>Back at 5 "o'clock" $(touch /tmp/gangway-pwned) \\ done</p>\n`;
const INFO = { since: '2026-11-22T10:00:00Z', by: 'ops@laptop', message: `it's "quoted" \\ $HOME` };
const pageFile = join(proxy.home, 'maintenance', 'shop.html');
const metaFile = join(proxy.state, 'proxy', 'maintenance.json');

test('on: the page written as given (0644), who/when/message beside the state (0600); off removes both', async () => {
  proxy.set({ routes: ROUTES });
  assert.deepEqual(await setMaintenance(host, proxy.state, 'shop', { on: true, page: PAGE, info: INFO }), {
    was: 'off',
    now: 'on',
  });
  assert.equal(readFileSync(pageFile, 'utf8'), PAGE);
  assert.equal(statSync(pageFile).mode & 0o777, 0o644);
  assert.deepEqual(JSON.parse(readFileSync(metaFile, 'utf8')), INFO);
  assert.equal(statSync(metaFile).mode & 0o777, 0o600);
  assert.equal(existsSync('/tmp/gangway-pwned'), false);

  // Again: already on, the page replaced.
  const again = await setMaintenance(host, proxy.state, 'shop', { on: true, page: '<p>2</p>', info: {} });
  assert.deepEqual(again, { was: 'on', now: 'on' });
  assert.equal(readFileSync(pageFile, 'utf8'), '<p>2</p>');

  assert.deepEqual(await setMaintenance(host, proxy.state, 'shop', { on: false }), { was: 'on', now: 'off' });
  assert.equal(existsSync(pageFile), false);
  assert.equal(existsSync(metaFile), false);
  assert.deepEqual(await setMaintenance(host, proxy.state, 'shop', { on: false }), { was: 'off', now: 'off' });
});

test('refused with the reason: no proxy, a stopped proxy, no route for the app, a route too old', async () => {
  const on = { on: true as const, page: '<p>x</p>', info: {} };
  const cases: [Parameters<typeof proxy.set>[0], RegExp][] = [
    [{ exists: false }, /^there is no proxy \(gangway-proxy\) on this host: deploy shop first$/],
    [{ running: false, routes: ROUTES }, /^the proxy \(gangway-proxy\) is not running on this host/],
    [{ routes: [] }, /^the proxy on this host has no route for shop: deploy it first$/],
    [{ routes: ['gangway-shop'] }, /^the route of shop on this proxy predates maintenance mode/],
  ];
  for (const [facts, reason] of cases) {
    proxy.set(facts);
    await assert.rejects(setMaintenance(host, proxy.state, 'shop', on), (e: unknown) => {
      assert.ok(e instanceof MaintenanceRefused, String(e));
      assert.match(e.message, reason);
      return true;
    });
    assert.equal(existsSync(pageFile), false, 'nothing written');
  }
});

test('output without was/now, or a failed exit, is an error with the first stderr line', async () => {
  const broken = new FakeHost(() => ({ code: 2, stdout: 'was off\n', stderr: 'sh: 1: syntax error\nmore\n' }));
  await assert.rejects(setMaintenance(broken, '/g', 'shop', { on: false }), {
    message: 'maintenance.sh ended with exit 2: sh: 1: syntax error',
  });
  const silent = new FakeHost(() => ({ code: 0, stdout: 'was maybe\nnow on\n' }));
  await assert.rejects(setMaintenance(silent, '/g', 'shop', { on: false }), /ended with exit 0/);
  const sent = new FakeHost(() => ({ stdout: 'was off\nnow on\n' }));
  await setMaintenance(sent, '/g', 'shop', { on: true, page: 'P', info: { by: 'me' } });
  assert.deepEqual(sent.calls[0]!.argv.slice(3), ['maintenance.sh', 'on', '/g', 'shop', 'P', '{"by":"me"}']);
});

test('parseMaintenanceRead: on with its info (strings only), on without info, off', () => {
  assert.deepEqual(parseMaintenanceRead(`now on\n${JSON.stringify(INFO)}\n`), INFO);
  assert.deepEqual(parseMaintenanceRead('now on\n{"since":"t","by":7,"message":null,"extra":"x"}'), { since: 't' });
  assert.deepEqual(parseMaintenanceRead('now on'), {});
  assert.deepEqual(parseMaintenanceRead('now on\n{torn'), {});
  assert.equal(parseMaintenanceRead('now off'), undefined);
  assert.equal(parseMaintenanceRead(''), undefined);
});
