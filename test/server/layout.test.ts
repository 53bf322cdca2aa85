/** The one definition of the server's files under <dir>, and release ids that sort by time. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newReleaseId, remoteLayout } from '../../src/server/layout.js';

test('every path of SPEC "On each server" hangs off <dir>/.gangway', () => {
  const l = remoteLayout('/srv/app');
  assert.deepEqual(
    [l.state, l.lock, l.lockInfo, l.releasesLog, l.lastGoodTag, l.current, l.applying, l.lockLog],
    [
      '/srv/app/.gangway',
      '/srv/app/.gangway/lock',
      '/srv/app/.gangway/lock/info',
      '/srv/app/.gangway/releases.jsonl',
      '/srv/app/.gangway/last_good_tag',
      '/srv/app/.gangway/current',
      '/srv/app/.gangway/applying',
      '/srv/app/.gangway/lock.log',
    ],
  );
  assert.equal(l.release('20261122-043012-1a2b'), '/srv/app/.gangway/releases/20261122-043012-1a2b');
  assert.equal(l.runLog('20261122-043012-1a2b'), '/srv/app/.gangway/runs/20261122-043012-1a2b.log');
});

test('release ids are UTC, fixed width, and sort in time order', () => {
  const id = newReleaseId(new Date('2026-11-22T04:30:12Z'), () => 0.1);
  assert.equal(id, '20261122-043012-1999');
  const later = newReleaseId(new Date('2026-11-22T10:00:00Z'), () => 0);
  assert.ok([later, id].sort()[0] === id);
  assert.match(newReleaseId(), /^\d{8}-\d{6}-[0-9a-f]{4}$/);
});
