/**
 * One way of putting a release in place on a host (recreate, blue-green, swarm): everything that differs
 * between them, behind this one interface. The rest of gangway asks the strategy the registry (index.ts)
 * picked and never branches on the engine or the proxy itself; a new strategy is a new folder and a line in
 * the registry (docs/architecture.md sketches one).
 */
import type { CheckItem } from '../checklist.js';
import type { ComposeFile } from '../compose/compose-file.js';
import type { Config, Target } from '../config/config.js';
import type { HostSpec } from '../config/hosts.js';
import type { ComposeCli } from '../docker/compose-cli.js';
import type { ApplyStep, PlannedFile, PlanTag } from '../plan/plan-types.js';
import type { Host } from '../hosts/host.js';
import type { CanaryState } from '../proxy/canary-state.js';
import type { ProxyStatus } from '../proxy/status.js';
import type { ReleaseFile } from '../server/release-files.js';
import type { ManagerChoice } from '../swarm/manager.js';
import type { SwarmStatus } from '../swarm/status.js';

export type StrategyName = ApplyStep['strategy'];
/** The apply step a strategy plans: its `strategy` name and the data its server script needs. */
export type ApplyOf<N extends StrategyName> = Extract<ApplyStep, { strategy: N }>;

/** What planning the apply step may read: the compose files exactly as they will be uploaded. */
export interface PlanApplyInput {
  config: Config;
  tag: PlanTag;
  releaseId: string;
  composeFiles: PlannedFile[];
  composeBytes: Buffer[];
  /** deploy --end-maintenance: maintenance mode ends once the new release serves (blue/green). */
  endMaintenance?: boolean;
}

/** The strategy's part of a release directory: its assignments in vars.sh and its files beside apply.sh. */
export interface StrategyRelease {
  /** In vars.sh after the common ones; the first is always `STRATEGY`, which apply.sh dispatches on. */
  vars: [string, string | number][];
  files: ReleaseFile[];
}

/** What `gangway status` reads of the strategy on one host (the verdict judges these facts). */
export interface StrategyStatus {
  /** The Compose projects holding the app's containers; absent: Compose holds none (drift is not read). */
  projects?: string[];
  proxy?: ProxyStatus;
  swarm?: SwarmStatus;
}

/** The proxy in front of the app whose request metrics (Caddy's) monitoring reads. */
export interface Traffic {
  /** The host names its route matches (none: every one). */
  domains: readonly string[];
  /** Where the proxy serves its Prometheus metrics (proxy.metrics); absent: it serves none. */
  metrics?: string;
}

/** A rollout that runs for a while after the gate (proxy.canary), and how a rollback ends it on one host. */
export interface RolloutControl {
  /** How long ending one may wait for the deploy to record it; absent: this config starts no such rollout. */
  waitMs(config: Config): number | undefined;
  end(host: Host, dir: string, app: string, waitMs: number): Promise<EndedRollout | undefined>;
}
/** The rollout as it stood when ended, and the status the deploy recorded for it (when it did in time). */
export interface EndedRollout {
  canary: CanaryState;
  status?: string;
}

/** `gangway logs` on one host: what it asks of the strategy that does not read Compose's logs. */
export interface LogsRequest {
  app: string;
  service: string | undefined;
  tail: number;
  follow: boolean;
  /** The host's label, for messages. */
  label: string;
}

/** The strategy's part of one host's preflight. */
export interface StrategyHostChecks {
  /** Checks of the strategy's own engine, in place of the server's Compose (which is then not probed). */
  engine?: Promise<CheckItem[]>;
  /** Checks after the Compose ones. */
  after?: Promise<CheckItem[]>;
}

export interface Strategy<N extends StrategyName = StrategyName> {
  readonly name: N;

  // Planning (deploy/plan.ts)
  /** The plan's apply step: the data for the server and the lines `--dry-run` prints. */
  planApply(input: PlanApplyInput): ApplyOf<N>;
  /** Files of this machine the release carries besides compose and env, read once when planning. */
  readObjects?(step: ApplyOf<N>): Promise<Map<string, Buffer>>;
  /** The hosts of a target one deploy runs on. */
  deployHosts<T>(hosts: T[]): T[];
  /** After image.build pushed, the hosts pull the pushed digest (false: the engine resolves the tag itself). */
  readonly pullsByDigest: boolean;

  // Executing (deploy/host-run.ts, deploy/steps/*)
  /** What a run carries in place of Compose on a host that has none; absent: Compose is needed. */
  readonly composeStandIn?: ComposeCli;
  /**
   * An image the strategy itself runs on each host (blue/green: the proxy's), delivered beside the app's when
   * the host cannot pull (archive, sync); `label` names it in the deliver step's outcome.
   */
  ownImage?(step: ApplyOf<N>): { image: string; label: string };
  /** How long the detached apply (or its recovery) may take before it counts as dead. */
  deadlineMs(step: ApplyOf<N>): number;
  /** vars.sh assignments and files of the release. `env`: the release's env file as read. */
  release(step: ApplyOf<N>, env: ReadonlyMap<string, string>): StrategyRelease;
  /**
   * Files a retained release's copy brings along (copy-release.sh prints `flag` when it copied them): they
   * match that release's compose files, so a rollback keeps them rather than writing this plan's.
   */
  readonly kept?: { flag: string; files: ReadonlySet<string> };

  // Status (status/facts.ts)
  readStatus(host: Host, stateDir: string, config: Config): Promise<StrategyStatus>;

  // Commands (cli/*, drift/, monitoring/)
  /** Commands reach the target through one host of it (swarm: the first manager that answers); absent: all. */
  chooseManager?(target: Target, open: (target: Target, spec: HostSpec) => Promise<Host>): Promise<ManagerChoice>;
  /** Why commands that run inside the app's services (exec, backups, drift) refuse the target; absent: they run. */
  refusesServiceCommands?(target: Pick<Target, 'name'>): string;
  /** The commands whose output `gangway logs` streams from this host; absent: Compose's logs of the release. */
  logCommands?(host: Host, request: LogsRequest): Promise<string[][]>;
  /** The service that runs as a colour in a project of its own (`<app>-<colour>`); absent: none does. */
  colouredService?(config: Config): string;
  /** The proxy whose request metrics the rules, the dashboard and the scrape jobs read; absent: none. */
  traffic?(config: Config): Traffic;
  /** The proxy can answer for the app with a maintenance page (`gangway maintenance`, `--end-maintenance`). */
  readonly maintenancePage?: boolean;
  /** A rollout in progress that `gangway rollback` ends rather than going back a release (blue/green's canary). */
  readonly rollout?: RolloutControl;

  // Preflight (check/*)
  /** Rules on the strategy's own settings in gangway.yml (run with the local checks); absent: none. */
  configChecks?(config: Config): CheckItem[];
  /** Rules on the compose files as loaded on this machine. */
  composeFileChecks?(files: ComposeFile[], config: Config): CheckItem[];
  /** Why this strategy refuses docker-compose v1 (absent: v1 only warns). */
  readonly needsComposeV2?: string;
  hostChecks?(host: Host, config: Config, dir: string): StrategyHostChecks;
}
