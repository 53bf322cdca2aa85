/**
 * hooks: run in order, `on: local` here (in gangway.yml's directory, with the GANGWAY_* variables), `on: server`
 * on every host in `<dir>` (exact argv on a fake host), output line by line prefixed by where it ran; the first
 * failing hook ends the list.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Hook } from '../../src/config/config.js';
import { runHooks, type HookRun } from '../../src/hooks/run-hooks.js';
import { remoteLayout } from '../../src/server/layout.js';
import { FakeHost } from '../delivery/fake-host.js';

const baseDir = realpathSync(mkdtempSync(join(tmpdir(), 'gangway-hooks-'))); // pwd prints the real path
after(() => rmSync(baseDir, { recursive: true, force: true }));

const hook = (over: Partial<Hook>): Hook => ({ on: 'local', run: 'true', timeoutMs: 30_000, ...over }) as Hook;

function runOf(hooks: Hook[], hosts: HookRun['hosts'] = []) {
  const said: string[] = [];
  const run: HookRun = {
    event: 'after_deploy',
    hooks,
    app: 'shop',
    target: 'prod',
    tag: 'v2',
    release: '20261207-000000-0001',
    status: 'succeeded',
    hosts,
    baseDir,
    say: (line) => void said.push(line),
  };
  return { run, said };
}

test('a local hook: in the project directory, with the run in its variables, output line by line', async () => {
  const { run, said } = runOf([hook({ run: 'pwd; echo "$GANGWAY_APP $GANGWAY_TARGET $GANGWAY_TAG $GANGWAY_STATUS"' })]);
  assert.deepEqual(await runHooks(run), { ok: true });
  assert.deepEqual(said, [
    'hook after_deploy[0] (on: local): pwd; echo "$GANGWAY_APP $GANGWAY_TARGET $GANGWAY_TAG $GANGWAY_STATUS"',
    `after_deploy[0] (on: local) | ${baseDir}`,
    'after_deploy[0] (on: local) | shop prod v2 succeeded',
  ]);
});

test('the first failing hook ends the list, saying which and how', async () => {
  const { run, said } = runOf([hook({ run: 'exit 3' }), hook({ run: 'echo never' })]);
  assert.deepEqual(await runHooks(run), { ok: false, message: 'hook after_deploy[0] (on: local) failed: exit 3' });
  assert.ok(!said.some((l) => l.includes('never')));
});

test('a server hook: on every host, in <dir>, the variables in its environment; a host failing is named', async () => {
  const hosts = ['web-1', 'web-2'].map((label) => ({
    label,
    layout: remoteLayout('/srv/shop'),
    host: new FakeHost(() => (label === 'web-2' ? { code: 1, stdout: 'oops\n' } : { stdout: 'done\n' })),
  }));
  const { run, said } = runOf([hook({ on: 'server', run: './migrate.sh' })], hosts);
  const result = await runHooks(run);
  assert.deepEqual(result, { ok: false, message: 'hook after_deploy[0] (on: server) failed: web-2: exit 1' });
  assert.deepEqual(hosts[0]!.host.calls[0]!.argv, [
    'env',
    'GANGWAY_APP=shop',
    'GANGWAY_TARGET=prod',
    'GANGWAY_TAG=v2',
    'GANGWAY_HOST=web-1',
    'GANGWAY_RELEASE=20261207-000000-0001',
    'GANGWAY_STATUS=succeeded',
    'sh',
    '-c',
    'cd "$1" || exit 1; sh -c "$2"',
    'hook',
    '/srv/shop',
    './migrate.sh',
  ]);
  assert.ok(said.includes('web-1 after_deploy[0] (on: server) | done'));
  assert.ok(said.includes('web-2 after_deploy[0] (on: server) | oops'));
});
