/**
 * The local records: a run's log (every line scrubbed, 0600) and release.log's entries, with the Minimum Failure
 * Record of each host that did not succeed (what failed, its first error line, what was rolled back).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, test } from 'node:test';
import { appendReleaseLog, RunRecord, type ReleaseLogEntry } from '../../src/records/local-records.js';

const dir = mkdtempSync(join(tmpdir(), 'gangway-records-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const scrub = (t: string) => t.replaceAll('s3cret-value', '***');

test("a run record: each line stamped and marked with its host, scrubbed, 0600, named by the run's start", async () => {
  const record = new RunRecord(scrub);
  record.add('web-1', 'OK deliver (12 ms)');
  record.add('rollout', 'wave 1: web-1 | API_KEY=s3cret-value');
  const file = await record.write(join(dir, 'runs'), 'rollback');
  assert.match(basename(file), /^rollback_\d{8}-\d{6}\.log$/);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT[\d:.]+Z \[web-1\] OK deliver \(12 ms\)$/);
  assert.match(lines[1]!, /\[rollout\] wave 1: web-1 \| API_KEY=\*\*\*$/);
});

const entry = (hosts: ReleaseLogEntry['hosts']): ReleaseLogEntry => ({
  tag: 'v2',
  rollout: 'rollout-1',
  operation: 'deploy',
  result: hosts.every((h) => h.result === 'succeeded') ? 'succeeded' : 'failed',
  time: new Date('2026-12-07T10:00:00Z'),
  target: 'prod',
  who: 'ana@laptop',
  durationMs: 61_400,
  delivery: 'registry',
  hosts,
});

test('release.log: one entry a release, appended; a success has no failure record', async () => {
  const records = join(dir, 'ok');
  const ok = { host: 'web-1', result: 'succeeded', from: 'v1', tag: 'v2', serving: 'v2', bytesSent: 0 };
  await appendReleaseLog(records, entry([ok]), scrub);
  const file = await appendReleaseLog(records, entry([{ ...ok, durationMs: 4_000 }]), scrub);
  const text = readFileSync(file, 'utf8');
  assert.equal(text.match(/^## /gm)?.length, 2);
  assert.match(text, /^## 2026-12-07T10:00:00.000Z {2}TAG v2 {2}target prod {2}result: succeeded$/m);
  assert.match(text, /^by: ana@laptop {3}deploy {3}duration: 61s {3}delivery: registry {3}rollout: rollout-1$/m);
  assert.match(text, /^hosts: web-1 succeeded \(v1 → tag v2, serving v2, 0 bytes sent, 4s\)$/m);
  assert.doesNotMatch(text, /Minimum Failure Record/);
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test('a Minimum Failure Record for each host that did not succeed: what was rolled back, scrubbed', async () => {
  const file = await appendReleaseLog(
    join(dir, 'failed'),
    entry([
      {
        host: 'web-1',
        result: 'rolled_back',
        serving: 'v1',
        failingStep: 'health',
        reason: 'web unhealthy',
        firstErrorLine: 'panic: API_KEY=s3cret-value rejected',
        bytesSent: 0,
      },
      {
        host: 'web-2',
        result: 'reverted',
        serving: 'v1',
        reason: 'put back: the run was interrupted (SIGINT)',
        bytesSent: 0,
      },
      { host: 'web-3', result: 'unchanged', serving: 'v1', failingStep: 'not started', bytesSent: 0 },
      { host: 'web-4', result: 'failed', serving: 'none', bytesSent: 0 },
    ]),
    scrub,
  );
  const text = readFileSync(file, 'utf8');
  assert.match(
    text,
    new RegExp(
      'Minimum Failure Record \\(web-1\\):\n {2}what failed: health — web unhealthy\n' +
        ' {2}first error line: panic: API_KEY=\\*\\*\\* rejected\n {2}rolled back: yes, to v1\n',
    ),
  );
  assert.match(text, /rolled back: yes, put back on v1 because the run was interrupted \(SIGINT\)/);
  assert.match(text, /Minimum Failure Record \(web-3\):[\s\S]*rolled back: nothing to roll back: nothing was changed/);
  assert.match(
    text,
    new RegExp(
      'what failed: unknown step\n {2}first error line: \\(none captured\\)\n' +
        ' {2}rolled back: nothing to roll back to; new containers stopped',
    ),
  );
  assert.ok(!text.includes('s3cret-value'));
});
