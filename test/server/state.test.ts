import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runScript, serverScript } from '../../src/server/scripts.js';
import { parseServerState } from '../../src/server/state.js';

const INFO =
  '{"who":"ana@laptop","since":"2026-11-22T04:30:12Z","tag":"v3","target":"prod","pid":4242,' +
  '"operation":"deploy","release":"20261122-043012-1a2b","token":"T"}';

const SAMPLE = `@@current
20261121-120000-0002
@@last_good
v2
@@retained
20261120-090000-0001 v1
20261122-043012-1a2b v3
20261121-120000-0002 v2
@@records
{"id":"20261120-090000-0001","tag":"v1","status":"succeeded","outcome":"succeeded"}
not json: a line cut short by a full disk
{"id":"20261121-120000-0002","tag":"v2","status":"succeeded","outcome":"succeeded"}
@@probe
stale its apply process 31337 is gone
unfinished 20261122-043012-1a2b
@@lock
${INFO}

@@apply
31337
`;

test('parseServerState reads every section of state.sh', () => {
  const state = parseServerState(SAMPLE);
  assert.deepEqual(state.current, { id: '20261121-120000-0002', tag: 'v2' });
  assert.equal(state.lastGoodTag, 'v2');
  assert.deepEqual(
    state.retained,
    [
      { id: '20261122-043012-1a2b', tag: 'v3' },
      { id: '20261121-120000-0002', tag: 'v2' },
      { id: '20261120-090000-0001', tag: 'v1' },
    ],
    'newest first',
  );
  const ids = state.records.map((r) => r.id);
  assert.deepEqual(ids, ['20261120-090000-0001', '20261121-120000-0002'], 'bad lines skipped');
  assert.equal(state.unfinished, '20261122-043012-1a2b');
  assert.deepEqual(state.lock, { info: JSON.parse(INFO), applyPid: '31337', stale: 'its apply process 31337 is gone' });
});

test('an empty server: no current, no last good tag, no lock', () => {
  const state = parseServerState('@@current\n@@last_good\n@@retained\n@@records\n@@probe\nfree\n');
  assert.deepEqual(state, { retained: [], records: [] });
});

test('a live lock without apply.pid, and a current release that is not retained', () => {
  const text = `@@current\nr9\n@@last_good\n@@retained\n@@records\n@@probe\nlive\n@@lock\n${INFO}\n\n@@apply\n`;
  const state = parseServerState(text);
  assert.deepEqual(state.current, { id: 'r9' });
  assert.deepEqual(state.lock, { info: JSON.parse(INFO) });
  assert.equal(state.unfinished, undefined);
});

test('an unreadable lock info leaves info out', () => {
  const state = parseServerState('@@retained\n@@records\n@@probe\nlive\n@@lock\n{"who":\n@@apply\n');
  assert.deepEqual(state.lock, {});
});

test('the real state.sh output parses to the same state', () => {
  const root = mkdtempSync(join(tmpdir(), 'gangway-state-'));
  try {
    const g = join(root, '.gangway');
    for (const [id, tag] of [
      ['r1', 'v1'],
      ['r2', 'v2'],
    ] as const) {
      mkdirSync(join(g, 'releases', id), { recursive: true });
      writeFileSync(join(g, 'releases', id, 'tag'), `${tag}\n`);
    }
    writeFileSync(join(g, 'current'), 'r2\n');
    writeFileSync(join(g, 'last_good_tag'), 'v2\n');
    writeFileSync(join(g, 'applying'), 'r3\n');
    writeFileSync(join(g, 'releases.jsonl'), '{"id":"r1","tag":"v1","status":"succeeded"}\n');
    mkdirSync(join(g, 'lock'));
    writeFileSync(join(g, 'lock', 'info'), `${INFO}\n`);
    writeFileSync(join(g, 'lock', 'heartbeat'), '');
    const [cmd, ...args] = runScript('state.sh', [g, serverScript('lock.sh')]);
    const r = spawnSync(cmd!, args, { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(parseServerState(r.stdout), {
      current: { id: 'r2', tag: 'v2' },
      lastGoodTag: 'v2',
      retained: [
        { id: 'r2', tag: 'v2' },
        { id: 'r1', tag: 'v1' },
      ],
      records: [{ id: 'r1', tag: 'v1', status: 'succeeded' }],
      unfinished: 'r3',
      lock: { info: JSON.parse(INFO) },
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
