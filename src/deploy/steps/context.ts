/** What a step gets: the plan, its host's session, the host's layout, and the run's results so far. */
import type { ComposeCli } from '../../docker/compose-cli.js';
import type { TransferProgress } from '../../hosts/host.js';
import type { RemoteLayout } from '../../server/layout.js';
import type { LockHandle } from '../../server/lock.js';
import type { ServerState } from '../../server/state.js';
import type { DeployPlan } from '../../plan/plan-types.js';
import type { HostSession } from '../session.js';

export interface StepReport {
  step: string;
  status: 'ok' | 'fail';
  ms: number;
  detail?: string;
}

export interface HostEvents {
  /** A step finished (lock, deliver, release, compose up, health gate…). */
  onStep(step: StepReport): void;
  /** A plain line from the server's run log or the transport (shown with -v, recorded). */
  onLog(line: string): void;
  onProgress?(label: string): ((p: TransferProgress) => void) | undefined;
  onLockWait?(holder: string): void;
  /** The run's scrubber, for output cut to length before it reaches the reporter (see delivery/errors.ts). */
  mask(text: string): string;
  /** Env file text found on the server (a rollback's source): its values are secrets too. */
  registerSecrets?(envText: string): void;
}

/** Filled in as the steps run. */
export interface HostResults {
  imageId?: string;
  bytesSent: number;
  /** The release's tag on this host (known after the release step: env-only and rollback read it there). */
  tag?: string;
}

export interface StepContext {
  label: string;
  /** Everything a step needs to know of the run: no step reads gangway.yml. */
  plan: DeployPlan;
  session: HostSession;
  layout: RemoteLayout;
  compose: ComposeCli;
  lock: LockHandle;
  /**
   * The server's state as read in the lock's round trip (after-lock.ts), for the steps before the apply; absent
   * when it was not read there, and cleared once the host changed under this lock (a recovery).
   */
  state?: ServerState;
  lockWaitMs: number;
  events: HostEvents;
  results: HostResults;
}
