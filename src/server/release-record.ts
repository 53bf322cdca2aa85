/**
 * The one shape of a release record (a line of `<dir>/.gangway/releases.jsonl`, read back by src/server/records.ts
 * and src/records/): the fields known before the apply, then how it ended, then the strategy's own fields, then,
 * when a step failed, which and why. apply.sh writes it by filling the templates rendered here (json-template.ts).
 */
import { renderTemplate } from '../shell/json-template.js';

/** What apply.sh knows only when the apply ends. */
export interface RecordOutcome {
  status: string;
  outcome: string;
  started: string;
  finished: string;
  duration_s: number;
  serving: string;
  /** The step that failed and why: present (both) only when a step failed. */
  failure?: { failing_step: string; reason: string };
}

export function releaseRecord(
  fixed: Record<string, unknown>,
  o: RecordOutcome,
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
 * The record's two templates for vars.sh: RECORD_TEMPLATE (no step failed) and RECORD_FAILED_TEMPLATE (FAIL_STEP
 * set). Slots: status, outcome, started, finished, serving, failing_step, reason (strings), duration_s (a number),
 * extra (the strategy script's `,"k":v…` fields, RECORD_EXTRA).
 */
export function recordTemplates(fixed: Record<string, unknown>): { ok: string; failed: string } {
  const render = (failed: boolean) =>
    renderTemplate((s) =>
      releaseRecord(
        fixed,
        {
          status: s.str('status'),
          outcome: s.str('outcome'),
          started: s.str('started'),
          finished: s.str('finished'),
          duration_s: s.num('duration_s'),
          serving: s.str('serving'),
          ...(failed ? { failure: { failing_step: s.str('failing_step'), reason: s.str('reason') } } : {}),
        },
        s.fields('extra'),
      ),
    );
  return { ok: render(false), failed: render(true) };
}
