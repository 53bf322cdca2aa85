/**
 * The executor: runs a plan's steps on every host of the target. First the lock on every host, before any
 * host changes (all or nothing: a lock held anywhere leaves every host untouched); then each host's steps
 * (at most 4 hosts at once), each step dispatched to its own file in steps/. Writes the local records.
 */
import type { Config, Target } from '../config/config.js';
import type { HostSpec } from '../config/hosts.js';
import { detectCompose } from '../docker/compose-cli.js';
import { ExitCode, GangwayError } from '../errors.js';
import type { Host } from '../hosts/host.js';
import { appendReleaseLog, RunRecord } from '../records/local-records.js';
import { remoteLayout } from '../server/layout.js';
import { LockHeldError } from '../server/lock.js';
import type { RecordStatus } from '../server/records.js';
import { Semaphore } from '../util/semaphore.js';
import { firstErrorLine } from './first-error-line.js';
import type { DeployPlan, PlanStep } from './plan.js';
import { HostSession } from './session.js';
import { applyDeadlineMs, failureOutput, recoverRelease, runApply } from './steps/apply.js';
import type { HostEvents, StepContext, StepReport } from './steps/context.js';
import { makeDirs } from './steps/dirs.js';
import { deliver } from './steps/deliver.js';
import { takeLock } from './steps/lock.js';
import { prepareRelease } from './steps/release.js';

export type HostResult = 'succeeded' | 'rolled_back' | 'failed' | 'unchanged' | 'unknown';

export interface HostOutcome {
  host: string;
  /** How it ended here: unchanged = nothing was put in place; unknown = we lost sight of the apply. */
  result: HostResult;
  /** The server's record status, when the apply recorded one. */
  status?: RecordStatus;
  /** The release's tag on this host (env-only and rollback learn it on the server). */
  tag?: string;
  /** The tag serving after the run ('none' when nothing is). */
  serving: string;
  failingStep?: string;
  reason?: string;
  /** First error line of the failing release's own output (masked by the caller's outputs). */
  firstErrorLine?: string;
  imageId?: string;
  bytesSent: number;
  steps: StepReport[];
  runLog?: string;
}

export interface RunSummary {
  outcomes: HostOutcome[];
  /** Set when a lock held on some host stopped the run before any host changed. */
  lockHeld?: LockHeldError;
  durationMs: number;
  recordFile: string;
}

export interface ApplyDeps {
  config: Config;
  target: Target;
  open(spec: HostSpec): Promise<Host>;
  reopen(spec: HostSpec): Promise<Host>;
  lockWaitMs: number;
  events(host: string): HostEvents;
  scrub(text: string): string;
}

/** Hosts deployed at once; each has its own connection, gate and rollback. */
const PARALLEL_HOSTS = 4;

interface LockedHost {
  spec: HostSpec;
  ctx: StepContext;
  steps: StepReport[];
}

export async function applyPlan(plan: DeployPlan, deps: ApplyDeps): Promise<RunSummary> {
  const started = performance.now();
  const record = new RunRecord(deps.scrub);
  const events = (host: string): HostEvents => recordingEvents(deps.events(host), record, host);
  const locking = await Promise.allSettled(
    deps.target.hosts.map((spec) => lockHost(plan, deps, spec, events(spec.label))),
  );
  let outcomes: HostOutcome[];
  let lockHeld: LockHeldError | undefined;
  const failedToLock = locking.flatMap((r, i) =>
    r.status === 'rejected' ? [{ spec: deps.target.hosts[i]!, error: r.reason as Error }] : [],
  );
  if (failedToLock.length > 0) {
    const locked = locking.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    await Promise.all(locked.map((h) => h.ctx.lock.release(h.ctx.session.host).catch(() => {})));
    lockHeld = failedToLock.map((f) => f.error).find((e): e is LockHeldError => e instanceof LockHeldError);
    const why = new Map(failedToLock.map((f) => [f.spec.label, f.error.message]));
    outcomes = deps.target.hosts.map((spec) => ({
      host: spec.label,
      result: 'unchanged',
      serving: 'unchanged',
      failingStep: why.has(spec.label) ? 'lock' : 'lock (other hosts)',
      reason: why.get(spec.label) ?? `not started: ${[...why.keys()].join(', ')} could not be locked`,
      bytesSent: 0,
      steps: [],
    }));
  } else {
    const limit = new Semaphore(PARALLEL_HOSTS);
    const locked = locking.map((r) => (r as PromiseFulfilledResult<LockedHost>).value);
    outcomes = await Promise.all(locked.map((h) => limit.use(() => runHost(h))));
  }
  const durationMs = performance.now() - started;
  await appendReleaseLog(deps.config.records, releaseLogEntry(plan, outcomes, durationMs), deps.scrub);
  const recordFile = await record.write(deps.config.records);
  return { outcomes, ...(lockHeld && { lockHeld }), durationMs, recordFile };
}

/** Connect, find the deploy directory and Compose, take the lock, and finish a run an earlier apply left. */
async function lockHost(plan: DeployPlan, deps: ApplyDeps, spec: HostSpec, events: HostEvents): Promise<LockedHost> {
  const steps: StepReport[] = [];
  const session = new HostSession(
    spec.label,
    () => deps.open(spec),
    () => deps.reopen(spec),
    events,
  );
  const host = await timed(steps, events, 'connect', () => session.open());
  const layout = remoteLayout(await host.resolvePath(deps.target.dir));
  const compose = await detectCompose(host);
  if (!compose)
    throw new GangwayError(
      'E_NO_COMPOSE',
      ExitCode.failed,
      `${spec.label}: neither docker compose nor docker-compose is installed`,
    );
  const lock = await timed(
    steps,
    events,
    'lock',
    () => takeLock(session, layout, plan, deps.lockWaitMs, events),
    (l) => l.recoveredFrom && `recovered a stale lock: ${l.recoveredFrom}`,
  );
  const ctx: StepContext = {
    label: spec.label,
    plan,
    config: deps.config,
    session,
    layout,
    compose,
    lock,
    lockWaitMs: deps.lockWaitMs,
    events,
    results: { bytesSent: 0 },
  };
  return { spec, ctx, steps };
}

