/**
 * The deploy plan's vocabulary: plain data saying, per host, which steps run and with what. Its own folder, below
 * deploy/ and strategy/: built by deploy/plan.ts, run by the executor, read by the strategies and the server files.
 */
import type { HealthSettings, ProxySettings } from '../config/config.js';
import type { AppRouteFiles } from '../proxy/caddy-route.js';
import type { Operation } from '../server/records.js';
import type { SwarmStackPlan } from '../swarm/stack-plan.js';
import type { BuildPlan } from '../image-build/local-build.js';
import type { BuildSource } from '../compose/build-context.js';

export interface PlannedFile {
  /** Name inside `<dir>` and the release directory. */
  name: string;
  localPath: string;
  sha256: string;
  bytes: number;
}

/** The tag a run deploys: given (deploy), the one in place (env-only), or chosen on each server (rollback). */
export type PlanTag = { kind: 'given'; value: string } | { kind: 'in-place' } | { kind: 'rollback'; to?: string };

export type Delivery =
  | {
      mode: 'registry';
      image: string;
      login?: { username: string; passwordEnv: string; server: string };
      /** image.build pushed it: the hosts pull this digest (set once the push answered; pinDigest). */
      byDigest?: boolean;
      digest?: string;
    }
  | { mode: 'archive'; image: string; archive?: string }
  | { mode: 'build'; image: string }
  | { mode: 'sync'; image: string };

/** Where a release's compose files, env and tag come from. */
export type ReleaseSource =
  | { kind: 'upload' }
  | { kind: 'env-only' }
  /** `release`: exactly that retained release (a fleet putting a host back where it was before the run). */
  | { kind: 'rollback'; to?: string; release?: string };

interface StepBase {
  title: string;
  /** What it runs or writes, for display (commands quoted as the server's sh would see them). */
  does: string[];
}
export type LockStep = StepBase & { kind: 'lock' };
export type DirsStep = StepBase & { kind: 'dirs'; dirs: string[] };
export type DeliverStep = StepBase & { kind: 'deliver'; delivery: Delivery };
export type ReleaseStep = StepBase & { kind: 'release'; source: ReleaseSource };
/** Blue/green: the proxy's settings and the files the server needs for it (no secret in them). */
export interface ProxyPlan {
  settings: ProxySettings;
  /** The compose override that runs the proxied service as one colour (colour-override.ts). */
  colourFile: string;
  route: AppRouteFiles;
  /** deploy --end-maintenance: the app's maintenance page goes once the new colour serves. */
  endMaintenance?: boolean;
}
/** Swarm: what the plan carries for swarm.sh on the manager (strategy/swarm/plan-lines.ts says what it does). */
export interface SwarmApply {
  stack: SwarmStackPlan;
  /** swarm-defaults.yml: the update/rollback defaults, given to `docker stack deploy` after the user's files. */
  defaultsFile: string;
  /** `--with-registry-auth`: the deliver step logged in on the manager, and the nodes pull with those credentials. */
  registryAuth: boolean;
  /**
   * `docker stack deploy --resolve-image`: always (the registry pins each image's digest) when the nodes pull;
   * never when the image was delivered to the manager itself (archive, build, sync) and is in no registry.
   */
  resolveImage: 'always' | 'never';
}

export type ApplyStep = StepBase & { kind: 'apply'; health: HealthSettings; keep: number } & (
    { strategy: 'recreate' } | { strategy: 'blue-green'; proxy: ProxyPlan } | { strategy: 'swarm'; swarm: SwarmApply }
  );
export type PlanStep = LockStep | DirsStep | DeliverStep | ReleaseStep | ApplyStep;

export interface HostPlan {
  host: string;
  dir: string;
  steps: PlanStep[];
}

/** File contents read once when planning; never serialised (the env file's text is a secret). */
export class PlanPayload {
  constructor(
    readonly compose: ReadonlyMap<string, Buffer>,
    readonly envText: string | undefined,
    /** Swarm: the secrets and configs found on this machine, by `<kind>-<key>` (secrets' content is secret). */
    readonly swarmObjects: ReadonlyMap<string, Buffer> = new Map(),
    /** Build delivery: where the hosts build the image from, and the files never sent (local paths). */
    readonly buildSource?: BuildSource,
  ) {}
  toJSON(): undefined {
    return undefined;
  }
}

export interface DeployPlan {
  app: string;
  target: string;
  operation: Operation;
  tag: PlanTag;
  /** The image's name (without tag), when gangway.yml names one. */
  imageName?: string;
  releaseId: string;
  /** The run this release belongs to, shared by every host (and by the releases that put hosts back). */
  rolloutId: string;
  who: string;
  /** image.build: built on this machine before any host is locked. */
  build?: BuildPlan;
  composeFiles: PlannedFile[];
  /** The env file: its digest and size only — never its content. */
  env?: PlannedFile;
  hosts: HostPlan[];
  /** metrics.textfile: the apply writes the run's figures (bytes sent) for node_exporter. */
  metricsTextfile: boolean;
  payload: PlanPayload;
}
