/**
 * One host's part of a run: connect and lock (before any host changes), then its steps and the detached apply;
 * and, for a fleet whose rollout failed elsewhere, putting it back on the release it had before the run.
 */
import type { Config, Target } from '../config/config.js';
import type { HostSpec } from '../config/hosts.js';
import { type ComposeByHost, detectCompose, type ComposeCli } from '../docker/compose-cli.js';
import type { ErrorCode } from '../error-codes.js';
import { ExitCode, GangwayError, isGangwayError } from '../errors.js';
import type { Host } from '../hosts/host.js';
import { remoteLayout } from '../server/layout.js';
import type { RecordStatus } from '../server/records.js';
import { readRolloutMarker, type RolloutMarker } from '../server/rollout-marker.js';
import { alreadyInPlace } from '../server/rollback-choice.js';
import { readServerState } from '../server/state.js';
import { firstErrorLine } from './first-error-line.js';
import type { ApplyStep, DeployPlan, PlanStep, ReleaseStep } from '../plan/plan-types.js';
import { HostSession } from './session.js';
import { applyDeadlineMs, failureOutput, recoverRelease, runApply } from './steps/run-apply.js';
import type { HostEvents, StepContext, StepReport } from './steps/context.js';
import { deliver } from './steps/deliver.js';
import { makeDirs } from './steps/dirs.js';
import { parseAfterLock } from './steps/after-lock.js';
import { takeLock } from './steps/lock.js';
import { prepareRelease } from './steps/release.js';
import { strategyFor } from '../strategy/index.js';
import { timed } from './timed.js';

/**
 * How it ended here: unchanged = nothing was put in place; unknown = we lost sight of the apply; reverted = it
 * moved, then went back to its release from before the run because the rollout failed on another host;
 * skipped = a rollback that completes an unfinished rollout left a host that rollout never moved.
 */
export type HostResult = 'succeeded' | 'rolled_back' | 'failed' | 'unchanged' | 'unknown' | 'reverted' | 'skipped';

export interface HostOutcome {
  host: string;
  result: HostResult;
  /** The server's record status, when the apply recorded one. */
  status?: RecordStatus;
  /** The tag in place before the run ('none' on a first deploy). */
  from: string;
  /** The release's tag on this host (env-only and rollback learn it on the server). */
  tag?: string;
  /** The tag serving after the run ('none' when nothing is). */
  serving: string;
  failingStep?: string;
  reason?: string;
  /**
   * The host refused the run before anything changed there (an exit-3 error such as E_IMAGE_PLATFORM): its code.
   * A run in which no host changed and one refused exits 3 (cli/run-plan.ts).
   */
  refused?: ErrorCode;
  /** First error line of the failing release's own output (masked by the caller's outputs). */
  firstErrorLine?: string;
  imageId?: string;
  bytesSent: number;
  /** When this host began serving the run's release (ISO 8601), if it did. */
  movedAt?: string;
  /** This host's part of the run, from its lock to its last step. */
  durationMs: number;
  steps: StepReport[];
  runLog?: string;
}

export interface HostDeps {
  config: Config;
  target: Target;
  open(spec: HostSpec): Promise<Host>;
  reopen(spec: HostSpec): Promise<Host>;
  lockWaitMs: number;
  /** The host's Compose as already found in this run (the preflight's); found here when not given. */
  compose?: (host: Host) => Promise<ComposeCli | undefined>;
  /** What the run knows of each host's Compose (cli/context.ts): found ones are remembered there. */
  composes?: Pick<ComposeByHost, 'known' | 'remember'>;
}

export interface LockedHost {
  spec: HostSpec;
  ctx: StepContext;
  steps: StepReport[];
  /** When this host's own steps began (after the locks on every host, and after the waves before its own). */
  started: number;
  /** The release in place when the lock was taken, and the rollout it came with. */
  before?: { id: string; tag?: string; rollout?: string };
  /** A rollout that did not finish, found on this host. */
  unfinishedRollout?: RolloutMarker;
}

/**
 * Connect, find the deploy directory and Compose, take the lock, note what is in place. Compose, when the run
 * does not know it yet, is asked beside the lock (a round trip of its own at the same time); what is read under
 * the lock (the state, the rollout marker) comes in the lock's own round trip.
 */
