/**
 * A release across a fleet: waves (rollout-waves.ts) one after another, and what happens when a host fails —
 * no further host starts, and with `on_failure: rollback_all` every host that already moved is put back on the
 * release it had before (through its gate), so the run never ends with hosts on a release that failed somewhere.
 * An interrupted run (Ctrl-C) ends the same way: no new wave, the hosts under way finish, the moved ones go back.
 * The host work itself comes in as callbacks (host-run.ts), so this file is the policy alone.
 */
import type { RolloutSettings } from '../config/config.js';
import { formatMs } from '../util/duration.js';
import { Semaphore } from '../util/semaphore.js';
import { describeWave, rolloutWaves } from './rollout-waves.js';

/** What the policy needs to know of a host's outcome. */
export interface RolloutOutcome {
  host: string;
  result: string;
}

export interface RolloutWork<H, O extends RolloutOutcome> {
  label(host: H): string;
  /** Run the release on one host (lock held); resolves with its outcome, never rejects. */
  run(host: H): Promise<O>;
  /** The host was never started, `why` ("the rollout failed on a, b", "the run was interrupted (SIGINT)"). */
  notStarted(host: H, why: string): O;
  /** Put a moved host back on its release from before this run. */
  revert(host: H, moved: O, why: string): Promise<O>;
  /** A moved host left where it is (`on_failure: stop`). */
  kept(moved: O, why: string): O;
  /** Progress: a wave starts, a pause, hosts go back. */
  say(line: string): void;
  /** A pause between waves; it ends early when the run is interrupted. */
  sleep(ms: number): Promise<void>;
  /** Why the run was interrupted (Ctrl-C), once it was: no new wave or host starts, the moved hosts go back. */
  interrupted(): string | undefined;
}

/** Connections that run at once: enough for a fleet in one wave (8 hosts ≈ 1 host's time), bounded for 100s. */
export const PARALLEL_HOSTS = 16;

export async function runRollout<H, O extends RolloutOutcome>(
  hosts: readonly H[],
  rollout: RolloutSettings,
  work: RolloutWork<H, O>,
): Promise<O[]> {
  const waves = rolloutWaves(hosts, rollout);
  const limit = new Semaphore(PARALLEL_HOSTS);
  const outcomes = new Map<H, O>();
  const failed: string[] = [];
  // Why no further host starts: a failure, or an interruption (hosts already under way finish their gate).
  const stopped = () => (failed.length ? `the rollout failed on ${failed.join(', ')}` : interrupted());
  const interrupted = () => {
    const why = work.interrupted();
    return why === undefined ? undefined : `the run was interrupted (${why})`;
  };
  for (const [i, wave] of waves.entries()) {
    if (stopped()) break;
    if (i > 0 && rollout.pauseMs > 0) {
      work.say(`pause ${formatMs(rollout.pauseMs)} before the next batch`);
      await work.sleep(rollout.pauseMs);
      if (stopped()) break;
    }
    if (waves.length > 1) work.say(describeWave(wave, waves, work.label));
    await Promise.all(
      wave.hosts.map((h) =>
        limit.use(async () => {
          // A host queued behind the limit does not start once another has failed or the run was interrupted.
          const why = stopped();
          if (why) return outcomes.set(h, work.notStarted(h, why));
          const o = await work.run(h);
          if (o.result !== 'succeeded' && o.result !== 'skipped') failed.push(work.label(h));
          return outcomes.set(h, o);
        }),
      ),
    );
  }
  const why = stopped();
  for (const h of hosts) if (!outcomes.has(h)) outcomes.set(h, work.notStarted(h, why ?? 'not reached'));
  if (why) {
    const lead = failed.length ? `${failed.join(', ')} failed` : `interrupted (${work.interrupted()})`;
    const moved = hosts.filter((h) => outcomes.get(h)!.result === 'succeeded');
    if (moved.length && rollout.onFailure === 'rollback_all') {
      work.say(`${lead}: putting ${moved.map(work.label).join(', ')} back (on_failure: rollback_all)`);
      await Promise.all(
        moved.map((h) => limit.use(async () => outcomes.set(h, await work.revert(h, outcomes.get(h)!, why)))),
      );
    } else if (moved.length) {
      work.say(`${lead}: ${moved.map(work.label).join(', ')} stay on the new release (on_failure: stop)`);
      for (const h of moved) outcomes.set(h, work.kept(outcomes.get(h)!, why));
    }
  }
  return hosts.map((h) => outcomes.get(h)!);
}
