/**
 * The executor: runs a plan's steps on every host of the target. First the lock on every host, before any
 * host changes (all or nothing: a lock held anywhere leaves every host untouched); then the rollout across the
 * hosts (rollout.ts: canaries, batches, every moved host put back when one fails), each host's steps in
 * host-run.ts. Writes the local records.
 */
import type { HookEvent } from '../config/config.js';
import { runHooks } from '../hooks/run-hooks.js';
import { appendReleaseLog, RunRecord } from '../records/local-records.js';
import { newReleaseId } from '../server/layout.js';
import { LockHeldError } from '../server/lock.js';
import { describeUnfinished, removeRolloutMarker, writeRolloutMarker } from '../server/rollout-marker.js';
import {
  type HostDeps,
  type HostOutcome,
  type HostResult,
  type LockedHost,
  lockHost,
  revertHost,
  runHost,
} from './host-run.js';
import { Interruption } from './interruption.js';
import { buildPlan, describeTag } from './plan.js';
import type { DeployPlan } from '../plan/plan-types.js';
import { runRollout } from './rollout.js';
import type { HostEvents } from './steps/context.js';

export type { HostOutcome, HostResult } from './host-run.js';

export interface RunSummary {
  outcomes: HostOutcome[];
  /** Set when a lock held on some host stopped the run before any host changed. */
  lockHeld?: LockHeldError;
  /** A before_deploy hook stopped the run, or an after_deploy hook failed. */
  hookFailure?: string;
  /** Rollouts an earlier run left unfinished, found on these hosts (this run covered them). */
  unfinished: string[];
  /** The signal that interrupted the run (Ctrl-C: SIGINT); it wound down (rollout.ts) and exits 130. */
  interrupted?: string;
  durationMs: number;
  recordFile: string;
}

export interface ApplyDeps extends HostDeps {
  events(host: string): HostEvents;
  /** Run-level progress: waves, pauses, hosts put back. */
  say(line: string): void;
  scrub(text: string): string;
  /** Ctrl-C: set by the CLI's signal handlers (cli/interrupt-signals.ts). */
  interruption?: Interruption;
}

export async function applyPlan(plan: DeployPlan, deps: ApplyDeps): Promise<RunSummary> {
  const started = performance.now();
  const record = new RunRecord(deps.scrub);
  const events = (host: string): HostEvents => recordingEvents(deps.events(host), record, host);
  const say = (line: string) => {
    record.add('rollout', line);
    deps.say(line);
  };
  const interruption = deps.interruption ?? new Interruption();
  const onFailure = deps.target.rollout.onFailure;
  const windDown =
    deps.target.hosts.length === 1
      ? 'an apply under way finishes its gate (the server would finish it anyway)'
      : 'no further host starts; hosts under way finish their gate, then the hosts that moved ' +
        `${onFailure === 'rollback_all' ? 'go back' : 'stay'} (on_failure: ${onFailure}) and every lock is released`;
  const stopListening = interruption.onRequest((why) =>
    say(`interrupted (${why}): ${windDown} — press Ctrl-C again to leave at once`),
  );
  const locking = await Promise.allSettled(
    deps.target.hosts.map((spec) => lockHost(plan, deps, spec, events(spec.label))),
  );
  let outcomes: HostOutcome[];
  let lockHeld: LockHeldError | undefined;
  let hookFailure: string | undefined;
  const unfinished: string[] = [];
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
      from: 'unknown',
      serving: 'unchanged',
      failingStep: why.has(spec.label) ? 'lock' : 'lock (other hosts)',
      reason: why.get(spec.label) ?? `not started: ${[...why.keys()].join(', ')} could not be locked`,
      bytesSent: 0,
      durationMs: 0,
      steps: [],
    }));
  } else {
    const locked = locking.map((r) => (r as PromiseFulfilledResult<LockedHost>).value);
    const markers = new Map<string, LockedHost[]>();
    for (const h of locked)
      if (h.unfinishedRollout) markers.set(h.unfinishedRollout.id, [...(markers.get(h.unfinishedRollout.id) ?? []), h]);
    for (const hosts of markers.values()) {
      const where = hosts.map((h) => h.spec.label).join(', ');
      const text = `${describeUnfinished(hosts[0]!.unfinishedRollout!)} (marker on ${where}); this run covers it`;
      say(text);
      unfinished.push(text);
    }
    // The rollout is the fleet's, not one host's: a rollback completing it judges every host by it.
    const found = [...markers.values()][0]?.[0]?.unfinishedRollout;
    for (const h of locked) h.unfinishedRollout ??= found;
    const hooks = fleetHooks(plan, deps, locked, say);
    const before = plan.operation === 'rollback' ? { ok: true as const } : await hooks('before_deploy', 'starting');
    if (!before.ok) {
      await Promise.all(locked.map((h) => h.ctx.lock.release(h.ctx.session.host).catch(() => {})));
      hookFailure = `${before.message}; nothing was changed on any host`;
      outcomes = locked.map((h) => ({
        host: h.spec.label,
        result: 'unchanged',
        from: h.before?.tag ?? 'none',
        serving: h.before?.tag ?? 'none',
        failingStep: 'before_deploy hook',
        reason: before.message,
        bytesSent: 0,
        durationMs: 0,
        steps: h.steps,
      }));
    } else {
      outcomes = await runFleet(plan, deps, locked, say, interruption);
      const ok = outcomes.every(isSuccess);
      if (ok && plan.operation !== 'rollback') {
        const after = await hooks('after_deploy', 'succeeded', outcomes);
        if (!after.ok) hookFailure = `${after.message} (the release passed its gate on every host and stays)`;
      }
      if (!ok || hookFailure)
        await hooks('on_failure', hookFailure ? 'hook_failed' : overallResult(outcomes), outcomes);
    }
  }
  stopListening();
  const durationMs = performance.now() - started;
  await appendReleaseLog(deps.config.records, releaseLogEntry(plan, outcomes, durationMs), deps.scrub);
  const recordFile = await record.write(deps.config.records);
  const interrupted = interruption.requested;
  return {
    outcomes,
    ...(lockHeld && { lockHeld }),
    ...(hookFailure && { hookFailure }),
    ...(interrupted && { interrupted }),
    unfinished,
    durationMs,
    recordFile,
  };
}