export async function lockHost(
  plan: DeployPlan,
  deps: HostDeps,
  spec: HostSpec,
  events: HostEvents,
): Promise<LockedHost> {
  const steps: StepReport[] = [];
  const session = new HostSession(
    spec.label,
    () => deps.open(spec),
    () => deps.reopen(spec),
    events,
  );
  const host = await timed(steps, events, 'connect', () => session.open());
  const layout = remoteLayout(await host.resolvePath(deps.target.dir));
  const finding = deps.composes?.known(spec.label) ?? findCompose(deps, host);
  const [found, locking] = await Promise.allSettled([
    finding,
    timed(
      steps,
      events,
      'lock',
      () => takeLock(session, layout, plan, deps.lockWaitMs, events),
      (l) => l.recoveredFrom && `recovered a stale lock: ${l.recoveredFrom}`,
    ),
  ]);
  const lock = locking.status === 'fulfilled' ? locking.value : undefined;
  try {
    // No Compose is said first, as when it was asked before the lock (the lock taken meanwhile goes back).
    if (found.status === 'rejected') throw found.reason;
    deps.composes?.remember(spec.label, found.value);
    const compose = usableCompose(deps, spec, found.value);
    if (!lock) throw (locking as PromiseRejectedResult).reason;
    const read = parseAfterLock(lock.then);
    const ctx: StepContext = {
      label: spec.label,
      plan,
      session,
      layout,
      compose,
      lock,
      ...(read.state && { state: read.state }),
      lockWaitMs: deps.lockWaitMs,
      events,
      results: { bytesSent: 0 },
    };
    const locked: LockedHost = { spec, ctx, steps, started: performance.now() };
    // Two independent reads (when the lock's round trip did not bring them): at once, not one after the other.
    const [, marker] = await Promise.all([
      noteReleaseInPlace(locked),
      read.rollout ?? session.retrying(async (h) => ({ marker: await readRolloutMarker(h, layout) })),
    ]);
    if (marker.marker && marker.marker.id !== plan.rolloutId) locked.unfinishedRollout = marker.marker;
    return locked;
  } catch (e) {
    await lock?.release(session.host).catch(() => {});
    throw e;
  }
}

const findCompose = (deps: HostDeps, host: Host) => (deps.compose ?? detectCompose)(host);

/** The host's Compose, or the strategy's stand-in (a Swarm manager needs none); none at all is an error. */
function usableCompose(deps: HostDeps, spec: HostSpec, found: ComposeCli | undefined): ComposeCli {
  const compose = found ?? strategyFor(deps.config, deps.target).composeStandIn;
  if (!compose)
    throw new GangwayError(
      'E_NO_COMPOSE',
      ExitCode.failed,
      `${spec.label}: neither docker compose nor docker-compose is installed`,
    );
  return compose;
}

/**
 * The release in place (and the rollout it came with): what the host goes back to if the rollout fails. From
 * the state read under the lock, unless the host changed since (a recovery clears it).
 */
async function noteReleaseInPlace(locked: LockedHost): Promise<void> {
  const { session, layout } = locked.ctx;
  const state = locked.ctx.state ?? (await session.retrying((h) => readServerState(h, layout)));
  delete locked.before;
  if (!state.current) return;
  const rollout = state.records.filter((r) => r.id === state.current!.id).at(-1)?.rollout;
  locked.before = { ...state.current, ...(rollout && { rollout }) };
}

const applyStepOf = (steps: PlanStep[]) => steps.find((s): s is ApplyStep => s.kind === 'apply')!;

/** The host's steps and its apply. Never rejects: a failure is an outcome. */
export async function runHost(locked: LockedHost, hold: boolean): Promise<HostOutcome> {
  const { ctx, steps } = locked;
  const { events, plan } = ctx;
  locked.started = performance.now();
  const hostPlan = plan.hosts.find((h) => h.host === ctx.label)!;
  const apply = applyStepOf(hostPlan.steps);
  let applyStarted = false;
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
      delete ctx.state; // the recovery changed the host: read it again
      await noteReleaseInPlace(locked); // the recovery put the release before it back
    }
    const notMoved = notMovedByUnfinished(locked);
    if (notMoved)
      return { ...base(locked), result: 'skipped', serving: locked.before?.tag ?? 'none', reason: notMoved };
    const inPlace = plan.tag.kind === 'rollback' ? alreadyInPlace(locked.before, plan.tag.to) : undefined;
    if (inPlace) {
      if (!hold) await releaseAfterFailure(ctx); // no apply will hand the lock back
      events.onLog(inPlace);
      return { ...base(locked), result: 'skipped', serving: locked.before?.tag ?? 'none', reason: inPlace };
    }
    for (const step of hostPlan.steps) {
      if (step.kind === 'dirs')
        await timed(
          steps,
          events,
          'dirs',
          () => makeDirs(ctx, step),
          (d) => d,
        );
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
    return await applied(locked, apply, hold);
  } catch (e) {
    const err = e as Error;
    events.onLog(`FAILED ${applyStarted ? 'while following the apply' : 'before the apply'}: ${err.message}`);
    if (applyStarted)
      return {
        ...base(locked),
        result: 'unknown',
        serving: 'unknown',
        failingStep: 'follow apply',
        reason: err.message,
      };
    if (!hold) await releaseAfterFailure(ctx);
    const refused = isGangwayError(e) && e.exitCode === ExitCode.preflight ? e.code : undefined;
    return {
      ...base(locked),
      result: 'unchanged',
      serving: 'unchanged',
      failingStep: 'before apply',
      reason: err.message,
      ...(refused && { refused }),
    };
  }
}