async function runHost({ ctx, steps }: LockedHost): Promise<HostOutcome> {
  const { events, plan } = ctx;
  const hostPlan = plan.hosts.find((h) => h.host === ctx.label)!;
  const apply = hostPlan.steps.find((s): s is Extract<PlanStep, { kind: 'apply' }> => s.kind === 'apply')!;
  let applyStarted = false;
  const base = () => ({
    host: ctx.label,
    bytesSent: ctx.results.bytesSent,
    steps,
    runLog: ctx.layout.runLog(plan.releaseId),
    ...(ctx.results.imageId && { imageId: ctx.results.imageId }),
    ...(ctx.results.tag && { tag: ctx.results.tag }),
  });
  try {
    if (ctx.lock.unfinished) {
      const id = ctx.lock.unfinished;
      await timed(
        steps,
        events,
        `recover ${id}`,
        () => recoverRelease(ctx, id, applyDeadlineMs(apply)),
        (r) => (r.kind === 'finished' ? `its apply had died; recorded ${r.status}, serving ${r.serving}` : undefined),
      );
    }
    for (const step of hostPlan.steps) {
      if (step.kind === 'lock') continue; // taken on every host first
      if (step.kind === 'dirs') await timed(steps, events, 'dirs', () => makeDirs(ctx, step));
      if (step.kind === 'deliver')
        await timed(
          steps,
          events,
          'deliver',
          () => deliver(ctx, step),
          (d) => d,
        );
      if (step.kind === 'release') {
        const title = step.source.kind === 'rollback' ? 'choose release' : 'upload';
        await timed(
          steps,
          events,
          title,
          () => prepareRelease(ctx, step, apply),
          (d) => d,
        );
      }
    }
    applyStarted = true;
    const result = await runApply(ctx, apply);
    if (result.kind !== 'finished') throw new Error('unreachable: a recovery always finishes or throws');
    const outcome: HostOutcome = {
      ...base(),
      result: result.outcome,
      status: result.status,
      serving: result.serving,
      ...(result.failing_step && { failingStep: result.failing_step }),
      ...(result.reason && { reason: result.reason }),
    };
    if (result.outcome !== 'succeeded') {
      const line = firstErrorLine(await failureOutput(ctx), apply.health.fatalLogs?.patterns ?? []);
      if (line) {
        outcome.firstErrorLine = line;
        events.onLog(`first error line: ${line}`); // into the local deploy log too (masked there)
      }
    }
    return outcome;
  } catch (e) {
    const err = e as Error;
    events.onLog(`FAILED ${applyStarted ? 'while following the apply' : 'before the apply'}: ${err.message}`);
    if (applyStarted)
      return { ...base(), result: 'unknown', serving: 'unknown', failingStep: 'follow apply', reason: err.message };
    await releaseAfterFailure(ctx);
    return { ...base(), result: 'unchanged', serving: 'unchanged', failingStep: 'before apply', reason: err.message };
  }
}

/** Nothing was put in place: hand the lock back at once, over a fresh connection if the old one is gone. */
async function releaseAfterFailure(ctx: StepContext): Promise<void> {
  try {
    await ctx.lock.release(ctx.session.host);
  } catch (e) {
    await ctx.session
      .reconnect(e as Error)
      .then((host) => ctx.lock.release(host))
      .catch(() => ctx.events.onLog('could not release the lock; it becomes stale within a minute'));
  }
}

async function timed<T>(
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

function recordingEvents(events: HostEvents, record: RunRecord, host: string): HostEvents {
  return {
    ...events,
    onStep: (s) => {
      record.add(
        host,
        `${s.status.toUpperCase()} ` +
          `${s.step}${s.detail ? ` — ${s.detail}` : ''}${s.ms > 0 ? ` (${Math.round(s.ms)} ms)` : ''}`,
      );
      events.onStep(s);
    },
    onLog: (line) => {
      record.add(host, `| ${line}`);
      events.onLog(line);
    },
  };
}

export const isSuccess = (o: HostOutcome): boolean => o.result === 'succeeded';

export function overallResult(outcomes: HostOutcome[]): HostResult {
  if (outcomes.every(isSuccess)) return 'succeeded';
  for (const r of ['unknown', 'failed', 'rolled_back'] as const) if (outcomes.some((o) => o.result === r)) return r;
  return 'unchanged';
}

function releaseLogEntry(plan: DeployPlan, outcomes: HostOutcome[], durationMs: number) {
  const tags = [...new Set(outcomes.map((o) => o.tag).filter((t): t is string => t !== undefined))];
  return {
    tag: tags.length ? tags.join(', ') : plan.tag.kind === 'given' ? plan.tag.value : '(none chosen)',
    operation: plan.operation,
    result: overallResult(outcomes),
    time: new Date(),
    target: plan.target,
    who: plan.who,
    durationMs,
    delivery: plan.hosts[0]?.steps.find((s) => s.kind === 'deliver')?.delivery.mode ?? 'none',
    hosts: outcomes,
  };
}