/** The run's hooks, on the locked hosts' connections; each event's output goes to the run's progress. */
function fleetHooks(plan: DeployPlan, deps: ApplyDeps, locked: LockedHost[], say: (line: string) => void) {
  return (event: HookEvent, status: string, outcomes: HostOutcome[] = []) => {
    const hooks = deps.config.hooks[event];
    if (!hooks.length) return Promise.resolve({ ok: true as const });
    const tag = outcomes.find((o) => o.tag)?.tag ?? describeTag(plan.tag);
    return runHooks({
      event,
      hooks,
      app: plan.app,
      target: plan.target,
      tag,
      release: plan.releaseId,
      status,
      hosts: locked.map((h) => ({ label: h.spec.label, host: h.ctx.session.host, layout: h.ctx.layout })),
      baseDir: deps.config.baseDir,
      say: (line) => say(deps.scrub(line)),
    });
  };
}

/**
 * Every host locked: one host runs as before (its apply releases its lock); several hold their locks until the
 * last is done, with a marker on each saying a rollout is under way (removed once every outcome is known).
 */
async function runFleet(
  plan: DeployPlan,
  deps: ApplyDeps,
  locked: LockedHost[],
  say: (line: string) => void,
  interruption: Interruption,
): Promise<HostOutcome[]> {
  const fleet = locked.length > 1;
  // One host interrupted before its steps goes the fleet's way: not started, its lock released.
  if (!fleet && !interruption.requested) return [await runHost(locked[0]!, false)];
  const marker = {
    id: plan.rolloutId,
    operation: plan.operation,
    tag: describeTag(plan.tag),
    target: plan.target,
    who: plan.who,
    started: new Date().toISOString(),
    hosts: locked.map((h) => h.spec.label),
  };
  await Promise.all(
    locked.map((h) => h.ctx.session.retrying((host) => writeRolloutMarker(host, h.ctx.layout, marker))),
  );
  let revertPlan: Promise<DeployPlan> | undefined;
  const outcomes = await runRollout<LockedHost, HostOutcome>(locked, deps.target.rollout, {
    label: (h) => h.spec.label,
    run: (h) => runHost(h, true),
    notStarted: (h, why) => ({
      host: h.spec.label,
      result: 'unchanged' as const,
      from: h.before?.tag ?? 'none',
      serving: h.before?.tag ?? 'none',
      failingStep: 'not started',
      reason: `not started: ${why}`,
      bytesSent: 0,
      durationMs: 0,
      steps: h.steps,
    }),
    revert: async (h, moved, why) => {
      revertPlan ??= buildPlan({
        config: deps.config,
        target: deps.target,
        operation: 'rollback',
        tag: { kind: 'rollback' },
        releaseId: newReleaseId(),
        who: plan.who,
        rolloutId: plan.rolloutId,
      });
      return revertHost(h, moved, await revertPlan, why);
    },
    kept: (moved, why) => ({
      ...moved,
      reason: `kept on ${moved.serving} (on_failure: stop) although ${why}`,
    }),
    say,
    sleep: (ms) => interruption.sleep(ms),
    interrupted: () => interruption.requested,
  });
  await Promise.all(
    locked.map(async (h) => {
      const { session, lock, layout } = h.ctx;
      // A host whose apply we lost sight of finishes on its own and keeps the lock meanwhile (it goes stale a
      // minute after that apply ends); its marker stays, so the next run reports the rollout.
      if (outcomes.find((o) => o.host === h.spec.label)?.result === 'unknown') return;
      await session
        .retrying(async (host) => {
          await removeRolloutMarker(host, layout, plan.rolloutId);
          await lock.release(host);
        })
        .catch(() => h.ctx.events.onLog('could not release the lock; it becomes stale within a minute'));
    }),
  );
  return outcomes;
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

export const isSuccess = (o: HostOutcome): boolean => o.result === 'succeeded' || o.result === 'skipped';

type Refused = HostOutcome & Required<Pick<HostOutcome, 'refused'>>;

/**
 * A host that refused the run (it found, before changing anything, that it cannot take it: exit 3), when no host
 * changed at all; a run that moved any host is judged by its outcomes instead.
 */
export function refusal(outcomes: HostOutcome[]): Refused | undefined {
  if (!outcomes.every((o) => o.result === 'unchanged')) return undefined;
  return outcomes.find((o): o is Refused => o.refused !== undefined);
}

export function overallResult(outcomes: HostOutcome[]): HostResult {
  if (outcomes.every(isSuccess)) return 'succeeded';
  for (const r of ['unknown', 'failed', 'rolled_back', 'reverted'] as const)
    if (outcomes.some((o) => o.result === r)) return r;
  return 'unchanged';
}

function releaseLogEntry(plan: DeployPlan, outcomes: HostOutcome[], durationMs: number) {
  const tags = [...new Set(outcomes.map((o) => o.tag).filter((t): t is string => t !== undefined))];
  return {
    tag: tags.length ? tags.join(', ') : plan.tag.kind === 'given' ? plan.tag.value : '(none chosen)',
    rollout: plan.rolloutId,
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