/**
 * `gangway rollback` after a rollout that did not finish takes back what that rollout moved: a host whose
 * release in place did not come with it stays where it is (a plain rollback would take it one further back).
 */
function notMovedByUnfinished(locked: LockedHost): string | undefined {
  const { plan } = locked.ctx;
  const marker = locked.unfinishedRollout;
  if (plan.operation !== 'rollback' || plan.tag.kind !== 'rollback' || plan.tag.to !== undefined || !marker)
    return undefined;
  if (locked.before?.rollout === marker.id) return undefined;
  return `not moved by the unfinished rollout ${marker.id}: left on ${locked.before?.tag ?? 'none'}`;
}

/** Run the apply and turn its result into the host's outcome. */
async function applied(locked: LockedHost, apply: ApplyStep, hold: boolean): Promise<HostOutcome> {
  const { ctx } = locked;
  const result = await runApply(ctx, apply, hold);
  if (result.kind !== 'finished') throw new Error('unreachable: a recovery always finishes or throws');
  const outcome: HostOutcome = {
    ...base(locked),
    result: result.outcome,
    status: result.status,
    serving: result.serving,
    ...(result.outcome === 'succeeded' && { movedAt: new Date().toISOString() }),
    ...(result.failing_step && { failingStep: result.failing_step }),
    ...(result.reason && { reason: result.reason }),
  };
  if (result.outcome !== 'succeeded') {
    const line = firstErrorLine(await failureOutput(ctx), apply.health.fatalLogs?.patterns ?? []);
    if (line) {
      outcome.firstErrorLine = line;
      ctx.events.onLog(`first error line: ${line}`); // into the local deploy log too (masked there)
    }
  }
  return outcome;
}

function base(locked: LockedHost): Omit<HostOutcome, 'result' | 'serving'> {
  const { ctx, steps } = locked;
  return {
    host: ctx.label,
    from: locked.before?.tag ?? 'none',
    bytesSent: ctx.results.bytesSent,
    durationMs: performance.now() - locked.started,
    steps,
    runLog: ctx.layout.runLog(ctx.plan.releaseId),
    ...(ctx.results.imageId && { imageId: ctx.results.imageId }),
    ...(ctx.results.tag && { tag: ctx.results.tag }),
  };
}

/**
 * Put a host that moved back on the release it had before the run: that exact retained release, through the
 * same detached apply and gate as any rollback (its own release id in `revertPlan`, recorded as a rollback of
 * the same rollout). Never rejects.
 */
export async function revertHost(
  locked: LockedHost,
  moved: HostOutcome,
  revertPlan: DeployPlan,
  cause: string,
): Promise<HostOutcome> {
  const why = `put back: ${cause}`;
  const before = locked.before;
  if (!before)
    return { ...moved, reason: `${why}, but it had no release before this run: left serving ${moved.serving}` };
  // The state read under the lock is the one from before this host's apply: read afresh.
  const { state: _before, ...now } = locked.ctx;
  const ctx: StepContext = { ...now, plan: revertPlan, results: { bytesSent: 0 } };
  const apply = applyStepOf(revertPlan.hosts.find((h) => h.host === ctx.label)!.steps);
  const step: ReleaseStep = {
    kind: 'release',
    title: `choose release ${before.id}`,
    source: { kind: 'rollback', release: before.id },
    does: [],
  };
  const done = (o: Partial<HostOutcome>): HostOutcome => ({
    ...moved,
    durationMs: performance.now() - locked.started,
    ...o,
  });
  try {
    await timed(locked.steps, ctx.events, 'revert: choose release', () => prepareRelease(ctx, step, apply));
    const result = await runApply(ctx, apply, true);
    if (result.kind !== 'finished') throw new Error('unreachable: a recovery always finishes or throws');
    if (result.outcome === 'succeeded') return done({ result: 'reverted', serving: result.serving, reason: why });
    return done({
      result: 'failed',
      serving: result.serving,
      failingStep: `revert: ${result.failing_step ?? 'apply'}`,
      reason: `${why}; going back failed: ${result.reason ?? 'no reason given'}`,
    });
  } catch (e) {
    ctx.events.onLog(`FAILED to put the host back: ${(e as Error).message}`);
    return done({ result: 'failed', failingStep: 'revert', reason: `${why}; ${(e as Error).message}` });
  }
}

/** Nothing was put in place: hand the lock back at once, over a fresh connection if the old one is gone. */
export async function releaseAfterFailure(ctx: Pick<StepContext, 'lock' | 'session' | 'events'>): Promise<void> {
  try {
    await ctx.lock.release(ctx.session.host);
  } catch (e) {
    await ctx.session
      .reconnect(e as Error)
      .then((host) => ctx.lock.release(host))
      .catch(() => ctx.events.onLog('could not release the lock; it becomes stale within a minute'));
  }
}
