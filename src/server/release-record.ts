/**
 * The one shape of a release record (a line of `<dir>/.gangway/releases.jsonl`, read back by src/server/records.ts
 * and src/records/): the fields known before the apply, then how it ended, then the strategy's own fields, then,
 * when a step failed, which and why. apply.sh writes it by filling the templates rendered here (json-template.ts).
 */
import { fieldsSlot, raw, renderTemplate, str } from './json-template.js';

/** What apply.sh knows only when the apply ends. */
export interface RecordOutcome<T = string, N = number> {
  status: T;
  outcome: T;
  started: T;
  finished: T;
  duration_s: N;
  serving: T;
  /** The step that failed and why: present (both) only when a step failed. */
  failure?: { failing_step: T; reason: T };
}

export function releaseRecord<T, N>(
  fixed: Record<string, unknown>,
  o: RecordOutcome<T, N>,
  strategyFields: Record<string, unknown> = {},
): Record<string, unknown> {
  const { failure, ...end } = o;
  return {
    ...fixed,
    status: end.status,
    outcome: end.outcome,
    started: end.started,
    finished: end.finished,
    duration_s: end.duration_s,
    serving: end.serving,
    ...strategyFields,
    ...failure,
  };
}

/**
 * The record's two templates for vars.sh: RECORD_TEMPLATE (the apply passed or ended without a failed step) and
 * RECORD_FAILED_TEMPLATE (FAIL_STEP set). Slots: status, outcome, started, finished, serving (strings), duration_s
 * (a number), extra (the strategy script's `,"k":v…` fields, RECORD_EXTRA), failing_step and reason.
 */
export function recordTemplates(fixed: Record<string, unknown>): { ok: string; failed: string } {
  const end = {
    status: str('status'),
    outcome: str('outcome'),
    started: str('started'),
    finished: str('finished'),
    duration_s: raw('duration_s'),
    serving: str('serving'),
  };
  const failure = { failing_step: str('failing_step'), reason: str('reason') };
  return {
    ok: renderTemplate(releaseRecord(fixed, end, fieldsSlot('extra'))),
    failed: renderTemplate(releaseRecord(fixed, { ...end, failure }, fieldsSlot('extra'))),
  };
}
