/** A step's work timed and reported (ok or fail) to the host's events and its step list. */
import type { HostEvents, StepReport } from './steps/context.js';

export async function timed<T>(
  steps: StepReport[],
  events: HostEvents,
  step: string,
  work: () => Promise<T>,
  detail?: (v: T) => string | undefined,
): Promise<T> {
  const started = performance.now();
  try {
    const value = await work();
    const text = detail?.(value);
    const report: StepReport = { step, status: 'ok', ms: performance.now() - started, ...(text && { detail: text }) };
    steps.push(report);
    events.onStep(report);
    return value;
  } catch (e) {
    const report: StepReport = { step, status: 'fail', ms: performance.now() - started, detail: (e as Error).message };
    steps.push(report);
    events.onStep(report);
    throw e;
  }
}
