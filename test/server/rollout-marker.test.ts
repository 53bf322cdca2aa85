/** The marker of a rollout across hosts: written, read back, removed only by its own run, described (LocalHost). */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { LocalHost } from '../../src/hosts/local-host.js';
import { remoteLayout } from '../../src/server/layout.js';
import {
  describeUnfinished,
  parseRolloutMarker,
  readRolloutMarker,
  removeRolloutMarker,
  writeRolloutMarker,
  type RolloutMarker,
} from '../../src/server/rollout-marker.js';
import { tempDir } from '../helpers/testenv.js';

const MARKER: RolloutMarker = {
  id: '20261122-101010-abcd',
  operation: 'deploy',
  tag: 'v2',
  target: 'prod',
  who: 'ci@runner',
  started: '2026-11-22T10:10:10.000Z',
  hosts: ['deploy@a', 'deploy@b', 'deploy@c'],
};

function layout() {
  const l = remoteLayout(tempDir('gangway-rollout-'));
  mkdirSync(l.state);
  return l;
}

test('written as one JSON line (0644), read back as it was; no marker reads as none', async () => {
  const host = new LocalHost();
  const l = layout();
  assert.equal(await readRolloutMarker(host, l), undefined);
  await writeRolloutMarker(host, l, MARKER);
  assert.equal(statSync(l.rollout).mode & 0o777, 0o644);
  assert.deepEqual(await readRolloutMarker(host, l), MARKER);
});

test('a run removes only its own marker: another run’s is left for the run that completes it', async () => {
  const host = new LocalHost();
  const l = layout();
  await writeRolloutMarker(host, l, MARKER);
  await removeRolloutMarker(host, l, '20261122-999999-ffff');
  assert.ok(existsSync(l.rollout));
  await removeRolloutMarker(host, l, MARKER.id);
  assert.equal(existsSync(l.rollout), false);
  await removeRolloutMarker(host, l, MARKER.id); // none left: nothing to do, no error
});

test('a torn or foreign marker is none; missing fields read as "?" (deploy when no operation)', async () => {
  for (const text of [
    '',
    '{"id":"x"',
    'null',
    '"text"',
    '{"hosts":["a"]}',
    '{"id":"x","hosts":"a"}',
    '{"id":1,"hosts":[]}',
  ])
    assert.equal(parseRolloutMarker(text), undefined, text);
  assert.deepEqual(parseRolloutMarker('{"id":"r1","hosts":["a",2]}'), {
    id: 'r1',
    operation: 'deploy',
    tag: '?',
    target: '?',
    who: '?',
    started: '?',
    hosts: ['a', '2'],
  });
  const host = new LocalHost();
  const l = layout();
  writeFileSync(l.rollout, '{"id":');
  assert.equal(await readRolloutMarker(host, l), undefined);
});

test('described for status and the next deploy: what, to how many hosts, by whom, since when', () => {
  assert.equal(
    describeUnfinished(MARKER),
    'rollout 20261122-101010-abcd (deploy of v2 to 3 hosts by ci@runner, started 2026-11-22T10:10:10.000Z) ' +
      'did not finish',
  );
  assert.equal(
    describeUnfinished({ ...MARKER, operation: 'rollback', hosts: ['a', 'b'] }),
    'rollout 20261122-101010-abcd (rollback to 2 hosts by ci@runner, started 2026-11-22T10:10:10.000Z) did not finish',
  );
});
