/** The release record: TypeScript shapes it (release-record.ts), apply.sh fills the template (json_fill). */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { recordTemplates, releaseRecord, type RecordOutcome } from '../../src/server/release-record.js';
import { serverScript } from '../../src/server/scripts.js';
import { HOSTILE } from '../helpers/hostile.js';

/** releases.sh's record() line: the template filled in a real sh, as apply.sh does. */
function shellLine(template: string, o: RecordOutcome, extra: string): string {
  const script = `${serverScript('json.sh')}\njson_fill "$@"`;
  const pairs = ['status', o.status, 'outcome', o.outcome, 'started', o.started, 'finished', o.finished];
  pairs.push('duration_s', String(o.duration_s), 'serving', o.serving, 'extra', extra);
  pairs.push('failing_step', o.failure?.failing_step ?? '', 'reason', o.failure?.reason ?? '');
  return execFileSync('sh', ['-c', script, 'sh', template, ...pairs], { encoding: 'utf8' });
}

/** What json_str keeps of a value (json.sh): newline, tab and CR become spaces, other control characters go. */
const kept = (s: string) => s.replace(/[\n\t\r]/g, ' ').replace(/[\u0000-\u001f]/g, '');

const END: RecordOutcome = {
  status: 'succeeded',
  outcome: 'succeeded',
  started: '2026-11-22T04:30:12Z',
  finished: '2026-11-22T04:31:02Z',
  duration_s: 50,
  serving: 'v1.2.3',
};

test('a record line is byte for byte what apply.sh wrote before templates (readers: src/server/records.ts)', () => {
  const fixed = { id: '20261122-043012-1a2b', tag: 'v1.2.3', who: 'ana' };
  const t = recordTemplates(fixed);
  assert.equal(
    shellLine(t.ok, END, ''),
    '{"id":"20261122-043012-1a2b","tag":"v1.2.3","who":"ana","status":"succeeded","outcome":"succeeded",' +
      '"started":"2026-11-22T04:30:12Z","finished":"2026-11-22T04:31:02Z","duration_s":50,"serving":"v1.2.3"}',
  );
  const failed = { ...END, status: 'rolled_back', outcome: 'rolled_back', serving: 'v1' };
  const failure = { failing_step: 'health web', reason: 'web: unhealthy' };
  assert.equal(
    shellLine(t.failed, { ...failed, failure }, ',"colour":"blue"'),
    '{"id":"20261122-043012-1a2b","tag":"v1.2.3","who":"ana","status":"rolled_back","outcome":"rolled_back",' +
      '"started":"2026-11-22T04:30:12Z","finished":"2026-11-22T04:31:02Z","duration_s":50,"serving":"v1",' +
      '"colour":"blue","failing_step":"health web","reason":"web: unhealthy"}',
  );
});

test('shell and TypeScript write the same line for the same facts, hostile values included', () => {
  for (const v of HOSTILE) {
    const fixed = { id: 'r1', tag: v, who: v, sha256: { env: v }, image_ids: [v] };
    const facts = { ...END, serving: v, started: v, failure: { failing_step: v || 'x', reason: v } };
    const extra = { colour: 'blue', canary: { share: 10, verdict: 'passed' } };
    const fragment = `,${JSON.stringify(extra).slice(1, -1)}`; // what bluegreen.sh/canary.sh put in RECORD_EXTRA
    const t = recordTemplates(fixed);
    const tsFacts = {
      ...facts,
      serving: kept(v),
      started: kept(v),
      failure: { failing_step: kept(v || 'x'), reason: kept(v) },
    };
    const expected = JSON.stringify(releaseRecord(fixed, tsFacts, extra));
    assert.equal(shellLine(t.failed, facts, fragment), expected, JSON.stringify(v));
    const { failure: _, ...plain } = tsFacts;
    assert.equal(shellLine(t.ok, facts, ''), JSON.stringify(releaseRecord(fixed, plain)), JSON.stringify(v));
  }
});

test('a fixed value that spells a slot stays a value: no slot can be forged from the data', () => {
  const sneaky = '\u001fstatus\u001f';
  const t = recordTemplates({ id: 'r1', tag: sneaky });
  const line = JSON.parse(shellLine(t.ok, { ...END, serving: `x${sneaky}` }, '')) as Record<string, unknown>;
  assert.equal(line.tag, sneaky);
  assert.equal(line.serving, 'xstatus', 'json_str drops the control characters');
  assert.equal(line.status, 'succeeded');
});

test('a fixed value holding a long run of digits (an image digest) renders: only the slots are checked', () => {
  const digest = 'sha256:542dc862d1c98123456789012345678ab0123456789abcdef0123456789abcde';
  const t = recordTemplates({ id: '20261207-114757-4fb9', tag: 'v1', image_digest: digest });
  const line = JSON.parse(shellLine(t.ok, END, '')) as Record<string, unknown>;
  assert.deepEqual([line.image_digest, line.duration_s, line.status], [digest, 50, 'succeeded']);
});
