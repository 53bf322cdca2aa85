/** rollback, releases and lock against a real stack over SSH. */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gangway } from '../helpers/cli.js';
import { deployProject, type DeployProject } from '../helpers/deploy-project.js';
import { buildWebImage } from '../helpers/images.js';

let p: DeployProject;
before(async () => {
  await buildWebImage('gangway-test/web:v1', { version: 'v1' });
  await buildWebImage('gangway-test/web:v2', { version: 'v2' });
  await buildWebImage('gangway-test/web:bad', { version: 'bad', healthy: false });
  await buildWebImage('gangway-test/web:flaky', { version: 'flaky' });
  p = deployProject({ extra: 'keep: 5\n' });
  writeFileSync(p.config, readFileSync(p.config, 'utf8').replace('keep: 3\n', ''));
  for (const tag of ['flaky', 'v1', 'v2']) assert.equal(gangway(['-c', p.config, 'deploy', '--tag', tag]).code, 0);
  // rolled back to v2; its release stays retained
  assert.equal(gangway(['-c', p.config, 'deploy', '--tag', 'bad']).code, 1);
});
after(() => p.cleanup());

test('rollback goes to the last good release before the one in place, through the gate, recorded as rollback', () => {
  const r = gangway(['-c', p.config, 'rollback']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\[ok\] health gate — v1 passed/);
  assert.equal(p.serving(), 'v1');
  const last = p.releases().at(-1)!;
  assert.deepEqual([last.tag, last.status, last.operation], ['v1', 'rollback', 'rollback']);
  assert.equal(readFileSync(join(p.serverDir, '.gangway', 'last_good_tag'), 'utf8').trim(), 'v1');
});

test('rollback --to a retained tag; a tag no longer retained is a clear error listing the retained ones', () => {
  const to = gangway(['-c', p.config, 'rollback', '--to', 'v2']);
  assert.equal(to.code, 0, to.stdout + to.stderr);
  assert.equal(p.serving(), 'v2');
  const gone = gangway(['-c', p.config, 'rollback', '--to', 'v9']);
  assert.equal(gone.code, 1);
  assert.match(gone.stdout + gone.stderr, /tag v9 is not retained as a good release \(retained good tags: .*v1/);
  assert.match(gone.stdout, /nothing changed/);
  assert.ok(!existsSync(join(p.serverDir, '.gangway', 'lock')), 'the lock was released');
  assert.equal(p.serving(), 'v2');
});

test(
  'a rollback whose target release is unhealthy now fails its gate and leaves the host on the release ' +
    'it started from',
  () => {
    // flaky passed its gate when deployed; its image has gone bad since.
    execFileSync('docker', ['tag', 'gangway-test/web:bad', 'gangway-test/web:flaky']);
    const r = gangway(['-c', p.config, 'rollback', '--to', 'flaky']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /rollback to flaky failed its health gate; back on the release it started from, serving v2/);
    assert.match(r.stderr, /rollback failed/);
    assert.equal(p.serving(), 'v2');
    assert.deepEqual([p.releases().at(-1)!.tag, p.releases().at(-1)!.status], ['flaky', 'failed']);
    assert.equal(
      gangway(['-c', p.config, 'rollback', '--to', 'bad']).code,
      1,
      'a release that failed its gate is never a target',
    );
  },
);

test('releases: newest first with status, who, duration and failing step; --limit and --json', () => {
  const r = gangway(['-c', p.config, 'releases']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => /\d{8}-\d{6}-[0-9a-f]{4}/.test(l));
  assert.match(lines[0]!, /flaky {2}failed/);
  assert.match(r.stdout, /bad {2}rolled_back .* failed at health web: container reports unhealthy/);
  assert.match(lines.at(-1)!, /flaky {2}succeeded/);
  const json = JSON.parse(gangway(['-c', p.config, '--json', 'releases', '--limit', '2']).stdout);
  assert.equal(json.hosts[0].releases.length, 2);
  assert.equal(json.hosts[0].releases[0].tag, 'flaky');
});

test('lock status and release: alive holders need --force (recorded); stale holders can be released', () => {
  const lock = join(p.serverDir, '.gangway', 'lock');
  const hold = (who: string) => {
    mkdirSync(lock, { recursive: true });
    writeFileSync(
      join(lock, 'info'),
      JSON.stringify({ who, since: '2026-11-22T01:00:00Z', tag: 'v7', target: 'e2e', pid: 1, operation: 'deploy' }),
    );
    writeFileSync(join(lock, 'heartbeat'), '');
  };
  assert.match(gangway(['-c', p.config, 'lock', 'status']).stdout, /not locked/);
  hold('alice@laptop');
  // Alice's deploy sends heartbeats (as a live CLI does) for as long as these commands take on a loaded machine:
  // a heartbeat older than a minute would make her lock stale. The loop is a process of its own (the commands
  // below block this one); its group is killed before bob's lock, which must get no heartbeat.
  const beats = spawn('sh', ['-c', 'while :; do touch "$1"; sleep 2; done', 'sh', join(lock, 'heartbeat')], {
    detached: true,
    stdio: 'ignore',
  });
  try {
    const status = gangway(['-c', p.config, 'lock', 'status']);
    assert.match(
      status.stdout,
      /locked by alice@laptop since 2026-11-22T01:00:00Z \(deploy of v7\); its deploy is sending heartbeats/,
    );
    const refused = gangway(['-c', p.config, 'lock', 'release']);
    assert.equal(refused.code, 4);
    assert.match(refused.stderr, /held by alice@laptop .* --force/s);
    assert.equal(gangway(['-c', p.config, 'deploy', '--tag', 'v1']).code, 4, 'a deploy meets the held lock');
  } finally {
    process.kill(-beats.pid!, 'SIGKILL');
  }
  const forced = gangway(['-c', p.config, 'lock', 'release', '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.ok(!existsSync(lock));
  assert.match(readFileSync(join(p.serverDir, '.gangway', 'lock.log'), 'utf8'), /"reason":"forced".*alice@laptop/);

  hold('bob@gone');
  execFileSync('touch', ['-d', '5 minutes ago', join(lock, 'heartbeat'), lock]);
  const stale = gangway(['-c', p.config, 'lock', 'release']);
  assert.equal(stale.code, 0, stale.stderr);
  assert.match(stale.stdout, /lock released \(its holder is gone: no heartbeat/);
});
